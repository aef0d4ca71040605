"""Fixtures of the facility register's tests: facilities and venues recorded through the
actions, and a community head of a2 (a1's neighbour) who records facilities there."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from linli.core.roles import Role
from linli.facilities import actions
from tests.conftest import make_user

FULL_WEEK = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:30-12:00, 13:30-18:30") | {
    "sat": "09:00-17:00",
    "sun": "09:00-17:00",
}


def facility_data(**more) -> dict:
    data = {
        "name": "仙城社区党群服务中心",
        "kind": "comprehensive",
        "floor_area": "1200.50",
        "activity_area": "800",
        "year_built": 2019,
        "ownership": "owned",
        "address": "仙城路18号",
        "latitude": "43.880512",
        "longitude": "125.323544",
        "accessibility": ["ramp", "toilet"],
        "terminals": 2,
        "hours": dict(FULL_WEEK),
        "phone": "0434-3212345",
    }
    data.update(more)
    return data


def save(actor, area, **more):
    return actions.facility_save(actor=actor, area_code=area.code, **facility_data(**more))


def venue_data(**more) -> dict:
    data = {
        "name": "多功能活动室",
        "kind": "activity",
        "capacity": 40,
        "rules": "请爱护公物，活动结束后恢复桌椅。",
        "hours": {"mon": "08:00-12:00, 14:00-21:00", "sat": "09:00-17:00"},
        "slot_minutes": 60,
    }
    data.update(more)
    return data


def jpeg(color=(200, 30, 30), size=(64, 48)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    out.seek(0)
    out.name = "photo.jpg"
    return out


@pytest.fixture(name="head_a2")
def head_a2_fixture(tree):
    return make_user("head_a2", Role.COMMUNITY_HEAD, tree["a2"])


@pytest.fixture(name="centre")
def centre_fixture(users, tree):
    """a1's comprehensive service centre, open 8 hours or more every day."""
    return save(users["head_a1"], tree["a1"])


@pytest.fixture(name="hall")
def hall_fixture(users, centre):
    """A room of a1's centre that residents book at once."""
    return actions.venue_save(actor=users["head_a1"], facility_id=centre.pk, **venue_data())
