"""Fixtures of the activities family's tests: times to come, activities made through the
actions, volunteers with accounts, the actions' clock and row counts.

On top of tests/conftest.py (county 220403: town A with A1 and A2, town B with B1; users of
every role) and tests/volunteers/conftest.py (org_a1, org_a2, volunteer_a1 = resident_a1's
record, team_a1 led by volunteer_a1, make_volunteer).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.utils import timezone, translation

from linli.core.models import AuditEvent, Notification
from linli.core.roles import Role
from linli.volunteers.actions import activities as actions
from linli.volunteers.models import Activity, Membership, Project, Shift, Signup

from ..conftest import make_user
from .conftest import make_volunteer

__all__ = [
    "a1_activity",
    "add_member",
    "clock",
    "counts",
    "english",
    "hall_a1",
    "make_activity",
    "one_shift",
    "person",
    "reader_a1",
    "shift_of",
    "sign_up",
    "soon",
]

_people = itertools.count(1)


def soon(hours: float = 48, minutes: int = 0) -> dt.datetime:
    """A local time ``hours`` from now, on a whole minute."""
    moment = timezone.localtime() + dt.timedelta(hours=hours, minutes=minutes)
    return moment.replace(second=0, microsecond=0)


def one_shift(hours: float = 48, *, spots: int = 3, length: float = 2, **more) -> list[dict]:
    """The ``shifts`` argument of one shift starting ``hours`` from now."""
    start = soon(hours)
    return [
        {"starts_at": start, "ends_at": start + dt.timedelta(hours=length), "spots": spots, **more}
    ]


def make_activity(actor, area, *, shifts=None, publish=True, **fields) -> Activity:
    """An activity of ``area`` made by ``actor`` through the actions (one shift of 2 hours, 3
    spots, in two days unless told), published unless told."""
    data = {
        "title": "陪伴独居老人",
        "description": "上门陪伴聊天，帮忙打扫。",
        "target_group": "elderly_alone",
        "leader_name": "社区志愿服务站",
        "place": "仙城社区服务中心",
    }
    data.update(fields)
    start = soon()
    planned = shifts or [
        {"starts_at": start, "ends_at": start + dt.timedelta(hours=2), "spots": 3, "role": "陪伴"}
    ]
    activity = actions.activity_create(actor=actor, area_code=area.code, shifts=planned, **data)
    if publish:
        actions.activity_publish(actor=actor, activity_id=activity.pk)
        activity.refresh_from_db()
    return activity


def shift_of(activity: Activity, index: int = 0) -> Shift:
    return list(Shift.objects.filter(activity=activity).order_by("starts_at", "pk"))[index]


def person(area, *, name: str = "志愿者", **extra):
    """A resident of ``area`` with an account and an active volunteer record."""
    serial = next(_people)
    user = make_user(f"vol{serial:03d}", Role.RESIDENT, area, full_name=name)
    return make_volunteer(area, user=user, name=name, **extra)


def add_member(team, volunteer) -> Membership:
    return Membership.objects.create(team=team, volunteer=volunteer, area_code=team.area_code)


def sign_up(actor, shift, **more) -> Signup:
    return actions.signup_create(
        actor=actor, shift_id=shift.pk, client_key=more.pop("client_key", uuid.uuid4()), **more
    )


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read messages in English (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def reader_a1(tree):
    """A grid worker assigned to all of A1: reads its volunteers and activities, manages
    nothing."""
    return make_user("reader_a1", Role.GRID_WORKER, tree["a1"])


@pytest.fixture
def a1_activity(users, tree, team_a1):
    """A published activity of A1 by worker_a1 for team_a1: one shift in two days, 3 spots."""
    return make_activity(users["worker_a1"], tree["a1"], team_id=team_a1.pk)


@pytest.fixture
def hall_a1(tree):
    """An open venue of A1 (facilities)."""
    from linli.facilities.models import Venue

    return Venue.objects.create(
        area=tree["a1"],
        area_code=tree["a1"].code,
        unit_name="仙城社区",
        name="社区活动室",
        kind="activity",
        capacity=40,
    )


@pytest.fixture
def counts(db):
    """``counts()``: rows of the family and the audit and notification tables, to show that a
    refusal wrote nothing."""

    def _counts() -> dict[str, int]:
        return {
            "project": Project.objects.count(),
            "activity": Activity.objects.count(),
            "shift": Shift.objects.count(),
            "signup": Signup.objects.count(),
            "audit": AuditEvent.objects.count(),
            "notification": Notification.objects.count(),
        }

    return _counts


@pytest.fixture
def clock(monkeypatch):
    """``clock(moment)``: the actions of the family read ``moment`` as now."""
    from linli.volunteers.actions.activities import _common

    def _set(moment: dt.datetime) -> None:
        monkeypatch.setattr(_common, "current_time", lambda: moment)

    return _set
