"""Fixtures of the records tests: an activity of A1 run by its team, with two shifts of
yesterday and volunteers who came; helpers that write records and offers straight in the
database (the activities family writes sign-ups through its own actions)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from linli.core.roles import Role
from linli.volunteers.actions import records as actions
from linli.volunteers.models import (
    Activity,
    Offer,
    Organisation,
    PointsEntry,
    ServiceRecord,
    Shift,
    Signup,
    Volunteer,
)

from ..conftest import make_user
from .conftest import make_volunteer


def yesterday_at(hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def make_activity(area, organiser, *, team=None, organisation=None, **extra) -> Activity:
    values = {
        "title": "独居老人助餐送餐",
        "description": "为独居老人送午餐并陪伴聊天",
        "target_group": "elderly_alone",
        "beneficiaries": "社区独居老人",
        "place": "社区长者食堂",
        "leader_name": "赵队长",
        "status": Activity.Status.FINISHED,
        "starts_at": yesterday_at(9),
        "ends_at": yesterday_at(17),
    }
    values.update(extra)
    return Activity.objects.create(
        area=area,
        area_code=area.code,
        organiser=organiser,
        team=team,
        organisation=organisation,
        **values,
    )


def make_shift(activity, start: dt.datetime, end: dt.datetime, **extra) -> Shift:
    return Shift.objects.create(
        activity=activity,
        area_code=activity.area_code,
        starts_at=start,
        ends_at=end,
        spots=extra.pop("spots", 10),
        **extra,
    )


def attend(shift, volunteer, *, checked_in=None, checked_out=None, status="attended") -> Signup:
    return Signup.objects.create(
        shift=shift,
        volunteer=volunteer,
        area_code=shift.area_code,
        status=status,
        checked_in_at=checked_in,
        checked_out_at=checked_out,
    )


def counts() -> tuple[int, int]:
    """(service records, points lines): what a refused write must leave unchanged."""
    return ServiceRecord.objects.count(), PointsEntry.objects.count()


def write_record(volunteer, recorder, *, hours="2", served_on=None, area_code=None, **extra):
    """A service record written straight in the database (totals not refreshed)."""
    values = {
        "activity_name": "社区环境清扫",
        "place": "社区广场",
        "beneficiaries": "全体居民",
        "content": "清扫广场落叶",
        "leader_name": "赵队长",
        "recorder_name": recorder.get_full_name(),
    }
    values.update(extra)
    return ServiceRecord.objects.create(
        volunteer=volunteer,
        area_code=area_code or volunteer.area_code,
        served_on=served_on or timezone.localdate() - dt.timedelta(days=3),
        hours=Decimal(hours),
        recorder=recorder,
        **values,
    )


def record_manually(actor, volunteer, **extra):
    values = {
        "volunteer_id": volunteer.pk,
        "activity_name": "社区环境清扫",
        "served_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "place": "社区广场",
        "beneficiaries": "全体居民",
        "content": "清扫广场落叶",
        "hours": "3",
        "quality": "good",
        "leader_name": "赵队长",
    }
    values.update(extra)
    return actions.record_create(actor=actor, **values)


def spend(actor, offer, volunteer=None, key=None):
    return actions.points_spend(
        actor=actor,
        offer_id=offer.pk,
        client_key=str(key or uuid.uuid4()),
        volunteer_id=volunteer.pk if volunteer is not None else None,
    )


def volunteer_row(volunteer) -> Volunteer:
    return Volunteer.objects.only("hours_total", "star", "points_balance").get(pk=volunteer.pk)


@pytest.fixture(autouse=True)
def english_messages(settings):
    """Messages and pages are checked in English (the msgids; the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def neighbour_a1(tree):
    """A second volunteer of A1, with an account of their own."""
    user = make_user("neighbour_a1", Role.RESIDENT, tree["a1"], full_name="李志强")
    return make_volunteer(tree["a1"], user=user, name="李志强", id_number="220403198001010011")


@pytest.fixture
def volunteer_a2(tree, org_a2):
    return make_volunteer(tree["a2"], name="孙丽", organisation=org_a2)


@pytest.fixture
def activity_a1(tree, users, org_a1, team_a1):
    return make_activity(tree["a1"], users["worker_a1"], team=team_a1, organisation=org_a1)


@pytest.fixture
def morning(activity_a1):
    """Yesterday 9:00–11:00 at the activity's place."""
    return make_shift(activity_a1, yesterday_at(9), yesterday_at(11))


@pytest.fixture
def afternoon(activity_a1):
    """Yesterday 14:00–17:00 in the community hall."""
    return make_shift(activity_a1, yesterday_at(14), yesterday_at(17), place="社区活动室")


@pytest.fixture
def came(morning, afternoon, volunteer_a1, neighbour_a1):
    """volunteer_a1 came in the morning (no check-out); neighbour_a1 in the afternoon, checked
    in at 14:10 and out at 15:20."""
    return {
        "a1_morning": attend(morning, volunteer_a1, checked_in=yesterday_at(8, 55)),
        "neighbour_afternoon": attend(
            afternoon,
            neighbour_a1,
            checked_in=yesterday_at(14, 10),
            checked_out=yesterday_at(15, 20),
        ),
    }


@pytest.fixture
def haircut(tree, users):
    """A time-bank offer of A1: a haircut for 30 points, 3 left."""
    return Offer.objects.create(
        area=tree["a1"], area_code=tree["a1"].code, name="理发", points=30, stock=3
    )


@pytest.fixture
def org_b1(tree):
    return Organisation.objects.create(
        area=tree["b1"], area_code=tree["b1"].code, name="东山社区志愿服务站", kind="station"
    )


@pytest.fixture
def town_association(tree):
    """An organisation of A's town (above A1 and A2)."""
    return Organisation.objects.create(
        area=tree["town_a"],
        area_code=tree["town_a"].code,
        name="仙城街道志愿者协会",
        kind="association",
    )
