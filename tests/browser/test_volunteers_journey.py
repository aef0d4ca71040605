"""Volunteers and the three lists end to end (the "done when" of the volunteers feature).

The community worker of 仙城社区 posts an activity for older people living alone — one shift
of three places starting a little later today — and publishes it. Two residents on their
phones sign up: 王秀兰, registered at the service hall, reads in large text; 李桂芳 registers
herself from her phone with a code texted to her. On the day the worker shows the shift's QR
code and both check in with the address it encodes; afterwards the worker records their hours
on the activity's hours sheet. 王秀兰 finds them in "my hours" with her star level (she had
served 100 hours before), asks for her certificate, downloads the PDF, and a visitor who is
not signed in checks its number: valid, without her full ID number or phone.

The worker then opens a resident's need in the needs list, sees the volunteer team suggested
with its reasons and confirms it with one click: the need is matched and the team has a draft
activity for it. At the desk the community head issues 李桂芳 a certificate of her hours.
Every resident page of the journey passes axe-core in elderly mode.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from linli.core import sms
from linli.core.roles import Role
from linli.matching.actions import lists as matching_actions
from linli.matching.models import Match, Need, Resource
from linli.volunteers.actions import people as people_actions
from linli.volunteers.actions import records as record_actions
from linli.volunteers.models import (
    Activity,
    Certificate,
    Organisation,
    ServiceRecord,
    Shift,
    Signup,
    Volunteer,
)
from tests.conftest import make_area, make_user
from tests.registry.conftest import make_id

from .conftest import log_in, log_out
from .test_accessibility import assert_accessible
from .test_capacity_journey import fits_phone, second_page, zh

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
WANG_ID = make_id("19550315", 7, female=True)
WANG_PHONE = "13900000001"
LI_ID = make_id("19680412", 9, female=True)
LI_PHONE = "13900000002"
EARLIER_HOURS = 100  # 王秀兰's service before this activity: one star
TITLE = "陪伴独居老人聊天读报"


def build_volunteers_world() -> dict:
    """仙城社区 with its volunteer station, its community worker and head, and two residents
    with accounts: 王秀兰, registered as a volunteer at the service hall (her account linked),
    with 100 hours served earlier (five days of 20 hours, recorded by the worker), who leads
    the community's elderly-care team (with 张志强, free on Saturday mornings); and 李桂芳,
    not yet a volunteer. A resident's need for company is on the needs list, and the teams and
    venues of the community are brought into the resources list. All through the actions."""
    make_area("220403", "西安区")
    make_area("220403001", "仙城街道")
    a1 = make_area("220403001001", "仙城社区", "111")
    worker = make_user("worker_a1", Role.COMMUNITY_WORKER, a1, full_name="陈社工")
    head = make_user("head_a1", Role.COMMUNITY_HEAD, a1, full_name="李书记")
    wang_user = make_user("resident_a1", Role.RESIDENT, a1, phone=WANG_PHONE, full_name="王秀兰")
    li_user = make_user("resident_a1b", Role.RESIDENT, a1, phone=LI_PHONE, full_name="李桂芳")

    station = people_actions.organisation_create(
        actor=worker, area_code=a1.code, name="仙城社区志愿服务站", kind=Organisation.Kind.STATION
    )
    wang = people_actions.volunteer_register(
        actor=worker,
        community_code=a1.code,
        name="王秀兰",
        id_number=WANG_ID,
        phone=WANG_PHONE,
        skills=["elderly_care"],
        availability=["sat_am", "sun_am"],
        consent=True,
        login="resident_a1",
    )
    zhang = people_actions.volunteer_register(
        actor=worker,
        community_code=a1.code,
        name="张志强",
        id_number=make_id("19700101", 3),
        skills=["elderly_care", "repair"],
        availability=["sat_am", "wed_pm"],
        consent=True,
    )
    team = people_actions.team_create(
        actor=worker,
        community_code=a1.code,
        name="仙城助老服务队",
        leader_id=wang.pk,
        skills=["elderly_care"],
        target_groups=["elderly_alone"],
        description="陪伴独居老人，上门聊天、读报、代购。",
    )
    people_actions.team_member_add(actor=worker, team_id=team.pk, volunteer_id=zhang.pk)

    today = timezone.localdate()
    for days_ago in range(10, 15):  # 5 x 20 hours: a record holds at most 24
        record_actions.record_create(
            actor=worker,
            volunteer_id=wang.pk,
            activity_name="社区助老服务",
            served_on=today - dt.timedelta(days=days_ago),
            place="仙城社区服务中心",
            beneficiaries="独居老人",
            content="上门陪伴、代购生活用品",
            hours="20",
            leader_name="陈社工",
        )
    wang.refresh_from_db()
    assert wang.hours_total == EARLIER_HOURS and wang.star == 1
    assert wang.organisation_id == station.pk and wang.user_id == wang_user.pk

    need = matching_actions.need_create(
        actor=worker,
        area_code=a1.code,
        category="elderly_care",
        title="刘奶奶想有人陪她聊天、读报",
        who="独居老人刘奶奶",
        place="仙城路1号3单元502",
        times=["sat_am"],
        people=1,
        urgency="normal",
    )
    matching_actions.resources_sync(actor=worker, area_code=a1.code)
    return {
        "a1": a1,
        "worker": worker,
        "head": head,
        "wang_user": wang_user,
        "li_user": li_user,
        "station": station,
        "wang": wang,
        "team": team,
        "team_resource": Resource.objects.get(team=team),
        "need": need,
    }


@pytest.fixture
def world(transactional_db):
    return build_volunteers_world()


def _later_today() -> dt.datetime:
    """Twenty minutes from now, on a whole minute: the shift has not begun, so sign-up is
    open."""
    moment = timezone.localtime() + dt.timedelta(minutes=20)
    return moment.replace(second=0, microsecond=0)


def _elderly(page) -> None:
    page.locator("[data-testid=elderly-toggle]").click()
    expect(page.locator("html.elderly")).to_have_count(1)


def _resident_page(page, where: str) -> None:
    """A resident page in elderly mode on a phone: large text, no sideways scrolling, and no
    serious or critical axe-core violation."""
    expect(page.locator("html.elderly")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    fits_phone(page)
    assert_accessible(page, f"{where} (elderly mode, phone)")


def _success(page) -> None:
    expect(page.locator(".messages .message.success")).to_have_count(1)


def test_volunteers_sign_up_check_in_get_hours_and_a_certificate_and_a_need_is_matched(
    browser_page, _browser, live_server, world
):
    desk = browser_page
    desk.set_viewport_size(DESK)
    start = _later_today()
    end = start + dt.timedelta(hours=2)

    # 1. The community worker posts the activity with one shift of three places, publishes it.
    log_in(desk, "worker_a1")
    desk.goto(reverse("volunteers:activity_create"))
    form = desk.locator("[data-testid=activity-form]")
    expect(form).to_be_visible()
    desk.locator("#act-area_code").select_option(world["a1"].code)
    desk.locator("#act-title").fill(TITLE)
    desk.locator("#act-description").fill("到独居老人家中陪伴聊天、读报，了解生活需要。")
    desk.locator("#act-target_group").select_option("elderly_alone")
    desk.locator("#act-beneficiaries").fill("3号楼至5号楼的独居老人")
    desk.locator("#act-place").fill("仙城社区党群服务中心")
    desk.locator("#act-shift_starts_at").fill(f"{start:%Y-%m-%dT%H:%M}")
    desk.locator("#act-shift_ends_at").fill(f"{end:%Y-%m-%dT%H:%M}")
    desk.locator("#act-shift_spots").fill("3")
    desk.locator("#act-shift_role").fill("陪伴")
    form.locator("button[type=submit]").click()
    expect(desk).to_have_url(re.compile(r"/volunteers/organise/\d+/$"))
    activity = Activity.objects.get(title=TITLE)
    shift = Shift.objects.get(activity=activity)
    assert activity.status == Activity.Status.DRAFT and activity.target_group == "elderly_alone"
    assert (shift.starts_at, shift.ends_at, shift.spots) == (start, end, 3)
    expect(desk.locator("[data-testid=activity-manage]")).to_contain_text(TITLE)
    desk.locator("[data-testid=publish]").click()
    _success(desk)
    expect(desk.locator(f"[data-testid=qr-{shift.pk}]")).to_be_visible()
    activity.refresh_from_db()
    assert activity.status == Activity.Status.PUBLISHED

    wang = second_page(_browser, live_server)
    li = second_page(_browser, live_server)
    visitor = second_page(_browser, live_server)
    try:
        # 2a. 王秀兰 (registered at the hall) switches to large text and finds the activity
        # from her volunteer page; she signs up for the shift.
        log_in(wang, "resident_a1")
        _elderly(wang)
        wang.goto(reverse("volunteers:me"))
        expect(wang.locator("[data-testid=volunteer-card]")).to_be_visible()
        wang.locator(f"main a[href='{reverse('volunteers:my_activities')}']").first.click()
        wang.locator("[data-testid=find-link]").click()
        expect(wang).to_have_url(re.compile(rf"{reverse('volunteers:activities')}$"))
        card = wang.locator(f"[data-testid=activity-list] li[data-activity='{activity.pk}']")
        expect(card).to_contain_text(TITLE)
        _resident_page(wang, "the activities to sign up for")
        card.locator(
            f"a[href='{reverse('volunteers:activity', args=[activity.pk])}']"
        ).first.click()
        expect(wang.locator("[data-testid=activity-detail]")).to_be_visible()
        _resident_page(wang, "an activity with its times")
        wang.locator(f"[data-testid=signup-{shift.pk}]").click()
        _success(wang)
        expect(
            wang.locator(f"[data-testid=shifts] li[data-shift='{shift.pk}'] .badge.ok")
        ).to_be_visible()
        expect(wang.locator(f"[data-testid=cancel-{shift.pk}]")).to_be_visible()
        _resident_page(wang, "an activity signed up for")
        wang_signup = Signup.objects.get(shift=shift, volunteer=world["wang"])
        assert wang_signup.status == Signup.Status.CONFIRMED

        # 2b. 李桂芳 registers from her phone: a code is texted to her account's number, she
        # types it with her ID number, agrees, and is a volunteer; then she signs up too.
        log_in(li, "resident_a1b")
        li.goto(reverse("volunteers:me"))
        join = li.locator("[data-testid=join-form]")
        expect(join).to_be_visible()
        expect(li.locator("#join-phone")).to_have_value(LI_PHONE)
        fits_phone(li)
        assert_accessible(li, "the volunteer registration form on a phone")
        li.locator("[data-testid=send-code]").click()
        expect(li.locator("[data-testid=code-sent]")).to_be_visible()
        sent_to, message = sms.outbox[-1]
        assert sent_to == LI_PHONE
        code = re.search(r"\b(\d{6})\b", message).group(1)
        li.locator("#join-code").fill(code)
        li.locator("#join-id_number").fill(LI_ID)
        li.locator("#join-consent").check()
        li.locator("[data-testid=join-submit]").click()
        expect(li).to_have_url(re.compile(rf"{reverse('volunteers:me')}$"))
        _success(li)
        li_volunteer = Volunteer.objects.get(user=world["li_user"])
        expect(li.locator("[data-testid=volunteer-number]")).to_have_text(li_volunteer.number)
        assert li_volunteer.status == Volunteer.Status.ACTIVE and li_volunteer.name == "李桂芳"
        assert li_volunteer.phone_verified_at is not None

        li.goto(reverse("volunteers:activities"))
        li_card = li.locator(f"[data-testid=activity-list] li[data-activity='{activity.pk}']")
        li_card.locator(
            f"a[href='{reverse('volunteers:activity', args=[activity.pk])}']"
        ).first.click()
        li.locator(f"[data-testid=signup-{shift.pk}]").click()
        _success(li)
        li_signup = Signup.objects.get(shift=shift, volunteer=li_volunteer)
        assert li_signup.status == Signup.Status.CONFIRMED
        fits_phone(li)

        # 3. On the day. Time moves on to the shift's start: its times are set through the
        # ORM to have begun five minutes ago (the sign-ups stand), so that the service is
        # dated today or earlier whenever the test runs, also just before midnight. The
        # organiser shows the shift's QR code; it encodes the check-in address, which each
        # volunteer opens on her phone and checks in with one tap.
        start = timezone.localtime() - dt.timedelta(minutes=5)
        end = start + dt.timedelta(hours=2)
        Shift.objects.filter(pk=shift.pk).update(starts_at=start, ends_at=end)
        Activity.objects.filter(pk=activity.pk).update(starts_at=start, ends_at=end)
        desk.locator(f"[data-testid=qr-{shift.pk}]").click()
        expect(desk.locator("[data-testid=qr-code] svg")).to_be_visible()
        checkin_url = desk.locator(".va-qr-url").inner_text().strip()
        shift.refresh_from_db()
        assert checkin_url == live_server.url + reverse("volunteers:checkin", args=[shift.token])

        wang.goto(checkin_url)
        expect(wang.locator("[data-testid=checkin]")).to_contain_text(TITLE)
        _resident_page(wang, "the check-in page")
        wang.locator("[data-testid=checkin-button]").click()
        _success(wang)
        expect(wang.locator("[data-testid=checkout-button]")).to_be_visible()
        _resident_page(wang, "the check-in page, checked in")
        li.goto(checkin_url)
        li.locator("[data-testid=checkin-button]").click()
        _success(li)
        for signup in (wang_signup, li_signup):
            signup.refresh_from_db()
            assert signup.status == Signup.Status.ATTENDED and signup.checked_in_at is not None

        # 4. The organiser records the hours on the activity's hours sheet (opened by its
        # address: no page links to it yet).
        desk.goto(reverse("volunteers:activity_hours", args=[activity.pk]))
        rows = desk.locator("[data-testid=sheet-rows]")
        expect(rows.locator("li.vr-sheet-row")).to_have_count(2)
        expect(rows.locator(f"li[data-signup='{wang_signup.pk}']")).to_contain_text("王秀兰")
        desk.locator(f"input[name='hours-{wang_signup.pk}']").fill("2")
        desk.locator(f"input[name='hours-{li_signup.pk}']").fill("1.5")
        desk.locator("[data-testid=hours-form] button[type=submit]").click()
        _success(desk)
        expect(desk.locator("[data-testid=nothing-to-record]")).to_be_visible()
        recorded = desk.locator("[data-testid=recorded]")
        expect(recorded).to_contain_text("王秀兰")
        expect(recorded).to_contain_text("李桂芳")
        hours = dict(
            ServiceRecord.objects.filter(activity=activity).values_list("signup_id", "hours")
        )
        assert hours == {wang_signup.pk: Decimal("2"), li_signup.pk: Decimal("1.5")}

        # 5. 王秀兰 sees her hours and her star level.
        wang.goto(reverse("volunteers:me"))
        wang.locator(f"main a[href='{reverse('volunteers:my_hours')}']").click()
        expect(wang.locator("[data-testid=hours-total]")).to_have_text("102")
        stars = wang.locator("[data-testid=hours-card] [data-testid=stars]")
        expect(stars.locator(".vr-star.on")).to_have_text("★")
        expect(wang.locator("[data-testid=next-star]")).to_be_attached()  # on to two stars
        mine = wang.locator("[data-testid=my-records] li.vr-record").filter(has_text=TITLE)
        expect(mine.locator("[data-testid=record-hours]")).to_have_text(re.compile(r"^2\D"))
        _resident_page(wang, "my hours")

        # 6. She asks for a certificate of all her hours and downloads it as a PDF.
        wang.goto(reverse("volunteers:me"))
        wang.locator(f"main a[href='{reverse('volunteers:my_certificates')}']").click()
        expect(wang.locator("[data-testid=preview-hours]")).to_have_text("102")
        _resident_page(wang, "my certificates, before asking")
        wang.locator("[data-testid=ask-certificate]").click()
        _success(wang)
        certificate = Certificate.objects.get(volunteer=world["wang"])
        assert certificate.status == Certificate.Status.VALID
        assert certificate.hours == Decimal("102")
        assert certificate.organisation_id == world["station"].pk
        item = wang.locator(f"#certificate-{certificate.pk}")
        expect(item).to_contain_text(certificate.number)
        _resident_page(wang, "my certificates, with one")
        pdf_url = item.locator("[data-testid=download]").get_attribute("href")
        assert pdf_url == reverse("volunteers:certificate_pdf", args=[certificate.pk])
        with wang.expect_download() as download:
            item.locator("[data-testid=download]").click()
        assert download.value.suggested_filename.endswith(".pdf")
        answer = wang.request.get(pdf_url)  # the same download, with her session
        assert answer.status == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.body().startswith(b"%PDF")

        # A visitor who is not signed in checks the certificate's number: valid, and neither
        # the full ID number nor the phone number is shown.
        visitor.goto(reverse("volunteers:verify_form"))
        _elderly(visitor)
        visitor.locator("input[name=number]").fill(certificate.number)
        visitor.locator("main form[role=search] button[type=submit]").click()
        expect(visitor).to_have_url(
            re.compile(rf"{reverse('volunteers:verify', args=[certificate.number])}$")
        )
        expect(visitor.locator("[data-testid=verdict].valid")).to_be_visible()
        facts = visitor.locator("[data-testid=certificate-facts]")
        expect(facts).to_contain_text("王秀兰")
        expect(facts).to_contain_text(certificate.holder_id_masked)
        expect(visitor.locator("[data-testid=certificate-number]")).to_have_text(certificate.number)
        html = visitor.content()
        assert WANG_ID not in html and WANG_PHONE not in html
        assert "****" in certificate.holder_id_masked
        _resident_page(visitor, "the certificate check")
    finally:
        phone_errors = [error for other in (wang, li, visitor) for error in other.js_errors]
        for other in (wang, li, visitor):
            other.context.close()
    assert phone_errors == []

    # 7. The worker opens a resident's need, sees the team suggested with its reasons and
    # confirms it with one click: the need is matched and the team has a draft activity.
    need, team = world["need"], world["team"]
    desk.goto(reverse("matching:needs"))
    desk.locator(
        f"[data-testid=need-list] a[href='{reverse('matching:need', args=[need.pk])}']"
    ).click()
    expect(desk).to_have_url(re.compile(rf"{reverse('matching:need', args=[need.pk])}$"))
    expect(desk.locator("[data-testid=need-status]")).to_have_text(zh(Need.Status.OPEN.label))
    suggestion = desk.locator("[data-testid=suggestions] li.ml-suggestion").filter(
        has=desk.locator(
            f"a[href='{reverse('matching:resource', args=[world['team_resource'].pk])}']"
        )
    )
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text(team.name)
    expect(suggestion.locator(".ml-reasons li:not(.not)").first).to_be_visible()
    assert suggestion.locator(".ml-reasons li").count() >= 2
    with desk.expect_response(lambda r: r.request.method == "POST") as confirmed:
        suggestion.locator("[data-testid=confirm-form] button[type=submit]").click()
    assert confirmed.value.status == 200  # htmx: the matching part of the page comes back
    matches = desk.locator("[data-testid=need-matches]")
    expect(matches).to_contain_text(team.name)
    draft_link = matches.locator("[data-testid=activity-link]")
    expect(draft_link).to_be_visible()

    match = Match.objects.get(need=need)
    assert match.resource_id == world["team_resource"].pk and match.status == Match.Status.ACTIVE
    draft = match.activity
    assert draft is not None and draft.team_id == team.pk
    assert draft.status == Activity.Status.DRAFT
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED

    desk.reload()
    expect(desk.locator("[data-testid=need-status]")).to_have_text(zh(Need.Status.MATCHED.label))
    desk.locator("[data-testid=need-matches] [data-testid=activity-link]").click()
    expect(desk).to_have_url(
        re.compile(rf"{reverse('volunteers:activity_manage', args=[draft.pk])}$")
    )
    manage = desk.locator("[data-testid=activity-manage]")
    expect(manage).to_contain_text(team.name)
    expect(manage.locator("h1 + .badge.warn")).to_have_text(zh(Activity.Status.DRAFT.label))
    expect(desk.locator("[data-testid=publish]")).to_be_visible()

    # 6, at the desk: the community head issues 李桂芳 a certificate of her hours — finds her
    # by volunteer number, sees what it will say, issues it.
    log_out(desk)
    log_in(desk, "head_a1")
    desk.goto(reverse("volunteers:certificate_issue"))
    desk.locator("#vc-q").fill(li_volunteer.number)
    desk.locator("main form[role=search] button[type=submit]").click()
    desk.locator("[data-testid=candidates] a", has_text="李桂芳").click()
    expect(desk.locator("[data-testid=chosen]")).to_have_text("李桂芳")
    desk.locator("[data-testid=preview-button]").click()
    preview = desk.locator("[data-testid=preview]")
    expect(preview.locator("[data-testid=certificate-facts]")).to_contain_text("1.5")
    assert LI_ID not in desk.content()
    preview.locator("[data-testid=issue-button]").click()
    expect(desk).to_have_url(re.compile(r"/volunteers/certificates/\d+/$"))
    _success(desk)
    issued = Certificate.objects.get(volunteer=li_volunteer)
    assert issued.issued_by_id == world["head"].pk and issued.hours == Decimal("1.5")
    assert issued.organisation_id == world["station"].pk
    expect(desk.locator("[data-testid=certificate-number]")).to_have_text(issued.number)
    assert desk.js_errors == []
