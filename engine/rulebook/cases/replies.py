"""Cases of the messages to the resident: ``replies_test.yaml`` beside ``replies.yaml``.

``given``: ``kind`` (acknowledgement, forwarded, …), the facts a switch-off tests (``regime``, ``channel``,
``channel_name``, ``route``, ``author_type``), and what the message is rendered with: ``appeal_id``, ``body``
(a body of the directory: its Russian name and its zone), ``due`` and ``received`` (local times with the weekday and the
zone, ``"Mon 2027-01-11 18:00 Asia/Barnaul"``) and the kind's own fields (``reason``, ``days``,
``question``, ``answer``, ``comment``, ``previous_body``). ``expect``: ``sent`` (true, or false when a
switch-off holds the message back), ``text`` (the whole text), ``contains`` (a list of pieces it holds),
``subject``. The message is rendered by ``engine.domain.reply_templates`` as the reply service renders it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.domain.reply_templates import CONDITIONS, FIELDS, KINDS, common_fields

from .deadlines import parse_moment
from .report import CaseResult

if TYPE_CHECKING:
    from engine.policyset import PolicySet

REPLIES_FILE = "replies.yaml"
OWN = ("reason", "days", "question", "answer", "comment", "previous_body")
GIVEN = ("kind", *CONDITIONS, "appeal_id", "body", "due", "received", *OWN)
EXPECT = ("sent", "text", "contains", "subject")


class ReplyCases:
    gap = "rules"  # a kind of message no case renders is listed with the rules no case exercises

    def owners(self, policy_set: PolicySet) -> dict[str, str]:
        if getattr(policy_set, "replies", None) is None:
            return {}
        return {REPLIES_FILE[: -len(".yaml")] + "_test.yaml": f"сообщений автору обращения ({REPLIES_FILE})"}

    def problems(self, policy_set: PolicySet, given: dict, expect: dict) -> list[str]:
        problems = [f"поле given.{k}: неизвестное поле; возможны: {', '.join(GIVEN)}" for k in given if k not in GIVEN]
        problems += [f"поле expect.{k}: неизвестное ожидание; возможны: {', '.join(EXPECT)}"
                     for k in expect if k not in EXPECT]
        if given.get("kind") not in KINDS:
            problems.append(f"поле given.kind: укажите вид сообщения: {', '.join(KINDS)}")
        for name, values in CONDITIONS.items():
            if name in given and values is not None and given[name] not in values:
                problems.append(f"поле given.{name}: {given[name]!r} не значение; возможны: {', '.join(values)}")
        bodies = policy_set.directory.bodies
        for key in ("body", "previous_body"):
            if key in given and given[key] not in bodies:
                problems.append(f"поле given.{key}: в справочнике нет органа {given[key]!r}")
        for key in ("due", "received"):
            if key in given:
                try:
                    parse_moment(given[key], f"given.{key}", zone=True)
                except ValueError as exc:
                    problems.append(str(exc))
        if "sent" in expect and not isinstance(expect["sent"], bool):
            problems.append("поле expect.sent: true или false")
        if "contains" in expect and not (isinstance(expect["contains"], list)
                                         and all(isinstance(p, str) for p in expect["contains"])):
            problems.append("поле expect.contains: нужен список фрагментов текста")
        return problems

    def run(self, policy_set: PolicySet, rel: str, name: str, given: dict, expect: dict) -> CaseResult:
        templates = policy_set.replies
        kind = given["kind"]
        facts = {c: given.get(c) for c in CONDITIONS}
        why = templates.switched_off(kind, facts)
        failures = []
        sent = why is None
        if expect.get("sent", True) != sent:
            failures.append(f"sent: ожидалось {'отправить' if expect.get('sent', True) else 'не отправлять'}, "
                            + ("сообщение отправляется" if sent else f"не отправляется: {why}"))
        if sent:
            rendered = templates.render(kind, fields_of(policy_set, given), facts)
            if "text" in expect and rendered.text != str(expect["text"]).strip():
                failures.append(f"text: ожидалось «{expect['text']}», получено «{rendered.text}»")
            for piece in expect.get("contains", []):
                if piece not in rendered.text:
                    failures.append(f"contains: в тексте нет «{piece}»: «{rendered.text}»")
            if "subject" in expect and rendered.subject != expect["subject"]:
                failures.append(f"subject: ожидалось «{expect['subject']}», получено «{rendered.subject}»")
        elif "text" in expect or "contains" in expect:
            failures.append("text: сообщение не отправляется, проверять нечего")
        return CaseResult(rel, name, tuple(failures), (kind,))

    def uncovered(self, policy_set: PolicySet, results: list[CaseResult]) -> list[str]:
        if getattr(policy_set, "replies", None) is None:
            return []
        seen = {k for r in results for k in r.covers}
        return [f"{REPLIES_FILE}: {kind}" for kind in policy_set.replies.templates if kind not in seen]


def fields_of(policy_set: PolicySet, given: dict) -> dict:
    """The fields a case renders with, computed as the reply service computes them for an appeal."""
    bodies = policy_set.directory.bodies
    body = given.get("body")
    zone = ZoneInfo(policy_set.calendar_for(body).timezone if body else policy_set.directory.timezone)
    moments = {k: parse_moment(given[k], k, zone=True)[0] if k in given else None for k in ("due", "received")}
    fields = common_fields(given.get("appeal_id", 1), bodies[body].name if body else None, moments["due"],
                           moments["received"], zone)
    for key in OWN:
        if key == "previous_body" and key in given:
            fields["previous_body_name"] = bodies[given[key]].name
        elif key in given:
            fields[key] = given[key]
    return {k: v for k, v in fields.items() if k in FIELDS[given["kind"]]}
