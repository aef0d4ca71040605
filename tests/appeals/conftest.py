"""Appeal fixtures: the county's starting catalogue, a department office with a member, a helper
to submit an appeal as a resident.

The county 220403 gets the built-in categories; 住建局 (a department unit at the county) has the
user ``dept`` of tests/conftest.py as member and a supervisor ``dept_head``.
"""

from __future__ import annotations

import pytest

from linli.appeals import actions
from linli.appeals.models import Category, Unit, UnitMember
from linli.core.scoping import SYSTEM

from ..conftest import make_user


@pytest.fixture
def catalogue(tree):
    actions.appeal_defaults_load(actor=SYSTEM, county_code=tree["county"].code)
    return {c.key: c for c in Category.objects.filter(area_code=tree["county"].code)}


@pytest.fixture
def office(tree, users):
    unit = Unit.objects.create(
        kind=Unit.Kind.DEPARTMENT,
        name="区住建局",
        area=tree["county"],
        area_code=tree["county"].code,
    )
    UnitMember.objects.create(unit=unit, user=users["dept"])
    head = make_user("dept_head")
    UnitMember.objects.create(unit=unit, user=head, is_supervisor=True)
    return unit


@pytest.fixture
def submit(tree, users, catalogue):
    """``submit(**overrides)``: resident_a1 submits a noise appeal in A1 unless told otherwise."""

    def _submit(actor=None, **overrides):
        data = {
            "category_id": catalogue["noise"].pk,
            "area_code": tree["a1"].code,
            "description": "楼上每天深夜装修，电钻声音很大",
            "address": "仙城路1号1号楼",
        }
        data.update(overrides)
        return actions.appeal_submit(actor=actor or users["resident_a1"], **data)

    return _submit


# --- clocks, counts, media, a department category ---------------------------------------------


class Clock:
    """The time the appeal actions see (``_common.now``): ``set(when)`` and ``advance(**delta)``."""

    def __init__(self, when):
        self.when = when

    def __call__(self):
        return self.when

    def set(self, when):
        self.when = when
        return when

    def advance(self, **delta):
        import datetime as dt

        self.when = self.when + dt.timedelta(**delta)
        return self.when


@pytest.fixture
def clock(monkeypatch):
    """Freeze the actions' clock at Wednesday 18 November 2026, 10:00 in Asia/Shanghai."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from linli.appeals.actions import _common

    frozen = Clock(dt.datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    monkeypatch.setattr(_common, "now", frozen)
    return frozen


@pytest.fixture
def counts(db):
    """``counts()``: how many rows each appeals table (and the audit log) holds, to show that
    a refused action wrote nothing."""
    from linli.appeals import models as m
    from linli.core.models import AuditEvent, Notification

    tables = {
        "appeal": m.Appeal,
        "event": m.Event,
        "dispatch": m.Dispatch,
        "photo": m.Photo,
        "rating": m.Rating,
        "rectification": m.Rectification,
        "callback": m.Callback,
        "supervision": m.Supervision,
        "audit": AuditEvent,
        "notification": Notification,
    }

    def _counts() -> dict[str, int]:
        return {name: model.objects.count() for name, model in tables.items()}

    return _counts


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded photos go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def dept_category(tree, catalogue):
    """A county category handled by default by a department office (no rule: a dispatcher
    decides which one)."""
    return Category.objects.create(
        area_code=tree["county"].code,
        name="建筑工地扬尘",
        tier=catalogue["noise"].tier,
        unit_kind=Unit.Kind.DEPARTMENT,
    )
