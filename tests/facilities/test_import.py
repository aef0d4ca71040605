"""Facilities by spreadsheet: the import (all rows or none, reruns idempotent), its template,
and the export in the same columns."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from linli.core.errors import ActionError, Forbidden
from linli.core.models import AuditEvent
from linli.facilities import actions
from linli.facilities.models import Facility
from tests.facilities.register_fixtures import (  # noqa: F401 (fixtures)
    centre_fixture,
    head_a2_fixture,
    save,
)

HEADERS = [
    "区划代码", "名称", "类型", "建筑面积", "居民活动面积", "建成年份", "产权", "地址", "纬度", "经度",
    "无障碍设施", "政务自助终端", "规划期内新建", "服务住宅面积",
    "周一", "周二", "周三", "周四", "周五", "周六", "周日",
]  # fmt: skip
WEEK = ["08:30-12:00,14:00-18:30"] * 5 + ["09:00-17:00", "09:00-17:00"]
GOOD = [
    ["220403001001", "仙城社区党群服务中心", "党群服务中心", 1200.5, 800, 2019, "自有", "仙城路18号",
     43.880512, 125.323544, "坡道、无障碍卫生间", 2, "否", "", *WEEK],
    ["220403001001", "仙城社区卫生服务站", "社区卫生服务站", 300, 0, 2015, "租赁", "", "", "",
     "", 0, "是", 52000, "08:00-12:00", "", "", "", "", "休息", ""],
]  # fmt: skip


def xlsx(rows, headers=HEADERS, name="facilities.xlsx") -> ContentFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return ContentFile(out.getvalue(), name=name)


def run(actor, rows, **kw):
    return actions.facilities_import(actor=actor, file=xlsx(rows, **kw.pop("extra", {})), **kw)


def test_a_file_of_good_rows_is_imported(users):
    result = run(users["head_a1"], GOOD)
    assert result.ok and result.applied and (result.created, result.updated) == (2, 0)
    centre = Facility.objects.get(name="仙城社区党群服务中心")
    assert centre.kind == "comprehensive" and centre.accessibility == ["ramp", "toilet"]
    assert centre.open_days == 7 and centre.min_daily_hours == 8 and centre.terminals == 2
    assert centre.hours["mon"] == [["08:30", "12:00"], ["14:00", "18:30"]]
    station = Facility.objects.get(name="仙城社区卫生服务站")
    assert station.ownership == "leased" and station.new_build and station.residential_area == 52000
    assert station.open_days == 1 and station.latitude is None
    assert AuditEvent.objects.filter(action="facility.create").count() == 2
    summary = AuditEvent.objects.get(action="facility.import")
    assert summary.extra == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}


def test_a_rerun_updates_the_same_facilities(users):
    run(users["head_a1"], GOOD)
    again = run(users["head_a1"], GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2) and again.applied
    assert Facility.objects.count() == 2
    changed = [list(GOOD[0]), list(GOOD[1])]
    changed[0][11] = 3  # terminals
    third = run(users["head_a1"], changed)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert Facility.objects.get(name="仙城社区党群服务中心").terminals == 3
    assert AuditEvent.objects.filter(action="facility.update").get().extra["fields"] == [
        "terminals"
    ]


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(users, head_a2):
    bad = [
        GOOD[0],
        ["220403001001", "活动面积过大", "文体活动室", 100, 150, "", "", "", "", "", "", "", "", "", *WEEK],
        ["220403001001", "类型不明", "城堡", 100, "", "", "", "", 60, 125, "", "", "", "", *WEEK],
        ["220403001001", "时间错误", "图书室", 80, "", "", "", "", "", "", "滑梯", "", "", "",
         "08:00-12:00", "", "18:00-09:00", "", "", "", ""],
        ["220403001002", "邻居的站", "警务室", 50, "", "", "", "", "", "", "", "", "", "", *WEEK],
        ["220403001001", "仙城社区党群服务中心", "党群服务中心", 10, "", "", "", "", "", "", "", "", "", "", *WEEK],
    ]  # fmt: skip
    result = run(users["head_a1"], bad)
    assert not result.ok and not result.applied
    found = {(e.row, e.column) for e in result.errors}
    assert (3, "居民活动面积") in found
    assert (4, "类型") in found and (4, "纬度") in found
    assert (5, "周三") in found and (5, "无障碍设施") in found
    assert (6, "区划代码") in found
    assert (7, "名称") in found
    assert result.error_rows == 5
    assert all(e.message for e in result.errors)
    assert not Facility.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="facility").exists()
    assert "居民活动面积: " in result.by_row()[3][0]


def test_a_dry_run_writes_nothing(users):
    result = run(users["head_a1"], GOOD, dry_run=True)
    assert result.ok and not result.applied and result.created == 2
    assert not Facility.objects.exists()
    assert result.statuses == {2: "created", 3: "created"}


def test_english_headers_and_left_out_columns(users, centre):
    rows = [
        ["220403001001", "仙城社区党群服务中心", "comprehensive", "1300", "Closed", "09:00-18:00"]
    ]
    headers = ["area_code", "name", "kind", "floor_area", "sunday", "mon"]
    result = run(users["head_a1"], rows, extra={"headers": headers})
    assert result.ok and result.updated == 1
    centre.refresh_from_db()
    assert centre.floor_area == 1300 and centre.terminals == 2  # terminals not in the file: kept
    assert centre.hours["mon"] == [["09:00", "18:00"]] and "sun" not in centre.hours
    assert centre.hours["tue"] == [["08:30", "12:00"], ["13:30", "18:30"]]  # kept


def test_who_may_import_and_what_file(users):
    with pytest.raises(Forbidden):
        run(users["worker_a1"], GOOD)
    with pytest.raises(ActionError) as caught:
        actions.facilities_import(
            actor=users["head_a1"], file=ContentFile(b"not a workbook", name="x.xlsx")
        )
    assert "file" in caught.value.errors
    with pytest.raises(ActionError) as caught:
        run(users["head_a1"], GOOD, extra={"headers": ["名称", "类型"]})
    assert "区划代码" in caught.value.message
    assert not Facility.objects.exists()


def test_the_template_has_the_columns_and_no_data_row(users):
    book = load_workbook(io.BytesIO(actions.facility_import_template()))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["区划代码*", "名称*", "类型*"] and "周日" in headers
    assert all(cell.value in (None, "") for cell in sheet[2])
    assert len(book.worksheets) == 2  # the instructions


def test_the_export_can_be_imported_again_unchanged(users, tree):
    run(users["head_a1"], GOOD)
    export = actions.facilities_export(actor=users["head_a1"], filters={})
    assert export.rows == 2 and export.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["区划代码", "名称", "类型"]
    again = actions.facilities_import(
        actor=users["head_a1"], file=ContentFile(export.data, name=export.filename)
    )
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 2)
    event = AuditEvent.objects.get(action="facility.export")
    assert event.extra == {"rows": 2, "filters": []}
    short = actions.facilities_export(actor=users["head_a1"], filters={"short_hours": "1"})
    assert short.rows == 1
    assert actions.facilities_export(actor=users["worker_a2"], filters={}).rows == 0


# --- pages and API -----------------------------------------------------------------------------


def test_the_import_journey_through_the_pages(login, users):
    client = login(users["head_a1"])
    assert client.get(reverse("facilities:import")).status_code == 200
    template = client.get(reverse("facilities:import_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    response = client.post(reverse("facilities:import"), {"file": xlsx(GOOD)})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    body = preview.content.decode()
    assert 'data-testid="count-created">2<' in body and "Confirm the import" in body
    assert not Facility.objects.exists()
    import_id = re.search(r"/import/([^/]+)/", response["Location"]).group(1)
    done = client.post(reverse("facilities:import_confirm", args=[import_id]))
    assert done.status_code == 302 and Facility.objects.count() == 2
    gone = client.post(reverse("facilities:import_confirm", args=[import_id]))
    assert gone.status_code == 302 and Facility.objects.count() == 2


def test_a_bad_file_shows_its_rows_with_errors(login, users):
    client = login(users["head_a1"])
    bad = [["220403001001", "面积错", "图书室", 10, 20, "", "", "", "", "", "", "", "", "", *WEEK]]
    response = client.post(reverse("facilities:import"), {"file": xlsx(bad)})
    preview = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-errors"' in preview and "居民活动面积" in preview
    assert "Confirm the import" not in preview
    import_id = re.search(r"/import/([^/]+)/", response["Location"]).group(1)
    report = client.get(reverse("facilities:import_errors", args=[import_id]))
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    assert sheet.cell(2, 1).value == 2 and "居民活动面积" in sheet.cell(2, 2).value
    not_xlsx = client.post(reverse("facilities:import"), {"file": ContentFile(b"x", name="a.txt")})
    assert not_xlsx.status_code == 400
    other = login(users["head_a1"])
    assert other.get(reverse("facilities:import_preview", args=["nothing"])).status_code == 302
    assert login(users["worker_a1"]).get(reverse("facilities:import")).status_code == 403


def test_the_import_api(login, users):
    client = login(users["head_a1"])
    url = "/api/v1/facilities/facilities/import"
    dry = client.post(url + "?dry_run=true", {"file": xlsx(GOOD)})
    assert dry.status_code == 200 and dry.json()["created"] == 2 and dry.json()["dry_run"]
    assert not Facility.objects.exists()
    bad = [["220403001001", "面积错", "图书室", 10, 20, "", "", "", "", "", "", "", "", "", *WEEK]]
    refused = client.post(url, {"file": xlsx(bad)})
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert body["rows"][0]["row"] == 2 and body["rows"][0]["column"] == "居民活动面积"
    assert "2" in body["errors"]
    done = client.post(url, {"file": xlsx(GOOD)})
    assert done.status_code == 200 and done.json()["created"] == 2
    exported = client.get("/api/v1/facilities/facilities/export.xlsx", {"kind": "health_station"})
    assert exported.status_code == 200
    assert load_workbook(io.BytesIO(exported.content)).worksheets[0].max_row == 2
    template = client.get("/api/v1/facilities/facilities/import-template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert login(users["worker_a1"]).post(url, {"file": xlsx(GOOD)}).status_code == 403
