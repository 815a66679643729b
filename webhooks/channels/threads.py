"""Where a resident's VK comment, VK message or Telegram message sits in its conversation
(engine.domain.follow_up.Thread): the messages it answers, by the ids the platform gives them, and, in a
private chat, the chat whose appeals a plain message may continue.

- VK comment (``wall_reply_new``): ``reply_to_comment`` is the comment answered (our reply, or the
  author's own comment); ``parents_stack`` holds the comments above it in the thread, its first the
  thread's top comment; a comment on a post answers the post (an appeal made by a post of the author's).
  Comment ids count per wall: the external ids of appeals are ``reply<owner>_<id>``, ``wall<owner>_<post>``.
- VK message (``message_new``): ``reply_message`` is the message answered, ``fwd_messages`` the messages
  forwarded with it (only those of the same dialog count); ``id`` is the message's id in the community's
  dialogs (our reply's platform id), ``conversation_message_id`` its number in the dialog (the appeal's
  external id ``msg<peer>_<n>``). A peer id from 2000000000 on is a group chat, below it a dialog with one user.
- Telegram: ``reply_to_message`` is the message answered; message ids count per chat (``<chat>_<id>``);
  a chat of type ``private`` is the dialog with one user.
"""

from __future__ import annotations

from engine.domain.follow_up import Thread

VK_GROUP_CHATS = 2_000_000_000  # VK peer ids of group chats start here


def vk_comment_thread(item: dict) -> Thread:
    owner, post, comment = item["owner_id"], item["post_id"], item["id"]
    answered = _unique([item.get("reply_to_comment"), *reversed(item.get("parents_stack") or [])])
    address = {"owner_id": owner, "post_id": post, "comment_id": comment}
    if item.get("reply_to_comment"):
        address["reply_to_comment"] = item["reply_to_comment"]
    return Thread(
        route="vk_comment",
        platform_id=str(comment),
        address=address,
        replies=tuple(str(i) for i in answered),
        appeals=(*(f"reply{owner}_{i}" for i in answered), f"wall{owner}_{post}"),
    )


def vk_message_thread(message: dict) -> Thread:
    peer, number = message["peer_id"], message["conversation_message_id"]
    quoted = [q for q in [message.get("reply_message"), *(message.get("fwd_messages") or [])]
              if isinstance(q, dict) and _int(q.get("peer_id"), peer) == peer]
    private = peer is not None and 0 < peer < VK_GROUP_CHATS
    return Thread(
        route="vk_message",
        platform_id=str(message["id"] or f"{peer}_{number}"),
        address={"peer_id": peer, "message_id": message["id"], "conversation_message_id": number},
        replies=tuple(str(i) for i in _unique(_int(q.get("id")) for q in quoted)),
        appeals=tuple(f"msg{peer}_{n}" for n in _unique(_int(q.get("conversation_message_id")) for q in quoted)),
        conversation=f"msg{peer}_" if private else None,
    )


def telegram_thread(message: dict) -> Thread:
    chat, number = message["chat"]["id"], message["message_id"]
    replied = message.get("reply_to_message")
    answered = (replied["message_id"],) if replied else ()
    address = {"chat_id": chat, "message_id": number}
    if replied:
        address["reply_to_message_id"] = replied["message_id"]
    return Thread(
        route="telegram",
        platform_id=str(number),
        address=address,
        replies=tuple(str(i) for i in answered),
        appeals=tuple(f"{chat}_{i}" for i in answered),
        reply_chat=str(chat),
        conversation=f"{chat}_" if message["chat"]["type"] == "private" else None,
    )


def _int(value, default=None):
    """A platform id from a nested object we do not validate field by field: an integer other than 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value != 0 else default


def _unique(values) -> list[int]:
    seen: list[int] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen
