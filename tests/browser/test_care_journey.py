"""Care visits end to end, on a grid worker's phone: "My day" shows 李四 (living alone) due for
this month's visit; the worker opens his care archive, records the visit at the door (at home,
seen in person, one concern, a need found), sees it in the archive and turns the need into an
appeal in one tap. The county's civil-affairs officer then reads the monthly visit rate
(月探访率) by town and by community: 仙城社区 1 of 1 (100%), 新兴社区 0 of 1.

The visit form never records a visit twice: a double tap sends it once, and a visit whose answer
was lost on the way is confirmed, not recorded again, when it is sent a second time. On a bad
connection the entries stay in the form and on the phone ("not sent yet") and go out once the
phone is back online. The form and the worker's pages pass axe-core.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.appeals.actions import appeal_defaults_load
from linli.appeals.models import Appeal
from linli.care import actions as care_actions
from linli.care.models import Need, Plan, Subject, Visit, month_start
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.registry import actions as registry_actions
from linli.registry.models import GridStaff, GroupTag
from linli.registry.vocabulary import builtin_rows
from tests.conftest import make_area, make_user
from tests.registry.conftest import make_id

from .conftest import log_in, log_out
from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
GRID = "220403001001001"
STORAGE_PREFIX = "linli.care.visit."  # where visit.js keeps a visit not yet confirmed


def build_care_world() -> dict:
    """A county with a grid and its worker on duty, 李四 living alone in the grid and 赵六 (advanced
    age) in the neighbouring community, the built-in visit policy, this month's plans and the
    county's appeal catalogue — all made with the actions, as the platform would."""
    for row in builtin_rows():  # the group vocabulary is data; an earlier flush removed it
        GroupTag.objects.get_or_create(code=row.pop("code"), defaults=row)
    county = make_area("220403", "西安区")
    town = make_area("220403001", "仙城街道")
    a1 = make_area("220403001001", "仙城社区", "111")
    a2 = make_area("220403001002", "新兴社区", "111")
    grid = make_area(GRID, "仙城社区第1网格")
    worker = make_user("grid_a1", Role.GRID_WORKER, grid, full_name="周网格")
    registry_actions.grid_staff_assign(
        actor=SYSTEM, grid_code=grid.code, duty=GridStaff.Duty.GRID_WORKER, user_id=worker.pk
    )
    officer = make_user("county", Role.COUNTY_OFFICER, county, full_name="钱民政")

    building = registry_actions.building_create(
        actor=SYSTEM, community_code=a1.code, name="1号楼", address="仙城路1号", units=3
    )
    registry_actions.grid_assign(actor=SYSTEM, grid_code=grid.code, building_ids=[building.pk])
    li_home = registry_actions.household_create(
        actor=SYSTEM,
        community_code=a1.code,
        residence_type="registered",
        building_id=building.pk,
        unit="2",
        room="502",
    )
    li = registry_actions.resident_add(
        actor=SYSTEM,
        household_id=li_home.pk,
        name="李四",
        id_number=make_id("19400202", 4),
        phone="13698765432",
        relationship="head",
        moved_in_on="1995-01-01",
    )
    registry_actions.resident_tag_add(
        actor=SYSTEM,
        resident_id=li.pk,
        tag_code="special_elderly.living_alone",
        started_on="2024-01-01",
    )
    zhao_home = registry_actions.household_create(
        actor=SYSTEM, community_code=a2.code, residence_type="registered", address="新兴街8号"
    )
    zhao = registry_actions.resident_add(
        actor=SYSTEM,
        household_id=zhao_home.pk,
        name="赵六",
        id_number=make_id("19380707", 6),
        relationship="head",
        moved_in_on="2001-01-01",
    )
    registry_actions.resident_tag_add(
        actor=SYSTEM,
        resident_id=zhao.pk,
        tag_code="special_elderly.advanced_age",
        started_on="2024-03-01",
    )

    month = month_start(timezone.localdate())
    care_actions.care_policy_defaults(actor=SYSTEM, county_code=county.code)
    care_actions.care_plan_generate(actor=SYSTEM, area_code=county.code, month=month)
    appeal_defaults_load(actor=SYSTEM, county_code=county.code)
    subject = Subject.objects.get(resident=li, ended_on__isnull=True)
    plan = Plan.objects.get(subject=subject, month=month)
    assert plan.worker_id == worker.pk and plan.required == 1  # the grid's worker, monthly
    assert Plan.objects.get(resident=zhao, month=month).worker_id is None
    return {
        "county": county,
        "town": town,
        "a1": a1,
        "a2": a2,
        "worker": worker,
        "officer": officer,
        "li": li,
        "subject": subject,
        "plan": plan,
        "month": month,
    }


