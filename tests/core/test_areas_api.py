"""The area API: paginated lists, one area, children, figures, import and its template."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from linli.core import actions
from linli.core.models import Area, AuditEvent, ReportedFigure
from tests.conftest import make_area

HEADER = "区划代码,名称,层级,上级代码,城乡分类代码,常住人口,户数,统计日期,数据来源"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def api(users):
    """``api(username)`` is a test client sending that user's bearer token."""

    def _client(username: str) -> Client:
        _token, plain = actions.token_create(actor=users[username], name="test")
        return Client(headers={"Authorization": f"Bearer {plain}"})

    return _client


def csv_file(text: str, name: str = "areas.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_list_is_paginated_in_sql_and_shows_paths(api, tree, django_assert_max_num_queries):
    for number in range(3, 43):
        make_area(f"220403001{number:03d}", f"社区{number}", "111")
    client = api("town_a")
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/areas", {"level": 5, "limit": 10, "offset": 10})
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (42, 10, 10)
    assert len(body["items"]) == 10
    first = body["items"][0]
    assert first["code"] == "220403001011"
    assert [a["code"] for a in first["ancestors"]][-1] == "220403001000"
    everything = client.get("/api/v1/areas", {"limit": 200}).json()
    assert "220403002001" not in {a["code"] for a in everything["items"]}


def test_list_search_and_bad_filters(api, tree):
    client = api("worker_a1")
    hits = client.get("/api/v1/areas", {"q": "社区"}).json()
    assert [a["code"] for a in hits["items"]] == ["220403001001", "220403001001001"]
    response = client.get("/api/v1/areas", {"level": 9})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "level" in response.json()["errors"]
    assert client.get("/api/v1/areas", {"under": "abc"}).status_code == 400
    assert client.get("/api/v1/areas", {"limit": 0}).status_code == 422


def test_get_one_area_with_path_and_figures(api, tree):
    ReportedFigure.objects.create(
        area=tree["a1"], kind="population", value=3000, as_of="2025-12-31", source="年报"
    )
    body = api("worker_a1").get("/api/v1/areas/220403001001").json()
    assert body["name"] == "仙城社区" and body["level"] == 5 and body["urban_rural"] == "111"
    assert [a["code"] for a in body["ancestors"]] == [
        "220000000000",
        "220400000000",
        "220403000000",
        "220403001000",
    ]
    assert body["figures"] == [
        {"kind": "population", "value": 3000, "as_of": "2025-12-31", "source": "年报"}
    ]
    assert body["in_scope"] is True and body["can_manage"] is False
    town = api("worker_a1").get("/api/v1/areas/220403001").json()
    assert town["in_scope"] is False and town["figures"] == []


@pytest.mark.parametrize("code", ["220403001002", "220403002001", "220403002", "99", "abc"])
def test_the_neighbours_areas_are_not_found(api, tree, code):
    response = api("worker_a1").get(f"/api/v1/areas/{code}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert api("worker_a1").get(f"/api/v1/areas/{code}/children").status_code == 404


def test_children_and_roots_count_only_what_you_see(api, tree):
    client = api("worker_a1")
    body = client.get("/api/v1/areas/220403/children").json()
    assert body["count"] == 1
    assert body["items"][0]["code"] == "220403001000" and body["items"][0]["child_count"] == 1
    roots = client.get("/api/v1/areas/roots").json()
    assert [(r["code"], r["child_count"]) for r in roots["items"]] == [("220403001001", 1)]
    town = api("town_a").get("/api/v1/areas/220403001/children").json()
    assert [c["code"] for c in town["items"]] == ["220403001001", "220403001002"]
    assert town["items"][0]["is_urban"] is True


def test_figures_are_recorded_and_listed(api, tree):
    client = api("head_a1")
    response = client.post(
        "/api/v1/areas/220403001001/figures",
        {"kind": "households", "value": 1200, "as_of": "2026-01-01", "source": "入户调查"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["value"] == 1200
    listed = client.get("/api/v1/areas/220403001001/figures").json()
    assert listed["count"] == 1 and listed["items"][0]["source"] == "入户调查"
    bad = client.post(
        "/api/v1/areas/220403001001/figures",
        {"kind": "households", "value": -3, "as_of": "2099-01-01", "source": ""},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert set(bad.json()["errors"]) == {"value", "as_of", "source"}
    refused = api("worker_a1").post(
        "/api/v1/areas/220403001001/figures",
        {"kind": "households", "value": 3, "as_of": "2026-01-01", "source": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert ReportedFigure.objects.count() == 1


def test_import_with_bad_rows_is_a_422_problem_with_row_errors(api, tree):
    text = (
        f"{HEADER}\n220403001009,新社区,,,111,,,,\n220403001008001,孤儿网格,,,,,,,\nabc,坏,,,,,,,"
    )
    client = api("town_a")
    events = AuditEvent.objects.count()
    response = client.post("/api/v1/areas/import", {"file": csv_file(text)})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "2 行有错误，未导入任何数据。"
    assert set(body["errors"]) == {"3", "4"}
    assert "上级区划不存在" in body["errors"]["3"][0]
    assert not Area.objects.filter(code="220403001009").exists()
    assert AuditEvent.objects.count() == events


def test_import_dry_run_then_for_real(api, tree):
    text = f"{HEADER}\n220403001009,新社区,社区,,111,2000,700,2026-01-01,年报"
    client = api("town_a")
    dry = client.post("/api/v1/areas/import?dry_run=true", {"file": csv_file(text)})
    assert dry.status_code == 200
    assert dry.json() == {
        "ok": True,
        "dry_run": True,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "figures": 2,
        "errors": {},
    }
    assert not Area.objects.filter(code="220403001009").exists()
    real = client.post("/api/v1/areas/import", {"file": csv_file(text)})
    assert real.status_code == 200 and real.json()["created"] == 1
    assert Area.objects.get(code="220403001009").name == "新社区"
    again = client.post("/api/v1/areas/import", {"file": csv_file(text)}).json()
    assert (again["created"], again["unchanged"], again["figures"]) == (0, 1, 0)


def test_import_refuses_unreadable_and_outside_files(api, tree):
    client = api("town_a")
    response = client.post("/api/v1/areas/import", {"file": csv_file("x", "areas.txt")})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    outside = client.post(
        "/api/v1/areas/import", {"file": csv_file(f"{HEADER}\n220403002009,越界,,,,,,,")}
    )
    assert outside.status_code == 422
    assert "您无权在 220403002009 新增或修改区划" in outside.json()["errors"]["2"][0]


def test_template_needs_a_login(api, tree, client):
    response = client.get("/api/v1/areas-import-template.xlsx")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    response = api("worker_a1").get("/api/v1/areas-import-template.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.worksheets[0]["A1"].value == "区划代码*"


def test_anonymous_sees_nothing(client, tree):
    response = client.get("/api/v1/areas")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
