"""Policy staff publish a rule change in the editor (real browser), and the next webhook is routed by it;
a simulation started there shows the worker's progress, then its report."""

from __future__ import annotations

import threading

import pytest

from engine.jobs import run_simulation_job
from engine.services import credentials
from engine.services.rules import backtest
from engine.store.appeals import get_appeal
from tests.support.browser import LiveServer, log_in, screenshot
from tests.support.signing import body_of, signed_headers
from tests.support.staff import PASSWORD, add_staff

pytestmark = pytest.mark.browser


def post_appeal(client, runtime, external_id: str, text: str) -> int:
    body = body_of({"external_id": external_id, "text": text, "municipality": "barnaul", "regime": "fz59",
                    "fz59": True})
    answer = client.post("/webhooks/generic/portal", data=body,
                         headers=signed_headers("k", body, int(runtime.now().timestamp())))
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()["appeal_id"]


def draft_with_fallback_to(page, url: str, body: str) -> None:
    """A policy writer logged in, with the editor open on a draft whose fallback sends appeals to ``body``."""
    log_in(page, url, "policy-writer", PASSWORD)
    page.goto(f"{url}/rules")
    send_fallback_to(page, body)


def send_fallback_to(page, body: str) -> None:
    """Edit every routing file of the editor so that the fallback sends appeals to ``body``."""
    names = page.eval_on_selector_all("#rules-file option", "options => options.map(o => o.value)")
    for name in names:
        if not name.startswith("routing/"):
            continue
        page.select_option("#rules-file", name)
        current = page.input_value("#rules-text")
        if "body: cur-triage" in current:
            page.fill("#rules-text", current.replace("body: cur-triage", f"body: {body}"))


def test_a_fallback_change_published_in_the_editor_routes_the_next_webhook(page, app, runtime):
    if not any(r.rule == "/api/v1/rules/publish" for r in app.url_map.iter_rules()):
        pytest.fail("the rules API is not registered: the editor cannot publish")
    add_staff(runtime)
    credentials.add_channel(runtime.now(), "portal", "generic", "k")
    client = app.test_client()
    before = post_appeal(client, runtime, "before-1", "Прошу разъяснить порядок получения справки")
    assert get_appeal(before).body == "cur-triage"

    with LiveServer(app) as live:
        draft_with_fallback_to(page, live.url, "min-social")
        page.click("#rules-validate")
        page.wait_for_selector("#rules-result h3")
        assert "пройдена" in page.text_content("#rules-result h3")
        page.fill("#rules-comment", "Непонятные обращения — в соцзащиту на время отпуска сортировки")
        page.click("#rules-publish button[type=submit]")
        page.wait_for_selector("#rules-result h3:has-text('Опубликована версия')", timeout=120_000)
        page.wait_for_selector("#rules-versions li")
        screenshot(page, "rules-published")

    after = post_appeal(client, runtime, "after-1", "Прошу разъяснить порядок получения справки")
    assert get_appeal(after).body == "min-social"


def test_a_broken_rule_is_pinned_to_its_line_in_the_editor(page, app, runtime):
    add_staff(runtime)
    with LiveServer(app) as live:
        log_in(page, live.url, "policy-writer", PASSWORD)
        page.goto(f"{live.url}/rules")
        page.select_option("#rules-file", "routing/roads.yaml")
        page.fill("#rules-text", "ruleset: routing/roads\nhit_policy: first\nrules:\n  - id: x\n")
        page.click("#rules-validate")
        page.wait_for_selector("#rules-messages li.error")

        assert "строка 4" in page.text_content("#rules-messages")
        assert page.locator("#rules-gutter .err").first.text_content() == "4"
        screenshot(page, "rules-error-pinned")


def test_a_simulation_started_in_the_editor_shows_the_workers_progress_then_its_report(page, app, runtime,
                                                                                         monkeypatch):
    add_staff(runtime)
    credentials.add_channel(runtime.now(), "portal", "generic", "k")
    client = app.test_client()
    post_appeal(client, runtime, "sim-1", "<b>Прошу</b> разъяснить порядок получения справки")
    post_appeal(client, runtime, "sim-2", "На ул. Попова огромные ямы")
    inside, release = threading.Event(), threading.Event()
    real = backtest.simulate_draft

    def slow(files, active, *, progress, **kwargs):  # the replay waits at its progress until the page saw it
        def held(done, total):
            progress(done, total)
            inside.set()
            release.wait(30)
        return real(files, active, progress=held, **kwargs)

    monkeypatch.setattr(backtest, "simulate_draft", slow)
    with LiveServer(app) as live:
        draft_with_fallback_to(page, live.url, "min-social")
        page.click("#rules-simulate")
        page.wait_for_selector("#rules-simulation:has-text('в очереди')")
        assert page.is_disabled("#rules-simulate")

        worker = threading.Thread(target=run_simulation_job, args=(runtime,))  # the worker's job, run here
        worker.start()
        try:
            assert inside.wait(30), "the simulation did not start"
            page.wait_for_selector("#rules-simulation:has-text('обработано 2 из 2')")
            assert page.get_attribute("#rules-simulation progress", "max") == "2"
            screenshot(page, "rules-simulation-running")
        finally:
            release.set()
            worker.join(timeout=30)
        page.wait_for_selector("#rules-result h3:has-text('Симуляция: обращений 2, изменится 1')")
        cells = page.eval_on_selector_all("#rules-result td", "cells => cells.map(c => c.textContent)")
        assert "<b>Прошу</b> разъяснить порядок получения справки" in cells
        assert "cur-triage → min-social" in cells
        assert page.locator("#rules-result b").count() == 0  # the appeal's text is shown, never parsed
        assert "завершена" in page.text_content("#rules-simulation")
        page.wait_for_selector("#rules-simulate:not([disabled])")
        screenshot(page, "rules-simulated")


def test_the_editor_runs_escalation_and_deadline_cases_and_shows_what_differed(page, app, runtime):
    add_staff(runtime)
    with LiveServer(app) as live:
        log_in(page, live.url, "policy-writer", PASSWORD)
        page.goto(f"{live.url}/rules")
        page.select_option("#rules-file", "escalation_test.yaml")
        text = page.input_value("#rules-text")
        page.fill("#rules-text", text.replace("expect: {ladder: none}", "expect: {ladder: answer}"))
        page.select_option("#rules-file", "deadline_policies_test.yaml")
        text = page.input_value("#rules-text")
        page.fill("#rules-text", text.replace('start: "Sat 2026-05-09 22:00', 'start: "Fri 2026-05-09 22:00'))
        page.click("#rules-test")
        page.wait_for_selector("#rules-result h3:has-text('Случаи')")

        assert "не пройдено 1, ошибок в файлах случаев 1" in page.text_content("#rules-result h3")
        rows = page.eval_on_selector_all("#rules-result tr",
                                         "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
        assert ["escalation_test.yaml", "у регистрации лестницы нет",
                "ladder: ожидалась лестница answer, получена none (ни одно правило не подошло)"] in rows
        assert ["deadline_policies_test.yaml", "—", "срочный инцидент у круглосуточной ЕДДС считается и в праздник: "
                "поле given.start: 2026-05-09 — суббота (Sat), а не Fri"] in rows
        screenshot(page, "rules-cases-failed")
