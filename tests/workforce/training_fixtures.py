"""Helpers of the training tests: workers, courses, sessions and marks made with the ORM (the
worker actions belong to another family), and a few users who keep training records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from linli.core.models import Area
from linli.core.roles import Role
from linli.workforce.models import Attendance, Course, Session, TrainingRule, Worker
from tests.conftest import make_area, make_user

AS_OF = dt.date(2025, 6, 15)


def months_ago(months: int, day: dt.date = AS_OF) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, min(day.day, 28))


def make_worker(
    community: Area,
    name: str,
    *,
    role: str = "",
    post: str = Worker.Post.COMMITTEE,
    hired_on: dt.date = dt.date(2018, 3, 1),
    left_on: dt.date | None = None,
) -> Worker:
    return Worker.objects.create(
        community=community,
        area_code=community.code,
        name=name,
        post=post,
        committee_role=role,
        hired_on=hired_on,
        left_on=left_on,
    )


def make_course(area: Area, title: str = "社区治理能力提升班", hours="8") -> Course:
    return Course.objects.create(
        area=area,
        area_code=area.code,
        title=title,
        organiser="区民政局",
        mode=Course.Mode.IN_PERSON,
        hours=Decimal(hours),
    )


def make_session(course: Course, starts_on: dt.date, ends_on=None, hours=None) -> Session:
    return Session.objects.create(
        course=course,
        area_code=course.area_code,
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        place="区委党校",
        hours=Decimal(hours) if hours is not None else course.hours,
    )


def mark(session: Session, worker: Worker, *, hours=None, attended: bool = True) -> Attendance:
    return Attendance.objects.create(
        session=session,
        worker=worker,
        area_code=worker.area_code,
        attended=attended,
        hours=Decimal(hours) if hours is not None else session.hours,
        trained_on=session.ends_on,
    )


def trained_at(course: Course, worker: Worker, day: dt.date, hours=None) -> Attendance:
    """A one-day session on ``day`` with ``worker`` present."""
    return mark(make_session(course, day, hours=hours), worker, hours=hours)


def make_rule(area: Area, applies_to: str, months: int, min_hours="0") -> TrainingRule:
    return TrainingRule.objects.create(
        area=area,
        area_code=area.code,
        applies_to=applies_to,
        cycle_months=months,
        min_hours=Decimal(min_hours),
    )


@pytest.fixture(name="trainers")
def trainers_fixture(tree):
    """Users of training: the county's and town A's officers keep records (training.manage);
    community heads and workers read them."""
    return {
        "county": make_user("t_county", Role.COUNTY_OFFICER, tree["county"]),
        "town_a": make_user("t_town_a", Role.TOWN_OFFICER, tree["town_a"]),
        "town_b": make_user("t_town_b", Role.TOWN_OFFICER, tree["town_b"]),
        "head_a1": make_user("t_head_a1", Role.COMMUNITY_HEAD, tree["a1"]),
        "worker_a2": make_user("t_worker_a2", Role.COMMUNITY_WORKER, tree["a2"]),
        "resident": make_user("t_resident", Role.RESIDENT, tree["a1"]),
        "other_county": make_user("t_other", Role.COUNTY_OFFICER, make_area("220402", "龙山区")),
    }
