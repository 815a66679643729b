"""A local VK API: ``<url>/<method>`` (``url`` ends in ``/method``, like ``https://api.vk.com/method``),
parameters in the query string or a urlencoded POST body, as VK takes them; every answer is HTTP 200 with
``{"response": …}`` or ``{"error": {"error_code", "error_msg", "request_params"}}``.

    with FakeVkApi("vk1.a.community-token", group_id=218861756) as vk:
        settings: APPEALS_VK_API_URL = vk.url
        vk.received       # every call it accepted: {"method", "params", "id"} (params as sent, strings)
        vk.comments, vk.messages   # the accepted wall.createComment / messages.send calls
        vk.requests       # every call it got, accepted or not: {"method", "params", "query"}

Methods: ``wall.createComment`` (``owner_id``, ``post_id``, ``from_group``, ``reply_to_comment``,
``message``, ``guid``; answers ``{"comment_id", "parents_stack"}``; a repeated ``guid`` on the same post
answers the first comment's id and adds nothing), ``messages.send`` (``peer_id`` or ``user_id``,
``random_id`` required, ``message``; answers the message id; a repeated ``random_id`` to the same peer
answers the first message's id and adds nothing, as VK drops a repeat) and ``groups.getById`` (the
token's community). ``v`` is required; the token is ``access_token``.

What goes wrong, as VK says it (``error_code``):

- no token, an unknown or revoked one (``revoke_token()``): 5 ``User authorization failed``;
- ``calls_per_second=20``: more calls with one token within a second are 6 ``Too many requests per
  second``;
- ``close_comments(owner_id, post_id)``: commenting there is 213 ``Access to status replies denied``;
- ``deny_messages(peer_id)``: 901 ``Can't send messages for users without permission``;
- a message over 4096 characters (after VK's HTML escaping) is 914 ``Message is too long``;
- missing parameters are 100; an unknown method is 3;
- ``script_error(code, times=1, method=None)``: any VK error (6, 9, 29, 10, 1, 7, 15, 203, 212, 214…)
  for the next calls (of that method only, when given), with VK's own message for the code.
"""

from __future__ import annotations

import html
import time
from collections import deque

from .http_server import LocalServer, Request

MESSAGES = {
    1: "Unknown error occurred",
    3: "Unknown method passed",
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    7: "Permission to perform this action is denied",
    8: "Invalid request: v (version) is required",
    9: "Flood control",
    10: "Internal server error",
    14: "Captcha needed",
    15: "Access denied",
    18: "User was deleted or banned",
    29: "Rate limit reached",
    100: "One of the parameters specified was missing or invalid",
    203: "Access to group denied",
    212: "Access to post comments denied",
    213: "Access to status replies denied",
    214: "Access to adding post denied",
    223: "Too many replies",
    900: "Can't send messages for users from blacklist",
    901: "Can't send messages for users without permission",
    902: "Can't send messages to this user due to their privacy settings",
    914: "Message is too long",
    12: "Unable to compile code",
    13: "Runtime error occurred during code invocation",
    30: "This profile is private",
}
MAX_MESSAGE = 4096


class VkError(Exception):
    def __init__(self, code: int, detail: str = ""):
        super().__init__(code)
        self.code = code
        self.msg = MESSAGES.get(code, "Unknown error occurred") + (f": {detail}" if detail else "")


