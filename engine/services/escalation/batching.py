"""What the steps of one sweep batch write, gathered and written together at the end of the batch's
transaction: alerts in multi-row INSERT … ON CONFLICT DO NOTHING statements (the idempotency key
still makes each alert happen once), the audit lines of the alerts that were inserted in the order
the steps wrote them, and the escalation rows' new states in one executemany. A batch costs a few
statements instead of three or four per step (each a round trip on PostgreSQL)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from engine.store import appeals as store
from engine.store import escalations, outbox

log = logging.getLogger(__name__)


@dataclass
class _Alerts:
    rows: list[dict]  # one per channel of one official
    audit: dict  # written when at least one row was inserted
    counter: str  # the SweepReport field it counts in
    message: tuple  # log arguments


@dataclass
class SweepWrites:
    audits: list = field(default_factory=list)  # audit rows, or the _Alerts whose audit line goes there
    alerts: list[_Alerts] = field(default_factory=list)
    advances: list[tuple[int, dict]] = field(default_factory=list)
    responsible: dict[int, str | None] | None = None  # appeal id → the assignee's name, read for the whole batch

    def audit(self, now: datetime, actor: str, action: str, appeal_id: int | None = None, **details) -> None:
        self.audits.append(store.audit_row(now, actor, action, appeal_id, **details))

    def alert(self, rows: list[dict], audit: dict, *, counter: str, message: tuple) -> None:
        entry = _Alerts(rows, audit, counter, message)
        self.alerts.append(entry)
        self.audits.append(entry)

    def advance(self, escalation_id: int, changes: dict) -> None:
        self.advances.append((escalation_id, changes))

    def flush(self, report) -> None:
        """Write everything gathered (inside the batch's transaction) and count it in `report`."""
        inserted = outbox.enqueue_many([row for entry in self.alerts for row in entry.rows])
        written = {id(entry) for entry in self.alerts
                   if any(row["idempotency_key"] in inserted for row in entry.rows)}
        for entry in self.alerts:
            if id(entry) in written:
                setattr(report, entry.counter, getattr(report, entry.counter) + 1)
                log.info(*entry.message)
        store.audit_many([a for a in (a.audit if isinstance(a, _Alerts) and id(a) in written else a
                                      for a in self.audits) if not isinstance(a, _Alerts)])
        escalations.advance_many(self.advances)
