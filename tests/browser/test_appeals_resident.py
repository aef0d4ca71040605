"""Appeals end to end, as a resident on a phone: ask for help (with a photo and the phone's
location), see the similar appeal already reported while filling in, find the appeal in
"My appeals"; once the community has taken it on and resolved it, rate it 满意 and see it
closed. The form and the appeal's page pass axe-core, in standard and in elderly mode.
"""

from __future__ import annotations

import io
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from linli.appeals import actions
from linli.appeals.models import Appeal, Category, RatingLevel, State
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from tests.conftest import make_area, make_user

from .conftest import log_in
from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WHERE = {"latitude": 43.889712, "longitude": 125.321503}  # inside China, near the county


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    county = make_area("220403", "西安区")
    make_area("220403001", "仙城街道")
    a1 = make_area("220403001001", "仙城社区", "111")
    a2 = make_area("220403001002", "新兴社区", "111")
    actions.appeal_defaults_load(actor=SYSTEM, county_code=county.code)
    return {
        "a1": a1,
        "resident": make_user(
            "resident_a1", Role.RESIDENT, a1, phone="13900000001", full_name="王秀兰"
        ),
        "neighbour": make_user("resident_a2", Role.RESIDENT, a2, phone="13900000002"),
        "worker": make_user("worker_a1", Role.COMMUNITY_WORKER, a1, full_name="陈社工"),
        "noise": Category.objects.get(area_code=county.code, key="noise"),
    }


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_a_resident_asks_for_help_follows_it_and_rates_it(browser_page, world):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(WHERE)
    earlier = actions.appeal_submit(
        actor=world["neighbour"],
        category_id=world["noise"].pk,
        area_code=world["a1"].code,
        description="仙城路夜里有人施工，噪音很大",
        title="仙城路夜间施工噪音",
        public=True,
    )

    log_in(page, "13900000001")
    page.locator(".site-nav a[href='/appeals/mine/']").click()
    expect(page.locator("h1")).to_have_count(1)
    page.locator("[data-testid=new-appeal]").click()
    expect(page).to_have_url(re.compile(r"/appeals/new/$"))
    expect(page.locator("#id_area_code")).to_have_value(world["a1"].code)
    expect(page.locator("#id_contact_phone")).to_have_value("13900000001")
    assert_accessible(page, "the appeal form on a phone")

    # Choosing the kind brings its questions and the similar appeal already reported.
    page.locator("#id_category").select_option(str(world["noise"].pk))
    expect(page.locator("input[name=attr_when]")).to_have_count(3)
    similar = page.locator("[data-testid=similar]")
    expect(similar).to_contain_text("仙城路夜间施工噪音")
    expect(similar).to_contain_text(earlier.number)

    page.locator("[data-locate-button]").click()
    expect(page.locator("#id_lat")).to_have_value(f"{WHERE['latitude']:.6f}")
    expect(page.locator("[data-locate-clear]")).to_be_visible()

    page.locator("#id_description").fill("楼上每天深夜装修，电钻声音很大，老人睡不着")
    page.locator("#id_title").fill("楼上深夜装修噪音")
    page.locator("#id_address").fill("仙城路1号1号楼")
    page.locator("label.choice", has_text=re.compile("22:00")).click()
    page.locator("#id_photos").set_input_files(
        files=[{"name": "noise.png", "mimeType": "image/png", "buffer": png()}]
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page, "the appeal form, filled in")
    button = page.locator("[data-testid=submit-appeal]")
    assert button.bounding_box()["height"] >= 44
    button.click()

    # Seen while filling in: no second step, straight to the appeal's page.
    expect(page).to_have_url(re.compile(r"/appeals/mine/\d+/$"))
    appeal = Appeal.objects.get(submitter=world["resident"])
    expect(page.locator(".messages")).to_contain_text(appeal.number)
    expect(page.locator("h1")).to_have_text("楼上深夜装修噪音")
    assert appeal.attributes == {"when": "night"}
    assert appeal.lat is not None and appeal.photos.count() == 1
    expect(page.locator("[data-testid=photos] img")).to_have_count(1)
    assert_accessible(page, "the appeal's page on a phone")

    page.locator(".site-nav a[href='/appeals/mine/']").click()
    mine = page.locator("[data-testid=my-appeals]")
    expect(mine).to_contain_text("楼上深夜装修噪音")
    expect(mine).to_contain_text(appeal.number)
    expect(mine).not_to_contain_text("仙城路夜间施工噪音")

    # The community takes it on and resolves it.
    actions.appeal_accept(actor=world["worker"], appeal_id=appeal.pk)
    actions.appeal_resolve(
        actor=world["worker"], appeal_id=appeal.pk, resolution="已上门协调，装修改在白天进行"
    )

    page.reload()
    mine.get_by_role("link").filter(has_text="楼上深夜装修噪音").click()
    expect(page.locator("[data-testid=resolution]")).to_contain_text("装修改在白天进行")
    rate = page.locator("[data-testid=rate]")
    expect(rate).to_be_visible()
    assert_accessible(page, "the appeal's page, waiting for a rating")
    satisfied = rate.locator("label.level-4")
    with translation.override("zh-hans"):  # the page speaks the default language
        expect(satisfied).to_have_text(str(RatingLevel.SATISFIED.label))  # 满意
        closed = str(State.CLOSED.label)
    assert satisfied.bounding_box()["height"] >= 44
    satisfied.click()
    rate.locator("[data-testid=rate-submit]").click()

    expect(page.locator("[data-testid=state-badge]")).to_have_text(closed)
    expect(page.locator("[data-testid=rate]")).to_have_count(0)
    appeal.refresh_from_db()
    assert appeal.state == State.CLOSED and appeal.rating == 4

    # The resident was told along the way; the bell leads to the notifications.
    page.locator("[data-testid=notifications-link]").click()
    expect(page.locator("[data-testid=notifications]")).to_contain_text(appeal.number)
    assert_accessible(page, "the notifications page")
    assert page.js_errors == []


def test_the_appeal_pages_are_accessible_in_elderly_mode(browser_page, world):
    page = browser_page
    page.set_viewport_size(PHONE)
    appeal = actions.appeal_submit(
        actor=world["resident"],
        category_id=world["noise"].pk,
        area_code=world["a1"].code,
        description="楼上每天深夜装修，电钻声音很大",
    )
    actions.appeal_accept(actor=world["worker"], appeal_id=appeal.pk)
    actions.appeal_resolve(actor=world["worker"], appeal_id=appeal.pk, resolution="已处理")
    log_in(page, "13900000001")
    page.locator("[data-testid=elderly-toggle]").click()
    expect(page.locator("html.elderly")).to_have_count(1)
    for url in ("/appeals/new/", "/appeals/mine/", f"/appeals/mine/{appeal.pk}/"):
        page.goto(url)
        assert_accessible(page, f"{url} in elderly mode")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    # Without JavaScript's help the "not solved" form opens as plain HTML.
    page.locator("details.not-solved > summary").click()
    expect(page.locator("#confirm_comment")).to_be_visible()
    assert page.js_errors == []
