"""The home page: one per kind of user, each showing only what that user has and may open."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from linli.core.areacodes import Level
from linli.core.roles import Role
from linli.web.views import optional_url
from tests.conftest import make_area, make_user

from .conftest import parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OPTIONAL = "tests.web.urls_optional"


def test_anonymous_visitor_gets_the_landing_page_with_a_way_to_log_in(client, templates_used):
    response = client.get("/")
    assert response.status_code == 200
    assert "web/landing.html" in templates_used(response)
    page = parse(response.content)
    assert "/accounts/login/" in page.hrefs()
    assert page.find_all("a", data_testid="landing-login")
    assert "service hall" in page.text
    register = optional_url("core:register")
    assert bool(page.find_all("a", data_testid="landing-register")) == (register is not None)


@override_settings(ROOT_URLCONF=OPTIONAL)
def test_landing_and_login_offer_registration_once_that_page_exists(client):
    landing = parse(client.get("/").content)
    assert landing.find_all("a", data_testid="landing-register", href="/stand-in/register/")
    login = parse(client.get("/accounts/login/").content)
    assert "/stand-in/register/" in login.hrefs()


def test_resident_sees_their_community_and_town(users, login, templates_used):
    response = login(users["resident_a1"]).get("/")
    assert response.status_code == 200
    assert "web/home_resident.html" in templates_used(response)
    page = parse(response.content)
    assert "王秀兰" in page.text
    assert "仙城社区" in page.text
    assert "仙城街道" in page.text
    assert "新兴社区" not in page.text  # the neighbouring community is not theirs


def test_resident_living_in_a_grid_sees_community_town_and_grid(tree, login):
    resident = make_user("gridliver", Role.RESIDENT, tree["grid_a1"])
    resident.home_area = tree["grid_a1"]
    resident.save(update_fields=["home_area"])
    page = parse(login(resident).get("/").content)
    assert "仙城社区" in page.text
    assert "仙城街道" in page.text
    assert "仙城社区第1网格" in page.text


def test_account_without_a_community_is_told_how_to_get_one(db, login):
    loner = make_user("loner")
    page = parse(login(loner).get("/").content)
    assert "not linked to a community" in page.text
    assert "仙城社区" not in page.text


def test_resident_home_offers_language_and_large_text_without_javascript(users, login):
    page = parse(login(users["resident_a1"]).get("/").content)
    forms = {f.attrs.get("action") for f in page.find_all("form")}
    assert "/preferences/elderly/" in forms
    assert "/i18n/setlang/" in forms
    languages = {b.attrs["value"] for b in page.find_all("button", name="language")}
    assert languages == {"zh-hans", "en", "ug", "bo"}


@override_settings(ROOT_URLCONF=OPTIONAL)
def test_resident_home_links_to_the_account_page_once_it_exists(users, login):
    page = parse(login(users["resident_a1"]).get("/").content)
    assert "/stand-in/profile/" in page.hrefs()


@pytest.mark.parametrize("who", ["grid_a1", "worker_a1", "head_a1"])
def test_community_staff_get_the_workbench_with_their_areas(who, users, login, templates_used):
    response = login(users[who]).get("/")
    assert "web/home_staff.html" in templates_used(response)
    page = parse(response.content)
    expected = "仙城社区第1网格" if who == "grid_a1" else "仙城社区"
    assert expected in page.text
    assert "新兴社区" not in page.text
    assert "/areas/" in page.hrefs()


def test_grid_worker_links_to_their_own_area_page(users, login):
    page = parse(login(users["grid_a1"]).get("/").content)
    assert "/areas/220403001001001/" in page.hrefs()


def test_provider_gets_the_workbench_without_the_area_tree(tree, login, templates_used):
    provider = make_user("provider", Role.PROVIDER, tree["town_a"])
    response = login(provider).get("/")
    assert "web/home_staff.html" in templates_used(response)
    page = parse(response.content)
    assert "仙城街道" in page.text
    assert "/areas/" not in page.hrefs()  # providers hold no area.view


def test_town_officer_sees_their_town_with_counts_below(users, login, templates_used):
    response = login(users["town_a"]).get("/")
    assert "web/home_officer.html" in templates_used(response)
    page = parse(response.content)
    assert "仙城街道" in page.text
    assert "东山街道" not in page.text
    (item,) = response.context["summaries"]
    counts = dict(item["summary"].counts)
    assert counts == {Level.COMMUNITY: 2, Level.GRID: 1}
    assert item["url"] == "/areas/220403001000/"


@pytest.mark.parametrize("who", ["county", "dept"])
def test_county_and_department_officers_see_the_county(who, users, login, templates_used):
    response = login(users[who]).get("/")
    assert "web/home_officer.html" in templates_used(response)
    (item,) = response.context["summaries"]
    summary = item["summary"]
    assert summary.area.name == "西安区"
    assert dict(summary.counts) == {Level.TOWN: 2, Level.COMMUNITY: 3, Level.GRID: 1}
    assert summary.urban == 3 and summary.rural == 0
    page = parse(response.content)
    html = response.content.decode()
    start = html.index('data-testid="officer-area"')
    section = parse(html[start : html.index("</section>", start)].encode())
    figures = [e for e in section.find_all("div") if e.attrs.get("class") == "figure"]
    assert len(figures) == 3  # the area's own figures; other blocks have theirs
    assert "/areas/" in page.hrefs()


def test_officer_home_query_count_does_not_grow_with_the_tree(users, tree, login):
    client = login(users["county"])
    client.get("/")  # warm up (session, content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/").status_code == 200
    for n in range(3, 23):
        community = make_area(f"220403002{n:03d}", f"社区{n}", "220")
        make_area(f"{community.code}001", f"网格{n}")
    with CaptureQueriesContext(connection) as large:
        response = client.get("/")
    assert len(large) == len(small), [q["sql"] for q in large]
    counts = dict(response.context["summaries"][0]["summary"].counts)
    assert counts[Level.COMMUNITY] == 23 and counts[Level.GRID] == 21
    assert response.context["summaries"][0]["summary"].rural == 20


def test_officer_home_stays_within_a_few_queries(users, login, django_assert_max_num_queries):
    client = login(users["county"])
    # the shell and area summaries (9), and at most two queries per block other apps add
    with django_assert_max_num_queries(18):
        assert client.get("/").status_code == 200


def test_officer_with_two_towns_sees_each_with_its_own_counts(users, tree, login):
    officer = make_user("dept_two", Role.DEPARTMENT_OFFICER, tree["town_a"])
    from linli.core.models import RoleAssignment

    RoleAssignment.objects.create(
        user=officer, role=Role.DEPARTMENT_OFFICER, area=tree["town_b"], area_code="220403002000"
    )
    response = login(officer).get("/")
    found = {
        item["summary"].area.name: dict(item["summary"].counts)
        for item in response.context["summaries"]
    }
    assert found == {
        "仙城街道": {Level.COMMUNITY: 2, Level.GRID: 1},
        "东山街道": {Level.COMMUNITY: 1, Level.GRID: 0},
    }


def test_staff_home_query_count_does_not_grow_with_assignments(users, tree, login):
    worker = users["worker_a1"]
    client = login(worker)
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    from linli.core.models import RoleAssignment

    for key in ("a2", "b1", "grid_a1"):
        role = Role.GRID_WORKER if key == "grid_a1" else Role.COMMUNITY_WORKER
        RoleAssignment.objects.create(
            user=worker, role=role, area=tree[key], area_code=tree[key].code
        )
    with CaptureQueriesContext(connection) as four:
        response = client.get("/")
    assert len(four) == len(one)
    assert len(response.context["places"]) == 4


def test_security_admin_gets_accounts_but_not_the_audit_log_or_admin_site(
    users, login, templates_used
):
    response = login(users["secadmin"]).get("/")
    assert "web/home_admin.html" in templates_used(response)
    page = parse(response.content)
    assert "Accounts and roles" in page.text
    assert "Audit log" not in page.text
    assert "/sysadmin/" not in page.hrefs()


def test_audit_admin_gets_the_audit_log_only(users, login):
    page = parse(login(users["auditor"]).get("/").content)
    assert "Audit log" in page.text
    assert "Accounts and roles" not in page.text
    assert "/sysadmin/" not in page.hrefs()


def test_system_admin_gets_the_admin_site_only(users, login):
    page = parse(login(users["sysadmin"]).get("/").content)
    assert "/sysadmin/" in page.hrefs()
    assert "Accounts and roles" not in page.text
    assert "Audit log" not in page.text


@override_settings(ROOT_URLCONF=OPTIONAL)
def test_admin_tools_link_to_their_pages_once_they_exist(users, login, client):
    assert "/stand-in/users/" in parse(login(users["secadmin"]).get("/").content).hrefs()
    client.logout()
    assert "/stand-in/audit/" in parse(login(users["auditor"]).get("/").content).hrefs()


def test_admin_tool_whose_page_is_missing_is_shown_as_not_available(users, login):
    page = parse(login(users["secadmin"]).get("/").content)
    if optional_url("core:user_list") is None:
        assert "Not available yet" in page.text
    else:
        assert optional_url("core:user_list") in page.hrefs()


def test_navigation_shows_only_what_the_user_may_open(users, tree, login, client):
    county_page = parse(login(users["county"]).get("/").content)
    nav_links = {e.attrs.get("href") for e in county_page.find_all("a") if e.attrs.get("href")}
    assert "/areas/" in nav_links
    assert county_page.find_all("nav", aria_label="Main")
    client.logout()
    provider = make_user("provider", Role.PROVIDER, tree["town_a"])
    provider_page = parse(login(provider).get("/").content)
    assert not provider_page.find_all("nav", aria_label="Main")  # only "Home": no menu bar


def test_header_shows_the_signed_in_name_and_a_logout_form(users, login, client):
    page = parse(login(users["resident_a1"]).get("/").content)
    assert "王秀兰" in page.text
    assert page.find_all("form", action="/accounts/logout/", method="post")
    client.logout()
    page = parse(client.get("/").content)
    assert not page.find_all("form", action="/accounts/logout/")
    assert "/accounts/login/" in page.hrefs()
