"""Repeats (same author and topic within 30 days) and clusters (many authors, same topic and place, 24 hours)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AppealRecord, DecisionRecord

pytestmark = pytest.mark.both_databases


def route(runtime, n: int, text: str, *, author_id: str | None, days_ago: float = 0, municipality=None) -> int:
    incoming = IncomingAppeal(
        channel="vk-test", external_id=f"e{n}", text=text, author=Author(),
        received_at=runtime.now() - timedelta(days=days_ago), author_id=author_id, municipality=municipality,
        regime="incident",
    )
    appeal_id = receive_appeal(runtime, incoming, "{}", actor="test").appeal_id
    assert route_appeal(runtime, appeal_id)
    return appeal_id


def decision_of(appeal_id: int) -> DecisionRecord:
    return DecisionRecord.get(DecisionRecord.appeal == appeal_id)


def test_the_same_author_on_the_same_topic_within_30_days_is_a_repeat_linked_to_the_first(runtime):
    first = route(runtime, 1, "Яма на дороге у дома", author_id="vk:5", days_ago=20)
    route(runtime, 2, "Опять яма на дороге", author_id="vk:5", days_ago=10)
    third = route(runtime, 3, "Яма на дороге так и не заделана", author_id="vk:5")

    record = AppealRecord.get_by_id(third)
    assert record.repeat_of == first
    assert "repeat" in decision_of(third).tags  # rules: repeat_count >= 2
    assert decision_of(third).explanation[0]["history"]["repeat_count"] == 2


def test_an_older_appeal_another_topic_or_another_author_is_not_a_repeat(runtime):
    route(runtime, 1, "Яма на дороге", author_id="vk:5", days_ago=31)
    route(runtime, 2, "Мусор не вывозят", author_id="vk:5", days_ago=1)
    route(runtime, 3, "Яма на дороге", author_id="vk:6", days_ago=1)
    last = route(runtime, 4, "Яма на дороге", author_id="vk:5")

    assert AppealRecord.get_by_id(last).repeat_of is None
    assert "repeat" not in decision_of(last).tags


def test_three_authors_on_one_topic_in_one_place_within_a_day_are_a_mass_incident(runtime):
    route(runtime, 1, "В Бийске не вывозят мусор", author_id="vk:1", days_ago=0.5)
    second = route(runtime, 2, "Мусор не вывозят, Бийск", author_id="vk:2", days_ago=0.2)
    third = route(runtime, 3, "В Бийске мусорные контейнеры переполнены", author_id="vk:3")

    assert "mass-incident" not in decision_of(second).tags
    assert "mass-incident" in decision_of(third).tags
    assert AppealRecord.get_by_id(third).municipality == "biysk"  # found in the text and stored


def test_the_same_place_a_day_and_more_ago_is_no_cluster(runtime):
    route(runtime, 1, "В Бийске не вывозят мусор", author_id="vk:1", days_ago=2)
    route(runtime, 2, "В Бийске не вывозят мусор", author_id="vk:2", days_ago=1.5)
    third = route(runtime, 3, "В Бийске не вывозят мусор", author_id="vk:3")

    assert "mass-incident" not in decision_of(third).tags


def test_an_incident_on_a_public_holiday_at_eleven_is_received_out_of_working_hours(runtime):
    """Wed 2026-11-04 (National Unity Day) 11:00 in Barnaul: a weekday hour, but no working time."""
    def incoming(at: datetime) -> IncomingAppeal:
        return IncomingAppeal(channel="vk-test", external_id=at.isoformat(), text="Яма на дороге",
                              author=Author(), received_at=at, regime="incident")

    holiday = runtime.policy_set.decide(incoming(datetime(2026, 11, 4, 4, 0, tzinfo=UTC)))  # 11:00 +07
    workday = runtime.policy_set.decide(incoming(datetime(2026, 11, 5, 4, 0, tzinfo=UTC)))  # Thu 11:00 +07
    assert "off-hours" in holiday.tags
    assert "off-hours" not in workday.tags
