"""Service capacity for the officers (issue 6: "a county officer can answer 'which communities
lack a day-care centre, have under 30 m² per 100 households, or have too few workers?' from
live records").

A county of four urban communities, each recorded with the actions as the platform would: 仙城社区
has no day-care centre, 新兴社区 has 20 m² per 100 households, 东风社区 has 10 workers per 10,000
residents, and 东山社区 (in the other town) has none of these gaps. The county's civil-affairs
officer reads the figures' tiles, finds the day-care centres in the facility register (list and
map), asks the gap finder the question of the issue and gets exactly
the three communities, each with its one gap, downloads the list as a spreadsheet, opens the rows
behind a figure and the roster of the community short of workers.

A town officer marks two workers of 仙城社区 present on a training session's attendance sheet;
the training coverage of the town and of the community goes up by exactly those two.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from linli.core.actions.areas import figure_record
from linli.core.models import AuditEvent
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.facilities.actions.facilities import facility_save
from linli.facilities.queries.capacity_specs import SPECS
from linli.workforce.actions import training as training_actions
from linli.workforce.actions.workers import worker_save
from linli.workforce.models import Attendance
from tests.conftest import make_area, make_user

from .conftest import log_in
from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPEN_HOURS = {day: [["08:00", "18:00"]] for day in EVERY_DAY}  # 10 hours a day, every day

C1, C2, C3, C4 = "220403001001", "220403001002", "220403001003", "220403002001"


def add_workers(community, *names: str) -> list:
    hired = timezone.localdate() - dt.timedelta(days=400)
    return [
        worker_save(
            actor=SYSTEM, name=name, post="other", hired_on=hired, community_code=community.code
        )
        for name in names
    ]


def build_capacity_world() -> dict:
    """Four urban communities of 1,000 households and 1,000 residents each (reported figures),
    every one with a comprehensive facility open 10 hours a day:

    ============  ==========  ===============  =========  ==========================
    community     facility    day-care centre  workers    gap
    ============  ==========  ===============  =========  ==========================
    仙城社区 C1    400 m²      —                2          no day-care centre
    新兴社区 C2    200 m²      yes              2          20 m² per 100 households
    东风社区 C3    500 m²      yes              1          10 workers per 10,000
    东山社区 C4    600 m²      yes              2          none
    ============  ==========  ===============  =========  ==========================

    The county: 1,700 m² for 4,000 households (42.5 m² per 100), 7 workers for 4,000 urban
    residents (17.5 per 10,000), every community covered, 3 of 4 with day care."""
    county = make_area("220403", "西安区")
    make_area("220403001", "仙城街道")
    make_area("220403002", "东山街道")
    places = {
        C1: ("仙城社区", 400, False, ("张伟", "刘洋")),
        C2: ("新兴社区", 200, True, ("王芳", "李强")),
        C3: ("东风社区", 500, True, ("周红",)),
        C4: ("东山社区", 600, True, ("吴静", "郑磊")),
    }
    reported = timezone.localdate() - dt.timedelta(days=30)
    communities = {}
    for n, (code, (name, area, day_care, workers)) in enumerate(places.items()):
        community = communities[code] = make_area(code, name, "111")
        facility_save(
            actor=SYSTEM,
            area_code=code,
            name=f"{name}党群服务中心",
            kind="comprehensive",
            floor_area=str(area),
            activity_area=str(area // 2),
            hours=OPEN_HOURS,
        )
        if day_care:
            facility_save(
                actor=SYSTEM,
                area_code=code,
                name=f"{name}日间照料中心",
                kind="day_care",
                floor_area="300",
                hours=OPEN_HOURS,
                latitude=f"42.{880 + n * 5}",
                longitude="125.150",
            )
        for kind in ("households", "population"):
            figure_record(
                actor=SYSTEM,
                area_code=code,
                kind=kind,
                value=1000,
                as_of=reported,
                source="统计年报",
            )
        add_workers(community, *workers)
    officer = make_user("county", Role.COUNTY_OFFICER, county, full_name="钱民政")
    return {"county": county, "officer": officer, **communities}


@pytest.fixture
def capacity_world(transactional_db):
    return build_capacity_world()


def test_a_county_officer_finds_the_communities_with_gaps_and_downloads_them(
    browser_page, capacity_world, tmp_path
):
    page = browser_page
    log_in(page, "county")
    page.locator(f".site-nav a[href='{reverse('facilities:capacity')}']").click()
    expect(page).to_have_url(re.compile(r"/facilities/capacity/$"))

    # The tiles: every figure of the county, from the records.
    tiles = page.locator("[data-testid=capacity-tiles]")
    expect(tiles.locator("a.tile")).to_have_count(len(SPECS))
    expect(page.locator("[data-testid=value-facility_coverage]")).to_have_text("100.0%")
    expect(page.locator("[data-testid=value-day_care_coverage_urban]")).to_have_text("75.0%")
    area_tile = page.locator("[data-testid=value-facility_area_per_100_households]")
    expect(area_tile).to_have_text(re.compile(r"^42\.5\b"))
    expect(page.locator("[data-testid=value-workers_per_10k_urban]")).to_have_text("17.5")
    expect(tiles.locator("a.tile[data-figure=workers_per_10k_urban] dt")).to_have_text(
        re.compile(r"^7 / 4,000$")
    )
    table = page.locator("[data-testid=capacity-table]")
    expect(table.locator("tr[data-row]")).to_have_count(3)  # two towns and the total
    assert_accessible(page, "the capacity figures of a county")

    # The register behind the figures: the day-care centres, listed and on the map.
    page.locator(f".site-nav a[href='{reverse('facilities:list')}']").click()
    expect(page.locator("[data-testid=facility-counts] dd").first).to_have_text("7")
    page.locator("#f-kind").select_option("day_care")
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"kind=day_care"))
    listed = page.locator("[data-testid=facility-list] .fac-row-title")
    expect(listed).to_have_text(
        ["新兴社区日间照料中心", "东风社区日间照料中心", "东山社区日间照料中心"]
    )
    page.locator("[data-testid=view-map]").click()
    expect(page).to_have_url(re.compile(r"view=map"))
    expect(page.locator("[data-testid=facility-map] .fac-map-ready")).to_have_count(1)
    expect(page.locator("[data-testid=facility-map] path.leaflet-interactive")).to_have_count(3)
    assert_accessible(page, "the day-care centres on the map")
    page.locator("[data-testid=view-list]").click()
    page.locator("[data-testid=facility-list] a", has_text="东风社区日间照料中心").click()
    expect(page.locator("h1")).to_contain_text("东风社区日间照料中心")
    expect(page.locator("[data-testid=full-hours]")).to_have_count(1)  # 10 hours every day

    # The gap finder, asked the question: no day-care centre, under 30 m² per 100
    # households, under 18 workers per 10,000 residents (and not the opening hours).
    page.locator(f".site-nav a[href='{reverse('facilities:capacity')}']").click()
    page.locator("[data-testid=capacity-gaps-link]").click()
    expect(page).to_have_url(re.compile(r"/facilities/capacity/gaps/\?"))
    form = page.locator("[data-testid=gaps-form]")
    expect(form.locator("#g-lacks-day_care")).to_be_checked()
    expect(form.locator("#g-area-below")).to_have_value("30")
    form.locator("#g-workers-below").fill("18")
    form.locator("#g-hours-below").fill("")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"workers_below=18"))
    rows = page.locator("[data-testid=gaps-table] tbody tr")
    expect(rows).to_have_count(3)
    expected = {
        C1: ("仙城社区", "lacks:day_care"),
        C2: ("新兴社区", "area_per_100_below"),
        C3: ("东风社区", "workers_per_10k_below"),
    }
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.row)")) == sorted(expected)
    for code, (name, failure) in expected.items():
        row = page.locator(f"[data-testid=gaps-table] tr[data-row='{code}']")
        expect(row.locator("th a")).to_have_text(name)
        badges = row.locator("[data-failure]")
        expect(badges).to_have_count(1)
        expect(badges).to_have_attribute("data-failure", failure)
    expect(page.locator(f"[data-testid=gaps-table] tr[data-row='{C2}']")).to_contain_text("20.0")
    expect(page.locator(f"[data-testid=gaps-table] tr[data-row='{C3}']")).to_contain_text("10.0")
    expect(page.locator("[data-testid=gaps-count]")).to_contain_text("3")
    assert_accessible(page, "the gap finder with its answer")

    # The same list as a spreadsheet; the download is on the audit trail.
    with page.expect_download() as download:
        page.locator("[data-testid=gaps-export]").click()
    saved = tmp_path / "gaps.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(saved).active
    listed = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True) if row and row[0]}
    listed = {code: row for code, row in listed.items() if str(code).isdigit()}
    assert set(listed) == set(expected)
    assert {code: row[1] for code, row in listed.items()} == {
        code: name for code, (name, _failure) in expected.items()
    }
    assert 20.0 in listed[C2] and 10.0 in listed[C3]
    assert all(row[-1] == 1 for row in listed.values())  # one condition failed each
    assert "东山社区" not in {cell for row in sheet.iter_rows(values_only=True) for cell in row}
    export = AuditEvent.objects.get(action="facilities.capacity_gaps_export")
    assert export.actor_id == capacity_world["officer"].pk
    assert export.extra["rows"] == 3 and export.extra["checked"] == 4

    # The rows behind a figure: the area per 100 households of each community, 新兴社区 below.
    page.locator("main a.button[href^='/facilities/capacity/?']").click()
    page.locator("a.tile[data-figure=facility_area_per_100_households]").click()
    expect(page).to_have_url(re.compile(r"/facilities/capacity/facility_area_per_100_households/"))
    expect(page.locator("[data-testid=figure-value]")).to_have_text(re.compile(r"^42\.5\b"))
    expect(page.locator("[data-testid=figure-below]")).to_have_text("1")
    figure_rows = page.locator("[data-testid=figure-rows] tbody tr")
    expect(figure_rows).to_have_count(4)
    expect(figure_rows.first).to_have_attribute("data-row", C2)  # below the target first
    expect(figure_rows.first).to_have_attribute("data-below", "1")
    expect(page.locator("[data-testid=figure-rows] tr[data-below]")).to_have_count(1)
    values = figure_rows.evaluate_all(
        "rows => rows.map(r => [r.dataset.row, r.querySelectorAll('td.num')[2].textContent])"
    )
    assert leading_numbers(values) == {C1: "40.0", C2: "20.0", C3: "50.0", C4: "60.0"}
    assert_accessible(page, "the rows of a figure")

    # The community short of workers: its roster shows the one worker in post.
    page.goto(f"{reverse('workforce:workers')}?area={C3}")
    roster = page.locator("[data-testid=worker-table] tbody tr")
    expect(roster).to_have_count(1)
    roster.locator("a").click()
    expect(page.locator("h1")).to_contain_text("周红")
    assert page.js_errors == []


def leading_numbers(values) -> dict[str, str]:
    """The number at the start of each row's value (its unit is translated)."""
    return {code: re.match(r"[\d.,]+", text.strip()).group(0) for code, text in values}


