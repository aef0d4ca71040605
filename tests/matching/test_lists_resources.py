"""The service resources list: providers, units' resources and donations entered by workers,
teams and venues brought in from their records, their category rows kept in step, and who
sees which resources."""

from __future__ import annotations

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.pii import mask_phone
from linli.core.scoping import SYSTEM
from linli.matching.actions import lists as actions
from linli.matching.models import Resource, ResourceCategory
from linli.matching.queries import lists as queries
from linli.volunteers.models import Membership, Volunteer
from tests.matching.fixtures_lists import (  # noqa: F401 (fixtures)
    counts,
    english_fixture,
    hall_a1_fixture,
    provider,
    team_a1_fixture,
    team_b1_fixture,
)


def _rows(resource) -> set[tuple]:
    return set(
        ResourceCategory.objects.filter(resource=resource).values_list(
            "category", "area_code", "active"
        )
    )


# --- entered -----------------------------------------------------------------------------------


def test_a_provider_is_listed_with_its_category_rows(users, tree):
    found = provider(users["worker_a1"], tree["a1"], serves=[tree["town_a"].code])
    assert found.kind == "provider" and found.area_code == tree["a1"].code
    assert found.serves == [tree["a1"].code, tree["town_a"].code]  # its own area first
    assert found.categories == ["elderly_care", "meals"] and found.capacity == 5
    assert _rows(found) == {
        ("elderly_care", tree["a1"].code, True),
        ("meals", tree["a1"].code, True),
    }
    stored = Resource.objects.values_list("contact_phone", flat=True).get(pk=found.pk)
    assert stored == "13812345678"  # decrypted on reading; encrypted at rest
    event = AuditEvent.objects.get(action="resource.create")
    assert "13812345678" not in str(event.extra) and "李经理" not in str(event.extra)


@pytest.mark.parametrize("who", ["worker_a2", "town_b", "resident_a1", "grid_a1", "dept"])
def test_others_may_not_list_a_resource_in_a1(users, tree, who):
    before = counts()
    with pytest.raises(Forbidden):
        provider(users[who], tree["a1"])
    assert counts() == before


def test_bad_input_names_every_field_and_writes_nothing(users, tree):
    before = counts()
    with pytest.raises(ActionError) as caught:
        actions.resource_create(
            actor=users["worker_a1"],
            area_code=tree["a1"].code,
            kind="team",
            name="",
            categories=["magic"],
            serves=[tree["b1"].code],
            times="mon_night",
            capacity=-1,
            available_from="2026-09-01",
            available_until="2026-01-01",
            contact_phone="12345",
        )
    assert {
        "kind",
        "name",
        "categories",
        "serves",
        "times",
        "capacity",
        "available_until",
        "contact_phone",
    } <= set(caught.value.errors)
    assert counts() == before
    with pytest.raises(ActionError) as caught:
        provider(users["worker_a1"], tree["a1"], categories=[])
    assert caught.value.errors["categories"] == ["Choose at least one category."]


def test_change_stop_and_offer_again(users, tree):
    found = provider(users["worker_a1"], tree["a1"])
    changed = actions.resource_update(
        actor=users["head_a1"], resource_id=found.pk, categories=["health"], capacity=9
    )
    assert changed.categories == ["health"] and changed.name == found.name
    assert _rows(changed) == {("health", tree["a1"].code, True)}
    stopped = actions.resource_deactivate(actor=users["worker_a1"], resource_id=found.pk)
    assert not stopped.active and _rows(stopped) == {("health", tree["a1"].code, False)}
    with pytest.raises(Conflict):
        actions.resource_deactivate(actor=users["worker_a1"], resource_id=found.pk)
    again = actions.resource_activate(actor=users["worker_a1"], resource_id=found.pk)
    assert again.active and _rows(again) == {("health", tree["a1"].code, True)}
    with pytest.raises(NotFound):
        actions.resource_update(actor=users["worker_a2"], resource_id=found.pk, capacity=1)
    Resource.objects.filter(pk=found.pk).update(in_use=4)
    with pytest.raises(ActionError) as caught:
        actions.resource_update(actor=users["worker_a1"], resource_id=found.pk, capacity=3)
    assert "capacity" in caught.value.errors


# --- teams and venues --------------------------------------------------------------------------


