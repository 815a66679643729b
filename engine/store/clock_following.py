"""Members' clocks that follow their incident's clock (m0032): the statements that make them follow,
find them and let them go. See engine/services/incident_clocks.py for the rules."""

from __future__ import annotations

from datetime import datetime

from peewee import Case

from .models import AppealRecord, ClockRecord, EscalationRecord


def follow(lead_id: int, *, members: list[int] | None = None, incident_id: int | None = None,
           lead_clocks: list[int] | None = None) -> list[tuple[int, int, str, datetime]]:
    """The open clocks of `members` (or of every member of `incident_id` but the lead) take the due time,
    pause and breach of the lead's running clock of the same kind, in one UPDATE … FROM; a moved due time
    bumps their deadline_version. `lead_clocks`: only the followers of these clocks. Returns
    (clock id, appeal id, kind, due) of the clocks now following."""
    lead = ClockRecord.alias("lead")
    moved = Case(None, [(ClockRecord.due_at == lead.due_at, 0)], 1)
    changes = {
        ClockRecord.due_at: lead.due_at, ClockRecord.paused_since: lead.paused_since,
        ClockRecord.breached_at: lead.breached_at, ClockRecord.follows: lead.id,
        ClockRecord.deadline_version: ClockRecord.deadline_version + moved,
    }
    where = ((lead.appeal == lead_id) & (lead.kind == ClockRecord.kind) & lead.stopped_at.is_null()
             & ClockRecord.stopped_at.is_null() & (ClockRecord.appeal != lead_id))
    if members is not None:
        if not members:
            return []
        where &= ClockRecord.appeal.in_(members)
    else:
        members_of = AppealRecord.select(AppealRecord.id).where(AppealRecord.incident_id == incident_id)
        where &= ClockRecord.appeal.in_(members_of)
    if lead_clocks is not None:
        where &= lead.id.in_(lead_clocks)
    query = (ClockRecord.update(changes).from_(lead).where(where)
             .returning(ClockRecord.id, ClockRecord.appeal, ClockRecord.kind, ClockRecord.due_at))
    return [(row.id, row.appeal_id, row.kind, row.due_at) for row in query.execute()]


def rest_ladders(clock_ids: list[int], now: datetime) -> None:
    """The ladders of following clocks rest: no check is due while the incident's clock escalates."""
    if clock_ids:
        EscalationRecord.update(next_check_at=None, updated_at=now).where(
            EscalationRecord.clock.in_(clock_ids)).execute()


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
