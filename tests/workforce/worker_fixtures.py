"""Fixtures of the worker roster tests: a prefecture officer, the built-in ladder on the
prefecture, a few workers in the neighbouring communities of tests/conftest.py, and a way to
build spreadsheets.

Roster (hired 2020-03-01 unless said otherwise):
    A1 仙城社区: 张书记 (两委, 书记, 一岗三级, party member, 社工师), 李网格 (网格员, ID number,
                phone), 王社工 (专职社工岗, 助理社工师)
    A2 新兴社区: 赵主任 (两委, 一肩挑)
    B1 东山社区: 孙委员 (两委, 委员)

Import the fixtures a test module needs by their function names (``roster_fixture``…): pytest
finds them in the module's namespace under their fixture names (``roster``…).
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.workforce import actions
from linli.workforce.actions.spreadsheet import COLUMNS
from linli.workforce.models import Certificate, PostLevel, Worker
from tests.conftest import make_area, make_user
from tests.registry.conftest import make_id

PREFECTURE = "220400000000"
PROVINCE = "220000000000"
ZHANG_ID = make_id("19800101", 11)
LI_ID = make_id("19900215", 12, female=True)
LI_PHONE = "13812345678"


def save(actor=SYSTEM, *, community, name, post="other", hired_on="2020-03-01", **more):
    return actions.worker_save(
        actor=actor,
        community_code=community.code,
        name=name,
        post=post,
        hired_on=hired_on,
        **more,
    )


@pytest.fixture(name="prefecture")
def prefecture_fixture(tree):
    return make_area(PREFECTURE, "四平市")


@pytest.fixture(name="province")
def province_fixture(tree):
    return make_area(PROVINCE, "吉林省")


@pytest.fixture(name="pref_officer")
def pref_officer_fixture(prefecture):
    """A civil-affairs officer of the prefecture: keeps its ladder."""
    return make_user("pref_officer", Role.COUNTY_OFFICER, prefecture)


@pytest.fixture(name="ladder")
def ladder_fixture(prefecture):
    """The built-in 三岗十八级 ladder on the prefecture, by code."""
    actions.postlevel_defaults(actor=SYSTEM, area_code=prefecture.code)
    return {level.code: level for level in PostLevel.objects.filter(area=prefecture)}


@pytest.fixture(name="roster")
def roster_fixture(tree, ladder):
    """The workers of the module docstring, by name."""
    zhang = save(
        community=tree["a1"],
        name="张书记",
        post="committee",
        committee_role="secretary",
        id_number=ZHANG_ID,
        party_member=True,
        education="bachelor",
        level_id=ladder["1-3"].pk,
    )
    actions.certificate_add(
        actor=SYSTEM, worker_id=zhang.pk, level="social_worker", obtained_on="2019-06-20"
    )
    li = save(
        community=tree["a1"],
        name="李网格",
        post="grid",
        id_number=LI_ID,
        phone=LI_PHONE,
        education="college",
    )
    wang = save(community=tree["a1"], name="王社工", post="social_work", social_work_major=True)
    actions.certificate_add(
        actor=SYSTEM, worker_id=wang.pk, level="assistant", obtained_on="2021-09-01"
    )
    zhao = save(community=tree["a2"], name="赵主任", post="committee", committee_role="both")
    sun = save(community=tree["b1"], name="孙委员", post="committee", committee_role="member")
    return {"张书记": zhang, "李网格": li, "王社工": wang, "赵主任": zhao, "孙委员": sun}


def counts() -> dict[str, int]:
    return {"workers": Worker.objects.count(), "certificates": Certificate.objects.count()}


def sheet(rows: list[dict], *, headers: list[str] | None = None, name="workers.xlsx"):
    """An uploaded .xlsx with the template's Chinese headers and ``rows`` (keyed by column
    key or header)."""
    labels = {c.key: c.label for c in COLUMNS}
    headers = headers or [c.label for c in COLUMNS]
    book = Workbook()
    page = book.active
    page.append(headers)
    for row in rows:
        by_label = {labels.get(key, key): value for key, value in row.items()}
        page.append([by_label.get(header, "") for header in headers])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())
