"""Members' clocks that follow their incident's clock (m0032): the statements that make them follow,
find them and let them go. See engine/services/incident_clocks.py for the rules."""

from __future__ import annotations

from datetime import datetime

from peewee import Case

from . import shapes
from .models import AppealRecord, ClockRecord, EscalationRecord


def follow(lead_id: int, *, members: list[int] | None = None, incident_id: int | None = None,
           lead_clocks: list[int] | None = None) -> list[tuple[int, int, str, datetime]]:
    """The open clocks of `members` (or of every member of `incident_id` but the lead) take the due time,
    pause and breach of the lead's running clock of the same kind, in one UPDATE … FROM; a moved due time
    bumps their deadline_version. `lead_clocks`: only the followers of these clocks. Returns
    (clock id, appeal id, kind, due) of the clocks now following."""
    if members is not None and not members:
        return []
    values = {"lead": lead_id, **({"members": members} if members is not None else {"incident": incident_id}),
              **({"lead_clocks": lead_clocks} if lead_clocks is not None else {})}
    return shapes.tuples("follow-lead", _follow, **values)


def _follow(p):
    lead = ClockRecord.alias("lead")
    moved = Case(None, [(ClockRecord.due_at == lead.due_at, 0)], 1)
    changes = {
        ClockRecord.due_at: lead.due_at, ClockRecord.paused_since: lead.paused_since,
        ClockRecord.breached_at: lead.breached_at, ClockRecord.follows: lead.id,
        ClockRecord.deadline_version: ClockRecord.deadline_version + moved,
    }
    where = ((lead.appeal == p.lead) & (lead.kind == ClockRecord.kind) & lead.stopped_at.is_null()
             & ClockRecord.stopped_at.is_null() & (ClockRecord.appeal != p.lead))
    if "members" in p:
        where &= ClockRecord.appeal.in_(p.members)
    else:
        members_of = AppealRecord.select(AppealRecord.id).where(AppealRecord.incident_id == p.incident)
        where &= ClockRecord.appeal.in_(members_of)
    if "lead_clocks" in p:
        where &= lead.id.in_(p.lead_clocks)
    return (ClockRecord.update(changes).from_(lead).where(where)
            .returning(ClockRecord.id, ClockRecord.appeal, ClockRecord.kind, ClockRecord.due_at))


def rest_ladders(clock_ids: list[int], now: datetime) -> None:
    """The ladders of following clocks rest: no check is due while the incident's clock escalates."""
    if clock_ids:
        shapes.execute("rest-ladders", lambda p: EscalationRecord.update(next_check_at=None, updated_at=p.now).where(
            EscalationRecord.clock.in_(p.clocks)), fields={"now": EscalationRecord.updated_at}, clocks=clock_ids,
            now=now)


def followers_of(clock_ids: list[int]) -> list[ClockRecord]:
    """Open clocks that follow one of these clocks."""
    if not clock_ids:
        return []
    return list(ClockRecord.select().where(ClockRecord.follows.in_(clock_ids) & ClockRecord.stopped_at.is_null())
                .order_by(ClockRecord.id))


def following_clocks(appeal_id: int) -> list[ClockRecord]:
    """The appeal's clocks that follow an incident's clock (stopped ones too)."""
    return list(ClockRecord.select().where((ClockRecord.appeal == appeal_id) & ClockRecord.follows.is_null(False))
                .order_by(ClockRecord.id))


def incidents_led_by(clock_ids: list[int]) -> list[tuple[int, int]]:
    """(clock id, its appeal's incident id) for those of these clocks that some open clock follows."""
    if not clock_ids:
        return []
    followed = ClockRecord.select(ClockRecord.follows).where(ClockRecord.follows.in_(clock_ids)
                                                             & ClockRecord.stopped_at.is_null())
    rows = (ClockRecord.select(ClockRecord.id, AppealRecord.incident_id).join(AppealRecord)
            .where(ClockRecord.id.in_(followed) & AppealRecord.incident_id.is_null(False)).order_by(ClockRecord.id))
    return [(row.id, row.appeal.incident_id) for row in rows]


def mark_followers_breached(clock_id: int, at: datetime) -> None:
    """The incident's clock breached: so did the clocks that follow it."""
    ClockRecord.update(breached_at=at).where((ClockRecord.follows == clock_id) & ClockRecord.breached_at.is_null()
                                             & ClockRecord.stopped_at.is_null()).execute()
