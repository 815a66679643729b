"""Finding appeals for staff: one appeal within the caller's scope, the filtered list, an official's
queue, the latest routing decision; and stored appeals looked up by id or by the channel's ids.

The scope is the caller's (engine.services.access.visible_bodies): an appeal outside it is
reported as not found, so its existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from engine.store import appeal_lists
from engine.store import appeals as store
from engine.wording.labels import Labels

from .access import Caller, in_scope, visible_bodies, visible_sectors
from .views import decision_view

if TYPE_CHECKING:
    from engine.runtime import Runtime

PAGE_LIMIT = appeal_lists.PAGE_LIMIT
LIST_FILTERS = appeal_lists.FIELDS  # channel, status, body, topic, municipality, priority, policy


class AppealNotFound(LookupError):
    """No such appeal, or none the caller may see."""


def visible_appeal(rt: Runtime, caller: Caller, appeal_id: int):
    """The appeal when the caller's scope covers it, else AppealNotFound."""
    record = store.get_appeal(appeal_id)
    if record is None or not in_scope(caller, rt.policy_set.directory, record.body, record.sector):
        raise AppealNotFound(f"no appeal {appeal_id}")
    return record


def stored_appeal(appeal_id: int):
    """The stored appeal, whoever may see it (a channel reading back what it posted); None when unknown."""
    return store.get_appeal(appeal_id)


def appeal_list(rt: Runtime, caller: Caller, *, filters: dict[str, str], overdue: bool = False,
                at_risk_hours: int | None = None, received_from: datetime | None = None,
                received_to: datetime | None = None, after_id: int | None = None,
                limit: int = 50) -> tuple[list, int | None]:
    """The caller's appeals, newest first, and the cursor of the next page (None on the last).
    `overdue`: a running clock past its due time; `at_risk_hours`: one due within so many hours."""
    now = rt.now()
    query = appeal_lists.AppealQuery(
        filters=filters, bodies=visible_bodies(caller, rt.policy_set.directory), sectors=visible_sectors(caller),
        overdue=overdue,
        at_risk_until=now + timedelta(hours=at_risk_hours) if at_risk_hours is not None else None,
        received_from=received_from, received_to=received_to, now=now,
    )
    rows = appeal_lists.list_appeals(query, after_id=after_id, limit=limit)
    return rows, (rows[-1].id if len(rows) == min(limit, PAGE_LIMIT) else None)


def appeal_queue(rt: Runtime, caller: Caller) -> list[tuple[object, datetime | None]]:
    """The open appeals the caller sees, each with its nearest running due time, soonest first."""
    query = appeal_lists.AppealQuery(filters={}, bodies=visible_bodies(caller, rt.policy_set.directory),
                                     sectors=visible_sectors(caller), now=rt.now())
    return appeal_lists.queue(query)


def latest_decision(appeal_id: int, labels: Labels) -> dict | None:
    """The appeal's latest routing decision with its explanation (engine.services.views.decision_view), named
    with `labels` (the policy set's)."""
    return decision_view(store.latest_decision(appeal_id), labels)


def appeals_by_external_id(channel: str, external_ids: Iterable[str]) -> list:
    """The stored appeals of a channel with these external ids (those not stored are left out)."""
    return store.appeals_by_external_id(channel, list(external_ids))
