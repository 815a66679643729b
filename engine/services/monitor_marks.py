"""«Не обращение»: staff mark an appeal the watch job made of a post or comment that was no complaint.

The mark is audited (who, when, why) and changes nothing else about the appeal. Every mark is a case
for the complaint stage (``appeals rules cases --from-marks``): the text and ``complaint: false``, so
policy staff can add them to ``rules/routing/monitoring_test.yaml`` and tune the stage with cases
and a backtest like any rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.store import appeals as appeal_store
from engine.store import watch as store
from engine.store.db import write_transaction

from .watch_poll import CHANNEL

if TYPE_CHECKING:
    from engine.runtime import Runtime

MARK_ROLES = ("curator", "admin")  # the centre's own staff: the mark tunes the centre's monitoring rules


class MarkRefused(ValueError):
    def __init__(self, message: str, *, missing: bool = False):
        super().__init__(message)
        self.missing = missing


def mark_not_an_appeal(rt: Runtime, appeal_id: int, *, actor: str, comment: str | None = None) -> bool:
    """Mark the monitored appeal; False when it was marked before (nothing written again)."""
    now = rt.now()
    with write_transaction():
        appeal = appeal_store.get_appeal(appeal_id, for_update=True)
        if appeal is None:
            raise MarkRefused(f"обращения {appeal_id} нет", missing=True)
        if appeal.channel != CHANNEL:
            raise MarkRefused("«не обращение» отмечают только записи с наблюдаемых стен VK")
        if store.is_marked(appeal_id):
            return False
        appeal_store.audit(now, actor, store.NOT_AN_APPEAL, appeal_id, comment=(comment or "").strip()[:500] or None)
    return True


def cases_from_marks() -> list[dict]:
    """One case per marked appeal, as ``routing/monitoring_test.yaml`` takes it."""
    cases, seen = [], set()
    for mark, appeal in store.not_an_appeal_marks():
        if appeal.text in seen:
            continue
        seen.add(appeal.text)
        when = mark.at.strftime("%d.%m.%Y")
        cases.append({"name": f"не обращение: обращение {appeal.id}, отмечено {when}",
                      "given": {"text": appeal.text}, "expect": {"complaint": False}})
    return cases
