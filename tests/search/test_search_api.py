"""GET /api/v1/appeals with `q`, the filters (closed ones too), sort and pages, and its export to
CSV and XLSX with Russian column names."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from engine.services.access import Caller
from engine.services.actions import perform
from engine.store.models import AuditRecord
from tests.support.staff import add_staff, bearer, log_in, routed


@pytest.fixture
def tokens(runtime):
    return add_staff(runtime)


def listed(client, token, query=""):
    answer = client.get(f"/api/v1/appeals?{query}", headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_q_finds_a_pit_by_another_form_of_the_word_with_total_and_due(client, runtime, tokens):
    pit = routed(runtime, text="Во дворе яма", external_id="pit")
    routed(runtime, text="Не вывозят мусор", external_id="waste")

    found = listed(client, tokens["centre-manager"], "q=ямы")

    assert [a["id"] for a in found["items"]] == [pit]
    assert found["total"] == 1 and found["pages"] == 1 and found["next_cursor"] is None
    assert found["items"][0]["due"].endswith("+00:00")


def test_pages_sort_and_the_closed_group(client, runtime, tokens, clock):
    ids = []
    for n in range(5):
        ids.append(routed(runtime, text=f"Яма номер {n}", external_id=f"pit-{n}"))
        clock.set(clock() + timedelta(minutes=5))
    admin = Caller(token_id=None, role="admin", label=None, user="administrator")
    perform(runtime, ids[1], "reject", {"reason": "repeated", "text": "Повторное"}, admin)
    token = tokens["centre-manager"]

    first = listed(client, token, "q=яма&limit=2")
    second = listed(client, token, "q=яма&limit=2&page=2")
    by_cursor = listed(client, token, f"q=яма&limit=2&cursor={first['next_cursor']}")
    oldest = listed(client, token, "q=яма&sort=oldest&limit=2")

    assert first["total"] == 5 and first["pages"] == 3
    assert [a["id"] for a in first["items"]] == [ids[4], ids[3]]
    assert [a["id"] for a in second["items"]] == [ids[2], ids[1]] == [a["id"] for a in by_cursor["items"]]
    assert [a["id"] for a in oldest["items"]] == [ids[0], ids[1]]
    assert [a["id"] for a in listed(client, token, "status=closed")["items"]] == [ids[1]]
    assert listed(client, token, "status=rejected")["total"] == 1
    assert ids[1] not in [a["id"] for a in listed(client, token, "status=open")["items"]]
    assert [a["id"] for a in listed(client, token, "sort=due&limit=1")["items"]] == [ids[0]]


@pytest.mark.parametrize("query", ["sort=sideways", "page=0", "status=lost", "cursor=3&sort=oldest",
                                  "received_from=yesterday", "colour=red", f"q={'я' * 201}"])
def test_a_bad_search_parameter_is_a_400_naming_it(client, tokens, query):
    answer = client.get(f"/api/v1/appeals?{query}", headers=bearer(tokens["centre-manager"]))

    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_parameter"
    assert query.split("=")[0] in answer.get_json()["error"]["fields"]


def test_the_list_exports_to_csv_with_russian_columns_and_names(client, runtime, tokens):
    pit = routed(runtime, text="=HYPERLINK(\"http://evil\") яма", external_id="pit")
    routed(runtime, text="Не вывозят мусор", external_id="waste")

    answer = client.get("/api/v1/appeals/export?format=csv&q=яма", headers=bearer(tokens["centre-manager"]))

    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    text = answer.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    [header, row] = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert header[:4] == ["Номер", "Поступило", "Канал", "Статус"]
    assert cells["Номер"] == str(pit)
    assert cells["Поступило"] == "30.11.2026 10:00"  # the test clock, Asia/Barnaul
    assert cells["Статус"] == "направлено, не взято в работу"
    assert cells["Орган"] == runtime.policy_set.labels("body", "barnaul-roads-committee") != "barnaul-roads-committee"
    assert cells["Текст"].startswith("'=HYPERLINK")
    [audit] = [a for a in AuditRecord.select() if a.action == "appeals.exported"]
    assert audit.actor == "user:centre-manager" and audit.appeal_id is None
    assert (audit.details["format"], audit.details["rows"], audit.details["query"]) == ("csv", 1, {"q": "яма"})


def test_the_list_exports_to_xlsx_that_excel_can_read(client, runtime, tokens):
    pit = routed(runtime, text="Во дворе яма", external_id="pit")

    answer = client.get("/api/v1/appeals/export?format=xlsx", headers=bearer(tokens["centre-manager"]))

    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "Обращения"
    assert rows[0][0] == "Номер" and rows[1][0] == pit
    assert rows[1][1].strftime("%d.%m.%Y %H:%M") == "30.11.2026 10:00"
    assert rows[1][7] == "высокий" or rows[1][7] in ("обычный", "низкий", "критический")


def test_export_needs_a_format_and_a_staff_login(client, runtime, tokens):
    assert client.get("/api/v1/appeals/export?format=pdf", headers=bearer(tokens["centre-manager"])).status_code == 400
    assert client.get("/api/v1/appeals/export?format=csv").status_code == 401
    log_in(client, "roads-official")
    assert client.get("/api/v1/appeals/export?format=csv").status_code == 200


def test_the_on_control_filter(client, runtime, tokens):
    watched = routed(runtime, text="Яма у школы", external_id="watched")
    plain = routed(runtime, text="Яма у дома", external_id="plain")
    admin = Caller(token_id=None, role="admin", label=None, user="administrator")
    perform(runtime, watched, "put_on_control", {"reason": "жалоба в приёмную губернатора"}, admin)
    token = tokens["centre-manager"]

    assert [a["id"] for a in listed(client, token, "q=яма&on_control=true")["items"]] == [watched]
    assert [a["id"] for a in listed(client, token, "q=яма&on_control=false")["items"]] == [plain]
    assert listed(client, token, "q=яма")["total"] == 2
