"""The annual implementation report: its content, the .xlsx workbook, the PDF, the report page
and the API downloads.

The fixture plan of 西安区 (220403) has three targets measured in 2025 over the tree of
tests/conftest.py (towns A and B; communities A1, A2 under A and B1 under B). The values are
stored as a recompute would store them (Measurement rows written with cell_to_json), so the
expected figures are known exactly:

    target                          county            town A        town B        A1    A2    B1
    1 coverage ≥ 100 (binding)      66.7 not met      100 met       0 not met     100   100   0
    2 area per 100 hh ≥ 30 (each)   32 (1 below)      35 met        25 not met    40    31    25
                                    → at risk
    3 volunteer teams ≥ 80 (binding) no data           85 met        no data       90    80    —
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import AuditEvent
from linli.core.roles import Role
from linli.plans.actions.reports import report_pdf_document, report_xlsx
from linli.plans.models import (
    Indicator,
    Measurement,
    Plan,
    PlanTask,
    ProgressReport,
    Snapshot,
    SnapshotValue,
    Target,
)
from linli.plans.queries.ledger import ledger_rates
from linli.plans.queries.reports import plan_report
from linli.plans.queries.status import Cell, cell_to_json
from tests.conftest import make_area, make_user

YEAR = 2025
COUNTY = "220403000000"
TOWN_A = "220403001000"
TOWN_B = "220403002000"
A1, A2, B1 = "220403001001", "220403001002", "220403002001"
TITLE = "西安区城乡社区服务体系建设规划"
LEVELS = {COUNTY: 3, TOWN_A: 4, TOWN_B: 4, A1: 5, A2: 5, B1: 5}
PARENTS = {COUNTY: "220400000000", TOWN_A: COUNTY, TOWN_B: COUNTY, A1: TOWN_A, A2: TOWN_A}
PARENTS[B1] = TOWN_B
NAMES = {
    COUNTY: "西安区",
    TOWN_A: "仙城街道",
    TOWN_B: "东山街道",
    A1: "仙城社区",
    A2: "新兴社区",
    B1: "东山社区",
}


def cell(n, d, v, counted=None, below=None, source="computed"):
    dec = lambda x: None if x is None else Decimal(str(x))  # noqa: E731
    return cell_to_json(Cell(dec(n), dec(d), dec(v), source, counted, below))


# The cells of each area, by indicator key (see the module docstring).
VALUES = {
    COUNTY: {
        "coverage": cell(2, 3, "66.6667", 3, 1),
        "area_per_100": cell(960, 3000, 32, 3, 1),
    },
    TOWN_A: {
        "coverage": cell(2, 2, 100, 2, 0),
        "area_per_100": cell(700, 2000, 35, 2, 0),
        "teams": cell(17, 20, 85, source="reported"),
    },
    TOWN_B: {
        "coverage": cell(0, 1, 0, 1, 1),
        "area_per_100": cell(260, 1040, 25, 1, 1),
    },
    A1: {
        "coverage": cell(1, 1, 100, 1, 0),
        "area_per_100": cell(400, 1000, 40, 1, 0),
        "teams": cell(9, 10, 90, source="reported"),
    },
    A2: {
        "coverage": cell(1, 1, 100, 1, 0),
        "area_per_100": cell(310, 1000, 31, 1, 0),
        "teams": cell(8, 10, 80, source="reported"),
    },
    B1: {
        "coverage": cell(0, 1, 0, 1, 1),
        "area_per_100": cell(260, 1040, 25, 1, 1),
    },
}


def store(plan: Plan, year: int = YEAR, values: dict | None = None, codes=None) -> None:
    now = timezone.now()
    values = values or VALUES
    Measurement.objects.bulk_create(
        [
            Measurement(
                plan=plan,
                year=year,
                area_code=code,
                parent_code=PARENTS.get(code, code[:9].ljust(12, "0")),
                level=LEVELS.get(code, 5),
                name=NAMES.get(code, code),
                values=values[code],
                computed_at=now,
            )
            for code in (codes or values)
        ]
    )


@pytest.fixture
def plan(tree):
    plan = Plan.objects.create(
        area_code=COUNTY, title=TITLE, start_year=2021, end_year=2025, status="active"
    )
    coverage = Indicator.objects.create(
        key="coverage",
        area_code=COUNTY,
        name="城乡社区综合服务设施覆盖率",
        unit="percent",
        source="computed",
        function="facility_coverage",
        decimals=1,
    )
    area = Indicator.objects.create(
        key="area_per_100",
        area_code=COUNTY,
        name="每百户居民拥有社区综合服务设施面积",
        unit="square_metres",
        source="computed",
        function="facility_area_per_100_households",
        factor=100,
        decimals=1,
    )
    teams = Indicator.objects.create(
        key="teams",
        area_code=COUNTY,
        name="志愿服务队伍覆盖率",
        unit="percent",
        source="reported",
        decimals=1,
    )
    Target.objects.create(
        plan=plan,
        indicator=coverage,
        op=">=",
        value=100,
        binding=True,
        due_year=2025,
        baseline=90,
        baseline_year=2020,
        position=1,
    )
    Target.objects.create(
        plan=plan,
        indicator=area,
        op=">=",
        value=30,
        due_year=2025,
        baseline=20,
        baseline_year=2020,
        per_community=True,
        position=2,
    )
    Target.objects.create(
        plan=plan, indicator=teams, op=">=", value=80, binding=True, due_year=2025, position=3
    )
    return plan


@pytest.fixture
def measured(plan):
    store(plan)
    return plan


@pytest.fixture
def ledger(measured):
    """Two tasks reporting in 2025: yearly by towns (A approved on time) and half-yearly by
    communities (A1 submitted on time, A2 late, for the first half); a draft and a report of
    2024 that do not count."""
    yearly = PlanTask.objects.create(
        plan=measured,
        number="1",
        title="建设社区综合服务设施",
        lead_units="区民政局、区住建局",
        report_level=4,
        first_year=2021,
        last_year=2025,
        position=1,
    )
    half = PlanTask.objects.create(
        plan=measured,
        number="2",
        title="培育社区社会组织",
        lead_units="区民政局",
        report_level=5,
        frequency="half",
        due_day=10,
        first_year=2024,
        last_year=2025,
        position=2,
    )
    at = lambda y, m, d: timezone.make_aware(dt.datetime(y, m, d, 10))  # noqa: E731
    rows = [
        (yearly, TOWN_A, "2025", dt.date(2025, 12, 31), "approved", at(2025, 12, 20)),
        (yearly, TOWN_B, "2025", dt.date(2025, 12, 31), "draft", None),
        (yearly, TOWN_B, "2024", dt.date(2024, 12, 31), "approved", at(2024, 12, 1)),
        (half, A1, "2025H1", dt.date(2025, 7, 10), "submitted", at(2025, 7, 1)),
        (half, A2, "2025H1", dt.date(2025, 7, 10), "submitted", at(2025, 7, 20)),
    ]
    for task, code, period, due, status, submitted in rows:
        ProgressReport.objects.create(
            task=task, area_code=code, period=period, due_on=due, status=status,
            submitted_at=submitted,
        )  # fmt: skip
    return measured


@pytest.fixture
def neighbour(db):
    return make_user("county_b", Role.COUNTY_OFFICER, make_area("220402", "龙山区"))


def sheet_rows(sheet, first: int) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=first, values_only=True)]


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def pdf_text(document) -> str:
    """The text WeasyPrint laid out, page after page (before it is written as PDF)."""
    found: list[str] = []

    def walk(box):
        text = getattr(box, "text", None)
        if isinstance(text, str):
            found.append(text)
        for child in getattr(box, "children", None) or []:
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return "\n".join(found)


# --- the report's content ------------------------------------------------------------------------


def test_report_content_county(measured, users):
    report = plan_report(actor=users["county"], plan_id=measured.pk, year=YEAR)
    assert report.area.code == COUNTY and report.year == YEAR and report.snapshot is None
    assert [c.area_code for c in report.children] == [TOWN_A, TOWN_B]
    coverage, area, teams = report.lines
    assert [line.number for line in report.lines] == [1, 2, 3]
    assert (coverage.value, coverage.status, coverage.gap) == (
        Decimal("66.7"),
        "not_met",
        Decimal("33.3"),
    )
    assert (area.value, area.status, area.gap) == (Decimal("32.0"), "at_risk", Decimal("0.0"))
    assert (teams.value, teams.status) == (None, "no_data")
    assert [state.status for _cell, state in coverage.children] == ["met", "not_met"]
    assert [state.status for _cell, state in teams.children] == ["met", "no_data"]
    assert report.counts == {"met": 0, "at_risk": 1, "not_met": 1, "no_data": 1}
    assert report.binding_missed == [coverage]
    assert report.binding_unmeasured == [teams]
    # The communities below each target, from the community rows.
    assert [(r.area_code, r.value, r.gap, r.parent_name) for r in coverage.below] == [
        (B1, Decimal("0.0"), Decimal("100.0"), "东山街道")
    ]
    assert [(r.area_code, r.status) for r in area.below] == [(B1, "not_met")]
    assert teams.below == []
    assert "Live values, measured as of" in report.source_text


def test_report_of_a_town_for_its_officer(measured, users):
    report = plan_report(actor=users["town_a"], plan_id=measured.pk, year=YEAR)
    assert report.area.code == TOWN_A
    assert [c.area_code for c in report.children] == [A1, A2]
    assert [line.status for line in report.lines] == ["met", "met", "met"]
    assert all(not line.below for line in report.lines)


def test_report_from_a_snapshot(measured, users):
    snapshot = Snapshot.objects.create(
        plan=measured,
        year=2024,
        label="2024 年终",
        measured_at=timezone.now() - dt.timedelta(days=300),
    )
    frozen = {**VALUES, COUNTY: {**VALUES[COUNTY], "coverage": cell(3, 3, 100, 3, 0)}}
    SnapshotValue.objects.bulk_create(
        [
            SnapshotValue(
                snapshot=snapshot,
                area_code=code,
                parent_code=PARENTS[code],
                level=LEVELS[code],
                name=NAMES[code],
                values=frozen[code],
            )
            for code in frozen
        ]
    )
    report = plan_report(actor=users["county"], plan_id=measured.pk, snapshot_id=snapshot.pk)
    assert report.snapshot == snapshot and report.year == 2024
    assert report.lines[0].status == "met"
    assert "2024 年终" in report.source_text


def test_report_without_values_asks_to_compute_first(plan, users):
    with pytest.raises(Conflict) as caught:
        plan_report(actor=users["county"], plan_id=plan.pk, year=YEAR)
    assert caught.value.code == "no_values"
    assert "compute the values first" in str(caught.value.message)
    assert "year" in caught.value.errors


def test_report_refuses_what_the_actor_may_not_see(measured, users, neighbour):
    for actor in (neighbour, users["worker_a1"], users["resident_a1"]):
        with pytest.raises(NotFound):
            plan_report(actor=actor, plan_id=measured.pk, year=YEAR)
    with pytest.raises(NotFound):  # another town's area
        plan_report(actor=users["town_a"], plan_id=measured.pk, year=YEAR, area_code=TOWN_B)
    with pytest.raises(ActionError):  # a year outside the plan
        plan_report(actor=users["county"], plan_id=measured.pk, year=2019)


def test_report_queries_do_not_grow_with_the_tree(measured, users):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            plan_report(actor=users["county"], plan_id=measured.pk, year=YEAR)
        return len(ctx.captured_queries)

    count()  # the actor's grants are read once and kept
    small = count()
    extra = {}
    for n in range(3, 13):
        code = f"220403001{n:03d}"
        make_area(code, f"社区{n}", "111")
        extra[code] = {"coverage": cell(0, 1, 0, 1, 1), "area_per_100": cell(1, 100, 1, 1, 1)}
    store(measured, values=extra)
    assert count() == small
    report = plan_report(actor=users["county"], plan_id=measured.pk, year=YEAR)
    assert len(report.lines[0].below) == 11  # B1 and the ten new communities


def test_report_ledger_summary(ledger, users):
    report = plan_report(actor=users["county"], plan_id=ledger.pk, year=YEAR)
    tasks = [
        (t.number, t.expected, t.submitted, t.approved, t.on_time, t.on_time_rate)
        for t in report.ledger
    ]
    # towns A and B × one period; communities A1, A2, B1 × two halves
    assert tasks == [
        ("1", 2, 1, 1, 1, Decimal("50.0")),
        ("2", 6, 2, 0, 1, Decimal("16.7")),
    ]
    assert [(a.area_code, a.expected, a.submitted) for a in report.ledger_areas] == [
        (TOWN_A, 5, 3),
        (TOWN_B, 3, 0),
    ]
    total = report.ledger_total
    rates = ledger_rates(actor=users["county"], plan_id=ledger.pk, period="2025")
    assert (total.expected, total.submitted, total.on_time) == (
        rates.total.expected,
        rates.total.submitted,
        rates.total.on_time,
    )
    assert total.expected == sum(t.expected for t in report.ledger) == 8
    # a town officer's report counts its own town only
    town = plan_report(actor=users["town_a"], plan_id=ledger.pk, year=YEAR)
    assert [(t.expected, t.submitted) for t in town.ledger] == [(1, 1), (4, 2)]


# --- the workbook --------------------------------------------------------------------------------


def test_xlsx_holds_the_values_and_statuses(measured, users):
    filename, content = report_xlsx(
        actor=users["county"], plan_id=measured.pk, year=YEAR, area_code=COUNTY
    )
    assert filename.endswith(".xlsx") and TITLE in filename and "西安区" in filename
    book = workbook(content)
    assert book.sheetnames[:3] == ["Main indicators", "By sub-area", "Communities below target"]
    main = book["Main indicators"]
    assert TITLE in main["A1"].value
    assert "Live values" in main["A2"].value
    header = [c.value for c in main[4]]
    assert header == [
        "No.",
        "Indicator",
        "Unit",
        "Baseline (2020)",
        "Target (2025)",
        "Type",
        "Actual value",
        "Status",
        "Gap",
        "仙城街道",
        "东山街道",
    ]
    assert main["A4"].font.b and main.freeze_panes == "C5"
    assert main.column_dimensions["B"].width >= 30
    rows = sheet_rows(main, 5)
    assert rows[0] == [1, "城乡社区综合服务设施覆盖率", "%", 90, "≥ 100", "binding", 66.7,
                       "not met", 33.3, 100, 0]  # fmt: skip
    assert rows[1] == [2, "每百户居民拥有社区综合服务设施面积", "m²", 20, "≥ 30", "expected",
                       32, "at risk", 0, 35, 25]  # fmt: skip
    assert rows[2] == [3, "志愿服务队伍覆盖率", "%", "—", "≥ 80", "binding", None, "no data",
                       None, 85, None]  # fmt: skip
    assert main["G5"].number_format == "#,##0.0"

    by_area = book["By sub-area"]
    assert by_area.freeze_panes == "C6"
    assert [c.value for c in by_area[4]][2] == "城乡社区综合服务设施覆盖率"
    assert [c.value for c in by_area[5]][2:4] == ["Value", "Status"]
    areas = sheet_rows(by_area, 6)
    assert [r[0] for r in areas] == [COUNTY, TOWN_A, TOWN_B]
    # county: coverage 66.7 not met, area 32 at risk, teams no data; then counts by status
    assert areas[0][2:8] == [66.7, "not met", 32, "at risk", None, "no data"]
    assert areas[0][8:] == [0, 1, 1, 1]
    assert areas[1][2:8] == [100, "met", 35, "met", 85, "met"]
    assert areas[1][8:] == [3, 0, 0, 0]
    assert areas[2][2:8] == [0, "not met", 25, "not met", None, "no data"]

    below = book["Communities below target"]
    assert [c.value for c in below[4]][:5] == [
        "No.",
        "Indicator",
        "Area code",
        "Community",
        "Town or street",
    ]
    assert sheet_rows(below, 5) == [
        [1, "城乡社区综合服务设施覆盖率", B1, "东山社区", "东山街道", 0, "≥ 100", 100, "not met"],
        [2, "每百户居民拥有社区综合服务设施面积", B1, "东山社区", "东山街道", 25, "≥ 30", 5,
         "not met"],
    ]  # fmt: skip

    event = AuditEvent.objects.get(action="plans.report.export")
    assert event.actor == users["county"] and event.area_code == COUNTY
    assert event.target_type == "plans.plan" and event.target_id == str(measured.pk)
    assert event.extra["plan"] == measured.pk and event.extra["year"] == YEAR
    assert event.extra["area"] == COUNTY and event.extra["format"] == "xlsx"
    assert event.extra["snapshot"] is None


def test_xlsx_task_ledger_sheet(ledger, users):
    _name, content = report_xlsx(actor=users["county"], plan_id=ledger.pk, year=YEAR)
    sheet = workbook(content)["Task ledger"]
    assert [c.value for c in sheet[4]] == [
        "Number",
        "Task",
        "Lead units",
        "Reports expected",
        "Submitted",
        "Approved",
        "On time",
        "Reporting rate (%)",
        "On-time rate (%)",
    ]
    rows = sheet_rows(sheet, 5)
    assert rows[0] == ["1", "建设社区综合服务设施", "区民政局、区住建局", 2, 1, 1, 1, 50, 50]
    assert rows[1] == ["2", "培育社区社会组织", "区民政局", 6, 2, 0, 1, 33.3, 16.7]
    by_area = [r for r in rows[2:] if r[0]]
    assert by_area[0][0] == "By sub-area"
    assert by_area[1][:2] == ["Area code", "Area"]
    by_area = by_area[1:]
    assert [r[0] for r in by_area[1:]] == [TOWN_A, TOWN_B, COUNTY]
    assert by_area[-1][1] == "Total" and by_area[-1][3:7] == [8, 3, 1, 2]


def test_xlsx_in_chinese_by_default(measured, users, settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        _name, content = report_xlsx(actor=users["county"], plan_id=measured.pk, year=YEAR)
    book = workbook(content)
    main = book.worksheets[0]
    assert main["H4"].value == "状态"  # Status
    assert main["H5"].value == "未达标"  # not met
    assert book.worksheets[1]["A4"].value == "区划代码"  # Area code


def test_xlsx_refused_and_nothing_recorded(plan, measured, users, neighbour):
    with pytest.raises(NotFound):
        report_xlsx(actor=neighbour, plan_id=measured.pk, year=YEAR)
    with pytest.raises(NotFound):
        report_xlsx(actor=users["worker_a1"], plan_id=measured.pk, year=YEAR)
    with pytest.raises(Conflict):
        report_xlsx(actor=users["county"], plan_id=measured.pk, year=2024)  # never computed
    assert not AuditEvent.objects.filter(action="plans.report.export").exists()


def test_xlsx_cells_never_start_a_formula(measured, users):
    Measurement.objects.filter(area_code=TOWN_A).update(name="=HYPERLINK(1)")
    _name, content = report_xlsx(actor=users["county"], plan_id=measured.pk, year=YEAR)
    main = workbook(content)["Main indicators"]
    assert main["J4"].value == "'=HYPERLINK(1)"


# --- the PDF -------------------------------------------------------------------------------------


def test_pdf_document_holds_the_report(ledger, users):
    report = plan_report(actor=users["county"], plan_id=ledger.pk, year=YEAR)
    document = report_pdf_document(report)
    text = pdf_text(document)
    assert TITLE in text
    assert "西安区" in text and "2025" in text
    assert "Live values, measured as of" in text
    assert "Binding targets not met" in text
    assert "城乡社区综合服务设施覆盖率" in text and "not met" in text
    assert "东山社区" in text  # the communities below target
    assert "建设社区综合服务设施" in text and "区民政局、区住建局" in text  # the task ledger
    assert len(document.pages) >= 3
    assert document.write_pdf().startswith(b"%PDF")


# --- the report page and the downloads -----------------------------------------------------------


def test_report_page_previews_the_main_table(measured, users, login):
    client = login(users["county"])
    response = client.get(reverse("plans:report", args=[measured.pk]), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="report-table"' in html
    assert "城乡社区综合服务设施覆盖率" in html and "66.7" in html
    assert 'data-status="not_met"' in html and "仙城街道" in html
    xlsx = reverse("plans:report_xlsx", args=[measured.pk])
    assert f'href="{xlsx}?year=2025&amp;area={COUNTY}"' in html
    assert reverse("plans:report_pdf", args=[measured.pk]) in html


def test_report_page_without_values_says_to_compute(plan, users, login):
    response = login(users["county"]).get(reverse("plans:report", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="report-missing"' in html and "compute the values first" in html
    assert 'data-testid="report-table"' not in html


def test_report_page_refusals(measured, users, neighbour, login):
    url = reverse("plans:report", args=[measured.pk])
    assert login(users["worker_a1"]).get(url).status_code == 403
    assert login(neighbour).get(url).status_code == 404
    assert login(users["town_a"]).get(url, {"area": TOWN_B}).status_code == 404
    assert login(users["town_a"]).get(url, {"area": TOWN_A}).status_code == 200


def test_xlsx_download_from_the_page(measured, users, login):
    client = login(users["town_a"])
    url = reverse("plans:report_xlsx", args=[measured.pk])
    response = client.get(url, {"year": YEAR})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    main = workbook(response.content)["Main indicators"]
    assert [c.value for c in main[4]][9:] == ["仙城社区", "新兴社区"]
    assert AuditEvent.objects.get(action="plans.report.export").extra["area"] == TOWN_A
    # never computed: back to the page, which says why; nothing recorded
    response = client.get(url, {"year": 2023})
    assert response.status_code == 303 and "year=2023" in response["Location"]
    assert AuditEvent.objects.filter(action="plans.report.export").count() == 1
    assert login(users["worker_a1"]).get(url).status_code == 403


def test_pdf_download_from_the_page(measured, users, login, neighbour):
    url = reverse("plans:report_pdf", args=[measured.pk])
    assert login(neighbour).get(url).status_code == 404
    response = login(users["county"]).get(url, {"year": YEAR})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="plans.report.export")
    assert event.extra["format"] == "pdf" and event.extra["area"] == COUNTY


# --- the API -------------------------------------------------------------------------------------


def api_url(plan_id: int, fmt: str) -> str:
    return f"/api/v1/plans/{plan_id}/report.{fmt}"


def test_api_downloads(measured, users, login):
    client = login(users["county"])
    response = client.get(api_url(measured.pk, "xlsx"), {"year": YEAR, "area": TOWN_B})
    assert response.status_code == 200
    main = workbook(response.content)["Main indicators"]
    assert [c.value for c in main[4]][9:] == ["东山社区"]
    assert sheet_rows(main, 5)[0][6:10] == [0, "not met", 100, 0]
    response = client.get(api_url(measured.pk, "pdf"), {"year": YEAR})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    formats = AuditEvent.objects.filter(action="plans.report.export").values_list(
        "extra__format", flat=True
    )
    assert sorted(formats) == ["pdf", "xlsx"]


def test_api_errors_are_problems(measured, users, neighbour, login):
    response = login(neighbour).get(api_url(measured.pk, "xlsx"), {"year": YEAR})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    client = login(users["county"])
    response = client.get(api_url(measured.pk, "xlsx"), {"year": 2022})
    assert response.status_code == 409
    assert response.json()["type"].endswith("no_values")
    response = client.get(api_url(measured.pk, "pdf"), {"year": 2019})
    assert response.status_code == 400
    assert response.get("Content-Type") == "application/problem+json"
    assert client.get(api_url(measured.pk, "xlsx"), {"year": "x"}).status_code == 422
    assert not AuditEvent.objects.filter(action="plans.report.export").exists()
