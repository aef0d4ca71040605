"""The alerts API under /api/v1/notices/: issuing (201, 403, 400 with the field named), lists
and details scoped as the pages are, the live counts, answering, the check list and checks,
ending (409 the second time), and the information officers — every answer fitting its schema,
errors as problem+json."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from linli.core import actions as core_actions
from linli.core import scoping
from linli.core.roles import Cap
from linli.notices.models import Alert, AlertRecipient, InfoOfficer
from linli.notices.schemas_alerts import (
    AlertDetailOut,
    AlertOut,
    CommunityOut,
    LiveOut,
    MyAnswerOut,
    OfficerOut,
    PersonOut,
)

from .test_alerts import A1, A2, GRID, TOWN_A, _english, due, issue, world  # noqa: F401

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notices"
PROBLEM = "application/problem+json"


@pytest.fixture
def api(world):  # noqa: F811
    """``api(name)``: a client acting as a user of the world (token for staff, session else)."""
    people = {**world["users"], **world["accounts"]}
    clients: dict[str, Client] = {}

    def _client(name: str) -> Client:
        if name not in clients:
            user = people[name]
            if scoping.has_cap(user, Cap.API_TOKEN):
                _token, plain = core_actions.token_create(actor=user, name="test")
                clients[name] = Client(headers={"Authorization": f"Bearer {plain}"})
            else:
                client = Client()
                client.force_login(user, backend="linli.core.auth.PhoneOrUsernameBackend")
                clients[name] = client
        return clients[name]

    return _client


def post(client: Client, url: str, data=None):
    return client.post(f"{BASE}/{url}", json.dumps(data or {}), "application/json")


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.json()


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    return response.json()


ALERT = {
    "area_code": A1,
    "kind": "rainstorm",
    "severity": "red",
    "title": "暴雨红色预警",
    "instructions": "请立即转移。",
    "shelters": [{"name": "仙城小学体育馆", "address": "仙城路8号"}],
    "check_after": 30,
}


def test_issuing_through_the_api(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = ok(post(api("town_a"), "alerts", ALERT), 201)
    AlertDetailOut.model_validate(body)
    assert body["status"] == "sending"  # answered before the fan-out ran
    assert body["area_name"] == "仙城社区"
    assert body["shelters"] == ALERT["shelters"]
    alert = Alert.objects.get(pk=body["id"])
    assert alert.status == Alert.Status.ACTIVE and alert.recipients_done == 5


def test_issuing_is_refused_and_bad_input_named(api):
    problem(post(api("worker_a1"), "alerts", ALERT), 403)
    problem(post(api("town_b"), "alerts", ALERT), 403)
    body = problem(post(api("county"), "alerts", {**ALERT, "check_after": 2}), 400)
    assert "check_after" in body["errors"]
    body = problem(post(api("county"), "alerts", {**ALERT, "area_code": GRID}), 400)
    assert "area_code" in body["errors"]
    problem(post(api("county"), "alerts", {**ALERT, "kind": "meteor"}), 422)
    problem(post(api("county"), "alerts", {**ALERT, "colour": "red"}), 422)
    assert not Alert.objects.exists()


def test_lists_and_details_are_scoped(api, issue):  # noqa: F811
    alert = issue()
    body = ok(api("worker_a1").get(f"{BASE}/alerts"))
    assert [a["id"] for a in body["items"]] == [alert.pk]
    for item in body["items"]:
        AlertOut.model_validate(item)
    assert ok(api("town_b").get(f"{BASE}/alerts"))["items"] == []
    assert ok(api("worker_a1").get(f"{BASE}/alerts", {"status": "ended"}))["items"] == []
    problem(api("town_b").get(f"{BASE}/alerts/{alert.pk}"), 404)
    problem(api("zhao").get(f"{BASE}/alerts/{alert.pk}"), 404)
    mine = ok(api("li").get(f"{BASE}/alerts/{alert.pk}"))
    AlertDetailOut.model_validate(mine)
    assert mine["mine"] == {"ack": "", "ack_at": None, "checked": ""}
    assert ok(api("worker_a1").get(f"{BASE}/alerts/{alert.pk}"))["mine"] is None


def test_live_counts_through_the_api(api, issue):  # noqa: F811
    alert = due(issue(area_code=TOWN_A))
    body = ok(api("town_a").get(f"{BASE}/alerts/{alert.pk}/live"))
    LiveOut.model_validate(body)
    assert body["check_due"] is True
    assert {r["code"]: r["reached"] for r in body["rows"]} == {A1: 5, A2: 1}
    assert body["total"]["vulnerable"] == 2 and body["total"]["awaiting"] == 2
    drilled = ok(api("town_a").get(f"{BASE}/alerts/{alert.pk}/live", {"area": A1}))
    assert {r["code"] for r in drilled["rows"]} == {GRID, A1}
    problem(api("worker_a2").get(f"{BASE}/alerts/{alert.pk}/live", {"area": A1}), 404)
    problem(api("li").get(f"{BASE}/alerts/{alert.pk}/live"), 404)
    people = ok(api("town_a").get(f"{BASE}/alerts/{alert.pk}/unaccounted"))
    for item in people["items"]:
        PersonOut.model_validate(item)
    assert {p["name"] for p in people["items"]} == {"李四", "王五"}
    assert {p["phone_masked"] for p in people["items"]} == {"136****5432", ""}


def test_answering_and_checking_through_the_api(api, issue):  # noqa: F811
    from linli.appeals import actions as appeal_actions
    from linli.core.scoping import SYSTEM

    appeal_actions.appeal_defaults_load(actor=SYSTEM, county_code="220403000000")
    alert = issue()
    answer = ok(post(api("li"), f"alerts/{alert.pk}/ack", {"answer": "help"}))
    MyAnswerOut.model_validate(answer)
    assert answer["ack"] == "help"
    problem(post(api("zhao"), f"alerts/{alert.pk}/ack", {"answer": "known"}), 404)
    problem(post(api("li"), f"alerts/{alert.pk}/ack", {"answer": "later"}), 422)

    listed = ok(api("grid_a1").get(f"{BASE}/alerts/checks"))
    assert [p["name"] for p in listed["items"]] == ["李四"]
    person = listed["items"][0]
    assert person["phone_masked"] == "136****5432" and person["ack"] == "help"
    assert ok(api("worker_a2").get(f"{BASE}/alerts/checks"))["items"] == []
    assert ok(api("grid_a1").get(f"{BASE}/alerts/checks", {"alert_id": alert.pk}))["count"] == 1
    problem(api("grid_a1").get(f"{BASE}/alerts/checks", {"alert_id": alert.pk + 99}), 404)

    url = f"alerts/recipients/{person['recipient_id']}/check"
    problem(post(api("worker_a2"), url, {"result": "safe"}), 404)
    checked = ok(post(api("grid_a1"), url, {"result": "help", "note": "需要转移"}))
    PersonOut.model_validate(checked)
    assert checked["checked"] == "help" and checked["appeal_id"]
    assert AlertRecipient.objects.get(pk=person["recipient_id"]).appeal_id == checked["appeal_id"]
    body = problem(post(api("grid_a1"), url, {"result": "safe", "note": "x" * 501}), 400)
    assert "note" in body["errors"]


def test_ending_through_the_api(api, issue):  # noqa: F811
    alert = issue()
    problem(post(api("worker_a1"), f"alerts/{alert.pk}/end"), 403)
    problem(post(api("town_b"), f"alerts/{alert.pk}/end"), 404)
    body = ok(post(api("town_a"), f"alerts/{alert.pk}/end"))
    assert body["status"] == "ended" and body["ended_at"]
    problem(post(api("town_a"), f"alerts/{alert.pk}/end"), 409)
    problem(post(api("li"), f"alerts/{alert.pk}/ack", {"answer": "known"}), 409)


def test_information_officers_through_the_api(api, world):  # noqa: F811
    missing = ok(api("town_a").get(f"{BASE}/officers/missing"))
    assert [c["code"] for c in missing["items"]] == [A1, A2]
    CommunityOut.model_validate(missing["items"][0])
    assert missing["items"][0]["town_name"] == "仙城街道"
    data = {
        "community_code": A1,
        "name": "陈明",
        "phone": "13812345678",
        "trained_on": "2025-03-15",
    }
    problem(post(api("town_b"), "officers", data), 403)
    problem(post(api("worker_a1"), "officers", data), 403)
    body = problem(post(api("town_a"), "officers", {**data, "phone": "123"}), 400)
    assert "phone" in body["errors"]
    created = ok(post(api("town_a"), "officers", data), 201)
    OfficerOut.model_validate(created)
    assert created["phone_masked"] == "138****5678" and created["community_name"] == "仙城社区"
    listed = ok(api("worker_a1").get(f"{BASE}/officers"))
    assert [o["id"] for o in listed["items"]] == [created["id"]]
    assert ok(api("worker_a2").get(f"{BASE}/officers"))["items"] == []
    assert [c["code"] for c in ok(api("town_a").get(f"{BASE}/officers/missing"))["items"]] == [A2]
    problem(post(api("town_b"), f"officers/{created['id']}/end"), 404)
    ended = ok(post(api("head_a1"), f"officers/{created['id']}/end"))
    assert ended["ended_on"]
    problem(post(api("head_a1"), f"officers/{created['id']}/end"), 409)
    assert InfoOfficer.objects.filter(ended_on__isnull=True).count() == 0
