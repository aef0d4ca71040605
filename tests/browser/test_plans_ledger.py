"""The task ledger end to end: a community reports, its town returns and then approves, the
county reads the rates and downloads the annual report.

The county (西安区) has adopted the built-in 西安区 plan and put it in force. The head of 仙城社区
finds, on her phone, the community task's report of this year among the reports she must
write, writes what was done with a percentage, attaches the minutes as a PDF and submits it to
the level above. The officer of 仙城街道 finds it in his approvals queue, reads it and returns it
with a reason; the head sees the reason, corrects the report and submits it again; the officer
approves it, and the report is locked (no form to change it any more). The county's officer
reads the reporting figures of 仙城街道 on the plan's rates page, opens the plan's annual report
and downloads it as a workbook holding every indicator of the plan.

The 西安区 plan runs 2021–2025, so the ledger's clock stands in its last year (2025-06-15): the
community task's report of 2025 is due on 31 December and is submitted on time.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from linli.core.areacodes import Level
from linli.core.models import AuditEvent
from linli.plans.actions import catalogue as catalogue_actions
from linli.plans.actions import measure as measure_actions
from linli.plans.models import Plan, PlanTask, ProgressReport, Recompute
from linli.plans.queries.catalogue import indicator_label
from tests.plans.ledger_fixtures import Clock, at

from .conftest import log_in, log_out
from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
PERIOD = "2025"
# The minutes, a small PDF (the upload checks a file by its content, not its name).
MINUTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.fixture
def ledger_world(users, monkeypatch, settings, tmp_path):
    """The 西安区 template adopted by the county and in force, its values of 2025 computed, and
    the ledger's clock in the plan's last year."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    clock = Clock(monkeypatch)
    clock.set(at(2025, 6, 15))
    county = users["county"]
    template = Plan.objects.get(is_template=True, template_key="xian_qu")
    plan = catalogue_actions.plan_adopt(actor=county, template_id=template.pk, area_code="220403")
    plan = catalogue_actions.plan_activate(actor=county, plan_id=plan.pk)
    run = measure_actions.plan_recompute(actor=county, plan_id=plan.pk, year=2025)
    run.refresh_from_db()
    if run.status != Recompute.Status.DONE:  # queued, not yet run: run it here
        run = measure_actions.recompute_run(run.pk)
    assert run.status == Recompute.Status.DONE, run.status
    task = plan.tasks.filter(report_level=Level.COMMUNITY).order_by("position", "pk").first()
    assert task is not None, "the 西安区 template has tasks reported by each community"
    assert (task.frequency, task.first_year, task.last_year) == (
        PlanTask.Frequency.YEAR,
        2021,
        2025,
    )
    return {"plan": plan, "task": task, "users": users}


