"""The registry API under /api/v1/registry/: residents, households, buildings, group tags,
grids and counts — scoped, masked, audited, and refusing bad input with problem+json."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from linli.core import actions as core_actions
from linli.core import scoping
from linli.core.models import AuditEvent
from linli.core.roles import Cap, Role
from linli.registry.models import Building, GridStaff, GroupTag, Household, Resident, ResidentTag
from tests.conftest import make_user
from tests.registry.conftest import make_id

BASE = "/api/v1/registry"
PROBLEM = "application/problem+json"
A1 = "220403001001"
GRID_A1 = "220403001001001"

ZHANG_ID = make_id("19800115", 1)
ZHANG_PHONE = "13712345678"
LI_ID = make_id("19400202", 4)
LI_PHONE = "13698765432"
SECRETS = [ZHANG_ID, ZHANG_PHONE, LI_ID, LI_PHONE, make_id("19900909", 7)]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(users, tree):
    """The users of tests/conftest.py, a community worker of B1 and a building head of A1."""
    return {
        **users,
        "worker_b1": make_user("worker_b1", Role.COMMUNITY_WORKER, tree["b1"]),
        "building_head": make_user("building_head", Role.BUILDING_HEAD, tree["grid_a1"]),
    }


@pytest.fixture
def api(people):
    """``api(name)``: a client acting as that user, by API token when the role may hold one,
    else by the site session."""

    def _client(name: str) -> Client:
        user = people[name]
        if scoping.has_cap(user, Cap.API_TOKEN):
            _token, plain = core_actions.token_create(actor=user, name="test")
            return Client(headers={"Authorization": f"Bearer {plain}"})
        client = Client()
        client.force_login(user, backend="linli.core.auth.PhoneOrUsernameBackend")
        return client

    return _client


def post(client: Client, url: str, data=None, method: str = "post"):
    return getattr(client, method)(
        f"{BASE}/{url}", json.dumps(data if data is not None else {}), "application/json"
    )


def get(client: Client, url: str, params=None):
    return client.get(f"{BASE}/{url}", params or {})


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


def assert_problem(response, status: int, *fields: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    for field in fields:
        assert field in body["errors"], body
    return body


def assert_no_secrets(response) -> None:
    text = response.content.decode()
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"full personal numbers in the answer: {leaked}"


# --- residents: lists ---------------------------------------------------------------------


def test_resident_list_is_masked_with_open_visible_tags(api, homes):
    response = get(api("worker_a1"), "residents")
    assert names(response) == ["刘芳", "张三", "张小明", "李四", "王五"]
    body = response.json()
    assert body["count"] == 5 and body["limit"] == 50 and body["offset"] == 0
    li = next(item for item in body["items"] if item["name"] == "李四")
    assert li["id_number_masked"] == LI_ID[:4] + "*" * 10 + LI_ID[-4:]
    assert li["phone_masked"] == LI_PHONE[:3] + "****" + LI_PHONE[-4:]
    assert li["birth_date"] == "1940-02-02" and li["age"] >= 86 and li["sex"] == "M"
    assert li["household_id"] == homes["households"]["li"].pk
    assert li["address"] == homes["households"]["li"].address
    assert li["area_code"] == GRID_A1 and li["status"] == "active"
    assert [t["tag"] for t in li["tags"]] == ["special_elderly.living_alone"]
    assert li["tags"][0]["name"] == "独居老人"
    wife = next(item for item in body["items"] if item["name"] == "刘芳")
    assert wife["phone_masked"] == "" and wife["tags"] == []
    assert_no_secrets(response)


def test_resident_list_loads_tags_in_one_query_whatever_the_page_size(
    api, homes, django_assert_num_queries
):
    for person in ("zhang", "zhang_wife", "zhang_child"):
        core = homes["people"][person]
        post(api("worker_a1"), f"residents/{core.pk}/tags", {"tag_code": "party_member"})
    client = api("worker_a1")
    get(client, "residents", {"limit": 1})  # the token's first use is recorded once
    # token, grants, count, page, sensitive tag vocabulary, memberships of the page
    with django_assert_num_queries(6):
        one = get(client, "residents", {"limit": 1})
    with django_assert_num_queries(6):
        five = get(client, "residents", {"limit": 200})
    assert len(one.json()["items"]) == 1 and len(five.json()["items"]) == 5
    tagged = {item["name"]: [t["tag"] for t in item["tags"]] for item in five.json()["items"]}
    assert tagged["张三"] == tagged["刘芳"] == tagged["张小明"] == ["party_member"]
    assert tagged["李四"] == ["special_elderly.living_alone"]


def test_resident_list_filters(api, homes):
    client = api("worker_a1")
    assert names(get(client, "residents", {"q": "张"})) == ["张三", "张小明"]
    assert names(get(client, "residents", {"q": "ls"})) == ["李四"]
    assert names(get(client, "residents", {"q": ZHANG_PHONE})) == ["张三"]
    assert names(get(client, "residents", {"q": LI_ID[-4:]})) == ["李四"]
    assert names(get(client, "residents", {"tag": "special_elderly"})) == ["李四"]
    assert names(get(client, "residents", {"tag": "dibao"})) == ["王五"]
    assert names(get(client, "residents", {"age_band": "80+"})) == ["李四"]
    assert names(get(client, "residents", {"age_band": "0-17"})) == ["张小明"]
    assert names(get(client, "residents", {"area": GRID_A1})) == ["刘芳", "张三", "张小明", "李四"]
    assert names(get(client, "residents", {"status": "deceased"})) == []
    assert len(names(get(client, "residents", {"status": "all"}))) == 5


def test_resident_list_refuses_bad_filters_with_field_errors(api, homes):
    client = api("worker_a1")
    assert_problem(get(client, "residents", {"age_band": "old"}), 400, "age_band")
    assert_problem(get(client, "residents", {"status": "gone"}), 400, "status")
    assert_problem(get(client, "residents", {"area": "A1"}), 400, "area")
    assert_problem(get(client, "residents", {"q": "a\x00b"}), 422, "q")
    assert_problem(get(client, "residents", {"limit": 0}), 422, "limit")


# --- residents: one -----------------------------------------------------------------------


def test_resident_detail_masks_and_shows_history_tags_and_flags(api, homes):
    li = homes["people"]["li"]
    response = get(api("worker_a1"), f"residents/{li.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "李四" and body["id_number_masked"].endswith(LI_ID[-4:])
    assert body["relationship"] == "head" and body["moved_in_on"] == "1995-01-01"
    assert body["deceased_on"] is None
    assert [(t["tag"], t["started_on"], t["ended_on"]) for t in body["tags"]] == [
        ("special_elderly.living_alone", "2024-01-01", None)
    ]
    assert body["history"] == [
        {
            "household_id": homes["households"]["li"].pk,
            "address": homes["households"]["li"].address,
            "area_code": GRID_A1,
            "relationship": "head",
            "started_on": "1995-01-01",
            "start_reason": "",
            "ended_on": None,
            "end_reason": "",
        }
    ]
    assert body["can_edit"] is True and body["can_reveal"] is True
    assert_no_secrets(response)
    town = get(api("town_a"), f"residents/{li.pk}").json()
    assert town["can_edit"] is False and town["can_reveal"] is False
    head = get(api("building_head"), f"residents/{li.pk}").json()
    assert head["can_edit"] is False and head["can_reveal"] is False


def test_zhang_ethnicity_is_named(api, homes):
    body = get(api("worker_a1"), f"residents/{homes['people']['zhang'].pk}").json()
    assert (body["ethnicity"], body["ethnicity_name"]) == ("01", "汉族")


def test_unknown_or_malformed_ids_are_problems(api, homes):
    client = api("worker_a1")
    assert_problem(get(client, "residents/999999"), 404)
    assert_problem(get(client, "residents/abc"), 422, "resident_id")
    assert_problem(get(client, "residents/0"), 422, "resident_id")
    assert_problem(get(client, f"residents/{2**64}"), 422, "resident_id")
    assert_problem(get(client, "households/999999"), 404)


# --- access -------------------------------------------------------------------------------


def test_neighbouring_community_sees_nothing_of_a1(api, homes, people):
    client = api("worker_a2")
    zhang = homes["people"]["zhang"]
    household = homes["households"]["zhang"]
    assert names(get(client, "residents", {"status": "all"})) == ["赵六"]
    assert names(get(client, "residents", {"q": "张"})) == []
    assert [h["address"] for h in get(client, "households").json()["items"]] == ["新兴街8号"]
    assert get(client, "buildings").json()["count"] == 0
    assert get(client, "grids").json()["count"] == 0
    assert_problem(get(client, f"residents/{zhang.pk}"), 404)
    assert_problem(get(client, f"households/{household.pk}"), 404)
    assert_problem(get(client, f"grids/{GRID_A1}"), 404)
    assert_problem(get(client, f"communities/{A1}/coverage"), 404)
    assert_problem(get(client, f"counts/{A1}"), 404)
    # writes about a1's rows are refused the same way, and nothing is written
    assert_problem(post(client, f"residents/{zhang.pk}", {"name": "改名"}, "put"), 404)
    assert_problem(post(client, f"residents/{zhang.pk}/reveal", {"field": "id_number"}), 404)
    assert_problem(post(client, f"residents/{zhang.pk}/tags", {"tag_code": "veteran"}), 404)
    assert_problem(post(client, f"residents/{zhang.pk}/move-out", {}), 404)
    assert_problem(post(client, "residents", {"household_id": household.pk, "name": "冒名"}), 404)
    assert_problem(post(client, f"households/{household.pk}/head", {"resident_id": zhang.pk}), 404)
    membership = homes["tags"]["li_alone"]
    assert_problem(post(client, f"tag-memberships/{membership.pk}/end", {}), 404)
    zhang.refresh_from_db()
    assert zhang.name == "张三" and zhang.status == "active"
    assert not ResidentTag.objects.filter(resident=zhang).exists()
    written = AuditEvent.objects.filter(actor=people["worker_a2"]).exclude(action="token.create")
    assert not written.exists()
    assert_no_secrets(get(client, "residents", {"q": ZHANG_PHONE}))


@pytest.mark.parametrize("name", ["resident_a1", "dept"])
def test_residents_and_department_officers_see_no_registry(api, homes, name):
    client = api(name)
    zhang = homes["people"]["zhang"]
    for url in ("residents", "households", "buildings", "grids", "group-tags"):
        response = get(client, url)
        assert response.status_code == 200 and response.json()["count"] == 0, url
    assert_problem(get(client, f"residents/{zhang.pk}"), 404)
    assert_problem(get(client, f"counts/{A1}"), 404)
    refused = post(client, "residents", {"household_id": zhang.household_id, "name": "某人"})
    assert refused.status_code in (403, 404)
    assert refused["Content-Type"] == PROBLEM
    assert_problem(post(client, f"residents/{zhang.pk}/reveal", {"field": "phone"}), 404)
    assert Resident.objects.count() == 7


def test_town_officer_reads_but_does_not_write(api, homes):
    client = api("town_a")
    assert len(names(get(client, "residents"))) == 6  # a1's five and a2's 赵六
    response = post(
        client, "residents", {"household_id": homes["households"]["zhang"].pk, "name": "某人"}
    )
    assert_problem(response, 403)
    assert Resident.objects.count() == 7


# --- residents: writes --------------------------------------------------------------------


def test_register_a_resident(api, homes):
    number = make_id("19550505", 20, female=True)
    response = post(
        api("worker_a1"),
        "residents",
        {
            "household_id": homes["households"]["li"].pk,
            "name": "李母",
            "id_number": number,
            "phone": "139 1234 5670",
            "relationship": "parent",
            "ethnicity": "满族",
            "moved_in_on": "2026-01-05",
            "reason": "投亲",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "李母" and body["sex"] == "F" and body["birth_date"] == "1955-05-05"
    assert body["ethnicity"] == "11" and body["relationship"] == "parent"
    assert body["id_number_masked"] == number[:4] + "*" * 10 + number[-4:]
    assert body["phone_masked"] == "139****5670"
    assert body["history"][0]["start_reason"] == "投亲"
    assert number not in response.content.decode()
    assert "13912345670" not in response.content.decode()
    resident = Resident.objects.get(pk=body["id"])
    assert resident.id_number == number and resident.area_code == GRID_A1
    assert AuditEvent.objects.filter(action="resident.add", target_id=str(resident.pk)).exists()


def test_register_a_newborn_without_id_number(api, homes):
    response = post(
        api("worker_a1"),
        "residents",
        {
            "household_id": homes["households"]["zhang"].pk,
            "name": "张小花",
            "sex": "F",
            "birth_date": "2026-01-02",
            "relationship": "child",
            "moved_in_on": "2026-01-02",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number_masked"] == "" and body["birth_date"] == "2026-01-02"


def test_bad_resident_is_refused_field_by_field_and_nothing_is_written(api, homes):
    client = api("worker_a1")
    household = homes["households"]["zhang"].pk
    before = (Resident.objects.count(), AuditEvent.objects.count())
    body = assert_problem(
        post(
            client,
            "residents",
            {
                "household_id": household,
                "name": "",
                "id_number": ZHANG_ID[:-1] + ("0" if ZHANG_ID[-1] != "0" else "1"),
                "phone": "12345",
                "ethnicity": "火星族",
                "relationship": "boss",
            },
        ),
        400,
        "name",
        "id_number",
        "phone",
        "ethnicity",
        "relationship",
    )
    assert body["type"].endswith("/invalid")
    # the schema: wrong types, unknown members, NUL characters, not JSON at all
    assert_problem(
        post(client, "residents", {"household_id": "one", "name": "某人"}), 422, "household_id"
    )
    assert_problem(
        post(client, "residents", {"household_id": household, "name": "某人", "nick": "x"}),
        422,
        "nick",
    )
    assert_problem(
        post(client, "residents", {"household_id": household, "name": "某\x00人"}), 422, "name"
    )
    assert_problem(
        post(client, "residents", {"household_id": household, "name": "某人", "moved_in_on": "x"}),
        422,
        "moved_in_on",
    )
    assert_problem(post(client, "residents", {"name": "某人"}), 422, "household_id")
    not_json = client.post(f"{BASE}/residents", "{oops", "application/json")
    assert_problem(not_json, 400)
    # the same person twice: a conflict that names the field
    twice = post(
        client, "residents", {"household_id": household, "name": "张三", "id_number": ZHANG_ID}
    )
    assert_problem(twice, 409, "id_number")
    assert (Resident.objects.count(), AuditEvent.objects.count()) == before


def test_update_keeps_omitted_numbers_and_clears_empty_ones(api, homes):
    client = api("worker_a1")
    zhang = homes["people"]["zhang"]
    response = post(client, f"residents/{zhang.pk}", {"name": "张叁", "language": "dialect"}, "put")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "张叁" and body["language"] == "dialect"
    assert body["phone_masked"].endswith("5678") and body["id_number_masked"].endswith(
        ZHANG_ID[-4:]
    )
    assert body["ethnicity"] == "01"
    zhang.refresh_from_db()
    assert (zhang.id_number, zhang.phone) == (ZHANG_ID, ZHANG_PHONE)
    event = AuditEvent.objects.filter(action="resident.update").latest("id")
    assert event.extra == {"fields": ["language", "name"]}
    cleared = post(client, f"residents/{zhang.pk}", {"name": "张叁", "phone": ""}, "put")
    assert cleared.json()["phone_masked"] == ""
    zhang.refresh_from_db()
    assert zhang.phone is None and zhang.id_number == ZHANG_ID


def test_update_with_bad_input_changes_nothing(api, homes):
    client = api("worker_a1")
    zhang = homes["people"]["zhang"]
    assert_problem(
        post(client, f"residents/{zhang.pk}", {"name": "张三", "phone": "abc"}, "put"), 400, "phone"
    )
    assert_problem(
        post(client, f"residents/{zhang.pk}", {"phone": ZHANG_PHONE}, "put"), 422, "name"
    )
    other = post(client, f"residents/{zhang.pk}", {"name": "张三", "id_number": LI_ID}, "put")
    assert_problem(other, 409, "id_number")
    zhang.refresh_from_db()
    assert (zhang.name, zhang.phone, zhang.id_number) == ("张三", ZHANG_PHONE, ZHANG_ID)


def test_move_move_out_and_death(api, homes):
    client = api("worker_a1")
    wife, li, wang = (homes["people"][n] for n in ("zhang_wife", "li", "wang"))
    target = homes["households"]["wang"]
    moved = post(
        client,
        f"residents/{wife.pk}/move",
        {"household_id": target.pk, "relationship": "spouse", "on": "2025-06-01"},
    )
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["household_id"] == target.pk and body["area_code"] == A1
    assert [(h["household_id"], h["ended_on"], h["end_reason"]) for h in body["history"]] == [
        (target.pk, None, ""),
        (homes["households"]["zhang"].pk, "2025-06-01", "moved_within"),
    ]
    assert_problem(
        post(client, f"residents/{wife.pk}/move", {"household_id": target.pk}), 400, "household_id"
    )
    away = post(client, f"residents/{li.pk}/move-out", {"on": "2025-07-01", "reason": "随子女"})
    assert away.status_code == 200, away.content
    assert away.json()["status"] == "moved_out" and away.json()["household_id"] is None
    assert away.json()["moved_out_on"] == "2025-07-01"
    assert "李四" not in names(get(client, "residents"))
    assert names(get(client, "residents", {"status": "moved_out"})) == ["李四"]
    assert_problem(post(client, f"residents/{li.pk}/move-out", {}), 400, "resident_id")
    died = post(client, f"residents/{wang.pk}/death", {"on": "2025-08-01"})
    assert died.status_code == 200, died.content
    body = died.json()
    assert body["status"] == "deceased" and body["deceased_on"] == "2025-08-01"
    assert [(t["tag"], t["ended_on"]) for t in body["tags"]] == [("dibao", "2025-08-01")]
    assert_problem(post(client, f"residents/{wang.pk}/death", {"on": "2999-01-01"}), 400, "on")
    assert_problem(post(client, f"residents/{wang.pk}/death", {"on": "1.1.2025"}), 422, "on")


# --- revealing ----------------------------------------------------------------------------


def test_reveal_is_audited_and_uncached(api, homes, people):
    zhang = homes["people"]["zhang"]
    response = post(api("worker_a1"), f"residents/{zhang.pk}/reveal", {"field": "id_number"})
    assert response.status_code == 200, response.content
    assert response.json() == {"field": "id_number", "value": ZHANG_ID}
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.actor == people["worker_a1"]
    assert (event.target_type, event.target_id) == ("registry.resident", str(zhang.pk))
    assert event.extra == {"field": "id_number"} and event.area_code == GRID_A1
    assert ZHANG_ID not in json.dumps(event.extra)
    phone = post(api("county"), f"residents/{zhang.pk}/reveal", {"field": "phone"})
    assert phone.json()["value"] == ZHANG_PHONE
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 2


def test_reveal_is_refused_to_building_heads_and_bad_fields(api, homes):
    zhang, wife = homes["people"]["zhang"], homes["people"]["zhang_wife"]
    head = api("building_head")
    assert get(head, f"residents/{zhang.pk}").status_code == 200  # may read, masked
    assert_problem(post(head, f"residents/{zhang.pk}/reveal", {"field": "id_number"}), 403)
    assert_problem(post(api("town_a"), f"residents/{zhang.pk}/reveal", {"field": "phone"}), 403)
    client = api("worker_a1")
    assert_problem(post(client, f"residents/{zhang.pk}/reveal", {}), 422, "field")
    assert_problem(post(client, f"residents/{zhang.pk}/reveal", {"field": "name"}), 422, "field")
    assert_problem(post(client, f"residents/{wife.pk}/reveal", {"field": "phone"}), 404)
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()


# --- group memberships and sensitive tags -------------------------------------------------


def test_tag_a_resident_and_end_the_membership(api, homes):
    client = api("worker_a1")
    zhang = homes["people"]["zhang"]
    added = post(
        client, f"residents/{zhang.pk}/tags", {"tag_code": "veteran", "started_on": "2020-01-01"}
    )
    assert added.status_code == 201, added.content
    membership = added.json()
    assert membership["tag"] == "veteran" and membership["resident_id"] == zhang.pk
    assert membership["started_on"] == "2020-01-01" and membership["ended_on"] is None
    assert names(get(client, "residents", {"tag": "veteran"})) == ["张三"]
    assert_problem(post(client, f"residents/{zhang.pk}/tags", {"tag_code": "veteran"}), 409)
    assert_problem(
        post(client, f"residents/{zhang.pk}/tags", {"tag_code": "disability"}), 400, "grade"
    )
    assert_problem(
        post(client, f"residents/{zhang.pk}/tags", {"tag_code": "nope"}), 400, "tag_code"
    )
    ended = post(client, f"tag-memberships/{membership['id']}/end", {"ended_on": "2025-01-01"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2025-01-01"
    assert names(get(client, "residents", {"tag": "veteran"})) == []
    assert_problem(post(client, f"tag-memberships/{membership['id']}/end", {}), 400)
    detail = get(client, f"residents/{zhang.pk}").json()
    assert [(t["tag"], t["ended_on"]) for t in detail["tags"]] == [("veteran", "2025-01-01")]


def test_sensitive_tag_is_hidden_from_roles_not_listed(api, homes):
    sun = homes["people"]["sun"]
    membership = homes["tags"]["sun_correction"]
    worker = api("worker_b1")  # a community worker: not among the roles of 社区矫正对象
    listed = get(worker, "residents").json()["items"]
    assert [(r["name"], r["tags"]) for r in listed] == [("孙七", [])]
    assert get(worker, "residents", {"tag": "community_correction"}).json()["count"] == 0
    assert get(worker, f"residents/{sun.pk}").json()["tags"] == []
    assert "community_correction" not in {
        t["code"] for t in get(worker, "group-tags", {"limit": 200}).json()["items"]
    }
    assert_problem(post(worker, f"tag-memberships/{membership.pk}/end", {}), 404)
    assert "community_correction" not in get(worker, f"grids/{GRID_A1}").content.decode()
    town = api("town_b")  # town officers are listed
    listed = get(town, "residents").json()["items"]
    assert [[t["tag"] for t in r["tags"]] for r in listed] == [["community_correction"]]
    assert names(get(town, "residents", {"tag": "community_correction"})) == ["孙七"]
    detail = get(town, f"residents/{sun.pk}").json()
    assert [(t["tag"], t["sensitive"]) for t in detail["tags"]] == [("community_correction", True)]
    assert "community_correction" in {
        t["code"] for t in get(town, "group-tags", {"limit": 200}).json()["items"]
    }
    membership.refresh_from_db()
    assert membership.ended_on is None


def test_group_tags_are_configured_by_system_admins_only(api, homes):
    created = post(
        api("sysadmin"),
        "group-tags",
        {
            "code": "special_elderly.hearing",
            "name": "听障老人",
            "parent_code": "special_elderly",
            "has_grade": True,
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["parent_code"] == "special_elderly"
    assert created.json()["sensitive"] is False and created.json()["builtin"] is False
    assert GroupTag.objects.filter(code="special_elderly.hearing").exists()
    assert_problem(post(api("worker_a1"), "group-tags", {"code": "x", "name": "X"}), 403)
    sysadmin = api("sysadmin")
    assert_problem(post(sysadmin, "group-tags", {"code": "a b", "name": "X"}), 400, "code")
    assert_problem(
        post(sysadmin, "group-tags", {"code": "secret", "name": "X", "sensitive": True}),
        400,
        "visible_roles",
    )
    assert_problem(
        post(sysadmin, "group-tags", {"code": "x", "name": "X", "visible_roles": "grid_worker"}),
        422,
        "visible_roles",
    )
    listed = get(api("worker_a1"), "group-tags", {"limit": 200}).json()
    codes = [t["code"] for t in listed["items"]]
    assert "special_elderly.hearing" in codes and "community_correction" not in codes


# --- households and buildings -------------------------------------------------------------


def test_households_list_and_detail(api, homes):
    client = api("worker_a1")
    listed = get(client, "households").json()
    assert listed["count"] == 3
    zhang_home = homes["households"]["zhang"]
    row = next(h for h in listed["items"] if h["id"] == zhang_home.pk)
    assert row["member_count"] == 3 and row["head"]["name"] == "张三"
    assert row["building_name"] == "1号楼" and row["grid_code"] == GRID_A1
    assert row["community_code"] == A1 and (row["unit"], row["room"]) == ("1", "101")
    assert get(client, "households", {"unassigned": True}).json()["count"] == 1
    building = homes["buildings"]["b1"].pk
    assert get(client, "households", {"building": building}).json()["count"] == 2
    assert_problem(get(client, "households", {"area": "x"}), 400, "area")
    assert_problem(get(client, "households", {"building": "x"}), 422, "building")
    detail = get(client, f"households/{zhang_home.pk}")
    body = detail.json()
    members = {m["name"]: m for m in body["members"]}
    assert sorted(members) == ["刘芳", "张三", "张小明"]
    assert members["张三"]["relationship"] == "head"
    assert members["张三"]["phone_masked"] == "137****5678"
    assert body["can_edit"] is True
    assert_no_secrets(detail)


def test_open_a_household_and_set_its_head(api, homes):
    client = api("worker_a1")
    b2 = homes["buildings"]["b2"]
    created = post(
        client,
        "households",
        {
            "community_code": A1,
            "residence_type": "floating",
            "building_id": b2.pk,
            "unit": "2",
            "room": "402",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["address"] == "仙城路2号 2单元 402室" and body["members"] == []
    assert body["member_count"] == 0 and body["area_code"] == A1
    same_room = {
        "community_code": A1,
        "residence_type": "floating",
        "building_id": b2.pk,
        "unit": "2",
        "room": "402",
    }
    assert_problem(post(client, "households", same_room), 409, "room")
    assert_problem(
        post(client, "households", {"community_code": A1, "residence_type": "owner"}),
        400,
        "residence_type",
    )
    assert_problem(
        post(client, "households", {"community_code": "仙城", "residence_type": "floating"}),
        422,
        "community_code",
    )
    assert_problem(
        post(
            client,
            "households",
            {"community_code": GRID_A1, "residence_type": "floating", "address": "x"},
        ),
        400,
        "community_code",
    )
    home = homes["households"]["zhang"]
    wife = homes["people"]["zhang_wife"]
    headed = post(client, f"households/{home.pk}/head", {"resident_id": wife.pk})
    assert headed.status_code == 200, headed.content
    assert headed.json()["head"] == {"id": wife.pk, "name": "刘芳"}
    li = homes["people"]["li"]
    assert_problem(
        post(client, f"households/{home.pk}/head", {"resident_id": li.pk}), 400, "resident_id"
    )
    assert Household.objects.count() == 6


def test_buildings(api, homes):
    client = api("worker_a1")
    listed = get(client, "buildings", {"community": A1}).json()
    assert [(b["name"], b["household_count"], b["grid_code"]) for b in listed["items"]] == [
        ("1号楼", 2, GRID_A1),
        ("2号楼", 1, None),
    ]
    assert get(client, "buildings", {"community": "220403001002"}).json()["count"] == 0
    assert_problem(get(client, "buildings", {"community": "abc"}), 422, "community")
    created = post(
        client,
        "buildings",
        {
            "community_code": A1,
            "name": "3号楼",
            "units": 4,
            "floors": 18,
            "lat": 42.9,
            "lng": 125.1,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["units"], body["floors"], body["lat"], body["lng"]) == (4, 18, 42.9, 125.1)
    assert body["community_code"] == A1 and body["grid_code"] is None
    assert_problem(post(client, "buildings", {"community_code": A1, "name": "3号楼"}), 409, "name")
    assert_problem(
        post(client, "buildings", {"community_code": A1, "name": "4号楼", "units": 0}), 400, "units"
    )
    assert_problem(
        post(client, "buildings", {"community_code": A1, "name": "4号楼", "lat": 90}), 400, "lat"
    )
    assert_problem(
        post(api("worker_a2"), "buildings", {"community_code": A1, "name": "4号楼"}),
        404,
        "community_code",
    )
    assert Building.objects.count() == 3


# --- grids --------------------------------------------------------------------------------


def test_grid_view_coverage_and_drawing(api, homes):
    client = api("head_a1")
    assert [g["code"] for g in get(client, "grids").json()["items"]] == [GRID_A1]
    view = get(client, f"grids/{GRID_A1}")
    assert view.status_code == 200, view.content
    body = view.json()
    assert body["grid"] == {"code": GRID_A1, "name": "仙城社区第1网格", "community_code": A1}
    assert [(b["name"], b["household_count"]) for b in body["buildings"]] == [("1号楼", 2)]
    assert (body["households"], body["residents"], body["tagged"]) == (2, 4, 1)
    assert body["staff"] == [] and body["loose_households"] == []
    coverage = get(client, f"communities/{A1}/coverage").json()
    assert coverage == {"community_code": A1, "total": 3, "in_grid": 2, "share": 0.6667}
    # a 9-digit town code is read as its 12-digit form; a grid is not a community
    assert_problem(get(client, "communities/220403001/coverage"), 404)
    assert_problem(get(client, "grids/nonsense"), 404)

    b2 = homes["buildings"]["b2"]
    drawn = post(client, f"grids/{GRID_A1}/assign", {"building_ids": [b2.pk]})
    assert drawn.status_code == 200, drawn.content
    assert drawn.json() == {"buildings": 1, "households": 1, "moved": 0}
    assert get(client, f"communities/{A1}/coverage").json()["share"] == 1.0
    assert get(client, f"residents/{homes['people']['wang'].pk}").json()["area_code"] == GRID_A1
    assert_problem(post(client, f"grids/{GRID_A1}/assign", {}), 400, "building_ids")
    assert_problem(post(client, f"grids/{GRID_A1}/assign", {"building_ids": ["x"]}), 422)

    released = post(client, "grids/release", {"building_ids": [b2.pk]})
    assert released.status_code == 200 and released.json() == {"households": 1}
    assert get(client, f"residents/{homes['people']['wang'].pk}").json()["area_code"] == A1


def test_grid_drawing_needs_grid_manage(api, homes):
    b2 = homes["buildings"]["b2"]
    assert_problem(
        post(api("worker_a1"), f"grids/{GRID_A1}/assign", {"building_ids": [b2.pk]}), 403
    )
    assert_problem(
        post(api("worker_a2"), f"grids/{GRID_A1}/assign", {"building_ids": [b2.pk]}), 404
    )
    # no grid.manage anywhere: refused before looking anything up
    assert_problem(post(api("worker_a2"), "grids/release", {"building_ids": [b2.pk]}), 403)
    assert Building.objects.get(pk=b2.pk).grid_id is None


def test_grid_staff_assign_and_end(api, homes, people):
    client = api("head_a1")
    b1 = homes["buildings"]["b1"]
    li = homes["people"]["li"]
    head = post(
        client,
        f"grids/{GRID_A1}/staff",
        {
            "duty": "building_head",
            "resident_id": li.pk,
            "building_id": b1.pk,
            "started_on": "2025-01-01",
        },
    )
    assert head.status_code == 201, head.content
    staff = head.json()
    assert staff["resident_name"] == "李四" and staff["building_name"] == "1号楼"
    assert staff["grid_code"] == GRID_A1 and staff["user_id"] is None and staff["ended_on"] is None
    # an account without the grid-worker role cannot take the duty (roles are the security
    # administrator's to give); the grid worker of A1 can
    assert_problem(
        post(
            client,
            f"grids/{GRID_A1}/staff",
            {"duty": "grid_worker", "user_id": people["worker_a1"].pk},
        ),
        400,
        "user_id",
    )
    worker = post(
        client, f"grids/{GRID_A1}/staff", {"duty": "grid_worker", "user_id": people["grid_a1"].pk}
    )
    assert worker.status_code == 201, worker.content
    assert worker.json()["user_name"] == "grid_a1"
    assert_problem(
        post(client, f"grids/{GRID_A1}/staff", {"duty": "grid_worker", "resident_id": li.pk}),
        400,
        "user_id",
    )
    assert_problem(
        post(client, f"grids/{GRID_A1}/staff", {"duty": "boss", "user_id": 1}), 400, "duty"
    )
    view = get(client, f"grids/{GRID_A1}").json()
    assert [s["duty"] for s in view["staff"]] == ["building_head", "grid_worker"]
    ended = post(client, f"grid-staff/{staff['id']}/end", {"ended_on": "2025-06-30"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2025-06-30"
    assert_problem(post(client, f"grid-staff/{staff['id']}/end", {}), 400, "staff_id")
    assert_problem(post(api("worker_a2"), f"grid-staff/{worker.json()['id']}/end", {}), 404)
    assert GridStaff.objects.filter(ended_on__isnull=True).count() == 1


# --- counts -------------------------------------------------------------------------------


def test_counts_under_an_area(api, homes):
    body = get(api("county"), "counts/220403").json()
    assert body["area_code"] == "220403000000"
    assert (body["households"], body["occupied_households"], body["residents"]) == (5, 5, 7)
    assert body["urban_residents"] == 7
    assert body["age"] == {
        "band_0_17": 1,
        "band_18_59": 4,
        "band_60_69": 1,
        "band_70_79": 0,
        "band_80plus": 1,
        "unknown": 0,
    }
    a1 = get(api("worker_a1"), f"counts/{A1}").json()
    assert a1["residents"] == 5
    assert_problem(get(api("worker_a1"), "counts/220403002001"), 404)
    assert_problem(get(api("worker_a1"), "counts/abc"), 404)


def test_every_registry_operation_is_tagged_and_summarised():
    from linli.api import api
    from linli.registry.api import people as people_api

    ours = {f"/api/v1/registry/{path}" for path in people_api.router.path_operations}
    spec = api.get_openapi_schema()
    operations = [
        (method, path, op)
        for path, ops in spec["paths"].items()
        if path in ours
        for method, op in ops.items()
    ]
    assert len(operations) == 28  # 26 + the group vocabulary list and switch
    for method, path, op in operations:
        assert op["tags"] == ["registry"] and op["summary"], f"{method} {path}"
