"""The needs and resources lists and matching as JSON at /api/v1/matching/: the same actions and
queries as the pages, errors as problem+json, paginated lists."""

from __future__ import annotations

import pytest
from django.test import Client

from linli.core import actions as core_actions
from linli.core import scoping
from linli.core.roles import Cap
from linli.matching.models import Match, Need, Resource
from tests.matching.fixtures_lists import (  # noqa: F401 (fixtures)
    appeal_a1_fixture,
    catalogue_fixture,
    counts,
    english_fixture,
    hall_a1_fixture,
    need,
    provider,
    team_a1_fixture,
)

API = "/api/v1/matching"


@pytest.fixture(name="api")
def api_fixture(users):
    """``api(user)``: a client sending ``user``'s personal token (residents, who hold no
    tokens, use the site session)."""

    def _client(user):
        if not scoping.has_cap(user, Cap.API_TOKEN):
            client = Client()
            client.force_login(user, backend="linli.core.auth.PhoneOrUsernameBackend")
            return client
        _token, plain = core_actions.token_create(actor=user, name="matching")
        return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")

    return _client


def _post(client, path, body=None):
    return client.post(f"{API}/{path}", body or {}, content_type="application/json")


def _patch(client, path, body):
    return client.patch(f"{API}/{path}", body, content_type="application/json")


NEED = {
    "area_code": "220403001001",
    "category": "elderly_care",
    "title": "周末陪伴聊天",
    "who": "独居老人",
    "times": ["sat_am", "sat_pm"],
    "people": 1,
}


