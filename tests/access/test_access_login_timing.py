"""A login cannot be told apart by how long the answer takes: an unknown, a disabled and a locked
login cost one scrypt, as a wrong password does. Measured through the login form with the real
password hashing; the median of per-round ratios compared loosely (and measured once more when a busy
moment of the machine spoils the first), so it is not flaky."""

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

    ratios = measure(client, runtime.now)
    if not all(0.6 < r < 1.6 for r in ratios.values()):
        ratios = measure(client, runtime.now)  # a busy moment of a shared machine: one more measurement decides

    assert all(0.6 < r < 1.6 for r in ratios.values()), ratios


def measure(client, clock) -> dict[str, float]:
    """For each kind of refused login, the median over interleaved rounds of its time divided by the
    time of a wrong password in the same round: a slow moment of the machine hits both alike."""
    ratios: dict[str, list[float]] = {"unknown": [], "disabled": [], "locked": []}
    for i in range(TRIES):
        wrong = timed_login(client, f"wrong-{i % 3 + 1}")  # below the lock: each user fails at most 4 times
        ratios["unknown"].append(timed_login(client, f"nobody-{i}") / wrong)
        ratios["disabled"].append(timed_login(client, "disabled", PASSWORD) / wrong)
        ratios["locked"].append(timed_login(client, "locked", PASSWORD) / wrong)
    for n in (1, 2, 3):  # a right password clears the failures, so another measurement stays below the lock
        assert users.log_in(clock(), f"wrong-{n}", PASSWORD, hours=1, origin=None) is not None
    return {kind: round(statistics.median(values), 2) for kind, values in ratios.items()}
