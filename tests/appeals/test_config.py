"""Configuring appeals: categories, tiers, holidays, routing rules and their preview, units and
members, templates, the county policy and Open311 keys — actions, queries and pages."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import translation

from linli.appeals import actions, queries
from linli.appeals.models import (
    Appeal,
    Category,
    Holiday,
    Open311Client,
    Policy,
    ResponseTemplate,
    RoutingRule,
    Tier,
    Unit,
    UnitMember,
    add_workdays,
    local_tz,
    workday_overrides,
)
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, User
from linli.core.roles import Role
from linli.core.scoping import SYSTEM

from ..conftest import make_area, make_user

COUNTY = "220403000000"
OTHER_COUNTY = "220402000000"
TOWN_A = "220403001000"
TOWN_B = "220403002000"
A1 = "220403001001"
A2 = "220403001002"
B1 = "220403002001"


@pytest.fixture
def other(tree, users, catalogue):
    """The neighbouring county 220402 with its own catalogue and civil-affairs officer."""
    area = make_area("220402", "龙山区")
    actions.appeal_defaults_load(actor=SYSTEM, county_code=area.code)
    officer = make_user("county_other", Role.COUNTY_OFFICER, area)
    cats = {c.key: c for c in Category.objects.filter(area_code=area.code)}
    return {"area": area, "officer": officer, "categories": cats}


def rows(*models) -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (*models, AuditEvent)}


CONFIG_MODELS = (
    Category,
    Tier,
    Holiday,
    RoutingRule,
    Unit,
    UnitMember,
    ResponseTemplate,
    Policy,
    Open311Client,
)


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read messages and sheet names in English (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def last_audit(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-id").first()
    assert event is not None, f"no audit event {action}"
    return event


LIFT_QUESTIONS = [
    {
        "code": "trapped",
        "datatype": "singlevaluelist",
        "required": True,
        "description": " Is anyone   trapped? ",
        "values": [{"key": "yes", "name": "Yes"}, {"key": "no", "name": "No"}],
    },
    {"code": "floor", "datatype": "number", "description": "Which floor?"},
]


# --- categories ---------------------------------------------------------------------------------


def test_category_create_adds_a_kind_under_a_parent(users, catalogue):
    parent = catalogue["property"]
    category = actions.category_create(
        actor=users["county"],
        county_code=COUNTY,
        name="  电动车充电  ",
        description="楼道内充电、飞线充电",
        parent_id=parent.pk,
        tier="utilities",
        unit_kind=Unit.Kind.COMMUNITY,
        public=True,
        attributes=LIFT_QUESTIONS,
    )
    category.refresh_from_db()
    assert category.area_code == COUNTY
    assert category.name == "电动车充电"
    assert category.parent_id == parent.pk
    assert category.tier.code == "utilities"
    assert category.sort > max(c.sort for c in catalogue.values() if c.parent_id == parent.pk)
    assert category.attributes == [
        {
            "code": "trapped",
            "datatype": "singlevaluelist",
            "required": True,
            "description": "Is anyone trapped?",
            "values": [{"key": "yes", "name": "Yes"}, {"key": "no", "name": "No"}],
        },
        {
            "code": "floor",
            "datatype": "number",
            "required": False,
            "description": "Which floor?",
            "values": [],
        },
    ]
    event = last_audit("appeal.category_create")
    assert event.target_id == str(category.pk)
    assert event.area_code == COUNTY
    assert event.extra["questions"] == 2
    # It is offered to residents of the county at once.
    tree = queries.category_tree(actor=users["resident_a1"], county_code=COUNTY)
    assert category.pk in [c.pk for c in tree]
    placed = next(c for c in tree if c.pk == category.pk)
    assert placed.depth == 1


def test_category_create_by_the_system_admin(users, catalogue):
    category = actions.category_create(
        actor=users["sysadmin"],
        county_code=COUNTY,
        name="殡葬服务",
        tier="general",
        unit_kind=Unit.Kind.TOWN,
    )
    assert category.parent_id is None


@pytest.mark.parametrize("who", ["town_a", "worker_a1", "resident_a1", "secadmin", "dept"])
def test_category_create_refused_without_the_capability(users, catalogue, who):
    before = rows(*CONFIG_MODELS)
    with pytest.raises(Forbidden):
        actions.category_create(
            actor=users[who], county_code=COUNTY, name="x", tier="general", unit_kind="community"
        )
    assert rows(*CONFIG_MODELS) == before


def test_category_of_another_county_is_not_the_officers(users, catalogue, other):
    before = rows(*CONFIG_MODELS)
    with pytest.raises(Forbidden):
        actions.category_create(
            actor=other["officer"],
            county_code=COUNTY,
            name="x",
            tier="general",
            unit_kind="community",
        )
    with pytest.raises(NotFound):
        actions.category_update(
            actor=other["officer"], category_id=catalogue["noise"].pk, name="噪声"
        )
    assert rows(*CONFIG_MODELS) == before


BAD_QUESTIONS = [
    ("not a list", "not-a-list"),
    ("code not a slug", [{"code": "Floor No", "datatype": "number", "description": "Floor?"}]),
    (
        "code used twice",
        [
            {"code": "floor", "datatype": "number", "description": "Floor?"},
            {"code": "floor", "datatype": "string", "description": "Again?"},
        ],
    ),
    ("unknown kind", [{"code": "floor", "datatype": "integer", "description": "Floor?"}]),
    (
        "required not a bool",
        [{"code": "floor", "datatype": "number", "required": "yes", "description": "Floor?"}],
    ),
    ("no question", [{"code": "floor", "datatype": "number", "description": "   "}]),
    (
        "list without answers",
        [{"code": "when", "datatype": "singlevaluelist", "description": "When?"}],
    ),
    (
        "answers on a number",
        [
            {
                "code": "floor",
                "datatype": "number",
                "description": "Floor?",
                "values": [{"key": "1", "name": "one"}],
            }
        ],
    ),
    (
        "answer without a name",
        [
            {
                "code": "when",
                "datatype": "multivaluelist",
                "description": "When?",
                "values": [{"key": "day"}],
            }
        ],
    ),
    (
        "answer key with a comma",
        [
            {
                "code": "when",
                "datatype": "multivaluelist",
                "description": "When?",
                "values": [{"key": "a,b", "name": "A or B"}],
            }
        ],
    ),
    (
        "answer key twice",
        [
            {
                "code": "when",
                "datatype": "singlevaluelist",
                "description": "When?",
                "values": [{"key": "day", "name": "Day"}, {"key": "day", "name": "Night"}],
            }
        ],
    ),
    ("unknown part", [{"code": "floor", "datatype": "number", "description": "F?", "x": 1}]),
    ("not an object", ["floor"]),
]


@pytest.mark.parametrize("label,questions", BAD_QUESTIONS, ids=[b[0] for b in BAD_QUESTIONS])
def test_category_questions_are_checked_strictly(users, catalogue, label, questions):
    before = rows(*CONFIG_MODELS)
    with pytest.raises(ActionError) as caught:
        actions.category_create(
            actor=users["county"],
            county_code=COUNTY,
            name="电梯困人",
            tier="emergency",
            unit_kind="community",
            attributes=questions,
        )
    assert "attributes" in caught.value.errors
    assert rows(*CONFIG_MODELS) == before
    # An update with the same questions is refused the same way and changes nothing.
    lift = catalogue["property.lift"]
    with pytest.raises(ActionError):
        actions.category_update(actor=users["county"], category_id=lift.pk, attributes=questions)
    lift.refresh_from_db()
    assert [q["code"] for q in lift.attributes] == ["trapped"]


def test_category_create_names_every_bad_field(users, catalogue, other):
    before = rows(*CONFIG_MODELS)
    with pytest.raises(ActionError) as caught:
        actions.category_create(
            actor=users["county"],
            county_code=COUNTY,
            name=" ",
            parent_id=other["categories"]["noise"].pk,
            tier="no-such-tier",
            unit_kind="mayor",
            sort=-1,
        )
    assert set(caught.value.errors) == {"name", "parent", "tier", "unit_kind", "sort"}
    assert rows(*CONFIG_MODELS) == before


def test_category_names_are_unique_among_siblings(users, catalogue):
    with pytest.raises(ActionError) as caught:
        actions.category_create(
            actor=users["county"],
            county_code=COUNTY,
            name=catalogue["property.lift"].name,
            parent_id=catalogue["property"].pk,
            tier="general",
            unit_kind="community",
        )
    assert "name" in caught.value.errors
    # The same name under another parent is fine.
    actions.category_create(
        actor=users["county"],
        county_code=COUNTY,
        name=catalogue["property.lift"].name,
        parent_id=catalogue["environment"].pk,
        tier="general",
        unit_kind="community",
    )


def test_category_update_changes_what_is_given(users, catalogue):
    noise = catalogue["noise"]
    updated = actions.category_update(
        actor=users["county"],
        category_id=noise.pk,
        name="噪声扰民",
        tier="complex",
        public=False,
        parent_id=catalogue["environment"].pk,
    )
    assert updated.name == "噪声扰民"
    assert updated.tier.code == "complex"
    assert updated.public is False
    assert updated.parent_id == catalogue["environment"].pk
    assert updated.attributes == noise.attributes  # not given: kept
    assert queries.category_label(updated) == "噪声扰民"  # a renamed built-in keeps its name
    event = last_audit("appeal.category_update")
    assert event.extra["changed"] == ["name", "parent", "public", "tier"]
    # Back to the top level.
    top = actions.category_update(actor=users["county"], category_id=noise.pk, parent_id=None)
    assert top.parent_id is None


def test_category_cannot_sit_under_itself_or_its_kinds(users, catalogue):
    prop = catalogue["property"]
    for parent in (prop, catalogue["property.lift"]):
        with pytest.raises(ActionError) as caught:
            actions.category_update(actor=users["county"], category_id=prop.pk, parent_id=parent.pk)
        assert "parent" in caught.value.errors
    prop.refresh_from_db()
    assert prop.parent_id is None


def test_categories_out_of_use_leave_the_residents_tree(users, catalogue):
    actions.category_update(
        actor=users["county"], category_id=catalogue["property"].pk, active=False
    )
    shown = {c.pk for c in queries.category_tree(actor=users["resident_a1"], county_code=COUNTY)}
    assert catalogue["property"].pk not in shown
    assert catalogue["property.lift"].pk not in shown  # its kinds go with it
    assert catalogue["noise"].pk in shown
    every = queries.category_tree(actor=users["county"], county_code=COUNTY, include_inactive=True)
    assert catalogue["property.lift"].pk in {c.pk for c in every}
    with pytest.raises(Forbidden):
        queries.category_tree(actor=users["resident_a1"], county_code=COUNTY, include_inactive=True)


def test_category_tree_is_for_the_people_of_the_county(users, catalogue, other):
    resident_other = make_user(
        "resident_other", Role.RESIDENT, make_area("220402001001", "龙山社区")
    )
    with pytest.raises(Forbidden):
        queries.category_tree(actor=resident_other, county_code=COUNTY)
    tree = queries.category_tree(actor=resident_other, county_code=OTHER_COUNTY)
    assert {c.area_code for c in tree} == {OTHER_COUNTY}
    with pytest.raises(NotFound):
        queries.category_tree(actor=users["resident_a1"], county_code=TOWN_A)
    # Parents come before their kinds.
    tree = queries.category_tree(actor=users["town_a"], county_code=COUNTY)
    position = {c.pk: i for i, c in enumerate(tree)}
    for category in tree:
        if category.parent_id:
            assert position[category.parent_id] < position[category.pk]


# --- tiers --------------------------------------------------------------------------------------


def test_tier_update_changes_the_clocks_of_a_built_in_tier(users, catalogue):
    tier = actions.tier_update(
        actor=users["county"], tier_code="general", resolve_amount=5, respond_minutes=720
    )
    tier.refresh_from_db()
    assert (tier.resolve_amount, tier.respond_minutes, tier.builtin) == (5, 720, True)
    assert last_audit("appeal.tier_update").extra["changed"] == [
        "resolve_amount",
        "respond_minutes",
    ]


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"respond_minutes": 0}, "respond_minutes"),
        ({"resolve_amount": "seven"}, "resolve_amount"),
        ({"resolve_unit": "weeks"}, "resolve_unit"),
        ({"resolve_unit": "hours", "resolve_amount": 1000}, "resolve_amount"),
        ({"respond_minutes": 600, "resolve_amount": 2, "resolve_unit": "hours"}, "respond_minutes"),
        ({"name": ""}, "name"),
    ],
)
def test_tier_update_refuses_bad_clocks(users, catalogue, changes, field):
    before = Tier.objects.values_list("code", "name", "respond_minutes", "resolve_amount")
    before = sorted(before)
    with pytest.raises(ActionError) as caught:
        actions.tier_update(actor=users["county"], tier_code="general", **changes)
    assert field in caught.value.errors
    assert (
        sorted(Tier.objects.values_list("code", "name", "respond_minutes", "resolve_amount"))
        == before
    )


def test_tier_edits_need_the_capability(users, catalogue):
    with pytest.raises(Forbidden):
        actions.tier_update(actor=users["town_a"], tier_code="general", resolve_amount=3)
    with pytest.raises(NotFound):
        actions.tier_update(actor=users["county"], tier_code="nope", resolve_amount=3)
    assert Tier.objects.get(code="general").resolve_amount == 7


def test_tier_create_and_delete(users, catalogue):
    tier = actions.tier_create(
        actor=users["county"],
        code="flood",
        name="防汛",
        respond_minutes=15,
        resolve_amount=6,
        resolve_unit="hours",
    )
    assert not tier.builtin
    with pytest.raises(ActionError) as caught:
        actions.tier_create(
            actor=users["county"],
            code="flood",
            name="again",
            respond_minutes=15,
            resolve_amount=6,
            resolve_unit="hours",
        )
    assert "code" in caught.value.errors
    category = actions.category_create(
        actor=users["county"], county_code=COUNTY, name="内涝", tier="flood", unit_kind="town"
    )
    with pytest.raises(Conflict):
        actions.tier_delete(actor=users["county"], tier_code="flood")
    actions.category_update(actor=users["county"], category_id=category.pk, tier="emergency")
    actions.tier_delete(actor=users["county"], tier_code="flood")
    assert not Tier.objects.filter(code="flood").exists()
    assert last_audit("appeal.tier_delete").extra["code"] == "flood"


def test_built_in_tiers_cannot_be_deleted(users, catalogue):
    with pytest.raises(Conflict):
        actions.tier_delete(actor=users["county"], tier_code="emergency")
    assert Tier.objects.filter(code="emergency").exists()


# --- holidays -----------------------------------------------------------------------------------

NATIONAL_DAY = """
# 2026 国庆
2026-10-01 国庆节 off
2026-10-02 国庆节 off
2026-10-05 国庆节 休
2026-10-10 国庆调休 on
2026-09-27 调休 班
"""


def test_holiday_set_marks_and_remarks_a_day(users):
    holiday, created = actions.holiday_set(
        actor=users["county"], date="2026-10-01", name="国庆节", is_workday=False
    )
    assert created and not holiday.is_workday
    holiday, created = actions.holiday_set(
        actor=users["sysadmin"], date=dt.date(2026, 10, 1), name="国庆", is_workday=False
    )
    assert not created and holiday.name == "国庆"
    assert Holiday.objects.count() == 1
    actions.holiday_delete(actor=users["county"], date="2026-10-01")
    assert Holiday.objects.count() == 0
    with pytest.raises(NotFound):
        actions.holiday_delete(actor=users["county"], date="2026-10-01")


def test_holiday_set_refuses_bad_input_and_other_roles(users):
    with pytest.raises(ActionError) as caught:
        actions.holiday_set(actor=users["county"], date="2026-13-01", name="", is_workday="maybe")
    assert set(caught.value.errors) == {"date", "name", "is_workday"}
    with pytest.raises(Forbidden):
        actions.holiday_set(actor=users["town_a"], date="2026-10-01", name="国庆节")
    assert Holiday.objects.count() == 0


def test_holidays_import_is_idempotent(users):
    counts = actions.holidays_import(actor=users["county"], text=NATIONAL_DAY)
    assert counts == {"created": 5, "updated": 0, "unchanged": 0}
    assert Holiday.objects.get(date="2026-10-10").is_workday
    assert Holiday.objects.get(date="2026-09-27").is_workday
    assert not Holiday.objects.get(date="2026-10-05").is_workday
    audits = AuditEvent.objects.filter(action="appeal.holidays_import").count()
    again = actions.holidays_import(actor=users["county"], text=NATIONAL_DAY)
    assert again == {"created": 0, "updated": 0, "unchanged": 5}
    assert Holiday.objects.count() == 5
    changed = actions.holidays_import(
        actor=users["county"], text="2026-10-02 国庆节 on\n2026-10-03 国庆节 off"
    )
    assert changed == {"created": 1, "updated": 1, "unchanged": 0}
    assert AuditEvent.objects.filter(action="appeal.holidays_import").count() == audits + 2


def test_holidays_import_is_all_or_nothing(users):
    text = NATIONAL_DAY + "2026-10-31 万圣节\n2026-02-30 不存在 off\n2026-10-01 重复 off\n"
    with pytest.raises(ActionError) as caught:
        actions.holidays_import(actor=users["county"], text=text)
    problems = caught.value.errors["text"]
    assert len(problems) == 3
    assert problems[0].startswith("Line 8:")
    assert problems[1].startswith("Line 9:")
    assert problems[2].startswith("Line 10:") and "line 3" in problems[2]
    assert Holiday.objects.count() == 0
    assert not AuditEvent.objects.filter(action="appeal.holidays_import").exists()
    with pytest.raises(ActionError):
        actions.holidays_import(actor=users["county"], text="\n# nothing\n")
    with pytest.raises(Forbidden):
        actions.holidays_import(actor=users["worker_a1"], text=NATIONAL_DAY)
    assert Holiday.objects.count() == 0


def test_imported_holidays_move_working_day_deadlines(users):
    start = dt.datetime(2026, 9, 30, 10, 0, tzinfo=local_tz())  # a Wednesday
    ordinary = add_workdays(start, 3, workday_overrides(start.date(), dt.date(2026, 12, 31)))
    assert ordinary.date() == dt.date(2026, 10, 5)  # Thu, Fri, Mon
    actions.holidays_import(
        actor=users["county"],
        text="\n".join(f"2026-10-0{d} 国庆节 off" for d in range(1, 8)) + "\n2026-10-10 调休 on",
    )
    after = add_workdays(start, 3, workday_overrides(start.date(), dt.date(2026, 12, 31)))
    assert after.date() == dt.date(2026, 10, 10)  # Thu 8, Fri 9, Sat 10 (a make-up day)


# --- units and members --------------------------------------------------------------------------


def test_unit_create_at_an_area_of_the_officer(users, tree):
    unit = actions.unit_create(
        actor=users["town_a"], area_code=TOWN_A, kind=Unit.Kind.PROVIDER, name="仙城物业公司"
    )
    assert (unit.area_id, unit.area_code, unit.kind, unit.active) == (
        TOWN_A,
        TOWN_A,
        "provider",
        True,
    )
    assert last_audit("appeal.unit_create").target_id == str(unit.pk)
    assert unit in queries.unit_list(actor=users["town_a"])
    assert unit not in queries.unit_list(actor=users["town_b"])


@pytest.mark.parametrize(
    "who,area",
    [("worker_a1", A1), ("head_a1", A1), ("town_b", TOWN_A), ("town_a", COUNTY), ("sysadmin", A1)],
)
def test_unit_create_refused_outside_the_officers_areas(users, tree, who, area):
    before = rows(*CONFIG_MODELS)
    with pytest.raises(Forbidden):
        actions.unit_create(actor=users[who], area_code=area, kind="department", name="某局")
    assert rows(*CONFIG_MODELS) == before


def test_unit_create_refuses_bad_input(users, tree, office):
    before = rows(*CONFIG_MODELS)
    for kwargs, field in [
        ({"area_code": COUNTY, "kind": "community", "name": "x"}, "kind"),
        ({"area_code": COUNTY, "kind": "department", "name": "  "}, "name"),
        ({"area_code": COUNTY, "kind": "department", "name": office.name}, "name"),
        ({"area_code": "999999", "kind": "department", "name": "x"}, "area"),
        ({"area_code": "220403001001001", "kind": "provider", "name": "x"}, "area"),
    ]:
        with pytest.raises(ActionError) as caught:
            actions.unit_create(actor=users["county"], **kwargs)
        assert field in caught.value.errors, kwargs
    assert rows(*CONFIG_MODELS) == before


def test_unit_update_renames_and_takes_out_of_use(users, submit, office):
    unit = actions.unit_update(actor=users["county"], unit_id=office.pk, name="区住房和城乡建设局")
    assert unit.name == "区住房和城乡建设局"
    appeal = submit()
    Appeal.objects.filter(pk=appeal.pk).update(unit=office, state="dispatched")
    with pytest.raises(Conflict) as caught:
        actions.unit_update(actor=users["county"], unit_id=office.pk, active=False)
    assert caught.value.errors == {"active": [caught.value.message]}
    office.refresh_from_db()
    assert office.active
    Appeal.objects.filter(pk=appeal.pk).update(state="closed")
    assert (
        actions.unit_update(actor=users["county"], unit_id=office.pk, active=False).active is False
    )
    # town A reads the county's office in its choices but may not change it.
    with pytest.raises(Forbidden):
        actions.unit_update(actor=users["town_a"], unit_id=office.pk, active=True)


@pytest.fixture
def staff(tree):
    return make_user(
        "wuye_li", Role.PROVIDER, tree["town_a"], phone="13711112222", full_name="李师傅"
    )


def test_unit_member_add_by_username_or_phone(users, tree, staff):
    unit = actions.unit_create(
        actor=users["town_a"], area_code=TOWN_A, kind="provider", name="仙城物业公司"
    )
    member = actions.unit_member_add(actor=users["town_a"], unit_id=unit.pk, login="137 1111 2222")
    assert member.user == staff and not member.is_supervisor
    event = last_audit("appeal.unit_member_add")
    assert event.extra == {"user": staff.pk, "supervisor": False}
    assert "13711112222" not in str(event.extra)
    second = actions.unit_member_add(
        actor=users["town_a"], unit_id=unit.pk, login="worker_a1", is_supervisor=True
    )
    assert second.is_supervisor
    assert unit.pk in queries.member_unit_ids(User.objects.get(pk=staff.pk))
    with pytest.raises(Conflict):
        actions.unit_member_add(actor=users["town_a"], unit_id=unit.pk, login="wuye_li")
    changed = actions.unit_member_set_supervisor(
        actor=users["town_a"], unit_id=unit.pk, user_id=staff.pk, is_supervisor=True
    )
    assert changed.is_supervisor
    actions.unit_member_remove(actor=users["town_a"], unit_id=unit.pk, user_id=staff.pk)
    assert list(unit.memberships.values_list("user__username", flat=True)) == ["worker_a1"]
    with pytest.raises(NotFound):
        actions.unit_member_remove(actor=users["town_a"], unit_id=unit.pk, user_id=staff.pk)


@pytest.mark.parametrize(
    "login", ["nobody", "resident_a1", "secadmin", "sysadmin", "13900000001", "", "gone"]
)
def test_unit_member_add_needs_an_active_staff_account(users, office, login):
    make_user("gone", Role.COMMUNITY_WORKER, users["worker_a1"].assignments.first().area)
    User.objects.filter(username="gone").update(is_active=False)
    before = rows(*CONFIG_MODELS)
    with pytest.raises(ActionError) as caught:
        actions.unit_member_add(actor=users["county"], unit_id=office.pk, login=login)
    assert "login" in caught.value.errors
    assert rows(*CONFIG_MODELS) == before


def test_unit_members_are_managed_only_in_ones_areas(users, tree, office, other, staff):
    before = rows(*CONFIG_MODELS)
    with pytest.raises(Forbidden):  # town A sees the county office but does not run it
        actions.unit_member_add(actor=users["town_a"], unit_id=office.pk, login="wuye_li")
    with pytest.raises(NotFound):  # another county's officer does not see it at all
        actions.unit_member_add(actor=other["officer"], unit_id=office.pk, login="wuye_li")
    with pytest.raises(NotFound):
        actions.unit_member_remove(
            actor=other["officer"], unit_id=office.pk, user_id=users["dept"].pk
        )
    with pytest.raises(Forbidden):
        actions.unit_member_set_supervisor(
            actor=users["town_b"], unit_id=office.pk, user_id=users["dept"].pk, is_supervisor=True
        )
    assert rows(*CONFIG_MODELS) == before


def test_area_units_have_no_members(users, tree):
    unit = queries.unit_for_area(A1, "community")
    with pytest.raises(ActionError) as caught:
        actions.unit_member_add(actor=users["town_a"], unit_id=unit.pk, login="worker_a1")
    assert "login" in caught.value.errors
    assert not UnitMember.objects.exists()


# --- routing rules ------------------------------------------------------------------------------


@pytest.fixture
def wuye(users, tree):
    return actions.unit_create(
        actor=users["town_a"], area_code=TOWN_A, kind="provider", name="仙城物业公司"
    )


def test_routing_rule_create_sends_appeals_to_the_unit(users, catalogue, office, wuye, submit):
    rule = actions.routing_rule_create(
        actor=users["town_a"], area_code=A1, category_id=catalogue["noise"].pk, unit_id=wuye.pk
    )
    assert (rule.prefix, rule.area_code, rule.created_by) == (A1, A1, users["town_a"])
    assert last_audit("appeal.rule_create").extra == {
        "category": catalogue["noise"].pk,
        "unit": wuye.pk,
    }
    assert queries.route(A1, catalogue["noise"]) == (wuye, rule)
    assert submit().unit == wuye
    # A town may send its appeals to a county office (a unit above it).
    county_rule = actions.routing_rule_create(
        actor=users["town_a"], area_code=TOWN_A, category_id=None, unit_id=office.pk
    )
    assert queries.route(A2, catalogue["order"])[1] == county_rule
    assert county_rule in queries.routing_rule_list(actor=users["town_a"])
    assert county_rule not in queries.routing_rule_list(actor=users["town_b"])


def test_routing_rule_create_refused_outside_ones_areas(users, catalogue, wuye):
    before = rows(*CONFIG_MODELS)
    for who, area in [("town_b", A1), ("worker_a1", A1), ("head_a1", A1), ("town_a", COUNTY)]:
        with pytest.raises(Forbidden):
            actions.routing_rule_create(
                actor=users[who], area_code=area, category_id=catalogue["noise"].pk, unit_id=wuye.pk
            )
    assert rows(*CONFIG_MODELS) == before


def test_routing_rule_create_refuses_bad_input(users, catalogue, wuye, other):
    town_b_unit = actions.unit_create(
        actor=users["town_b"], area_code=TOWN_B, kind="provider", name="东山物业"
    )
    other_unit = Unit.objects.create(
        kind="department", name="龙山区住建局", area=other["area"], area_code=OTHER_COUNTY
    )
    before = rows(*CONFIG_MODELS)
    cases = [
        ({"category_id": other["categories"]["noise"].pk, "unit_id": wuye.pk}, "category"),
        ({"category_id": 10**9, "unit_id": wuye.pk}, "category"),
        ({"category_id": catalogue["noise"].pk, "unit_id": town_b_unit.pk}, "unit"),
        ({"category_id": catalogue["noise"].pk, "unit_id": other_unit.pk}, "unit"),
        ({"category_id": catalogue["noise"].pk, "unit_id": "x"}, "unit"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ActionError) as caught:
            actions.routing_rule_create(actor=users["town_a"], area_code=A1, **kwargs)
        assert field in caught.value.errors, kwargs
    with pytest.raises(ActionError) as caught:
        actions.routing_rule_create(actor=users["county"], area_code="220400", unit_id=wuye.pk)
    assert "area" in caught.value.errors
    assert rows(*CONFIG_MODELS) == before
    # The county officer's areas take in town B: the county may send A1's appeals there.
    actions.routing_rule_create(
        actor=users["county"], area_code=A1, category_id=None, unit_id=town_b_unit.pk
    )


def test_routing_rule_is_unique_per_place_and_category(users, catalogue, wuye, office):
    actions.routing_rule_create(actor=users["town_a"], area_code=A1, unit_id=wuye.pk)
    with pytest.raises(Conflict):
        actions.routing_rule_create(actor=users["town_a"], area_code=A1, unit_id=office.pk)
    actions.routing_rule_create(
        actor=users["town_a"], area_code=A1, category_id=catalogue["noise"].pk, unit_id=office.pk
    )
    assert RoutingRule.objects.count() == 2


def test_routing_rule_to_a_unit_out_of_use_is_refused(users, catalogue, wuye):
    actions.unit_update(actor=users["town_a"], unit_id=wuye.pk, active=False)
    with pytest.raises(ActionError) as caught:
        actions.routing_rule_create(actor=users["town_a"], area_code=A1, unit_id=wuye.pk)
    assert "unit" in caught.value.errors


def test_routing_rule_delete(users, catalogue, wuye, office):
    mine = actions.routing_rule_create(actor=users["town_a"], area_code=A1, unit_id=wuye.pk)
    county_wide = actions.routing_rule_create(
        actor=users["county"], area_code=COUNTY, unit_id=office.pk
    )
    with pytest.raises(NotFound):
        actions.routing_rule_delete(actor=users["town_b"], rule_id=mine.pk)
    with pytest.raises(Forbidden):
        actions.routing_rule_delete(actor=users["town_a"], rule_id=county_wide.pk)
    assert RoutingRule.objects.count() == 2
    actions.routing_rule_delete(actor=users["town_a"], rule_id=mine.pk)
    assert list(RoutingRule.objects.all()) == [county_wide]
    assert last_audit("appeal.rule_delete").target_id == str(mine.pk)


# --- the preview --------------------------------------------------------------------------------


@pytest.fixture
def rules(users, catalogue, office, wuye):
    """A rule at every level: the county sends everything to the office, town A sends property
    matters to its property company, A1 keeps lifts to itself (its own unit), A2 is left alone."""
    a1_unit = queries.unit_for_area(A1, "community")
    lift_company = actions.unit_create(
        actor=users["county"], area_code=COUNTY, kind="provider", name="电梯维保公司"
    )
    made = {
        "county_any": actions.routing_rule_create(
            actor=users["county"], area_code=COUNTY, unit_id=office.pk
        ),
        "town_property": actions.routing_rule_create(
            actor=users["town_a"],
            area_code=TOWN_A,
            category_id=catalogue["property"].pk,
            unit_id=wuye.pk,
        ),
        "a1_lift": actions.routing_rule_create(
            actor=users["town_a"],
            area_code=A1,
            category_id=catalogue["property.lift"].pk,
            unit_id=a1_unit.pk,
        ),
        "county_lift": actions.routing_rule_create(
            actor=users["county"],
            area_code=COUNTY,
            category_id=catalogue["property.lift"].pk,
            unit_id=lift_company.pk,
        ),
    }
    made["a1_unit"] = a1_unit
    made["lift_company"] = lift_company
    return made


def test_preview_names_the_winner_and_every_rule_weighed(users, catalogue, rules, wuye):
    preview = queries.routing_preview(
        actor=users["town_a"], area_code=A1, category_id=catalogue["property.lift"].pk
    )
    route = preview.route
    assert (route.unit, route.rule) == queries.route(A1, catalogue["property.lift"])
    assert route.rule == rules["a1_lift"] and route.outcome == "rule"
    weighed = [(c.rule, c.reach, c.wins) for c in route.candidates]
    assert weighed == [
        (rules["a1_lift"], "category", True),  # the category itself, nearest place
        (rules["county_lift"], "category", False),  # the category itself, farther place
        (rules["town_property"], "parent", False),  # a broader kind
        (rules["county_any"], "any", False),  # any category
    ]
    assert [a.code for a in preview.path] == [A1, TOWN_A, COUNTY, "220400000000", "220000000000"]
    # In A2 the county's lift rule beats the town's property rule: the category comes first.
    a2 = queries.routing_preview(
        actor=users["town_a"], area_code=A2, category_id=catalogue["property.lift"].pk
    )
    assert a2.route.unit == rules["lift_company"]
    leak = queries.routing_preview(
        actor=users["town_a"], area_code=A2, category_id=catalogue["property.leak"].pk
    )
    assert (leak.route.unit, leak.route.rule) == (wuye, rules["town_property"])


def test_preview_passes_over_units_out_of_use(users, catalogue, rules, office):
    actions.unit_update(actor=users["county"], unit_id=rules["lift_company"].pk, active=False)
    preview = queries.routing_preview(
        actor=users["county"], area_code=A2, category_id=catalogue["property.lift"].pk
    )
    skipped = [c for c in preview.route.candidates if c.skipped]
    assert [c.rule for c in skipped] == [rules["county_lift"]]
    assert preview.route.rule == rules["town_property"]
    assert (preview.route.unit, preview.route.rule) == queries.route(A2, catalogue["property.lift"])


def test_preview_without_rules_falls_back_to_the_default_unit(users, catalogue, dept_category):
    noise = catalogue["noise"]
    preview = queries.routing_preview(actor=users["county"], area_code=B1, category_id=noise.pk)
    assert preview.route.outcome == "default_new"  # B1's own unit is made on the first appeal
    assert preview.route.default_area.code == B1
    unit, rule = queries.route(B1, noise)
    assert rule is None and unit.area_id == B1
    again = queries.routing_preview(actor=users["county"], area_code=B1, category_id=noise.pk)
    assert (again.route.outcome, again.route.unit) == ("default", unit)
    dept = queries.routing_preview(
        actor=users["county"], area_code=B1, category_id=dept_category.pk
    )
    assert dept.route.outcome == "dispatcher" and dept.route.unit is None
    assert queries.route(B1, dept_category) == (None, None)


def test_preview_table_agrees_with_the_router_for_every_category(users, catalogue, rules):
    for area in (A1, A2, TOWN_A, "220403001001001"):
        _area, routes = queries.routing_table(actor=users["town_a"], area_code=area)
        assert {r.category.pk for r in routes} == {c.pk for c in catalogue.values()}
        for row in routes:
            unit, rule = queries.route(area, row.category)
            if row.outcome == "default_new":
                assert rule is None and unit.area_id == row.default_area.code
            else:
                assert (row.unit, row.rule) == (unit, rule), (area, row.category.key)


def test_preview_is_scoped(users, catalogue, other):
    with pytest.raises(NotFound):
        queries.routing_preview(
            actor=users["town_b"], area_code=A1, category_id=catalogue["noise"].pk
        )
    with pytest.raises(NotFound):
        queries.routing_table(actor=users["worker_a1"], area_code=A1)
    with pytest.raises(ActionError) as caught:
        queries.routing_preview(
            actor=users["town_a"], area_code=A1, category_id=other["categories"]["noise"].pk
        )
    assert "category" in caught.value.errors


# --- templates and the policy -------------------------------------------------------------------


def test_templates_create_update_delete(users, catalogue):
    template = actions.template_create(
        actor=users["county"],
        county_code=COUNTY,
        step="accept",
        title="已派人查看",
        text="我们已派工作人员今天上门查看。",
        category_id=catalogue["noise"].pk,
    )
    assert template.area_code == COUNTY and template.category == catalogue["noise"]
    updated = actions.template_update(
        actor=users["county"], template_id=template.pk, text="明天上门。", active=False
    )
    assert (updated.text, updated.active, updated.title) == ("明天上门。", False, "已派人查看")
    assert last_audit("appeal.template_update").extra["changed"] == ["active", "text"]
    assert template in queries.template_list(actor=users["county"], county_code=COUNTY)
    actions.template_delete(actor=users["county"], template_id=template.pk)
    assert not ResponseTemplate.objects.filter(pk=template.pk).exists()


def test_templates_refuse_bad_input_and_other_actors(users, catalogue, other):
    before = rows(*CONFIG_MODELS)
    with pytest.raises(ActionError) as caught:
        actions.template_create(
            actor=users["county"],
            county_code=COUNTY,
            step="celebrate",
            title="",
            text="   ",
            category_id=other["categories"]["noise"].pk,
        )
    assert set(caught.value.errors) == {"step", "title", "text", "category"}
    existing = ResponseTemplate.objects.filter(area_code=COUNTY).first()
    with pytest.raises(ActionError) as caught:
        actions.template_create(
            actor=users["county"],
            county_code=COUNTY,
            step=existing.step,
            title=existing.title,
            text="x",
            category_id=existing.category_id,
        )
    assert "title" in caught.value.errors
    with pytest.raises(Forbidden):
        actions.template_create(
            actor=users["town_a"], county_code=COUNTY, step="accept", title="t", text="x"
        )
    with pytest.raises(NotFound):
        actions.template_delete(actor=other["officer"], template_id=existing.pk)
    assert rows(*CONFIG_MODELS) == before


def test_policy_update(users, catalogue):
    policy = actions.policy_update(
        actor=users["county"], county_code=COUNTY, auto_confirm_days=5, satisfied_from=4
    )
    assert (policy.auto_confirm_days, policy.satisfied_from, policy.rating_days) == (5, 4, 15)
    assert last_audit("appeal.policy_update").extra == {
        "changed": ["auto_confirm_days", "satisfied_from"],
        "auto_confirm_days": 5,
        "satisfied_from": 4,
    }
    assert queries.policy_get(actor=users["sysadmin"], county_code=COUNTY).auto_confirm_days == 5


def test_policy_update_refuses_bad_values_and_other_actors(users, catalogue, other):
    before = list(Policy.objects.values())
    with pytest.raises(ActionError) as caught:
        actions.policy_update(
            actor=users["county"],
            county_code=COUNTY,
            auto_confirm_days=0,
            satisfied_from=2,
            escalate_again_hours=10_000,
            auto_confirmed_resolved="perhaps",
        )
    assert set(caught.value.errors) == {
        "auto_confirm_days",
        "satisfied_from",
        "escalate_again_hours",
        "auto_confirmed_resolved",
    }
    with pytest.raises(Forbidden):
        actions.policy_update(actor=users["town_a"], county_code=COUNTY, rating_days=3)
    with pytest.raises(Forbidden):
        actions.policy_update(actor=other["officer"], county_code=COUNTY, rating_days=3)
    with pytest.raises(ActionError):
        actions.policy_update(actor=users["county"], county_code=TOWN_A, rating_days=3)
    assert list(Policy.objects.values()) == before


# --- Open311 clients ----------------------------------------------------------------------------


def test_open311_key_is_shown_once_and_only_its_digest_kept(users, tree):
    client, key = actions.open311_client_create(
        actor=users["secadmin"], name="城市服务App", area_code="220403"
    )
    assert key.startswith("o311_") and len(key) >= 5 + 32
    client.refresh_from_db()
    assert client.digest == hashlib.sha256(key.encode()).hexdigest()
    assert client.prefix == key[:8]
    stored = [str(v) for v in Open311Client.objects.values().first().values()]
    assert key not in stored
    event = last_audit("appeal.open311_client_create")
    assert key not in str(event.extra) and event.area_code == COUNTY
    # Every key is new.
    _second, other_key = actions.open311_client_create(
        actor=users["secadmin"], name="网格通", area_code=COUNTY
    )
    assert other_key != key
    assert [c.name for c in queries.open311_client_list(actor=users["secadmin"])] == [
        "城市服务App",
        "网格通",
    ]


@pytest.mark.parametrize("who", ["sysadmin", "county", "secadmin_a", "auditor", "town_a"])
def test_open311_keys_only_for_the_security_admin_of_the_county(users, tree, who):
    with pytest.raises(Forbidden):
        actions.open311_client_create(actor=users[who], name="App", area_code=COUNTY)
    assert not Open311Client.objects.exists()


def test_open311_client_create_refuses_bad_input(users, tree):
    for kwargs, field in [
        ({"name": "App", "area_code": TOWN_A}, "area_code"),
        ({"name": "App", "area_code": "abc"}, "area_code"),
        ({"name": " ", "area_code": COUNTY}, "name"),
        ({"name": "x" * 101, "area_code": COUNTY}, "name"),
    ]:
        with pytest.raises(ActionError) as caught:
            actions.open311_client_create(actor=users["secadmin"], **kwargs)
        assert field in caught.value.errors
    assert not Open311Client.objects.exists()


def test_open311_client_revoke(users, tree):
    client, _key = actions.open311_client_create(
        actor=users["secadmin"], name="App", area_code=COUNTY
    )
    with pytest.raises(NotFound):
        actions.open311_client_revoke(actor=users["secadmin_a"], client_id=client.pk)
    with pytest.raises(NotFound):
        actions.open311_client_revoke(actor=users["sysadmin"], client_id=client.pk)
    assert Open311Client.objects.get(pk=client.pk).active
    assert (
        actions.open311_client_revoke(actor=users["secadmin"], client_id=client.pk).active is False
    )
    audits = AuditEvent.objects.filter(action="appeal.open311_client_revoke").count()
    actions.open311_client_revoke(actor=users["secadmin"], client_id=client.pk)
    assert AuditEvent.objects.filter(action="appeal.open311_client_revoke").count() == audits == 1


# --- pages --------------------------------------------------------------------------------------


def test_routing_page_shows_the_officers_rules_and_units(login, users, catalogue, rules, wuye):
    response = login(users["town_a"]).get(reverse("appeals:config"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-rule="{rules["town_property"].pk}"' in body
    assert f'data-rule="{rules["county_any"].pk}"' not in body  # set above town A
    assert f'data-unit="{wuye.pk}"' in body
    other = login(users["town_b"]).get(reverse("appeals:config")).content.decode()
    assert f'data-rule="{rules["town_property"].pk}"' not in other
    assert "仙城物业公司" not in other.split('id="rules-title"')[1]


@pytest.mark.parametrize("who", ["worker_a1", "resident_a1", "sysadmin", "secadmin", "dept"])
def test_settings_pages_need_their_capability(login, users, catalogue, who):
    client = login(users[who])
    assert client.get(reverse("appeals:config")).status_code == 403
    assert client.get(reverse("appeals:open311_clients")).status_code == (
        200 if who == "secadmin" else 403
    )
    catalogue_status = client.get(reverse("appeals:catalogue")).status_code
    assert catalogue_status == (200 if who == "sysadmin" else 403)


def test_settings_pages_need_a_login(client, tree):
    response = client.get(reverse("appeals:config"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_preview_works_without_javascript_and_with_htmx(login, users, catalogue, rules):
    client = login(users["town_a"])
    url = reverse("appeals:config")
    lift = catalogue["property.lift"]
    page = client.get(url, {"area": A1, "category": lift.pk})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-outcome="rule"' in body and "<html" in body
    assert body.index(f'data-rule="{rules["a1_lift"].pk}"') < body.index(
        f'data-rule="{rules["county_lift"].pk}"'
    )
    assert 'data-testid="preview-table"' in body
    partial = client.get(
        url,
        {"area": A1, "category": lift.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="route-preview",
    )
    assert partial.status_code == 200
    fragment = partial.content.decode()
    assert "<html" not in fragment and 'id="route-preview"' in fragment
    assert 'data-outcome="rule"' in fragment
    assert partial["HX-Push-Url"] == f"{url}?area={A1}&category={lift.pk}"
    # A place outside town A is not previewed.
    refused = client.get(url, {"area": B1, "category": lift.pk}).content.decode()
    assert 'data-testid="preview-outcome"' not in refused and "form-error" in refused


def test_rule_add_page(login, users, catalogue, wuye):
    client = login(users["town_a"])
    response = client.post(
        reverse("appeals:config_rule_add"),
        {"area": A2, "category": catalogue["noise"].pk, "unit": wuye.pk},
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.area_id, rule.category, rule.unit) == (A2, catalogue["noise"], wuye)
    again = client.post(
        reverse("appeals:config_rule_add"),
        {"area": A2, "category": catalogue["noise"].pk, "unit": wuye.pk},
    )
    assert again.status_code == 400
    assert "There is already a rule for this category here" in again.content.decode()
    assert RoutingRule.objects.count() == 1
    # Town B cannot choose A2 at all.
    refused = login(users["town_b"]).post(
        reverse("appeals:config_rule_add"), {"area": A2, "category": "", "unit": wuye.pk}
    )
    assert refused.status_code == 400 and RoutingRule.objects.count() == 1
    deleted = login(users["town_b"]).post(reverse("appeals:config_rule_delete", args=[rule.pk]))
    assert deleted.status_code == 404
    deleted = login(users["town_a"]).post(reverse("appeals:config_rule_delete", args=[rule.pk]))
    assert deleted.status_code == 302 and not RoutingRule.objects.exists()


def test_unit_pages(login, users, tree, staff):
    client = login(users["town_a"])
    response = client.post(
        reverse("appeals:config_unit_add"), {"area": TOWN_A, "kind": "provider", "name": "仙城物业"}
    )
    unit = Unit.objects.get(name="仙城物业")
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:config_unit", args=[unit.pk])
    duplicate = client.post(
        reverse("appeals:config_unit_add"), {"area": TOWN_A, "kind": "provider", "name": "仙城物业"}
    )
    assert duplicate.status_code == 400 and Unit.objects.filter(name="仙城物业").count() == 1
    unknown = client.post(
        reverse("appeals:config_member_add", args=[unit.pk]), {"login": "13700000000"}
    )
    assert unknown.status_code == 400
    assert "There is no active account" in unknown.content.decode()
    added = client.post(
        reverse("appeals:config_member_add", args=[unit.pk]),
        {"login": "13711112222", "is_supervisor": "on"},
    )
    assert added.status_code == 302
    member = UnitMember.objects.get(unit=unit)
    assert member.user == staff and member.is_supervisor
    page = client.get(reverse("appeals:config_unit", args=[unit.pk])).content.decode()
    assert "李师傅" in page and "13711112222" not in page
    client.post(
        reverse("appeals:config_member_change", args=[unit.pk, staff.pk]),
        {"do": "supervisor", "is_supervisor": "0"},
    )
    assert not UnitMember.objects.get(unit=unit).is_supervisor
    client.post(reverse("appeals:config_member_change", args=[unit.pk, staff.pk]), {"do": "remove"})
    assert not UnitMember.objects.exists()
    renamed = client.post(reverse("appeals:config_unit", args=[unit.pk]), {"name": "仙城物业公司"})
    assert renamed.status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.active) == ("仙城物业公司", False)
    assert (
        login(users["town_b"]).get(reverse("appeals:config_unit", args=[unit.pk])).status_code
        == 404
    )


def test_catalogue_page_and_loading_defaults(login, users, tree):
    client = login(users["county"])
    empty = client.get(reverse("appeals:catalogue")).content.decode()
    assert 'data-testid="defaults-form"' in empty
    response = client.post(reverse("appeals:defaults_load"), {"county": COUNTY})
    assert response.status_code == 302
    assert Category.objects.filter(area_code=COUNTY).count() == 22
    page = client.get(reverse("appeals:catalogue"), {"county": COUNTY}).content.decode()
    assert 'data-testid="defaults-form"' not in page
    assert "Lift out of order" in page  # a built-in category in the reader's language
    assert client.get(reverse("appeals:catalogue"), {"county": OTHER_COUNTY}).status_code == 404


def test_category_pages(login, users, catalogue):
    client = login(users["county"])
    lift = catalogue["property.lift"]
    form = client.get(reverse("appeals:category_edit", args=[lift.pk])).content.decode()
    assert "trapped | singlevaluelist | required |" in form
    bad = client.post(
        reverse("appeals:category_edit", args=[lift.pk]),
        {
            "name": lift.name,
            "tier": "utilities",
            "unit_kind": "community",
            "active": "on",
            "questions": "trapped | singlevaluelist | required | Anyone trapped?",
        },
    )
    assert bad.status_code == 400
    assert "Question 1" in bad.content.decode()
    lift.refresh_from_db()
    assert lift.attributes[0]["values"]
    good = client.post(
        reverse("appeals:category_edit", args=[lift.pk]),
        {
            "name": lift.name,
            "tier": "emergency",
            "unit_kind": "community",
            "active": "on",
            "public": "on",
            "parent": catalogue["property"].pk,
            "questions": "trapped | singlevaluelist | 必填 | 有人被困吗？ | yes=有；no=没有\n"
            "floor ｜ number ｜ optional ｜ 几楼？",
        },
    )
    assert good.status_code == 302
    lift.refresh_from_db()
    assert lift.tier.code == "emergency"
    assert lift.attributes == [
        {
            "code": "trapped",
            "datatype": "singlevaluelist",
            "required": True,
            "description": "有人被困吗？",
            "values": [{"key": "yes", "name": "有"}, {"key": "no", "name": "没有"}],
        },
        {
            "code": "floor",
            "datatype": "number",
            "required": False,
            "description": "几楼？",
            "values": [],
        },
    ]
    added = client.post(
        reverse("appeals:category_add"),
        {"county": COUNTY, "name": "燃气泄漏", "tier": "emergency", "unit_kind": "town"},
    )
    assert added.status_code == 302
    assert Category.objects.get(name="燃气泄漏").active is False  # the box was not ticked
    assert (
        login(users["town_a"]).get(reverse("appeals:category_edit", args=[lift.pk])).status_code
        == 403
    )


def test_holiday_page_import_is_all_or_nothing(login, users):
    client = login(users["county"])
    url = reverse("appeals:holidays")
    bad = client.post(url, {"form": "import", "text": "2026-10-01 国庆节 off\n2026-10-02 国庆节"})
    assert bad.status_code == 400
    assert "Line 2:" in bad.content.decode()
    assert not Holiday.objects.exists()
    good = client.post(url, {"form": "import", "text": NATIONAL_DAY})
    assert good.status_code == 302 and Holiday.objects.count() == 5
    page = client.get(url, {"year": 2026}).content.decode()
    assert 'data-date="2026-10-10"' in page
    day = client.post(url, {"form": "day", "date": "2026-10-03", "name": "国庆节"})
    assert day.status_code == 302 and Holiday.objects.count() == 6
    removed = client.post(reverse("appeals:holiday_delete"), {"date": "2026-10-03"})
    assert removed.status_code == 302 and Holiday.objects.count() == 5


def test_tier_template_and_policy_pages(login, users, catalogue):
    client = login(users["sysadmin"])
    response = client.post(
        reverse("appeals:tier_edit", args=["general"]),
        {"name": "一般", "respond_minutes": 720, "resolve_amount": 5, "resolve_unit": "workdays"},
    )
    assert response.status_code == 302
    assert Tier.objects.get(code="general").resolve_amount == 5
    refused = client.post(
        reverse("appeals:tier_edit", args=["general"]),
        {"name": "一般", "respond_minutes": 0, "resolve_amount": 5, "resolve_unit": "workdays"},
    )
    assert refused.status_code == 400
    response = client.post(
        reverse("appeals:template_add"),
        {
            "county": COUNTY,
            "step": "resolve",
            "title": "已清理",
            "text": "垃圾已清理。",
            "active": "on",
        },
    )
    assert response.status_code == 302
    template = ResponseTemplate.objects.get(title="已清理")
    response = client.post(reverse("appeals:template_delete", args=[template.pk]))
    assert (
        response.status_code == 302 and not ResponseTemplate.objects.filter(pk=template.pk).exists()
    )
    response = client.post(
        reverse("appeals:policy"),
        {
            "county": COUNTY,
            "auto_confirm_days": 5,
            "rating_days": 10,
            "satisfied_from": 4,
            "rectify_workdays": 10,
            "escalate_again_hours": 12,
        },
    )
    assert response.status_code == 302
    policy = Policy.objects.get(area_code=COUNTY)
    assert (policy.auto_confirm_days, policy.auto_confirmed_resolved) == (5, False)
    bad = client.post(
        reverse("appeals:policy"),
        {
            "county": COUNTY,
            "auto_confirm_days": 500,
            "rating_days": 10,
            "satisfied_from": 4,
            "rectify_workdays": 10,
            "escalate_again_hours": 12,
        },
    )
    assert bad.status_code == 400
    assert Policy.objects.get(area_code=COUNTY).auto_confirm_days == 5


def test_open311_page_shows_the_key_once(login, users, tree):
    client = login(users["secadmin"])
    url = reverse("appeals:open311_clients")
    response = client.post(url, {"name": "城市服务App", "area_code": COUNTY})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    client_row = Open311Client.objects.get()
    body = response.content.decode()
    start = body.index('id="new-key-value"')
    key = body[start:].split('value="')[1].split('"')[0]
    assert key.startswith("o311_") and Open311Client.digest_of(key) == client_row.digest
    later = client.get(url).content.decode()
    assert key not in later and client_row.prefix in later
    revoked = client.post(reverse("appeals:open311_client_revoke", args=[client_row.pk]))
    assert revoked.status_code == 302
    assert not Open311Client.objects.get().active
    assert (
        login(users["secadmin_a"])
        .post(reverse("appeals:open311_client_revoke", args=[client_row.pk]))
        .status_code
        == 404
    )


def test_category_page_offers_no_parent_that_would_close_a_cycle(login, users, catalogue):
    page = login(users["county"]).get(
        reverse("appeals:category_edit", args=[catalogue["property"].pk])
    )
    options = page.content.decode().split('id="id_parent"')[1].split("</select>")[0]
    assert f'value="{catalogue["property.lift"].pk}"' not in options
    assert f'value="{catalogue["property"].pk}"' not in options
    assert f'value="{catalogue["environment"].pk}"' in options
    assert f'value="{catalogue["environment.drains"].pk}"' in options
