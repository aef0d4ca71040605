"""The activities pages: a volunteer finds an activity, signs up on the phone, sees their
place, cancels; checks in with the QR code; an organiser creates, publishes, manages shifts,
shows the QR code and keeps the attendance sheet; projects and the library. Forms work
without JavaScript; neighbours see nothing of A1."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.core.middleware import ELDERLY_COOKIE
from linli.volunteers.actions import activities as actions
from linli.volunteers.models import Activity, Project, Shift, Signup

from .fixtures_activities import *  # noqa: F403 (the fixtures)
from .fixtures_activities import (
    make_activity,
    one_shift,
    person,
    shift_of,
    sign_up,
    soon,
)

pytestmark = pytest.mark.django_db

MOMENT = "%Y-%m-%dT%H:%M"


def url(name, *args):
    return reverse(f"volunteers:{name}", args=args or None)


def _key(html: str, shift: Shift) -> str:
    found = re.search(
        rf'action="{re.escape(url("signup", shift.pk))}".*?name="client_key" value="([^"]+)"',
        html,
        re.S,
    )
    assert found, "the sign-up form carries its key"
    return found.group(1)


def test_a_volunteer_finds_signs_up_and_cancels_on_the_phone(
    login, users, volunteer_a1, a1_activity
):
    client = login(users["resident_a1"])
    page = client.get(url("activities"))
    assert page.status_code == 200
    assert "陪伴独居老人" in page.content.decode() and "3 spots left" in page.content.decode()

    detail = client.get(url("activity", a1_activity.pk))
    html = detail.content.decode()
    shift = shift_of(a1_activity)
    assert detail.status_code == 200 and f'data-testid="signup-{shift.pk}"' in html
    key = _key(html, shift)
    done = client.post(url("signup", shift.pk), {"client_key": key}, follow=True)
    assert "You are signed up for 陪伴独居老人" in done.content.decode()
    again = client.post(url("signup", shift.pk), {"client_key": key}, follow=True)
    assert again.status_code == 200 and Signup.objects.count() == 1

    mine = client.get(url("my_activities"))
    signup = Signup.objects.get()
    assert f'data-testid="cancel-{signup.pk}"' in mine.content.decode()
    cancelled = client.post(url("signup_cancel", signup.pk), follow=True)
    assert "The sign-up is cancelled." in cancelled.content.decode()
    assert Signup.objects.get().status == "cancelled"


def test_a_full_shift_offers_the_waiting_list_and_tells_the_place(
    login, users, tree, volunteer_a1, a1_activity
):
    shift = shift_of(a1_activity)
    for _ in range(3):
        sign_up(person(tree["a1"]).user, shift)
    client = login(users["resident_a1"])
    html = client.get(url("activity", a1_activity.pk)).content.decode()
    assert "Join the waiting list" in html
    done = client.post(url("signup", shift.pk), {"client_key": _key(html, shift)}, follow=True)
    assert "you are number 1 on the waiting list" in done.content.decode()
    mine = client.get(url("my_activities")).content.decode()
    assert "You are number 1 on the waiting list" in mine


def test_a_resident_who_is_not_a_volunteer_is_sent_to_register(login, users, a1_activity):
    client = login(users["resident_a2"])
    html = client.get(url("activity", a1_activity.pk)).content.decode()
    assert 'data-testid="register-first"' in html
    shift = shift_of(a1_activity)
    sent = client.post(
        url("signup", shift.pk), {"client_key": "9d0c1c4e-6a40-4f4a-9f57-3c1c1c1c1c1c"}
    )
    assert sent.status_code == 302 and sent["Location"] == url("me")


def test_the_list_filters_by_group_and_day(login, users, tree, volunteer_a1, a1_activity):
    make_activity(
        users["worker_a1"],
        tree["a1"],
        title="童伴课堂",
        target_group="children",
        shifts=one_shift(100),
    )
    client = login(users["resident_a1"])
    html = client.get(url("activities"), {"target_group": "children"}).content.decode()
    assert "童伴课堂" in html and "陪伴独居老人" not in html
    day = timezone.localtime(shift_of(a1_activity).starts_at).date().isoformat()
    html = client.get(url("activities"), {"date": day}).content.decode()
    assert "陪伴独居老人" in html and "童伴课堂" not in html
    bad = client.get(url("activities"), {"date": "someday"})
    assert bad.status_code == 400 and "Enter a date as YYYY-MM-DD." in bad.content.decode()
    partial = client.get(url("activities"), {"target_group": "children"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200


def test_check_in_with_the_code(login, users, volunteer_a1, a1_activity, clock, monkeypatch):
    shift = shift_of(a1_activity)
    sign_up(users["resident_a1"], shift)
    client = login(users["resident_a1"])
    page = client.get(url("checkin", shift.token))
    assert page.status_code == 200
    assert "Check-in opens 60 minutes before the start." in page.content.decode()
    clock(shift.starts_at - dt.timedelta(minutes=10))
    done = client.post(url("checkin", shift.token), {"step": "in"}, follow=True)
    assert "You are checked in." in done.content.decode()
    assert Signup.objects.get().status == "attended"
    out = client.post(url("checkin", shift.token), {"step": "out"}, follow=True)
    assert "Checked out." in out.content.decode()
    assert client.get(url("checkin", "no-such-token")).status_code == 404


def test_a_stranger_opening_a_private_code_sees_nothing(login, users, tree, team_a1):
    private = make_activity(users["worker_a1"], tree["a1"], public=False, team_id=team_a1.pk)
    stranger = person(tree["b1"])
    page = login(stranger.user).get(url("checkin", shift_of(private).token))
    assert page.status_code == 404 and private.title not in page.content.decode()


def test_an_organiser_creates_publishes_and_runs_an_activity(login, users, tree, team_a1, hall_a1):
    client = login(users["worker_a1"])
    form = client.get(url("activity_create"))
    assert form.status_code == 200 and 'data-testid="first-shift"' in form.content.decode()
    start = soon(30)
    data = {
        "area_code": tree["a1"].code,
        "title": "社区义诊",
        "description": "量血压、测血糖。",
        "target_group": "elderly",
        "venue_id": hall_a1.pk,
        "leader_name": "李医生",
        "team_id": team_a1.pk,
        "public": "on",
        "skills": ["medical"],
        "shift_starts_at": start.strftime(MOMENT),
        "shift_ends_at": (start + dt.timedelta(hours=3)).strftime(MOMENT),
        "shift_spots": "6",
        "shift_role": "测量",
    }
    created = client.post(url("activity_create"), data)
    activity = Activity.objects.get(title="社区义诊")
    assert created.status_code == 302 and created["Location"] == url("activity_manage", activity.pk)
    assert activity.place == "社区活动室" and activity.status == "draft"

    edited = client.post(url("activity_edit", activity.pk), {**data, "title": "社区义诊（秋季）"})
    assert edited.status_code == 302
    published = client.post(url("activity_publish", activity.pk), follow=True)
    assert "The activity is open for sign-up." in published.content.decode()

    later = soon(80)
    added = client.post(
        url("shift_add", activity.pk),
        {
            "starts_at": later.strftime(MOMENT),
            "ends_at": (later + dt.timedelta(hours=2)).strftime(MOMENT),
            "spots": "2",
        },
    )
    assert added.status_code == 302 and Shift.objects.filter(activity=activity).count() == 2
    second = shift_of(activity, 1)
    edit_page = client.get(url("shift_edit", second.pk))
    assert later.strftime(MOMENT) in edit_page.content.decode()
    changed = client.post(
        url("shift_edit", second.pk),
        {
            "starts_at": later.strftime(MOMENT),
            "ends_at": (later + dt.timedelta(hours=2)).strftime(MOMENT),
            "spots": "4",
        },
        follow=True,
    )
    assert "The shift is saved." in changed.content.decode()
    removed = client.post(url("shift_remove", second.pk), follow=True)
    assert "The shift is removed." in removed.content.decode()

    manage = client.get(url("activity_manage", activity.pk)).content.decode()
    first = shift_of(activity)
    assert f'data-testid="qr-{first.pk}"' in manage and 'data-testid="add-shift"' in manage


def test_bad_activity_forms_come_back_with_the_errors(login, users, tree, counts):
    client = login(users["worker_a1"])
    before = counts()
    start = soon(-2)
    answer = client.post(
        url("activity_create"),
        {
            "area_code": tree["a1"].code,
            "title": "义诊",
            "description": "量血压。",
            "target_group": "elderly",
            "leader_name": "李医生",
            "place": "",
            "shift_starts_at": start.strftime(MOMENT),
            "shift_ends_at": (start + dt.timedelta(hours=1)).strftime(MOMENT),
            "shift_spots": "3",
        },
    )
    html = answer.content.decode()
    assert answer.status_code == 400
    assert "A shift starts in the future." in html
    assert "Give the place, or choose a venue." in html
    assert counts() == before


def test_the_organiser_signs_someone_up_and_cancels_their_sign_up(
    login, users, volunteer_a1, a1_activity
):
    client = login(users["worker_a1"])
    shift = shift_of(a1_activity)
    manage = client.get(url("activity_manage", a1_activity.pk)).content.decode()
    key = re.search(r'name="client_key" value="([^"]+)"', manage).group(1)
    done = client.post(
        url("signup_for", shift.pk),
        {"number": volunteer_a1.number, "client_key": key},
        follow=True,
    )
    assert "王秀兰 is signed up." in done.content.decode()
    signup = Signup.objects.get()
    roster = client.get(url("activity_manage", a1_activity.pk)).content.decode()
    assert "王秀兰" in roster and "139****0001" in roster and "13900000001" not in roster
    cancelled = client.post(
        url("signup_cancel", signup.pk),
        {"next": url("activity_manage", a1_activity.pk)},
        follow=True,
    )
    assert "The sign-up is cancelled." in cancelled.content.decode()
    unknown = client.post(
        url("signup_for", shift.pk), {"number": "X999", "client_key": key}, follow=True
    )
    assert "No volunteer with this number among those you may add." in unknown.content.decode()


def test_the_qr_page_and_the_attendance_sheet(login, users, tree, volunteer_a1, a1_activity, clock):
    shift = shift_of(a1_activity)
    signups = [sign_up(users["resident_a1"], shift), sign_up(person(tree["a1"]).user, shift)]
    client = login(users["worker_a1"])
    qr = client.get(url("shift_qr", shift.pk))
    html = qr.content.decode()
    assert qr.status_code == 200 and "<svg" in html and url("checkin", shift.token) in html
    sheet = client.get(url("attendance", shift.pk))
    assert sheet.status_code == 200 and "139****0001" in sheet.content.decode()
    clock(shift.starts_at + dt.timedelta(minutes=5))
    marked = client.post(
        url("attendance", shift.pk),
        {f"mark-{signups[0].pk}": "attended", f"mark-{signups[1].pk}": "no_show"},
        follow=True,
    )
    assert "Attendance saved: 2 changed." in marked.content.decode()
    assert [Signup.objects.get(pk=s.pk).status for s in signups] == ["attended", "no_show"]
    everyone = client.post(url("attendance", shift.pk), {"all": "attended"}, follow=True)
    assert "Attendance saved: 1 changed." in everyone.content.decode()
    walker = person(tree["a1"], phone="13600000006")
    walked = client.post(url("walkin", shift.pk), {"phone": "13600000006"}, follow=True)
    assert f"{walker.name} is checked in." in walked.content.decode()


def test_the_team_leader_reaches_the_team_activity_pages(login, users, tree, team_a1, a1_activity):
    client = login(users["resident_a1"])
    mine = client.get(url("my_activities")).content.decode()
    assert 'data-testid="led"' in mine and a1_activity.title in mine
    shift = shift_of(a1_activity)
    assert client.get(url("activity_manage", a1_activity.pk)).status_code == 200
    assert client.get(url("shift_qr", shift.pk)).status_code == 200
    assert client.get(url("attendance", shift.pk)).status_code == 200
    assert client.get(url("activity_edit", a1_activity.pk)).status_code == 403
    assert client.get(url("activity_list")).status_code == 403


@pytest.mark.parametrize("who", ["worker_a2", "town_b", "resident_a2"])
def test_neighbours_reach_nothing_of_a1(login, users, tree, who, a1_activity, team_a1):
    private = make_activity(
        users["worker_a1"], tree["a1"], public=False, team_id=team_a1.pk, shifts=one_shift(90)
    )
    project = actions.project_create(
        actor=users["worker_a1"],
        area_code=tree["a1"].code,
        name="仙城助老",
        summary="…",
        target_groups=["elderly"],
    )
    shift = shift_of(private)
    client = login(users[who])
    for name, args in (
        ("activity", (private.pk,)),
        ("activity_manage", (a1_activity.pk,)),
        ("activity_edit", (a1_activity.pk,)),
        ("shift_add", (a1_activity.pk,)),
        ("shift_edit", (shift.pk,)),
        ("shift_qr", (shift.pk,)),
        ("attendance", (shift.pk,)),
        ("checkin", (shift.token,)),
        ("project", (project.pk,)),
        ("project_edit", (project.pk,)),
    ):
        answer = client.get(url(name, *args))
        assert answer.status_code in (403, 404), (name, answer.status_code)
        assert "仙城社区" not in answer.content.decode()
    for name in ("activity_list", "projects", "project_library"):
        answer = client.get(url(name))
        assert (
            "仙城" not in answer.content.decode() and private.title not in answer.content.decode()
        )
    listed = client.get(url("activities")).content.decode()
    assert f'data-activity="{private.pk}"' not in listed
    # the public activity is offered to the county's volunteers and residents, by design
    public_seen = f'data-activity="{a1_activity.pk}"' in listed
    assert public_seen == (who == "resident_a2")
    for name, args in (
        ("activity_publish", (private.pk,)),
        ("activity_cancel", (private.pk,)),
        ("activity_finish", (private.pk,)),
        ("shift_remove", (shift.pk,)),
        ("walkin", (shift.pk,)),
        ("signup_for", (shift.pk,)),
        ("project_open", (project.pk,)),
        ("project_close", (project.pk,)),
    ):
        answer = client.post(url(name, *args), {"reason": "x", "number": "T1"})
        assert answer.status_code in (403, 404), (name, answer.status_code)
    assert Activity.objects.get(pk=private.pk).status == "published"
    assert Project.objects.get(pk=project.pk).status == "draft"


def test_projects_and_the_library_pages(login, users, tree):
    county = login(users["county"])
    created = county.post(
        url("project_create"),
        {
            "area_code": tree["county"].code,
            "name": "银龄陪伴",
            "summary": "每周探访独居老人。",
            "target_groups": ["elderly_alone"],
            "in_library": "on",
        },
    )
    source = Project.objects.get(name="银龄陪伴")
    assert created.status_code == 302 and source.in_library
    county.post(url("project_open", source.pk))
    worker = login(users["worker_a1"])
    library = worker.get(url("project_library"), {"target_group": "elderly_alone"})
    assert (
        library.status_code == 200 and f'data-testid="copy-{source.pk}"' in library.content.decode()
    )
    copied = worker.post(url("project_copy", source.pk), {"area_code": tree["a1"].code})
    copy = Project.objects.get(copied_from=source)
    assert copied.status_code == 302 and copied["Location"] == url("project", copy.pk)
    again = worker.post(url("project_copy", source.pk), {"area_code": tree["a1"].code}, follow=True)
    assert "already has this project" in again.content.decode()
    listing = worker.get(url("projects")).content.decode()
    assert "银龄陪伴" in listing and "copied from the library" in listing
    detail = worker.get(url("project", copy.pk))
    assert detail.status_code == 200
    edited = worker.post(
        url("project_edit", copy.pk),
        {"name": "仙城银龄陪伴", "summary": "每周探访。", "target_groups": ["elderly_alone"]},
    )
    assert edited.status_code == 302 and Project.objects.get(pk=copy.pk).name == "仙城银龄陪伴"
    bad = worker.post(url("project_create"), {"area_code": tree["a1"].code, "name": ""})
    assert bad.status_code == 400


def test_elderly_mode_lists_fewer_activities_a_page(login, users, tree, volunteer_a1):
    for n in range(14):
        make_activity(
            users["worker_a1"], tree["a1"], title=f"活动{n:02d}", shifts=one_shift(30 + n * 5)
        )
    client = login(users["resident_a1"])
    client.cookies[ELDERLY_COOKIE] = "1"
    page = client.get(url("activities"))
    assert page.status_code == 200 and 'class="elderly"' in page.content.decode()
    assert page.content.decode().count('class="card stack va-card"') == 12
