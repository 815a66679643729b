"""Pacing: how fast we may call a platform, so a burst of replies never trips its rate limits.

A token bucket per key (a VK community token, a Telegram bot token, a bot token and one chat) holding
one call and refilled at ``rate`` calls per second, so calls are spread evenly. A sender asks the pacer
for every key the call counts against; the pacer waits the time the fullest bucket needs when that is
short (at most ``max_wait`` seconds) and otherwise raises ``Deferred`` (a ``DeliveryError`` with
``retry_after``): the reply is tried again later instead of exceeding the limit. The clock and the
sleep are injected (monotonic seconds), so tests run without waiting. One pacer paces one process.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Sequence

from engine.alerts.message import DeliveryError


class Deferred(DeliveryError):
    """Sending now would exceed a platform's rate; nothing was sent, try again after ``retry_after``."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message, retry_after=retry_after)


class TokenBucket:
    def __init__(self, rate: float, now: float, capacity: float = 1.0):
        if rate <= 0:
            raise ValueError("a rate is a positive number of calls per second")
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until a call may be made (0 when it may be made now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        """Count a call; a call made ahead of its time (after waiting) leaves the bucket in debt."""
        self._refill(now)
        self.tokens -= 1

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity


def key_for(platform: str, token: str, *parts) -> str:
    """A bucket's key: the platform, a digest of the token (never the token itself), and e.g. a chat."""
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]
    return ":".join([platform, digest, *map(str, parts)])


class Pacer:
    PRUNE_AT = 10_000  # buckets kept before idle ones are forgotten

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 max_wait: float = 2.0):
        self.clock = clock
        self.sleep = sleep
        self.max_wait = max_wait
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def pace(self, limits: Sequence[tuple[str, float]], what: str = "запрос") -> float:
        """Take a turn under every (key, calls per second) of ``limits``; returns the seconds waited.
        Raises ``Deferred`` when the turn is further away than ``max_wait``."""
        with self._lock:
            now = self.clock()
            buckets = [self._bucket(key, rate, now) for key, rate in limits]
            wait = max((b.wait(now) for b in buckets), default=0.0)
            if wait > self.max_wait:
                seconds = math.ceil(wait)
                raise Deferred(f"{what} отложен на {seconds} с: ограничение частоты запросов платформы", seconds)
            for bucket in buckets:
                bucket.take(now)
        if wait > 0:
            self.sleep(wait)
        return wait

    def _bucket(self, key: str, rate: float, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate != rate:
            if len(self._buckets) >= self.PRUNE_AT:
                self._buckets = {k: b for k, b in self._buckets.items() if not b.idle(now)}
            bucket = self._buckets[key] = TokenBucket(rate, now)
        return bucket
