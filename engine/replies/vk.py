"""VK: a reply under the resident's comment or post (``wall.createComment``) or in private messages
(``messages.send``), with the channel's community access token, VK API version 5.199.

Calls are ``POST <APPEALS_VK_API_URL>/<method>`` with a urlencoded form (the token travels in the body,
never in a URL). VK answers HTTP 200 whatever happens: ``{"response": …}`` or ``{"error":
{"error_code", "error_msg"}}``. Error codes are classified:

- 1, 6, 9, 10, 14, 29 (unknown, too many requests per second, flood control, internal, captcha, daily
  rate limit), an HTTP failure or no answer: try again later (``retry_after`` by code);
- 5, 27, 28, 1117 (the token is invalid, revoked or expired): permanent with ``credentials`` — every
  reply of the channel fails until an administrator sets a new token;
- 7, 15, 18, 100, 203, 210–214, 222, 900–902, 914, 917, 932, 936…: permanent for this message, the
  reason in Russian (comments closed, the resident does not accept messages from the community…);
- any other code: tried again later, its code and VK's text in the error.

Addresses (``OutgoingReply.address``):

- ``vk_comment``: ``owner_id`` (the wall's owner; −community id for the community's wall), ``post_id``,
  ``comment_id`` (the resident's comment to answer under; absent to comment on the post itself),
  ``group_id`` (the community that speaks; default −``owner_id`` on a community wall). Sent as
  ``owner_id``, ``post_id``, ``reply_to_comment``, ``from_group`` (VK takes the community's id there),
  ``message`` and ``guid``, a digest of the idempotency key, so VK can drop a repeated comment.
- ``vk_message``: ``peer_id``. Sent with ``random_id`` derived from the idempotency key: a retry after
  a lost answer carries the same ``random_id`` and VK drops the repeat.

The receipt's ``platform_id`` is the comment id or the message id.
"""

from __future__ import annotations

import hashlib
import json
import logging
from urllib.parse import urlencode

from engine.alerts.message import DeliveryError

from .message import OutgoingReply, Receipt
from .pacing import Pacer, key_for
from .posting import Unreachable, post
from .shortening import shorten, vk_length

log = logging.getLogger(__name__)

API_VERSION = "5.199"
MESSAGE_LIMIT = 4096  # characters, counted after VK's escaping

RETRY_AFTER = {1: 60, 6: 1, 9: 300, 10: 30, 14: 600, 29: 3600}
CREDENTIALS = {
    5: "токен доступа сообщества недействителен или отозван",
    27: "авторизация сообщества не удалась",
    28: "авторизация приложения не удалась",
    1117: "срок действия токена доступа истёк",
}
PERMANENT = {
    7: "нет прав на это действие",
    15: "доступ запрещён",
    18: "страница пользователя удалена или заблокирована",
    100: "VK не принял параметры запроса",
    104: "запись или комментарий не найдены",
    203: "нет доступа к сообществу",
    210: "нет доступа к записи",
    211: "нет доступа к комментарию",
    212: "нет доступа к комментариям записи",
    213: "комментарии к записи закрыты",
    214: "публикация запрещена",
    222: "ссылки в комментариях запрещены",
    900: "пользователь добавил сообщество в чёрный список",
    901: "пользователь не разрешил сообщения от сообщества",
    902: "настройки приватности пользователя не позволяют ему написать",
    914: "сообщение слишком длинное",
    917: "нет доступа к диалогу",
    932: "сообщество не может писать этому адресату",
    936: "адресат не найден",
}


