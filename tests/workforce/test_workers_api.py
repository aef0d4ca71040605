"""The roster API at /api/v1/workforce/: workers, certificates, accounts, reveal, the summary,
post ladders, the import and the export; problem+json errors; schemathesis over its operations."""

from __future__ import annotations

import io

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from openpyxl import load_workbook
from schemathesis.checks import not_a_server_error
from schemathesis.core.errors import LoaderError
from schemathesis.specs.openapi.checks import response_schema_conformance

from linli.core import actions as core_actions
from linli.core.models import AuditEvent
from linli.workforce.models import Certificate, PostLevel, Worker
from tests.registry.conftest import make_id
from tests.workforce.worker_fixtures import (  # noqa: F401 (fixtures)
    LI_ID,
    LI_PHONE,
    PREFECTURE,
    ladder_fixture,
    pref_officer_fixture,
    prefecture_fixture,
    roster_fixture,
    sheet,
)

API = "/api/v1/workforce/"


def _post(client, path, data):
    return client.post(API + path, data, content_type="application/json")


def _put(client, path, data):
    return client.put(API + path, data, content_type="application/json")


def test_list_is_scoped_masked_and_paginated(login, users, roster):
    client = login(users["worker_a1"])
    body = client.get(API + "workers", {"limit": 2}).json()
    assert body["count"] == 3 and len(body["items"]) == 2
    names = {row["name"] for row in client.get(API + "workers").json()["items"]}
    assert names == {"张书记", "李网格", "王社工"}
    li = next(r for r in client.get(API + "workers").json()["items"] if r["name"] == "李网格")
    assert li["phone_masked"] == "138****5678" and LI_PHONE not in str(li)
    zhang = client.get(API + "workers", {"committee_role": "heads"}).json()["items"][0]
    assert (
        zhang["level"]["name"] == "一岗三级"
        and zhang["certificates"][0]["level"] == "social_worker"
    )
    response = client.get(API + "workers", {"status": "gone"})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert "status" in response.json()["errors"]