class FakeVkApi(LocalServer):
    def __init__(self, token: str, *, group_id: int = 218861756, calls_per_second: int | None = None):
        super().__init__()
        self.tokens = {token}
        self.group_id = group_id
        self.calls_per_second = calls_per_second
        self.received: list[dict] = []
        self.requests: list[dict] = []
        self.closed: set[tuple[int, int]] = set()
        self.denied: set[int] = set()
        self.next_comment_id = 500
        self.next_message_id = 900
        self._scripted: deque[tuple[int, str | None]] = deque()
        self._calls: dict[str, deque[float]] = {}
        self._repeats: dict[tuple, int] = {}

    # -- scripting ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"{super().url}/method"

    def script_error(self, code: int, *, times: int = 1, method: str | None = None) -> None:
        with self.lock:
            self._scripted.extend([(code, method)] * times)

    def accept_token(self, token: str) -> None:
        self.tokens.add(token)

    def revoke_token(self, token: str | None = None) -> None:
        if token is None:
            self.tokens.clear()
        else:
            self.tokens.discard(token)

    def close_comments(self, owner_id: int, post_id: int) -> None:
        self.closed.add((int(owner_id), int(post_id)))

    def deny_messages(self, peer_id: int) -> None:
        self.denied.add(int(peer_id))

    @property
    def comments(self) -> list[dict]:
        return [r for r in self.received if r["method"] == "wall.createComment"]

    @property
    def messages(self) -> list[dict]:
        return [r for r in self.received if r["method"] == "messages.send"]

    # -- the protocol --------------------------------------------------------------------------------

    def handle(self, request: Request) -> tuple:
        if not request.path.startswith("/method/"):
            return 404, "Not Found"
        method = request.path[len("/method/"):]
        params = request.form()
        with self.lock:
            self.requests.append({"method": method, "params": params, "query": request.query})
        try:
            return 200, {"response": self._call(method, params)}
        except VkError as exc:
            shown = [{"key": "method", "value": method}] + [
                {"key": k, "value": v} for k, v in params.items() if k != "access_token"]
            return 200, {"error": {"error_code": exc.code, "error_msg": exc.msg, "request_params": shown}}

    def _call(self, method: str, params: dict):
        if not params.get("v"):
            raise VkError(8)
        token = params.get("access_token")
        if not token:
            raise VkError(5, "no access_token passed.")
        with self.lock:
            if token not in self.tokens:
                raise VkError(5)
            scripted = self._scripted[0] if self._scripted else None
            if scripted and scripted[1] in (None, method):
                self._scripted.popleft()
                raise VkError(scripted[0])
            self._count_call(token)
            if method == "wall.createComment":
                return self._create_comment(params)
            if method == "messages.send":
                return self._send_message(params)
            if method == "groups.getById" and not params.get("group_ids"):
                return {"groups": [{"id": self.group_id, "name": "ЦУР Алтайского края", "screen_name":
                                    f"club{self.group_id}", "type": "group"}], "profiles": []}
            return self._other(method, params)

    def _other(self, method: str, params: dict):
        """Methods of a subclass (tests/support/vk_walls.py reads public walls); here: unknown."""
        raise VkError(3)

    def _count_call(self, token: str) -> None:
        if not self.calls_per_second:
            return
        now = time.monotonic()
        calls = self._calls.setdefault(token, deque())
        while calls and now - calls[0] >= 1.0:
            calls.popleft()
        if len(calls) >= self.calls_per_second:
            raise VkError(6)
        calls.append(now)

    def _create_comment(self, params: dict) -> dict:
        post_id = _integer(params, "post_id", required=True)
        owner_id = _integer(params, "owner_id") or 0
        reply_to = _integer(params, "reply_to_comment")
        _integer(params, "from_group")
        message = params.get("message", "")
        if not message.strip():
            raise VkError(100, "message is undefined")
        if (owner_id, post_id) in self.closed:
            raise VkError(213)
        if len(html.escape(message)) > MAX_MESSAGE:
            raise VkError(100, "message is too long")
        guid = params.get("guid")
        if guid and (owner_id, post_id, guid) in self._repeats:
            comment_id = self._repeats[(owner_id, post_id, guid)]
        else:
            self.next_comment_id += 1
            comment_id = self.next_comment_id
            if guid:
                self._repeats[(owner_id, post_id, guid)] = comment_id
            self.received.append({"method": "wall.createComment", "params": params, "id": comment_id})
        return {"comment_id": comment_id, "parents_stack": [reply_to] if reply_to else []}

    def _send_message(self, params: dict) -> int:
        peer_id = _integer(params, "peer_id") or _integer(params, "user_id")
        if not peer_id:
            raise VkError(100, "peer_id is undefined")
        random_id = _integer(params, "random_id")
        if random_id is None:
            raise VkError(100, "random_id is a required parameter")
        message = params.get("message", "")
        if not message.strip():
            raise VkError(100, "message is empty or invalid")
        if len(html.escape(message)) > MAX_MESSAGE:
            raise VkError(914)
        if peer_id in self.denied:
            raise VkError(901)
        key = (peer_id, random_id)
        if random_id and key in self._repeats:
            return self._repeats[key]
        self.next_message_id += 1
        if random_id:
            self._repeats[key] = self.next_message_id
        self.received.append({"method": "messages.send", "params": params, "id": self.next_message_id})
        return self.next_message_id


def _integer(params: dict, name: str, *, required: bool = False) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        if required:
            raise VkError(100, f"{name} is undefined")
        return None
    try:
        return int(raw)
    except ValueError:
        raise VkError(100, f"{name} not integer") from None
