"""The shipped production calendar and working hours as business calendars in Barnaul time, and the
shipped deadline policies, for the domain tests."""

from __future__ import annotations

import yaml

from engine.domain.business_calendar import BusinessCalendar
from engine.policyset.calendars import load_deadline_policies, load_production_calendar, load_working_hours
from tests.support.moments import LOCAL
from tests.support.paths import RULES_DIR

PRODUCTION = load_production_calendar(RULES_DIR / "calendar")
SCHEDULES = load_working_hours(yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8")))
OFFICE = BusinessCalendar(PRODUCTION, SCHEDULES["regional-office"], LOCAL)
MUNICIPAL = BusinessCalendar(PRODUCTION, SCHEDULES["municipal-office"], LOCAL)
DESK = BusinessCalendar(PRODUCTION, SCHEDULES["round-the-clock-desk"], LOCAL)
CALENDARS = {"office": OFFICE, "municipal": MUNICIPAL, "desk": DESK}
POLICIES = load_deadline_policies(RULES_DIR / "deadline_policies.yaml")
