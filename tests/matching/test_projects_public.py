"""The public project pages, for residents and for visitors who are not signed in: only
published projects and published updates, progress as a bar and as a number, status in words,
nothing personal; a place chooser from the county down; the resident's home block; a fixed
number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.matching.actions import projects as actions

from .fixtures_projects import *  # noqa: F403 (the fixtures)
from .fixtures_projects import make_need, make_project

pytestmark = pytest.mark.django_db

PUBLIC = "/matching/projects/public/"


def _text(response) -> str:
    return response.content.decode()


def test_the_address_of_the_public_pages():
    assert reverse("matching:public_projects") == PUBLIC
    assert reverse("matching:public_project", kwargs={"pk": 7}) == PUBLIC + "7/"


def test_a_visitor_starts_at_the_county_and_chooses_a_community(
    client, tree, a1_project, town_project, b1_project, hidden_project
):
    first = client.get(PUBLIC, {"area": tree["county"].code})
    body = _text(first)
    assert first.status_code == 200
    for project in (a1_project, town_project, b1_project):
        assert project.name in body
    assert hidden_project.name not in body
    assert 'data-testid="place-children"' in body and "?area=220403001000" in body
    community = _text(client.get(PUBLIC, {"area": tree["a1"].code}))
    assert a1_project.name in community and town_project.name in community
    assert b1_project.name not in community
    assert "西安区" in community and "仙城街道" in community  # the way down from the county
    bad = client.get(PUBLIC, {"area": "12x"})
    assert bad.status_code == 400 and "Choose a place from the list." in _text(bad)


def test_an_anonymous_visitor_starts_at_the_first_county(client, tree, a1_project):
    # The first county of the table is 龙山区 (220402, where the fixtures' second security
    # admin sits): it has no projects, and the visitor is told so.
    body = _text(client.get(PUBLIC))
    assert "Projects for 龙山区" in body and 'data-testid="no-projects"' in body
    assert a1_project.name not in body


def test_each_card_has_progress_status_money_and_news(client, tree, a1_project):
    body = _text(client.get(PUBLIC, {"area": tree["a1"].code}))
    assert f'data-testid="progress-{a1_project.pk}"' in body
    assert "30% done" in body and '<progress max="100" value="30"' in body
    assert f'data-testid="status-{a1_project.pk}">Work under way<' in body
    assert "¥120,000.50" in body and "government budget" in body
    assert "仙城社区居委会" in body and "辖区60岁以上老人" in body and "about 350 people" in body
    assert "Steps: 1 of 3 done" in body and "选址和设计" in body
    assert "选址已完成。" in body
    assert "内部记录" not in body  # an update for staff only


def test_nothing_personal_is_shown(client, login, users, tree, a1_project, a1_need):
    actions.project_need_link(actor=users["head_a1"], project_id=a1_project.pk, need_id=a1_need.pk)
    pages = [
        client.get(PUBLIC, {"area": tree["a1"].code}),
        client.get(reverse("matching:public_project", args=[a1_project.pk])),
        login(users["resident_a1"]).get(PUBLIC),
        login(users["resident_a1"]).get(reverse("matching:public_project", args=[a1_project.pk])),
    ]
    for page in pages:
        body = _text(page)
        assert page.status_code == 200
        assert "head_a1" not in body and "town_a" not in body  # no staff
        assert a1_need.title not in body and "独居老人" not in body  # no text of a need
        assert "13900000001" not in body
    detail = _text(pages[1])
    assert "This project answers 1 need that residents told the community about." in detail
    assert "1 need: waiting for help" in detail


def test_the_detail_page_has_the_whole_published_timeline(
    client, users, a1_project, hidden_project
):
    actions.project_report(
        actor=users["head_a1"],
        project_id=a1_project.pk,
        progress=60,
        status="under_way",
        text="装修过半。",
    )
    body = _text(client.get(reverse("matching:public_project", args=[a1_project.pk])))
    assert body.index("装修过半。") < body.index("选址已完成。")  # newest first
    assert "60% done" in body and "内部记录" not in body
    assert (
        client.get(reverse("matching:public_project", args=[hidden_project.pk])).status_code == 404
    )
    assert client.get(reverse("matching:public_project", args=[99999])).status_code == 404


def test_a_resident_starts_at_their_own_community(login, users, tree, a1_project, b1_project):
    client = login(users["resident_a1"])
    body = _text(client.get(PUBLIC))
    assert a1_project.name in body and b1_project.name not in body
    elsewhere = _text(client.get(PUBLIC, {"area": tree["b1"].code}))
    assert b1_project.name in elsewhere and 'data-testid="my-community"' in elsewhere
    assert reverse("matching:public_projects") in _text(client.get("/"))  # the menu entry


def test_status_filter_and_cancelled_projects_with_their_reason(
    client, users, tree, a1_project, town_project
):
    actions.project_cancel(
        actor=users["head_a1"], project_id=a1_project.pk, reason="并入街道项目。"
    )
    body = _text(client.get(PUBLIC, {"area": tree["a1"].code, "status": "cancelled"}))
    assert a1_project.name in body and town_project.name not in body and "并入街道项目。" in body
    planned = _text(client.get(PUBLIC, {"area": tree["a1"].code, "status": "planned"}))
    assert town_project.name in planned and "Not started yet" in planned


def test_the_public_list_takes_a_fixed_number_of_queries(client, users, tree, a1_project):
    client.get(PUBLIC, {"area": tree["a1"].code})
    with CaptureQueriesContext(connection) as few:
        assert client.get(PUBLIC, {"area": tree["a1"].code}).status_code == 200
    for n in range(6):
        project = make_project(users["head_a1"], tree["a1"], name=f"项目{n}")
        actions.milestone_add(
            actor=users["head_a1"], project_id=project.pk, title="一步", weight=50
        )
        actions.project_report(
            actor=users["head_a1"],
            project_id=project.pk,
            progress=10,
            status="under_way",
            text="开工",
        )
        actions.project_publish(actor=users["head_a1"], project_id=project.pk)
    with CaptureQueriesContext(connection) as many:
        assert client.get(PUBLIC, {"area": tree["a1"].code}).status_code == 200
    assert len(many) == len(few)


def test_elderly_mode_shows_fewer_projects_a_page(client, users, tree):
    for n in range(5):
        project = make_project(users["head_a1"], tree["a1"], name=f"项目{n}")
        actions.project_publish(actor=users["head_a1"], project_id=project.pk)
    client.cookies["linli_elderly"] = "1"
    body = _text(client.get(PUBLIC, {"area": tree["a1"].code}))
    assert body.count("<article") == 4 and 'rel="next"' in body


def test_the_resident_home_shows_projects_near_them(login, users, a1_project, b1_project):
    body = _text(login(users["resident_a1"]).get("/"))
    assert 'data-testid="home-projects"' in body and a1_project.name in body
    assert b1_project.name not in body and "30% done" in body
    staff = _text(login(users["worker_a1"]).get("/"))
    assert 'data-testid="home-projects"' not in staff


def test_a_need_met_shows_as_met(client, users, tree, a1_project):
    need = make_need(tree["a1"], status="met")
    actions.project_need_link(actor=users["head_a1"], project_id=a1_project.pk, need_id=need.pk)
    body = _text(client.get(reverse("matching:public_project", args=[a1_project.pk])))
    assert "1 need: met" in body
