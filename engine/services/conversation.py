"""The appeal's author and the conversation with them, as staff see it: whom to answer and where (their
contact, profile and the original post or message), and every message sent to or received from them,
oldest first, with its delivery state in Russian.

A message from the author is ``new`` while no staff member has acted on the appeal since it came."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.domain.author_keys import EMAIL_PREFIX, PHONE_PREFIX, email_key, phone_key
from engine.store import appeals as store
from engine.store import author_messages
from engine.wording.labels import LABELS

if TYPE_CHECKING:
    from engine.runtime import Runtime

STAFF_ACTORS = ("user:", "token:")  # the audit's names of staff (a channel is "channel:…", jobs "system")


def author_view(record) -> dict:
    """Who wrote and how to reach them: the contact as given, the phone number and e-mail address read from
    it (or from the author's key), the profile on the platform, and the author's key for repeats."""
    key = record.author_id or ""
    phone = phone_key(record.author_contact) or (key if key.startswith(PHONE_PREFIX) else None)
    email = email_key(record.author_contact) or (key if key.startswith(EMAIL_PREFIX) else None)
    return {
        "name": record.author_name,
        "type": record.author_type,
        "contact": record.author_contact,
        "key": record.author_id,
        "phone": phone.removeprefix(PHONE_PREFIX) if phone else None,
        "email": email.removeprefix(EMAIL_PREFIX) if email else None,
        "profile": profile_url(record.author_id, record.author_contact),
    }


def profile_url(author_id: str | None, contact: str | None) -> str | None:
    """The author's page on VK (a user or a community) or in Telegram (by user name, else by id)."""
    platform, _, number = (author_id or "").partition(":")
    if platform == "vk" and number.lstrip("-").isdigit():
        return f"https://vk.com/id{number}" if not number.startswith("-") else f"https://vk.com/club{number[1:]}"
    if platform == "tg":
        if contact and contact.startswith("@") and len(contact) > 1:
            return f"https://t.me/{contact[1:]}"
        return f"tg://user?id={number}" if number.isdigit() else None
    return None


def conversation_view(rt: Runtime, record) -> list[dict]:
    """Every message to and from the author, oldest first, with times in the body's zone."""
    zone = ZoneInfo(rt.policy_set.calendar_for(record.body).timezone if record.body
                    else rt.policy_set.directory.timezone)
    seen = last_staff_action(record.id)
    return [message_view(m, zone, seen) for m in author_messages.of_appeal(record.id)]


def message_view(message, zone: ZoneInfo, seen) -> dict:
    details = message.details or {}
    incoming = message.direction == "in"
    return {
        "id": message.id,
        "direction": message.direction,
        "kind": message.kind,
        "kind_title": LABELS("message_kind", message.kind),
        "route": message.route,
        "route_title": LABELS("route", message.route),
        "status": message.status,
        "status_title": LABELS("message_status", message.status),
        "at": message.created_at.isoformat(),
        "at_local": f"{message.created_at.astimezone(zone):%d.%m.%Y %H:%M}",
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "text": message.text,
        "platform_id": message.platform_id,
        "attempts": message.attempts,
        "error": message.last_error if message.status == "dead" else None,
        "link": details.get("link") if incoming else None,
        "new": incoming and (seen is None or message.created_at > seen),
    }


def last_staff_action(appeal_id: int):
    """When staff last acted on the appeal (an action of theirs is in its audit); None: never."""
    acted = [e.at for e in store.audit_trail(appeal_id)
             if e.action.startswith("appeal.") and e.actor.startswith(STAFF_ACTORS)]
    return max(acted) if acted else None
