"""Shared fixtures of the volunteers tests: an organisation and a team in A1, and volunteers
made straight in the database (the registration actions have their own tests)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from linli.volunteers.models import Membership, Organisation, Team, Volunteer

_numbers = itertools.count(1)


def make_volunteer(area, *, user=None, name="志愿者", id_number=None, phone=None, **extra):
    """A volunteer of ``area`` (consent recorded), linked to ``user`` when given."""
    serial = next(_numbers)
    return Volunteer.objects.create(
        area=area,
        area_code=area.code,
        number=f"T{serial:08d}",
        user=user,
        name=name,
        id_number=id_number,
        phone=phone,
        source=Volunteer.Source.STAFF,
        consent_at=timezone.now(),
        consent_version="2026-1",
        **extra,
    )


@pytest.fixture
def org_a1(tree):
    """The volunteer station of A1."""
    return Organisation.objects.create(
        area=tree["a1"],
        area_code=tree["a1"].code,
        name="仙城社区志愿服务站",
        kind=Organisation.Kind.STATION,
    )


@pytest.fixture
def org_a2(tree):
    """The volunteer station of A2 (A1's neighbour)."""
    return Organisation.objects.create(
        area=tree["a2"],
        area_code=tree["a2"].code,
        name="新兴社区志愿服务站",
        kind=Organisation.Kind.STATION,
    )


@pytest.fixture
def volunteer_a1(users, tree, org_a1):
    """resident_a1 (王秀兰) as a volunteer of A1's station."""
    return make_volunteer(
        tree["a1"],
        user=users["resident_a1"],
        name="王秀兰",
        id_number="220403195503150021",
        phone="13900000001",
        organisation=org_a1,
        phone_verified_at=timezone.now() - dt.timedelta(days=30),
        skills=["elderly_care"],
    )


@pytest.fixture
def team_a1(tree, org_a1, volunteer_a1):
    """A party-led team of A1 led by volunteer_a1."""
    team = Team.objects.create(
        area=tree["a1"],
        area_code=tree["a1"].code,
        organisation=org_a1,
        name="仙城党员先锋队",
        leader=volunteer_a1,
        party_led=True,
        skills=["elderly_care"],
        target_groups=["elderly_alone"],
    )
    Membership.objects.create(
        team=team,
        volunteer=volunteer_a1,
        area_code=team.area_code,
        role=Membership.Role.LEADER,
    )
    return team
