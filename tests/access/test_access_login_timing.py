"""A login cannot be told apart by how long the answer takes: an unknown, a disabled and a locked
login cost one scrypt, as a wrong password does. Measured through the login form with the real
password hashing; medians compared loosely, so a busy machine does not make it flaky."""

from __future__ import annotations

import statistics
import time

from engine.services import users
from tests.support.staff import login_form_token

PASSWORD = "correct horse battery"
TRIES = 9


def timed_login(client, login: str, password: str = "wrong password!") -> float:
    form = {"login": login, "password": password, "csrf_token": login_form_token(client)}
    started = time.perf_counter()
    answer = client.post("/login", data=form)
    took = time.perf_counter() - started
    assert answer.status_code == 401
    return took


def test_unknown_disabled_and_locked_logins_take_as_long_as_a_wrong_password(client, runtime):
    now = runtime.now()
    for login in ("wrong-1", "wrong-2", "wrong-3", "disabled", "locked"):
        users.add_user(now, login, "official", PASSWORD, body="barnaul-roads-committee",
                       directory=runtime.policy_set.directory)
    users.disable_user(now, "disabled")
    for _ in range(users.LOCK_AFTER):
        timed_login(client, "locked")
    timed_login(client, "nobody-warm-up")  # the stand-in hash is made once, on first use

    measured = {"wrong": [], "unknown": [], "disabled": [], "locked": []}
    for i in range(TRIES):  # interleaved, so a slow moment of the machine hits every kind alike
        measured["wrong"].append(timed_login(client, f"wrong-{i % 3 + 1}"))  # 3 tries each: below the lock
        measured["unknown"].append(timed_login(client, f"nobody-{i}"))
        measured["disabled"].append(timed_login(client, "disabled", PASSWORD))
        measured["locked"].append(timed_login(client, "locked", PASSWORD))
    medians = {kind: statistics.median(times) for kind, times in measured.items()}

    for kind in ("unknown", "disabled", "locked"):
        ratio = medians[kind] / medians["wrong"]
        assert 0.6 < ratio < 1.6, {k: f"{v * 1000:.1f} ms" for k, v in medians.items()}
