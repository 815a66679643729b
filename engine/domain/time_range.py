"""The times this service accepts from outside (a channel's received_at, a filter's from/to): from
01.01.2000 to 01.01.2100. Anything beyond is a mistake or an attack (year 1, year 9999 overflow date
arithmetic and time zone conversion) and is refused with a 4xx naming the field."""

from __future__ import annotations

from datetime import UTC, datetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
RANGE_TEXT = "01.01.2000 … 01.01.2100"


def within(moment: datetime) -> bool:
    """True for an aware ``moment`` inside the accepted range (a naive one is taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return EARLIEST <= aware < LATEST
