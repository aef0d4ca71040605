"""The registry end to end: a community worker finds 李四 by pinyin initials, shows his phone
number in full and adds him to a group; a grid worker walks from "My grid" to a household's
people on a phone-sized screen. The resident list and the grid pages pass axe-core.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from linli.core.models import AuditEvent
from linli.core.roles import Role
from linli.registry.models import GroupTag, ResidentTag
from linli.registry.vocabulary import builtin_rows
from tests.conftest import make_area, make_user
from tests.registry.conftest import homes  # noqa: F401  (the registry's people, as a fixture)

from .conftest import log_in
from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

GRID = "220403001001001"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def tree(transactional_db):
    """The area tree of tests/conftest.py, in a database the live server can see.

    The built-in group vocabulary comes from a data migration, which the flush after an
    earlier browser test has emptied: put it back.
    """
    for row in builtin_rows():
        GroupTag.objects.get_or_create(code=row.pop("code"), defaults=row)
    return {
        "county": make_area("220403", "西安区"),
        "town_a": make_area("220403001", "仙城街道"),
        "town_b": make_area("220403002", "东山街道"),
        "a1": make_area("220403001001", "仙城社区", "111"),
        "a2": make_area("220403001002", "新兴社区", "111"),
        "b1": make_area("220403002001", "东山社区", "111"),
        "grid_a1": make_area(GRID, "仙城社区第1网格"),
    }


@pytest.fixture
def staff(tree):
    return {
        "worker": make_user("worker_a1", Role.COMMUNITY_WORKER, tree["a1"], full_name="陈社工"),
        "grid": make_user("grid_a1", Role.GRID_WORKER, tree["grid_a1"], full_name="周网格"),
    }


def test_worker_finds_a_resident_reveals_the_phone_and_adds_a_group(browser_page, staff, homes):  # noqa: F811
    page = browser_page
    li = homes["people"]["li"]
    log_in(page, "worker_a1")
    page.locator(".site-nav a[href='/registry/people/']").click()
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page, "the resident list")

    search = page.locator("#f-q")
    search.fill("ls")
    search.press("Enter")
    table = page.locator("[data-testid=resident-table]")
    expect(table).to_contain_text("李四")
    expect(table).not_to_contain_text("张三")
    expect(page).to_have_url(re.compile(r"/registry/people/\?q=ls$"))
    assert li.phone not in page.content() and li.id_number not in page.content()
    assert_accessible(page, "the resident list with results")

    table.get_by_role("link", name="李四").click()
    expect(page).to_have_url(re.compile(rf"/registry/people/{li.pk}/$"))
    expect(page.locator("[data-testid=reveal-phone]")).to_contain_text("136****5432")
    assert li.phone not in page.content()
    page.locator("[data-testid=reveal-phone-button]").click()
    call = page.locator(f"[data-testid=reveal-phone] a[href='tel:{li.phone}']")
    expect(call).to_have_text(li.phone)
    expect(page).to_have_url(re.compile(rf"/registry/people/{li.pk}/$"))  # swapped in place
    assert AuditEvent.objects.filter(action="pii.reveal", target_id=str(li.pk)).count() == 1
    assert li.id_number not in page.content()

    groups = page.locator("[data-testid=groups]")
    groups.locator("details.add-form > summary").click()
    form = page.locator("[data-testid=tag-form]")
    form.locator("select[name=tag_code]").select_option("special_elderly.advanced_age")
    form.locator("input[name=started_on]").fill("2026-01-01")
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("李四")
    expect(groups).to_contain_text("高龄老人")
    expect(page.locator("[data-testid=reveal-phone]")).not_to_contain_text(li.phone)
    assert ResidentTag.objects.filter(resident=li, tag_id="special_elderly.advanced_age").exists()
    assert page.js_errors == []


def test_grid_worker_reaches_a_households_people_on_a_phone(browser_page, staff, homes):  # noqa: F811
    page = browser_page
    page.set_viewport_size(PHONE)
    zhang = homes["people"]["zhang"]
    log_in(page, "grid_a1")
    page.locator(".site-nav a[href='/registry/my-grid/']").click()
    expect(page).to_have_url(re.compile(rf"/registry/my-grid/{GRID}/$"))
    expect(page.locator("h1")).to_have_text("仙城社区第1网格")
    assert_accessible(page, "the grid page on a phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    building = page.locator("[data-testid=building-tiles] a.tap").filter(has_text="1号楼")
    box = building.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 140  # a big target
    building.click()
    expect(page.locator("h1")).to_have_text("1号楼")
    page.locator("[data-testid=household-tiles] a.tap").filter(has_text="101").click()

    people = page.locator("[data-testid=people]")
    expect(people).to_contain_text("张三")
    expect(people).to_contain_text("刘芳")
    expect(people).to_contain_text("张小明")
    expect(people).to_contain_text("137****5678")
    expect(page.locator("a[href^='tel:']")).to_have_count(0)
    assert_accessible(page, "a household's people on a phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    people.locator("[data-testid=show-phone]").click()
    call = page.locator("[data-testid=call]")
    expect(call).to_have_attribute("href", f"tel:{zhang.phone}")
    assert call.bounding_box()["height"] >= 44
    assert page.js_errors == []


def test_registry_pages_are_accessible_in_elderly_mode(browser_page, staff, homes):  # noqa: F811
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, "worker_a1")
    page.locator("[data-testid=elderly-toggle]").click()
    expect(page.locator("html.elderly")).to_have_count(1)
    for url in (
        "/registry/people/",
        f"/registry/people/{homes['people']['li'].pk}/",
        f"/registry/households/{homes['households']['zhang'].pk}/",
        f"/registry/my-grid/{GRID}/",
        f"/registry/my-grid/{GRID}/households/{homes['households']['zhang'].pk}/",
    ):
        page.goto(url)
        assert_accessible(page, f"{url} in elderly mode")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    assert page.js_errors == []
