"""Registry pages: resident search and detail, households, buildings, My grid, grid management.

Fixtures (tests/registry/conftest.py): A1 has 1号楼 in its grid (张三's family; 李四, living
alone) and 2号楼 outside any grid (王五, 低保); A2 has 赵六, B1 has 孙七.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from linli.core.models import AuditEvent, RoleAssignment
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.registry import actions, queries
from linli.registry.models import Building, GridStaff, Household, Resident, ResidentTag
from tests.conftest import make_area, make_user

from .conftest import make_id

GRID = "220403001001001"
A1_NAMES = ["张三", "刘芳", "张小明", "李四", "王五"]


@pytest.fixture(autouse=True)
def _english(client):
    """Pages and messages in English, whatever the site's default language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def text(response) -> str:
    return response.content.decode()


def full_numbers(homes) -> list[str]:
    """Every full ID and phone number of the fixtures' people."""
    found = []
    for person in homes["people"].values():
        found.append(person.id_number)
        if person.phone:
            found.append(person.phone)
    return found


def assert_masked(page: str, homes) -> None:
    shown = [number for number in full_numbers(homes) if number in page]
    assert not shown, f"full numbers in the page: {shown}"


# --- who may open which page -----------------------------------------------------------------


def pages(homes, tree) -> dict[str, str]:
    li = homes["people"]["li"]
    household = homes["households"]["li"]
    return {
        "resident_list": "/registry/people/",
        "resident_detail": f"/registry/people/{li.pk}/",
        "household_list": "/registry/households/",
        "household_detail": f"/registry/households/{household.pk}/",
        "building_list": "/registry/buildings/",
        "grid_detail": f"/registry/my-grid/{GRID}/",
        "grid_building": f"/registry/my-grid/{GRID}/?building={homes['buildings']['b1'].pk}",
        "grid_household": f"/registry/my-grid/{GRID}/households/{household.pk}/",
    }


@pytest.mark.parametrize("who", ["worker_a1", "head_a1", "grid_a1", "town_a", "county"])
def test_every_page_opens_for_those_who_read_the_registry(users, homes, tree, login, who):
    client = login(users[who])
    for name, url in pages(homes, tree).items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert_masked(text(response), homes)
    my_grid = client.get("/registry/my-grid/")
    assert my_grid.status_code == 302 and my_grid["Location"] == f"/registry/my-grid/{GRID}/"


def test_my_grid_lists_several_grids(users, homes, tree, login):
    make_area("220403001001002", "仙城社区第2网格")
    response = login(users["head_a1"]).get("/registry/my-grid/")
    assert response.status_code == 200
    page = text(response)
    assert "仙城社区第1网格" in page and "仙城社区第2网格" in page
    assert f'href="/registry/my-grid/{GRID}/"' in page


def test_edit_pages_are_for_editors_only(users, homes, tree, login):
    li = homes["people"]["li"]
    edits = [
        f"/registry/people/{li.pk}/edit/",
        f"/registry/people/{li.pk}/move/",
        f"/registry/people/{li.pk}/move-out/",
        f"/registry/people/{li.pk}/death/",
    ]
    editor = login(users["worker_a1"])
    for url in [*edits, "/registry/households/new/"]:
        assert editor.get(url).status_code == 200, url
    town = login(users["town_a"])  # reads the registry, does not edit it
    for url in [*edits, "/registry/households/new/"]:
        assert town.get(url).status_code == 403, url
    detail = text(town.get(f"/registry/people/{li.pk}/"))
    assert "Correct details" not in detail and 'data-testid="tag-form"' not in detail
    assert 'data-testid="member-form"' not in text(
        town.get(f"/registry/households/{homes['households']['li'].pk}/")
    )


def test_grid_management_is_for_grid_managers(users, homes, tree, login):
    for who in ("head_a1", "town_a"):
        assert login(users[who]).get("/registry/grids/").status_code == 200
    for who in ("worker_a1", "grid_a1", "county", "resident_a1"):
        assert login(users[who]).get("/registry/grids/").status_code == 403, who


