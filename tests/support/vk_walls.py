"""A local VK API that also serves public walls, as a VK service key reads them.

    with FakeVkWalls("service-key") as vk:
        vk.community(218000001, "barnaul22", "Барнаул 22")      # a public community
        vk.person(5550001, "ivan.petrov", private=True)          # a user's page (closed: error 30)
        post = vk.post(-218000001, "Когда уже уберут снег?", from_id=101)   # the post's id
        vk.comment(-218000001, post, "Сколько можно!", from_id=102)        # the comment's id
        vk.reply(-218000001, post, parent_comment_id, "…", from_id=103)     # a reply in its thread

Methods, in VK's formats (API 5.199): ``wall.get`` (``owner_id``, ``offset``, ``count`` ≤ 100; newest
first, a pinned post first with ``is_pinned``), ``wall.getComments`` (``owner_id``, ``post_id``,
``start_comment_id`` — from that comment on —, ``sort`` asc|desc, ``count`` ≤ 100, ``offset``,
``thread_items_count`` ≤ 10: each top-level comment carries ``thread: {count, items}``; with
``comment_id`` the replies of that comment's thread, the same paging, ``current_level_count`` their number;
``count`` is every comment of the post),
``wall.getById`` (``posts``: up to 100 ``<owner>_<post>``, ``{"items": [...]}`` of those it may show),
``utils.resolveScreenName`` (``{"type", "object_id"}``, or ``[]`` for an unknown name),
``groups.getById`` with ``group_ids`` and ``execute``: ``code`` of the form
``return [API.method({...json...}), …];`` with at most 25 calls; a call that fails answers ``false`` in
its place and its error goes to ``execute_errors`` (``method``, ``error_code``, ``error_msg``), as VK does.

A closed wall (``close_wall(owner_id)``) is 15 ``Access denied``; a private user's page is 30 ``This
profile is private``. ``executed`` lists the calls made inside ``execute``.
"""

from __future__ import annotations

import json
import re

from .vk_api import FakeVkApi, VkError, _integer

CALL = re.compile(r"API\.([a-zA-Z]+\.[a-zA-Z]+)\((\{.*?\})\)", re.S)
MAX_EXECUTE = 25


