"""Appeals, decisions, assignments, clocks, escalation state, the alert outbox, audit, channels, tokens."""

from .. import models


def apply(db) -> None:
    db.create_tables(
        [
            models.ChannelRecord,
            models.TokenRecord,
            models.AppealRecord,
            models.DecisionRecord,
            models.AssignmentRecord,
            models.ClockRecord,
            models.EscalationRecord,
            models.AlertRecord,
            models.AuditRecord,
        ],
        safe=True,
    )
