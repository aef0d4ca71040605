"""Organisations, teams and memberships: who may record them, the rules they keep (one station a
community, associations at a town or county, valid credit codes, a party member leading a
party-led team, the leader kept in step), joining and leaving oneself."""

from __future__ import annotations

import pytest

from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import AuditEvent
from linli.volunteers.actions import people as actions
from linli.volunteers.models import Membership, Organisation, Team

from .fixtures_people import *  # noqa: F403 (the fixtures)
from .fixtures_people import make_volunteer

pytestmark = pytest.mark.django_db


def _live(team) -> dict[int, str]:
    return dict(
        Membership.objects.filter(team=team, left_on__isnull=True).values_list(
            "volunteer_id", "role"
        )
    )


@pytest.fixture
def party_member(tree):
    return make_volunteer(tree["a1"], name="党员甲", party_member=True)


@pytest.fixture
def plain(tree):
    return make_volunteer(tree["a1"], name="群众乙")


# --- organisations -------------------------------------------------------------------------------


def test_a_community_records_its_station_and_only_one(users, tree):
    station = actions.organisation_create(
        actor=users["worker_a1"],
        area_code=tree["a1"].code,
        name="仙城社区志愿服务站",
        kind="station",
        contact_name="张站长",
        contact_phone="138 0000 1111",
    )
    assert station.area_code == tree["a1"].code and station.contact_phone == "13800001111"
    assert AuditEvent.objects.get(action="organisation.create").extra == {"kind": "station"}
    with pytest.raises(Conflict) as second:
        actions.organisation_create(
            actor=users["head_a1"], area_code=tree["a1"].code, name="第二站", kind="station"
        )
    assert "already the active volunteer station" in second.value.message
    deactivated = actions.organisation_update(
        actor=users["worker_a1"], organisation_id=station.pk, active=False
    )
    assert deactivated.active is False
    assert AuditEvent.objects.filter(action="organisation.deactivate").count() == 1
    other = actions.organisation_create(
        actor=users["head_a1"], area_code=tree["a1"].code, name="第二站", kind="station"
    )
    with pytest.raises(Conflict):  # two active stations again
        actions.organisation_update(
            actor=users["worker_a1"], organisation_id=station.pk, active=True
        )
    assert other.active and not Organisation.objects.get(pk=station.pk).active


def test_associations_belong_to_towns_and_counties(users, tree):
    association = actions.organisation_create(
        actor=users["town_a"],
        area_code=tree["town_a"].code,
        name="仙城街道志愿者协会",
        kind="association",
        credit_code="5122 0403 MJ00 0000 0X"[:0] + "91110000600037341L",
    )
    assert association.credit_code == "91110000600037341L"
    with pytest.raises(ActionError) as wrong_level:
        actions.organisation_create(
            actor=users["worker_a1"], area_code=tree["a1"].code, name="协会", kind="association"
        )
    assert "area_code" in wrong_level.value.errors
    with pytest.raises(NotFound):  # a community worker does not work over the whole town
        actions.organisation_create(
            actor=users["worker_a1"], area_code=tree["town_a"].code, name="x", kind="social"
        )


def test_organisation_bad_input_writes_nothing(users, tree):
    with pytest.raises(ActionError) as caught:
        actions.organisation_create(
            actor=users["worker_a1"],
            area_code=tree["a1"].code,
            name="",
            kind="club",
            credit_code="91110000600037341X",
            contact_phone="12",
        )
    assert set(caught.value.errors) == {"name", "kind", "credit_code", "contact_phone"}
    assert "last character" in caught.value.errors["credit_code"][0]
    assert Organisation.objects.count() == 0


def test_organisations_of_neighbours_are_not_found(users, tree, org_a1):
    for who in ("worker_a2", "town_b", "resident_a1"):
        with pytest.raises(NotFound):
            actions.organisation_update(actor=users[who], organisation_id=org_a1.pk, name="x")
        with pytest.raises(NotFound):
            actions.organisation_create(
                actor=users[who], area_code=tree["a1"].code, name="x", kind="unit"
            )
    with pytest.raises(Conflict):
        actions.organisation_create(
            actor=users["worker_a1"], area_code=tree["a1"].code, name=org_a1.name, kind="unit"
        )


# --- teams ---------------------------------------------------------------------------------------


def test_a_team_with_its_leader_as_a_member(users, tree, org_a1, party_member):
    team = actions.team_create(
        actor=users["worker_a1"],
        community_code=tree["a1"].code,
        name="仙城党员先锋队",
        organisation_id=org_a1.pk,
        leader_id=party_member.pk,
        party_led=True,
        skills=["elderly_care", "repair"],
        target_groups=["elderly_alone"],
        description="每周探访独居老人",
    )
    assert team.leader == party_member and team.organisation == org_a1
    assert _live(team) == {party_member.pk: "leader"}
    assert AuditEvent.objects.get(action="team.create").extra["leader"] == party_member.pk


def test_a_party_led_team_needs_a_party_member_leader(users, tree, plain):
    with pytest.raises(ActionError) as caught:
        actions.team_create(
            actor=users["worker_a1"],
            community_code=tree["a1"].code,
            name="先锋队",
            leader_id=plain.pk,
            party_led=True,
        )
    assert "party member" in caught.value.errors["leader_id"][0]
    assert Team.objects.count() == 0 and Membership.objects.count() == 0


