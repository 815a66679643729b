"""The ``watch`` job: read the watched VK walls with the service key and turn complaints into appeals.

Per run, for every wall that is due (``every_seconds`` after its last reading): the first page of posts
(``wall.get``, one ``execute`` for all due walls), then the oldest unread posts, at most
``APPEALS_WATCH_ITEMS_PER_RUN`` (engine/monitor/vk_posts.py: a worker that was down catches up by id
over several runs, nothing skipped), then, with what is left of that number, the new comments and
replies of the posts still followed (posted within ``COMMENT_DAYS``) whose comment count changed, whole
threads included (engine/monitor/vk_comments.py: a cursor per post and per thread, ``execute`` batches
of 25). The cursors move only over what was read; the rest is read on the next runs.

Every new post or comment (not the community's own) is judged by the complaint stage. A complaint is
stored as an appeal of the ``monitor`` channel (of the community's own VK channel when the wall is a
registered community with a token: it is then answered under the post automatically), regime
``incident``, a link to the post or comment, the author's VK id; chatter is only counted. An item a
served community already sent us through the Callback API (the same ``wall<owner>_<post>`` /
``reply<owner>_<comment>``) is not a second appeal. The cursors move after the appeals are stored; the
appeal's external id is unique, so a run stopped between the two reads again and stores nothing twice.

The first reading of a wall takes the posts of the last ``COMMENT_DAYS`` days and their comments.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from engine.domain.appeal import Author, IncomingAppeal
from engine.domain.vocabulary import MONITOR_CHANNEL
from engine.monitor.complaints import Judgement, load_stage
from engine.monitor.vk_comments import PostComments, read_comments
from engine.monitor.vk_posts import comment_counts, oldest_unread
from engine.monitor.vk_reader import Call, KeyRefused, ReadError, Throttled, VkWallReader, WallClosed
from engine.store import watch as store
from engine.store.db import write_transaction

from .channel_events import receive_from_channel
from .credentials import list_channels
from .service_key import KeyInvalid, service_key

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

CHANNEL = MONITOR_CHANNEL
PAGE = 100
COMMENT_DAYS = 7


Verdict = Judgement  # what a judge says of a text: complaint or not, the score, the words found


@dataclass
class PollReport:
    walls: int = 0
    read: int = 0
    appeals: int = 0
    chatter: int = 0
    already: int = 0  # items a Callback API channel had delivered before
    calls: int = 0
    errors: dict = field(default_factory=dict)


def poll_walls(rt: Runtime, reader: VkWallReader, judge: Callable[[str], Verdict]) -> PollReport:
    now = rt.now()
    report = PollReport()
    walls = store.due(now)
    if not walls:
        return report
    try:
        first_pages = reader.batch([Call("wall.get", {"owner_id": w.owner_id, "count": PAGE}) for w in walls])
        for wall, page in zip(walls, first_pages, strict=True):
            report.walls += 1
            if isinstance(page, WallClosed):
                _closed(wall, page, now, report)
                continue
            _read_wall(rt, reader, judge, wall, page, now, report)
    except (Throttled, KeyRefused) as exc:
        log.warning("watch: reading stopped: %s", exc)
        report.errors["reader"] = str(exc)
    report.calls = reader.calls
    return report


def _closed(wall, refused: WallClosed, now: datetime, report: PollReport) -> None:
    report.errors[wall.id] = refused.reason
    with write_transaction():
        store.set_wall(wall.id, polled_at=now, next_poll_at=now + timedelta(seconds=wall.every_seconds),
                       last_error=f"{refused.reason} (код VK {refused.code})")


def _read_wall(rt, reader, judge, wall, page: dict, now: datetime, report: PollReport) -> None:
    window = now - timedelta(days=COMMENT_DAYS)
    limit = rt.settings.watch_items_per_run
    seen = wall.last_post_id
    todo, unread = oldest_unread(reader, wall.owner_id, page,
                                 lambda p: p["id"] <= seen if seen is not None else _date(p, window) < window, limit)
    if unread > len(todo):
        log.info("watch %s: %s unread posts, %s read now, the rest on the next runs", wall.id, unread, len(todo))
    items = [_item(wall, post, None) for post in todo]
    followed = store.followed_posts(wall.id, window)
    shown = {p["id"]: _comment_count(p) for p in page.get("items", []) + todo}
    unlisted = [post_id for post_id in followed if post_id not in shown]
    shown |= comment_counts(reader, wall.owner_id, unlisted) if unlisted else {}
    # followed posts where VK shows a new comment count (a post VK no longer shows is not read)
    changed = [row for row in followed.values() if row.post_id in shown and shown[row.post_id] != row.comment_count]
    new_rows = [(post, _date(post, now)) for post in todo if _date(post, now) >= window]
    threads = store.threads_of([row.id for row in changed])
    states = [PostComments(row.post_id, row.last_comment_id, row.comment_count, threads.get(row.id, {}))
              for row in changed]
    states += [PostComments(post["id"], 0, -1) for post, _ in new_rows if _comment_count(post)]
    budget = limit - len(items)
    comments = read_comments(reader, wall.owner_id, states, budget) if states and budget > 0 else []
    for read in comments:
        items += [_item(wall, {"id": read.post_id}, c) for c in read.items]
    made, chatter = _store_items(rt, judge, wall, items, report)
    with write_transaction():
        for post, posted_at in new_rows:  # comments not read yet: −1, read on the next run
            store.follow_post(wall.id, post["id"], posted_at, comment_count=-1 if _comment_count(post) else 0)
        rows = store.followed_posts(wall.id, window)
        for read in comments:
            if read.post_id not in rows or read.closed is not None:
                continue
            row = rows[read.post_id]
            store.set_post_cursor(row.id, last_comment_id=read.last_comment_id, comment_count=read.comment_count)
            for comment_id, (last_reply_id, reply_count) in read.threads.items():
                store.set_thread(row.id, comment_id, last_reply_id=last_reply_id, reply_count=reply_count)
        store.forget_posts_before(wall.id, window)
        last = max([p["id"] for p in todo], default=None)
        store.set_wall(wall.id, polled_at=now, next_poll_at=now + timedelta(seconds=wall.every_seconds),
                       last_error=None, **({"last_post_id": max(last, wall.last_post_id or 0)} if last else {}))
        store.count_read(wall.id, read=len(items), complaints=made, chatter=chatter)


def _comment_count(post: dict) -> int:
    return int((post.get("comments") or {}).get("count") or 0)


def _date(item: dict, fallback: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(item["date"]), UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return fallback


@dataclass(frozen=True)
class _Item:
    wall: object
    post_id: int
    comment: dict | None
    data: dict

    @property
    def external_id(self) -> str:
        owner = self.wall.owner_id
        return f"reply{owner}_{self.data['id']}" if self.comment else f"wall{owner}_{self.post_id}"

    @property
    def link(self) -> str:
        owner = self.wall.owner_id
        if not self.comment:
            return f"https://vk.com/wall{owner}_{self.post_id}"
        return f"https://vk.com/wall{owner}_{self.post_id}?reply={self.data['id']}"


def _item(wall, post: dict, comment: dict | None) -> _Item:
    return _Item(wall, int(post["id"]), comment, comment if comment is not None else post)


def _store_items(rt, judge, wall, items: list[_Item], report: PollReport) -> tuple[int, int]:
    """(appeals made, chatter counted) of the wall's new items."""
    before = store.appeal_with_external_id([i.external_id for i in items])
    channel = _own_channel(wall.owner_id)
    made = chatter = 0
    for item in items:
        report.read += 1
        author = item.data.get("from_id")
        text = str(item.data.get("text") or "")
        if item.external_id in before:
            report.already += 1
            continue
        if not isinstance(author, int) or author < 0 or not text.strip():  # a community's own, or empty
            report.chatter += 1
            chatter += 1
            continue
        verdict = judge(text)
        if not verdict.complaint:
            report.chatter += 1
            chatter += 1
            continue
        now = rt.now()
        incoming = IncomingAppeal(
            channel=channel, external_id=item.external_id, text=text,
            received_at=min(_date(item.data, now), now),
            author=Author(type="citizen", contact=f"https://vk.com/id{author}"), author_id=f"vk:{author}",
            municipality=wall.municipality, regime="incident", link=item.link)
        raw = json.dumps({"watch": wall.id, "owner_id": wall.owner_id, "post_id": item.post_id, "item": item.data,
                          "complaint": {"score": verdict.score, "words": list(verdict.words)}}, ensure_ascii=False)
        if receive_from_channel(rt, incoming, raw) is not None:
            made += 1
            report.appeals += 1
    return made, chatter


