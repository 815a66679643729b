"""Author keys from normalised contacts for the appeals already stored, and the index a follow-up needs.

Hotline, generic and Open311 appeals stored before keyed their author by the contact as written
(``contact:8 (913) 0000000``), by the e-mail alone, or not at all. Each one whose contact holds a phone
number or an e-mail address gets the key engine.domain.author_keys makes today (``phone:+79130000000``),
so its author's later appeals find it as a repeat. An id the channel gave (a hotline's own caller id, a
VK or Telegram user) is left as it is. Applying it again changes nothing.

A resident's reply in a VK thread or a Telegram chat names the message it answers by the id the
platform gave it: replies sent to residents are looked up by (route, platform id).
"""

from __future__ import annotations

import json

from engine.domain.author_keys import author_key

from ..models import AppealRecord, ChannelRecord

PAGE = 500
REPLACEABLE = ("contact:", "email:", "phone:")  # keys made from a contact, never a channel's own id


def apply(db) -> None:
    db.execute_sql("CREATE INDEX IF NOT EXISTS author_message_record_route_platform "
                   "ON author_message_record (route, platform_id) WHERE platform_id IS NOT NULL")
    kinds = {c.name: c.kind for c in ChannelRecord.select(ChannelRecord.name, ChannelRecord.kind)
             .where(ChannelRecord.kind.in_(("generic", "open311")))}
    if not kinds:
        return
    last = 0
    while True:
        rows = list(AppealRecord.select(AppealRecord.id, AppealRecord.channel, AppealRecord.author_id,
                                        AppealRecord.author_contact, AppealRecord.raw_payload)
                    .where((AppealRecord.id > last) & AppealRecord.channel.in_(list(kinds))
                           & AppealRecord.author_contact.is_null(False))
                    .order_by(AppealRecord.id).limit(PAGE))
        if not rows:
            return
        for row in rows:
            if row.author_id and not row.author_id.startswith(REPLACEABLE):
                continue
            key = author_key(*_contacts(kinds[row.channel], row))
            if key and key != row.author_id:
                AppealRecord.update(author_id=key).where(AppealRecord.id == row.id).execute()
        last = rows[-1].id


def _contacts(kind: str, row) -> tuple[str | None, ...]:
    """What the author gave: an Open311 request keeps its phone and e-mail apart in the stored payload."""
    if kind != "open311":
        return (row.author_contact,)
    try:
        payload = json.loads(row.raw_payload)
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    given = tuple(value if isinstance(value, str) else None for value in (payload.get("phone"), payload.get("email")))
    return (*given, row.author_contact)
