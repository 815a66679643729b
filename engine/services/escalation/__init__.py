"""Escalation of clocks along their ladders: arming (a new clock gets its ladder and first check
time; a moved due time re-arms it) and the sweep (every due step becomes alerts, exactly once).
The decision of each step is ``engine.domain.ladder.next_step``."""

from .arming import arm_clock, arm_started, clock_facts, first_check, rearm_clock
from .sweeping import SweepReport, lag_seconds, sweep

__all__ = ["SweepReport", "arm_clock", "arm_started", "clock_facts", "first_check", "lag_seconds", "rearm_clock",
           "sweep"]