@pytest.fixture
def world(transactional_db):
    return build_care_world()


def choose(page, name: str, value: str) -> None:
    """Tap the big label of one radio choice of the visit form."""
    page.locator("label.choice", has=page.locator(f"input[name={name}][value={value}]")).click()


def fill_visit(page, *, need: str = "", notes: str = "老人精神不错，独居，想找人说说话") -> None:
    """Fill the visit form as at the door: at home, saw the person, loneliness a concern, and a
    need found (company) when ``need`` is given."""
    form = page.locator("[data-testid=visit-form]")
    expect(form).to_be_visible()
    choose(page, "mode", "home")
    choose(page, "saw", "person")
    choose(page, "check_health", "ok")
    choose(page, "check_loneliness", "concern")
    page.locator("textarea[name=notes]").fill(notes)
    if need:
        page.locator("select[name=need_0_kind]").select_option("company")
        page.locator("textarea[name=need_0_description]").fill(need)


def stored_visits(page) -> list[str]:
    """The visits kept on the phone (their localStorage values), not yet confirmed."""
    return page.evaluate(
        """(prefix) => Object.keys(localStorage)
            .filter(k => k.startsWith(prefix) && k !== prefix + 'probe')
            .map(k => localStorage.getItem(k))""",
        STORAGE_PREFIX,
    )


def network_errors_only(errors: list[str]) -> list[str]:
    """Console errors other than the failed requests a dropped connection causes."""
    return [e for e in errors if "net::ERR_" not in e]


