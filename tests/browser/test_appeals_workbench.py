"""The appeals workbench end to end: a community worker opens the inbox, moves to the appeal
dispatched to the community with the keyboard and opens it, accepts it (签收), writes progress
for the resident and resolves it with one of the county's response templates; the town officer
then finds it among the appeals awaiting the resident. The inbox and the appeal's page pass
axe-core and raise no script or Content-Security-Policy error.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from linli.appeals import actions
from linli.appeals.models import Appeal, Category, Event, ResponseTemplate, State
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from tests.conftest import make_area, make_user

from .conftest import log_in, log_out
from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    county = make_area("220403", "西安区")
    town = make_area("220403001", "仙城街道")
    a1 = make_area("220403001001", "仙城社区", "111")
    actions.appeal_defaults_load(actor=SYSTEM, county_code=county.code)
    resident = make_user("resident_a1", Role.RESIDENT, a1, phone="13900000001", full_name="王秀兰")
    noise = Category.objects.get(area_code=county.code, key="noise")
    appeal = actions.appeal_submit(
        actor=resident,
        category_id=noise.pk,
        area_code=a1.code,
        description="楼上每天深夜装修，电钻声音很大",
        title="楼上深夜装修噪音",
        address="仙城路1号1号楼",
    )
    return {
        "appeal": appeal,
        "worker": make_user("worker_a1", Role.COMMUNITY_WORKER, a1, full_name="陈社工"),
        "town": make_user("town_a", Role.TOWN_OFFICER, town, full_name="赵街道"),
        # The first answer for the "resolve" step, as the county stores it.
        "repaired": ResponseTemplate.objects.filter(area_code=county.code, step="resolve")
        .order_by("title")
        .first(),
    }


def test_a_worker_accepts_works_and_resolves_an_appeal(browser_page, world):
    page = browser_page
    appeal = world["appeal"]
    assert appeal.state == State.DISPATCHED

    log_in(page, "worker_a1")
    page.locator(".site-nav a[href='/appeals/']").click()
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("[data-testid=count-to_accept]")).to_have_text("1")
    row = page.locator(f"[data-testid=appeal-row-{appeal.pk}]")
    expect(row).to_contain_text("楼上深夜装修噪音")
    expect(row).to_contain_text(appeal.number)
    assert_accessible(page, "the appeals inbox")

    # Keys: "/" goes to the search box; typing there never moves the rows; j and Enter open.
    page.keyboard.press("/")
    expect(page.locator("#f-q")).to_be_focused()
    page.keyboard.type("jk")
    expect(page.locator("#f-q")).to_have_value("jk")
    page.locator("#f-q").fill("")
    page.locator("#f-q").press("Escape")
    page.locator("h1").click()
    page.keyboard.press("j")
    expect(row.locator("a[data-row-link]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/appeals/{appeal.pk}/$"))
    expect(page.locator("[data-testid=appeal-state]")).to_have_class(re.compile("state-dispatched"))
    expect(page.locator("[data-testid=reveal-phone]")).to_contain_text("139****0001")
    assert "13900000001" not in page.content()
    assert_accessible(page, "an appeal's page")

    # 签收
    page.locator("[data-testid=submit-accept]").click()
    expect(page.locator(".messages")).to_contain_text(appeal.number)
    expect(page.locator("[data-testid=appeal-state]")).to_have_class(re.compile("state-accepted"))
    expect(page.locator("[data-testid=accepted-by]")).to_have_text("陈社工")

    # Progress for the resident, and an internal note.
    progress = page.locator("[data-testid=action-progress]")
    progress.locator(":scope > summary").click()
    progress.locator("textarea[name=message]").fill("已联系装修队，今晚起22点后停工")
    progress.locator("textarea[name=note]").fill("装修队负责人姓李")
    progress.locator("[data-testid=submit-progress]").click()
    timeline = page.locator("[data-testid=timeline]")
    expect(timeline).to_contain_text("已联系装修队，今晚起22点后停工")
    expect(timeline.locator("[data-testid=internal-note]")).to_contain_text("装修队负责人姓李")

    # Resolve with a response template: the <select> fills the text.
    resolve = page.locator("[data-testid=action-resolve]")
    resolve.locator(":scope > summary").click()
    expect(resolve.locator("[data-template-list]")).to_be_hidden()
    resolve.locator("select[data-fill]").select_option(label=world["repaired"].title)
    text = resolve.locator("textarea[name=resolution]")
    expect(text).to_have_value(world["repaired"].text)
    text.press("End")
    text.type(" 已和居民确认。")
    resolve.locator("[data-testid=submit-resolve]").click()
    expect(page.locator("[data-testid=appeal-state]")).to_have_class(re.compile("state-resolved"))
    expect(page.locator("[data-testid=resolution]")).to_contain_text("已和居民确认")

    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.state == State.RESOLVED
    assert appeal.resolution == world["repaired"].text + " 已和居民确认。"
    assert Event.objects.filter(appeal=appeal, kind=Event.Kind.PROGRESS, public=True).count() == 1
    assert page.js_errors == []
    log_out(page)

    # The town officer sees it among those awaiting the resident.
    log_in(page, "town_a")
    page.goto("/appeals/")
    page.locator("[data-testid=tab-awaiting_resident]").click()
    row = page.locator(f"[data-testid=appeal-row-{appeal.pk}]")
    expect(row.locator(".state")).to_have_class(re.compile("state-resolved"))
    page.locator(f"[data-testid=appeal-row-{appeal.pk}] a[data-row-link]").click()
    expect(page.locator("[data-testid=resolution]")).to_contain_text("已和居民确认")
    expect(page.locator("[data-testid=accepted-by]")).to_have_text("陈社工")
    expect(page.locator("[data-testid=action-rate]")).to_have_count(1)
    assert page.js_errors == []


def test_the_inbox_filters_in_place_with_htmx(browser_page, world):
    page = browser_page
    log_in(page, "town_a")
    page.goto("/appeals/")
    table = page.locator("[data-testid=appeal-table]")
    expect(table).to_contain_text("楼上深夜装修噪音")
    page.locator("#f-q").fill("电梯")
    expect(page.locator("[data-testid=no-appeals]")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/appeals/\?.*q=%E7%94%B5%E6%A2%AF"))
    page.locator("#f-q").fill("")
    page.locator("#f-channel").select_option("online")
    expect(table).to_contain_text("楼上深夜装修噪音")
    assert page.js_errors == []


def test_a_worker_takes_an_appeal_in_by_phone(browser_page, world):
    """The chosen category's questions appear; the appeal already reported nearby is shown while
    the form is filled in, so saving needs no second step."""
    page = browser_page
    lift = Category.objects.get(key="property.lift")
    noise = Category.objects.get(key="noise")
    log_in(page, "worker_a1")
    page.goto("/appeals/")
    page.locator("[data-testid=intake-link]").click()
    expect(page).to_have_url(re.compile(r"/appeals/intake/$"))
    expect(page.locator(f"[data-questions-for='{lift.pk}']")).to_be_hidden()
    page.locator("input[name=channel][value=phone]").check()
    page.locator("#in-category").select_option(str(lift.pk))
    expect(page.locator(f"[data-questions-for='{lift.pk}']")).to_be_visible()
    expect(page.locator("[data-testid=duplicates]")).to_have_count(0)
    page.locator("#in-category").select_option(str(noise.pk))
    expect(page.locator(f"[data-questions-for='{lift.pk}']")).to_be_hidden()
    duplicates = page.locator("[data-testid=duplicates]")
    expect(duplicates).to_contain_text(world["appeal"].number)
    assert_accessible(page, "the intake form with a likely duplicate")

    page.locator("#in-description").fill("楼下商铺晚上音响声音很大，老人睡不着")
    page.locator("#in-contact_name").fill("张大妈")
    page.locator("#in-contact_phone").fill("13811112222")
    page.locator("[data-testid=intake-submit]").click()
    expect(page).to_have_url(re.compile(r"/appeals/\d+/$"))
    taken = Appeal.objects.exclude(pk=world["appeal"].pk).get()
    assert taken.channel == "phone" and taken.entered_by_id == world["worker"].pk
    expect(page.locator("[data-testid=appeal-number]")).to_have_text(taken.number)
    expect(page.locator("[data-testid=reveal-phone]")).to_contain_text("138****2222")
    assert page.js_errors == []