def test_get_create_update_and_refusals(login, users, roster, ladder, tree):
    client = login(users["head_a1"])
    number = make_id("19950505", 61)
    response = _post(
        client,
        "workers",
        {
            "community_code": tree["a1"].code,
            "name": "蒋新",
            "post": "social_work",
            "hired_on": "2024-02-01",
            "id_number": number,
            "level_id": ladder["3-2"].pk,
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert created["gender"] == "m" and created["can_manage"] and number not in str(created)
    wid = created["id"]
    response = _put(
        client,
        f"workers/{wid}",
        {"name": "蒋新", "post": "social_work", "hired_on": "2024-02-01", "education": "master"},
    )
    assert response.status_code == 200 and response.json()["education"] == "master"
    assert Worker.objects.get(pk=wid).id_number == number  # null keeps the number
    response = _post(
        client,
        "workers",
        {"community_code": tree["a1"].code, "name": "", "post": "grid", "hired_on": "2024-02-01"},
    )
    assert response.status_code == 400 and "name" in response.json()["errors"]
    response = _post(
        client,
        "workers",
        {"community_code": tree["a2"].code, "name": "x", "post": "grid", "hired_on": "2024-02-01"},
    )
    assert response.status_code == 404
    other = login(users["worker_a2"])
    assert other.get(API + f"workers/{wid}").status_code == 404
    viewer = login(users["worker_a1"])
    response = _put(
        viewer, f"workers/{wid}", {"name": "x", "post": "grid", "hired_on": "2024-02-01"}
    )
    assert response.status_code == 403
    assert _post(client, "workers", {"unknown": 1}).status_code == 422


def test_two_secretaries_are_a_conflict(login, users, roster, tree):
    response = _post(
        login(users["head_a1"]),
        "workers",
        {
            "community_code": tree["a1"].code,
            "name": "钱新",
            "post": "committee",
            "committee_role": "both",
            "hired_on": "2024-02-01",
        },
    )
    assert response.status_code == 409
    assert "张书记" in response.json()["title"]
    assert response.json()["errors"]["committee_role"]


def test_leave_link_reveal_and_certificates(login, users, roster, tree):
    li = roster["李网格"]
    client = login(users["head_a1"])
    response = _post(client, f"workers/{li.pk}/account", {"login": "grid_a1"})
    assert response.status_code == 200 and response.json()["account"]["username"] == "grid_a1"
    response = client.delete(API + f"workers/{li.pk}/account")
    assert response.status_code == 200 and response.json()["account"] is None
    response = _post(client, f"workers/{li.pk}/reveal", {"field": "id_number"})
    assert response.status_code == 200 and response.json()["value"] == LI_ID
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="pii.reveal", target_id=str(li.pk)).count() == 1
    town = login(users["town_a"])
    assert _post(town, f"workers/{li.pk}/reveal", {"field": "phone"}).status_code == 403
    client = login(users["head_a1"])
    response = _post(
        client,
        f"workers/{li.pk}/certificates",
        {"level": "assistant", "obtained_on": "2022-06-18", "number": "A-1"},
    )
    assert response.status_code == 201
    cid = response.json()["id"]
    again = _post(
        client, f"workers/{li.pk}/certificates", {"level": "assistant", "obtained_on": "2022-06-18"}
    )
    assert again.status_code == 409
    assert client.delete(API + f"certificates/{cid}").status_code == 204
    assert not Certificate.objects.filter(pk=cid).exists()
    response = _post(client, f"workers/{li.pk}/leave", {"reason": "辞职", "left_on": "2024-12-31"})
    assert response.status_code == 200 and response.json()["live"] is False
    assert _post(client, f"workers/{li.pk}/leave", {"reason": "again"}).status_code == 409


def test_summary(login, users, roster, tree):
    body = login(users["county"]).get(API + "workers-summary", {"area": "220403"}).json()
    assert body["total"]["live"] == 5 and len(body["rows"]) == 2
    town_a = next(r for r in body["rows"] if r["code"] == tree["town_a"].code)
    assert town_a["with_secretary"] == 2 and town_a["by_level"]["assistant"] == 1
    client = login(users["worker_a2"])
    assert client.get(API + "workers-summary", {"area": tree["a1"].code}).status_code == 404
    assert client.get(API + "workers-summary", {"as_of": "nope"}).status_code == 422


def test_ladder_endpoints(login, users, pref_officer, prefecture, tree):
    client = login(pref_officer)
    assert _post(client, "levels/defaults", {"area_code": PREFECTURE}).json() == {"created": 18}
    assert _post(client, "levels/defaults", {"area_code": PREFECTURE}).json() == {"created": 0}
    body = login(users["worker_a1"]).get(API + "levels", {"area": tree["a1"].code}).json()
    assert body["source"] == PREFECTURE and len(body["levels"]) == 18
    client = login(pref_officer)
    response = _post(client, "levels", {"area_code": PREFECTURE, "code": "4-1", "name": "见习"})
    assert response.status_code == 201
    lid = response.json()["id"]
    response = _put(client, f"levels/{lid}", {"code": "4-1", "name": "见习期", "sort": 5})
    assert response.json()["name"] == "见习期" and response.json()["sort"] == 5
    assert client.delete(API + f"levels/{lid}").status_code == 204
    county = login(users["county"])
    assert _post(county, "levels/defaults", {"area_code": PREFECTURE}).status_code == 403
    assert login(users["resident_a1"]).get(API + "levels", {"area": PREFECTURE}).status_code == 404
    assert PostLevel.objects.count() == 18


def test_import_dry_run_rejection_and_idempotence(login, users, roster, tree):
    client = login(users["county"])
    rows = [
        {
            "name": "褚新",
            "community_code": tree["b1"].code,
            "post": "网格员",
            "hired_on": "2023-01-01",
        }
    ]
    response = client.post(API + "workers-import", {"file": sheet(rows), "dry_run": "true"})
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "dry_run": True,
        "applied": False,
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    assert not Worker.objects.filter(name="褚新").exists()
    response = client.post(API + "workers-import", {"file": sheet(rows)})
    assert response.json()["applied"] and Worker.objects.filter(name="褚新").count() == 1
    response = client.post(API + "workers-import", {"file": sheet(rows)})
    assert response.json()["unchanged"] == 1
    bad = [{**rows[0], "hired_on": "someday"}]
    response = client.post(API + "workers-import", {"file": sheet(bad)})
    assert response.status_code == 422
    assert response.json()["errors"] == {"2": ["入职日期: Enter a date as YYYY-MM-DD."]}
    assert (
        login(users["worker_a1"]).post(API + "workers-import", {"file": sheet(rows)}).status_code
        == 403
    )


def test_export_and_template(login, users, roster):
    response = login(users["worker_a1"]).get(API + "workers-export.xlsx")
    assert response.status_code == 200 and response["X-Masked"] == "0" and response["X-Rows"] == "3"
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert LI_ID in str(rows)
    response = login(users["town_a"]).get(API + "workers-export.xlsx")
    assert response["X-Masked"] == "1"
    assert AuditEvent.objects.filter(action="worker.export").count() == 2
    template = login(users["town_a"]).get(API + "workers-import-template.xlsx")
    assert template.status_code == 200


# --- schemathesis over the roster's operations --------------------------------------------------

try:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
        path_regex=r"^/api/v1/workforce/(workers|certificates|levels)"
    )
except LoaderError:  # tests/test_openapi.py reports why the project's schema does not load
    schema = None


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As tests/test_openapi.py: schemathesis calls go straight to the WSGI app, so the
    close-old-connections signal would close the connection holding the test transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def county_token(users):
    _token, plain = core_actions.token_create(actor=users["county"], name="schemathesis")
    return plain


if schema is None:

    def test_roster_api_never_fails_with_server_error():
        pytest.skip("the project's OpenAPI schema does not load: see tests/test_openapi.py")

else:

    @schema.parametrize()
    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    def test_roster_api_never_fails_with_server_error(case, county_token, roster):
        _call(case, county_token)


def _call(case, county_token):
    response = case.call(headers={"Authorization": f"Bearer {county_token}"})
    case.validate_response(response, checks=[not_a_server_error])
    if 200 <= response.status_code < 300 and response.headers.get("Content-Type", "").startswith(
        "application/json"
    ):
        case.validate_response(response, checks=[response_schema_conformance])
