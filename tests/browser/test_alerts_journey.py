"""An emergency alert end to end: the town officer issues a rainstorm alert (暴雨红色预警) to 仙城街道;
it reaches every resident at once; 张三 sees it on top of his home page on his phone and presses
"I need help" (我需要帮助), which puts him first on the grid worker's check list; once the check
time has come, 李四 — living alone, who has not answered — joins the list; the grid worker finds
him needing help, which raises an urgent appeal; and the officer's live page shows, per
community, who was reached, who answered, who needs help and who is not yet accounted for.
The resident's alert page and the check list pass axe-core.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.appeals.actions import appeal_defaults_load
from linli.appeals.models import Appeal
from linli.core.models import Notification
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.notices.actions.alerts import alert_ack
from linli.notices.models import Alert, AlertRecipient
from linli.registry import actions as registry_actions
from linli.registry.models import GridStaff, GroupTag, Resident
from linli.registry.vocabulary import builtin_rows
from tests.conftest import make_area, make_user
from tests.registry.conftest import make_id

from .conftest import log_in, log_out
from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
GRID = "220403001001001"


def build_alert_world() -> dict:
    """仙城街道 with two communities: in A1's grid 张三 (with an account) and 李四 (living alone,
    no account), with the grid's worker on duty; in A2 赵六 (with an account). The town officer
    issues alerts; the county has its appeal catalogue (for urgent appeals)."""
    for row in builtin_rows():  # the group vocabulary is data; an earlier flush removed it
        GroupTag.objects.get_or_create(code=row.pop("code"), defaults=row)
    county = make_area("220403", "西安区")
    town = make_area("220403001", "仙城街道")
    a1 = make_area("220403001001", "仙城社区", "111")
    a2 = make_area("220403001002", "新兴社区", "111")
    grid = make_area(GRID, "仙城社区第1网格")
    appeal_defaults_load(actor=SYSTEM, county_code=county.code)
    officer = make_user("town_a", Role.TOWN_OFFICER, town, full_name="赵街道")
    worker = make_user("grid_a1", Role.GRID_WORKER, grid, full_name="周网格")
    registry_actions.grid_staff_assign(
        actor=SYSTEM, grid_code=grid.code, duty=GridStaff.Duty.GRID_WORKER, user_id=worker.pk
    )

    building = registry_actions.building_create(
        actor=SYSTEM, community_code=a1.code, name="1号楼", address="仙城路1号", units=3
    )
    registry_actions.grid_assign(actor=SYSTEM, grid_code=grid.code, building_ids=[building.pk])

    def home(community, **where):
        return registry_actions.household_create(
            actor=SYSTEM, community_code=community.code, residence_type="registered", **where
        )

    def person(household, name, id_number, phone=""):
        return registry_actions.resident_add(
            actor=SYSTEM,
            household_id=household.pk,
            name=name,
            id_number=id_number,
            phone=phone,
            relationship="head",
            moved_in_on="2001-01-01",
        )

    zhang = person(
        home(a1, building_id=building.pk, unit="1", room="101"),
        "张三",
        make_id("19800115", 1),
        "13712345678",
    )
    li = person(
        home(a1, building_id=building.pk, unit="2", room="502"),
        "李四",
        make_id("19400202", 4),
        "13698765432",
    )
    zhao = person(home(a2, address="新兴街8号"), "赵六", make_id("19750707", 6))
    registry_actions.resident_tag_add(
        actor=SYSTEM,
        resident_id=li.pk,
        tag_code="special_elderly.living_alone",
        started_on="2024-01-01",
    )
    accounts = {}
    for key, resident, area, phone in (
        ("zhang", zhang, a1, "13712345678"),
        ("zhao", zhao, a2, "13900000006"),
    ):
        user = make_user(f"res_{key}", Role.RESIDENT, area, phone=phone, full_name=resident.name)
        Resident.objects.filter(pk=resident.pk).update(account=user)
        accounts[key] = user
    return {
        "county": county,
        "town": town,
        "a1": a1,
        "a2": a2,
        "officer": officer,
        "worker": worker,
        "people": {"zhang": zhang, "li": li, "zhao": zhao},
        "accounts": accounts,
    }


@pytest.fixture
def world(transactional_db):
    return build_alert_world()


def live_row(page, code: str) -> dict[str, str]:
    """One row of the live table, by column: the testids of the figures above it name them."""
    keys = [
        "reached",
        "acknowledged",
        "need_help",
        "vulnerable",
        "checked_safe",
        "checked_help",
        "not_reached",
        "awaiting",
    ]
    cells = page.locator(f"[data-testid=live-row-{code}] td")
    expect(cells).to_have_count(len(keys))
    return {key: cells.nth(i).inner_text().split()[0] for i, key in enumerate(keys)}


def test_an_alert_reaches_residents_and_the_vulnerable_are_checked(browser_page, world):
    page = browser_page
    people = world["people"]

    # The town officer issues the alert to the whole town.
    log_in(page, "town_a")
    page.locator(".site-nav a[href='/notices/alerts/']").click()
    page.locator("[data-testid=issue-link]").click()
    expect(page).to_have_url(re.compile(r"/notices/alerts/new/$"))
    form = page.locator("[data-testid=alert-form]")
    form.locator("select[name=area_code]").select_option(world["town"].code)
    form.locator("select[name=kind]").select_option("rainstorm")
    form.locator("label.severity-choice.sev-red").click()
    expect(form.locator("input[name=severity][value=red]")).to_be_checked()
    form.locator("input[name=title]").fill("暴雨红色预警")
    form.locator("textarea[name=instructions]").fill(
        "今夜有特大暴雨，请勿外出，低洼处居民立即转移。"
    )
    form.locator("textarea[name=shelters]").fill(
        "仙城小学体育馆 — 仙城路8号\n社区服务中心 — 仙城路1号"
    )
    form.locator("input[name=check_after]").fill("5")
    form.locator("[data-testid=issue-submit]").click()

    expect(page).to_have_url(re.compile(r"/notices/alerts/\d+/$"))
    alert = Alert.objects.get()
    expect(page).to_have_url(re.compile(rf"/notices/alerts/{alert.pk}/$"))
    # The fan-out ran when the issue was saved: every resident of the town is reached.
    assert alert.status == Alert.Status.ACTIVE and alert.recipients_done == 3
    assert alert.check_after == 5 and alert.area_code == world["town"].code
    assert AlertRecipient.objects.filter(alert=alert).count() == 3
    li_row = AlertRecipient.objects.get(alert=alert, resident=people["li"])
    assert li_row.vulnerable and li_row.user_id is None
    expect(page.locator("[data-testid=total-reached]")).to_have_text("3")
    expect(page.locator("[data-testid=total-vulnerable]")).to_have_text("1")
    expect(page.locator("[data-testid=total-awaiting]")).to_have_text("0")
    assert page.js_errors == []
    log_out(page)

    # 张三 finds it on top of his home page, on his phone, and asks for help.
    page.set_viewport_size(PHONE)
    log_in(page, "13712345678")
    banner = page.locator(f"[data-testid=home-alert-{alert.pk}]")
    expect(banner).to_contain_text("暴雨红色预警")
    expect(banner).to_have_class(re.compile(r"sev-red"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    help_button = banner.locator("[data-testid=ack-help]")
    assert help_button.bounding_box()["height"] >= 44
    help_button.click()
    expect(page).to_have_url(re.compile(rf"/notices/alerts/{alert.pk}/mine/$"))
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("[data-testid=my-answer] .badge.bad")).to_be_visible()
    expect(page.locator("[data-testid=shelters]")).to_contain_text("仙城小学体育馆")
    expect(page.locator("[data-testid=instructions]")).to_contain_text("低洼处居民立即转移")
    zhang_row = AlertRecipient.objects.get(alert=alert, resident=people["zhang"])
    assert zhang_row.ack == AlertRecipient.Ack.HELP
    # The grid's worker is told at once.
    assert Notification.objects.filter(user=world["worker"], kind="alert.help").count() == 1
    assert_accessible(page, "the resident's alert page, answered")
    assert page.js_errors == []
    log_out(page)

    # 赵六 (in the other community) answers "I am aware".
    alert_ack(actor=world["accounts"]["zhao"], alert_id=alert.pk, answer="known")

    # The grid worker's check list: 张三 at once; 李四 only once the check time has come.
    log_in(page, "grid_a1")
    page.goto("/notices/alerts/checks/")
    cards = page.locator("[data-testid=check-list] > li")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-testid", f"check-{zhang_row.pk}")
    Alert.objects.filter(pk=alert.pk).update(issued_at=timezone.now() - dt.timedelta(minutes=6))
    page.reload()
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_have_attribute("data-testid", f"check-{zhang_row.pk}")
    li_card = page.locator(f"[data-testid=check-{li_row.pk}]")
    expect(cards.nth(1)).to_have_attribute("data-testid", f"check-{li_row.pk}")
    expect(li_card).to_contain_text("李四")
    expect(li_card).to_contain_text("136****5432")
    assert "13698765432" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page, "the grid worker's check list on a phone")

    li_card.locator("textarea[name=note]").fill("家中进水，老人行动不便，需要转移")
    needs_help = li_card.locator(f"[data-testid=help-{li_row.pk}]")
    assert needs_help.bounding_box()["height"] >= 44
    needs_help.click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator(f"[data-testid=check-{li_row.pk}]")).to_have_count(0)
    expect(cards).to_have_count(1)
    li_row.refresh_from_db()
    assert li_row.checked == AlertRecipient.CheckResult.HELP
    assert li_row.checked_by_id == world["worker"].pk
    appeal = Appeal.objects.get(pk=li_row.appeal_id)
    assert appeal.category.key == "urgent" and appeal.channel == "patrol"
    assert appeal.resident_id == people["li"].pk and appeal.area_code == GRID
    assert "家中进水" in appeal.description
    assert page.js_errors == []
    log_out(page)

    # The officer's live page: per community, who answered, who needs help, who is missing.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "town_a")
    page.goto(f"/notices/alerts/{alert.pk}/")
    assert live_row(page, world["a1"].code) == {
        "reached": "2",
        "acknowledged": "1",
        "need_help": "1",  # 张三 asked
        "vulnerable": "1",
        "checked_safe": "0",
        "checked_help": "1",  # 李四 was found needing help
        "not_reached": "0",
        "awaiting": "1",  # 张三 still awaits his check
    }
    assert live_row(page, world["a2"].code) == {
        "reached": "1",
        "acknowledged": "1",
        "need_help": "0",
        "vulnerable": "0",
        "checked_safe": "0",
        "checked_help": "0",
        "not_reached": "0",
        "awaiting": "0",
    }
    expect(page.locator("[data-testid=total-need_help]")).to_have_text("1")
    expect(page.locator("[data-testid=total-checked_help]")).to_have_text("1")
    expect(page.locator("[data-testid=total-awaiting]")).to_have_text("1")
    unaccounted = page.locator("[data-testid=people-table]")
    expect(unaccounted.locator("tbody tr")).to_have_count(1)
    expect(unaccounted.locator(f"[data-testid=person-{zhang_row.pk}]")).to_contain_text("张三")
    assert_accessible(page, "the alert's live page")
    assert page.js_errors == []
