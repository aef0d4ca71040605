"""A plan's values in the API (/api/v1/plans/{plan}/…): the same queries and actions as the
pages, as JSON, with problem+json errors."""

from __future__ import annotations

import pytest

from linli.plans.models import Indicator, Recompute, ReportedValue, Snapshot

from .engine_fixtures import *  # noqa: F403 (fixtures)
from .engine_fixtures import A1, A2, COUNTY, TARGETS, TOWN_A, TOWN_B, YEAR, make_plan

pytestmark = pytest.mark.django_db

API = "/api/v1/plans"
PROBLEM = "application/problem+json"


def _get(client, path: str, **params):
    return client.get(f"{API}/{path}", params)


def _send(client, method: str, path: str, body=None):
    return getattr(client, method)(f"{API}/{path}", body, content_type="application/json")


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    return response.json()


def test_board(measured, users, login, plan):
    body = _get(login(users["county"]), f"{plan.pk}/board", year=YEAR).json()
    assert body["area_code"] == COUNTY and body["year"] == YEAR and body["stale"] is False
    assert body["breadcrumbs"] == [{"area_code": COUNTY, "name": "西安区"}]
    assert [i["indicator_key"] for i in body["items"]] == list(TARGETS)
    coverage = body["items"][0]
    assert coverage["cell"] == {
        "numerator": 3.0,
        "denominator": 5.0,
        "value": 60.0,
        "source": "computed",
        "counted": 5,
        "below": 2,
    }
    assert coverage["state"]["status"] == "not_met" and coverage["state"]["gap"] == 40.0
    assert coverage["state"]["status_label"] == "not met"
    assert body["last_run"]["status"] == "done" and body["last_run"]["areas"] == 8
    assert sum(body["counts"].values()) == len(TARGETS)
    town = _get(login(users["town_a"]), f"{plan.pk}/board", year=YEAR).json()
    assert town["area_code"] == TOWN_A


def test_children_drill_and_trend(measured, users, login, plan):
    client = login(users["county"])
    children = _get(client, f"{plan.pk}/children", year=YEAR).json()
    assert [row["area_code"] for row in children["rows"]] == [TOWN_A, TOWN_B]
    assert len(children["rows"][0]["cells"]) == len(TARGETS)
    assert children["rows"][0]["worst"] == "not_met"
    goal = plan.targets.get(indicator__key="facility_area_per_100_households")
    drill = _get(
        client, f"{plan.pk}/targets/{goal.pk}/drill", year=YEAR, area=TOWN_A, below="true"
    ).json()
    assert [row["area_code"] for row in drill["rows"]] == [A2]
    assert drill["rows"][0]["records_url"].endswith(f"?area={A2}&kind=comprehensive")
    assert drill["total"]["state"]["status"] == "at_risk"
    trend = _get(client, f"{plan.pk}/trend", area=TOWN_A).json()
    assert trend["area_code"] == TOWN_A and len(trend["targets"]) == len(TARGETS)


def test_reads_are_scoped(measured, users, login, plan, capacity_world):
    neighbour = login(capacity_world["neighbour"])
    for path in ("board", "children", "trend", "snapshots", "recompute", "reported"):
        _problem(_get(neighbour, f"{plan.pk}/{path}"), 404)
    town = login(users["town_a"])
    _problem(_get(town, f"{plan.pk}/board", area=TOWN_B), 404)
    problem = _problem(_get(town, f"{plan.pk}/board", year=2020), 400)
    assert "year" in problem["errors"]


