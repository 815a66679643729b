"""Cases of the deadline policies: ``deadline_policies_test.yaml`` beside ``deadline_policies.yaml``.

``given``: ``policy``, ``start`` (the receipt, which is also the registration, as a local time
with the weekday and the zone: ``"Thu 2026-04-30 17:30 Asia/Barnaul"``) and optionally ``body``
(whose calendar counts; default the one ``appeals deadline`` uses), ``category``, ``subcategory``,
``special`` (a 59-ФЗ special outcome), ``interim`` (when the interim answer is given, same form as
``start``) and ``extend`` (days of extension). ``expect``: every clock the policy starts, by kind,
with its due time in the body's local time and its weekday (``answer: "Mon 2026-06-01 23:59"``;
without seconds it is compared to the minute), ``pending`` for a clock that waits for the interim
answer, ``none`` for a clock that must not exist. A weekday that does not match its date is an
error of the case. The clocks are counted by ``engine.domain.deadlines.policy_clocks``, as routing,
the answer and extension actions and ``appeals deadline`` count them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.domain.calendar import CalendarNotAvailable
from engine.domain.deadlines import CLOCK_KINDS, policy_clocks

from .report import CaseResult

if TYPE_CHECKING:
    from engine.policyset import PolicySet

POLICIES_FILE = "deadline_policies.yaml"
DEFAULT_BODY = "cur-triage"  # as `appeals deadline --body`
GIVEN = ("policy", "start", "body", "category", "subcategory", "special", "interim", "extend")
PENDING, ABSENT = "pending", "none"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
_MOMENT = re.compile(r"(?P<weekday>\S+) (?P<date>\d{4}-\d{2}-\d{2}) (?P<time>\d{2}:\d{2}(?::\d{2})?)"
                     r"(?: (?P<zone>\S+))?")


class DeadlineCases:
    gap = "policies"

    def owners(self, policy_set: PolicySet) -> dict[str, str]:
        return {POLICIES_FILE[: -len(".yaml")] + "_test.yaml": f"политик сроков ({POLICIES_FILE})"}

    def problems(self, policy_set: PolicySet, given: dict, expect: dict) -> list[str]:
        problems = [f"поле given.{k}: неизвестное поле; возможны: {', '.join(GIVEN)}" for k in given if k not in GIVEN]
        policy = policy_set.policies.get(given["policy"]) if isinstance(given.get("policy"), str) else None
        if policy is None:
            problems.append(f"поле given.policy: укажите политику сроков: {', '.join(sorted(policy_set.policies))}")
        elif given.get("special") is not None and policy.special(given["special"]) is None:
            known = ", ".join(s.outcome for s in policy.special_outcomes) or "нет"
            problems.append(f"поле given.special: у политики {policy.id} нет особого случая {given['special']!r}; "
                            f"есть: {known}")
        body = given.get("body", DEFAULT_BODY)
        if body not in policy_set.directory.bodies:
            problems.append(f"поле given.body: в справочнике нет органа {body!r}")
        for key in ("start", "interim"):
            if key == "start" or key in given:
                problems += _problem(lambda k=key: parse_moment(given.get(k), f"given.{k}", zone=True))
        extend = given.get("extend", 0)
        if not isinstance(extend, int) or isinstance(extend, bool) or extend < 0:
            problems.append(f"поле given.extend: нужно число дней продления, дано {extend!r}")
        for kind, value in expect.items():
            if kind not in CLOCK_KINDS:
                problems.append(f"поле expect.{kind}: неизвестный вид часов; возможны: {', '.join(CLOCK_KINDS)}")
            elif value not in (PENDING, ABSENT):
                problems += _problem(lambda k=kind, v=value: parse_moment(v, f"expect.{k}", zone=False))
        return problems

    def run(self, policy_set: PolicySet, rel: str, name: str, given: dict, expect: dict) -> CaseResult:
        policy = policy_set.policies[given["policy"]]
        cal = policy_set.calendar_for(given.get("body", DEFAULT_BODY))
        start, _ = parse_moment(given["start"], "given.start", zone=True)
        interim = parse_moment(given["interim"], "given.interim", zone=True)[0] if "interim" in given else None
        try:
            computed = policy_clocks(policy, start, cal, category=given.get("category"),
                                     subcategory=given.get("subcategory"), special=given.get("special"),
                                     interim_at=interim, extension_days=given.get("extend", 0))
        except (ValueError, CalendarNotAvailable) as exc:
            return CaseResult(rel, name, (f"сроки не считаются: {exc}",), (policy.id,))
        got = {}
        for spec, clock in computed:
            waiting = clock is None or clock.waits_for is not None
            got[spec.kind] = PENDING if waiting else clock.due_at.astimezone(ZoneInfo(cal.timezone))
        failures = []
        for kind in CLOCK_KINDS:
            if kind not in expect and kind not in got:
                continue
            want, have = expect.get(kind), got.get(kind, ABSENT)
            if want is None:
                failures.append(f"{kind}: часы не указаны в expect, получено {_text(have)}")
            elif not _same(want, have):
                failures.append(f"{kind}: ожидалось {want}, получено {_text(have)}")
        return CaseResult(rel, name, tuple(failures), (policy.id,))

    def uncovered(self, policy_set: PolicySet, results: list[CaseResult]) -> list[str]:
        counted = {p for r in results for p in r.covers}
        return [pid for pid in policy_set.policies if pid not in counted]


def parse_moment(text, where: str, *, zone: bool) -> tuple[datetime, bool]:
    """A literal "Thu 2026-04-30 17:30 Asia/Barnaul" (``zone``) or "Mon 2026-06-01 23:59" (local,
    no zone): the moment (aware with a zone, naive without) and whether it gave seconds.
    ValueError says what is wrong, the weekday that does not match its date included."""
    example = "Thu 2026-04-30 17:30 Asia/Barnaul" if zone else "Mon 2026-06-01 23:59"
    m = _MOMENT.fullmatch(text.strip()) if isinstance(text, str) else None
    if m is None or bool(m["zone"]) != zone:
        raise ValueError(f"поле {where}: нужно «{example}» (день недели, дата, время"
                         f"{', часовой пояс' if zone else ''}), дано {text!r}")
    try:
        moment = datetime.fromisoformat(f"{m['date']}T{m['time']}")
    except ValueError:
        raise ValueError(f"поле {where}: нет такой даты или времени: {m['date']} {m['time']}") from None
    if m["weekday"] not in WEEKDAYS:
        raise ValueError(f"поле {where}: {m['weekday']!r} — не день недели; пишите {', '.join(WEEKDAYS)}")
    actual = moment.weekday()
    if WEEKDAYS.index(m["weekday"]) != actual:
        raise ValueError(f"поле {where}: {m['date']} — {WEEKDAY_NAMES[actual]} ({WEEKDAYS[actual]}), "
                         f"а не {m['weekday']}")
    if zone:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(m["zone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"поле {where}: неизвестный часовой пояс {m['zone']!r}") from None
    return moment, len(m["time"]) > 5


def _problem(parse) -> list[str]:
    try:
        parse()
    except ValueError as exc:
        return [str(exc)]
    return []


def _same(want: str, have) -> bool:
    if want in (PENDING, ABSENT) or not isinstance(have, datetime):
        return want == have
    expected, seconds = parse_moment(want, "", zone=False)
    local = have.replace(tzinfo=None)
    return local == expected if seconds else local.replace(second=0, microsecond=0) == expected


def _text(have) -> str:
    if not isinstance(have, datetime):
        return have
    text = f"{WEEKDAYS[have.weekday()]} {have:%Y-%m-%d %H:%M}"
    return text + (f":{have:%S}" if have.second else "")
