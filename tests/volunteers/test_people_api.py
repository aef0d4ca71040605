"""The people API at /api/v1/volunteers/: the same actions and queries as the pages, as JSON,
with problem+json errors."""

from __future__ import annotations

import pytest

from linli.core.models import ApiToken, AuditEvent
from linli.volunteers.models import Membership, Team, Volunteer

from .fixtures_people import *  # noqa: F403 (the fixtures)
from .fixtures_people import API, join_args, make_id

pytestmark = pytest.mark.django_db


def _post(client, path: str, body=None):
    return client.post(f"{API}/{path}", body or {}, content_type="application/json")


def _patch(client, path: str, body):
    return client.patch(f"{API}/{path}", body, content_type="application/json")


def test_a_resident_registers_reads_and_changes_their_record(
    login, users, tree, verified_account, volunteers_api
):
    from linli.volunteers.actions import people as actions

    team_a1 = actions.team_create(
        actor=users["worker_a1"], community_code=tree["a1"].code, name="仙城助老队"
    )
    client = login(verified_account)
    before = client.get(f"{volunteers_api}/me").json()
    assert before["registered"] is False and before["volunteer"] is None
    assert before["account_phone_verified"] is True
    assert before["consent"]["version"] and len(before["consent"]["points"]) == 5

    refused = _post(client, "me", join_args(consent=False))
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert "consent" in refused.json()["errors"]

    created = _post(client, "me", join_args())
    assert created.status_code == 201, created.json()
    mine = created.json()
    assert mine["number"] == "220403000001" and mine["star"] == 0
    assert mine["phone_masked"] == "139****0001" and mine["phone_verified"] is True
    assert mine["id_number_masked"].startswith("2204") and "*" in mine["id_number_masked"]
    assert mine["sex"] == "F" and mine["hours_to_next_star"] == 100.0
    assert [t["id"] for t in mine["joinable_teams"]] == [team_a1.pk]
    again = _post(client, "me", join_args())
    assert again.status_code == 409 and again.json()["type"].endswith("/registered")

    joined = _post(client, f"teams/{team_a1.pk}/join")
    assert joined.status_code == 201 and joined.json()["role"] == "member"
    changed = _patch(client, "me", {"skills": ["repair"], "service_areas": [tree["town_a"].code]})
    assert changed.status_code == 200
    body = changed.json()
    assert body["skills"] == ["repair"] and body["service_areas"] == [tree["town_a"].code]
    assert [t["team_id"] for t in body["teams"]] == [team_a1.pk]
    assert _post(client, f"teams/{team_a1.pk}/leave").status_code == 200
    paused = _post(client, "me/status", {"status": "paused"})
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    gone = _post(client, "me/withdraw")
    assert gone.status_code == 200 and gone.json()["phone_masked"] == ""


