"""Resident-facing pages pass axe-core with no serious or critical violation.

axe-core is vendored at tests/browser/vendor/axe.min.js (MPL-2.0, see the README there).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from linli.core.roles import Role
from tests.conftest import make_area, make_user

from .conftest import log_in, run_axe

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def assert_accessible(page, where: str) -> None:
    violations = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    report = "\n".join(
        f"- [{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )
    assert not violations, f"axe-core violations on {where}:\n{report}"


@pytest.fixture
def resident(transactional_db):
    community = make_area("220403001001", "仙城社区", "111")
    return make_user(
        "resident_a1", Role.RESIDENT, community, phone="13900000001", full_name="王秀兰"
    )


def test_axe_finds_a_planted_violation(browser_page):
    """The checker itself works: an image without alternative text is reported as critical."""
    page = browser_page
    page.goto("/")
    page.evaluate(
        """() => { const img = document.createElement('img');
                   img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
                   document.querySelector('main').appendChild(img); }"""
    )
    found = {v["id"]: v["impact"] for v in run_axe(page)}
    assert found.get("image-alt") == "critical"


def test_landing_and_login_pages_are_accessible(browser_page):
    page = browser_page
    page.goto("/")
    assert_accessible(page, "the landing page")
    page.goto("/accounts/login/")
    assert_accessible(page, "the login page")
    assert page.js_errors == []


def test_resident_home_is_accessible_in_chinese_and_in_elderly_mode(browser_page, resident):
    page = browser_page
    log_in(page, "13900000001")
    expect(page.locator("header")).to_contain_text("王秀兰")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert_accessible(page, "the resident home (Chinese)")

    page.locator("[data-testid=elderly-toggle]").click()
    expect(page.locator("html.elderly")).to_have_count(1)
    assert_accessible(page, "the resident home (elderly mode)")
    assert page.js_errors == []
