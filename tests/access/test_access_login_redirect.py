"""After a login the browser goes only to a page of this application: every `next` that a browser
would read as another site (after dropping tabs and line breaks, reading a backslash as a slash)
lands on the role's home page instead."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.support.staff import PASSWORD, add_staff, login_form_token


@pytest.fixture
def staff(runtime):
    return add_staff(runtime)


def log_in_with_next(client, target: str):
    form = login_form_token(client)
    return client.post("/login", data={"login": "roads-official", "password": PASSWORD, "csrf_token": form,
                                       "next": target})


@pytest.mark.parametrize("target", [
    unquote("%2F%09%2Fevil.example%2Fx"),  # the reproduced case: /<TAB>/evil.example/x
    "/\n/evil.example/x", "/\r/evil.example", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "https://evil.example/queue", "http:/evil.example", "javascript:alert(1)", " /queue",
    "evil.example", "/%09/evil.example", "/no-such-page", "/queue\u2028//evil.example", "///evil.example",
])
def test_a_next_that_is_not_a_page_of_ours_lands_on_the_home_page(client, staff, target):
    answer = log_in_with_next(client, target)

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/queue"


@pytest.mark.parametrize("target", ["/queue", "/appeals/1", "/queue?status=overdue", "/dashboard"])
def test_a_page_of_ours_is_where_the_login_goes_on(client, staff, target):
    answer = log_in_with_next(client, target)

    assert answer.headers["Location"] == target


def test_the_page_behind_the_login_form_is_reached_after_logging_in(client, staff):
    sent_to = client.get("/appeals/1").headers["Location"]
    target = unquote(sent_to.split("next=", 1)[1])

    assert log_in_with_next(client, target).headers["Location"] == "/appeals/1"


def test_a_next_holding_a_nul_refuses_the_whole_form_without_a_redirect(client, staff):
    answer = log_in_with_next(client, "/queue\x00//evil.example")

    assert answer.status_code == 400
    assert "Location" not in answer.headers
