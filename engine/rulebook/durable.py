"""The only module that imports durable_rules.

The rulesets are created and evaluated through the C core's own functions (the package's Python
``Host`` adds a closure, a state update and two JSON round trips per fired rule, and keeps
timer threads). Outcomes only name the rule; effects are applied in Python afterwards.
Evaluation is serialised by a lock on one fixed session id. ``first``/``priority`` stages are
asserted as events (exactly one rule, the lowest ``pri``, fires); ``collect`` stages assert the
document as a fact, read every fired id and retract it in ``finally``.

Freeing a replaced version (read in the C sources of durable_rules 2.0.28):

* ``delete_ruleset`` frees the ruleset's pools but not the state of its sessions (each
  session's frames, about 5 MB for 400 rules): ``delete_state`` must come first.
* ``delete_state`` frees the session's last action context, a field the core never
  initialises when it creates the session: on a session where no action ever ran it frees
  whatever the allocator left there ("double free or corruption", after some cycles). Every
  ruleset therefore gets one extra rule that only a priming document matches, and the priming
  document is evaluated once right after creation, so a complete action leaves the context
  empty. Only then is ``delete_state`` safe.
* Creation reads one more uninitialised field: the type of the node that joins the alternatives
  of an ``$or`` (``createForwardAlpha`` never sets it), when that ``$or`` ends the item test of
  an ``$iany``/``$iall``. If the reused heap memory under the new node holds 9 or 12 there,
  creation fails with error 102. That memory is not random: it is what the process freed before
  (earlier rulesets, documents, Python objects), and a failed creation keeps its half-built
  ruleset, so every retry reads the same kind of leftovers and fails alike. The compiler
  therefore never ends an item test with an ``$or`` (it adds "not the sentinel" after it), and
  ``create_ruleset`` refuses that form before the engine sees it.
* Handles are not reused before 131,071 creations; a freed ruleset's handle is simply dropped.
* Everything happens under the evaluator's lock, after the decisions in flight have left.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading

import durable_rules_engine as _core

from .model import Stage

SID = "0"
PRIME = "_prime"  # rule ids start with a letter or digit: no rule of a policy can have this name
_PRIME_DOC = {"doc": PRIME}  # compiled rules are anchored on {"doc": "appeal"}: none of them matches this
_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps builds an encoder per call for these options

log = logging.getLogger(__name__)


class EngineError(RuntimeError):
    """durable_rules refused a document (for example more than 64 alpha tests true at once)."""


class EngineRetired(RuntimeError):
    """The rulesets were replaced by a newer version and are being (or have been) freed."""


def create_ruleset(name: str, definition: dict) -> int:
    """Create one ruleset in the C core, with its session primed (see the module docstring)."""
    rules = {rid: {k: v for k, v in rule.items() if k != "run"} for rid, rule in definition.items()}
    for rid, rule in rules.items():
        if any(_misread(test) for part in rule.get("all", ()) for test in part.values()):
            raise EngineError(f"ruleset {name}: rule {rid} ends an item test with $or, a form the engine "
                              "reads from uninitialised memory (error 102 by chance)")
    rules[PRIME] = {"pri": max((r["pri"] for r in rules.values()), default=0) + 1, "all": [{"m": _PRIME_DOC}]}
    try:
        handle = _core.create_ruleset(name, json.dumps(rules, ensure_ascii=False))
    except _core.error as exc:
        raise EngineError(f"ruleset {name}: {exc}") from exc
    try:
        primed = _run(handle, _core.assert_event, json.dumps(dict(_PRIME_DOC, sid=SID, id=PRIME)))
        if primed != [PRIME]:
            raise EngineError(f"ruleset {name}: the priming document fired {primed}")
    except BaseException:
        _core.delete_ruleset(handle)  # nothing ran on the session: its state cannot be deleted safely
        raise
    return handle


def _misread(expr: dict) -> bool:
    """Whether an ``$iany``/``$iall`` in the expression has an item test ending with ``$or``."""
    (key, arg), = expr.items()
    if key in ("$and", "$or"):
        return any(_misread(part) for part in arg)
    if key in ("$iany", "$iall"):
        ((_, item),) = arg.items()
        while isinstance(item, dict) and len(item) == 1 and "$and" in item:
            item = item["$and"][-1]
        return isinstance(item, dict) and "$or" in item
    return False


def delete_ruleset(handle: int) -> None:
    """Free a primed ruleset and its session (no evaluation may be running on it)."""
    try:
        _core.delete_state(handle, SID)
    finally:
        _core.delete_ruleset(handle)


def _run(handle: int, operation, text: str) -> list[str]:
    """Assert (or retract) one document and run every action it made ready; their rule names."""
    result, state = operation(handle, text)
    if result != 0:  # 1 not handled, 2 already observed, 3 deferred: nothing to run
        return []
    return _drain(handle, state)


def _drain(handle: int, state: int) -> list[str]:
    names: list[str] = []
    try:
        started = _core.start_action_for_state(handle, state)
        messages = started[1] if started is not None else None
        while messages is not None:
            names.append(_action_name(messages))
            messages = _core.complete_and_start_action(handle, state)
    except BaseException:
        with contextlib.suppress(Exception):
            _core.abandon_action(handle, state)
        raise
    return names


def _action_name(messages: str) -> str:
    """The fired rule of ``{"<rule>":{"m":{...}}}`` (rule names never contain quotes)."""
    if messages.startswith('{"'):
        end = messages.find('"', 2)
        if end > 2:
            return messages[2:end]
    return next(iter(json.loads(messages)))  # pragma: no cover - the core always writes the form above


class DurableEvaluator:
    def __init__(self, definitions: dict[str, dict], names: dict[str, str | tuple[str, ...]]):
        """definitions: ruleset name → compiled rules; names: stage name → ruleset name, or the
        names of the rulesets it is split into (``fired``'s ``part``: the index of one)."""
        self._names = {stage: (name,) if isinstance(name, str) else tuple(name) for stage, name in names.items()}
        self._order = {
            stage: {rule: r["pri"] for name in parts for rule, r in definitions[name].items()}
            for stage, parts in self._names.items()
        }
        self._handles: dict[str, list[int]] = {}
        try:
            for stage, parts in self._names.items():
                handles = self._handles[stage] = []
                for name in parts:
                    handles.append(create_ruleset(name, definitions[name]))
        except BaseException:
            for handles in self._handles.values():
                for handle in handles:
                    delete_ruleset(handle)
            raise
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
        """Delete every ruleset and its session from the C core (the lock is held)."""
        if self._freed:
            return
        self._freed = True
        handles, self._handles = self._handles, {}
        for name, parts in handles.items():
            for handle in parts:
                try:
                    delete_ruleset(handle)
                except Exception:  # the decision that happens to free it must not fail
                    log.exception("rules engine: ruleset of stage %s could not be freed", name)

    def fired(self, stage: Stage, doc: dict, part: int = 0) -> list[str]:
        """Ids of the rules that fire for doc, each once, in pri order (at most one unless collect);
        ``part``: the ruleset of a split stage to ask (one that holds every rule that can fire)."""
        with self._lock:
            if self._freed:
                raise EngineRetired("these rulesets were freed")
            handle = self._handles[stage.name][part]
            text = _encode(dict(doc, sid=SID, id=str(next(self._ids))))
            try:
                if stage.hit_policy == "collect":
                    fired = self._assert_and_retract(handle, text)
                else:
                    fired = _run(handle, _core.assert_event, text)
            except Exception as exc:  # the C core reports its limits as a generic error
                raise EngineError(f"ruleset {self._names[stage.name][part]}: {exc}") from exc
        if len(fired) < 2:
            return fired
        # the engine splits a rule with "$or" into one branch per alternative and fires
        # every satisfied branch: keep each rule once, in pri order
        return sorted(set(fired), key=self._order[stage.name].__getitem__)

    @staticmethod
    def _assert_and_retract(handle: int, text: str) -> list[str]:
        try:
            return _run(handle, _core.assert_fact, text)
        finally:
            # nothing may have been stored (no match or a refused fact)
            with contextlib.suppress(Exception):
                _run(handle, _core.retract_fact, text)