def test_a_grid_worker_visits_who_is_due_raises_an_appeal_and_the_county_sees_the_rate(
    browser_page, world
):
    page = browser_page
    page.set_viewport_size(PHONE)
    plan, subject = world["plan"], world["subject"]

    log_in(page, "grid_a1")
    page.locator(".site-nav a[href='/grid/']").click()
    expect(page).to_have_url(re.compile(r"/grid/$"))
    visits = page.locator("[data-testid=part-visits]")
    expect(visits.locator("[data-testid=count-visits]")).to_have_text("1")
    due = visits.locator("a.gw-row").filter(has_text="李四")
    expect(due).to_contain_text(f"{plan.due_on:%Y-%m-%d}")
    assert due.bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # From the day to the person's care archive, and to the visit form.
    due.click()
    expect(page).to_have_url(re.compile(rf"/care/people/{subject.pk}/$"))
    expect(page.locator("[data-testid=this-month]")).to_contain_text("0 / 1")
    assert "13698765432" not in page.content()
    page.locator("[data-testid=record-visit]").click()
    expect(page).to_have_url(re.compile(rf"/care/people/{subject.pk}/visit/$"))
    expect(page.locator("input[name=mode][value=home]")).to_be_checked()
    assert_accessible(page, "the visit form on a phone")

    fill_visit(page, need="老人希望有志愿者每周来陪他聊天，读读报纸")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page, "the visit form, filled in")
    save = page.locator("[data-testid=save-visit]")
    assert save.bounding_box()["height"] >= 44
    save.click()

    # The visit's page: recorded, counted for this month, its concern and the need found.
    expect(page).to_have_url(re.compile(r"/care/visits/\d+/$"))
    visit = Visit.objects.get(subject=subject)
    expect(page).to_have_url(re.compile(rf"/care/visits/{visit.pk}/$"))
    expect(page.locator("[data-testid=visit-detail]")).to_be_visible()
    expect(page.locator(".messages .message.success")).to_have_count(1)  # "saved" at the door
    assert visit.mode == "home" and visit.saw == "person" and visit.concerns == 1
    assert visit.plan_id == plan.pk and visit.worker_id == world["worker"].pk
    assert visit.checks["health"] == "ok" and visit.checks["loneliness"] == "concern"
    assert {visit.checks[key] for key in visit.checks if key not in ("health", "loneliness")} <= {
        "na"
    }
    need = Need.objects.get(visit=visit)
    assert need.kind == "company" and need.appeal_id is None
    expect(page.locator("[data-testid=checks] .badge.bad")).to_have_count(1)
    expect(page.locator(f"[data-testid=need-{need.pk}]")).to_contain_text("每周来陪他聊天")
    plan.refresh_from_db()
    assert plan.done == 1 and plan.status == Plan.Status.DONE
    assert stored_visits(page) == []  # confirmed: nothing is left on the phone
    assert_accessible(page, "a visit's page on a phone")

    # The archive shows the visit and the month as visited, with the need still open.
    page.locator(".breadcrumbs a", has_text="李四").click()
    expect(page).to_have_url(re.compile(rf"/care/people/{subject.pk}/$"))
    expect(page.locator("[data-testid=this-month]")).to_contain_text("1 / 1")
    expect(page.locator(f"[data-testid=visit-{visit.pk}] a")).to_be_visible()

    # One tap: the need becomes an appeal, and its page opens.
    page.locator(f"[data-testid=raise-appeal-{need.pk}]").click()
    expect(page).to_have_url(re.compile(r"/appeals/\d+/$"))
    need.refresh_from_db()
    assert need.appeal_id is not None
    appeal = Appeal.objects.get(pk=need.appeal_id)
    expect(page).to_have_url(re.compile(rf"/appeals/{appeal.pk}/$"))
    expect(page.locator(".messages")).to_contain_text(appeal.number)
    expect(page.locator("[data-testid=appeal-number]")).to_have_text(appeal.number)
    assert appeal.channel == "care_visit" and appeal.resident_id == world["li"].pk
    assert appeal.area_code == subject.area_code
    assert "每周来陪他聊天" in appeal.description

    # The visit page now links the appeal instead of offering it again.
    page.goto(f"/care/visits/{visit.pk}/")
    expect(page.locator(f"[data-testid=need-{need.pk}]")).to_contain_text(appeal.number)
    expect(page.locator(f"[data-testid=raise-appeal-{need.pk}]")).to_have_count(0)

    # The day no longer lists 李四: his visit of the month is made.
    page.goto("/grid/")
    expect(page.locator("[data-testid=count-visits]")).to_have_text("0")
    assert page.js_errors == []
    log_out(page)

    # The county sees the visit rate by town, then by community.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "county")
    page.locator(".site-nav a[href='/care/rate/']").click()
    expect(page.locator("[data-testid=rate-visited]")).to_have_text("1")
    expect(page.locator("[data-testid=rate-roster]")).to_have_text("2")
    towns = page.locator("[data-testid=rate-table]")
    town = towns.locator(f"tr[data-row='{world['town'].code}']")
    expect(town.locator("td").nth(2)).to_have_text(re.compile(r"^50(\.0)?%$"))
    town.get_by_role("link", name="仙城街道").click()
    expect(page).to_have_url(re.compile(rf"area={world['town'].code}"))

    a1 = page.locator(f"[data-testid=rate-table] tr[data-row='{world['a1'].code}']")
    expect(a1.locator("th")).to_have_text("仙城社区")
    cells = a1.locator("td")
    expect(cells.nth(0)).to_have_text("1")  # on the roster
    expect(cells.nth(1)).to_have_text("1")  # visited
    expect(cells.nth(2)).to_have_text(re.compile(r"^100(\.0)?%$"))
    expect(cells.nth(3)).to_have_text("0")  # not yet visited
    a2 = page.locator(f"[data-testid=rate-table] tr[data-row='{world['a2'].code}']")
    expect(a2.locator("td").nth(0)).to_have_text("1")
    expect(a2.locator("td").nth(1)).to_have_text("0")
    expect(a2.locator("td").nth(2)).to_have_text(re.compile(r"^0(\.0)?%$"))
    expect(a2.locator("td").nth(5)).to_have_text("1")  # nobody to visit him
    # A town's people not yet visited are listed with the page: 赵六, not 李四.
    missing = page.locator("[data-testid=not-visited-table]")
    expect(missing).to_contain_text("赵六")
    expect(missing).not_to_contain_text("李四")
    assert_accessible(page, "the visit rate of a town")
    assert page.js_errors == []


