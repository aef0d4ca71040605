"""Helpers of the task ledger tests: a plan of the county in force with two tasks, the people
who report and approve, a fixed clock, and files to attach.

The county (220403) has town A (communities a1 and a2) and town B (community b1). a1 and b1
have community heads; a2 has none, so town A's officers write a2's reports. The clock stands at
2026-06-15 10:00 (Asia/Shanghai): the community task (yearly, due 10-31) is to report 2025
(overdue) and 2026; the town task (quarterly, due on the 10th of the month after the quarter)
is to report 2026Q1 (overdue since 04-10) and 2026Q2 (due 07-10).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.core.models import Area
from linli.core.roles import Role
from linli.plans.models import Plan, PlanTask, ProgressReport
from linli.plans.queries import ledger as ledger_queries
from linli.plans.queries.ledger import periods as ledger_periods
from tests.conftest import make_area, make_user

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=TZ)


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=TZ)


class Clock:
    """The ledger's clock: ``clock.set(at(...))`` moves it."""

    def __init__(self, monkeypatch):
        self.current = NOW
        # The reads look the clock up in the periods module, the actions through the package.
        monkeypatch.setattr(ledger_periods, "now", lambda: self.current)
        monkeypatch.setattr(ledger_queries, "now", lambda: self.current)

    def set(self, moment: dt.datetime) -> None:
        self.current = moment


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch):
    return Clock(monkeypatch)


def make_plan(area: Area, *, status=Plan.Status.ACTIVE, template: bool = False, **extra) -> Plan:
    return Plan.objects.create(
        area_code=area.code,
        title=extra.pop("title", f"{area.name}城乡社区服务体系建设实施方案"),
        start_year=extra.pop("start_year", 2025),
        end_year=extra.pop("end_year", 2027),
        status=status,
        is_template=template,
        template_key=extra.pop("template_key", ""),
        **extra,
    )


def make_task(plan: Plan, number: str, **extra) -> PlanTask:
    values = {
        "group": "重点任务一",
        "title": f"任务{number}",
        "lead_units": "区民政局",
        "co_units": "各街道",
        "report_level": 5,
        "frequency": PlanTask.Frequency.YEAR,
        "due_month": 10,
        "due_day": 31,
        "first_year": plan.start_year,
        "last_year": plan.end_year,
        "position": int(number.replace(".", "")),
    }
    values.update(extra)
    return PlanTask.objects.create(plan=plan, number=number, **values)


def make_report(
    task: PlanTask,
    area: Area,
    period: str,
    status: str = ProgressReport.Status.DRAFT,
    *,
    submitted_at: dt.datetime | None = None,
    percent: int = 50,
    text: str = "已完成社区议事厅改造",
) -> ProgressReport:
    if status != ProgressReport.Status.DRAFT and submitted_at is None:
        submitted_at = NOW
    return ProgressReport.objects.create(
        task=task,
        area_code=area.code,
        period=period,
        due_on=ledger_queries.period_due(task, period),
        text=text,
        percent=percent,
        status=status,
        submitted_at=submitted_at,
    )


@pytest.fixture(name="ledger")
def ledger_fixture(tree, users, clock):
    """The county's plan in force with a community task (1.1) and a town task (2.1), a template,
    and the people: community heads of a1 and b1, officers of both towns and the county, a
    department officer, a county officer of the neighbouring county (龙山区), and the heads'
    community worker who holds no plan capability."""
    people = {
        "head_a1": users["head_a1"],
        "head_b1": make_user("head_b1", Role.COMMUNITY_HEAD, tree["b1"], full_name="赵书记"),
        "town_a": users["town_a"],
        "town_b": users["town_b"],
        "county": users["county"],
        "dept": users["dept"],
        "worker_a1": users["worker_a1"],
        "resident": users["resident_a1"],
        "other_county": make_user(
            "county_other", Role.COUNTY_OFFICER, make_area("220402", "龙山区")
        ),
    }
    plan = make_plan(tree["county"])
    community = make_task(plan, "1.1", title="建设城乡社区综合服务设施")
    town = make_task(
        plan,
        "2.1",
        title="开展社区工作者培训",
        report_level=4,
        frequency=PlanTask.Frequency.QUARTER,
        due_day=10,
        first_year=2026,
        group="重点任务二",
        lead_units="区委组织部",
    )
    template = make_plan(tree["county"], template=True, template_key="ledger_test")
    template_task = make_task(template, "1.1")
    return {
        **people,
        "plan": plan,
        "community_task": community,
        "town_task": town,
        "template": template,
        "template_task": template_task,
        "tree": tree,
        "clock": clock,
    }


# --- files ----------------------------------------------------------------------------------------


def pdf(name: str = "会议纪要.pdf", size: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    if size:
        body += b"0" * max(size - len(body), 0)
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png(name: str = "现场照片.png") -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 10), (30, 120, 200)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def docx(name: str = "工作总结.docx") -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def fake(name: str = "照片.jpg") -> SimpleUploadedFile:
    """Text dressed as a photo: refused by its content."""
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", "image/jpeg")


@pytest.fixture(name="media")
def media_fixture(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
