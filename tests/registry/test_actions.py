"""Registry writes: happy paths, refused actors, bad input — and nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import translation

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, RoleAssignment
from linli.core.pii import blind_index
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.registry import actions
from linli.registry.models import (
    Building,
    GridStaff,
    GroupTag,
    Household,
    Residence,
    Resident,
    ResidentTag,
)

from .conftest import make_id


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def counts():
    return (
        Building.objects.count(),
        Household.objects.count(),
        Resident.objects.count(),
        Residence.objects.count(),
        ResidentTag.objects.count(),
        AuditEvent.objects.count(),
    )


# --- buildings and households -------------------------------------------------------------


def test_worker_adds_a_building_and_a_household_in_it(users, tree):
    building = actions.building_create(
        actor=users["worker_a1"], community_code=tree["a1"].code, name="3号楼", units=4, lat="42.9"
    )
    assert building.area_code == tree["a1"].code
    household = actions.household_create(
        actor=users["worker_a1"],
        community_code=tree["a1"].code,
        residence_type="registered",
        building_id=building.pk,
        unit="2",
        room="301",
    )
    assert household.address == "3号楼 2单元 301室"
    assert AuditEvent.objects.filter(action="household.create", target_id=household.pk).exists()


def test_household_in_a_gridded_building_is_in_the_grid(users, homes, tree):
    household = actions.household_create(
        actor=users["worker_a1"],
        community_code=tree["a1"].code,
        residence_type="floating",
        building_id=homes["buildings"]["b1"].pk,
        unit="3",
        room="201",
    )
    assert household.grid_id == tree["grid_a1"].code
    assert household.area_code == tree["grid_a1"].code


def test_neighbouring_worker_cannot_add_to_another_community(users, tree):
    with pytest.raises(NotFound):
        actions.building_create(actor=users["worker_a2"], community_code=tree["a1"].code, name="x")
    assert not Building.objects.exists()


def test_town_officer_reads_but_does_not_write_the_registry(users, tree):
    with pytest.raises(Forbidden):
        actions.building_create(actor=users["town_a"], community_code=tree["a1"].code, name="x")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"units": 0}, "units"),
        ({"units": True}, "units"),
        ({"floors": 500}, "floors"),
        ({"lat": "north"}, "lat"),
        ({"lng": "10"}, "lng"),
    ],
)
def test_building_bad_input_is_refused_per_field(users, tree, kwargs, field):
    args = {"name": "5号楼", **kwargs}
    with pytest.raises(ActionError) as exc:
        actions.building_create(actor=users["worker_a1"], community_code=tree["a1"].code, **args)
    assert field in exc.value.errors
    assert not Building.objects.exists()


def test_a_grid_is_not_a_community(users, tree):
    with pytest.raises(ActionError) as exc:
        actions.building_create(
            actor=users["head_a1"], community_code=tree["grid_a1"].code, name="x"
        )
    assert "community_code" in exc.value.errors


def test_one_household_per_room(users, homes, tree):
    with pytest.raises(Conflict):
        actions.household_create(
            actor=users["worker_a1"],
            community_code=tree["a1"].code,
            residence_type="registered",
            building_id=homes["buildings"]["b1"].pk,
            unit="1",
            room="101",
        )


def test_household_needs_an_address_or_a_room(users, tree, homes):
    with pytest.raises(ActionError) as exc:
        actions.household_create(
            actor=users["worker_a1"], community_code=tree["a1"].code, residence_type="registered"
        )
    assert "address" in exc.value.errors
    with pytest.raises(ActionError) as exc:
        actions.household_create(
            actor=users["worker_a1"],
            community_code=tree["a1"].code,
            residence_type="registered",
            building_id=homes["buildings"]["b1"].pk,
            unit="9",
            room="101",
        )
    assert "unit" in exc.value.errors
    with pytest.raises(ActionError) as exc:
        actions.household_create(
            actor=users["worker_a1"],
            community_code=tree["a1"].code,
            residence_type="castle",
            address="x",
        )
    assert "residence_type" in exc.value.errors


# --- residents ----------------------------------------------------------------------------


def test_resident_add_derives_birth_and_sex_and_encrypts(users, homes):
    number = make_id("19560704", 40, female=True)
    resident = actions.resident_add(
        actor=users["grid_a1"],
        household_id=homes["households"]["li"].pk,
        name="陈桂英",
        id_number=number,
        phone="139 0000 1111",
        ethnicity="满族",
        relationship="spouse",
        moved_in_on="2020-01-02",
    )
    resident.refresh_from_db()
    assert resident.birth_date == dt.date(1956, 7, 4) and resident.sex == "F"
    assert resident.ethnicity == "11"
    assert resident.name_initials == "cgy" and resident.name_pinyin == "chenguiying"
    assert resident.id_tail == number[-4:] and resident.phone_tail == "1111"
    assert resident.area_code == homes["households"]["li"].area_code
    assert resident.id_bidx == blind_index(number, "id_number")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone FROM registry_resident WHERE id = %s", [resident.pk]
        )
        raw_id, raw_phone = cursor.fetchone()
    assert number not in raw_id and "13900001111" not in raw_phone
    residence = Residence.objects.get(resident=resident)
    assert residence.started_on == dt.date(2020, 1, 2) and residence.ended_on is None
    event = AuditEvent.objects.get(action="resident.add", target_id=resident.pk)
    assert number not in str(event.extra) and "陈桂英" not in str(event.extra)


def test_resident_add_collects_every_fault_and_writes_nothing(users, homes):
    before = counts()
    with pytest.raises(ActionError) as exc:
        actions.resident_add(
            actor=users["worker_a1"],
            household_id=homes["households"]["li"].pk,
            name="",
            id_number="220403198001150010",
            phone="12345",
            ethnicity="火星族",
            relationship="boss",
            moved_in_on="2999-01-01",
        )
    assert set(exc.value.errors) == {
        "name",
        "id_number",
        "phone",
        "ethnicity",
        "relationship",
        "moved_in_on",
    }
    assert counts() == before


def test_the_same_person_is_not_added_twice(users, homes):
    before = counts()
    with pytest.raises(Conflict) as exc:
        actions.resident_add(
            actor=users["worker_a1"],
            household_id=homes["households"]["wang"].pk,
            name="李四",
            id_number=homes["people"]["li"].id_number,
        )
    assert "id_number" in exc.value.errors
    assert counts() == before


def test_resident_without_id_number_keeps_typed_birth_date(users, homes):
    baby = actions.resident_add(
        actor=users["worker_a1"],
        household_id=homes["households"]["zhang"].pk,
        name="张小宝",
        sex="F",
        birth_date="2026-01-05",
        relationship="grandchild",
    )
    assert baby.birth_date == dt.date(2026, 1, 5) and baby.sex == "F" and baby.id_bidx is None


def test_neighbour_cannot_add_into_or_update_another_community(users, homes):
    with pytest.raises(NotFound):
        actions.resident_add(
            actor=users["worker_a2"], household_id=homes["households"]["li"].pk, name="某人"
        )
    with pytest.raises(NotFound):
        actions.resident_update(
            actor=users["worker_a2"], resident_id=homes["people"]["li"].pk, name="改名"
        )


def test_building_head_may_read_but_not_write(users, homes, tree):
    from tests.conftest import make_user

    head = make_user("bh", Role.BUILDING_HEAD, tree["grid_a1"])
    with pytest.raises(Forbidden):
        actions.resident_update(actor=head, resident_id=homes["people"]["li"].pk, name="改名")


def test_resident_update_records_which_fields_changed(users, homes):
    li = homes["people"]["li"]
    actions.resident_update(
        actor=users["worker_a1"],
        resident_id=li.pk,
        name="李四",
        id_number=li.id_number,
        phone="13600001234",
        language="dialect",
    )
    li.refresh_from_db()
    assert li.phone == "13600001234" and li.phone_tail == "1234" and li.language == "dialect"
    event = AuditEvent.objects.filter(action="resident.update").latest("id")
    assert event.extra["fields"] == ["language", "phone"]


def test_resident_update_refuses_another_persons_id(users, homes):
    with pytest.raises(Conflict):
        actions.resident_update(
            actor=users["worker_a1"],
            resident_id=homes["people"]["li"].pk,
            name="李四",
            id_number=homes["people"]["wang"].id_number,
        )


# --- moving, moving out, death ------------------------------------------------------------


def test_move_closes_one_stay_and_opens_the_next(users, homes):
    li, target = homes["people"]["li"], homes["households"]["wang"]
    actions.resident_move(
        actor=users["worker_a1"],
        resident_id=li.pk,
        household_id=target.pk,
        relationship="parent",
        on="2026-02-01",
    )
    li.refresh_from_db()
    assert li.household_id == target.pk and li.area_code == target.area_code
    stays = list(Residence.objects.filter(resident=li).order_by("started_on"))
    assert [s.ended_on for s in stays] == [dt.date(2026, 2, 1), None]
    assert stays[0].end_reason == "moved_within"
    # the open membership follows the person into the new area
    assert ResidentTag.objects.get(pk=homes["tags"]["li_alone"].pk).area_code == target.area_code
    # the old household has no head any more
    assert Household.objects.get(pk=homes["households"]["li"].pk).head_id is None


def test_move_before_moving_in_is_refused_and_changes_nothing(users, homes):
    li = homes["people"]["li"]
    with pytest.raises(ActionError) as exc:
        actions.resident_move(
            actor=users["worker_a1"],
            resident_id=li.pk,
            household_id=homes["households"]["wang"].pk,
            on="1990-01-01",
        )
    assert "on" in exc.value.errors
    li.refresh_from_db()
    assert li.household_id == homes["households"]["li"].pk
    assert Residence.objects.filter(resident=li, ended_on__isnull=True).count() == 1


def test_move_into_a_household_outside_ones_areas_is_refused(users, homes):
    with pytest.raises(NotFound):
        actions.resident_move(
            actor=users["worker_a1"],
            resident_id=homes["people"]["li"].pk,
            household_id=homes["households"]["zhao"].pk,
        )


def test_move_out_and_back_in(users, homes):
    wang = homes["people"]["wang"]
    actions.resident_move_out(actor=users["worker_a1"], resident_id=wang.pk, on="2026-03-01")
    wang.refresh_from_db()
    assert wang.status == "moved_out" and wang.household_id is None
    with pytest.raises(ActionError):
        actions.resident_move_out(actor=users["worker_a1"], resident_id=wang.pk)
    actions.resident_move(
        actor=users["worker_a1"],
        resident_id=wang.pk,
        household_id=homes["households"]["wang"].pk,
        relationship="head",
        on="2026-04-01",
    )
    wang.refresh_from_db()
    assert wang.status == "active" and Residence.objects.filter(resident=wang).count() == 2


def test_death_ends_the_stay_and_open_memberships(users, homes):
    li = homes["people"]["li"]
    actions.resident_record_death(actor=users["worker_a1"], resident_id=li.pk, on="2026-05-05")
    li.refresh_from_db()
    assert li.status == "deceased" and li.deceased_on == dt.date(2026, 5, 5)
    assert ResidentTag.objects.get(pk=homes["tags"]["li_alone"].pk).ended_on == dt.date(2026, 5, 5)
    with pytest.raises(ActionError):
        actions.resident_move(
            actor=users["worker_a1"],
            resident_id=li.pk,
            household_id=homes["households"]["wang"].pk,
        )


def test_set_head(users, homes):
    zhang, wife = homes["people"]["zhang"], homes["people"]["zhang_wife"]
    household = actions.household_set_head(
        actor=users["worker_a1"], household_id=homes["households"]["zhang"].pk, resident_id=wife.pk
    )
    assert household.head_id == wife.pk
    zhang.refresh_from_db()
    assert zhang.relationship == "relative"
    with pytest.raises(ActionError):
        actions.household_set_head(
            actor=users["worker_a1"],
            household_id=homes["households"]["zhang"].pk,
            resident_id=homes["people"]["li"].pk,
        )


# --- group tags ---------------------------------------------------------------------------


def test_tag_add_and_end_keep_history(users, homes):
    zhang = homes["people"]["zhang"]
    membership = actions.resident_tag_add(
        actor=users["worker_a1"], resident_id=zhang.pk, tag_code="veteran", started_on="2020-01-01"
    )
    with pytest.raises(Conflict):
        actions.resident_tag_add(actor=users["worker_a1"], resident_id=zhang.pk, tag_code="veteran")
    actions.resident_tag_end(
        actor=users["worker_a1"], membership_id=membership.pk, ended_on="2026-01-01"
    )
    again = actions.resident_tag_add(
        actor=users["worker_a1"], resident_id=zhang.pk, tag_code="veteran"
    )
    assert ResidentTag.objects.filter(resident=zhang, tag_id="veteran").count() == 2
    assert again.ended_on is None


def test_graded_tags_need_a_grade(users, homes):
    with pytest.raises(ActionError) as exc:
        actions.resident_tag_add(
            actor=users["worker_a1"], resident_id=homes["people"]["zhang"].pk, tag_code="disability"
        )
    assert "grade" in exc.value.errors
    actions.resident_tag_add(
        actor=users["worker_a1"],
        resident_id=homes["people"]["zhang"].pk,
        tag_code="disability",
        grade="肢体二级",
    )


def test_unknown_tag_and_tag_before_birth_are_refused(users, homes):
    with pytest.raises(ActionError) as exc:
        actions.resident_tag_add(
            actor=users["worker_a1"], resident_id=homes["people"]["zhang"].pk, tag_code="nope"
        )
    assert "tag_code" in exc.value.errors
    with pytest.raises(ActionError) as exc:
        actions.resident_tag_add(
            actor=users["worker_a1"],
            resident_id=homes["people"]["zhang_child"].pk,
            tag_code="party_member",
            started_on="2000-01-01",
        )
    assert "started_on" in exc.value.errors


def test_strictly_sensitive_groups_are_not_offered_to_workers(users, homes):
    # 社区矫正 is visible to community heads and officers, not to community workers.
    with pytest.raises(ActionError):
        actions.resident_tag_add(
            actor=users["worker_a1"],
            resident_id=homes["people"]["zhang"].pk,
            tag_code="community_correction",
        )
    actions.resident_tag_add(
        actor=users["head_a1"],
        resident_id=homes["people"]["zhang"].pk,
        tag_code="community_correction",
    )


def test_tag_end_outside_ones_areas_is_not_found(users, homes):
    with pytest.raises(NotFound):
        actions.resident_tag_end(
            actor=users["worker_a2"], membership_id=homes["tags"]["li_alone"].pk
        )


# --- grids --------------------------------------------------------------------------------


def test_grid_assign_moves_households_and_people_into_the_grid(users, homes, tree):
    result = actions.grid_assign(
        actor=users["head_a1"],
        grid_code=tree["grid_a1"].code,
        building_ids=[homes["buildings"]["b2"].pk],
    )
    assert result == {"buildings": 1, "households": 1, "moved": 0}
    wang = Resident.objects.get(pk=homes["people"]["wang"].pk)
    assert wang.area_code == tree["grid_a1"].code
    assert (
        ResidentTag.objects.get(pk=homes["tags"]["wang_dibao"].pk).area_code == tree["grid_a1"].code
    )
    released = actions.grid_release(
        actor=users["head_a1"], building_ids=[homes["buildings"]["b2"].pk]
    )
    assert released == 1
    wang.refresh_from_db()
    assert wang.area_code == tree["a1"].code


def test_grid_assign_refuses_other_communities_and_workers(users, homes, tree):
    with pytest.raises(NotFound):
        actions.grid_assign(
            actor=users["head_a1"],
            grid_code=tree["grid_a1"].code,
            household_ids=[homes["households"]["zhao"].pk],
        )
    with pytest.raises(Forbidden):
        actions.grid_assign(
            actor=users["worker_a1"],
            grid_code=tree["grid_a1"].code,
            building_ids=[homes["buildings"]["b2"].pk],
        )
    with pytest.raises(ActionError):
        actions.grid_assign(actor=users["head_a1"], grid_code=tree["grid_a1"].code)


def test_grid_worker_duty_needs_the_role_from_the_security_admin(users, homes, tree):
    from tests.conftest import make_user

    newcomer = make_user("newgrid")
    with pytest.raises(ActionError) as exc:
        actions.grid_staff_assign(
            actor=users["head_a1"],
            grid_code=tree["grid_a1"].code,
            duty="grid_worker",
            user_id=newcomer.pk,
        )
    assert "user_id" in exc.value.errors
    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    staff = actions.grid_staff_assign(
        actor=users["head_a1"],
        grid_code=tree["grid_a1"].code,
        duty="grid_worker",
        user_id=users["grid_a1"].pk,
    )
    with pytest.raises(Conflict):
        actions.grid_staff_assign(
            actor=users["head_a1"],
            grid_code=tree["grid_a1"].code,
            duty="grid_worker",
            user_id=users["grid_a1"].pk,
        )
    actions.grid_staff_end(actor=users["head_a1"], staff_id=staff.pk)
    # ending the duty leaves the account's role to the security administrator
    assert RoleAssignment.objects.filter(user=users["grid_a1"], role=Role.GRID_WORKER).exists()
    with pytest.raises(ActionError):
        actions.grid_staff_end(actor=users["head_a1"], staff_id=staff.pk)


def test_grid_release_needs_something_and_the_capability(users, homes):
    with pytest.raises(Forbidden):
        actions.grid_release(actor=users["county"], household_ids=[homes["households"]["li"].pk])
    with pytest.raises(ActionError):
        actions.grid_release(actor=users["head_a1"])
    assert not AuditEvent.objects.filter(action="grid.release").exists()


def test_update_with_none_keeps_the_identity_number(users, homes):
    li = homes["people"]["li"]
    number = li.id_number
    actions.resident_update(actor=users["worker_a1"], resident_id=li.pk, name="李 四")
    li.refresh_from_db()
    assert li.name == "李 四" and li.id_number == number and li.phone == "13698765432"
    actions.resident_update(actor=users["worker_a1"], resident_id=li.pk, name="李四", phone="")
    li.refresh_from_db()
    assert li.phone is None and li.phone_tail == "" and li.id_number == number


def test_building_head_duty_needs_a_building_in_the_grid(users, homes, tree):
    with pytest.raises(ActionError) as exc:
        actions.grid_staff_assign(
            actor=users["head_a1"],
            grid_code=tree["grid_a1"].code,
            duty="building_head",
            resident_id=homes["people"]["zhang"].pk,
        )
    assert "building_id" in exc.value.errors
    staff = actions.grid_staff_assign(
        actor=users["head_a1"],
        grid_code=tree["grid_a1"].code,
        duty="building_head",
        resident_id=homes["people"]["zhang"].pk,
        building_id=homes["buildings"]["b1"].pk,
    )
    assert staff.area_code == tree["grid_a1"].code
    with pytest.raises(ActionError):
        actions.grid_staff_assign(
            actor=users["head_a1"],
            grid_code=tree["grid_a1"].code,
            duty="villager_rep",
            resident_id=homes["people"]["zhang"].pk,
        )
    assert GridStaff.objects.count() == 1


def test_group_vocabulary_is_extended_by_configuration_only(users):
    with pytest.raises(Forbidden):
        actions.group_tag_create(actor=users["county"], code="x", name="x")
    tag = actions.group_tag_create(
        actor=users["sysadmin"],
        code="hiv_care",
        name="艾滋病关怀对象",
        sensitive=True,
        visible_roles=["community_head"],
    )
    assert tag.sensitive and not tag.builtin
    with pytest.raises(ActionError):
        actions.group_tag_create(actor=users["sysadmin"], code="bad code!", name="x")
    with pytest.raises(ActionError):
        actions.group_tag_create(actor=users["sysadmin"], code="y", name="y", sensitive=True)
    with pytest.raises(Conflict):
        actions.group_tag_create(actor=users["sysadmin"], code="dibao", name="x")
    assert GroupTag.objects.filter(builtin=True).count() >= 20


def test_system_actor_writes_are_audited_as_system(homes):
    assert AuditEvent.objects.filter(action="resident.add", actor_label="system").count() == 7


def test_grid_staff_requires_someone(users, tree):
    with pytest.raises(ActionError):
        actions.grid_staff_assign(actor=SYSTEM, grid_code=tree["grid_a1"].code, duty="grid_worker")
