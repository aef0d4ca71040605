"""Suggestions for a need: which resources qualify (category, the areas they serve, spare
capacity, dates, offered), how they rank (nearness on the area tree, weekly times, capacity,
how soon) and the reasons given in words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import NotFound
from linli.matching.models import Match, Resource
from linli.matching.queries import matcher
from tests.matching.fixtures_lists import english_fixture, need, provider  # noqa: F401 (fixtures)

MONDAY = dt.date(2030, 1, 7)
THURSDAY = dt.date(2030, 1, 10)


@pytest.fixture
def field(users, tree):
    """A need of A1's grid and resources around it (and some that must not be suggested)."""
    worker, town, county = users["worker_a1"], users["town_a"], users["county"]
    made = {
        "grid": provider(worker, tree["grid_a1"], name="网格助老员", times=["sat_am"]),
        "community": provider(worker, tree["a1"], name="社区助老队", times=["sat_am", "sat_pm"]),
        "town": provider(
            town, tree["town_a"], name="街道助老中心", times=[], serves=[tree["town_a"].code]
        ),
        "county": provider(
            county,
            tree["county"],
            name="区养老服务中心",
            capacity=1,
            times=["sat_am", "sat_pm"],
        ),
        "not_serving": provider(users["worker_a2"], tree["a2"], name="新兴助老队"),
        "other_kind": provider(worker, tree["a1"], name="法律顾问", categories=["legal"]),
        "full": provider(worker, tree["a1"], name="满员助餐点", capacity=2),
        "ended": provider(
            worker, tree["a1"], name="已结束", available_until=MONDAY - dt.timedelta(1)
        ),
        "later": provider(
            worker, tree["a1"], name="下月开始", available_from=MONDAY + dt.timedelta(60)
        ),
        "stopped": provider(worker, tree["a1"], name="已停止"),
    }
    Resource.objects.filter(pk=made["full"].pk).update(in_use=2)
    from linli.matching.actions import lists as actions

    actions.resource_deactivate(actor=worker, resource_id=made["stopped"].pk)
    wanted = need(
        worker,
        tree["grid_a1"],
        times=["sat_am", "sat_pm"],
        people=2,
        urgency="urgent",
        wanted_until=MONDAY + dt.timedelta(30),
    )
    return wanted, made


def test_only_resources_that_may_help_are_suggested(field):
    wanted, made = field
    found = [s.name for s in matcher.rank(wanted, today=MONDAY)]
    assert found == ["网格助老员", "社区助老队", "街道助老中心", "区养老服务中心"]


def test_the_ranking_and_its_reasons(field):
    wanted, made = field
    grid, community, town, county = matcher.rank(wanted, today=MONDAY)
    assert grid.score == 80 and grid.reasons_text == [
        "Offers care and company for older people",
        "In the same grid",
        "Free on Saturday morning",
        "Can still serve 5 people this week",
    ]
    assert community.score == 75
    assert community.reasons_text[1:3] == [
        "In the same community",
        "Free on Saturday morning and 1 more time",
    ]
    assert town.score == 48 and "Names no fixed times: ask when" in town.reasons_text
    assert town.reasons_text[1] == "In the same town or street"
    assert county.score == 45 and county.reasons_text[-1] == (
        "Can serve only 1 of the 2 people this week"
    )
    assert [r.good for r in county.reasons] == [True, True, True, False]
    assert grid.area_name == "仙城社区第1网格" and county.area_name == "西安区"
    assert grid.spare == 5 and grid.kind_label == "service provider"


def test_an_urgent_need_favours_who_can_start_soon(field):
    wanted, _made = field
    ranked = matcher.rank(wanted, today=THURSDAY)  # Saturday is the day after tomorrow
    assert ranked[0].score == 90 and ranked[0].reasons_text[-1] == (
        "Can start the day after tomorrow morning"
    )
    wanted.urgency = "low"
    assert matcher.rank(wanted, today=THURSDAY)[0].score == 80


def test_a_resource_matched_already_is_not_suggested_again(users, field):
    wanted, made = field
    Match.objects.create(
        need=wanted,
        resource=made["grid"],
        area_code=wanted.area_code,
        score=80,
        confirmed_by=users["worker_a1"],
    )
    assert "网格助老员" not in [s.name for s in matcher.rank(wanted, today=MONDAY)]


def test_suggestions_are_for_readers_of_the_need(users, field, django_assert_num_queries):
    wanted, _made = field
    today = [s.name for s in matcher.rank(wanted)]
    assert [s.name for s in matcher.suggestions(actor=users["town_a"], need_id=wanted.pk)] == today
    with pytest.raises(NotFound):
        matcher.suggestions(actor=users["worker_a2"], need_id=wanted.pk)
    with pytest.raises(NotFound):
        matcher.suggestions(actor=users["town_b"], need_id=wanted.pk)
    actor = users["grid_a1"]
    matcher.suggestions(actor=actor, need_id=wanted.pk)
    with django_assert_num_queries(3):  # the need, the candidates, their areas' names
        found = matcher.suggestions(actor=actor, need_id=wanted.pk, limit=2)
    assert [s.name for s in found] == ["网格助老员", "社区助老队"]
    wanted.status = "met"
    wanted.save()
    assert matcher.suggestions(actor=actor, need_id=wanted.pk) == []


def test_a_need_without_times_takes_any_time(users, tree):
    provider(users["worker_a1"], tree["a1"], times=["sun_eve"])
    wanted = need(users["worker_a1"], tree["a1"], times=[])
    (only,) = matcher.rank(wanted, today=MONDAY)
    assert only.score == 30 + 10 + 20 + 0  # near, any time, capacity; Sunday is not soon


def test_the_next_time_to_meet(users, tree):
    wanted = need(users["worker_a1"], tree["a1"], times=["sat_pm", "wed_eve"])
    friday = dt.date(2030, 1, 11)
    when = matcher.next_time(wanted, ["sat_pm"], today=friday)
    assert timezone.localtime(when).replace(tzinfo=None) == dt.datetime(2030, 1, 12, 14)
    when = matcher.next_time(wanted, [], today=friday)  # the need's own times
    assert timezone.localtime(when).date() == dt.date(2030, 1, 12)
    when = matcher.next_time(wanted, ["mon_am"], today=friday)  # none in common: the need's
    assert timezone.localtime(when).hour == 14
    wanted.wanted_from = dt.date(2030, 1, 14)
    when = matcher.next_time(wanted, ["wed_eve"], today=friday)
    assert timezone.localtime(when).replace(tzinfo=None) == dt.datetime(2030, 1, 16, 19)
    wanted.wanted_until = dt.date(2030, 1, 15)
    assert matcher.next_time(wanted, ["wed_eve"], today=friday) is None


def test_slot_labels_and_the_week_grid():
    assert matcher.slot_label("sat_am") == "Saturday morning"
    grid = matcher.week_grid(["tue_eve"])
    assert [d["day"] for d in grid][:2] == ["mon", "tue"]
    assert grid[1]["parts"][2] == {
        "code": "tue_eve",
        "label": "evening",
        "title": "Tuesday evening",
        "on": True,
    }
