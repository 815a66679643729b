"""The only module that imports durable_rules.

One quiet Host per rulebook: no background timer threads, actions only record the rule id,
effects are applied in Python afterwards. Evaluation is serialised by a lock on one fixed
session id. ``first``/``priority`` stages are posted as events (exactly one rule, the lowest
``pri``, fires); ``collect`` stages assert the document as a fact, read every fired id and
retract it in ``finally``.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import threading

import durable_rules_engine as _core
from durable import engine as _engine

from .model import Stage

SID = "0"


class EngineError(RuntimeError):
    """durable_rules refused a document (for example more than 64 alpha tests true at once)."""


class EngineRetired(RuntimeError):
    """The rulesets were replaced by a newer version and are being (or have been) freed."""


class _QuietHost(_engine.Host):
    def __init__(self) -> None:
        self.fired: list[str] = []
        super().__init__()

    def _run(self) -> None:  # the default Host starts timer threads that never stop
        return None

    def get_action(self, action_name: str):
        fired = self.fired

        def record(_closure) -> None:  # exactly one parameter: a synchronous action
            fired.append(action_name)

        return record


class DurableEvaluator:
    def __init__(self, definitions: dict[str, dict], names: dict[str, str]):
        """definitions: ruleset name → compiled rules; names: stage name → ruleset name."""
        self._host = _QuietHost()
        self._host.register_rulesets(copy.deepcopy(definitions))
        self._names = names
        self._order = {
            stage: {rule: r["pri"] for rule, r in definitions[name].items()} for stage, name in names.items()
        }
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._users = 0
        self._retired = False
        self._freed = False

    # ----------------------------------------------------------- lifetime of the rulesets
    #
    # A decision evaluates several stages; between them the lock is released. A replaced
    # version is therefore freed only when no decision holds it any more: ``enter``/``leave``
    # count the decisions in flight, ``retire`` frees at once or when the last one leaves.

    def enter(self) -> None:
        with self._lock:
            if self._retired:
                raise EngineRetired("these rulesets were replaced")
            self._users += 1

    def leave(self) -> None:
        with self._lock:
            self._users -= 1
            if self._retired and self._users == 0:
                self._free()

    def retire(self) -> None:
        with self._lock:
            self._retired = True
            if self._users == 0:
                self._free()

    @property
    def freed(self) -> bool:
        return self._freed

    def _free(self) -> None:
        """Delete every ruleset from the host and from the C core (the lock is held)."""
        if self._freed:
            return
        host = self._host
        for name in self._names.values():
            ruleset = host._ruleset_directory.pop(name, None)
            if ruleset is None:
                continue
            host._ruleset_list.remove(ruleset)
            # The session state of SID is not freed with the ruleset (about 5 MB per retired
            # 400-rule version stays behind). delete_state would free it and keep memory flat,
            # but after many create/delete cycles in one process it aborted the interpreter, so
            # it is not called: a slow, bounded leak per publish is better than a crash.
            _core.delete_ruleset(ruleset._handle)
            ruleset._handle = None
        self._freed = True

    def fired(self, stage: Stage, doc: dict) -> list[str]:
        """Ids of the rules that fire for doc, each once, in pri order (at most one unless collect)."""
        name = self._names[stage.name]
        with self._lock:
            if self._freed:
                raise EngineRetired("these rulesets were freed")
            message = dict(doc, sid=SID, id=str(next(self._ids)))
            fired = self._host.fired
            fired.clear()
            try:
                if stage.hit_policy == "collect":
                    self._assert_and_retract(name, message)
                else:
                    self._host.post(name, message)
            except _engine.MessageNotHandledException:
                pass
            except Exception as exc:  # the C core reports its limits as a generic error
                fired.clear()
                raise EngineError(f"ruleset {name}: {exc}") from exc
            # the engine splits a rule with "$or" into one branch per alternative and fires
            # every satisfied branch: keep each rule once, in pri order
            result = sorted(set(fired), key=self._order[stage.name].__getitem__)
            fired.clear()
        return result

    def _assert_and_retract(self, name: str, message: dict) -> None:
        try:
            self._host.assert_fact(name, message)
        finally:
            # nothing may have been stored (no match or a refused fact)
            with contextlib.suppress(Exception):
                self._host.retract_fact(name, message)
