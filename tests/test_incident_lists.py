"""The incidents list pages every incident the caller sees: more incidents than one screen of the database's
latest, both for a caller who sees every body and for a sector head whose scope is applied in the service."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.services.access import Caller
from engine.services.incident_views import list_incidents
from engine.store.models import IncidentRecord

ADMIN = Caller(token_id=None, role="admin", label=None, user="admin")
HOUSING_HEAD = Caller(token_id=None, role="manager", label=None, user="belova", sector="housing",
                      sectors=("housing",))


@pytest.mark.both_databases
def test_every_incident_is_listed_and_counted_past_the_first_five_hundred(runtime, clock):
    now = clock()
    rows = [{"topic": "housing" if n % 2 else "roads", "municipality": "barnaul", "lead": n + 1,
             "body": "barnaul-admin", "first_report_at": now - timedelta(minutes=n),
             "last_report_at": now - timedelta(minutes=n), "created_at": now, "updated_at": now}
            for n in range(1_300)]
    IncidentRecord.insert_many(rows).execute()

    everything = list_incidents(runtime, ADMIN, page=26, limit=50)
    housing = list_incidents(runtime, HOUSING_HEAD, page=13, limit=50)

    assert (everything["total"], everything["pages"], len(everything["items"])) == (1_300, 26, 50)
    assert (housing["total"], housing["pages"], len(housing["items"])) == (650, 13, 50)
    assert {item["topic"] for item in housing["items"]} == {"housing"}
    oldest = min(IncidentRecord.select(), key=lambda r: (r.last_report_at, r.id))
    assert everything["items"][-1]["id"] == oldest.id  # the last page reaches the oldest incident