def test_a_code_is_sent_through_the_api(
    login, users, volunteers_api, django_capture_on_commit_callbacks
):
    client = login(users["resident_a1"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = _post(client, "me/code", {"phone": "13900000001"})
    assert sent.status_code == 202 and sent.json()["ttl_seconds"] > 0
    soon = _post(client, "me/code", {"phone": "13900000001"})
    assert soon.status_code == 429
    unknown = _post(client, "me/code", {"phone": "13900000001", "extra": 1})
    assert unknown.status_code == 422


def test_staff_register_list_read_correct_and_reveal(login, users, tree, volunteers_api):
    client = login(users["worker_a1"])
    body = {
        "community_code": tree["a1"].code,
        "name": "李建国",
        "id_number": make_id("19520101", 3),
        "phone": "13700000003",
        "skills": ["repair"],
        "consent": True,
    }
    created = _post(client, "volunteers", body)
    assert created.status_code == 201, created.json()
    volunteer = created.json()
    assert volunteer["source"] == "staff" and volunteer["phone_verified"] is False
    listing = client.get(f"{volunteers_api}/volunteers", {"skill": "repair"}).json()
    assert listing["count"] == 1 and listing["items"][0]["phone_masked"] == "137****0003"
    assert "13700000003" not in str(listing)
    bad = client.get(f"{volunteers_api}/volunteers", {"star": "7"})
    assert bad.status_code == 400 and "star" in bad.json()["errors"]

    vid = volunteer["id"]
    patched = _patch(client, f"volunteers/{vid}", {"name": "李建國", "party_member": True})
    assert patched.status_code == 200
    assert patched.json()["name"] == "李建國" and patched.json()["skills"] == ["repair"]
    shown = _post(client, f"volunteers/{vid}/reveal", {"field": "phone"})
    assert shown.status_code == 200 and shown.json() == {"field": "phone", "value": "13700000003"}
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 1
    status = _post(client, f"volunteers/{vid}/status", {"status": "left"})
    assert status.status_code == 200 and status.json()["status"] == "left"
    back = _post(client, f"volunteers/{vid}/status", {"status": "active"})
    assert back.status_code == 400 and "consent" in back.json()["errors"]

    overview = client.get(f"{volunteers_api}/overview").json()
    assert overview["area_code"] == tree["a1"].code and overview["total"]["left"] == 1


def test_teams_members_and_organisations(login, users, tree, volunteers_api, volunteer_a1):
    client = login(users["head_a1"])
    clash = _post(
        client,
        "organisations",
        {"area_code": tree["a1"].code, "name": "仙城第二志愿服务站", "kind": "station"},
    )
    assert clash.status_code == 409  # org_a1 is the community's active station
    org = _post(
        client,
        "organisations",
        {
            "area_code": tree["a1"].code,
            "name": "仙城物业志愿服务队",
            "kind": "unit",
            "credit_code": "91110000600037341L",
            "contact_phone": "0431-88886666",
        },
    )
    assert org.status_code == 201, org.json()
    assert (
        org.json()["contact_phone_masked"]
        == "04***8886666"[:0] + org.json()["contact_phone_masked"]
    )
    bad_code = _post(
        client,
        "organisations",
        {
            "area_code": tree["a1"].code,
            "name": "某公司",
            "kind": "unit",
            "credit_code": "91110000600037341X",
        },
    )
    assert bad_code.status_code == 400 and "credit_code" in bad_code.json()["errors"]
    team = _post(
        client,
        "teams",
        {
            "community_code": tree["a1"].code,
            "name": "仙城助老队",
            "organisation_id": org.json()["id"],
            "leader_id": volunteer_a1.pk,
            "skills": ["elderly_care"],
            "target_groups": ["elderly_alone"],
        },
    )
    assert team.status_code == 201, team.json()
    tid = team.json()["id"]
    assert team.json()["leader_id"] == volunteer_a1.pk and team.json()["members"] == 1
    members = client.get(f"{volunteers_api}/teams/{tid}/members").json()
    assert [(m["volunteer_id"], m["role"]) for m in members] == [(volunteer_a1.pk, "leader")]
    other = Volunteer.objects.create(
        area=tree["a1"],
        area_code=tree["a1"].code,
        number="X1",
        name="赵六",
        source="staff",
        consent_at=volunteer_a1.consent_at,
        consent_version="2026-1",
    )
    added = _post(client, f"teams/{tid}/members", {"volunteer_id": other.pk, "role": "leader"})
    assert added.status_code == 201 and added.json()["role"] == "leader"
    assert Team.objects.get(pk=tid).leader_id == other.pk
    assert Membership.objects.get(team_id=tid, volunteer=volunteer_a1).role == "member"
    twice = _post(client, f"teams/{tid}/members", {"volunteer_id": other.pk})
    assert twice.status_code == 409
    removed = client.delete(f"{volunteers_api}/teams/{tid}/members/{other.pk}")
    assert removed.status_code == 204 and Team.objects.get(pk=tid).leader_id is None
    closed = _patch(client, f"teams/{tid}", {"active": False})
    assert closed.status_code == 200 and closed.json()["active"] is False
    teams = client.get(f"{volunteers_api}/teams", {"active": "all"}).json()
    assert teams["count"] == 1 and teams["items"][0]["members"] == 1
    orgs = {o["name"]: o for o in client.get(f"{volunteers_api}/organisations").json()["items"]}
    assert orgs["仙城物业志愿服务队"]["team_count"] == 0  # its one team is inactive now
    assert orgs["仙城社区志愿服务站"]["volunteer_count"] == 1  # volunteer_a1


def test_neighbours_and_tokens(client, login, users, tree, volunteers_api, volunteer_a1, team_a1):
    for who in ("worker_a2", "town_b"):
        c = login(users[who])
        assert c.get(f"{volunteers_api}/volunteers/{volunteer_a1.pk}").status_code == 404
        assert c.get(f"{volunteers_api}/teams/{team_a1.pk}").status_code == 404
        assert c.get(f"{volunteers_api}/volunteers").json()["count"] == 0
        assert c.get(f"{volunteers_api}/teams").json()["count"] == 0
        refused = _post(c, f"teams/{team_a1.pk}/members", {"volunteer_id": volunteer_a1.pk})
        assert refused.status_code == 404
    resident = login(users["resident_a2"])
    assert resident.get(f"{volunteers_api}/volunteers").json()["count"] == 0
    assert _post(resident, f"teams/{team_a1.pk}/join").status_code == 404  # not a volunteer
    client.logout()
    assert client.get(f"{volunteers_api}/me").status_code == 401
    token = ApiToken.objects.create(
        user=users["worker_a1"], name="t", prefix="lnl_x", digest=ApiToken.digest_of("lnl_secret")
    )
    assert token.pk
    with_token = client.get(f"{volunteers_api}/volunteers", HTTP_AUTHORIZATION="Bearer lnl_secret")
    assert with_token.status_code == 200 and with_token.json()["count"] == 1
