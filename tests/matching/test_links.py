"""The lists reached from other apps' pages: an appeal and a need found on a care visit put on
the residents' needs list in one click by those who manage the list there (and a link to the
need once listed), and the volunteers overview linking to the activities, the projects and the
lists."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.appeals import actions as appeal_actions
from linli.matching.models import Need
from tests.matching.fixtures_lists import (  # noqa: F401 (fixtures)
    appeal_a1_fixture,
    care_need_a1_fixture,
    catalogue_fixture,
    elderly_a1_fixture,
    english_fixture,
    make_appeal,
    make_care_need,
    make_resident,
)

ADD_APPEAL = 'data-testid="add-to-needs"'
FROM_APPEAL = reverse("matching:need_from_appeal")
FROM_CARE = reverse("matching:need_from_care_need")


def text(response) -> str:
    return response.content.decode()


def _appeal_page(client, appeal):
    page = client.get(reverse("appeals:detail", args=[appeal.pk]))
    assert page.status_code == 200
    return text(page)


# --- an appeal --------------------------------------------------------------------------------


def test_the_appeal_page_lists_the_appeal_as_a_need_in_one_click(login, users, appeal_a1):
    client = login(users["worker_a1"])
    page = _appeal_page(client, appeal_a1)
    assert ADD_APPEAL in page and f'action="{FROM_APPEAL}"' in page
    assert f'name="appeal_id" value="{appeal_a1.pk}"' in page

    answer = client.post(FROM_APPEAL, {"appeal_id": appeal_a1.pk})

    need = Need.objects.get(appeal=appeal_a1)
    assert need.source == Need.Source.APPEAL and need.created_by == users["worker_a1"]
    assert answer.status_code == 302
    assert answer["Location"] == reverse("matching:need_edit", args=[need.pk])
    # Back on the appeal: a link to the need instead of the button.
    page = _appeal_page(client, appeal_a1)
    assert ADD_APPEAL not in page
    assert f'href="{reverse("matching:need", args=[need.pk])}"' in page


def test_readers_of_the_list_see_the_link_but_no_button(login, users, tree, catalogue):
    appeal = make_appeal(users["resident_a1"], tree["grid_a1"], catalogue["elderly"])
    grid = login(users["grid_a1"])  # match.view, not match.manage
    page = _appeal_page(grid, appeal)
    assert ADD_APPEAL not in page and 'data-testid="needs-list"' not in page
    assert grid.post(FROM_APPEAL, {"appeal_id": appeal.pk}).status_code == 403
    assert not Need.objects.exists()

    login(users["worker_a1"]).post(FROM_APPEAL, {"appeal_id": appeal.pk})
    need = Need.objects.get()
    page = _appeal_page(login(users["grid_a1"]), appeal)
    assert ADD_APPEAL not in page and reverse("matching:need", args=[need.pk]) in page


def test_no_button_for_an_appeal_that_is_not_open(login, users, appeal_a1):
    appeal_actions.appeal_reject(actor=users["town_a"], appeal_id=appeal_a1.pk, reason="重复诉求")
    page = _appeal_page(login(users["worker_a1"]), appeal_a1)
    assert ADD_APPEAL not in page and 'data-testid="needs-list"' not in page


def test_the_appeal_page_adds_one_query_at_most(login, users, appeal_a1):
    client = login(users["worker_a1"])
    _appeal_page(client, appeal_a1)  # warm
    with CaptureQueriesContext(connection) as before:
        _appeal_page(client, appeal_a1)
    client.post(FROM_APPEAL, {"appeal_id": appeal_a1.pk})
    with CaptureQueriesContext(connection) as after:
        _appeal_page(client, appeal_a1)
    assert len(after) <= len(before)
    matching = [q for q in after.captured_queries if '"matching_need"' in q["sql"]]
    assert len(matching) == 1


# --- needs found on care visits ---------------------------------------------------------------


def _needs_page(client) -> str:
    page = client.get(reverse("care:needs"))
    assert page.status_code == 200
    return text(page)


def test_each_care_need_is_listed_in_one_click(login, users, care_need_a1):
    client = login(users["worker_a1"])
    page = _needs_page(client)
    button = f'data-testid="add-to-needs-{care_need_a1.pk}"'
    assert button in page and f'action="{FROM_CARE}"' in page
    assert f'name="care_need_id" value="{care_need_a1.pk}"' in page

    answer = client.post(FROM_CARE, {"care_need_id": care_need_a1.pk})

    need = Need.objects.get(care_need=care_need_a1)
    assert need.source == Need.Source.CARE_VISIT
    assert answer.status_code == 302
    assert answer["Location"] == reverse("matching:need_edit", args=[need.pk])
    page = _needs_page(client)
    assert button not in page
    assert f'href="{reverse("matching:need", args=[need.pk])}"' in page


def test_care_needs_without_the_button_for_readers_and_for_needs_met(
    login, users, tree, elderly_a1
):
    found = make_care_need(elderly_a1)
    met = make_care_need(make_resident(tree["a1"], "周秀英"), kind="health")
    met.met_on = met.created_at.date()
    met.save(update_fields=["met_on"])
    grid = _needs_page(login(users["grid_a1"]))  # care.view and match.view only
    assert f"add-to-needs-{found.pk}" not in grid
    worker = login(users["worker_a1"]).get(reverse("care:needs"), {"show": "all"})
    assert f"add-to-needs-{found.pk}" in text(worker)
    assert f"add-to-needs-{met.pk}" not in text(worker)


def test_the_care_needs_page_queries_do_not_grow_with_its_rows(login, users, tree, elderly_a1):
    client = login(users["worker_a1"])
    first = make_care_need(elderly_a1)
    client.post(FROM_CARE, {"care_need_id": first.pk})
    _needs_page(client)  # warm
    with CaptureQueriesContext(connection) as one:
        page = _needs_page(client)
    assert len(re.findall(r'data-testid="need-\d+"', page)) == 1
    for name in ("周秀英", "孙桂兰", "钱玉珍"):
        extra = make_care_need(make_resident(tree["a1"], name), kind="meals")
        client.post(FROM_CARE, {"care_need_id": extra.pk})
    make_care_need(make_resident(tree["a1"], "吴淑芬"), kind="housing")  # not listed
    with CaptureQueriesContext(connection) as five:
        page = _needs_page(client)
    assert len(re.findall(r'data-testid="need-\d+"', page)) == 5
    assert len(re.findall(r'data-testid="listed-need-\d+"', page)) == 4
    assert len(re.findall(r'data-testid="add-to-needs-\d+"', page)) == 1
    assert len(five) == len(one)


# --- the volunteers overview ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "adds_projects"), [("worker_a1", False), ("head_a1", True), ("town_a", True)]
)
def test_the_volunteers_overview_links_to_the_work_and_the_lists(login, users, who, adds_projects):
    page = text(login(users[who]).get(reverse("volunteers:home")))
    for name in (
        "volunteers:activity_list",
        "volunteers:projects",
        "volunteers:project_library",
        "matching:needs",
        "matching:resources",
        "matching:projects",
    ):
        assert f'href="{reverse(name)}"' in page, name
    assert (f'href="{reverse("matching:project_new")}"' in page) is adds_projects
