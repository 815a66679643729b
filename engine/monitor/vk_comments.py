"""Reading the comments of followed posts, every reply of every thread included, from where the last run stopped.

VK gives a post's comments as top-level comments, each with a ``thread`` (``count`` replies, at most
``thread_items_count`` ≤ 10 of them in ``items``); a longer thread is read on its own with
``wall.getComments`` and ``comment_id``. Comment ids only grow on a wall, so a cursor is the highest id
read: one per post for its top-level comments, one per thread for its replies (with the reply count VK
showed when the thread was read to its end).

For a post whose comment count changed (the caller knows), the top-level comments are listed again, in
pages of 100 (``offset``, oldest first, with a thread preview of 10): new top-level comments are read,
and a thread whose count differs from the one kept is read from its cursor on — from the preview when
it holds the whole thread, else with ``comment_id`` and ``start_comment_id`` in pages of 100. Every
page of every post and thread goes out in ``execute`` batches (one per round for all of them).

At most ``budget`` new items per call: what does not fit is left for the next run, and the cursors
returned cover only what was read (a post or thread not read to its end keeps count −1, so it is read
again). A post's count that moved back and forth between two runs (one deleted, one written) looks
unchanged: its new comment is read when the count next changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .vk_reader import Call, VkWallReader, WallClosed

PAGE = 100  # wall.getComments' maximum count
THREAD_ITEMS = 10  # VK's maximum thread preview
MAX_TOP_PAGES = 50  # top-level comments listed per post and run: 5,000


@dataclass
class PostComments:
    """A followed post as the last run left it; ``threads``: top comment id → (last reply id, reply count
    when read to the end, −1 when not)."""

    post_id: int
    last_comment_id: int = 0
    comment_count: int = 0
    threads: dict[int, tuple[int, int]] = field(default_factory=dict)


@dataclass
class CommentsRead:
    """What a run read of one post: the new comments and replies (oldest first) and the cursors to keep
    (``threads``: only those that moved; a comment without replies keeps no thread cursor)."""

    post_id: int
    items: list[dict] = field(default_factory=list)
    last_comment_id: int = 0
    comment_count: int = -1
    threads: dict[int, tuple[int, int]] = field(default_factory=dict)
    closed: WallClosed | None = None


def read_comments(reader: VkWallReader, owner_id: int, posts: list[PostComments], budget: int) -> list[CommentsRead]:
    tops, counts, closed = _list_top_level(reader, owner_id, posts)
    results = []
    wanted: list[tuple[PostComments, dict, int]] = []  # threads to read with comment_id: (post, comment, from)
    plans: dict[int, list] = {}
    left = budget
    for post in posts:
        if post.post_id in closed:
            results.append(CommentsRead(post.post_id, last_comment_id=post.last_comment_id,
                                        comment_count=post.comment_count, closed=closed[post.post_id]))
            continue
        plan = plans[post.post_id] = []
        for comment in tops.get(post.post_id, []):
            is_new = comment["id"] > post.last_comment_id
            last_reply, known = (0, 0) if is_new else post.threads.get(comment["id"], (0, 0))
            thread = comment.get("thread") or {}
            count = int(thread.get("count") or 0)
            if not is_new and count == known:
                continue
            preview = [r for r in thread.get("items") or [] if r["id"] > last_reply]
            whole = len(thread.get("items") or []) >= count
            plan.append((comment if is_new else None, comment["id"], last_reply, count, preview if whole else None))
            if left > 0 and not whole:
                wanted.append((post, comment, last_reply))
            left -= int(is_new) + max(count - known, 0)
    replies, ended = _read_threads(reader, owner_id, wanted, budget)
    for post in posts:
        if post.post_id in plans:
            results.append(_cut(post, plans[post.post_id], replies, ended, counts.get(post.post_id, -1), budget))
            budget -= len(results[-1].items)
    return results


def _list_top_level(reader, owner_id, posts):
    """Every top-level comment of each post (oldest first), the post's comment count, the posts VK refused.
    A post whose count is the one kept (and was read to its end) is not listed further than its first page."""
    tops: dict[int, list[dict]] = {p.post_id: [] for p in posts}
    counts: dict[int, int] = {}
    closed: dict[int, WallClosed] = {}
    pending = {p.post_id: 0 for p in posts}
    known = {p.post_id: p.comment_count for p in posts}
    while pending:
        calls = [Call("wall.getComments", {"owner_id": owner_id, "post_id": post_id, "count": PAGE, "offset": offset,
                                           "sort": "asc", "thread_items_count": THREAD_ITEMS})
                 for post_id, offset in pending.items()]
        answers = reader.batch(calls)
        following = {}
        for (post_id, offset), answer in zip(pending.items(), answers, strict=True):
            if isinstance(answer, WallClosed):
                closed[post_id] = answer
                continue
            items = answer.get("items") or []
            if offset == 0:
                counts[post_id] = int(answer.get("count") or 0)
                if counts[post_id] == known[post_id] >= 0:
                    continue  # nothing new under this post
            tops[post_id] += items
            if len(items) >= PAGE and offset + PAGE < PAGE * MAX_TOP_PAGES:
                following[post_id] = offset + PAGE
            elif len(items) >= PAGE:
                counts[post_id] = -1  # more than MAX_TOP_PAGES pages: the rest on the next run
        pending = following
    for post_id in tops:
        unique = {c["id"]: c for c in tops[post_id]}
        tops[post_id] = [unique[i] for i in sorted(unique)]
    return tops, counts, closed


def _read_threads(reader, owner_id, wanted, budget: int) -> tuple[dict[tuple[int, int], list[dict]], set]:
    """The replies after ``from`` of each wanted thread, oldest first, in pages of 100, and the threads read
    to their end; at most about ``budget`` replies over all threads (the rest next run, from there)."""
    found: dict[tuple[int, int], list[dict]] = {}
    ended: set[tuple[int, int]] = set()
    pending = {(post.post_id, comment["id"]): last for post, comment, last in wanted}
    while pending and budget > 0:
        calls = []
        for (post_id, comment_id), start in pending.items():
            params = {"owner_id": owner_id, "post_id": post_id, "comment_id": comment_id, "count": PAGE,
                      "sort": "asc"}
            if start:
                params["start_comment_id"] = start  # the last reply read: it is known to exist
            calls.append(Call("wall.getComments", params))
        answers = reader.batch(calls)
        following = {}
        for (key, start), answer in zip(pending.items(), answers, strict=True):
            if isinstance(answer, WallClosed):
                continue
            items = answer.get("items") or []
            fresh = sorted((r for r in items if r["id"] > start), key=lambda r: r["id"])
            found.setdefault(key, []).extend(fresh)
            budget -= len(fresh)
            if len(items) >= PAGE and fresh:
                following[key] = fresh[-1]["id"]
            elif len(items) < PAGE:
                ended.add(key)
        pending = following
    return found, ended


def _cut(post: PostComments, plan: list, replies: dict, ended: set, count: int, budget: int) -> CommentsRead:
    """The post's new items in order, as many as ``budget`` allows, and the cursors that cover them."""
    read = CommentsRead(post.post_id, last_comment_id=post.last_comment_id, comment_count=count)
    complete = count >= 0
    for new_comment, comment_id, last_reply, thread_count, preview in plan:
        if new_comment is not None:
            if budget <= 0:
                complete = False
                break
            read.items.append(new_comment)
            budget -= 1
            read.last_comment_id = comment_id
        key = (post.post_id, comment_id)
        fresh = preview if preview is not None else replies.get(key)
        if fresh is None:  # its thread was not read this run
            read.threads[comment_id] = (last_reply, -1)
            complete = False
            continue
        taken = fresh[:max(budget, 0)]
        read.items += taken
        budget -= len(taken)
        done = len(taken) == len(fresh) and (preview is not None or key in ended)
        read.threads[comment_id] = (taken[-1]["id"] if taken else last_reply, thread_count if done else -1)
        complete = complete and done
    if not complete:
        read.comment_count = -1
    read.threads = {c: state for c, state in read.threads.items() if state != post.threads.get(c, (0, 0))}
    read.items.sort(key=lambda c: c["id"])  # as they were written
    return read
