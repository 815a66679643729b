"""The watch list: public VK walls read with the service key, and where reading each of them stopped.

``WatchRecord`` is a watched wall (a community is its negative owner id, a person's page positive) with
the highest post id read; ``WatchPostRecord`` is a post whose comments are still followed, with the
highest top-level comment id read and the comment count VK showed when the post was read to its end (−1:
not yet); ``WatchThreadRecord`` is a thread of replies under one of its comments, with the highest reply
id read and the reply count when read to its end. The cursors are committed together with the appeals
their items made, so a worker stopped midway reads nothing twice and skips nothing.
"""

from __future__ import annotations

from datetime import datetime

from peewee import AutoField, BigIntegerField, CharField, ForeignKeyField, IntegerField, TextField

from .models import AppealRecord, AuditRecord, BaseModel, UTCDateTimeField


class WatchRecord(BaseModel):
    id = AutoField()
    platform = CharField(max_length=16, default="vk")
    # VK: −community id for a community's wall, the user id for a page; empty while only the name is known
    owner_id = BigIntegerField(null=True)
    screen_name = CharField(null=True, max_length=100)
    title = CharField(null=True)
    municipality = CharField(null=True)
    every_seconds = IntegerField(default=300)
    created_at = UTCDateTimeField()
    created_by = CharField(null=True)
    last_post_id = BigIntegerField(null=True)  # None until the first reading
    polled_at = UTCDateTimeField(null=True)
    next_poll_at = UTCDateTimeField(null=True)
    last_error = TextField(null=True)
    read_count = IntegerField(default=0)  # posts and comments read since the wall was added
    complaint_count = IntegerField(default=0)  # of them, complaints (each an appeal)
    chatter_count = IntegerField(default=0)  # of them, not complaints: counted, never stored

    class Meta:
        indexes = ((("platform", "owner_id"), True),)


class WatchPostRecord(BaseModel):
    id = AutoField()
    watch = ForeignKeyField(WatchRecord, on_delete="CASCADE", backref="posts")
    post_id = BigIntegerField()
    posted_at = UTCDateTimeField()
    last_comment_id = BigIntegerField(default=0)
    comment_count = IntegerField(default=0)

    class Meta:
        indexes = ((("watch", "post_id"), True),)


class WatchThreadRecord(BaseModel):
    id = AutoField()
    post = ForeignKeyField(WatchPostRecord, on_delete="CASCADE", backref="threads")
    comment_id = BigIntegerField()  # the top-level comment the replies answer
    last_reply_id = BigIntegerField(default=0)
    reply_count = IntegerField(default=0)  # −1: not read to its end

    class Meta:
        indexes = ((("post", "comment_id"), True),)


TABLES = (WatchRecord, WatchPostRecord)  # as m0030 made them; m0033 adds WatchThreadRecord


def add(platform: str, owner_id: int | None, *, screen_name: str | None, title: str | None, municipality: str | None,
        every_seconds: int, actor: str, now: datetime) -> tuple[WatchRecord, bool]:
    """The wall's watch, created unless it was watched already (then its settings are updated)."""
    same = (WatchRecord.owner_id == owner_id) if owner_id is not None else (WatchRecord.screen_name == screen_name)
    found = WatchRecord.get_or_none((WatchRecord.platform == platform) & same)
    if found is not None:
        found.screen_name, found.title = screen_name or found.screen_name, title or found.title
        found.municipality, found.every_seconds = municipality or found.municipality, every_seconds
        found.save()
        return found, False
    return WatchRecord.create(platform=platform, owner_id=owner_id, screen_name=screen_name, title=title,
                              municipality=municipality, every_seconds=every_seconds, created_at=now,
                              created_by=actor), True


def every() -> list[WatchRecord]:
    return list(WatchRecord.select().order_by(WatchRecord.id))


def get(watch_id: int) -> WatchRecord | None:
    return WatchRecord.get_or_none(WatchRecord.id == watch_id)


def remove(watch_id: int) -> bool:
    posts = WatchPostRecord.select(WatchPostRecord.id).where(WatchPostRecord.watch == watch_id)
    WatchThreadRecord.delete().where(WatchThreadRecord.post.in_(posts)).execute()
    WatchPostRecord.delete().where(WatchPostRecord.watch == watch_id).execute()
    return bool(WatchRecord.delete().where(WatchRecord.id == watch_id).execute())


def due(now: datetime) -> list[WatchRecord]:
    """The walls to read now (those known by name only wait until resolved)."""
    return list(WatchRecord.select().where(WatchRecord.owner_id.is_null(False)
                                           & (WatchRecord.next_poll_at.is_null() | (WatchRecord.next_poll_at <= now)))
                .order_by(WatchRecord.id))


def unresolved(now: datetime) -> list[WatchRecord]:
    """The walls known by name only whose turn it is to be resolved."""
    return list(WatchRecord.select().where(WatchRecord.owner_id.is_null()
                                           & (WatchRecord.next_poll_at.is_null() | (WatchRecord.next_poll_at <= now)))
                .order_by(WatchRecord.id))


