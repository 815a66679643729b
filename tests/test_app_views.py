"""The app asks once per view or hook whether it is a coroutine function, not on every request: a plain
function is run as it is, a coroutine function still goes through Flask's async_to_sync."""

from __future__ import annotations

import webhooks


def test_a_plain_view_is_run_as_it_is_and_asked_about_once(app, client, monkeypatch):
    asked = []
    real = webhooks.iscoroutinefunction
    monkeypatch.setattr(webhooks, "iscoroutinefunction", lambda func: asked.append(func) or real(func))
    webhooks._is_async.cache_clear()

    for _ in range(5):
        assert client.get("/healthz").status_code == 200

    assert asked and len(asked) == len(set(asked))  # each view and hook asked about once, not per request
    view = app.view_functions["health.healthz"]
    assert app.ensure_sync(view) is view


def test_a_coroutine_function_still_goes_through_async_to_sync(app, monkeypatch):
    async def view():
        return "ok"

    monkeypatch.setattr(app, "async_to_sync", lambda func: ("wrapped", func))
    assert app.ensure_sync(view) == ("wrapped", view)
