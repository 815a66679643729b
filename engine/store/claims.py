"""Taking due rows of an outbox (staff alerts, replies to residents) for delivery."""

from __future__ import annotations

from datetime import datetime

from peewee import Model

from . import shapes


def claim_due(model: type[Model], ids: list[int], now: datetime, lease_until: datetime) -> set[int]:
    """Of these rows, those still pending and due at `now`, taken with one conditional UPDATE … RETURNING: of
    several workers only one takes each. Their due time moves to `lease_until`, when they are due again should
    the worker that took them die while sending. The ids taken."""
    return {row[0] for row in shapes.tuples(
        f"claim-{model._meta.table_name}", lambda p: model.update(next_attempt_at=p.lease_until).where(
            model.id.in_(p.ids) & (model.status == "pending") & (model.next_attempt_at <= p.now)).returning(model.id),
        fields={"lease_until": model.next_attempt_at}, ids=list(ids), now=now, lease_until=lease_until)}