def resolve(watch_id: int, owner_id: int, title: str | None) -> int:
    """The wall kept by name has this owner id: set it, or, when that wall is watched already, drop this
    row (the other one stays). The id of the watch that reads the wall."""
    other = WatchRecord.get_or_none((WatchRecord.owner_id == owner_id) & (WatchRecord.id != watch_id))
    if other is not None:
        remove(watch_id)
        return other.id
    WatchRecord.update(owner_id=owner_id, title=title, last_error=None, next_poll_at=None).where(
        WatchRecord.id == watch_id).execute()
    return watch_id


def followed_posts(watch_id: int, since: datetime) -> dict[int, WatchPostRecord]:
    rows = WatchPostRecord.select().where((WatchPostRecord.watch == watch_id) & (WatchPostRecord.posted_at >= since))
    return {row.post_id: row for row in rows}


def follow_post(watch_id: int, post_id: int, posted_at: datetime, comment_count: int = 0) -> WatchPostRecord:
    found = WatchPostRecord.get_or_none((WatchPostRecord.watch == watch_id) & (WatchPostRecord.post_id == post_id))
    return found or WatchPostRecord.create(watch=watch_id, post_id=post_id, posted_at=posted_at,
                                           comment_count=comment_count)


def threads_of(post_row_ids: list[int]) -> dict[int, dict[int, tuple[int, int]]]:
    """post row id → {comment id: (last reply id read, reply count when read to its end or −1)}."""
    found: dict[int, dict[int, tuple[int, int]]] = {}
    if post_row_ids:
        for row in WatchThreadRecord.select().where(WatchThreadRecord.post.in_(post_row_ids)):
            found.setdefault(row.post_id, {})[row.comment_id] = (row.last_reply_id, row.reply_count)
    return found


def set_thread(post_row_id: int, comment_id: int, *, last_reply_id: int, reply_count: int) -> None:
    updated = WatchThreadRecord.update(last_reply_id=last_reply_id, reply_count=reply_count).where(
        (WatchThreadRecord.post == post_row_id) & (WatchThreadRecord.comment_id == comment_id)).execute()
    if not updated:
        WatchThreadRecord.create(post=post_row_id, comment_id=comment_id, last_reply_id=last_reply_id,
                                 reply_count=reply_count)


def forget_posts_before(watch_id: int, before: datetime) -> int:
    old = WatchPostRecord.select(WatchPostRecord.id).where((WatchPostRecord.watch == watch_id)
                                                           & (WatchPostRecord.posted_at < before))
    WatchThreadRecord.delete().where(WatchThreadRecord.post.in_(old)).execute()
    return WatchPostRecord.delete().where((WatchPostRecord.watch == watch_id)
                                          & (WatchPostRecord.posted_at < before)).execute()


def set_post_cursor(row_id: int, *, last_comment_id: int | None = None, comment_count: int | None = None) -> None:
    values = {}
    if last_comment_id is not None:
        values["last_comment_id"] = last_comment_id
    if comment_count is not None:
        values["comment_count"] = comment_count
    if values:
        WatchPostRecord.update(values).where(WatchPostRecord.id == row_id).execute()


def set_wall(watch_id: int, **values) -> None:
    WatchRecord.update(values).where(WatchRecord.id == watch_id).execute()


def count_read(watch_id: int, *, read: int, complaints: int, chatter: int) -> None:
    WatchRecord.update(read_count=WatchRecord.read_count + read,
                       complaint_count=WatchRecord.complaint_count + complaints,
                       chatter_count=WatchRecord.chatter_count + chatter).where(WatchRecord.id == watch_id).execute()


def appeal_with_external_id(external_ids: list[str]) -> dict[str, int]:
    """The appeals, of any channel, stored under these external ids (a Callback API item is
    ``reply<owner>_<id>`` or ``wall<owner>_<id>``, as a monitored one)."""
    if not external_ids:
        return {}
    rows = AppealRecord.select(AppealRecord.id, AppealRecord.external_id).where(
        AppealRecord.external_id.in_(external_ids))
    return {row.external_id: row.id for row in rows}


NOT_AN_APPEAL = "monitor.not_an_appeal"
NOT_AN_APPEAL_UNDONE = "monitor.not_an_appeal_undone"


def _standing(appeal_ids=None) -> list[AuditRecord]:
    """The marks not undone since (the latest mark or undo of each appeal decides), oldest first."""
    query = AuditRecord.select().where(AuditRecord.action.in_((NOT_AN_APPEAL, NOT_AN_APPEAL_UNDONE)))
    if appeal_ids is not None:
        query = query.where(AuditRecord.appeal.in_(appeal_ids))
    latest: dict[int, AuditRecord] = {}
    for row in query.order_by(AuditRecord.id):
        latest[row.appeal_id] = row
    return sorted((r for r in latest.values() if r.action == NOT_AN_APPEAL), key=lambda r: r.id)


def not_an_appeal_marks() -> list[tuple[AuditRecord, AppealRecord]]:
    """Every standing «не обращение» mark with its appeal, oldest first."""
    marks = _standing()
    appeals = {a.id: a for a in AppealRecord.select().where(AppealRecord.id.in_([m.appeal_id for m in marks]))}
    return [(mark, appeals[mark.appeal_id]) for mark in marks if mark.appeal_id in appeals]


def standing_mark(appeal_id: int) -> AuditRecord | None:
    found = _standing([appeal_id])
    return found[0] if found else None


def is_marked(appeal_id: int) -> bool:
    return standing_mark(appeal_id) is not None
