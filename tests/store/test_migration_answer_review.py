"""Migration 18 adds what the centre's review of answers needs to a database made before it: the appeal's
``on_control`` flag (off for every stored appeal) and the table of officials' answers."""

from __future__ import annotations

import pytest

from engine.store.db import database
from engine.store.migrations import m0018_answer_review
from engine.store.models import AnswerRecord, AppealRecord
from tests.support.staff import routed

pytestmark = pytest.mark.both_databases


def test_an_appeal_stored_before_is_not_on_control_and_answers_can_be_recorded(runtime):
    appeal_id = routed(runtime)
    database.execute_sql("DROP TABLE answer_record")
    database.execute_sql("ALTER TABLE appeal_record DROP COLUMN on_control")
    assert "on_control" not in {c.name for c in database.get_columns("appeal_record")}

    m0018_answer_review.apply(database)
    m0018_answer_review.apply(database)  # twice changes nothing

    assert AppealRecord.get_by_id(appeal_id).on_control is False
    AnswerRecord.create(appeal=appeal_id, kind="final", text="Ответ", status="review", written_by="user:x",
                        written_at=runtime.now(), body="barnaul-roads-committee")
    assert AnswerRecord.select().count() == 1