def test_team_bad_input_and_refusals(users, tree, org_a2, registered_b):
    with pytest.raises(ActionError) as caught:
        actions.team_create(
            actor=users["worker_a1"],
            community_code=tree["a1"].code,
            name=" ",
            organisation_id=org_a2.pk,  # a neighbour's station
            leader_id=registered_b.pk,  # not a volunteer of the worker's areas
            skills=["x"],
            target_groups=["aliens"],
        )
    assert set(caught.value.errors) == {
        "name",
        "organisation_id",
        "leader_id",
        "skills",
        "target_groups",
    }
    for who in ("worker_a2", "town_b", "resident_a1"):
        with pytest.raises(NotFound):
            actions.team_create(actor=users[who], community_code=tree["a1"].code, name="队")
    assert Team.objects.count() == 0


def test_the_leader_is_kept_in_step(users, tree, party_member, plain, team_a1, volunteer_a1):
    worker = users["worker_a1"]
    actions.team_member_add(actor=worker, team_id=team_a1.pk, volunteer_id=plain.pk)
    assert _live(team_a1) == {volunteer_a1.pk: "leader", plain.pk: "member"}
    with pytest.raises(ActionError):  # the team is party-led: plain is not a party member
        actions.team_member_set_role(
            actor=worker, team_id=team_a1.pk, volunteer_id=plain.pk, role="leader"
        )
    actions.team_update(actor=worker, team_id=team_a1.pk, leader_id=party_member.pk)
    team_a1.refresh_from_db()
    assert team_a1.leader == party_member
    assert _live(team_a1) == {
        volunteer_a1.pk: "member",
        plain.pk: "member",
        party_member.pk: "leader",
    }
    actions.team_member_set_role(
        actor=worker, team_id=team_a1.pk, volunteer_id=party_member.pk, role="deputy"
    )
    team_a1.refresh_from_db()
    assert team_a1.leader is None and _live(team_a1)[party_member.pk] == "deputy"
    with pytest.raises(Conflict):  # already in the team
        actions.team_member_add(actor=worker, team_id=team_a1.pk, volunteer_id=volunteer_a1.pk)


def test_members_added_twice_removed_and_the_leader_removed(users, team_a1, volunteer_a1, plain):
    worker = users["worker_a1"]
    with pytest.raises(Conflict):
        actions.team_member_add(actor=worker, team_id=team_a1.pk, volunteer_id=volunteer_a1.pk)
    removed = actions.team_member_remove(
        actor=worker, team_id=team_a1.pk, volunteer_id=volunteer_a1.pk
    )
    assert removed.left_on is not None
    team_a1.refresh_from_db()
    assert team_a1.leader is None and _live(team_a1) == {}
    with pytest.raises(NotFound):
        actions.team_member_remove(actor=worker, team_id=team_a1.pk, volunteer_id=plain.pk)
    again = actions.team_member_add(actor=worker, team_id=team_a1.pk, volunteer_id=volunteer_a1.pk)
    assert again.pk != removed.pk  # the old membership stays as history
    assert Membership.objects.filter(team=team_a1, volunteer=volunteer_a1).count() == 2
    for who in ("worker_a2", "town_b"):
        with pytest.raises(NotFound):
            actions.team_member_add(actor=users[who], team_id=team_a1.pk, volunteer_id=plain.pk)


def test_a_deactivated_team_takes_no_members(users, team_a1, plain):
    actions.team_update(actor=users["worker_a1"], team_id=team_a1.pk, active=False)
    assert AuditEvent.objects.filter(action="team.deactivate").count() == 1
    with pytest.raises(Conflict):
        actions.team_member_add(actor=users["worker_a1"], team_id=team_a1.pk, volunteer_id=plain.pk)


# --- joining and leaving oneself -----------------------------------------------------------------


def test_a_volunteer_joins_and_leaves_teams_of_their_areas(users, tree, volunteer_a1, team_a1):
    resident = users["resident_a1"]
    other = actions.team_create(
        actor=users["worker_a1"], community_code=tree["a1"].code, name="仙城维修队"
    )
    neighbours = actions.team_create(
        actor=users["worker_a2"], community_code=tree["a2"].code, name="新兴助老队"
    )
    joined = actions.team_join(actor=resident, team_id=other.pk)
    assert joined.role == "member" and joined.volunteer == volunteer_a1
    with pytest.raises(Conflict):
        actions.team_join(actor=resident, team_id=other.pk)
    with pytest.raises(NotFound):  # a2 is not among the areas served
        actions.team_join(actor=resident, team_id=neighbours.pk)
    volunteer_a1.service_areas = [tree["a1"].code, tree["town_a"].code]
    volunteer_a1.save()
    assert actions.team_join(actor=resident, team_id=neighbours.pk).team == neighbours
    left = actions.team_leave(actor=resident, team_id=team_a1.pk)  # they led it
    assert left.left_on is not None
    team_a1.refresh_from_db()
    assert team_a1.leader is None
    with pytest.raises(NotFound):
        actions.team_leave(actor=resident, team_id=team_a1.pk)
    with pytest.raises(NotFound):  # not a volunteer
        actions.team_join(actor=users["resident_a2"], team_id=neighbours.pk)


def test_a_paused_volunteer_joins_no_team(users, tree, volunteer_a1):
    team = actions.team_create(actor=users["worker_a1"], community_code=tree["a1"].code, name="队")
    volunteer_a1.status = "paused"
    volunteer_a1.save()
    with pytest.raises(Conflict):
        actions.team_join(actor=users["resident_a1"], team_id=team.pk)
    assert not Membership.objects.filter(team=team).exists()