def random_id(idempotency_key: str) -> int:
    """A positive 31-bit number, the same for every attempt of one reply (VK's ``random_id``)."""
    digest = hashlib.sha256(f"vk-random-id:{idempotency_key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1


def comment_guid(idempotency_key: str) -> str:
    return hashlib.sha256(f"vk-guid:{idempotency_key}".encode()).hexdigest()[:32]


class VkReplySender:
    """Sends ``vk_comment`` and ``vk_message`` replies; one instance serves every VK channel."""

    def __init__(self, api_url: str, pacer: Pacer, *, calls_per_second: float = 18, timeout: float = 10.0):
        self.api_url = api_url.rstrip("/")
        self.pacer = pacer
        self.calls_per_second = calls_per_second
        self.timeout = timeout

    def send(self, reply: OutgoingReply) -> Receipt:
        if not reply.token:
            raise DeliveryError(f"VK: у канала «{reply.channel}» нет токена доступа сообщества "
                                f"(appeals channel set {reply.channel} --access-token …)", credentials=True)
        text = shorten(reply.text, MESSAGE_LIMIT, vk_length)
        if reply.route == "vk_comment":
            method, params = "wall.createComment", self._comment(reply, text)
        elif reply.route == "vk_message":
            method, params = "messages.send", self._message(reply, text)
        else:
            raise DeliveryError(f"VK не отправляет ответы по маршруту {reply.route!r}", permanent=True)
        self.pacer.pace([(key_for("vk", reply.token), self.calls_per_second)], f"Вызов VK {method}")
        response = self._call(method, params, reply.token)
        platform_id = response.get("comment_id") if isinstance(response, dict) else response
        log.info("reply %s of appeal %s: VK %s accepted it as %s", reply.reply_id, reply.appeal_id, method,
                 platform_id)
        return Receipt(platform_id=None if platform_id is None else str(platform_id), detail=f"VK {method}")

    def _comment(self, reply: OutgoingReply, text: str) -> dict:
        owner_id = _address_int(reply, "owner_id", required=True)
        params = {"owner_id": owner_id, "post_id": _address_int(reply, "post_id", required=True)}
        comment_id = _address_int(reply, "comment_id")
        if comment_id is not None:
            params["reply_to_comment"] = comment_id
        group_id = _address_int(reply, "group_id") or (-owner_id if owner_id < 0 else None)
        if group_id:
            params["from_group"] = abs(group_id)
        params.update(message=text, guid=comment_guid(reply.idempotency_key))
        return params

    def _message(self, reply: OutgoingReply, text: str) -> dict:
        return {"peer_id": _address_int(reply, "peer_id", required=True),
                "random_id": random_id(reply.idempotency_key), "message": text}

    def _call(self, method: str, params: dict, token: str):
        body = urlencode({**params, "access_token": token, "v": API_VERSION}).encode("utf-8")
        try:
            answer = post(f"{self.api_url}/{method}", body,
                          {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, self.timeout)
        except Unreachable as exc:
            raise DeliveryError(f"VK {method}: {exc}") from None
        if answer.status != 200:
            raise DeliveryError(f"VK {method}: HTTP {answer.status}")
        try:
            document = json.loads(answer.body)
        except ValueError:
            raise DeliveryError(f"VK {method}: ответ не в формате JSON") from None
        if isinstance(document, dict) and "response" in document:
            return document["response"]
        error = document.get("error") if isinstance(document, dict) else None
        if not isinstance(error, dict):
            raise DeliveryError(f"VK {method}: непонятный ответ")
        raise classify(method, error)


def classify(method: str, error: dict) -> DeliveryError:
    """The DeliveryError a VK ``error`` object means."""
    code = error.get("error_code")
    said = str(error.get("error_msg") or "")[:200]
    where = f"VK {method}: "
    if code in CREDENTIALS:
        return DeliveryError(f"{where}{CREDENTIALS[code]} (код {code}: {said})", credentials=True)
    if code in PERMANENT:
        return DeliveryError(f"{where}{PERMANENT[code]} (код {code}: {said})", permanent=True)
    if code in RETRY_AFTER:
        return DeliveryError(f"{where}VK просит повторить позже (код {code}: {said})", retry_after=RETRY_AFTER[code])
    return DeliveryError(f"{where}ошибка VK (код {code}: {said})", retry_after=300)


def _address_int(reply: OutgoingReply, name: str, *, required: bool = False) -> int | None:
    value = reply.address.get(name)
    if value is None or value == "":
        if required:
            raise DeliveryError(f"VK: в адресе ответа нет {name}", permanent=True)
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DeliveryError(f"VK: {name} в адресе ответа не число", permanent=True) from None
