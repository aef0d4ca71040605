"""Service records, corrections, transfers and the time bank at /api/v1/volunteers/: the same
actions and queries as the pages, as JSON; errors as problem+json."""

from __future__ import annotations

import uuid

import pytest

from linli.volunteers.models import Offer, PointsEntry, ServiceRecord, Transfer

from .fixtures_records import *  # noqa: F403 (the fixtures)
from .fixtures_records import counts, record_manually, volunteer_row

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteers"


def _get(client, path: str, **params):
    return client.get(f"{API}/{path}", params or None)


def _post(client, path: str, body=None):
    return client.post(f"{API}/{path}", body or {}, content_type="application/json")


def _patch(client, path: str, body):
    return client.patch(f"{API}/{path}", body, content_type="application/json")


@pytest.fixture
def served(users, volunteer_a1):
    return record_manually(users["worker_a1"], volunteer_a1, hours="3")


def test_the_organiser_reads_and_records_the_sheet(login, users, activity_a1, came, org_a1):
    client = login(users["worker_a1"])
    sheet = _get(client, f"activities/{activity_a1.pk}/hours").json()
    assert sheet["organisation_id"] == org_a1.pk and sheet["recorded"] == 0
    assert sheet["defaults"]["beneficiaries"] == "社区独居老人"
    offered = {row["signup_id"]: row["hours"] for row in sheet["rows"]}
    assert offered == {came["a1_morning"].pk: 2.0, came["neighbour_afternoon"].pk: 1.0}
    body = {"rows": [{"signup_id": pk, "hours": hours} for pk, hours in offered.items()]}
    done = _post(client, f"activities/{activity_a1.pk}/hours", body)
    assert done.status_code == 201, done.json()
    written = done.json()["written"]
    assert [r["hours"] for r in written] == [2.0, 1.0]
    assert written[0]["organisation_name"] == "仙城社区志愿服务站"
    again = _post(client, f"activities/{activity_a1.pk}/hours", body)
    assert again.status_code == 200
    assert again.json() == {"written": [], "already": list(offered)}
    assert counts() == (2, 2)


def test_a_bad_sheet_is_a_problem_naming_each_row(login, users, activity_a1, came):
    pk = came["a1_morning"].pk
    response = _post(
        login(users["worker_a1"]),
        f"activities/{activity_a1.pk}/hours",
        {"rows": [{"signup_id": pk, "hours": 9, "quality": "good"}], "place": ""},
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"] == {
        f"hours-{pk}": ["At most 2 hours: the length of the shift, without travel."],
        "place": ["Please fill this in."],
    }
    unknown = _post(
        login(users["worker_a1"]),
        f"activities/{activity_a1.pk}/hours",
        {"rows": [{"signup_id": pk, "hours": 1, "extra": 1}]},
    )
    assert unknown.status_code == 422
    assert counts() == (0, 0)


def test_neighbours_find_no_sheet(login, users, activity_a1, came):
    for who in ("worker_a2", "town_b", "resident_a2"):
        client = login(users[who])
        assert _get(client, f"activities/{activity_a1.pk}/hours").status_code == 404
        body = {"rows": [{"signup_id": came["a1_morning"].pk, "hours": 1}]}
        assert _post(client, f"activities/{activity_a1.pk}/hours", body).status_code == 404
    assert counts() == (0, 0)


def test_records_list_detail_and_corrections(login, users, served, django_assert_num_queries):
    client = login(users["worker_a1"])
    listed = _get(client, "records").json()
    assert listed["count"] == 1 and listed["items"][0]["volunteer_name"] == "王秀兰"
    made = _post(client, f"records/{served.pk}/corrections", {"hours": -0.5, "reason": "核对"})
    assert made.status_code == 201
    correction = made.json()
    assert correction["kind"] == "correction" and correction["corrects_id"] == served.pk
    detail = _get(client, f"records/{served.pk}").json()
    assert detail["net_hours"] == 2.5 and [c["hours"] for c in detail["corrections"]] == [-0.5]
    refused = _post(client, f"records/{served.pk}/corrections", {"hours": -5, "reason": "x"})
    assert refused.status_code == 400
    assert _get(client, "records", kind="correction").json()["count"] == 1
    assert _get(client, "records", kind="other").status_code == 422
    with django_assert_num_queries(8) as few:  # session and account, grants, count, page
        _get(client, "records")
    for n in range(4):
        record_manually(users["worker_a1"], served.volunteer, hours="1", activity_name=f"活动{n}")
    with django_assert_num_queries(len(few.captured_queries)):
        page = _get(client, "records")
    assert page.json()["count"] == 6


def test_neighbours_see_no_records(login, users, served):
    for who in ("worker_a2", "town_b"):
        client = login(users[who])
        assert _get(client, "records").json()["count"] == 0
        assert _get(client, f"records/{served.pk}").status_code == 404
        body = {"hours": -1, "reason": "x"}
        assert _post(client, f"records/{served.pk}/corrections", body).status_code == 404
    assert _get(login(users["resident_a2"]), "records").json()["count"] == 0


