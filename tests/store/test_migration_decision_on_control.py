"""m0036: a decision stores whether it kept the appeal on control, and no text: the text people read is rendered
from the stored explanation, the same as the decision's own; a decision stored before keeps the text it had."""

from __future__ import annotations

import pytest

from engine.services.intake import receive_appeal, route_appeal
from engine.services.routing import route_pending
from engine.services.views import decision_text
from engine.store import appeals as store
from engine.store.db import database
from engine.store.migrations import m0036_decision_on_control as m0036
from engine.store.models import DecisionRecord
from engine.wording.labels import LABELS
from tests.support.appeals import pit_appeal
from tests.support.staff import routed

pytestmark = pytest.mark.both_databases


def decided_now(runtime, appeal_id):
    """The decision the rules make for the stored appeal now, its explanation built."""
    return runtime.policy_set.decide(store.incoming_from(store.get_appeal(appeal_id)))


@pytest.mark.parametrize("path", ["one by one", "in a batch"])
def test_the_text_is_not_stored_and_reads_as_the_decisions_own(runtime, clock, path):
    appeal_id = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test").appeal_id
    assert (route_appeal(runtime, appeal_id) if path == "one by one" else route_pending(runtime)) == 1

    row = DecisionRecord.get(DecisionRecord.appeal == appeal_id)
    assert row.explanation_text == "" and row.on_control is False
    text = decision_text(row, LABELS)
    assert text == decided_now(runtime, appeal_id).explain_text(LABELS)
    assert text.startswith("Решение (версия правил ") and "Этап route (first):" in text and "+ roads-" in text


@pytest.mark.parametrize("text", ["Уважаемый Губернатор! На ул. Попова огромные ямы, провал асфальта",
                                  "На ул. Попова огромные ямы, провал асфальта"])
def test_a_decision_records_whether_it_put_the_appeal_on_control_and_its_text_says_so(runtime, text):
    appeal_id = routed(runtime, text)  # a 59-ФЗ appeal to the governor is put on control by the rules
    row = DecisionRecord.get(DecisionRecord.appeal == appeal_id)
    on_control = text.startswith("Уважаемый Губернатор")
    assert row.on_control is on_control and store.get_appeal(appeal_id).on_control is on_control
    assert ("на контроле ЦУР" in decision_text(row, LABELS)) is on_control
    assert decision_text(row, LABELS) == decided_now(runtime, appeal_id).explain_text(LABELS)


def test_a_decision_stored_before_keeps_its_text_and_the_column_is_added_once(runtime, clock):
    appeal_id = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test").appeal_id
    route_appeal(runtime, appeal_id)
    database.execute_sql("ALTER TABLE decision_record DROP COLUMN on_control")
    database.execute_sql("UPDATE decision_record SET explanation_text = 'Решение, как его записали тогда'")
    assert "on_control" not in {c.name for c in database.get_columns("decision_record")}

    m0036.apply(database)
    m0036.apply(database)

    assert "on_control" in {c.name for c in database.get_columns("decision_record")}
    row = DecisionRecord.get(DecisionRecord.appeal == appeal_id)
    assert row.on_control is None and decision_text(row, LABELS) == "Решение, как его записали тогда"


def test_the_text_names_the_body_role_deadlines_priority_and_topic_with_their_codes(runtime, clock):
    appeal_id = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test").appeal_id
    route_appeal(runtime, appeal_id)
    row = DecisionRecord.get(DecisionRecord.appeal == appeal_id)
    labels = runtime.policy_set.labels
    first = decision_text(row, labels).splitlines()[0]
    body = runtime.policy_set.directory.bodies[row.body].name
    assert f"орган {body} ({row.body})" in first
    assert f"роль {labels('role', row.role)} ({row.role})" in first and labels("role", row.role) != row.role
    assert f"приоритет {labels('priority', row.priority)} ({row.priority})" in first
    assert f"тема {labels('topic', row.topic)} ({row.topic})" in first
    assert f"сроки {labels('policy', row.policy)} ({row.policy})" in first
    assert first.startswith(f"Решение (версия правил {row.ruleset_version}): ")
    assert decision_text(row, labels) == decided_now(runtime, appeal_id).explain_text(labels)
