"""The plan dashboard end to end: prefecture → county → town → community → the records.

The county's civil-affairs officer opens the plan from the "Plan targets" block of her home
page, reads the targets as tiles (each with its status in words, not colour alone), follows the
red tile's "communities below target" to the town that misses it, then to its community, and
from there to the records behind the community's value (its facilities). The areas below show
as a matrix of status cells with a chart; the projector shows the big screen without the site's
navigation. Every page passes axe-core, also in elderly mode.

The values are those of tests/plans/test_dashboard.py, written as a recompute leaves them.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from linli.core.roles import Role
from tests.conftest import make_user
from tests.plans.test_dashboard import B1, COUNTY, TOWN_B, build_dashboard_world

from .conftest import log_in
from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def plan_world(transactional_db):
    world = build_dashboard_world()
    county = world["plan"].area_code
    from linli.core.models import Area

    world["officer"] = make_user(
        "county", Role.COUNTY_OFFICER, Area.objects.get(code=county), full_name="钱民政"
    )
    return world


def test_a_county_officer_drills_from_a_red_tile_down_to_the_records(browser_page, plan_world):
    page = browser_page
    plan = plan_world["plan"]
    coverage = plan_world["targets"]["xq_coverage"]
    log_in(page, "county")

    # The home page's block fills itself after the page, with the plan's counts by status.
    block = page.locator("[data-testid=home-plans]")
    expect(block).to_be_visible()
    expect(block.locator("[data-count=not_met] dd")).to_have_text("1")
    expect(block.locator("[data-count=at_risk] dd")).to_have_text("2")
    block.locator("[data-testid=home-plan-link]").click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan.pk}/dashboard/$"))

    # The tiles: value, target, status in words and icon, gap, binding, communities below.
    tiles = page.locator("[data-testid=plan-tiles] article")
    expect(tiles).to_have_count(4)
    red = page.locator("[data-testid=tile-xq_coverage]")
    expect(red).to_have_attribute("class", re.compile(r"\bpl-not_met\b"))
    expect(red.locator("[data-testid=value-xq_coverage]")).to_have_text("66.7%")
    expect(red.locator("[data-status=not_met]")).to_contain_text("✗")
    expect(red.locator("[data-testid=gap-xq_coverage]")).to_have_text("33.3%")
    expect(red.locator("[data-testid=binding]")).to_be_visible()
    expect(page.locator("[data-testid=tile-xq_area_per_100] [data-status]")).to_have_attribute(
        "data-status", "at_risk"
    )
    expect(page.locator("[data-testid=tile-xq_volunteers] [data-status]")).to_have_attribute(
        "data-status", "no_data"
    )
    expect(page.locator("[data-testid=plan-counts] [data-count=not_met] strong")).to_have_text("1")
    assert_accessible(page, "the dashboard of a plan")

    # The red tile's "1 community below target": the town that holds it, and only that one.
    red.locator("[data-testid=below-xq_coverage]").click()
    expect(page).to_have_url(re.compile(rf"/dashboard/targets/{coverage.pk}/\?.*below=1"))
    rows = page.locator("[data-testid=drill-table] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-row", TOWN_B)
    expect(rows.first).to_have_attribute("data-status", "not_met")
    expect(page.locator("#plans-chart canvas")).to_have_count(1)
    assert_accessible(page, "the drill-down of a target")

    # The town, one level down: its community below the target.
    rows.first.locator("th a").click()
    expect(page).to_have_url(re.compile(rf"area={TOWN_B}"))
    crumbs = page.locator("[data-testid=plan-crumbs] a")
    expect(crumbs.filter(has_text=re.compile(r"^西安区$"))).to_have_count(1)
    rows = page.locator("[data-testid=drill-table] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-row", B1)
    expect(rows.first.locator("td[data-value]")).to_have_text("0.0%")

    # The community's records: the facility register filtered to it.
    page.locator(f"[data-testid=records-{B1}]").click()
    expect(page).to_have_url(re.compile(rf"{reverse('facilities:list')}\?.*area={B1}"))
    expect(page.locator("h1")).to_be_visible()

    # Back up at the county: the areas below as a matrix of status cells with a chart.
    page.goto(f"{reverse('plans:children', args=[plan.pk])}?area={COUNTY}")
    matrix = page.locator("[data-testid=children-matrix]")
    expect(matrix.locator("tbody tr")).to_have_count(2)
    expect(matrix.locator(f"tr[data-row='{TOWN_B}'] td[data-worst]")).to_have_attribute(
        "data-worst", "not_met"
    )
    expect(page.locator("#plans-chart canvas")).to_have_count(1)
    assert_accessible(page, "the areas below, as a matrix")
    matrix.locator(f"tr[data-row='{TOWN_B}'] a.pl-cell").first.click()
    expect(page).to_have_url(re.compile(rf"/dashboard/\?area={TOWN_B}"))
    expect(page.locator("[data-testid=value-xq_coverage]")).to_have_text("0.0%")

    # The trend: a chart per target (the live values, no snapshot yet), the table a click away.
    page.locator("[data-testid=tab-trend]").click()
    expect(page).to_have_url(re.compile(r"/dashboard/trend/"))
    expect(page.locator("figure.pl-trend canvas")).to_have_count(4)
    table = page.locator("[data-testid=trend-table]")
    expect(table.locator("tbody tr")).not_to_be_visible()
    table.locator("summary").click()
    expect(table.locator("tbody tr[data-point=live]")).to_be_visible()
    assert_accessible(page, "the trend of the targets")
    page.go_back()

    # Elderly mode: the same tiles, larger, still accessible.
    page.locator("[data-testid=elderly-toggle]").click()
    expect(page.locator("html.elderly")).to_have_count(1)
    expect(page.locator("[data-testid=plan-tiles] article")).to_have_count(4)
    assert_accessible(page, "the dashboard in elderly mode")
    assert page.js_errors == []


def test_the_big_screen_shows_large_tiles_without_navigation(browser_page, plan_world):
    page = browser_page
    plan = plan_world["plan"]
    log_in(page, "county")
    page.goto(reverse("plans:dashboard", args=[plan.pk]))
    page.locator("[data-testid=screen-link]").click()
    expect(page).to_have_url(re.compile(r"screen=1"))
    expect(page.locator("[data-testid=plan-screen]")).to_be_visible()
    expect(page.locator(".site-nav, .site-header, .site-footer")).to_have_count(0)
    expect(page.locator("[data-testid=screen-board]")).to_have_attribute("hx-trigger", "every 300s")
    expect(page.locator("[data-testid=value-xq_coverage]")).to_have_text("66.7%")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(11, 23, 32)"
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.pl-value')).fontSize)"
    )
    assert size >= 48
    assert_accessible(page, "the big screen")
    page.locator("[data-testid=screen-leave]").click()
    expect(page.locator(".site-header")).to_have_count(1)
    assert page.js_errors == []