def test_needs_crud(api, users):
    client = api(users["worker_a1"])
    created = _post(client, "needs", NEED)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (
        body["area_name"] == "仙城社区" and body["status"] == "open" and body["source"] == "entered"
    )
    assert body["times"] == ["sat_am", "sat_pm"] and not body["resident_linked"]
    pk = body["id"]
    listed = client.get(f"{API}/needs", {"status": "open"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == pk
    changed = _patch(client, f"needs/{pk}", {"people": 3, "wanted_until": None})
    assert changed.status_code == 200 and changed.json()["people"] == 3
    assert changed.json()["title"] == "周末陪伴聊天"
    assert client.get(f"{API}/needs/{pk}").json()["people"] == 3
    closed = _post(client, f"needs/{pk}/close", {"reason": "已搬走"})
    assert closed.json()["status"] == "closed"
    assert _post(client, f"needs/{pk}/met").status_code == 409


def test_need_errors_are_problems_with_fields(api, users):
    client = api(users["worker_a1"])
    before = counts()
    bad = _post(client, "needs", NEED | {"category": "magic", "people": 0, "times": ["x"]})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert {"category", "people", "times"} <= set(bad.json()["errors"])
    assert _post(client, "needs", NEED | {"colour": "red"}).status_code == 422
    assert _post(client, "needs", NEED | {"area_code": "220403001002"}).status_code == 403
    assert counts() == before


def test_neighbours_see_nothing(api, users, tree):
    mine = need(users["worker_a1"], tree["a1"])
    meals = provider(users["worker_a1"], tree["a1"])
    for who in ("worker_a2", "town_b", "resident_a1"):
        client = api(users[who])
        assert client.get(f"{API}/needs/{mine.pk}").status_code == 404
        assert client.get(f"{API}/needs/{mine.pk}/suggestions").status_code == 404
        assert client.get(f"{API}/resources/{meals.pk}").status_code == 404
        assert client.get(f"{API}/needs").json()["count"] == 0
        assert client.get(f"{API}/resources").json()["count"] == 0
        refused = _post(client, f"needs/{mine.pk}/matches", {"resource_id": meals.pk})
        assert refused.status_code == 404
    assert not Match.objects.exists()
    assert Client().get(f"{API}/needs").status_code == 401


def test_suggest_confirm_and_end(api, users, tree, team_a1):
    client = api(users["worker_a1"])
    synced = _post(client, "resources/sync", {"area_code": tree["a1"].code})
    assert synced.json() == {
        "area_code": tree["a1"].code,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "stopped": 0,
    }
    team = Resource.objects.get(team=team_a1)
    pk = _post(client, "needs", NEED | {"people": 2}).json()["id"]
    found = client.get(f"{API}/needs/{pk}/suggestions", {"limit": 5}).json()
    assert found[0]["resource_id"] == team.pk and found[0]["score"] > 0
    assert found[0]["reasons"][0]["code"] == "category" and found[0]["reasons"][0]["good"]
    confirmed = _post(client, f"needs/{pk}/matches", {"resource_id": team.pk, "note": "先电话"})
    assert confirmed.status_code == 201, confirmed.content
    match = confirmed.json()
    assert match["activity_id"] and match["resource_kind"] == "team" and match["book_url"] == ""
    assert [r["text"] for r in match["reasons"]] == [r["text"] for r in found[0]["reasons"]]
    assert client.get(f"{API}/needs/{pk}").json()["status"] == "matched"
    other = _post(client, "needs", NEED | {"people": 2, "title": "助浴"}).json()["id"]
    full = _post(client, f"needs/{other}/matches", {"resource_id": team.pk})
    assert full.status_code == 409 and full.json()["type"].endswith("/no-capacity")
    assert len(client.get(f"{API}/needs/{pk}/matches").json()) == 1
    assert client.get(f"{API}/matches", {"status": "active"}).json()["count"] == 1
    ended = _post(client, f"matches/{match['id']}/end", {"outcome": "done"})
    assert ended.json()["status"] == "done"
    assert client.get(f"{API}/needs/{pk}").json()["status"] == "met"
    assert client.get(f"{API}/resources/{team.pk}").json()["in_use"] == 0


def test_resources_crud(api, users, tree):
    client = api(users["worker_a1"])
    created = _post(
        client,
        "resources",
        {"kind": "provider", "area_code": tree["a1"].code, "name": "康乐助餐", "categories": ["meals"],
         "serves": [tree["town_a"].code], "capacity": 4, "contact_phone": "13812345678"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (
        body["contact_phone_masked"] == "138****5678"
        and "13812345678" not in created.content.decode()
    )
    assert body["serves"] == [tree["a1"].code, tree["town_a"].code] and body["spare"] == 4
    pk = body["id"]
    assert _patch(client, f"resources/{pk}", {"capacity": 6}).json()["capacity"] == 6
    assert _post(client, f"resources/{pk}/deactivate").json()["active"] is False
    assert _post(client, f"resources/{pk}/deactivate").status_code == 409
    assert _post(client, f"resources/{pk}/activate").json()["active"] is True
    neighbour = api(users["worker_a2"]).get(f"{API}/resources/{pk}")
    assert neighbour.status_code == 200  # it serves the whole town …
    assert neighbour.json()["contact_phone_masked"] == "" and neighbour.json()["contact_name"] == ""
    assert _patch(api(users["worker_a2"]), f"resources/{pk}", {"capacity": 1}).status_code == 403
    listed = client.get(f"{API}/resources", {"category": "meals", "limit": 1}).json()
    assert listed["count"] == 1 and listed["limit"] == 1


def test_from_appeal_import_and_waiting(api, users, tree, appeal_a1):
    client = api(users["worker_a1"])
    first = _post(client, "needs/from-appeal", {"appeal_id": appeal_a1.pk})
    assert first.status_code == 201 and first.json()["created"] is True
    again = _post(client, "needs/from-appeal", {"appeal_id": appeal_a1.pk})
    assert again.status_code == 200 and again.json()["created"] is False
    missing = _post(client, "needs/from-care-need", {"care_need_id": 999})
    assert missing.status_code == 404
    town = api(users["town_a"])
    imported = _post(town, "needs/import", {"area_code": tree["town_a"].code})
    assert imported.json()["from_appeals"] == 0 and Need.objects.count() == 1
    waiting = town.get(f"{API}/needs/waiting").json()
    assert waiting["area_name"] == "仙城街道" and waiting["rows"][0]["name"] == "仙城社区"
    assert waiting["total"] == 1
    assert (
        api(users["town_b"]).get(f"{API}/needs/waiting", {"area": tree["town_a"].code}).status_code
        == 404
    )
