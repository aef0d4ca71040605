"""Fixtures of the livelihood-project tests: messages in English, a project of community A1
with milestones, one of town A and one of community B1, and residents' needs to link.

Import them with ``from .fixtures_projects import *`` (pytest finds fixtures in a test
module's namespace)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from linli.core.models import AuditEvent
from linli.matching.actions import projects as actions
from linli.matching.models import LivelihoodProject, Need, ProjectMilestone, ProjectUpdate

PROJECT = {
    "name": "老年助餐点建设",
    "category": "meals",
    "summary": "在社区服务中心建设老年助餐点，每天中午供应午餐。",
    "budget": "120000.50",
    "funding": "fiscal",
    "lead_unit": "仙城社区居委会",
    "beneficiaries": "辖区60岁以上老人",
    "beneficiary_count": "350",
    "starts_on": "2026-03-01",
    "ends_on": "2026-12-31",
}


def today() -> dt.date:
    return timezone.localdate()


def counts() -> dict[str, int]:
    """Rows of every table a project action writes (to assert that nothing was written)."""
    return {
        "projects": LivelihoodProject.objects.count(),
        "milestones": ProjectMilestone.objects.count(),
        "updates": ProjectUpdate.objects.count(),
        "links": LivelihoodProject.needs.through.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def make_project(actor, area, **more) -> LivelihoodProject:
    return actions.project_create(actor=actor, area_code=area.code, **(PROJECT | more))


def make_need(area, *, title="独居老人午餐无人做", category="meals", status="open", **more) -> Need:
    return Need.objects.create(
        area_code=area.code,
        source=Need.Source.ENTERED,
        category=category,
        title=title,
        who="独居老人",
        status=status,
        **more,
    )


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read messages in English (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def a1_project(users, tree):
    """A published project of community A1, under way at 30 %, with three milestones (shares
    30 done, 50 overdue, 20 not due) and two updates (one for staff only)."""
    head = users["head_a1"]
    project = make_project(head, tree["a1"])
    first = actions.milestone_add(
        actor=head, project_id=project.pk, title="选址和设计", weight=30, due_on=today()
    )
    actions.milestone_complete(actor=head, project_id=project.pk, milestone_id=first.pk)
    actions.milestone_add(
        actor=head,
        project_id=project.pk,
        title="装修和设备采购",
        weight=50,
        due_on=today() - dt.timedelta(days=3),
    )
    actions.milestone_add(
        actor=head,
        project_id=project.pk,
        title="试运营",
        weight=20,
        due_on=today() + dt.timedelta(days=30),
    )
    actions.project_report(
        actor=head, project_id=project.pk, progress=30, status="under_way", text="选址已完成。"
    )
    actions.project_report(
        actor=head,
        project_id=project.pk,
        progress=30,
        status="under_way",
        text="内部记录：与施工方对接。",
        published=False,
    )
    actions.project_publish(actor=head, project_id=project.pk)
    project.refresh_from_db()
    return project


@pytest.fixture
def town_project(users, tree):
    """A published, planned project of town A itself (not of a community)."""
    project = make_project(
        users["town_a"],
        tree["town_a"],
        name="街道综合养老服务中心",
        category="elderly_care",
        budget="800000",
        funding="lottery",
        lead_unit="仙城街道办事处",
    )
    actions.project_publish(actor=users["town_a"], project_id=project.pk)
    project.refresh_from_db()
    return project


@pytest.fixture
def b1_project(users, tree):
    """A published project of community B1 (the neighbouring town), made by the county."""
    project = make_project(
        users["county"],
        tree["b1"],
        name="东山社区儿童之家",
        category="children",
        budget="50000",
        funding="donation",
        lead_unit="东山社区居委会",
    )
    actions.project_publish(actor=users["county"], project_id=project.pk)
    project.refresh_from_db()
    return project


@pytest.fixture
def hidden_project(users, tree):
    """A project of community A1 that residents do not see (not published)."""
    return make_project(
        users["head_a1"], tree["a1"], name="尚未公开的项目", budget="9000", funding="community_fund"
    )


@pytest.fixture
def a1_need(tree):
    return make_need(tree["a1"])


@pytest.fixture
def a2_need(tree):
    return make_need(tree["a2"], title="新兴社区助餐需求")


ZERO = Decimal("0.00")

__all__ = [
    "PROJECT",
    "ZERO",
    "_english",
    "a1_need",
    "a1_project",
    "a2_need",
    "b1_project",
    "counts",
    "hidden_project",
    "make_need",
    "make_project",
    "today",
    "town_project",
]