def test_recompute_and_its_status(plan, users, login, django_capture_on_commit_callbacks):
    client = login(users["county"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, "post", f"{plan.pk}/recompute", {"year": YEAR})
    assert response.status_code == 202
    assert response.json()["status"] == "queued"  # it runs once the request commits
    state = _get(client, f"{plan.pk}/recompute", year=YEAR).json()
    assert state["running"] is False and state["measured_at"] and state["run"]["status"] == "done"
    assert state["run"]["areas"] == 8
    _problem(_send(client, "post", f"{plan.pk}/recompute", {"year": 2020}), 400)
    _problem(_send(login(users["town_a"]), "post", f"{plan.pk}/recompute", {}), 403)
    _problem(_send(client, "post", f"{plan.pk}/recompute", {"year": YEAR, "x": 1}), 422)
    assert Recompute.objects.count() == 1


def test_snapshots(measured, users, login, plan):
    client = login(users["county"])
    made = _send(client, "post", f"{plan.pk}/snapshots", {"label": "2026年1—10月", "year": YEAR})
    assert made.status_code == 201 and made.json()["label"] == "2026年1—10月"
    listed = _get(client, f"{plan.pk}/snapshots").json()
    assert [s["label"] for s in listed] == ["2026年1—10月"]
    assert listed[0]["taken_by"] == "county"
    again = _problem(
        _send(client, "post", f"{plan.pk}/snapshots", {"label": "2026年1—10月", "year": YEAR}),
        409,
    )
    assert "label" in again["errors"]
    _problem(_send(client, "post", f"{plan.pk}/snapshots", {"label": "", "year": YEAR}), 422)
    _problem(_send(login(users["town_a"]), "post", f"{plan.pk}/snapshots", {"label": "镇"}), 403)
    snapshot_id = made.json()["id"]
    board = _get(client, f"{plan.pk}/board", snapshot=snapshot_id).json()
    assert board["snapshot"]["id"] == snapshot_id
    other = make_plan(title="另一个")
    _problem(client.delete(f"{API}/{other.pk}/snapshots/{snapshot_id}"), 404)
    town = login(users["town_a"])
    _problem(_send(town, "post", f"{plan.pk}/snapshots", {"label": "镇"}), 403)
    _problem(town.delete(f"{API}/{plan.pk}/snapshots/{snapshot_id}"), 403)
    client = login(users["county"])
    assert client.delete(f"{API}/{plan.pk}/snapshots/{snapshot_id}").status_code == 204
    assert not Snapshot.objects.exists()


def test_reported_values(plan, reported, users, login):
    surveys = Indicator.objects.get(area_code="", key="satisfaction_survey_coverage")
    head = login(users["head_a1"])
    table = _get(head, f"{plan.pk}/reported", year=YEAR, indicator=surveys.pk).json()
    assert table["area_code"] == A1 and table["indicator_id"] == surveys.pk
    assert table["rows"][0]["value"]["numerator"] == 1.0 and table["rows"][0]["can_report"]
    saved = _send(
        head,
        "put",
        f"{plan.pk}/reported",
        {
            "indicator_id": surveys.pk,
            "area_code": A1,
            "year": YEAR,
            "numerator": 0,
            "denominator": 1,
            "note": "复核",
        },
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["numerator"] == 0.0 and saved.json()["entered_by"] == "head_a1"
    refused = {
        "indicator_id": surveys.pk,
        "area_code": A2,
        "year": YEAR,
        "numerator": 1,
        "denominator": 1,
    }
    _problem(_send(head, "put", f"{plan.pk}/reported", refused), 404)
    bad = dict(refused, area_code=A1, numerator=2)
    assert "numerator" in _problem(_send(head, "put", f"{plan.pk}/reported", bad), 400)["errors"]
    _problem(_send(head, "put", f"{plan.pk}/reported", dict(bad, numerator=-1)), 422)
    row = ReportedValue.objects.get(area_code=A1, year=YEAR, indicator=surveys)
    _problem(login(users["town_b"]).delete(f"{API}/{plan.pk}/reported/{row.pk}"), 404)
    head = login(users["head_a1"])
    assert head.delete(f"{API}/{plan.pk}/reported/{row.pk}").status_code == 204
    assert not ReportedValue.objects.filter(pk=row.pk).exists()


def test_the_operations_are_described(client):
    schema = client.get("/api/v1/openapi.json").json()
    ours = {
        path: item
        for path, item in schema["paths"].items()
        if path.startswith(f"{API}/{{plan_id}}/")
        and any(
            part in path
            for part in (
                "board",
                "children",
                "drill",
                "trend",
                "snapshots",
                "recompute",
                "reported",
            )
        )
    }
    assert len(ours) == 9
    for item in ours.values():
        for operation in item.values():
            assert operation["summary"] and operation.get("description")
