"""Which posts of a wall a run reads: the oldest unread ones, at most a given number (catch-up by id).

``wall.get`` lists a wall newest first (a pinned post before all), 100 a page by ``offset``. The posts
not read yet are those after the wall's cursor (the highest post id read; on the first reading, those
posted within the comment window). When the first page does not reach the cursor, the offset where
unread posts end is found by probing: up to 25 ``wall.get`` of one post each, spread over the unknown
range, in one ``execute``, until the range is within a page (a million posts take three calls). Then
the pages from ``limit`` + a page before that offset to a page after it are read in one ``execute``,
and the ``limit`` oldest unread posts are returned, oldest first. The cursor is moved by the caller to
the newest of them only, so the next run goes on from there; posts published while this one reads
shift offsets, and the extra page on each side keeps them from pushing an unread post out of reach.

``comment_counts`` asks for the comment counts of followed posts that were not among the posts listed
(``wall.getById``), so only the posts with new comments have their comments read.
"""

from __future__ import annotations

from collections.abc import Callable

from .vk_reader import BATCH, Call, VkWallReader, WallClosed

PAGE = 100  # wall.get's maximum count


def oldest_unread(reader: VkWallReader, owner_id: int, first_page: dict, is_read: Callable[[dict], bool],
                  limit: int) -> tuple[list[dict], int]:
    """(at most ``limit`` unread posts, oldest first; the number of unread posts seen, which may be more)."""
    items = list(first_page.get("items") or [])
    listed = [p for p in items if not p.get("is_pinned")]
    if len(items) >= PAGE and not any(is_read(p) for p in listed):
        end = _end_of_unread(reader, owner_id, len(items) - 1, int(first_page.get("count") or 0), is_read)
        start = max(0, end - limit - PAGE)
        calls = [Call("wall.get", {"owner_id": owner_id, "offset": offset, "count": PAGE})
                 for offset in range(start, end + PAGE + 1, PAGE)]
        for page in reader.batch(calls):
            if not isinstance(page, WallClosed):
                items += page.get("items") or []
    unread = {p["id"]: p for p in items if not is_read(p)}
    ordered = [unread[i] for i in sorted(unread)]
    return ordered[:limit], len(ordered)


def comment_counts(reader: VkWallReader, owner_id: int, post_ids: list[int]) -> dict[int, int]:
    """The comment count VK shows now under each of these posts (``wall.getById``, 100 posts a call, in
    ``execute`` batches); a post VK does not give (deleted, closed) is left out."""
    calls = [Call("wall.getById", {"posts": ",".join(f"{owner_id}_{i}" for i in post_ids[start:start + PAGE])})
             for start in range(0, len(post_ids), PAGE)]
    counts = {}
    for answer in reader.batch(calls) if calls else []:
        posts = [] if isinstance(answer, WallClosed) else answer.get("items", []) if isinstance(answer, dict) \
            else answer  # before API 5.1xx a bare list
        for post in posts or []:
            counts[int(post["id"])] = int((post.get("comments") or {}).get("count") or 0)
    return counts


def _end_of_unread(reader, owner_id: int, unread_at: int, total: int, is_read) -> int:
    """An offset whose post is read (or the wall's end) with every offset up to ``unread_at`` unread, less
    than a page apart."""
    low, high = unread_at, max(total, unread_at + 1)
    while high - low > PAGE:
        step = (high - low) / (BATCH + 1)
        offsets = sorted({low + max(1, round(step * k)) for k in range(1, BATCH + 1)} - {high})
        probes = reader.batch([Call("wall.get", {"owner_id": owner_id, "offset": o, "count": 1}) for o in offsets])
        for offset, probe in zip(offsets, probes, strict=True):
            posts = [] if isinstance(probe, WallClosed) else probe.get("items") or []
            if posts and not is_read(posts[0]):
                low = max(low, offset)
            else:
                high = min(high, offset)
                break
    return high