def test_a_community_reports_its_town_returns_then_approves_and_the_county_reads_it(
    browser_page, ledger_world, tmp_path
):
    page = browser_page
    plan, task = ledger_world["plan"], ledger_world["task"]
    a1, town_a = "220403001001", "220403001000"  # area codes as stored: 12 digits

    # (1) The head of 仙城社区, on her phone: the community task's report of 2025 is to write.
    # Her home page's block counts the reports to write: each community task's report of 2024
    # (overdue) and of 2025.
    page.set_viewport_size(PHONE)
    log_in(page, "head_a1")
    communities = plan.tasks.filter(report_level=Level.COMMUNITY).count()
    block = page.locator("[data-testid=home-ledger]")
    expect(block.locator("[data-testid=home-ledger-count]")).to_have_text(str(2 * communities))
    expect(block.locator("[data-testid=home-ledger-overdue]")).to_have_text(str(communities))
    block.locator(f"a.button[href='{reverse('plans:ledger')}']").click()
    expect(page).to_have_url(re.compile(r"/plans/ledger/$"))
    duties = page.locator("[data-testid=duties]")
    duty = duties.locator(f"[data-testid=duty-{task.pk}-{a1}-{PERIOD}]")
    expect(duty).to_be_visible()
    expect(duty).to_contain_text("仙城社区")
    expect(duty.locator("[data-status]")).to_have_attribute("data-status", "missing")
    fits_the_phone(page)
    assert_accessible(page, "the ledger on a phone")
    duty.locator("th a").click()
    expect(page).to_have_url(re.compile(rf"/ledger/tasks/{task.pk}/report/\?.*period={PERIOD}"))
    expect(page.locator("h1")).to_contain_text(task.title)
    expect(page.locator("[data-testid=report-place]")).to_contain_text("仙城社区")
    expect(page.locator("[data-testid=report-status] [data-status]")).to_have_attribute(
        "data-status", "missing"
    )
    fits_the_phone(page)
    assert page.locator("[data-testid=report-submit]").bounding_box()["height"] >= 44
    assert_accessible(page, "the report form on a phone")

    form = page.locator("[data-testid=report-form]")
    page.locator("#report-text").fill("社区综合服务设施开放时间已调整为每天9小时，节假日全天开放。")
    page.locator("#report-percent").fill("60")
    form.locator("button[name=action][value=save]").click()
    expect(page.locator("[data-testid=report-status] [data-status]")).to_have_attribute(
        "data-status", "draft"
    )
    report = ProgressReport.objects.get(task=task, area_code=a1, period=PERIOD)
    assert (report.status, report.percent) == (ProgressReport.Status.DRAFT, 60)

    # The minutes as evidence, once the draft is saved.
    evidence = page.locator("[data-testid=evidence-form]")
    evidence.locator("input[type=file]").set_input_files(
        {"name": "议事会议纪要.pdf", "mimeType": "application/pdf", "buffer": MINUTES}
    )
    evidence.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=evidence-list] li")).to_have_count(1)
    expect(page.locator("[data-testid=evidence-list]")).to_contain_text("议事会议纪要.pdf")
    expect(page.locator("#report-text")).to_have_value(re.compile(r"每天9小时"))
    expect(page.locator("#report-percent")).to_have_value("60")
    assert_accessible(page, "the report form with its evidence")

    page.locator("[data-testid=report-submit]").click()
    expect(page).to_have_url(re.compile(rf"/ledger/reports/{report.pk}/$"))
    expect(page.locator("[data-testid=report-status] [data-status]")).to_have_attribute(
        "data-status", "submitted"
    )
    expect(page.locator("[data-testid=on-time]")).to_be_visible()
    expect(page.locator("[data-testid=evidence-list]")).to_contain_text("议事会议纪要.pdf")
    expect(page.locator("[data-testid=report-edit]")).to_have_count(0)
    expect(page.locator("[data-testid=decide]")).to_have_count(0)
    assert_accessible(page, "a submitted report on a phone")
    page.goto(reverse("plans:ledger"))
    expect(page.locator(f"[data-testid=duty-{task.pk}-{a1}-{PERIOD}]")).to_have_count(0)
    log_out(page)

    # (2) The officer of 仙城街道: the report waits in his queue; he reads it and returns it.
    page.set_viewport_size(DESK)
    log_in(page, "town_a")
    page.goto(reverse("plans:ledger"))
    page.locator("[data-testid=approvals-link]").click()
    expect(page).to_have_url(re.compile(r"/plans/ledger/approvals/$"))
    row = page.locator(f"[data-testid=approval-{report.pk}]")
    expect(page.locator("[data-testid=approval-table] tbody tr")).to_have_count(1)
    expect(row).to_contain_text("仙城社区")
    expect(row).to_contain_text(plan.title)
    assert_accessible(page, "the approvals queue")
    row.locator("th a").click()
    expect(page).to_have_url(re.compile(rf"/ledger/reports/{report.pk}/$"))
    expect(page.locator("[data-testid=report-text]")).to_contain_text("每天9小时")
    expect(page.locator("[data-testid=evidence-list] a")).to_have_text("议事会议纪要.pdf")
    with page.expect_download() as minutes:  # the file as the head attached it
        page.locator("[data-testid=evidence-list] a").click()
    assert minutes.value.suggested_filename == "议事会议纪要.pdf"
    assert Path(minutes.value.path()).read_bytes() == MINUTES
    decide = page.locator("[data-testid=decide]")
    expect(decide).to_be_visible()
    assert_accessible(page, "a report waiting for the town's decision")
    decide.locator("#return-reason").fill("请补充开放时间调整后的居民使用人次。")
    decide.locator("[data-testid=return]").click()
    expect(page.locator("[data-testid=report-status] [data-status]")).to_have_attribute(
        "data-status", "returned"
    )
    expect(page.locator("[data-testid=report-facts]")).to_contain_text("居民使用人次")
    expect(page.locator("[data-testid=decide]")).to_have_count(0)
    page.goto(reverse("plans:approvals"))
    expect(page.locator(f"[data-testid=approval-{report.pk}]")).to_have_count(0)
    log_out(page)

    # (3) The head sees it returned with the reason, corrects it and submits it again.
    page.set_viewport_size(PHONE)
    log_in(page, "head_a1")
    page.goto(reverse("plans:ledger"))
    duty = page.locator(f"[data-testid=duty-{task.pk}-{a1}-{PERIOD}]")
    expect(duty.locator("[data-status]")).to_have_attribute("data-status", "returned")
    duty.locator("th a").click()
    expect(page.locator("[data-testid=returned-reason]")).to_contain_text("居民使用人次")
    expect(page.locator("#report-percent")).to_have_value("60")
    page.locator("#report-text").fill(
        "社区综合服务设施开放时间已调整为每天9小时，节假日全天开放；调整后每月居民使用约1200人次。"
    )
    page.locator("#report-percent").fill("80")
    page.locator("[data-testid=report-submit]").click()
    expect(page).to_have_url(re.compile(rf"/ledger/reports/{report.pk}/$"))
    expect(page.locator("[data-testid=report-status] [data-status]")).to_have_attribute(
        "data-status", "submitted"
    )
    expect(page.locator("[data-testid=report-text]")).to_contain_text("1200人次")
    expect(page.locator("[data-testid=evidence-list] li")).to_have_count(1)
    log_out(page)

    # (4) The officer approves it: the report is approved and locked.
    page.set_viewport_size(DESK)
    log_in(page, "town_a")
    page.goto(reverse("plans:approvals"))
    page.locator(f"[data-testid=approval-{report.pk}] th a").click()
    expect(page.locator("[data-testid=report-text]")).to_contain_text("1200人次")
    page.locator("[data-testid=decide] [data-testid=approve]").click()
    expect(page).to_have_url(re.compile(rf"/ledger/reports/{report.pk}/$"))
    expect(page.locator("[data-testid=report-status] [data-status]")).to_have_attribute(
        "data-status", "approved"
    )
    expect(page.locator("[data-testid=decide]")).to_have_count(0)
    expect(page.locator("[data-testid=report-edit]")).to_have_count(0)
    steps = page.locator("[data-testid=history] li").evaluate_all(
        "items => items.map(i => i.dataset.action)"
    )
    decisive = ("plans.report.submit", "plans.report.return", "plans.report.approve")
    assert [s for s in steps if s in decisive] == [
        "plans.report.submit",
        "plans.report.return",
        "plans.report.submit",
        "plans.report.approve",
    ]
    assert "plans.evidence.add" in steps
    assert_accessible(page, "an approved report")
    report.refresh_from_db()
    assert (report.status, report.percent) == (ProgressReport.Status.APPROVED, 80)
    assert report.decided_by_id == ledger_world["users"]["town_a"].pk
    log_out(page)

    # The head can no longer change it: no form, the text as approved.
    page.set_viewport_size(PHONE)
    log_in(page, "head_a1")
    page.goto(f"{reverse('plans:report_edit', args=[task.pk])}?area={a1}&period={PERIOD}")
    expect(page.locator("[data-testid=report-status] [data-status]")).to_have_attribute(
        "data-status", "approved"
    )
    expect(page.locator("[data-testid=report-form]")).to_have_count(0)
    expect(page.locator("[data-testid=evidence-form]")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("1200人次")
    log_out(page)

    # (5) The county: the reporting figures of 仙城街道, then the annual report as a workbook.
    page.set_viewport_size(DESK)
    log_in(page, "county")
    page.goto(reverse("plans:ledger_rates", args=[plan.pk]))
    # Expected in 2025 (the year shown first): each town task's report of 仙城街道 itself and
    # each community task's of its 2 communities; one submitted, approved and on time.
    expected = plan.tasks.filter(report_level=Level.TOWN).count() + 2 * communities
    town = page.locator(f"[data-testid=rates-table] tbody tr[data-row='{town_a}']")
    cells = town.locator("td.num")
    expect(town.locator("th")).to_contain_text("仙城街道")
    expect(cells).to_have_text(
        [
            str(expected),
            "1",
            "1",
            "1",
            f"{round(100 / expected, 1)}%",
            f"{round(100 / expected, 1)}%",
        ]
    )
    expect(page.locator("#chart-rates canvas")).to_have_count(1)
    assert_accessible(page, "the plan's reporting rates")

    page.goto(reverse("plans:report", args=[plan.pk]))
    expect(page.locator("[data-testid=report-missing]")).to_have_count(0)
    targets = list(plan.targets.select_related("indicator").order_by("position", "pk"))
    expect(page.locator("[data-testid=report-table] tbody tr")).to_have_count(len(targets))
    expect(page.locator("#r-year")).to_have_value("2025")
    assert_accessible(page, "the annual report")
    with page.expect_download() as download:
        page.locator("[data-testid=report-xlsx]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / "report.xlsx"
    download.value.save_as(saved)
    book = load_workbook(saved)
    sheet = book.worksheets[0]
    rows = [row for row in sheet.iter_rows(min_row=5, values_only=True) if row and row[1]]
    with translation.override("zh-hans"):  # the workbook speaks the page's language
        labels = [indicator_label(target.indicator) for target in targets]
    assert [row[1] for row in rows] == labels
    ledger_sheet = book.worksheets[-1]
    numbered = {
        str(row[0]): row
        for row in ledger_sheet.iter_rows(min_row=5, values_only=True)
        if row and row[0]
    }
    # The task's line: the 3 communities of the county expected, 仙城社区's report submitted,
    # approved and on time.
    assert numbered[task.number][3:7] == (3, 1, 1, 1)
    assert AuditEvent.objects.filter(action="plans.report.export").count() == 1
    assert page.js_errors == []
