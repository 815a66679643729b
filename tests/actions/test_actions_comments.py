"""The comment typed with an action (take, close…) is stored with the action and shown on the timeline,
through the API and through the appeal page's form."""

from __future__ import annotations

import re

import pytest

from tests.support.staff import add_staff, bearer, log_in, routed


@pytest.fixture
def tokens(runtime):
    return add_staff(runtime)


def act(client, token, appeal_id, name, **payload):
    return client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload, headers=bearer(token))


def event(client, token, appeal_id, kind):
    items = client.get(f"/api/v1/appeals/{appeal_id}/timeline", headers=bearer(token)).get_json()["items"]
    return next(e for e in items if e["kind"] == kind)


@pytest.mark.both_databases
def test_a_comment_given_with_take_and_close_through_the_api_is_on_the_timeline(client, tokens, runtime):
    official = tokens["roads-official"]
    appeal_id = routed(runtime)

    assert act(client, official, appeal_id, "take", comment="Выезд бригады в четверг").status_code == 200
    assert act(client, official, appeal_id, "answer", text="Яма заделана.").status_code == 200
    assert act(client, official, appeal_id, "close", comment="Автор подтвердил по телефону").status_code == 200

    assert event(client, official, appeal_id, "appeal.take")["details"]["comment"] == "Выезд бригады в четверг"
    assert event(client, official, appeal_id, "appeal.close")["details"]["comment"] == "Автор подтвердил по телефону"


def test_an_action_without_a_comment_records_none(client, tokens, runtime):
    official = tokens["roads-official"]
    appeal_id = routed(runtime)

    act(client, official, appeal_id, "take", comment="   ")

    assert "comment" not in event(client, official, appeal_id, "appeal.take")["details"]


def test_a_comment_typed_in_the_take_form_of_the_page_is_shown_in_its_history(app, runtime):
    add_staff(runtime)
    appeal_id = routed(runtime)
    client = app.test_client()
    log_in(client, "roads-official")
    page = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    answer = client.post(f"/appeals/{appeal_id}/do/take",
                         data={"csrf_token": csrf, "comment": "Беру, нужен выезд <на место>"})

    assert answer.status_code == 302
    page = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    history = page[page.index('id="timeline"'):]
    assert "Беру, нужен выезд &lt;на место&gt;" in history
