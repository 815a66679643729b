"""Where a reply to the resident goes: the route and the address, from the channel the appeal came by.

- VK (channel kind ``vk``): a comment ``reply<owner>_<comment>`` is answered under it (the post from
  the appeal's link ``https://vk.com/wall<owner>_<post>?reply=<comment>``), a post ``wall<owner>_<post>``
  in its comments, a private message ``msg<peer>_<n>`` by ``messages.send`` to the peer; anything else
  (a board topic, a photo comment) is answered by an operator by hand (``manual``);
- Telegram: ``<chat>_<message_id>`` is answered in the chat as a reply to the resident's message;
- Open311: the request's status (``open311``: nothing is pushed) or, when the author gave an e-mail
  address, a letter;
- a generic channel (a hotline, a portal): its signed callback when the channel has a callback URL,
  else a letter when the author gave an e-mail address, else ``manual``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VK_COMMENT = re.compile(r"reply(-?\d+)_(\d+)")
_VK_POST = re.compile(r"wall(-?\d+)_(\d+)")
_VK_MESSAGE = re.compile(r"msg(-?\d+)_(\d+)")
_VK_LINK = re.compile(r"https://vk\.com/wall(-?\d+)_(\d+)\?reply=(\d+)")
_TELEGRAM = re.compile(r"(-?\d+)_(\d+)")


@dataclass(frozen=True)
class ReplyAddress:
    route: str
    address: dict


MANUAL = ReplyAddress("manual", {})


def reply_address(*, channel_kind: str | None, external_id: str, link: str | None, email: str | None,
                  name: str | None = None, group_id: int | None = None, callback_url: str | None = None
                  ) -> ReplyAddress:
    if channel_kind == "vk":
        return _vk(external_id, link, group_id)
    if channel_kind == "telegram":
        m = _TELEGRAM.fullmatch(external_id)
        return ReplyAddress("telegram", {"chat_id": int(m[1]), "message_id": int(m[2])}) if m else MANUAL
    letter = ReplyAddress("email", {"email": email, **({"name": name} if name else {})}) if email else None
    if channel_kind == "open311":
        return letter or ReplyAddress("open311", {})
    if channel_kind == "generic" and callback_url:
        return ReplyAddress("callback", {"url": callback_url})
    return letter or MANUAL


def _vk(external_id: str, link: str | None, group_id: int | None) -> ReplyAddress:
    group = {"group_id": group_id} if group_id else {}
    m = _VK_COMMENT.fullmatch(external_id)
    if m:
        found = _VK_LINK.fullmatch(link or "")
        if not found or found[1] != m[1] or found[3] != m[2]:
            return MANUAL
        return ReplyAddress("vk_comment", {"owner_id": int(m[1]), "post_id": int(found[2]),
                                           "comment_id": int(m[2]), **group})
    m = _VK_POST.fullmatch(external_id)
    if m:
        return ReplyAddress("vk_comment", {"owner_id": int(m[1]), "post_id": int(m[2]), **group})
    m = _VK_MESSAGE.fullmatch(external_id)
    if m:
        return ReplyAddress("vk_message", {"peer_id": int(m[1])})
    return MANUAL