# --- training -----------------------------------------------------------------------------------


def build_training_world() -> dict:
    """Town A with 仙城社区 (three workers) and 新兴社区 (one), none trained yet; a course of the
    town with a session held last week; the town's officer."""
    make_area("220403", "西安区")
    town = make_area("220403001", "仙城街道")
    a1 = make_area(C1, "仙城社区", "111")
    a2 = make_area(C2, "新兴社区", "111")
    zhang, liu, zhao = add_workers(a1, "张伟", "刘洋", "赵敏")
    (sun,) = add_workers(a2, "孙丽")
    course = training_actions.course_save(
        actor=SYSTEM,
        title="社区工作者能力提升培训",
        organiser="仙城街道办事处",
        mode="in_person",
        hours="8",
        area_code=town.code,
    )
    held = timezone.localdate() - dt.timedelta(days=7)
    session = training_actions.session_save(
        actor=SYSTEM, course_id=course.pk, starts_on=held, ends_on=held, place="街道会议室"
    )
    make_user("town_a", Role.TOWN_OFFICER, town, full_name="孙街道")
    return {
        "town": town,
        "a1": a1,
        "a2": a2,
        "course": course,
        "session": session,
        "workers": {"zhang": zhang, "liu": liu, "zhao": zhao, "sun": sun},
    }