def test_resident_accounts_and_visitors_are_refused(users, homes, tree, login, client):
    urls = [*pages(homes, tree).values(), "/registry/my-grid/", "/registry/grids/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    resident = login(users["resident_a1"])
    for url in urls:
        assert resident.get(url).status_code in (403, 404), url
    assert resident.post("/registry/people/", {"q": "ls"}).status_code == 403


def test_the_neighbouring_community_sees_none_of_a1(users, homes, tree, login):
    client = login(users["worker_a2"])
    for name, url in pages(homes, tree).items():
        if name.endswith("_list"):
            continue
        assert client.get(url).status_code == 404, name
    for url in ["/registry/people/", "/registry/households/", "/registry/buildings/"]:
        for params in [{}, {"q": "ls"}, {"area": tree["a1"].code}, {"status": "all"}]:
            page = text(client.get(url, params))
            assert not [n for n in A1_NAMES if n in page], (url, params)
            assert "仙城" not in page
    own = text(client.get("/registry/people/"))
    assert "赵六" in own
    assert client.get("/registry/my-grid/").status_code == 200
    assert "仙城" not in text(client.get("/registry/my-grid/"))
    reveal = client.post(f"/registry/people/{homes['people']['li'].pk}/reveal/", {"field": "phone"})
    assert reveal.status_code == 404
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()


def test_a_grid_worker_sees_only_the_grid(users, homes, tree, login):
    page = text(login(users["grid_a1"]).get("/registry/people/"))
    assert "李四" in page and "张三" in page
    assert "王五" not in page  # 2号楼 is in no grid


# --- the search --------------------------------------------------------------------------------


def test_search_by_pinyin_initials_tails_and_address(users, homes, login):
    client = login(users["worker_a1"])
    by_initials = text(client.get("/registry/people/", {"q": "ls"}))
    assert "李四" in by_initials and "张三" not in by_initials
    assert "1 resident" in by_initials
    by_phone_tail = text(client.get("/registry/people/", {"q": "5432"}))
    assert "李四" in by_phone_tail and "张三" not in by_phone_tail
    id_tail = homes["people"]["wang"].id_number[-4:]
    assert "王五" in text(client.get("/registry/people/", {"q": id_tail}))
    by_address = text(client.get("/registry/people/", {"q": "仙城路2号"}))
    assert "王五" in by_address and "李四" not in by_address
    nothing = text(client.get("/registry/people/", {"q": "qq"}))
    assert "No resident of yours matches" in nothing


def test_the_search_box_posts_and_redirects_to_an_address(users, homes, login):
    client = login(users["worker_a1"])
    response = client.post("/registry/people/", {"q": "ls", "status": "active", "tag": ""})
    assert response.status_code == 302 and response["Location"] == "/registry/people/?q=ls"


@pytest.mark.parametrize("which", ["id_number", "phone"])
def test_a_full_number_is_searched_without_putting_it_in_an_address(users, homes, login, which):
    client = login(users["worker_a1"])
    number = getattr(homes["people"]["li"], which)
    response = client.post("/registry/people/", {"q": number})
    assert response.status_code == 200  # answered at once: no redirect to ?q=<number>
    page = text(response)
    assert "李四" in page and "张三" not in page
    assert number not in page  # not even echoed in the search box
    assert f"ending {number[-4:]}" in page
    assert "no-store" in response["Cache-Control"]
    # Typed into the address, the number is taken out of it.
    typed = client.get("/registry/people/", {"q": number, "status": "all"})
    assert typed.status_code == 302 and typed["Location"] == "/registry/people/?status=all"


def test_htmx_search_returns_the_results_and_the_address_to_push(users, homes, login):
    client = login(users["worker_a1"])
    response = client.post("/registry/people/", {"q": "ls"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = text(response)
    assert "<html" not in page and "李四" in page
    assert response["HX-Push-Url"] == "/registry/people/?q=ls"
    hidden = client.post(
        "/registry/people/", {"q": homes["people"]["li"].phone}, HTTP_HX_REQUEST="true"
    )
    assert "HX-Push-Url" not in hidden and "李四" in text(hidden)


def test_filters_by_group_age_area_and_status(users, homes, tree, login):
    client = login(users["worker_a1"])
    # A parent group finds the members of its kinds.
    grouped = text(client.get("/registry/people/", {"tag": "special_elderly"}))
    assert "李四" in grouped and "张三" not in grouped
    assert "独居老人" in grouped
    old = text(client.get("/registry/people/", {"age_band": "80+"}))
    assert "李四" in old and "王五" not in old
    children = text(client.get("/registry/people/", {"age_band": "0-17"}))
    assert "张小明" in children and "李四" not in children
    in_grid = text(client.get("/registry/people/", {"area": GRID}))
    assert "李四" in in_grid and "王五" not in in_grid
    actions.resident_move_out(actor=SYSTEM, resident_id=homes["people"]["wang"].pk)
    assert "王五" not in text(client.get("/registry/people/"))
    moved = text(client.get("/registry/people/", {"status": "moved_out"}))
    assert "王五" in moved and "李四" not in moved


def test_bad_filters_give_a_clear_error(users, homes, login):
    response = login(users["worker_a1"]).get("/registry/people/", {"age_band": "200+"})
    assert response.status_code == 400
    assert "Choose an age band from the list." in text(response)


def test_sensitive_groups_show_only_to_their_roles(users, homes, tree, login):
    li = homes["people"]["li"]
    actions.resident_tag_add(
        actor=SYSTEM, resident_id=li.pk, tag_code="disability", grade="二级肢体"
    )
    head = make_user("bhead", Role.BUILDING_HEAD, tree["grid_a1"])
    assert "残疾人" in text(login(users["grid_a1"]).get("/registry/people/"))
    for url in ["/registry/people/", f"/registry/people/{li.pk}/"]:
        page = text(login(head).get(url))
        assert "李四" in page and "独居老人" in page
        assert "残疾人" not in page and "二级肢体" not in page


def test_the_list_runs_the_same_number_of_queries_for_more_rows(
    users, homes, tree, login, django_assert_num_queries
):
    client = login(users["worker_a1"])
    client.get("/registry/people/")  # warm up the session

    with CaptureQueriesContext(connection) as few:
        assert client.get("/registry/people/").status_code == 200
    household = homes["households"]["wang"]
    for number in range(12):
        person = actions.resident_add(
            actor=SYSTEM,
            household_id=household.pk,
            name=f"测试{number}",
            id_number=make_id("19500101", 100 + number),
            phone=f"1380000{number:04d}",
        )
        actions.resident_tag_add(actor=SYSTEM, resident_id=person.pk, tag_code="veteran")
        actions.resident_tag_add(actor=SYSTEM, resident_id=person.pk, tag_code="dibao")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/registry/people/")
    page = text(response)
    assert "17 residents" in page and page.count("退役军人</span>") == 12


def test_lists_are_paginated_with_page_links(users, homes, login):
    household = homes["households"]["wang"]
    for number in range(30):
        actions.resident_add(actor=SYSTEM, household_id=household.pk, name=f"测试{number:02d}")
    client = login(users["worker_a1"])
    first = text(client.get("/registry/people/", {"q": "测试"}))
    assert "30 residents" in first
    assert 'href="?q=%E6%B5%8B%E8%AF%95&amp;page=2"' in first
    assert 'aria-current="page"' in first
    second = text(client.get("/registry/people/", {"q": "测试", "page": 2}))
    assert "测试29" in second and "测试00" not in second
    # Results asked for by htmx (a POST) page on with the same search.
    posted = text(client.post("/registry/people/", {"q": "测试"}, HTTP_HX_REQUEST="true"))
    assert 'href="?q=%E6%B5%8B%E8%AF%95&amp;page=2"' in posted
    households = text(client.get("/registry/households/"))
    assert "Pages of households" not in households  # one page only


# --- one resident ------------------------------------------------------------------------------


def test_detail_shows_masked_numbers_groups_and_history(users, homes, login):
    li = homes["people"]["li"]
    response = login(users["worker_a1"]).get(f"/registry/people/{li.pk}/")
    page = text(response)
    assert queries.masked_id(li) == li.id_number[:4] + "*" * 10 + li.id_number[-4:]
    assert queries.masked_id(li) in page and queries.masked_phone(li) == "136****5432"
    assert "136****5432" in page
    assert li.id_number not in page and li.phone not in page and "tel:" not in page
    assert "独居老人" in page and "since 2024-01-01" in page
    assert "Where they have lived" in page and "1995-01-01" in page
    assert f'href="/registry/households/{homes["households"]["li"].pk}/"' in page
    assert page.count('data-testid="reveal-') >= 2


def test_reveal_shows_the_number_and_is_audited(users, homes, login):
    li = homes["people"]["li"]
    client = login(users["worker_a1"])
    response = client.post(f"/registry/people/{li.pk}/reveal/", {"field": "phone"})
    assert response.status_code == 200
    page = text(response)
    assert f'href="tel:{li.phone}"' in page
    assert li.id_number not in page  # only the field asked for
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.actor == users["worker_a1"]
    assert (event.target_type, event.target_id) == ("registry.resident", str(li.pk))
    assert event.extra == {"field": "phone"}
    shown = text(client.post(f"/registry/people/{li.pk}/reveal/", {"field": "id_number"}))
    assert li.id_number in shown
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 2
    # Only these two fields, and nothing shows by GET.
    assert client.post(f"/registry/people/{li.pk}/reveal/", {"field": "name"}).status_code == 404
    assert client.get(f"/registry/people/{li.pk}/reveal/").status_code == 405


def test_htmx_reveal_swaps_the_field(users, homes, login):
    li = homes["people"]["li"]
    response = login(users["worker_a1"]).post(
        f"/registry/people/{li.pk}/reveal/", {"field": "phone"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'id="reveal-phone"' in text(response)


def test_reveal_is_refused_without_the_permission(users, homes, tree, login):
    li = homes["people"]["li"]
    head = make_user("bhead", Role.BUILDING_HEAD, tree["grid_a1"])
    for actor in (users["town_a"], head):
        client = login(actor)
        page = text(client.get(f"/registry/people/{li.pk}/"))
        assert "李四" in page and 'data-testid="reveal-phone-button"' not in page
        response = client.post(f"/registry/people/{li.pk}/reveal/", {"field": "phone"})
        assert response.status_code == 403
        assert li.phone not in text(response)
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()


def test_add_and_end_a_group_membership(users, homes, login):
    zhang = homes["people"]["zhang"]
    client = login(users["worker_a1"])
    response = client.post(
        f"/registry/people/{zhang.pk}/groups/",
        {"tag_code": "veteran", "started_on": "2025-03-01", "grade": "", "note": "三等功"},
    )
    assert response.status_code == 302
    membership = ResidentTag.objects.get(resident=zhang, tag_id="veteran")
    assert membership.started_on == dt.date(2025, 3, 1) and membership.note == "三等功"
    assert AuditEvent.objects.filter(action="resident.tag_add").count() == 4  # 3 in fixtures
    page = text(client.get(f"/registry/people/{zhang.pk}/"))
    assert "退役军人" in page and "since 2025-03-01" in page
    assert "三等功" not in page  # the note is encrypted and not shown
    ended = client.post(
        f"/registry/people/{zhang.pk}/groups/end/",
        {"membership_id": membership.pk, "ended_on": "2025-02-01"},
    )
    assert ended.status_code == 400
    assert "This date is before the membership began." in text(ended)
    membership.refresh_from_db()
    assert membership.ended_on is None
    ended = client.post(
        f"/registry/people/{zhang.pk}/groups/end/",
        {"membership_id": membership.pk, "ended_on": "2025-06-30"},
    )
    assert ended.status_code == 302
    membership.refresh_from_db()
    assert membership.ended_on == dt.date(2025, 6, 30)
    assert "1 past membership" in text(client.get(f"/registry/people/{zhang.pk}/"))


def test_bad_group_membership_is_refused_with_its_reason(users, homes, login):
    li = homes["people"]["li"]
    client = login(users["worker_a1"])
    before = ResidentTag.objects.count()
    missing = client.post(f"/registry/people/{li.pk}/groups/", {"tag_code": ""})
    assert missing.status_code == 400 and "This field is required." in text(missing)
    twice = client.post(
        f"/registry/people/{li.pk}/groups/", {"tag_code": "special_elderly.living_alone"}
    )
    assert twice.status_code == 400 and "already in this group" in text(twice)
    graded = client.post(f"/registry/people/{li.pk}/groups/", {"tag_code": "disability"})
    assert graded.status_code == 400 and "records a kind or grade" in text(graded)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    late = client.post(
        f"/registry/people/{li.pk}/groups/", {"tag_code": "veteran", "started_on": future}
    )
    assert late.status_code == 400 and "This date is in the future." in text(late)
    assert ResidentTag.objects.count() == before


def test_correcting_details_keeps_numbers_left_blank(users, homes, login):
    zhang = homes["people"]["zhang"]
    client = login(users["worker_a1"])
    form = text(client.get(f"/registry/people/{zhang.pk}/edit/"))
    assert zhang.id_number not in form and zhang.phone not in form
    assert "137****5678" in form
    response = client.post(
        f"/registry/people/{zhang.pk}/edit/",
        {"name": "张叁", "id_number": "", "phone": "", "ethnicity": "03", "language": "zh"},
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.name == "张叁" and zhang.ethnicity == "03"
    assert zhang.phone == "13712345678"  # kept
    assert zhang.id_number == homes["people"]["zhang"].id_number
    client.post(
        f"/registry/people/{zhang.pk}/edit/",
        {"name": "张叁", "clear_phone": "on", "ethnicity": "03", "language": "zh"},
    )
    zhang.refresh_from_db()
    assert zhang.phone is None and zhang.phone_tail == ""


def test_correcting_details_with_bad_input_changes_nothing(users, homes, login):
    zhang = homes["people"]["zhang"]
    client = login(users["worker_a1"])
    bad_id = zhang.id_number[:-1] + ("0" if zhang.id_number[-1] != "0" else "1")
    response = client.post(
        f"/registry/people/{zhang.pk}/edit/",
        {"name": "张叁", "id_number": bad_id, "phone": "12345", "ethnicity": "01"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "does not match the others" in page
    assert "Enter an 11-digit mainland mobile number" in page
    zhang.refresh_from_db()
    assert zhang.name == "张三"
    taken = client.post(
        f"/registry/people/{zhang.pk}/edit/",
        {"name": "张三", "id_number": homes["people"]["li"].id_number},
    )
    assert taken.status_code == 400 and "belongs to another resident" in text(taken)
    assert not AuditEvent.objects.filter(action="resident.update").exists()


def test_move_to_another_household(users, homes, login):
    li = homes["people"]["li"]
    target = homes["households"]["zhang"]
    client = login(users["worker_a1"])
    found = text(client.get(f"/registry/people/{li.pk}/move/", {"hq": "1单元"}))
    assert f'value="{target.pk}"' in found
    assert f'value="{homes["households"]["li"].pk}"' not in found  # where they live now
    nothing = client.post(f"/registry/people/{li.pk}/move/?hq=unit+1", {"relationship": "parent"})
    assert nothing.status_code == 400 and "Find the new household and choose it." in text(nothing)
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    late = client.post(f"/registry/people/{li.pk}/move/", {"household_id": target.pk, "on": future})
    assert late.status_code == 400 and "This date is in the future." in text(late)
    li.refresh_from_db()
    assert li.household_id == homes["households"]["li"].pk
    elsewhere = client.post(
        f"/registry/people/{li.pk}/move/", {"household_id": homes["households"]["zhao"].pk}
    )
    assert elsewhere.status_code == 400 and "No such household among yours." in text(elsewhere)
    moved = client.post(
        f"/registry/people/{li.pk}/move/",
        {"household_id": target.pk, "relationship": "parent", "on": "2026-01-10"},
    )
    assert moved.status_code == 302
    li.refresh_from_db()
    assert li.household_id == target.pk and li.relationship == "parent"
    history = text(client.get(f"/registry/people/{li.pk}/"))
    assert "moved to another household here" in history and "2026-01-10" in history


def test_move_out_and_record_a_death(users, homes, login):
    wang, li = homes["people"]["wang"], homes["people"]["li"]
    client = login(users["worker_a1"])
    too_early = client.post(f"/registry/people/{li.pk}/death/", {"on": "1930-01-01"})
    assert too_early.status_code == 400 and "before the birth date" in text(too_early)
    li.refresh_from_db()
    assert li.status == "active"
    assert client.post(f"/registry/people/{li.pk}/death/", {"on": "2026-01-02"}).status_code == 302
    li.refresh_from_db()
    assert li.status == "deceased" and li.deceased_on == dt.date(2026, 1, 2)
    assert ResidentTag.objects.get(resident=li).ended_on == dt.date(2026, 1, 2)
    page = text(client.get(f"/registry/people/{li.pk}/"))
    assert "Record a death" not in page and "Died on" in page
    assert client.get(f"/registry/people/{li.pk}/move/").status_code == 404
    bad = client.post(f"/registry/people/{wang.pk}/move-out/", {"on": "yesterday"})
    assert bad.status_code == 400 and "Enter a date as YYYY-MM-DD." in text(bad)
    out = client.post(f"/registry/people/{wang.pk}/move-out/", {"reason": "随子女迁居"})
    assert out.status_code == 302
    wang.refresh_from_db()
    assert wang.status == "moved_out" and wang.household_id is None
    again = client.post(f"/registry/people/{wang.pk}/move-out/", {})
    assert again.status_code == 400 and "no longer lives here" in text(again)


# --- households and buildings --------------------------------------------------------------------


def test_household_list_filters(users, homes, tree, login):
    client = login(users["worker_a1"])
    everything = text(client.get("/registry/households/"))
    assert "仙城路1号" in everything and "仙城路2号" in everything
    outside = text(client.get("/registry/households/", {"unassigned": "1"}))
    assert "仙城路2号" in outside and "仙城路1号" not in outside
    by_building = text(
        client.get("/registry/households/", {"building": homes["buildings"]["b1"].pk})
    )
    assert "2单元 502室" in by_building and "仙城路2号" not in by_building
    assert "李四" in by_building  # the head


def test_household_detail_with_members_and_head(users, homes, login):
    household = homes["households"]["zhang"]
    client = login(users["worker_a1"])
    page = text(client.get(f"/registry/households/{household.pk}/"))
    assert "张三" in page and "刘芳" in page and "张小明" in page
    assert_masked(page, homes)
    response = client.post(
        f"/registry/households/{household.pk}/head/",
        {"resident_id": homes["people"]["zhang_wife"].pk},
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.head_id == homes["people"]["zhang_wife"].pk
    stranger = client.post(
        f"/registry/households/{household.pk}/head/", {"resident_id": homes["people"]["li"].pk}
    )
    assert stranger.status_code == 302
    household.refresh_from_db()
    assert household.head_id == homes["people"]["zhang_wife"].pk
    follow = text(client.get(f"/registry/households/{household.pk}/"))
    assert "The head must be a current member of the household." in follow


def test_add_a_member(users, homes, login):
    household = homes["households"]["li"]
    client = login(users["worker_a1"])
    number = make_id("19700505", 50, female=True)
    response = client.post(
        f"/registry/households/{household.pk}/members/",
        {
            "name": "李梅",
            "id_number": number,
            "phone": "13811112222",
            "ethnicity": "05",
            "language": "ug",
            "relationship": "child",
            "moved_in_on": "2026-01-01",
            "reason": "返乡照顾父亲",
        },
    )
    assert response.status_code == 302
    person = Resident.objects.get(name="李梅")
    assert person.household_id == household.pk and person.sex == "F"
    assert person.ethnicity == "05" and person.language == "ug"
    page = text(client.get(f"/registry/households/{household.pk}/"))
    assert "李梅" in page and number not in page and "13811112222" not in page


def test_adding_a_member_with_bad_input_writes_nothing(users, homes, login):
    household = homes["households"]["li"]
    client = login(users["worker_a1"])
    before = Resident.objects.count()
    good = make_id("19700505", 50)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post(
        f"/registry/households/{household.pk}/members/",
        {"name": "", "id_number": bad_check, "phone": "999", "ethnicity": "01"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "This field is required." in page  # the name
    response = client.post(
        f"/registry/households/{household.pk}/members/",
        {"name": "李梅", "id_number": bad_check, "phone": "999"},
    )
    page = text(response)
    assert response.status_code == 400
    assert "The last character of this ID number does not match the others" in page
    assert "Enter an 11-digit mainland mobile number starting with 1." in page
    assert "open" in page.split('data-testid="member-form"')[0].rsplit("<details", 1)[1]
    twice = client.post(
        f"/registry/households/{household.pk}/members/",
        {"name": "张三", "id_number": homes["people"]["zhang"].id_number},
    )
    assert twice.status_code == 400 and "already in the registry" in text(twice)
    assert Resident.objects.count() == before


def test_register_a_household_in_a_building(users, homes, tree, login):
    client = login(users["worker_a1"])
    b1 = homes["buildings"]["b1"]
    form = text(client.get("/registry/households/new/"))
    assert "1号楼" in form and "新兴" not in form
    no_room = client.post(
        "/registry/households/new/",
        {"community_code": tree["a1"].code, "building_id": b1.pk, "residence_type": "registered"},
    )
    assert no_room.status_code == 400
    assert "Give the room number within the building." in text(no_room)
    taken = client.post(
        "/registry/households/new/",
        {
            "community_code": tree["a1"].code,
            "building_id": b1.pk,
            "unit": "2",
            "room": "502",
            "residence_type": "registered",
        },
    )
    assert taken.status_code == 400 and "already registered in this room" in text(taken)
    count = Household.objects.count()
    made = client.post(
        "/registry/households/new/",
        {
            "community_code": tree["a1"].code,
            "building_id": b1.pk,
            "unit": "3",
            "room": "601",
            "residence_type": "floating",
        },
    )
    assert made.status_code == 302
    household = Household.objects.get(building=b1, unit="3", room="601")
    assert made["Location"] == f"/registry/households/{household.pk}/"
    assert household.grid_id == GRID and Household.objects.count() == count + 1
    other = client.post(
        "/registry/households/new/",
        {"community_code": tree["a2"].code, "address": "x", "residence_type": "registered"},
    )
    assert other.status_code == 400
    assert Household.objects.count() == count + 1


def test_buildings_list_and_register(users, homes, tree, login):
    client = login(users["worker_a1"])
    page = text(client.get("/registry/buildings/"))
    assert "1号楼" in page and "2号楼" in page and "仙城社区第1网格" in page
    twice = client.post(
        "/registry/buildings/", {"community_code": tree["a1"].code, "name": "1号楼", "units": 2}
    )
    assert twice.status_code == 400
    assert "already has a building of that name" in text(twice)
    too_many = client.post(
        "/registry/buildings/", {"community_code": tree["a1"].code, "name": "3号楼", "units": 120}
    )
    assert too_many.status_code == 400 and "1 to 99 units" in text(too_many)
    assert Building.objects.count() == 2
    made = client.post(
        "/registry/buildings/",
        {"community_code": tree["a1"].code, "name": "3号楼", "units": 4, "floors": 18},
    )
    assert made.status_code == 302
    assert Building.objects.get(name="3号楼").floors == 18
    refused = login(users["town_a"]).post(
        "/registry/buildings/", {"community_code": tree["a1"].code, "name": "4号楼", "units": 1}
    )
    assert refused.status_code == 403


# --- my grid -----------------------------------------------------------------------------------


def test_my_grid_walks_from_buildings_to_people(users, homes, login):
    client = login(users["grid_a1"])
    grid = text(client.get(f"/registry/my-grid/{GRID}/"))
    b1 = homes["buildings"]["b1"]
    assert "1号楼" in grid and "2号楼" not in grid
    assert f"?building={b1.pk}" in grid
    building = text(client.get(f"/registry/my-grid/{GRID}/", {"building": b1.pk}))
    zhang_home = homes["households"]["zhang"]
    assert f"/registry/my-grid/{GRID}/households/{zhang_home.pk}/" in building
    assert "Unit 1 · 101" in building
    assert (
        client.get(
            f"/registry/my-grid/{GRID}/", {"building": homes["buildings"]["b2"].pk}
        ).status_code
        == 404
    )
    people = text(client.get(f"/registry/my-grid/{GRID}/households/{zhang_home.pk}/"))
    assert "张三" in people and "137****5678" in people
    assert "tel:" not in people
    assert_masked(people, homes)
    wang_home = homes["households"]["wang"]
    assert client.get(f"/registry/my-grid/{GRID}/households/{wang_home.pk}/").status_code == 404


def test_my_grid_reveal_gives_a_call_link(users, homes, tree, login):
    zhang = homes["people"]["zhang"]
    home = homes["households"]["zhang"]
    url = f"/registry/my-grid/{GRID}/households/{home.pk}/"
    response = login(users["grid_a1"]).post(url, {"resident_id": zhang.pk})
    assert response.status_code == 200
    assert f'href="tel:{zhang.phone}"' in text(response)
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="pii.reveal", target_id=str(zhang.pk)).count() == 1
    outsider = login(users["grid_a1"]).post(url, {"resident_id": homes["people"]["li"].pk})
    assert outsider.status_code == 404  # not a member of this household
    head = make_user("bhead", Role.BUILDING_HEAD, tree["grid_a1"])
    assert login(head).post(url, {"resident_id": zhang.pk}).status_code == 403
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 1


# --- grid management ---------------------------------------------------------------------------


def test_coverage_and_the_households_outside_grids(users, homes, tree, login):
    page = text(login(users["head_a1"]).get("/registry/grids/"))
    assert "66%" in page and "2 of 3 households are in a grid." in page
    assert "仙城路2号" in page  # the one outside
    assert 'name="household_ids"' in page and 'name="building_ids"' in page
    town = text(login(users["town_a"]).get("/registry/grids/"))
    assert "新兴社区" in town and "仙城社区" in town  # the town chooses a community
    chosen = text(
        login(users["town_a"]).get("/registry/grids/", {"community_code": tree["a2"].code})
    )
    assert "0 of 1 households are in a grid." in chosen
    outsider = text(
        login(users["town_b"]).get(
            "/registry/grids/", {"community_code": tree["a1"].code, "grid": GRID}
        )
    )
    assert "仙城" not in outsider and "Choose a community from the list." in outsider


def test_put_in_a_grid_and_take_out(users, homes, tree, login):
    client = login(users["head_a1"])
    b2 = homes["buildings"]["b2"]
    base = {"community_code": tree["a1"].code}
    nothing = client.post(
        "/registry/grids/membership/", {**base, "op": "assign", "grid_code": GRID}
    )
    assert nothing.status_code == 400 and "Tick the buildings or households first." in text(nothing)
    no_grid = client.post(
        "/registry/grids/membership/", {**base, "op": "assign", "building_ids": [b2.pk]}
    )
    assert no_grid.status_code == 400 and "Choose the grid to put them in." in text(no_grid)
    foreign = client.post(
        "/registry/grids/membership/",
        {
            **base,
            "op": "assign",
            "grid_code": GRID,
            "household_ids": [homes["households"]["zhao"].pk],
        },
    )
    assert foreign.status_code == 400 and "not in this grid" in text(foreign)
    assert Household.objects.filter(grid__isnull=False).count() == 2
    done = client.post(
        "/registry/grids/membership/",
        {**base, "op": "assign", "grid_code": GRID, "building_ids": [b2.pk]},
    )
    assert done.status_code == 302
    assert Household.objects.get(pk=homes["households"]["wang"].pk).grid_id == GRID
    assert Resident.objects.get(pk=homes["people"]["wang"].pk).area_code == GRID
    assert "100%" in text(client.get(done["Location"]))
    released = client.post(
        "/registry/grids/membership/",
        {**base, "op": "release", "household_ids": [homes["households"]["li"].pk]},
    )
    assert released.status_code == 302
    follow = text(client.get(released["Location"]))
    assert "1 household is no longer in a grid." in follow
    assert Household.objects.get(pk=homes["households"]["li"].pk).grid_id is None


def test_assign_and_end_grid_staff(users, homes, tree, login):
    client = login(users["head_a1"])
    worker = make_user("newgrid", Role.GRID_WORKER, tree["grid_a1"], full_name="林网格")
    roleless = make_user("norole", None, None, full_name="无角色")
    base = {"community_code": tree["a1"].code, "grid": GRID}
    page = text(client.get("/registry/grids/", base))
    assert 'data-testid="staff-form"' in page
    no_role = client.post(
        "/registry/grids/staff/", {**base, "duty": "grid_worker", "user_id": roleless.pk}
    )
    assert no_role.status_code == 400
    assert "Ask the security administrator to assign one first." in text(no_role)
    needs_account = client.post(
        "/registry/grids/staff/",
        {**base, "duty": "grid_worker", "resident_id": homes["people"]["li"].pk},
    )
    assert needs_account.status_code == 400
    assert "A grid worker needs an account to log in with." in text(needs_account)
    head_without_building = client.post(
        "/registry/grids/staff/",
        {**base, "duty": "building_head", "resident_id": homes["people"]["zhang"].pk},
    )
    assert head_without_building.status_code == 400
    assert "Choose the building they look after." in text(head_without_building)
    assert not GridStaff.objects.exists()
    made = client.post(
        "/registry/grids/staff/", {**base, "duty": "grid_worker", "user_id": worker.pk}
    )
    assert made.status_code == 302
    assert GridStaff.objects.filter(user=worker, duty="grid_worker", ended_on=None).exists()
    made = client.post(
        "/registry/grids/staff/",
        {
            **base,
            "duty": "building_head",
            "resident_id": homes["people"]["zhang"].pk,
            "building_id": homes["buildings"]["b1"].pk,
        },
    )
    assert made.status_code == 302
    listed = text(client.get("/registry/grids/", base))
    assert "林网格" in listed and "张三" in listed and "1号楼" in listed
    staff = GridStaff.objects.get(user=worker)
    early = client.post(
        "/registry/grids/staff/end/", {**base, "staff_id": staff.pk, "ended_on": "2000-01-01"}
    )
    assert early.status_code == 400 and "before the duty began" in text(early)
    ended = client.post("/registry/grids/staff/end/", {**base, "staff_id": staff.pk})
    assert ended.status_code == 302
    staff.refresh_from_db()
    assert staff.ended_on == timezone.localdate()
    # The account keeps its role: roles are the security administrator's to take away.
    assert RoleAssignment.objects.filter(user=worker, role=Role.GRID_WORKER).exists()
    assert "林网格" not in text(client.get("/registry/grids/", base))
    other = login(users["town_b"]).post(
        "/registry/grids/staff/end/", {**base, "staff_id": staff.pk}
    )
    assert other.status_code == 404


def test_no_page_shows_a_full_number(users, homes, tree, login):
    for who in ("worker_a1", "head_a1", "grid_a1"):
        client = login(users[who])
        urls = [
            *pages(homes, tree).values(),
            "/registry/grids/",
            f"/registry/people/{homes['people']['zhang'].pk}/",
            f"/registry/people/{homes['people']['zhang'].pk}/edit/",
            f"/registry/households/{homes['households']['zhang'].pk}/",
            "/registry/people/?status=all",
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403), url
            assert_masked(text(response), homes)
            assert not re.search(r"tel:\d", text(response)), url
