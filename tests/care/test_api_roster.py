"""The care roster API under /api/v1/care/: roster, risk, plans, reassignment, generation runs,
the visit rate and its trend, the not-visited list and the policy — scoped, masked, and
refusing bad input with problem+json."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from linli.care.models import Plan, Policy, Run, month_end
from linli.core import actions as core_actions
from linli.core import scoping
from linli.core.roles import Cap

from ..registry.conftest import make_id

BASE = "/api/v1/care"
PROBLEM = "application/problem+json"
COUNTY = "220403000000"
LI_ID = make_id("19400202", 4)
LI_PHONE = "13698765432"


@pytest.fixture
def api(users):
    """``api(name)``: a client acting as that user, by API token when the role may hold one,
    else by the site session."""

    def _client(name: str) -> Client:
        user = users[name]
        if scoping.has_cap(user, Cap.API_TOKEN):
            _token, plain = core_actions.token_create(actor=user, name="test")
            return Client(headers={"Authorization": f"Bearer {plain}"})
        client = Client()
        client.force_login(user, backend="linli.core.auth.PhoneOrUsernameBackend")
        return client

    return _client


def get(client: Client, url: str, params=None):
    return client.get(f"{BASE}/{url}", params or {})


def send(client: Client, url: str, data=None, method: str = "post", params: str = ""):
    return getattr(client, method)(
        f"{BASE}/{url}{params}", json.dumps(data if data is not None else {}), "application/json"
    )


def ok(response) -> dict | list:
    assert response.status_code == 200, response.content
    return response.json()


def assert_problem(response, status: int, *fields: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    for field in fields:
        assert field in body["errors"], body
    return body


# --- the roster ----------------------------------------------------------------------------------


def test_roster_lists_names_with_numbers_masked(api, roster, users):
    response = get(api("town_a"), "roster")
    body = ok(response)
    assert body["count"] == 3 and body["limit"] == 50
    assert [item["name"] for item in body["items"]] == ["王五", "李四", "赵六"]
    li = body["items"][1]
    assert li["id_number_masked"] == LI_ID[:4] + "*" * 10 + LI_ID[-4:]
    assert li["phone_masked"] == LI_PHONE[:3] + "****" + LI_PHONE[-4:]
    assert (li["kind"], li["frequency"], li["risk"]) == ("elderly", "monthly", "normal")
    assert li["tags"] == ["special_elderly.living_alone"]
    assert li["this_month"]["worker"] == {"id": users["grid_a1"].pk, "name": "grid_a1"}
    assert (li["this_month"]["done"], li["this_month"]["required"]) == (0, 1)
    text = response.content.decode()
    assert LI_ID not in text and LI_PHONE not in text and "notes" not in text


def test_roster_filters_and_scope(api, roster, users):
    def names(client, **params):
        return [item["name"] for item in ok(get(client, "roster", params))["items"]]

    town = api("town_a")
    assert names(town, kind="disability") == ["王五"]
    assert names(town, area="220403001002") == ["赵六"]
    assert names(town, q="李") == ["李四"]
    assert names(town, worker_id=users["grid_a1"].pk) == ["李四"]
    assert names(api("worker_a2")) == ["赵六"]
    assert names(api("town_b")) == []
    assert_problem(get(town, "roster", {"area": "22x"}), 400, "area")
    assert_problem(get(town, "roster", {"area": "000000000000000"}), 400, "area")
    assert get(town, "roster", {"kind": "pets"}).status_code == 422
    assert ok(get(api("resident_a1"), "roster"))["count"] == 0


def test_subject_detail_and_risk(api, roster, users, month):
    subject = roster["subjects"]["li"]
    body = ok(get(api("grid_a1"), f"roster/{subject.pk}"))
    assert body["name"] == "李四" and body["address"]
    assert [p["month"] for p in body["plans"]] == [f"{month:%Y-%m-%d}"]
    assert_problem(get(api("worker_a2"), f"roster/{subject.pk}"), 404)
    assert_problem(get(api("town_a"), "roster/999999"), 404)

    assert_problem(send(api("grid_a1"), f"roster/{subject.pk}/risk", {"risk": "high"}), 403)
    assert_problem(send(api("town_b"), f"roster/{subject.pk}/risk", {"risk": "high"}), 404)
    assert send(api("head_a1"), f"roster/{subject.pk}/risk", {"risk": "dire"}).status_code == 422
    assert send(api("head_a1"), f"roster/{subject.pk}/risk", {"level": "high"}).status_code == 422
    body = ok(send(api("head_a1"), f"roster/{subject.pk}/risk", {"risk": "high"}))
    assert (body["risk"], body["frequency"]) == ("high", "weekly")
    assert body["this_month"]["required"] == 4


# --- plans ---------------------------------------------------------------------------------------


def test_plans_of_a_month(api, roster, users, month):
    body = ok(get(api("town_a"), "plans", {"month": f"{month:%Y-%m}"}))
    assert [p["name"] for p in body["items"]] == ["王五", "李四", "赵六"]
    li = body["items"][1]
    assert li["due_on"] == f"{month_end(month):%Y-%m-%d}"
    assert li["days_left"] == (month_end(month) - dt.date.today()).days
    assert (li["status"], li["met"], li["required"], li["done"]) == ("open", False, 1, 0)
    unassigned = ok(get(api("town_a"), "plans", {"month": f"{month:%Y-%m}", "unassigned": True}))
    assert [p["name"] for p in unassigned["items"]] == ["王五", "赵六"]
    assert ok(get(api("town_b"), "plans", {"month": f"{month:%Y-%m}"}))["count"] == 0
    assert_problem(get(api("town_a"), "plans", {"month": "2026-15"}), 400, "month")
    bad_area = {"month": f"{month:%Y-%m}", "area": "220403001001000"}
    assert_problem(get(api("town_a"), "plans", bad_area), 400, "area")
    assert_problem(get(api("town_a"), "not-visited", bad_area), 400, "area")
    assert get(api("town_a"), "plans").status_code == 422  # the month is required


def test_reassign_a_plan(api, roster, users):
    plan = roster["plans"]["wang"]
    url = f"plans/{plan.pk}/reassign"
    assert_problem(send(api("grid_a1"), url, {"worker_id": users["worker_a1"].pk}), 404)
    li = f"plans/{roster['plans']['li'].pk}/reassign"
    assert_problem(send(api("grid_a1"), li, {"worker_id": users["worker_a1"].pk}), 403)
    assert_problem(send(api("town_b"), url, {"worker_id": users["worker_a1"].pk}), 404)
    assert_problem(
        send(api("head_a1"), url, {"worker_id": users["worker_a2"].pk}), 400, "worker_id"
    )
    assert send(api("head_a1"), url, {"worker_id": 0}).status_code == 422
    body = ok(send(api("head_a1"), url, {"worker_id": users["worker_a1"].pk}))
    assert body["worker"]["id"] == users["worker_a1"].pk
    Plan.objects.filter(pk=plan.pk).update(done=1, status="done")
    assert_problem(send(api("head_a1"), url, {"worker_id": users["worker_a1"].pk}), 409)


def test_generate_queues_a_run(api, roster, users, month, django_capture_on_commit_callbacks):
    data = {"area_code": "220403", "month": f"{month:%Y-%m}"}
    with django_capture_on_commit_callbacks(execute=True):
        response = send(api("county"), "plans/generate", data)
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["area_code"], body["status"]) == (COUNTY, "queued")
    run = Run.objects.get(pk=body["id"])
    assert run.status == "done" and run.counts["plans_created"] == 0
    runs = ok(get(api("county"), "runs"))
    assert runs["items"][0]["id"] == run.pk and runs["items"][0]["status"] == "done"
    assert runs["items"][0]["requested_by"] == "county"
    assert ok(get(api("town_b"), "runs"))["count"] == 0
    assert_problem(send(api("worker_a1"), "plans/generate", data), 403)
    assert_problem(
        send(api("head_a1"), "plans/generate", {**data, "area_code": "220403001002"}), 404
    )
    assert send(api("county"), "plans/generate", {**data, "month": "March"}).status_code == 422
    assert_problem(send(api("county"), "plans/generate", {**data, "month": "1999-01"}), 400)


# --- rates ---------------------------------------------------------------------------------------


def test_rate_and_trend(api, roster, month, tree):
    Plan.objects.filter(pk=roster["plans"]["li"].pk).update(done=1, status="done")
    body = ok(get(api("town_a"), "rate", {"month": f"{month:%Y-%m}"}))
    assert body["area"] == {"code": tree["town_a"].code, "name": "仙城街道", "level": 4}
    assert body["total"]["numerator"] == 1 and body["total"]["denominator"] == 3
    assert [(r["code"], r["numerator"], r["denominator"]) for r in body["rows"]] == [
        (tree["a1"].code, 1, 2),
        (tree["a2"].code, 0, 1),
    ]
    assert "dropped" in body["rule"]
    body = ok(get(api("head_a1"), "rate", {"month": f"{month:%Y-%m}"}))
    assert [(r["name"], r["level"], r["rate"]) for r in body["rows"]] == [
        (tree["grid_a1"].name, 6, 1.0),
        ("not in a grid", None, 0.0),
    ]
    assert_problem(
        get(api("worker_a2"), "rate", {"month": f"{month:%Y-%m}", "area": "220403001001"}), 404
    )
    assert_problem(get(api("town_a"), "rate", {"month": "2026-1"}), 400, "month")
    points = ok(get(api("town_a"), "rate/trend", {"months": 2}))
    assert [p["numerator"] for p in points] == [0, 1]
    assert points[0]["rate"] is None
    assert get(api("town_a"), "rate/trend", {"months": 61}).status_code == 422


def test_not_visited(api, roster, month):
    Plan.objects.filter(pk=roster["plans"]["li"].pk).update(done=1, status="done")
    body = ok(get(api("town_a"), "not-visited", {"month": f"{month:%Y-%m}"}))
    assert [p["name"] for p in body["items"]] == ["王五", "赵六"]
    assert body["items"][0]["worker"] is None
    body = ok(get(api("worker_a2"), "not-visited", {"month": f"{month:%Y-%m}"}))
    assert [p["name"] for p in body["items"]] == ["赵六"]


# --- policy --------------------------------------------------------------------------------------


def test_policy_read_set_and_defaults(api, tree, users):
    body = ok(send(api("county"), "policy/defaults", params="?county=220403"))
    assert body["added"] == 4 and len(body["rows"]) == 4
    rows = ok(get(api("worker_a1"), "policy", {"county": "220403"}))
    disability = next(r for r in rows if r["tag_code"] == "disability")
    assert disability["grades"] == ["一级", "二级"] and disability["tag_name"] == "残疾人"
    data = {
        "tag_code": "special_elderly.advanced_age",
        "kind": "elderly",
        "frequency": "fortnightly",
        "high_risk_frequency": "weekly",
    }
    rows = ok(send(api("county"), "policy", data, method="put", params="?county=220403"))
    assert len(rows) == 5
    assert Policy.objects.get(tag_id="special_elderly.advanced_age").frequency == "fortnightly"
    assert_problem(send(api("town_a"), "policy", data, method="put", params="?county=220403"), 403)
    assert_problem(get(api("county"), "policy", {"county": "220402"}), 404)
    bad = {**data, "frequency": "weekly", "high_risk_frequency": "monthly"}
    assert_problem(
        send(api("county"), "policy", bad, method="put", params="?county=220403"),
        400,
        "high_risk_frequency",
    )
    assert (
        send(api("county"), "policy", {**data, "extra": 1}, method="put", params="?county=220403")
    ).status_code == 422
