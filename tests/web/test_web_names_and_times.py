"""Every staff page, as every role, with the demo appeals in every state (real chromium): no bare code of the
directory, lexicon, gazetteer, roles, clocks, statuses, channels, ladder levels, timeline events or rule
versions is shown, no UTC time, and the zone of the page's times is named once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine.rulebook.snapshot import read_tree
from engine.services import credentials
from engine.services.escalation import sweep
from engine.services.rules import versions
from tests.support.browser import LiveServer, log_in, screenshot
from tests.support.paths import RULES_DIR
from tests.support.signing import body_of, signed_headers
from tests.support.staff import PASSWORD, STAFF, add_staff, bearer, routed
from webhooks.demo import DEMO_APPEALS

pytestmark = pytest.mark.browser

# the kinds of codes staff must never see bare (the directory's, the lexicon's, the gazetteer's … and ours)
CODE_KINDS = ("body", "official", "role", "sector", "municipality", "topic", "policy", "level", "status", "clock",
              "channel", "staff_role", "regime", "priority", "clock_state", "alert_status", "event",
              "rule_activation", "message_kind", "route", "message_status", "action")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]*[A-Za-z0-9]")
# every staff page besides the appeal pages; the queue also with closed appeals shown
PAGES = ("/queue", "/queue?status=closed&status=rejected&status=answered", "/dashboard", "/review", "/analytics",
         "/rules")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# what a page shows that is not ours to name: residents' words, the folded rule trace, the rules' YAML
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[data-verbatim], textarea, template, script, #appeal-text, #conversation td.text, '
                        + '.appeals .text, #queue td.text, #author-contact, #author-profile, #author-email, '
                        + '#original-link, details.trace').forEach(n => n.remove());
  return copy.innerText;
}"""


def codes_of(runtime) -> set[str]:
    labels = runtime.policy_set.labels
    codes = set()
    for kind in CODE_KINDS:
        codes |= {str(code) for code in labels.tables.get(kind, {})}
    return {c for c in codes if not re.fullmatch(r"[А-Яа-яЁё0-9 .,-]+", c)}  # a Cyrillic "code" is a name


def demo_data(app, runtime, clock) -> list[int]:
    """The demo appeals posted through the generic webhook, a few more in other states, a published rules
    version, and a month later the sweep's alerts: every kind of row a staff page shows."""
    tokens = add_staff(runtime)
    credentials.add_channel(runtime.now(), "demo", "generic", "demo-secret")
    client = app.test_client()
    ids = []
    for n, appeal in enumerate(DEMO_APPEALS):
        body = body_of({"external_id": f"demo-{n}", **appeal})
        answer = client.post("/webhooks/generic/demo", data=body,
                             headers=signed_headers("demo-secret", body, int(runtime.now().timestamp())))
        assert answer.status_code == 202, answer.get_json()
        ids.append(answer.get_json()["appeal_id"])
    official = bearer(tokens["roads-official"])
    taken = routed(runtime, external_id="walk-taken")
    answered = routed(runtime, external_id="walk-answered", text="Яма на ул. Малахова у дома 2")
    for appeal_id in (taken, answered):
        assert client.post(f"/api/v1/appeals/{appeal_id}/actions/take", headers=official,
                           json={"comment": "Выезд бригады"}).status_code == 200
    assert client.post(f"/api/v1/appeals/{taken}/actions/extend", headers=bearer(tokens["centre-manager"]),
                       json={"days": 10, "reason": "нужен выезд комиссии"}).status_code == 200
    assert client.post(f"/api/v1/appeals/{answered}/actions/answer", headers=official,
                       json={"text": "Яма заделана."}).status_code == 200
    asked, forwarded, rejected = (routed(runtime, external_id=f"walk-{n}") for n in ("asked", "forwarded", "rejected"))
    assert client.post(f"/api/v1/appeals/{asked}/actions/take", headers=official).status_code == 200
    assert client.post(f"/api/v1/appeals/{asked}/actions/request_clarification", headers=official,
                       json={"text": "Уточните номер дома"}).status_code == 200
    assert client.post(f"/api/v1/appeals/{forwarded}/actions/forward", headers=official,
                       json={"body": "min-roads", "reason": "региональная дорога"}).status_code == 200
    assert client.post(f"/api/v1/appeals/{rejected}/actions/reject", headers=official,
                       json={"reason": "obscene", "comment": "угрозы"}).status_code == 200
    files = read_tree(RULES_DIR)
    files["routing/fallback.yaml"] = files["routing/fallback.yaml"].replace("не определён", "пока не определён")
    versions.publish(files, actor="user:policy-writer", comment="уточнили описание", now=runtime.now(),
                     folder=runtime.policy_set)
    runtime.policy_source.refresh()
    clock.set(clock() + timedelta(days=45))
    assert sweep(runtime).alerts > 0
    return [*ids, taken, answered, asked, forwarded, rejected]


def bare_codes(text: str, codes: set[str]) -> list[str]:
    return sorted({t for t in TOKEN.findall(text) if t in codes})


def test_no_staff_page_shows_a_bare_code_or_a_utc_time(browser, app, runtime, clock):
    appeal_ids = demo_data(app, runtime, clock)
    codes = codes_of(runtime)
    assert {"barnaul-roads-committee", "roads", "barnaul", "hotline", "first_response", "routed"} <= codes
    problems: dict[str, list[str]] = {}
    seen_pages = 0
    with LiveServer(app) as live:
        for login in STAFF:
            context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            log_in(page, live.url, login, PASSWORD)
            paths = [*PAGES, *(f"/appeals/{i}" for i in appeal_ids)]
            for path in paths:
                page.goto(f"{live.url}{path}")
                if path == "/rules" and page.locator("#rules-versions").count():
                    page.wait_for_selector("#rules-versions li", timeout=10_000)
                    page.wait_for_selector("#rules-history li", timeout=10_000)
                    diff = page.locator("#rules-versions button:has-text('Разница')").first
                    diff.click()
                    page.wait_for_selector("#rules-diff h4")
                text = page.evaluate(VISIBLE_TEXT)
                seen_pages += 1
                found = bare_codes(text, codes) + ISO_TIME.findall(text)
                if text.count("Время на странице") != 1:
                    found.append(f"the zone is named {text.count('Время на странице')} times")
                if found:
                    problems[f"{login} {path}"] = found
                if path == f"/appeals/{appeal_ids[0]}" and login == "centre-manager":
                    assert "30.11.2026 10:00" in text  # received at 10:00 in Barnaul, 03:00 UTC
                    assert "30.11.2026 03:00" not in text
                    screenshot(page, "appeal-names-and-times")
            context.close()
    assert seen_pages == len(STAFF) * (len(PAGES) + len(appeal_ids))
    assert not problems, "\n".join(f"{where}: {found}" for where, found in problems.items())
