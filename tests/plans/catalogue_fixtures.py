"""Helpers of the catalogue tests: the people who plan (a county officer of 西安区, its
prefecture's officer, a town officer, a community head, a department officer, the officer of
the neighbouring county 龙山区 and a resident), the built-in templates (installed after
migrate) and plans and indicators made with the ORM."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linli.core.models import Area
from linli.core.roles import Role
from linli.plans.models import Indicator, Plan, Target
from tests.conftest import make_area, make_user


def template(key: str) -> Plan:
    return Plan.objects.get(is_template=True, template_key=key)


def builtin(key: str) -> Indicator:
    return Indicator.objects.get(area_code="", key=key)


def make_plan(
    area: Area,
    title: str = "西安区社区服务体系建设规划",
    *,
    status=Plan.Status.DRAFT,
    years=(2021, 2025),
) -> Plan:
    return Plan.objects.create(
        area_code=area.code, title=title, start_year=years[0], end_year=years[1], status=status
    )


def make_target(plan: Plan, key: str, value="100", op=">=", **extra) -> Target:
    return Target.objects.create(
        plan=plan, indicator=builtin(key), op=op, value=Decimal(value), **extra
    )


def make_indicator(area: Area, key: str, name: str = "社区议事协商开展率", **extra) -> Indicator:
    values = {"unit": "percent", "source": "reported", "factor": Decimal(100), **extra}
    return Indicator.objects.create(area_code=area.code, key=key, name=name, **values)


@pytest.fixture(name="planners")
def planners_fixture(tree):
    prefecture = make_area("2204", "辽源市")
    Area.objects.filter(pk=prefecture.pk).update(name="辽源市")  # the tree made it unnamed
    prefecture.refresh_from_db()
    neighbour = make_area("220402", "龙山区")
    return {
        "county": make_user("p_county", Role.COUNTY_OFFICER, tree["county"]),
        "prefecture": make_user("p_prefecture", Role.COUNTY_OFFICER, prefecture),
        "town_a": make_user("p_town_a", Role.TOWN_OFFICER, tree["town_a"]),
        "head_a1": make_user("p_head_a1", Role.COMMUNITY_HEAD, tree["a1"]),
        "dept": make_user("p_dept", Role.DEPARTMENT_OFFICER, tree["county"]),
        "other": make_user("p_other", Role.COUNTY_OFFICER, neighbour),
        "resident": make_user("p_resident", Role.RESIDENT, tree["a1"]),
    }
