"""What services need to act: settings, a clock, the current policy set, the alert senders and the
reply senders.

Built once by the composition root (engine.bootstrap); every service takes it as ``rt: Runtime``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.policyset import PolicySet
    from engine.services.rules.reload import PolicySource


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Settings, a clock, the senders and the published policy set (followed within seconds)."""

    settings: Settings
    clock: Callable[[], datetime]
    senders: dict  # alert channel (email, telegram, webhook) -> sender of OutgoingAlert
    policy_source: PolicySource  # the published rules version, followed within seconds
    lock: threading.Lock = field(default_factory=threading.Lock)
    # reply route (vk_comment, vk_message, telegram, email, callback) -> engine.replies.message.ReplySender;
    # open311 and manual replies have none: nothing is pushed for them
    reply_senders: dict = field(default_factory=dict)

    @property
    def policy_set(self) -> PolicySet:
        """Everything policy staff own, as one versioned set: rulebook, directory, calendars,
        deadline policies, ladders, the text reader."""
        return self.policy_source.current()

    @policy_set.setter
    def policy_set(self, value: PolicySet) -> None:
        self.policy_source.replace(value)

    def now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return timezone-aware datetimes")
        return now
