"""Writing alerts to the outbox: who receives a ladder level, through which channels, and when.

Roles are resolved through the directory at the moment the alert is written (deputies,
out-of-office periods, vacancies). A non-urgent alert to someone with quiet hours waits until
the start of their next working period. One row per recipient and channel; the idempotency
key (appeal, clock, level, deadline version, role, repeat, channel) makes every write happen once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.domain.business_calendar import BusinessCalendar
from engine.domain.ladder import quiet_until
from engine.store import appeals as store
from engine.store import incidents as incident_store
from engine.store import outbox
from engine.wording.alerts import level_alert

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

def local_day(rt: Runtime, now: datetime):
    return now.astimezone(ZoneInfo(rt.policy_set.directory.timezone)).date()


def alert_calendar(rt: Runtime, official) -> BusinessCalendar | None:
    """The working time outside which a non-urgent alert to `official` waits (None: no quiet hours)."""
    directory = rt.policy_set.directory
    name = official.hours or directory.default_hours
    if name is None:
        return None
    policy = rt.policy_set
    return BusinessCalendar(production=policy.production, hours=policy.working_hours[name], timezone=directory.timezone)


def deliver_from(rt: Runtime, official, now: datetime, *, urgent: bool) -> datetime:
    cal = None if urgent else alert_calendar(rt, official)
    return now if cal is None else quiet_until(now, cal)


def enqueue_for(rt: Runtime, official, *, key: str, now: datetime, not_before: datetime, status: str = "pending",
                **fields) -> int:
    """One outbox row per channel the official reads; returns how many rows this call inserted."""
    written = 0
    for channel, channel_key in channel_keys(official, key):
        inserted = outbox.enqueue(
            now=now,
            status=status,
            not_before=not_before,
            idempotency_key=channel_key,
            recipient=official.id,
            address=official.address(channel),
            channel=channel,
            **fields,
        )
        written += inserted
    return written


def responsible_name(rt: Runtime, appeal_id: int) -> str | None:
    """The name of the person the appeal is assigned to (None: a role nobody holds)."""
    assignment = store.current_assignment(appeal_id)
    if assignment is None or not assignment.official:
        return None
    return rt.policy_set.labels("official", assignment.official)


def responsible_names(rt: Runtime, appeal_ids) -> dict[int, str | None]:
    """``responsible_name`` of many appeals at once (one query); an appeal without a current
    assignment is left out."""
    return {appeal_id: rt.policy_set.labels("official", official) if official else None
            for appeal_id, official in store.current_officials(appeal_ids).items()}


def incident_led_by(appeal):
    """The mass incident whose clocks are this appeal's (it is the first member of more than one), else None."""
    incident_id = getattr(appeal, "incident_id", None)
    if incident_id is None:
        return None
    incident = incident_store.get(incident_id)
    return incident if incident is not None and incident.lead == appeal.id and incident.members > 1 else None


def channel_keys(official, key: str) -> list[tuple[str, str]]:
    """(channel, idempotency key) of each channel the official reads: e-mail keeps the plain key."""
    return [(channel, key if channel == "email" else f"{key}:via:{channel}") for channel in official.channels]


def write_level(rt: Runtime, appeal, clock, level, cal, now: datetime, *, status: str, repeat: int = 0,
                writes=None, counter: str = "alerts") -> int:
    """Alerts of one ladder level for one clock; returns for how many recipients rows were inserted.
    With `writes` (the sweep's batch, engine.services.escalation.batching) the rows and audit lines
    are handed to it instead, counted in its report's `counter` once written, and 0 is returned."""
    directory = rt.policy_set.directory
    day = local_day(rt, now)
    written = 0
    seen: set[str] = set()
    known = writes.responsible if writes is not None else None
    responsible = known.get(appeal.id) if known is not None else responsible_name(rt, appeal.id)
    incident = incident_led_by(appeal)
    for role in level.notify:
        resolution = directory.resolve_for_alert(role, body=clock.body, sector=appeal.sector or appeal.topic, day=day)
        if resolution is None or not resolution.official.channels:
            (writes or store).audit(now, "system", "alert.no_recipient", appeal.id, clock=clock.kind, level=level.id,
                                    role=role)
            log.warning("appeal %s: level %s: nobody can take role %s", appeal.id, level.id, role)
            continue
        official = resolution.official
        if official.id in seen:
            continue  # one person holding two notified roles gets one alert
        seen.add(official.id)
        key = f"appeal:{appeal.id}:clock:{clock.kind}:level:{level.id}:v{clock.deadline_version}:role:{role}"
        if repeat:
            key += f":repeat:{repeat}"
        subject, body = level_alert(appeal, clock, level, resolution, repeat=repeat, timezone=cal.timezone,
                                    labels=rt.policy_set.labels, now=now, responsible=responsible, incident=incident)
        fields = {"appeal": appeal.id, "clock": clock.id, "level": level.id, "role": resolution.role,
                  "subject": subject, "body": body, "deadline_version": clock.deadline_version, "repeat": repeat}
        not_before = deliver_from(rt, official, now, urgent=level.urgent)
        audit = {"clock": clock.kind, "level": level.id, "role": resolution.role, "requested_role": role,
                 "recipient": official.id, "repeat": repeat,
                 "deputy_for": resolution.holder.id if resolution.deputy else None, "vacant": list(resolution.vacant)}
        message = ("appeal %s: alert %s%s for %s (%s) %s", appeal.id, level.id, f" repeat {repeat}" if repeat else "",
                   official.id, resolution.role, status)
        if writes is not None:
            rows = [outbox.alert_row(now=now, status=status, not_before=not_before, idempotency_key=channel_key,
                                     recipient=official.id, address=official.address(channel), channel=channel,
                                     **fields) for channel, channel_key in channel_keys(official, key)]
            writes.alert(rows, store.audit_row(now, "system", f"alert.{status}", appeal.id, **audit),
                         counter=counter, message=message)
            continue
        if enqueue_for(rt, official, key=key, now=now, status=status, not_before=not_before, **fields):
            written += 1
            store.audit(now, "system", f"alert.{status}", appeal.id, **audit)
            log.info(*message)
    return written

