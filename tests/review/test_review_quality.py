"""The number of answers the centre returned for rework, per body: a quality figure in the SLA report (API,
CSV, `appeals report sla`) and on the dashboard."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from engine.services import reports
from tests.support.staff import add_staff, bearer, log_in, routed

GOVERNOR = "Уважаемый Губернатор! На ул. Попова огромные ямы, провал асфальта"
ROADS = "barnaul-roads-committee"


@pytest.fixture
def reviewed(runtime, client):
    """Two appeals to the Governor answered by the roads committee: the first answer returned twice and then
    approved, the second approved at once — 2 returned of 4 reviewed."""
    tokens = add_staff(runtime)
    official, curator = tokens["roads-official"], tokens["centre-curator"]

    def act(appeal_id, name, **payload):
        answer = client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload, headers=bearer(official
                             if name in ("take", "answer") else curator))
        assert answer.status_code == 200, answer.get_json()

    for n, returns in ((1, 2), (2, 0)):
        appeal_id = routed(runtime, GOVERNOR + f", дом {n}", external_id=f"gov-q{n}")
        act(appeal_id, "take")
        for attempt in range(returns):
            act(appeal_id, "answer", text=f"Черновик {attempt}")
            act(appeal_id, "return_answer", remarks="Нет срока ремонта")
        act(appeal_id, "answer", text="Отремонтируем до 10 декабря")
        act(appeal_id, "approve_answer")
    return tokens


@pytest.mark.both_databases
def test_the_sla_report_counts_returned_answers_by_body(runtime, reviewed):
    now = runtime.now()
    report = reports.sla_report(runtime, start=now - timedelta(days=1), end=now + timedelta(days=60))

    [line] = [item for item in report["items"] if item["body"] == ROADS]
    assert line["returned_answers"] == 2 and report["total"]["returned_answers"] == 2
    assert report["answer_review"]["items"] == [{"body": ROADS, "returned_answers": 2, "reviewed_answers": 4}]
    before = reports.sla_report(runtime, start=now - timedelta(days=30), end=now - timedelta(days=1))
    assert before["answer_review"]["total"] == {"returned_answers": 0, "reviewed_answers": 0}


def test_the_api_csv_and_the_dashboard_show_the_figure(runtime, client, reviewed, clock):
    clock.set(clock() + timedelta(minutes=5))  # the dashboard counts the 90 days up to now
    now = runtime.now()
    window = {"from": (now - timedelta(days=1)).date().isoformat(),
              "to": (now + timedelta(days=60)).date().isoformat()}
    answer = client.get("/api/v1/reports/sla", query_string={**window, "format": "csv"},
                        headers=bearer(reviewed["centre-curator"]))

    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert next(r for r in rows if r["body"] == ROADS)["returned_answers"] == "2"
    log_in(client, "centre-manager")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="returned-answers"' in page
    assert f'<tr data-body="{ROADS}"><td>Комитет по дорожному хозяйству и транспорту города Барнаула</td>' \
           '<td class="returned">2</td><td>4</td></tr>' in page
