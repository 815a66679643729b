"""Staff pages send Content-Security-Policy (with frame-ancestors), X-Frame-Options, X-Content-Type-Options
and Referrer-Policy, and still work under them in chromium: no policy violation on any page, and a
page framed by another site is not shown."""

from __future__ import annotations

import pytest

from tests.support.browser import log_in
from tests.support.staff import PASSWORD, routed

PAGES_BY_LOGIN = {
    "roads-official": ["/queue", "/appeals/{id}"],
    "centre-manager": ["/dashboard", "/appeals/{id}", "/analytics", "/queue?q=яма"],
    "policy-writer": ["/rules", "/api/docs"],
    "administrator": ["/dashboard", "/rules", "/analytics"],
    "centre-curator": ["/review", "/appeals/{id}"],
}


def test_every_answer_carries_the_security_headers(client, runtime):
    for url in ("/login", "/healthz", "/api/v1/openapi.json", "/api/docs", "/queue", "/static/web/app.css"):
        answer = client.get(url)
        answer.close()
        headers = answer.headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_an_answer_that_sets_one_of_them_keeps_its_own_and_gets_the_others_once():
    from flask import Response

    from webhooks.web import SECURITY_HEADERS, _security_headers

    answer = _security_headers(Response("x", headers={"x-frame-options": "SAMEORIGIN"}))

    assert answer.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]  # its own, whatever the case of the name
    for name in SECURITY_HEADERS.keys() - {"X-Frame-Options"}:
        assert answer.headers.getlist(name) == [SECURITY_HEADERS[name]]


@pytest.mark.browser
@pytest.mark.parametrize("login", PAGES_BY_LOGIN)
def test_the_pages_work_in_chromium_without_any_policy_violation(browser, live, runtime, login):
    appeal_id = routed(runtime)
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: refused.append(str(e)))
    try:
        log_in(page, live.url, login, PASSWORD)
        for url in PAGES_BY_LOGIN[login]:
            page.goto(live.url + url.format(id=appeal_id))
            page.wait_for_load_state("networkidle")
            if url == "/api/docs":
                page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
            assert page.locator("body").inner_text().strip(), url
    finally:
        context.close()
    assert refused == []


@pytest.mark.browser
def test_a_page_framed_by_another_site_is_not_shown(browser, live):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.set_content(f'<iframe id="f" src="{live.url}/login" width="600" height="400"></iframe>')
        page.wait_for_timeout(1000)
        framed = [f for f in page.frames if f != page.main_frame]
        assert framed and not any("/login" in f.url and f.locator("form").count() for f in framed)
    finally:
        context.close()
