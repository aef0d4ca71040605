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