def test_teams_and_venues_are_brought_in_and_kept_in_step(users, tree, team_a1, team_b1, hall_a1):
    first = actions.resources_sync(actor=users["town_a"], area_code=tree["town_a"].code)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)  # B1's team is not A's
    team = Resource.objects.get(team=team_a1)
    assert team.kind == "team" and team.area_code == tree["a1"].code
    assert team.categories == ["elderly_care", "housing"] and team.serves == [tree["a1"].code]
    assert team.times == [
        "wed_pm",
        "sat_am",
        "sat_pm",
    ]  # the active members' (not the one who left)
    assert team.capacity == 3 and team.contact_name == "王秀兰" and team.contact_phone is None
    hall = Resource.objects.get(venue=hall_a1)
    assert hall.categories == ["space"] and hall.capacity == 80
    assert hall.times == ["mon_am", "mon_pm", "tue_am", "tue_pm", "wed_am", "wed_pm"]
    assert _rows(hall) == {("space", tree["a1"].code, True)}

    again = actions.resources_sync(actor=users["worker_a1"], area_code=tree["a1"].code)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    one = Membership.objects.filter(team=team_a1, role="member", left_on__isnull=True).first()
    Volunteer.objects.filter(pk=one.volunteer_id).update(status=Volunteer.Status.LEFT)
    team_a1.skills = ["medical"]
    team_a1.save()
    hall_a1.active = False
    hall_a1.save()
    third = actions.resources_sync(actor=SYSTEM, area_code=tree["county"].code)
    assert (third.created, third.updated, third.stopped) == (1, 2, 1)  # and B1's team now
    team.refresh_from_db()
    assert team.capacity == 2 and team.categories == ["health"]
    assert _rows(team) == {("health", tree["a1"].code, True)}
    assert _rows(Resource.objects.get(venue=hall_a1)) == {("space", tree["a1"].code, False)}
    assert AuditEvent.objects.filter(action="resource.sync").count() == 3


def test_a_synced_resource_follows_its_record(users, tree, team_a1):
    actions.resources_sync(actor=users["worker_a1"], area_code=tree["a1"].code)
    team = Resource.objects.get(team=team_a1)
    changed = actions.resource_update(
        actor=users["worker_a1"],
        resource_id=team.pk,
        description="周末上门陪伴",
        serves=[tree["town_a"].code],
    )
    assert changed.description == "周末上门陪伴" and tree["town_a"].code in changed.serves
    with pytest.raises(ActionError) as caught:
        actions.resource_update(actor=users["worker_a1"], resource_id=team.pk, capacity=50)
    assert "capacity" in caught.value.errors
    with pytest.raises(Conflict):
        actions.resource_deactivate(actor=users["worker_a1"], resource_id=team.pk)
    Resource.objects.filter(pk=team.pk).update(in_use=3)
    Membership.objects.filter(team=team_a1).exclude(role="leader").update(left_on="2020-01-01")
    actions.resources_sync(actor=users["worker_a1"], area_code=tree["a1"].code)
    team.refresh_from_db()
    assert team.capacity == 3  # never below what matches hold
    assert team.description == "周末上门陪伴" and tree["town_a"].code in team.serves


def test_sync_is_for_managers_of_the_area(users, tree, team_a1):
    before = counts()
    for who in ("worker_a2", "town_b", "dept"):
        with pytest.raises(Forbidden):
            actions.resources_sync(actor=users[who], area_code=tree["a1"].code)
    with pytest.raises(ActionError) as caught:
        actions.resources_sync(actor=users["worker_a1"], area_code="99")
    assert "area_code" in caught.value.errors
    assert counts() == before


# --- reading -----------------------------------------------------------------------------------


def test_who_sees_which_resources(users, tree, django_assert_num_queries):
    provider(users["worker_a1"], tree["a1"], name="仙城助餐点")
    provider(users["town_a"], tree["town_a"], name="街道助老中心", serves=[tree["town_a"].code])
    provider(users["town_b"], tree["b1"], name="东山助餐点", serves=[tree["town_b"].code])
    provider(users["worker_a2"], tree["a2"], name="新兴理发")

    def names(who, **filters):
        return {r.name for r in queries.resource_list(actor=users[who], filters=filters)}

    assert names("worker_a1") == {
        "仙城助餐点",
        "街道助老中心",
    }  # its own, and the town's serving it
    assert names("worker_a2") == {"新兴理发", "街道助老中心"}
    assert names("town_a") == {"仙城助餐点", "街道助老中心", "新兴理发"}
    assert names("town_b") == {"东山助餐点"} and names("resident_a1") == set()
    assert names("town_a", category="meals", area=tree["a1"].code) == {"仙城助餐点"}
    town_centre = Resource.objects.get(name="街道助老中心")
    assert not queries.resource_sees_contact(users["worker_a1"], town_centre)
    assert queries.resource_sees_contact(users["town_a"], town_centre)
    with pytest.raises(NotFound):
        queries.resource_get(
            actor=users["worker_a1"], resource_id=Resource.objects.get(name="新兴理发").pk
        )
    queries.resource_list(actor=users["county"]).count()
    with django_assert_num_queries(1):
        rows = list(queries.resource_list(actor=users["county"]))
        assert len(rows) == 4 and all(r.area_name for r in rows)
    assert queries.resource_area_names(Resource.objects.get(name="东山助餐点")) == [
        "东山社区",
        "东山街道",
    ]
    assert mask_phone(rows[0].contact_phone) == "138****5678"
