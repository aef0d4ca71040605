"""Registry fixtures: homes and people in the neighbouring communities of tests/conftest.py.

A1 仙城社区 (220403001001): building 1号楼 in grid 220403001001001, with two households
    (张三 and family; 李四 who lives alone, a special_elderly.living_alone member) and
    building 2号楼 outside any grid with one household (王五, a dibao member)
A2 新兴社区 (220403001002): one household (赵六)
B1 东山社区 (220403002001): one household (孙七, with a community_correction membership)
"""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from linli.core.scoping import SYSTEM
from linli.registry import actions


def make_id(birth: str, seq: int = 1, *, female: bool = False, area: str = "220403") -> str:
    """A valid 身份证号 for a birth date ``YYYYMMDD``; ``seq`` keeps numbers apart."""
    order = seq * 2 % 1000 if female else (seq * 2 + 1) % 1000
    body = f"{area}{birth}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def homes(tree):
    """The homes and people of the module docstring, by name."""
    b1 = actions.building_create(
        actor=SYSTEM, community_code=tree["a1"].code, name="1号楼", address="仙城路1号", units=3
    )
    b2 = actions.building_create(
        actor=SYSTEM, community_code=tree["a1"].code, name="2号楼", address="仙城路2号", units=2
    )
    actions.grid_assign(actor=SYSTEM, grid_code=tree["grid_a1"].code, building_ids=[b1.pk])
    b1.refresh_from_db()
    h_zhang = actions.household_create(
        actor=SYSTEM,
        community_code=tree["a1"].code,
        residence_type="registered",
        building_id=b1.pk,
        unit="1",
        room="101",
    )
    h_li = actions.household_create(
        actor=SYSTEM,
        community_code=tree["a1"].code,
        residence_type="registered",
        building_id=b1.pk,
        unit="2",
        room="502",
    )
    h_wang = actions.household_create(
        actor=SYSTEM,
        community_code=tree["a1"].code,
        residence_type="resident",
        building_id=b2.pk,
        unit="1",
        room="301",
    )
    h_zhao = actions.household_create(
        actor=SYSTEM,
        community_code=tree["a2"].code,
        residence_type="registered",
        address="新兴街8号",
    )
    h_sun = actions.household_create(
        actor=SYSTEM,
        community_code=tree["b1"].code,
        residence_type="registered",
        address="东山路3号",
    )
    people = {}
    people["zhang"] = actions.resident_add(
        actor=SYSTEM,
        household_id=h_zhang.pk,
        name="张三",
        id_number=make_id("19800115", 1),
        phone="13712345678",
        relationship="head",
        ethnicity="01",
        moved_in_on="2010-05-01",
    )
    people["zhang_wife"] = actions.resident_add(
        actor=SYSTEM,
        household_id=h_zhang.pk,
        name="刘芳",
        id_number=make_id("19820320", 2, female=True),
        relationship="spouse",
        ethnicity="11",
        moved_in_on="2010-05-01",
    )
    people["zhang_child"] = actions.resident_add(
        actor=SYSTEM,
        household_id=h_zhang.pk,
        name="张小明",
        id_number=make_id("20150601", 3),
        relationship="child",
        moved_in_on="2015-06-01",
    )
    people["li"] = actions.resident_add(
        actor=SYSTEM,
        household_id=h_li.pk,
        name="李四",
        id_number=make_id("19400202", 4),
        phone="13698765432",
        relationship="head",
        moved_in_on="1995-01-01",
    )
    people["wang"] = actions.resident_add(
        actor=SYSTEM,
        household_id=h_wang.pk,
        name="王五",
        id_number=make_id("19601010", 5),
        relationship="head",
        moved_in_on="2020-03-01",
    )
    people["zhao"] = actions.resident_add(
        actor=SYSTEM,
        household_id=h_zhao.pk,
        name="赵六",
        id_number=make_id("19750707", 6),
        relationship="head",
        moved_in_on="2001-01-01",
    )
    people["sun"] = actions.resident_add(
        actor=SYSTEM,
        household_id=h_sun.pk,
        name="孙七",
        id_number=make_id("19900909", 7),
        relationship="head",
        moved_in_on="2019-01-01",
    )
    tags = {
        "li_alone": actions.resident_tag_add(
            actor=SYSTEM,
            resident_id=people["li"].pk,
            tag_code="special_elderly.living_alone",
            started_on="2024-01-01",
        ),
        "wang_dibao": actions.resident_tag_add(
            actor=SYSTEM,
            resident_id=people["wang"].pk,
            tag_code="dibao",
            started_on="2023-07-01",
        ),
        "sun_correction": actions.resident_tag_add(
            actor=SYSTEM,
            resident_id=people["sun"].pk,
            tag_code="community_correction",
            started_on=dt.date(2025, 1, 1),
        ),
    }
    return {
        "buildings": {"b1": b1, "b2": b2},
        "households": {"zhang": h_zhang, "li": h_li, "wang": h_wang, "zhao": h_zhao, "sun": h_sun},
        "people": people,
        "tags": tags,
    }
