"""The appeals settings API under /api/v1/appeals/settings/: categories, tiers, holidays, rules and
their preview, units and members, templates, policy, Open311 clients — scoped, audited, and
refusing bad input with problem+json."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from linli.appeals import actions, queries
from linli.appeals.models import (
    Category,
    Holiday,
    Open311Client,
    Policy,
    ResponseTemplate,
    RoutingRule,
    Tier,
    Unit,
    UnitMember,
)
from linli.core import actions as core_actions
from linli.core import scoping
from linli.core.models import AuditEvent
from linli.core.roles import Cap, Role

from ..conftest import make_area, make_user


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read messages and sheet names in English (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


BASE = "/api/v1/appeals/settings"
PROBLEM = "application/problem+json"
COUNTY = "220403000000"
TOWN_A = "220403001000"
A1 = "220403001001"
A2 = "220403001002"


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


def send(client: Client, method: str, url: str, data=None):
    return getattr(client, method)(
        f"{BASE}/{url}", json.dumps(data if data is not None else {}), "application/json"
    )


def get(client: Client, url: str, params=None):
    return client.get(f"{BASE}/{url}", params or {})


def assert_problem(response, status: int, *fields: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"]
    for name in fields:
        assert name in body.get("errors", {}), body
    return body


def table_counts() -> dict[str, int]:
    models = (Category, Tier, Holiday, RoutingRule, Unit, UnitMember, ResponseTemplate, Policy)
    return {
        **{m.__name__: m.objects.count() for m in models},
        "Open311Client": Open311Client.objects.count(),
        "AuditEvent": AuditEvent.objects.count(),
    }


# --- categories ---------------------------------------------------------------------------------


def test_residents_read_their_countys_categories(api, catalogue):
    response = get(api("resident_a1"), "categories", {"county": "220403"})
    assert response.status_code == 200
    tree = response.json()
    assert len(tree) == len(catalogue)
    lift = next(c for c in tree if c["key"] == "property.lift")
    assert lift["label"] == "Lift out of order"
    assert lift["depth"] == 1 and lift["parent_id"] == catalogue["property"].pk
    assert lift["tier"] == "utilities" and lift["county"] == COUNTY
    assert lift["attributes"][0]["code"] == "trapped"
    assert [v["key"] for v in lift["attributes"][0]["values"]] == ["yes", "no"]
    ids = [c["id"] for c in tree]
    assert ids.index(catalogue["property"].pk) < ids.index(lift["id"])


def test_category_tree_refusals(api, users, catalogue):
    outsider = make_user("resident_far", Role.RESIDENT, make_area("220402001001", "远方社区"))
    client = Client()
    client.force_login(outsider, backend="linli.core.auth.PhoneOrUsernameBackend")
    assert_problem(get(client, "categories", {"county": COUNTY}), 403)
    assert_problem(get(api("resident_a1"), "categories", {"county": "999900"}), 404)
    assert_problem(get(api("resident_a1"), "categories", {"county": TOWN_A}), 404)
    assert_problem(
        get(api("resident_a1"), "categories", {"county": COUNTY, "include_inactive": "true"}), 403
    )
    anonymous = Client().get(f"{BASE}/categories", {"county": COUNTY})
    assert_problem(anonymous, 401)


def test_category_create_and_update(api, catalogue):
    county = api("county")
    response = send(
        county,
        "post",
        "categories",
        {
            "county": "220403",
            "name": "电动车充电",
            "tier": "utilities",
            "unit_kind": "community",
            "parent_id": catalogue["fire"].pk,
            "attributes": [
                {
                    "code": "where",
                    "datatype": "singlevaluelist",
                    "required": True,
                    "description": "在哪里充电？",
                    "values": [
                        {"key": "corridor", "name": "楼道"},
                        {"key": "window", "name": "飞线"},
                    ],
                }
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["depth"] == 1 and body["parent_id"] == catalogue["fire"].pk
    assert body["attributes"][0]["required"] is True
    category = Category.objects.get(pk=body["id"])
    response = send(
        county, "put", f"categories/{category.pk}", {"public": False, "parent_id": None}
    )
    assert response.status_code == 200
    assert response.json()["public"] is False and response.json()["parent_id"] is None
    assert response.json()["name"] == "电动车充电"  # not sent: kept
    assert AuditEvent.objects.filter(action="appeal.category_update").count() == 1


def test_category_create_refusals(api, catalogue):
    county, town_a = api("county"), api("town_a")  # issuing their tokens is audited too
    before = table_counts()
    bad = send(
        county,
        "post",
        "categories",
        {
            "county": COUNTY,
            "name": "x",
            "tier": "general",
            "unit_kind": "community",
            "attributes": [{"code": "Bad Code", "datatype": "number", "description": "?"}],
        },
    )
    body = assert_problem(bad, 400, "attributes")
    assert body["errors"]["attributes"][0].startswith("Question 1:")
    assert_problem(
        send(
            town_a,
            "post",
            "categories",
            {"county": COUNTY, "name": "x", "tier": "general", "unit_kind": "community"},
        ),
        403,
    )
    malformed = send(
        county,
        "post",
        "categories",
        {"county": COUNTY, "name": "x", "tier": "general", "unit_kind": "community", "colour": 1},
    )
    assert_problem(malformed, 422)
    assert_problem(send(county, "put", "categories/999999", {"name": "x"}), 404)
    assert table_counts() == before


# --- tiers and holidays -------------------------------------------------------------------------


def test_tiers(api, catalogue):
    county = api("county")
    assert [t["code"] for t in get(county, "tiers").json()] == [
        "emergency",
        "utilities",
        "general",
        "complex",
    ]
    response = send(county, "put", "tiers/general", {"resolve_amount": 5})
    assert response.status_code == 200 and response.json()["resolve_amount"] == 5
    assert response.json()["respond_minutes"] == 1440  # not sent: kept
    assert_problem(
        send(county, "put", "tiers/general", {"respond_minutes": 0}), 400, "respond_minutes"
    )
    assert_problem(send(county, "delete", "tiers/general"), 409)
    assert_problem(send(api("town_a"), "put", "tiers/general", {"resolve_amount": 3}), 403)
    assert_problem(send(county, "put", "tiers/nothing", {"resolve_amount": 3}), 404)
    created = send(
        county,
        "post",
        "tiers",
        {
            "code": "flood",
            "name": "防汛",
            "respond_minutes": 10,
            "resolve_amount": 4,
            "resolve_unit": "hours",
        },
    )
    assert created.status_code == 201 and created.json()["builtin"] is False
    assert send(county, "delete", "tiers/flood").status_code == 204
    assert not Tier.objects.filter(code="flood").exists()


def test_holidays(api, users):
    sysadmin = api("sysadmin")
    response = send(sysadmin, "put", "holidays/2026-10-01", {"name": "国庆节"})
    assert response.status_code == 201 and response.json()["is_workday"] is False
    response = send(sysadmin, "put", "holidays/2026-10-01", {"name": "国庆", "is_workday": False})
    assert response.status_code == 200 and Holiday.objects.count() == 1
    text = "2026-10-02 国庆节 off\n2026-10-10 调休 on\n"
    imported = send(sysadmin, "post", "holidays/import", {"text": text})
    assert imported.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert send(sysadmin, "post", "holidays/import", {"text": text}).json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
    }
    bad = send(sysadmin, "post", "holidays/import", {"text": text + "2026-10-11 调休 maybe\n"})
    body = assert_problem(bad, 400, "text")
    assert body["errors"]["text"] == [
        "Line 3: end the line with “off” (a holiday) or “on” (a make-up working day)."
    ]
    listed = get(api("resident_a1"), "holidays", {"year": 2026}).json()
    assert listed["count"] == 3
    assert [d["date"] for d in listed["items"]] == ["2026-10-01", "2026-10-02", "2026-10-10"]
    assert send(sysadmin, "delete", "holidays/2026-10-02").status_code == 204
    assert_problem(send(sysadmin, "delete", "holidays/2026-10-02"), 404)
    assert_problem(send(api("town_a"), "put", "holidays/2026-10-03", {"name": "x"}), 403)
    assert Holiday.objects.count() == 2


# --- rules, the preview, units ------------------------------------------------------------------


@pytest.fixture
def wuye(users, tree):
    return actions.unit_create(
        actor=users["town_a"], area_code=TOWN_A, kind="provider", name="仙城物业公司"
    )


def test_rules_and_preview(api, catalogue, wuye, office):
    town_a = api("town_a")
    response = send(
        town_a,
        "post",
        "rules",
        {"area_code": A1, "category_id": catalogue["property"].pk, "unit_id": wuye.pk},
    )
    assert response.status_code == 201, response.content
    rule = response.json()
    assert rule["category_label"] == "Property and repairs"
    assert rule["unit"]["name"] == "仙城物业公司" and rule["area_name"] == "仙城社区"
    any_rule = send(town_a, "post", "rules", {"area_code": TOWN_A, "unit_id": office.pk}).json()
    assert any_rule["category_id"] is None
    listed = get(town_a, "rules").json()
    assert listed["count"] == 2
    assert get(api("town_b"), "rules").json()["count"] == 0

    lift = catalogue["property.lift"]
    preview = get(town_a, "routing-preview", {"area": A1, "category": lift.pk}).json()
    assert preview["route"]["outcome"] == "rule"
    assert preview["route"]["rule_id"] == rule["id"]
    assert preview["route"]["unit"]["id"] == wuye.pk
    assert [(c["rule"]["id"], c["reach"], c["wins"]) for c in preview["candidates"]] == [
        (rule["id"], "parent", True),
        (any_rule["id"], "any", False),
    ]
    unit, found = queries.route(A1, lift)
    assert (unit.pk, found.pk) == (preview["route"]["unit"]["id"], preview["route"]["rule_id"])
    table = get(town_a, "routing-table", {"area": A2}).json()
    assert table["area_name"] == "新兴社区"
    by_category = {r["category_id"]: r for r in table["routes"]}
    assert by_category[catalogue["noise"].pk]["unit"]["id"] == office.pk
    assert_problem(get(api("town_b"), "routing-preview", {"area": A1, "category": lift.pk}), 404)

    assert_problem(send(api("town_b"), "post", "rules", {"area_code": A1, "unit_id": wuye.pk}), 403)
    assert_problem(send(town_a, "post", "rules", {"area_code": A1, "unit_id": 10**9}), 400, "unit")
    assert_problem(
        send(
            town_a,
            "post",
            "rules",
            {"area_code": A1, "category_id": catalogue["property"].pk, "unit_id": office.pk},
        ),
        409,
    )
    assert_problem(send(api("town_b"), "delete", f"rules/{rule['id']}"), 404)
    assert send(town_a, "delete", f"rules/{rule['id']}").status_code == 204
    assert RoutingRule.objects.count() == 1


def test_units_and_members(api, users, tree, office):
    town_a = api("town_a")
    created = send(
        town_a, "post", "units", {"area_code": TOWN_A, "kind": "provider", "name": "物业"}
    )
    assert created.status_code == 201
    unit = created.json()
    assert unit["members"] == [] and unit["area_name"] == "仙城街道"
    member = send(town_a, "post", f"units/{unit['id']}/members", {"login": "worker_a1"})
    assert member.status_code == 201
    assert member.json()["username"] == "worker_a1" and member.json()["is_supervisor"] is False
    user_id = member.json()["user_id"]
    changed = send(town_a, "put", f"units/{unit['id']}/members/{user_id}", {"is_supervisor": True})
    assert changed.json()["is_supervisor"] is True
    detail = get(town_a, f"units/{unit['id']}").json()
    assert [m["username"] for m in detail["members"]] == ["worker_a1"]
    assert get(town_a, "units").json()["count"] >= 1
    assert_problem(
        send(town_a, "post", f"units/{unit['id']}/members", {"login": "resident_a1"}), 400, "login"
    )
    assert_problem(send(town_a, "post", f"units/{unit['id']}/members", {"login": "worker_a1"}), 409)
    assert_problem(
        send(
            api("worker_a1"),
            "post",
            "units",
            {"area_code": "220403001001", "kind": "provider", "name": "x"},
        ),
        403,
    )
    assert_problem(get(api("town_b"), f"units/{unit['id']}"), 404)
    assert_problem(send(town_a, "put", f"units/{office.pk}", {"active": False}), 403)
    renamed = send(town_a, "put", f"units/{unit['id']}", {"name": "仙城物业", "active": False})
    assert renamed.json()["name"] == "仙城物业" and renamed.json()["active"] is False
    assert send(town_a, "delete", f"units/{unit['id']}/members/{user_id}").status_code == 204
    assert_problem(send(town_a, "delete", f"units/{unit['id']}/members/{user_id}"), 404)


# --- templates, policy, defaults, Open311 -------------------------------------------------------


def test_templates_and_policy(api, catalogue):
    county = api("county")
    created = send(
        county,
        "post",
        "templates",
        {"county": COUNTY, "step": "accept", "title": "马上处理", "text": "我们今天处理。"},
    )
    assert created.status_code == 201
    template = created.json()
    assert template["category_id"] is None and template["county"] == COUNTY
    updated = send(
        county,
        "put",
        f"templates/{template['id']}",
        {"category_id": catalogue["noise"].pk, "active": False},
    )
    assert updated.json()["category_id"] == catalogue["noise"].pk
    assert updated.json()["title"] == "马上处理"
    listed = get(county, "templates", {"county": COUNTY}).json()
    assert template["id"] in [t["id"] for t in listed["items"]]
    assert_problem(
        send(
            county, "post", "templates", {"county": COUNTY, "step": "x", "title": "", "text": "y"}
        ),
        400,
        "step",
        "title",
    )
    assert_problem(send(api("town_a"), "delete", f"templates/{template['id']}"), 404)
    assert send(county, "delete", f"templates/{template['id']}").status_code == 204

    policy = get(county, "policy", {"county": "220403"}).json()
    assert policy["auto_confirm_days"] == 7
    changed = send(county, "put", "policy?county=220403", {"rating_days": 20})
    assert changed.status_code == 200
    assert changed.json()["rating_days"] == 20 and changed.json()["auto_confirm_days"] == 7
    assert_problem(
        send(county, "put", "policy?county=220403", {"satisfied_from": 9}), 400, "satisfied_from"
    )
    assert_problem(send(api("town_a"), "put", "policy?county=220403", {"rating_days": 3}), 403)
    assert_problem(get(api("town_a"), "policy", {"county": "220403"}), 404)
    assert Policy.objects.get(area_code=COUNTY).rating_days == 20


def test_defaults_load_is_idempotent(api, tree):
    county = api("county")
    first = send(county, "post", "defaults", {"county": "220403"})
    assert first.status_code == 200 and first.json()["categories"] == 22
    again = send(county, "post", "defaults", {"county": "220403"})
    assert again.json() == {"categories": 0, "templates": 0}
    assert_problem(send(api("town_a"), "post", "defaults", {"county": "220403"}), 403)


def test_open311_clients(api, tree):
    secadmin = api("secadmin")
    created = send(
        secadmin, "post", "open311-clients", {"name": "城市服务App", "area_code": "220403"}
    )
    assert created.status_code == 201
    assert "no-store" in created["Cache-Control"]
    body = created.json()
    key = body["key"]
    assert key.startswith("o311_") and body["prefix"] == key[:8]
    stored = Open311Client.objects.get(pk=body["id"])
    assert stored.digest == Open311Client.digest_of(key)
    listed = get(secadmin, "open311-clients").json()
    assert listed["count"] == 1 and "key" not in listed["items"][0]
    assert key not in json.dumps(listed)
    assert_problem(
        send(api("sysadmin"), "post", "open311-clients", {"name": "x", "area_code": COUNTY}), 403
    )
    assert_problem(
        send(api("secadmin_a"), "post", "open311-clients", {"name": "x", "area_code": COUNTY}), 403
    )
    assert_problem(
        send(secadmin, "post", "open311-clients", {"name": "x", "area_code": TOWN_A}),
        400,
        "area_code",
    )
    assert_problem(send(api("secadmin_a"), "post", f"open311-clients/{body['id']}/revoke"), 404)
    revoked = send(secadmin, "post", f"open311-clients/{body['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert Open311Client.objects.count() == 1


def test_settings_operations_are_described(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    paths = [p for p in spec["paths"] if p.startswith(BASE)]
    assert f"{BASE}/categories" in paths and f"{BASE}/routing-preview" in paths
    for path in paths:
        for operation in spec["paths"][path].values():
            assert operation.get("summary") and operation.get("tags"), path
