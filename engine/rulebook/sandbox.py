"""Running untrusted rule work in a child process with a time limit.

The durable_rules C core can loop forever while creating a ruleset or crash the process; a
draft is therefore built (and its cases run) in a fresh child interpreter first
(``python -m engine.rulebook.sandbox``: the call goes in on stdin, the result comes back on
stdout, both pickled). The parent waits at most ``timeout`` seconds and kills the child.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import traceback
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])


class SandboxTimeout(RuntimeError):
    pass


class SandboxCrash(RuntimeError):
    pass


def run_isolated(fn, args: tuple, timeout: float):
    """fn(*args) in a child interpreter; fn must be a module-level function, args and result picklable."""
    call = pickle.dumps((fn.__module__, fn.__qualname__, args))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
    try:
        done = subprocess.run([sys.executable, "-m", __name__], input=call, capture_output=True,
                              timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise SandboxTimeout(f"did not finish within {timeout:g} s") from None
    if done.returncode != 0 or not done.stdout:
        tail = done.stderr.decode("utf-8", "replace")[-2000:]
        raise SandboxCrash(f"the checking process ended with code {done.returncode}: {tail}")
    status, value = pickle.loads(done.stdout)
    if status == "error":
        raise SandboxCrash(value)
    return value


def build_definitions(definitions: dict, names: dict) -> int:
    """Create the engine rulesets and evaluate one empty appeal in each (runs in the child)."""
    from .compiler import engine_doc
    from .durable import DurableEvaluator
    from .model import Stage

    evaluator = DurableEvaluator(definitions, names)
    for stage_name in names:
        evaluator.fired(Stage(stage_name, "collect", (), ()), engine_doc({}, []))
    return len(definitions)


def trial_build(definitions: dict, names: dict, timeout: float) -> int:
    return run_isolated(build_definitions, (definitions, names), timeout)


def _serve() -> None:
    module, name, args = pickle.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything the call prints must not corrupt the answer
    try:
        result = ("ok", getattr(importlib.import_module(module), name)(*args))
    except Exception as exc:
        result = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
    out.write(pickle.dumps(result))
    out.flush()


if __name__ == "__main__":
    _serve()
