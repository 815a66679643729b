"""Hot reload: every API and worker process follows the published rules version.

``PolicySource.current()`` is what ``Runtime.policy_set`` returns. At most every ``poll_seconds`` it
reads the active version's id and hash (one small query, in a savepoint so an open transaction is
never disturbed); when they changed it loads that version's files, builds its engine rulesets,
swaps it in and retires the replaced rulebook, whose engine memory is freed as soon as the
decisions still using it finish (and the heap is released so that the collector sees it again:
engine.heap). The folder's policy set (the one the process started with) is
used while no version has been published.
"""

from __future__ import annotations

import logging
import threading
import time

from engine import heap
from engine.policyset import PolicySet, load_policy_set_from_files
from engine.store import rule_versions

log = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS = 2.0


class PolicySource:
    def __init__(self, initial: PolicySet, poll_seconds: float = DEFAULT_POLL_SECONDS):
        self._base = initial
        self._policy = initial
        self._loaded: tuple[int, str] | None = None  # (version id, files hash) now in use
        self.poll_seconds = poll_seconds
        self._next_check = 0.0
        self._lock = threading.Lock()

    @property
    def version_id(self) -> int | None:
        """The stored version in use, or None for the rules folder."""
        return self._loaded[0] if self._loaded else None

    def current(self) -> PolicySet:
        if time.monotonic() >= self._next_check and self._lock.acquire(blocking=False):
            try:
                if time.monotonic() >= self._next_check:
                    self._check()
                    self._next_check = time.monotonic() + self.poll_seconds
            finally:
                self._lock.release()
        return self._policy

    def refresh(self) -> bool:
        """Check now; True when another version was swapped in."""
        with self._lock:
            before = self._policy
            self._check()
            self._next_check = time.monotonic() + self.poll_seconds
            return self._policy is not before

    def replace(self, policy: PolicySet) -> None:
        """Use this policy set until the published version changes (tests)."""
        self._policy = policy

    def _check(self) -> None:
        pointer = rule_versions.active_pointer()
        if pointer is None or pointer == self._loaded:
            return
        try:
            record = rule_versions.get_version(pointer[0])
            policy = load_policy_set_from_files(record.files)
            policy.rulebook.warm_up()
        except Exception:
            log.exception("rules version %s cannot be loaded; keeping version %s", pointer[0], self.version_id)
            self._loaded = pointer  # do not retry a broken version on every request
            return
        old, self._policy, self._loaded = self._policy, policy, pointer
        log.info("rules version %s (%s) is now active in this process", pointer[0], policy.rulebook.version)
        if old is not self._base:
            old.retire()
        heap.release()  # the replaced version may be held by the frozen heap: let it be collected