class FakeVkWalls(FakeVkApi):
    def __init__(self, token: str, **kwargs):
        super().__init__(token, **kwargs)
        self.names: dict[str, tuple[str, int]] = {}
        self.groups: dict[int, dict] = {}
        self.private: set[int] = set()
        self.closed_walls: set[int] = set()
        self.posts: dict[int, list[dict]] = {}
        self.wall_comments: dict[tuple[int, int], list[dict]] = {}
        self.executed: list[dict] = []
        self._next_id: dict[int, int] = {}
        self.now = 1_796_000_000  # unix seconds given to new items (tests may move it)

    # -- building the walls --------------------------------------------------------------------------

    def community(self, group_id: int, screen_name: str, name: str) -> int:
        self.names[screen_name] = ("group", group_id)
        self.groups[group_id] = {"id": group_id, "name": name, "screen_name": screen_name, "is_closed": 0,
                                 "type": "group"}
        return -group_id

    def person(self, user_id: int, screen_name: str, *, private: bool = False) -> int:
        self.names[screen_name] = ("user", user_id)
        if private:
            self.private.add(user_id)
        return user_id

    def close_wall(self, owner_id: int) -> None:
        self.closed_walls.add(owner_id)

    def _id(self, owner_id: int) -> int:
        self._next_id[owner_id] = self._next_id.get(owner_id, 0) + 1
        return self._next_id[owner_id]

    def post(self, owner_id: int, text: str, *, from_id: int | None = None, pinned: bool = False) -> int:
        with self.lock:
            post_id = self._id(owner_id)
            self.posts.setdefault(owner_id, []).append({
                "id": post_id, "owner_id": owner_id, "from_id": owner_id if from_id is None else from_id,
                "date": self.now, "text": text, "post_type": "post", "comments": {"count": 0},
                **({"is_pinned": 1} if pinned else {})})
            self.wall_comments[(owner_id, post_id)] = []
        return post_id

    def comment(self, owner_id: int, post_id: int, text: str, *, from_id: int, reply_to: int | None = None) -> int:
        with self.lock:
            comment_id = self._id(owner_id)
            item = {"id": comment_id, "from_id": from_id, "post_id": post_id, "owner_id": owner_id,
                    "date": self.now, "text": text, "parents_stack": [reply_to] if reply_to else []}
            if reply_to:
                item["reply_to_comment"] = reply_to
            self.wall_comments[(owner_id, post_id)].append(item)
            for post in self.posts[owner_id]:
                if post["id"] == post_id:
                    post["comments"]["count"] += 1
        return comment_id

    def reply(self, owner_id: int, post_id: int, parent_id: int, text: str, *, from_id: int) -> int:
        return self.comment(owner_id, post_id, text, from_id=from_id, reply_to=parent_id)

    @property
    def read_calls(self) -> list[dict]:
        """Every read of a wall, straight or inside ``execute``."""
        straight = [{"method": r["method"], "params": r["params"]} for r in self.requests
                    if r["method"] in ("wall.get", "wall.getComments")]
        return straight + [c for c in self.executed if c["method"] in ("wall.get", "wall.getComments")]

    # -- the protocol ----------------------------------------------------------------------------------

    def handle(self, request):
        status, body = super().handle(request)
        if isinstance(body, dict) and isinstance(body.get("response"), tuple):
            answers, errors = body["response"]
            body = {"response": answers, **({"execute_errors": errors} if errors else {})}
        return status, body

    def _other(self, method: str, params: dict):
        if method == "execute":
            return self._execute(params.get("code") or "")
        return self._read(method, params)

    def _read(self, method: str, params: dict):
        if method == "utils.resolveScreenName":
            found = self.names.get(str(params.get("screen_name") or ""))
            return {"type": found[0], "object_id": found[1]} if found else []
        if method == "groups.getById":
            ids = [int(i) for i in str(params["group_ids"]).split(",") if i.strip().lstrip("-").isdigit()]
            groups = [self.groups[abs(i)] for i in ids if abs(i) in self.groups]
            if not groups:
                raise VkError(100, "group_ids is undefined")
            return {"groups": groups, "profiles": []}
        if method == "wall.get":
            return self._wall_get(params)
        if method == "wall.getComments":
            return self._get_comments(params)
        if method == "wall.getById":
            return self._get_by_id(params)
        raise VkError(3)

    def _wall(self, owner_id: int) -> list[dict]:
        if owner_id in self.private:
            raise VkError(30)
        if owner_id in self.closed_walls:
            raise VkError(15)
        if owner_id not in self.posts and -owner_id not in self.groups and owner_id not in self.private:
            raise VkError(100, "owner_id is undefined")
        return self.posts.get(owner_id, [])

    def _wall_get(self, params: dict) -> dict:
        owner_id = _integer(params, "owner_id", required=True)
        offset = _integer(params, "offset") or 0
        count = min(_integer(params, "count") or 20, 100)
        posts = self._wall(owner_id)
        ordered = [p for p in posts if p.get("is_pinned")] + [p for p in reversed(posts) if not p.get("is_pinned")]
        return {"count": len(posts), "items": json.loads(json.dumps(ordered[offset:offset + count]))}

    def _get_by_id(self, params: dict) -> dict:
        wanted = [w.strip() for w in str(params.get("posts") or "").split(",") if w.strip()]
        if not wanted:
            raise VkError(100, "posts is undefined")
        if len(wanted) > 100:
            raise VkError(100, "posts is too long")
        found = []
        for pair in wanted:
            owner, _, post_id = pair.rpartition("_")
            if not owner.lstrip("-").isdigit() or not post_id.isdigit():
                raise VkError(100, "posts is invalid")
            owner_id = int(owner)
            if owner_id in self.private or owner_id in self.closed_walls:
                continue  # VK leaves out what the key may not see
            found += [p for p in self.posts.get(owner_id, []) if p["id"] == int(post_id)]
        return {"items": json.loads(json.dumps(found))}

    def _get_comments(self, params: dict) -> dict:
        owner_id = _integer(params, "owner_id", required=True)
        post_id = _integer(params, "post_id", required=True)
        self._wall(owner_id)
        if (owner_id, post_id) not in self.wall_comments:
            raise VkError(100, "post_id is undefined")
        every = self.wall_comments[(owner_id, post_id)]
        start = _integer(params, "start_comment_id")
        offset = _integer(params, "offset") or 0
        count = min(_integer(params, "count") or 10, 100)
        thread_items = min(_integer(params, "thread_items_count") or 0, 10)
        thread_of = _integer(params, "comment_id")
        if thread_of is not None:  # one thread: the replies to that comment, without threads of their own
            if not any(c["id"] == thread_of and not c["parents_stack"] for c in every):
                raise VkError(100, "comment_id is invalid")
            level = [c for c in every if c["parents_stack"] and c["parents_stack"][0] == thread_of]
        else:
            level = [c for c in every if not c["parents_stack"]]
        if params.get("sort") == "desc":
            level = level[::-1]
        if start is not None:
            level = [c for c in level if (c["id"] >= start if params.get("sort") != "desc" else c["id"] <= start)]
        items = []
        for comment in level[offset:offset + count]:
            if thread_of is not None:
                items.append(comment)
                continue
            replies = [c for c in every if c["parents_stack"] and c["parents_stack"][0] == comment["id"]]
            items.append({**comment, "thread": {"count": len(replies), "items": replies[:thread_items],
                                                "can_post": True}})
        return {"count": len(every), "current_level_count": len(level), "can_post": True,
                "items": json.loads(json.dumps(items))}

    def _execute(self, code: str):
        calls = CALL.findall(code)
        if not code.strip().startswith("return") or not calls:
            raise VkError(12)
        if len(calls) > MAX_EXECUTE:
            raise VkError(13, "too many API calls")
        answers, errors = [], []
        for method, arguments in calls:
            params = {k: str(v) for k, v in json.loads(arguments).items()}
            self.executed.append({"method": method, "params": params})
            try:
                answers.append(self._read(method, params))
            except VkError as exc:
                answers.append(False)
                errors.append({"method": method, "error_code": exc.code, "error_msg": exc.msg})
        return (answers, errors)
