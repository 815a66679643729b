"""«Перенаправить эти N обращений»: after a simulated draft is published, the open appeals the simulation
found changed are decided again with the (now active) rules, in one transaction and one audited action.

Each appeal gets its own `appeal.reroute` on its timeline (engine.services.actions), with the simulation
named in the reason; the batch is one `rules.simulation_rerouted` record with who, why, the simulation and
the appeals moved. Appeals closed or answered since are left alone; so is everything when the simulated
draft is not the rules in force (a reroute never uses a draft)."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from engine.domain.vocabulary import OPEN_STATUSES
from engine.rulebook.snapshot import tree_hash
from engine.store import appeals as appeal_store
from engine.store import simulations as simulation_store
from engine.store.db import write_transaction

from ..actions import TRANSITIONS, apply_action
from . import versions
from .simulations import DONE

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)


class RerouteRefused(Exception):
    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def affected_open(simulation_id: int) -> tuple[object, list[int]]:
    """The simulation and the ids of the appeals it found changed that are still open."""
    record = simulation_store.get(simulation_id)
    if record is None:
        raise RerouteRefused(f"нет симуляции №{simulation_id}", status=404)
    if record.status != DONE:
        raise RerouteRefused(f"симуляция №{simulation_id} ещё не завершена")
    ids = (record.result or {}).get("changed_appeals")
    if ids is None:
        raise RerouteRefused(f"в отчёте симуляции №{simulation_id} нет списка обращений; запустите её заново")
    return record, ids


def reroute_simulated(rt: Runtime, simulation_id: int, caller, *, reason: str, now: datetime) -> dict:
    """Decide again, with the active rules, every open appeal simulation ``simulation_id`` found changed."""
    reason = (reason or "").strip()
    if not reason:
        raise RerouteRefused("укажите причину перенаправления", status=422)
    if caller.role not in TRANSITIONS["reroute"].roles:
        raise RerouteRefused("перенаправление обращений этой роли недоступно", status=403)
    record, ids = affected_open(simulation_id)
    active = versions.active_files(Path(rt.policy_set.rules_dir)) or {}
    if tree_hash(active) != tree_hash(dict(record.files or {})):
        raise RerouteRefused("правила этой симуляции не действуют: сначала опубликуйте их, затем перенаправляйте "
                             "(перенаправление всегда делается по действующим правилам)")
    why = f"{reason} (по симуляции №{simulation_id})"
    moved, kept = [], []
    with write_transaction():
        for appeal_id in ids:
            appeal = appeal_store.get_appeal(appeal_id, for_update=True)
            if appeal is None or appeal.status not in OPEN_STATUSES:
                continue
            result = apply_action(rt, appeal, "reroute", {"reason": why}, caller, now)
            (moved if result.get("changed") else kept).append(appeal_id)
        appeal_store.audit(now, caller.actor, "rules.simulation_rerouted", None, simulation=simulation_id,
                           reason=reason, appeals=moved + kept, changed=moved,
                           **({"origin": caller.origin} if caller.origin else {}))
    log.info("simulation %s: %s open appeals re-routed by %s (%s moved)", simulation_id, len(moved) + len(kept),
             caller.actor, len(moved))
    return {"simulation": simulation_id, "affected": len(ids), "rerouted": len(moved) + len(kept),
            "moved": moved, "unchanged": kept}
