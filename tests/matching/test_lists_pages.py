"""The needs, resources and matches pages: lists with filters, one need with its suggestions and
the one-click confirm (plain and htmx), the forms, the town's page of unmatched needs, and what
neighbours see (nothing of A1)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from linli.matching.actions import lists as actions
from linli.matching.models import Match, Need, Resource
from tests.matching.fixtures_lists import (  # noqa: F401 (fixtures)
    appeal_a1_fixture,
    care_need_a1_fixture,
    catalogue_fixture,
    elderly_a1_fixture,
    english_fixture,
    hall_a1_fixture,
    need,
    provider,
    team_a1_fixture,
)


@pytest.fixture(name="world")
def world_fixture(users, tree, team_a1, hall_a1):
    actions.resources_sync(actor=users["worker_a1"], area_code=tree["a1"].code)
    wanted = need(users["worker_a1"], tree["a1"], title="周末陪伴聊天", people=1)
    meals = provider(users["worker_a1"], tree["a1"], name="仙城长者食堂")
    return {"need": wanted, "team": Resource.objects.get(team=team_a1), "meals": meals}


def test_the_needs_list_and_its_filters(login, users, tree, world, django_assert_max_num_queries):
    client = login(users["worker_a1"])
    page = client.get(reverse("matching:needs"))
    assert page.status_code == 200 and "周末陪伴聊天" in page.content.decode()
    assert 'data-testid="need-new"' in page.content.decode()
    empty = client.get(reverse("matching:needs"), {"category": "legal"})
    assert "周末陪伴聊天" not in empty.content.decode()
    bad = client.get(reverse("matching:needs"), {"urgency": "whenever"})
    assert bad.status_code == 400 and "Choose one of the options." in bad.content.decode()
    partial = client.get(reverse("matching:needs"), {"q": "陪伴"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "周末陪伴聊天" in partial.content.decode()
    for index in range(5):
        need(users["worker_a1"], tree["a1"], title=f"需求{index}")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("matching:needs")).status_code == 200


def test_the_need_page_suggests_and_confirms_in_one_click(login, users, world):
    client = login(users["worker_a1"])
    url = reverse("matching:need", args=[world["need"].pk])
    page = client.get(url).content.decode()
    assert 'data-testid="suggestions"' in page and "仙城助老服务队" in page
    assert "Offers care and company for older people" in page and "In the same community" in page
    assert "仙城长者食堂" in page  # the provider offers elderly care too
    answer = client.post(
        reverse("matching:need_confirm", args=[world["need"].pk]),
        {"resource_id": world["team"].pk, "note": "先电话联系"},
    )
    assert answer.status_code == 302 and answer["Location"] == url
    match = Match.objects.get()
    assert match.resource == world["team"] and match.activity is not None
    page = client.get(url).content.decode()
    assert "A draft activity for the team is ready" in page
    assert 'data-testid="need-matches"' in page and "先电话联系" in page


def test_confirming_with_htmx_answers_the_matching_part(login, users, world):
    client = login(users["head_a1"])
    answer = client.post(
        reverse("matching:need_confirm", args=[world["need"].pk]),
        {"resource_id": world["meals"].pk},
        HTTP_HX_REQUEST="true",
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and 'id="need-matching"' in body
    assert "Matched with “仙城长者食堂”." in body
    refused = client.post(
        reverse("matching:need_confirm", args=[world["need"].pk]),
        {"resource_id": world["meals"].pk},
        HTTP_HX_REQUEST="true",
    )
    assert "This resource is matched to this need already." in refused.content.decode()
    assert Match.objects.count() == 1


def test_a_venue_match_offers_its_booking_page(login, users, tree, hall_a1):
    actions.resources_sync(actor=users["worker_a1"], area_code=tree["a1"].code)
    hall = Resource.objects.get(venue=hall_a1)
    wanted = need(users["worker_a1"], tree["a1"], category="space", people=20, times=["mon_pm"])
    client = login(users["worker_a1"])
    client.post(reverse("matching:need_confirm", args=[wanted.pk]), {"resource_id": hall.pk})
    page = client.get(reverse("matching:need", args=[wanted.pk])).content.decode()
    assert reverse("facilities:book_venue", args=[hall_a1.pk]) in page


def test_listing_a_need_with_the_form(login, users, tree):
    client = login(users["worker_a1"])
    form = client.get(reverse("matching:need_new"))
    assert form.status_code == 200 and 'data-testid="times-grid"' in form.content.decode()
    bad = client.post(reverse("matching:need_new"), {"area_code": tree["a1"].code, "title": ""})
    assert bad.status_code == 400 and not Need.objects.exists()
    sent = client.post(
        reverse("matching:need_new"),
        {
            "area_code": tree["a1"].code,
            "category": "meals",
            "title": "每周送餐两次",
            "who": "独居老人",
            "people": "1",
            "urgency": "normal",
            "times": ["mon_am", "thu_am"],
        },
    )
    listed = Need.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse(
        "matching:need", args=[listed.pk]
    )
    assert listed.times == ["mon_am", "thu_am"]
    edit = client.post(
        reverse("matching:need_edit", args=[listed.pk]),
        {"category": "meals", "title": "每周送餐三次", "who": "独居老人", "people": "1",
         "urgency": "urgent", "times": ["mon_am"]},
    )  # fmt: skip
    listed.refresh_from_db()
    assert edit.status_code == 302 and listed.title == "每周送餐三次" and listed.urgency == "urgent"
    closed = client.post(reverse("matching:need_close", args=[listed.pk]), {"reason": "已解决"})
    assert closed.status_code == 302 and Need.objects.get().status == "closed"


def test_listing_from_an_appeal_and_a_care_visit(login, users, appeal_a1, care_need_a1):
    client = login(users["worker_a1"])
    page = client.get(reverse("matching:need_new")).content.decode()
    assert appeal_a1.number in page and 'data-testid="from-care-form"' in page
    first = client.post(reverse("matching:need_from_appeal"), {"appeal_id": appeal_a1.pk})
    listed = Need.objects.get(appeal=appeal_a1)
    assert first["Location"] == reverse("matching:need_edit", args=[listed.pk])
    cared = client.post(reverse("matching:need_from_care_need"), {"care_need_id": care_need_a1.pk})
    assert cared.status_code == 302 and Need.objects.filter(care_need=care_need_a1).exists()
    # Listed already (a second click, a stale page): the need listed is shown, nothing added.
    again = client.post(reverse("matching:need_from_appeal"), {"appeal_id": appeal_a1.pk})
    assert again.status_code == 302 and Need.objects.count() == 2
    assert again["Location"] == reverse("matching:need", args=[listed.pk])


def test_the_bulk_listing_button(login, users, tree, care_need_a1):
    client = login(users["town_a"])
    answer = client.post(reverse("matching:needs_import"), {"area_code": tree["town_a"].code})
    assert answer.status_code == 302 and Need.objects.filter(care_need=care_need_a1).exists()
    assert (
        "Listed 0 from appeals and 1 from care visits."
        in client.get(reverse("matching:needs")).content.decode()
    )


def test_the_waiting_page_for_the_town(login, users, tree, world):
    need(users["worker_a2"], tree["a2"], title="新兴助浴")
    page = login(users["town_a"]).get(reverse("matching:needs_waiting"))
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="waiting-table"' in body
    assert "仙城社区" in body and "新兴社区" in body and "新兴助浴" in body
    other = login(users["town_b"]).get(
        reverse("matching:needs_waiting"), {"area": tree["town_a"].code}
    )
    assert other.status_code == 404


def test_resources_pages(login, users, tree, world):
    client = login(users["worker_a1"])
    listing = client.get(reverse("matching:resources")).content.decode()
    assert "仙城助老服务队" in listing and "多功能厅" in listing and "仙城长者食堂" in listing
    detail = client.get(reverse("matching:resource", args=[world["meals"].pk])).content.decode()
    assert "138****5678" in detail and "13812345678" not in detail
    sent = client.post(
        reverse("matching:resource_new"),
        {"kind": "donation", "area_code": tree["a1"].code, "name": "爱心米面",
         "categories": ["finance"], "capacity": "20", "serves_town": "on"},
    )  # fmt: skip
    donated = Resource.objects.get(name="爱心米面")
    assert sent.status_code == 302 and donated.serves == [tree["a1"].code, tree["town_a"].code]
    team_form = client.get(reverse("matching:resource_edit", args=[world["team"].pk]))
    assert 'name="capacity"' not in team_form.content.decode()
    client.post(
        reverse("matching:resource_edit", args=[world["team"].pk]),
        {"description": "周末上门", "serves_town": "on"},
    )
    assert Resource.objects.get(pk=world["team"].pk).description == "周末上门"
    stop = client.post(reverse("matching:resource_stop", args=[donated.pk]))
    assert stop.status_code == 302 and not Resource.objects.get(pk=donated.pk).active
    synced = client.post(reverse("matching:resources_sync"), {"area_code": tree["a1"].code})
    assert synced.status_code == 302


def test_matches_page_and_ending(login, users, world):
    client = login(users["worker_a1"])
    actions.match_confirm(
        actor=users["worker_a1"], need_id=world["need"].pk, resource_id=world["meals"].pk
    )
    match = Match.objects.get()
    page = client.get(reverse("matching:matches")).content.decode()
    assert "周末陪伴聊天" in page and "仙城长者食堂" in page
    ended = client.post(reverse("matching:match_end", args=[match.pk]), {"outcome": "done"})
    assert ended.status_code == 302 and Need.objects.get().status == "met"


@pytest.mark.parametrize("who", ["worker_a2", "town_b", "resident_a1", "resident_a2"])
def test_neighbours_and_residents_see_nothing_of_a1(login, users, world, who):
    client = login(users[who])
    pages = [
        reverse("matching:need", args=[world["need"].pk]),
        reverse("matching:resource", args=[world["meals"].pk]),
        reverse("matching:resource", args=[world["team"].pk]),
        reverse("matching:need_edit", args=[world["need"].pk]),
    ]
    for url in pages:
        assert client.get(url).status_code in (403, 404), url
    for url in (
        reverse("matching:needs"),
        reverse("matching:resources"),
        reverse("matching:matches"),
    ):
        answer = client.get(url)
        body = answer.content.decode()
        assert answer.status_code in (200, 403)
        assert "周末陪伴聊天" not in body and "仙城长者食堂" not in body and "仙城社区" not in body
    refused = client.post(
        reverse("matching:need_confirm", args=[world["need"].pk]),
        {"resource_id": world["meals"].pk},
    )
    assert refused.status_code in (403, 404) and not Match.objects.exists()


def test_signed_out_visitors_are_sent_to_log_in(client, world):
    answer = client.get(reverse("matching:needs"))
    assert answer.status_code == 302 and "login" in answer["Location"]
