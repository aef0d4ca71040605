"""Resident-facing pages pass axe-core with no serious or critical violation.

axe-core is vendored at tests/browser/vendor/axe.min.js (MPL-2.0, see the README there).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
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


# --- the notices and alerts a resident reads; the grid worker's phone pages -------------------

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def alert_world(transactional_db):
    """张三 (an account linked to the registry) with a notice of his community and an alert in
    force over his town (see tests/browser/test_alerts_journey.py)."""
    from linli.notices.actions import alert_issue, notice_publish

    from .test_alerts_journey import build_alert_world

    world = build_alert_world()
    worker = make_user("worker_a1", Role.COMMUNITY_WORKER, world["a1"], full_name="陈社工")
    world["notice"] = notice_publish(
        actor=worker,
        area_code=world["a1"].code,
        title="小区停水通知",
        body="因管道维修，本周六8:00至18:00停水，请提前储水。",
        audience="residents",
    )
    world["alert"] = alert_issue(
        actor=world["officer"],
        area_code=world["town"].code,
        kind="rainstorm",
        severity="orange",
        title="暴雨橙色预警",
        instructions="今夜有大暴雨，请勿外出。",
        shelters=[{"name": "仙城小学体育馆", "address": "仙城路8号"}],
    )
    return world


@pytest.fixture
def care_world(transactional_db):
    """A grid worker with 李四 due for this month's care visit (see test_care_journey.py)."""
    from .test_care_journey import build_care_world

    return build_care_world()


def _pages_pass(page, urls: list[str], mode: str) -> None:
    for url in urls:
        page.goto(url)
        expect(page.locator("h1")).to_have_count(1)
        assert_accessible(page, f"{url} on a phone ({mode})")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url


def test_resident_notice_and_alert_pages_are_accessible(browser_page, alert_world):
    page = browser_page
    page.set_viewport_size(PHONE)
    notice, alert = alert_world["notice"], alert_world["alert"]
    urls = [
        reverse("notices:mine"),
        reverse("notices:view", args=[notice.pk]),
        reverse("notices:alert_resident", args=[alert.pk]),
    ]
    log_in(page, "13712345678")
    expect(page.locator(f"[data-testid=home-alert-{alert.pk}]")).to_be_visible()
    assert_accessible(page, "the resident home with an alert in force")
    page.goto(urls[0])
    expect(page.locator("[data-testid=my-notices]")).to_contain_text("小区停水通知")
    _pages_pass(page, urls, "standard")
    expect(page.locator("[data-testid=answer]")).to_be_visible()

    page.locator("[data-testid=elderly-toggle]").click()
    expect(page.locator("html.elderly")).to_have_count(1)
    _pages_pass(page, urls, "elderly mode")
    assert page.js_errors == []


def test_grid_worker_phone_pages_are_accessible(browser_page, care_world):
    page = browser_page
    page.set_viewport_size(PHONE)
    urls = [
        reverse("gridwork:day"),
        reverse("care:plans"),
        reverse("care:visit_new", args=[care_world["subject"].pk]),
    ]
    log_in(page, "grid_a1")
    page.goto(urls[1])
    expect(page.locator(f"[data-testid=due-{care_world['plan'].pk}]")).to_contain_text("李四")
    _pages_pass(page, urls, "standard")

    page.locator("[data-testid=elderly-toggle]").click()
    expect(page.locator("html.elderly")).to_have_count(1)
    _pages_pass(page, urls, "elderly mode")
    assert page.js_errors == []
