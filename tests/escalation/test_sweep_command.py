"""`appeals sweep --now` at an instant in the future refuses to write into the live database unless told
to (--i-know-this-writes); --dry-run shows what would happen and writes nothing."""

from __future__ import annotations

import json

import pytest

import engine.runtime
from engine.store.models import AlertRecord, ClockRecord, EscalationRecord
from tests.support.command_line import run
from tests.support.moments import at
from tests.support.staff import routed

FUTURE = "2027-03-01T10:00:00+07:00"  # past every deadline of an appeal received on Mon 30 Nov 2026


@pytest.fixture
def appeal(runtime, cli_env, monkeypatch):
    """A 59-ФЗ appeal routed on Mon 30 Nov 2026, with the wall clock an hour later."""
    appeal_id = routed(runtime)
    monkeypatch.setattr(engine.runtime, "system_clock", lambda: at("Mon 2026-11-30 11:00"))
    return appeal_id


def written(appeal_id: int) -> tuple[int, int, int]:
    """(alerts, breached clocks, ladder steps done) of the appeal."""
    clocks = ClockRecord.select().where(ClockRecord.appeal == appeal_id)
    return (AlertRecord.select().where(AlertRecord.appeal == appeal_id).count(),
            clocks.where(ClockRecord.breached_at.is_null(False)).count(),
            EscalationRecord.select().join(ClockRecord).where(ClockRecord.appeal == appeal_id,
                                                              EscalationRecord.next_level > 0).count())


@pytest.mark.both_databases
def test_a_future_now_is_refused_with_a_russian_explanation_and_nothing_is_written(appeal, capsys):
    before = written(appeal)

    code, out, err = run(capsys, "sweep", "--now", FUTURE)

    assert code == 2 and out == ""
    assert "01.03.2027 10:00" in err and "будущее" in err
    assert "--dry-run" in err and "--i-know-this-writes" in err
    assert written(appeal) == before


@pytest.mark.both_databases
def test_a_dry_run_in_the_future_reports_the_steps_it_would_take_and_writes_nothing(appeal, capsys):
    before = written(appeal)

    code, out, err = run(capsys, "sweep", "--now", FUTURE, "--dry-run")

    assert code == 0, err
    report = json.loads(out)
    assert report["dry_run"] is True and "deliver" not in report
    assert report["sweep"]["steps"] > 0 and report["sweep"]["alerts"] > 0
    assert written(appeal) == before


def test_an_explicit_flag_lets_a_future_sweep_write(appeal, capsys):
    before = written(appeal)

    code, _, err = run(capsys, "sweep", "--now", FUTURE, "--i-know-this-writes", "--no-deliver")

    assert code == 0, err
    alerts, breached, _ = written(appeal)
    assert alerts > before[0] and breached > before[1]


def test_a_now_in_the_past_needs_no_flag(appeal, capsys):
    code, out, err = run(capsys, "sweep", "--now", "2026-11-30T10:30:00+07:00", "--no-deliver")

    assert code == 0, err
    assert "dry_run" not in json.loads(out)
