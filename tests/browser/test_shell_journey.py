"""The site shell end to end: log in by phone, switch language and elderly mode, log out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from linli.core.roles import Role
from tests.conftest import make_area, make_user

from .conftest import log_in, log_out

pytestmark = pytest.mark.browser

RESIDENT_PHONE = "13900000001"


@pytest.fixture
def county_tree(transactional_db):
    """The county, two towns, a community with a resident, and a county officer."""
    county = make_area("220403", "西安区")
    town_a = make_area("220403001", "仙城街道")
    make_area("220403002", "东山街道")
    community = make_area("220403001001", "仙城社区", "111")
    resident = make_user(
        "resident_a1", Role.RESIDENT, community, phone=RESIDENT_PHONE, full_name="王秀兰"
    )
    officer = make_user("county", Role.COUNTY_OFFICER, county, full_name="李建国")
    return {"county": county, "town_a": town_a, "resident": resident, "officer": officer}


def switch_language(page, code: str) -> None:
    """Pick a language in the header form and submit it, as a person would."""
    page.locator("[data-testid=language-select]").select_option(code)
    button = page.locator(".lang-form button[type=submit]")
    if button.is_visible():
        button.click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def test_resident_journey_language_elderly_mode_and_logout(browser_page, county_tree):
    page = browser_page
    html = page.locator("html")

    log_in(page, RESIDENT_PHONE)
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    expect(page.locator("header")).to_contain_text("王秀兰")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(html).to_have_attribute("dir", "ltr")

    switch_language(page, "en")
    expect(page.locator("header")).to_contain_text("Log out")
    expect(page.locator("header")).to_contain_text("王秀兰")  # still signed in
    expect(html).to_have_attribute("dir", "ltr")

    switch_language(page, "ug")
    expect(html).to_have_attribute("dir", "rtl")

    switch_language(page, "zh-hans")
    expect(html).to_have_attribute("dir", "ltr")
    expect(page.locator("header")).not_to_contain_text("Log out")

    toggle = page.locator("[data-testid=elderly-toggle]")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    standard_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    toggle.click()
    expect(html).to_have_class(re.compile(r"(^|\s)elderly(\s|$)"))
    expect(page.locator("[data-testid=elderly-toggle]")).to_have_attribute("aria-pressed", "true")
    elderly_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert elderly_size >= 20, f"body font-size in elderly mode is {elderly_size}px"
    assert elderly_size > standard_size

    page.reload()
    expect(html).to_have_class(re.compile(r"(^|\s)elderly(\s|$)"))
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    expect(html).to_have_attribute("lang", "zh-hans")

    log_out(page)
    expect(page.locator("header a[href$='/accounts/login/']")).to_be_visible()
    expect(page.locator("header")).not_to_contain_text("王秀兰")
    assert page.js_errors == []


def test_county_officer_logs_in_by_username_and_sees_the_towns(browser_page, county_tree):
    page = browser_page

    log_in(page, "county")
    expect(page.locator("header")).to_contain_text("李建国")
    page.locator("nav a[href='/areas/']").click()
    expect(page).to_have_url(re.compile(r"/areas/$"))
    main = page.locator("main")
    expect(main).to_contain_text("西安区")
    # Open the county: htmx loads its towns in place; without JavaScript the link opens the
    # county's page, which lists them.
    page.locator("main a.area-toggle[aria-controls='sub-220403000000']").click()
    expect(main).to_contain_text("仙城街道")
    expect(main).to_contain_text("东山街道")
    assert page.js_errors == []


def test_wrong_password_shows_an_error_and_stays_signed_out(browser_page, county_tree):
    page = browser_page

    log_in(page, RESIDENT_PHONE, password="not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("main .errorlist")).to_be_visible()
    expect(page.locator("header")).not_to_contain_text("王秀兰")
    expect(page.locator("input[name=username]")).to_have_value(RESIDENT_PHONE)