def test_a_record_without_an_activity(login, users, volunteer_a1):
    body = {
        "volunteer_id": volunteer_a1.pk,
        "activity_name": "入户探访",
        "served_on": "2026-01-05",
        "place": "3号楼",
        "beneficiaries": "独居老人",
        "content": "陪伴聊天",
        "hours": 1.25,
        "leader_name": "赵队长",
    }
    made = _post(login(users["worker_a1"]), "records", body)
    assert made.status_code == 201 and made.json()["hours"] == 1.25
    again = _post(login(users["worker_a1"]), "records", body)
    assert again.status_code == 409
    bad = _post(login(users["worker_a1"]), "records", body | {"hours": 0.001})
    assert bad.status_code == 400
    assert bad.json()["errors"]["hours"] == [
        "Give the hours with at most two decimals, for example 1.25."
    ]
    huge = _post(login(users["worker_a1"]), "records", body | {"hours": 1e300})
    assert huge.status_code == 400
    assert _post(login(users["worker_a2"]), "records", body).status_code == 404
    assert ServiceRecord.objects.count() == 1


def test_a_volunteer_reads_their_hours_points_and_ledger(login, users, served, haircut):
    client = login(users["resident_a1"])
    mine = _get(client, "me/hours").json()
    assert mine["hours_total"] == 3.0 and mine["star"] == 0 and mine["stars"] == ""
    assert mine["next_level"] == 1 and mine["hours_to_next"] == 97.0
    records = _get(client, "me/hours/records").json()
    assert records["count"] == 1 and records["items"][0]["net_hours"] == 3.0
    points = _get(client, "me/points").json()
    assert points["balance"] == 30 and points["points_per_hour"] == 10
    assert [o["name"] for o in points["offers"]] == ["理发"]
    key = str(uuid.uuid4())
    spent = _post(client, f"offers/{haircut.pk}/spend", {"client_key": key})
    assert spent.status_code == 201 and spent.json()["balance"] == 0
    again = _post(client, f"offers/{haircut.pk}/spend", {"client_key": key})
    assert again.status_code == 200 and again.json()["id"] == spent.json()["id"]
    short = _post(client, f"offers/{haircut.pk}/spend", {"client_key": str(uuid.uuid4())})
    assert short.status_code == 409 and short.json()["type"].endswith("/balance")
    ledger = _get(client, "me/points/ledger").json()
    assert [e["kind"] for e in ledger["items"]] == ["spent", "earned"]
    assert _get(login(users["resident_a2"]), "me/hours").status_code == 404


def test_offers_crud_for_staff(login, users, tree, haircut):
    client = login(users["worker_a1"])
    made = _post(client, "offers", {"area_code": tree["a1"].code, "name": "修伞", "points": 15})
    assert made.status_code == 201 and made.json()["stock"] is None
    pk = made.json()["id"]
    changed = _patch(client, f"offers/{pk}", {"stock": 4, "active": False})
    assert changed.json()["stock"] == 4 and changed.json()["active"] is False
    unlimited = _patch(client, f"offers/{pk}", {"stock": None})
    assert unlimited.json()["stock"] is None and unlimited.json()["points"] == 15
    assert _get(client, "offers").json()["count"] == 1
    assert _get(client, "offers", active="all").json()["count"] == 2
    neighbour = login(users["worker_a2"])
    assert _get(neighbour, f"offers/{haircut.pk}").status_code == 404
    assert _patch(neighbour, f"offers/{haircut.pk}", {"points": 1}).status_code == 404
    refused = _post(neighbour, "offers", {"area_code": tree["a1"].code, "name": "x", "points": 1})
    assert refused.status_code == 400
    assert Offer.objects.count() == 2


def test_the_desk_the_ledger_and_adjustments(login, users, served, haircut):
    client = login(users["head_a1"])
    volunteer = served.volunteer_id
    spent = _post(
        client,
        f"offers/{haircut.pk}/spend",
        {"client_key": str(uuid.uuid4()), "volunteer_id": volunteer},
    )
    assert spent.status_code == 201
    adjusted = _post(
        client, f"volunteers/{volunteer}/points/adjust", {"delta": 8, "reason": "奖励"}
    )
    assert adjusted.status_code == 201 and adjusted.json()["balance"] == 8
    ledger = _get(client, f"volunteers/{volunteer}/points").json()
    assert [e["delta"] for e in ledger["items"]] == [8, -30, 30]
    neighbour = login(users["worker_a2"])
    assert _get(neighbour, f"volunteers/{volunteer}/points").status_code == 404
    body = {"delta": 1, "reason": "x"}
    assert _post(neighbour, f"volunteers/{volunteer}/points/adjust", body).status_code == 404
    assert volunteer_row(served.volunteer).points_balance == 8
    assert PointsEntry.objects.count() == 3


def test_transfers(login, users, served, town_association):
    refused = _post(
        login(users["resident_a1"]),
        "transfers",
        {"to_organisation_id": town_association.pk, "consent": False},
    )
    assert refused.status_code == 400 and "consent" in refused.json()["errors"]
    made = _post(
        login(users["resident_a1"]),
        "transfers",
        {"to_organisation_id": town_association.pk, "consent": True},
    )
    assert made.status_code == 201
    body = made.json()
    assert body["to_organisation_name"] == "仙城街道志愿者协会" and body["records"] == 1
    assert Transfer.objects.count() == 1


def test_the_export_and_the_recompute(login, users, served):
    response = _get(login(users["worker_a1"]), "records.xlsx")
    assert response.status_code == 200
    assert response["X-Rows"] == "1" and response["X-Masked"] == "0"  # workers may reveal
    assert _post(login(users["county"]), "totals/recompute").json() == {"volunteers": 1}
    assert _post(login(users["worker_a1"]), "totals/recompute").status_code == 403
    assert _get(login(users["resident_a1"]), "records.xlsx").status_code == 403