@pytest.fixture
def training_world(transactional_db):
    return build_training_world()


def coverage_cells(page, code: str) -> list[str]:
    """Workers, trained, coverage and not trained of one area's row."""
    cells = page.locator(f"[data-testid=coverage-table] tr[data-row='{code}'] td")
    expect(cells).to_have_count(4)
    return [text.strip() for text in cells.all_inner_texts()]


def test_a_town_officer_marks_attendance_and_the_coverage_goes_up(browser_page, training_world):
    page = browser_page
    session, workers = training_world["session"], training_world["workers"]
    log_in(page, "town_a")
    page.locator(f".site-nav a[href='{reverse('workforce:training')}']").click()
    expect(page.locator("[data-testid=coverage-workers]")).to_have_text("4")
    expect(page.locator("[data-testid=coverage-trained]")).to_have_text("0")
    expect(page.locator("[data-testid=coverage-percent]")).to_have_text("0.0%")
    assert coverage_cells(page, C1) == ["3", "0", "0.0%", "3"]
    assert coverage_cells(page, C2) == ["1", "0", "0.0%", "1"]

    # Courses → the course → last week's session and its attendance sheet.
    page.locator(f"main a[href='{reverse('workforce:courses')}']").first.click()
    page.locator(
        f"a[href='{reverse('workforce:course', args=[training_world['course'].pk])}']"
    ).click()
    page.locator(f"[data-testid=session-{session.pk}] a").click()
    expect(page).to_have_url(re.compile(rf"/workforce/training/sessions/{session.pk}/$"))
    sheet = page.locator("[data-testid=sheet-table]")
    expect(sheet.locator("tbody tr")).to_have_count(4)
    expect(page.locator("[data-testid=session-present]")).to_have_text("0")
    assert_accessible(page, "a session's attendance sheet")

    page.locator(f"#present-{workers['zhang'].pk}").check()
    page.locator(f"#present-{workers['liu'].pk}").check()
    page.locator("[data-testid=sheet-save]").click()
    expect(page.locator(".messages .message.success")).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"/workforce/training/sessions/{session.pk}/$"))
    expect(page.locator("[data-testid=session-present]")).to_have_text("2")
    for key in ("zhang", "liu"):
        expect(page.locator(f"#present-{workers[key].pk}")).to_be_checked()
        expect(page.locator(f"[data-testid=sheet-{workers[key].pk}] .badge.ok")).to_have_count(1)
    for key in ("zhao", "sun"):
        expect(page.locator(f"#present-{workers[key].pk}")).not_to_be_checked()
        expect(page.locator(f"[data-testid=sheet-{workers[key].pk}] .badge")).to_have_count(0)
    marks = Attendance.objects.filter(session=session)
    assert sorted(marks.values_list("worker_id", flat=True)) == sorted(
        [workers["zhang"].pk, workers["liu"].pk]
    )
    assert all(mark.attended and mark.hours == 8 for mark in marks)

    # The coverage: two more trained, both in 仙城社区.
    page.locator(f".site-nav a[href='{reverse('workforce:training')}']").click()
    expect(page.locator("[data-testid=coverage-trained]")).to_have_text("2")
    expect(page.locator("[data-testid=coverage-percent]")).to_have_text("50.0%")
    assert coverage_cells(page, C1) == ["3", "2", "66.7%", "1"]
    assert coverage_cells(page, C2) == ["1", "0", "0.0%", "1"]
    assert_accessible(page, "the training coverage of a town")
    assert page.js_errors == []