def test_a_visit_sent_twice_is_recorded_once(browser_page, world):
    page = browser_page
    page.set_viewport_size(PHONE)
    subject = world["subject"]
    log_in(page, "grid_a1")

    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    # A double tap on the button sends the form once.
    page.goto(f"/care/people/{subject.pk}/visit/")
    fill_visit(page, notes="第一次探访")
    page.locator("[data-testid=save-visit]").dblclick()
    expect(page).to_have_url(re.compile(r"/care/visits/\d+/$"))
    first = Visit.objects.get(subject=subject)
    expect(page).to_have_url(re.compile(rf"/care/visits/{first.pk}/$"))
    assert Visit.objects.filter(subject=subject).count() == 1
    assert len(posts) == 1

    # The answer of the next visit is lost on the way back (the server recorded it): the phone
    # keeps the entries and says so; sent again, the server confirms that visit, once.
    page.goto(f"/care/people/{subject.pk}/visit/")
    fill_visit(page, notes="第二次探访，回复丢失")
    key = page.locator("input[name=client_key]").input_value()
    form = page.locator("[data-testid=visit-form]")
    offline_text = form.get_attribute("data-msg-offline")
    sent = []

    def lose_the_answer(route):
        if route.request.method != "POST":
            route.continue_()
            return
        sent.append(route.fetch().status)  # reaches the server, which records the visit
        route.abort("internetdisconnected")  # but the phone never hears back

    page.route(re.compile(rf"/care/people/{subject.pk}/visit/$"), lose_the_answer)
    page.locator("[data-testid=save-visit]").click()
    status = page.locator("[data-send-status]")
    expect(status).to_have_text(offline_text)
    assert sent == [201]
    assert Visit.objects.filter(subject=subject).count() == 2
    expect(page.locator("textarea[name=notes]")).to_have_value("第二次探访，回复丢失")
    assert any("第二次探访" in kept for kept in stored_visits(page))

    page.unroute(re.compile(rf"/care/people/{subject.pk}/visit/$"))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("[data-testid=save-visit]").click()
    assert answer.value.status == 200  # "already recorded" (a new visit would be 201)
    second = Visit.objects.get(client_key=key)
    expect(page).to_have_url(re.compile(rf"/care/visits/{second.pk}/$"))
    assert Visit.objects.filter(subject=subject).count() == 2
    assert second.notes == "第二次探访，回复丢失"
    assert stored_visits(page) == []
    plan = Plan.objects.get(pk=world["plan"].pk)
    assert plan.done == 2

    # Without the script the form is a plain POST; the browser sending it again (a reload of
    # the answer that did not come) carries the same key and lands on the same visit.
    page.route("**/care/visit.js", lambda route: route.fulfill(content_type="text/javascript"))
    page.goto(f"/care/people/{subject.pk}/visit/")
    fill_visit(page, notes="第三次探访，没有脚本")
    key = page.locator("input[name=client_key]").input_value()
    with page.expect_request(lambda r: r.method == "POST") as request:
        page.locator("[data-testid=save-visit]").click()
    expect(page).to_have_url(re.compile(r"/care/visits/\d+/$"))
    third = Visit.objects.get(client_key=key)
    assert third.notes == "第三次探访，没有脚本"
    expect(page).to_have_url(re.compile(rf"/care/visits/{third.pk}/$"))
    expect(page.locator(".messages")).to_be_visible()  # the plain POST's confirmation
    again = page.request.post(
        request.value.url,
        headers={"Content-Type": request.value.headers["content-type"]},
        data=request.value.post_data_buffer,
    )
    assert again.ok and again.url.endswith(f"/care/visits/{third.pk}/")
    assert Visit.objects.filter(subject=subject).count() == 3
    assert network_errors_only(page.js_errors) == []


def test_a_visit_saved_offline_is_kept_and_sent_once_back_online(browser_page, world):
    page = browser_page
    page.set_viewport_size(PHONE)
    subject = world["subject"]
    log_in(page, "grid_a1")
    page.goto("/care/")
    page.locator(f"[data-testid=record-{world['plan'].pk}]").click()
    expect(page).to_have_url(re.compile(rf"/care/people/{subject.pk}/visit/$"))
    fill_visit(page, need="家里的灯坏了，需要帮忙修")
    form = page.locator("[data-testid=visit-form]")
    offline_text = form.get_attribute("data-msg-offline")
    assert offline_text

    page.context.set_offline(True)
    page.locator("[data-testid=save-visit]").click()
    status = page.locator("[data-send-status]")
    expect(status).to_have_text(offline_text)
    expect(page.locator("[data-testid=save-visit]")).to_be_enabled()
    # Nothing is lost: the form still holds every entry, and so does the phone.
    expect(page).to_have_url(re.compile(rf"/care/people/{subject.pk}/visit/$"))
    expect(page.locator("input[name=saw][value=person]")).to_be_checked()
    expect(page.locator("input[name=check_loneliness][value=concern]")).to_be_checked()
    expect(page.locator("select[name=need_0_kind]")).to_have_value("company")
    expect(page.locator("textarea[name=need_0_description]")).to_have_value(
        "家里的灯坏了，需要帮忙修"
    )
    kept = stored_visits(page)
    assert len(kept) == 1 and "家里的灯坏了" in kept[0]
    assert Visit.objects.count() == 0

    # Back online: the form goes by itself, once, and the message gives way to the visit.
    page.context.set_offline(False)
    expect(page).to_have_url(re.compile(r"/care/visits/\d+/$"))
    visit = Visit.objects.get(subject=subject)
    expect(page).to_have_url(re.compile(rf"/care/visits/{visit.pk}/$"))
    expect(page.locator("[data-send-status]")).to_have_count(0)
    expect(page.locator("[data-testid=needs]")).to_contain_text("家里的灯坏了")
    assert Visit.objects.count() == 1 and Need.objects.filter(visit=visit).count() == 1
    assert stored_visits(page) == []
    assert network_errors_only(page.js_errors) == []