def _own_channel(owner_id: int) -> str:
    """The registered VK channel of the community whose wall this is, when it has a token to reply with
    (its appeals are answered under the post automatically); else ``monitor`` (a reply task)."""
    if owner_id < 0:
        for channel in list_channels("vk"):
            if channel.group_id == -owner_id and channel.api_token:
                return channel.name
    return CHANNEL


def judge_for(rt: Runtime) -> Callable[[str], Judgement] | None:
    """The complaint stage of the rules in force (rules/routing/monitoring.yaml) with their text reader."""
    stage = load_stage(rt.policy_set.rules_dir)
    if stage is None:
        return None
    reader = rt.policy_set.reader
    return lambda text: stage.judge(text, reader)


def watch_walls(rt: Runtime) -> PollReport | None:
    """The worker's ``watch`` job: nothing without a service key (said once, in Russian, while walls wait)
    or without the complaint stage. Walls kept by name are resolved first."""
    from engine.services.watching import reader, resolve_named

    try:
        key = service_key(rt)
    except KeyInvalid as exc:
        _say_once(f"наблюдение за стенами VK выключено: APPEALS_VK_SERVICE_TOKEN не подходит: {exc}")
        return None
    if not key:
        if store.every():
            _say_once("наблюдение за стенами VK выключено: не задан сервисный ключ VK (appeals watch key set "
                      "или APPEALS_VK_SERVICE_TOKEN); стены из списка не читаются")
        return None
    _said.clear()
    judge = judge_for(rt)
    if judge is None:
        log.warning("watch: rules/%s is missing; the watched walls are not read", "routing/monitoring.yaml")
        return None
    vk = reader(rt, key)
    try:
        resolve_named(rt, vk)
    except (Throttled, KeyRefused) as exc:
        log.warning("watch: names not resolved: %s", exc)
    return poll_walls(rt, vk, judge)


_said: set[str] = set()  # what the job said about being off, once per process until a key appears


def _say_once(message: str) -> None:
    if message not in _said:
        _said.add(message)
        log.warning("%s", message)


__all__ = ["CHANNEL", "PollReport", "ReadError", "Verdict", "poll_walls", "watch_walls"]
