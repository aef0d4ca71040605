"""The people pages: registering from the phone (with and without a code), the profile card,
changing one's details, status and withdrawal; the staff overview, list, detail, forms; teams
and organisations; the resident home block; and the neighbours' view of all of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from linli.core.models import AuditEvent
from linli.volunteers.actions import people as actions
from linli.volunteers.models import Membership, Organisation, Team, Volunteer

from .fixtures_people import *  # noqa: F403 (the fixtures)
from .fixtures_people import make_id, staff_args

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs) -> str:
    return reverse(f"volunteers:{name}", kwargs=kwargs or None)


def _join_post(**more) -> dict:
    data = {
        "phone": "13900000001",
        "code": "",
        "name": "王秀兰",
        "id_number": make_id("19600315", 7, female=True),
        "skills": ["elderly_care", "digital"],
        "languages": ["zh"],
        "availability": ["mon_am", "sun_eve"],
        "serve_town": "on",
        "consent": "on",
    }
    data.update(more)
    return data


# --- the resident -------------------------------------------------------------------------------


def test_an_unregistered_resident_sees_the_phone_first_registration(login, users, verified_account):
    page = login(verified_account).get(url("me"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="join-form"' in html and 'data-testid="consent-text"' in html
    assert html.index('name="phone"') < html.index('name="id_number"')  # phone first
    assert 'data-testid="availability-grid"' in html and 'value="sun_eve"' in html
    assert actions.CONSENT_VERSION in html
    assert "139****0001 is your account" in html


def test_registration_without_javascript_with_the_accounts_number(
    login, users, tree, verified_account
):
    client = login(verified_account)
    response = client.post(url("join"), _join_post())
    assert response.status_code == 302 and response["Location"] == url("me")
    volunteer = Volunteer.objects.get(user=verified_account)
    assert volunteer.service_areas == [tree["a1"].code, tree["town_a"].code]
    assert volunteer.availability == ["mon_am", "sun_eve"]
    card = client.get(url("me")).content.decode()
    assert 'data-testid="volunteer-card"' in card and volunteer.number in card
    assert url("my_activities") in card and url("my_hours") in card
    assert url("my_certificates") in card
    assert "100 more hours to 1 star" in card


def test_registration_with_a_code_sent_from_the_same_form(
    login, users, django_capture_on_commit_callbacks
):
    from linli.core import sms

    from .fixtures_people import code_of

    client = login(users["resident_a1"])  # the account's phone is not verified
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url("join"), _join_post(send_code="1", name="王秀兰"))
    assert sent.status_code == 200
    html = sent.content.decode()
    assert 'data-testid="code-sent"' in html and "139****0001" in html
    assert 'value="王秀兰"' in html and "errorlist" not in html  # kept, nothing marked
    missing = client.post(url("join"), _join_post())
    assert missing.status_code == 400 and "6-digit code" in missing.content.decode()
    code = code_of(sms.outbox[-1][1])
    done = client.post(url("join"), _join_post(code=code))
    assert done.status_code == 302
    assert Volunteer.objects.filter(user=users["resident_a1"]).exists()


def test_registration_errors_are_shown_next_to_the_fields(login, verified_account):
    response = login(verified_account).post(url("join"), _join_post(id_number="123", consent=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "18 characters" in html and "Tick the box to agree" in html
    assert Volunteer.objects.count() == 0


def test_the_profile_edit_status_and_teams(login, users, tree, volunteer_a1, team_a1):
    client = login(users["resident_a1"])
    other = actions.team_create(
        actor=users["worker_a1"], community_code=tree["a1"].code, name="仙城助老队"
    )
    card = client.get(url("me")).content.decode()
    assert team_a1.name in card and other.name in card  # in one, may join the other
    assert client.post(url("me_team_join", team_id=other.pk)).status_code == 302
    assert Membership.objects.filter(team=other, volunteer=volunteer_a1).exists()
    assert client.post(url("me_team_leave", team_id=other.pk)).status_code == 302
    assert not Membership.objects.filter(
        team=other, volunteer=volunteer_a1, left_on__isnull=True
    ).exists()

    form = client.get(url("me_edit"))
    assert form.status_code == 200 and "139****0001" in form.content.decode()
    saved = client.post(url("me_edit"), {"skills": ["repair", "legal"], "availability": ["fri_pm"]})
    assert saved.status_code == 302
    volunteer_a1.refresh_from_db()
    assert volunteer_a1.skills == ["legal", "repair"] and volunteer_a1.availability == ["fri_pm"]
    assert volunteer_a1.phone == "13900000001"  # blank keeps the number

    assert client.post(url("me_status"), {"status": "paused"}).status_code == 302
    volunteer_a1.refresh_from_db()
    assert volunteer_a1.status == "paused"


def test_withdrawal_asks_for_confirmation(login, users, volunteer_a1):
    client = login(users["resident_a1"])
    page = client.get(url("me_withdraw"))
    assert page.status_code == 200 and "national rules" in page.content.decode()
    assert client.post(url("me_withdraw"), {}).status_code == 400
    assert client.post(url("me_withdraw"), {"confirm": "1"}).status_code == 302
    volunteer_a1.refresh_from_db()
    assert volunteer_a1.status == "left" and volunteer_a1.phone is None


def test_the_resident_home_block_in_two_queries_or_fewer(
    login, users, volunteer_a1, django_assert_max_num_queries
):
    from django.test import RequestFactory

    from linli.volunteers.views.people.home import _resident_block

    request = RequestFactory().get("/")
    request.user = users["resident_a1"]
    with django_assert_max_num_queries(2):
        block = _resident_block(request)
    assert block["volunteer"]["number"] == volunteer_a1.number
    home = login(users["resident_a1"]).get("/").content.decode()
    assert 'data-testid="home-volunteering"' in home and "My volunteering" in home
    other = login(users["resident_a2"]).get("/").content.decode()
    assert 'data-testid="home-volunteer-join"' in other


# --- staff ------------------------------------------------------------------------------------


def test_staff_home_overview_and_residents_go_to_their_page(login, users, tree, volunteer_a1):
    page = login(users["town_a"]).get(url("home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="overview-children"' in html and "仙城社区" in html
    assert 'data-chart="stars"' in html and 'id="vl-chart-data"' in html
    resident = login(users["resident_a2"]).get(url("home"))
    assert resident.status_code == 302 and resident["Location"] == url("me")


def test_staff_list_detail_and_reveal(login, users, volunteer_a1):
    client = login(users["worker_a1"])
    listing = client.get(url("volunteers"), {"q": "王"})
    html = listing.content.decode()
    assert listing.status_code == 200 and "王秀兰" in html
    assert "139****0001" in html and "13900000001" not in html
    detail = client.get(url("volunteer", volunteer_id=volunteer_a1.pk)).content.decode()
    assert "139****0001" in detail and "13900000001" not in detail
    shown = client.post(url("volunteer_reveal", volunteer_id=volunteer_a1.pk), {"field": "phone"})
    assert shown.status_code == 200 and "13900000001" in shown.content.decode()
    assert shown["Cache-Control"].startswith("no-store") or "no-store" in shown["Cache-Control"]
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 1
    bad = client.get(url("volunteers"), {"star": "9"})
    assert bad.status_code == 400 and "star level" in bad.content.decode()


def test_a_worker_registers_and_corrects_through_the_forms(login, users, tree):
    client = login(users["worker_a1"])
    assert client.get(url("volunteer_new")).status_code == 200
    data = {
        "community_code": tree["a1"].code,
        "name": "李建国",
        "id_number": make_id("19520101", 3),
        "phone": "13700000003",
        "skills": ["repair"],
        "availability": ["tue_am"],
        "consent": "on",
    }
    refused = client.post(url("volunteer_new"), {**data, "consent": ""})
    assert refused.status_code == 400 and "paper consent form" in refused.content.decode()
    done = client.post(url("volunteer_new"), data)
    assert done.status_code == 302
    volunteer = Volunteer.objects.get(name="李建国")
    assert volunteer.source == "staff" and volunteer.number == "220403000001"
    edit = client.post(
        url("volunteer_edit", volunteer_id=volunteer.pk),
        {"name": "李建國", "skills": ["repair"], "clear_phone": "on"},
    )
    assert edit.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.name == "李建國" and volunteer.phone is None
    status = client.post(url("volunteer_status", volunteer_id=volunteer.pk), {"status": "left"})
    assert status.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.status == "left"


def test_teams_and_organisations_pages(login, users, tree, volunteer_a1, team_a1, org_a1):
    client = login(users["worker_a1"])
    listing = client.get(url("teams")).content.decode()
    assert team_a1.name in listing and 'data-testid="team-members-count">1<' in listing
    other = actions.volunteer_register(actor=users["worker_a1"], **staff_args(tree))
    page = client.get(url("team", team_id=team_a1.pk), {"find": "李"}).content.decode()
    assert 'data-testid="member-candidates"' in page and "李建国" in page
    added = client.post(
        url("team_member_add", team_id=team_a1.pk), {"volunteer_id": other.pk, "role": "member"}
    )
    assert added.status_code == 302
    assert Membership.objects.filter(team=team_a1, volunteer=other, left_on__isnull=True).exists()
    made = client.post(
        url("team_member_role", team_id=team_a1.pk), {"volunteer_id": other.pk, "role": "deputy"}
    )
    assert made.status_code == 302
    assert Membership.objects.get(team=team_a1, volunteer=other).role == "deputy"
    removed = client.post(url("team_member_remove", team_id=team_a1.pk), {"volunteer_id": other.pk})
    assert removed.status_code == 302
    assert client.get(url("team_new")).status_code == 200
    created = client.post(
        url("team_new"),
        {"community_code": tree["a1"].code, "name": "仙城维修队", "skills": ["repair"]},
    )
    assert created.status_code == 302 and Team.objects.filter(name="仙城维修队").exists()
    edit = client.post(
        url("team_edit", team_id=team_a1.pk),
        {"name": team_a1.name, "leader_id": "", "party_led": "on"},
    )
    assert edit.status_code == 302
    team_a1.refresh_from_db()
    assert team_a1.leader is None
    orgs = client.get(url("organisations")).content.decode()
    assert org_a1.name in orgs
    assert client.post(url("organisation_active", organisation_id=org_a1.pk), {"active": "0"})
    assert not Organisation.objects.get(pk=org_a1.pk).active


def test_neighbours_see_nothing_of_a1(client, login, users, tree, volunteer_a1, team_a1, org_a1):
    pages = [
        url("volunteer", volunteer_id=volunteer_a1.pk),
        url("volunteer_edit", volunteer_id=volunteer_a1.pk),
        url("team", team_id=team_a1.pk),
        url("team_edit", team_id=team_a1.pk),
        url("organisation_edit", organisation_id=org_a1.pk),
    ]
    for who in ("worker_a2", "town_b"):
        c = login(users[who])
        for page in pages:
            assert c.get(page).status_code == 404, (who, page)
        for listing in (url("volunteers"), url("teams"), url("organisations"), url("home")):
            html = c.get(listing).content.decode()
            assert "王秀兰" not in html and team_a1.name not in html and org_a1.name not in html
        refused = c.post(url("volunteer_reveal", volunteer_id=volunteer_a1.pk), {"field": "phone"})
        assert refused.status_code == 404
    resident = login(users["resident_a2"])
    for page in pages:
        assert resident.get(page).status_code == 403
    client.logout()
    assert client.get(url("me")).status_code == 302  # to the login page


def test_list_pages_do_not_grow_with_their_rows(login, users, tree, org_a1):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .fixtures_people import make_volunteer

    client = login(users["town_a"])

    def queries(name: str) -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get(url(name)).status_code == 200
        return len(seen)

    def grow(start: int) -> None:
        for n in range(start, start + 6):
            volunteer = make_volunteer(tree["a1" if n % 2 else "a2"], name=f"志愿者{n}")
            team = Team.objects.create(
                area=volunteer.area, area_code=volunteer.area_code, name=f"队{n}", leader=volunteer
            )
            Membership.objects.create(team=team, volunteer=volunteer, area_code=team.area_code)

    grow(0)
    before = {name: queries(name) for name in ("volunteers", "teams", "organisations", "home")}
    grow(10)
    after = {name: queries(name) for name in ("volunteers", "teams", "organisations", "home")}
    assert before == after
