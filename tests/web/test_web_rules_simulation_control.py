"""The rules editor's simulation (real browser) names the appeals a draft would put on the centre's control
(«на контроле ЦУР»), in the summary and in each example."""

from __future__ import annotations

import threading

import pytest

from engine.jobs import run_simulation_job
from tests.rules.test_rules_simulation_control import COLLAPSE, CONTROL_COLLAPSES, TOWNS, resident
from tests.support.browser import LiveServer, log_in, screenshot
from tests.support.staff import PASSWORD, add_staff, routed

pytestmark = pytest.mark.browser


def test_the_editors_simulation_shows_the_appeals_a_control_rule_would_put_on_control(page, app, runtime):
    add_staff(runtime)
    for i, town in enumerate(TOWNS[:2]):
        routed(runtime, COLLAPSE, external_id=f"c-{i}", author=resident(i), municipality=town)
    with LiveServer(app) as live:
        log_in(page, live.url, "policy-writer", PASSWORD)
        page.goto(f"{live.url}/rules")
        page.select_option("#rules-file", "routing/control.yaml")
        page.fill("#rules-text", page.input_value("#rules-text").rstrip("\n") + "\n" + CONTROL_COLLAPSES)
        page.click("#rules-simulate")
        page.wait_for_selector("#rules-simulation:has-text('в очереди')")
        worker = threading.Thread(target=run_simulation_job, args=(runtime,))  # the worker's job, run here
        worker.start()
        worker.join(timeout=120)
        page.wait_for_selector("#rules-result h3:has-text('изменится 2')")

        assert "на контроле ЦУР 2" in page.text_content("#rules-result p")
        assert page.text_content("#rules-simulation-control") == \
            "на контроле ЦУР: станут 2 обращения, перестанут 0 обращений"
        headers = page.eval_on_selector_all("#rules-result th", "cells => cells.map(c => c.textContent)")
        assert headers[-1] == "на контроле ЦУР"
        cells = page.eval_on_selector_all("#rules-result tr td:last-child", "cells => cells.map(c => c.textContent)")
        assert cells == ["нет → да", "нет → да"]
        screenshot(page, "rules-simulation-control")
