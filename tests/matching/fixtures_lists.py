"""Fixtures of the needs and resources lists and matching.

On the tree of tests/conftest.py (county 220403 > town A > A1 (grid 220403001001001), A2;
town B > B1):

- ``team_a1``: 仙城助老服务队 of A1 (elderly care and repairs), led by the volunteer 王秀兰
  (the account ``resident_a1``), three active members free on Saturday morning and afternoon
  and Wednesday afternoon, one member who left;
- ``team_b1``: a team of B1 offering elderly care;
- ``hall_a1``: a hall of A1's service centre taking bookings (capacity 80) on weekdays;
- helpers to list needs and resources through the actions (``need``, ``provider``);
- ``elderly_a1``/``elderly_b1``: a resident of each community in the registry, ``care_need_a1``
  a need found on a visit to the first, and ``appeal_a1`` an elderly-care appeal of A1.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.scoping import SYSTEM
from linli.matching.actions import lists as actions
from linli.matching.models import Match, Need, Resource, ResourceCategory
from linli.volunteers.models import Membership, Organisation, Team
from tests.volunteers.conftest import make_volunteer


@pytest.fixture(name="english", autouse=True)
def english_fixture(settings):
    """These tests read messages in English (the site's default is Chinese)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def make_team(area, name, *, skills, members, leader_user=None, leader_name="队长"):
    """A team of ``area`` whose members have the availability lists of ``members`` (the first
    leads it, as ``leader_user`` when given)."""
    org = Organisation.objects.get_or_create(
        area=area, name=f"{area.name}志愿服务站",
        defaults={"area_code": area.code, "kind": Organisation.Kind.STATION},
    )[0]  # fmt: skip
    people = [
        make_volunteer(
            area,
            user=leader_user if index == 0 else None,
            name=leader_name if index == 0 else f"队员{index}",
            availability=availability,
            organisation=org,
        )
        for index, availability in enumerate(members)
    ]
    team = Team.objects.create(
        area=area,
        area_code=area.code,
        organisation=org,
        name=name,
        leader=people[0] if people else None,
        skills=skills,
        description=f"{name}的服务",
    )
    for index, volunteer in enumerate(people):
        Membership.objects.create(
            team=team,
            volunteer=volunteer,
            area_code=area.code,
            role=Membership.Role.LEADER if index == 0 else Membership.Role.MEMBER,
        )
    return team


@pytest.fixture(name="team_a1")
def team_a1_fixture(tree, users):
    team = make_team(
        tree["a1"],
        "仙城助老服务队",
        skills=["elderly_care", "repair"],
        members=[["sat_am", "sat_pm"], ["sat_am", "wed_pm"], ["sat_pm"]],
        leader_user=users["resident_a1"],
        leader_name="王秀兰",
    )
    gone = make_volunteer(tree["a1"], name="离队者", availability=["mon_am"])
    Membership.objects.create(
        team=team, volunteer=gone, area_code=team.area_code, left_on=timezone.localdate()
    )
    return team


@pytest.fixture(name="team_b1")
def team_b1_fixture(tree):
    return make_team(
        tree["b1"], "东山助老队", skills=["elderly_care"], members=[["sat_am"], ["sat_am"]]
    )


@pytest.fixture(name="hall_a1")
def hall_a1_fixture(tree):
    from linli.facilities.models import Facility, Venue

    centre = Facility.objects.create(
        area=tree["a1"],
        area_code=tree["a1"].code,
        name="仙城社区党群服务中心",
        kind="comprehensive",
        floor_area=600,
        activity_area=400,
    )
    week = {day: [["08:30", "12:00"], ["14:00", "17:30"]] for day in ("mon", "tue", "wed")}
    return Venue.objects.create(
        area=tree["a1"],
        area_code=tree["a1"].code,
        facility=centre,
        name="多功能厅",
        kind="hall",
        capacity=80,
        hours=week,
    )


def need_data(**more) -> dict:
    data = {
        "category": "elderly_care",
        "title": "陪伴聊天、代购生活用品",
        "who": "独居老人",
        "place": "仙城路1号",
        "times": ["sat_am"],
        "people": 1,
        "urgency": "normal",
    }
    data.update(more)
    return data


def need(actor, area, **more) -> Need:
    return actions.need_create(actor=actor, area_code=area.code, **need_data(**more))


def provider(actor, area, **more) -> Resource:
    data = {
        "kind": "provider",
        "name": "康乐居家养老服务中心",
        "categories": ["elderly_care", "meals"],
        "times": ["sat_am", "sun_am"],
        "capacity": 5,
        "contact_name": "李经理",
        "contact_phone": "13812345678",
    }
    data.update(more)
    return actions.resource_create(actor=actor, area_code=area.code, **data)


def counts() -> dict[str, int]:
    """Rows of the lists' tables (and the audit log), to show a refusal wrote nothing."""
    from linli.core.models import AuditEvent, Notification
    from linli.volunteers.models import Activity, Shift

    return {
        "needs": Need.objects.count(),
        "resources": Resource.objects.count(),
        "categories": ResourceCategory.objects.count(),
        "matches": Match.objects.count(),
        "activities": Activity.objects.count(),
        "shifts": Shift.objects.count(),
        "audit": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


# --- residents, care-visit needs and appeals ----------------------------------------------------


def make_resident(area, name: str):
    from linli.registry import actions as registry

    home = registry.household_create(
        actor=SYSTEM, community_code=area.code, residence_type="registered", address="幸福路8号"
    )
    return registry.resident_add(actor=SYSTEM, household_id=home.pk, name=name)


@pytest.fixture(name="elderly_a1")
def elderly_a1_fixture(tree):
    return make_resident(tree["a1"], "李桂芝")


@pytest.fixture(name="elderly_b1")
def elderly_b1_fixture(tree):
    return make_resident(tree["b1"], "赵福海")


def make_care_need(resident, *, kind="meals", urgency="normal", subject_kind="elderly"):
    from linli.care.models import Need as CareNeed
    from linli.care.models import Subject

    subject = Subject.objects.filter(resident=resident, ended_on__isnull=True).first()
    if subject is None:
        subject = Subject.objects.create(
            resident=resident,
            area_code=resident.area_code,
            kind=subject_kind,
            tags=["special_elderly"],
            frequency="monthly",
            started_on=timezone.localdate() - dt.timedelta(days=100),
        )
    return CareNeed.objects.create(
        subject=subject,
        resident=resident,
        area_code=resident.area_code,
        kind=kind,
        urgency=urgency,
        description="每周需要送餐两次",
    )


@pytest.fixture(name="care_need_a1")
def care_need_a1_fixture(elderly_a1):
    return make_care_need(elderly_a1)


@pytest.fixture(name="catalogue")
def catalogue_fixture(tree):
    from linli.appeals import actions as appeal_actions
    from linli.appeals.models import Category

    appeal_actions.appeal_defaults_load(actor=SYSTEM, county_code=tree["county"].code)
    return {c.key: c for c in Category.objects.filter(area_code=tree["county"].code)}


def make_appeal(user, area, category, **more):
    from linli.appeals import actions as appeal_actions

    data = {
        "category_id": category.pk,
        "area_code": area.code,
        "description": "家里老人行动不便，需要有人帮忙买菜",
        "address": "仙城路1号",
    }
    data.update(more)
    return appeal_actions.appeal_submit(actor=user, **data)


@pytest.fixture(name="appeal_a1")
def appeal_a1_fixture(users, tree, catalogue):
    return make_appeal(users["resident_a1"], tree["a1"], catalogue["elderly"])


@pytest.fixture(name="upcoming")
def upcoming_fixture():
    """The first Saturday from tomorrow on (where a shift for ``sat_am`` falls)."""
    today = timezone.localdate()
    return today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
