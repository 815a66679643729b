"""What the author's message does to their appeal, and which appeal a plain message in a private chat continues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.domain.follow_up import Candidate, Outcome, continued, outcome

NOW = datetime(2026, 12, 31, 3, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)
DAYS = timedelta(days=1)


@pytest.mark.parametrize("status, finished_days_ago, expected", [
    ("received", None, Outcome("author_message", reopen=False)),
    ("routed", None, Outcome("author_message", reopen=False)),
    ("in_progress", None, Outcome("author_message", reopen=False)),
    ("awaiting_author", None, Outcome("author_message", reopen=False)),
    ("answer_review", None, Outcome("author_message", reopen=False)),  # a state of the centre's answer review
    ("answered", 3, Outcome("follow_up", reopen=True)),
    ("closed", 29.9, Outcome("follow_up", reopen=True)),
    ("answered", 30, Outcome("follow_up", reopen=True)),  # the window's last moment
    ("answered", 30.01, None),
    ("closed", 90, None),
    ("rejected", 1, Outcome("follow_up", reopen=False)),  # art. 11 59-ФЗ: attached, the centre decides
    ("rejected", 31, None),
    ("answered", None, None),  # finished, but when is unknown: not continued
])
def test_what_the_authors_message_does(status, finished_days_ago, expected):
    finished = NOW - finished_days_ago * DAYS if finished_days_ago is not None else None

    assert outcome(status, finished, NOW, WINDOW) == expected


def candidate(appeal_id, status, topic, finished_days_ago=None):
    return Candidate(appeal_id, status, topic, NOW - finished_days_ago * DAYS if finished_days_ago else None)


CHAT = [  # the author's appeals in one chat, newest first
    candidate(3, "routed", "waste"),
    candidate(2, "answered", "housing", finished_days_ago=2),
    candidate(1, "closed", "roads", finished_days_ago=45),
]


@pytest.mark.parametrize("topic, expected", [
    (None, 3),  # "ничего не сделали": the newest live appeal
    ("housing", 2),  # names the topic of an older live appeal
    ("waste", 3),
    ("roads", None),  # the roads appeal is beyond the window: a new appeal
    ("energy", None),  # another topic: a new appeal
])
def test_a_plain_message_continues_the_newest_live_appeal_on_its_topic(topic, expected):
    chosen = continued(CHAT, topic, NOW, WINDOW)

    assert (chosen.appeal_id if chosen else None) == expected


def test_nothing_to_continue_when_every_appeal_is_long_finished():
    assert continued([candidate(1, "closed", "roads", finished_days_ago=45)], None, NOW, WINDOW) is None
    assert continued([], None, NOW, WINDOW) is None
