"""Moving a deadline re-arms the ladder levels still ahead and never re-sends the ones passed."""

from __future__ import annotations

from datetime import timedelta

from engine.services.escalation import rearm_clock, sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AlertRecord, ClockRecord, EscalationRecord
from tests.support.appeals import pit_appeal
from tests.support.moments import at


def extend(clock_row, days):
    ClockRecord.update(due_at=clock_row.due_at + timedelta(days=days),
                       deadline_version=clock_row.deadline_version + 1).where(ClockRecord.id == clock_row.id).execute()
    return ClockRecord.get_by_id(clock_row.id)


def test_an_extension_re_arms_the_warning_for_the_new_deadline_and_sends_nothing_twice(runtime, clock):
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    route_appeal(runtime, received.appeal_id)
    clock.set(at("Thu 2026-12-24 10:00 +0700"))
    sweep(runtime)
    assert AlertRecord.select().count() == 1  # the 75 % warning for version 1

    answer = extend(ClockRecord.get(ClockRecord.kind == "answer"), 30)
    rearm_clock(runtime, answer, clock())
    sweep(runtime)
    assert AlertRecord.select().count() == 1  # nothing new is due yet
    row = EscalationRecord.get(EscalationRecord.clock == answer.id)
    assert row.next_level == 0 and row.next_check_at > clock()

    clock.set(at("Wed 2027-01-20 10:00 +0700"))  # 75 % of the extended term
    sweep(runtime)
    keys = sorted(a.idempotency_key for a in AlertRecord.select())
    assert len(keys) == 2
    assert keys[0].endswith(":v1:role:executor") and keys[1].endswith(":v2:role:executor")
