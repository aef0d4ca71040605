"""Confirming a match with one click — what it makes for a team, a venue or a provider, the
capacity rule, who may — and ending it; the races on a resource's last place (PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.matching.actions import lists as actions
from linli.matching.models import Match, Need, Resource
from linli.matching.queries import lists as queries
from linli.volunteers.models import Activity
from tests.appeals.test_concurrency import (  # noqa: F401 (a fixture)
    _audit_unguarded,
    race,
    races,
)
from tests.matching.fixtures_lists import (  # noqa: F401 (fixtures)
    care_need_a1_fixture,
    counts,
    elderly_a1_fixture,
    english_fixture,
    hall_a1_fixture,
    need,
    provider,
    team_a1_fixture,
    upcoming_fixture,
)


@pytest.fixture
def team(users, tree, team_a1):
    actions.resources_sync(actor=users["worker_a1"], area_code=tree["a1"].code)
    return Resource.objects.get(team=team_a1)


def test_one_click_matches_a_team_and_drafts_its_activity(users, tree, team, upcoming):
    wanted = need(users["worker_a1"], tree["grid_a1"], people=2, place="仙城路1号3栋")
    match = actions.match_confirm(
        actor=users["worker_a1"], need_id=wanted.pk, resource_id=team.pk, note="周六上门"
    )
    assert match.status == "active" and match.area_code == wanted.area_code
    assert match.score > 0 and match.reasons[0]["text"].startswith("Offers")
    assert {"code", "text"} == set(match.reasons[0]) and match.note == "周六上门"
    team.refresh_from_db()
    wanted.refresh_from_db()
    assert team.in_use == 2 and wanted.status == "matched"
    activity = match.activity
    assert activity.status == "draft" and activity.team_id == team.team_id
    assert activity.area_code == tree["a1"].code and activity.organiser == users["worker_a1"]
    assert activity.title == wanted.title and activity.target_group == "elderly"
    assert activity.leader_name == "王秀兰" and activity.place == "仙城路1号3栋"
    assert activity.skills == ["elderly_care"] and activity.beneficiaries == "独居老人"
    (shift,) = activity.shifts.all()
    starts = timezone.localtime(shift.starts_at)
    assert starts.date() == upcoming and starts.hour == 9 and shift.spots == 2
    assert shift.ends_at - shift.starts_at == dt.timedelta(hours=2)
    note = Notification.objects.get(user=users["resident_a1"])
    assert note.kind == "matching.team_matched" and "仙城助老服务队" in note.text
    event = AuditEvent.objects.get(action="match.confirm")
    assert event.extra["activity"] == activity.pk and event.extra["notified"] == 1


def test_the_capacity_rule(users, tree, team):
    first = need(users["worker_a1"], tree["a1"], people=2)
    actions.match_confirm(actor=users["worker_a1"], need_id=first.pk, resource_id=team.pk)
    second = need(users["worker_a1"], tree["a1"], people=2, title="助浴")
    before = counts()
    with pytest.raises(Conflict) as caught:
        actions.match_confirm(actor=users["worker_a1"], need_id=second.pk, resource_id=team.pk)
    assert caught.value.code == "no-capacity"
    assert str(caught.value.message) == "This resource can take only 1 more person this week."
    assert counts() == before and Need.objects.get(pk=second.pk).status == "open"
    with pytest.raises(Conflict):  # the same resource twice for one need
        actions.match_confirm(actor=users["worker_a1"], need_id=first.pk, resource_id=team.pk)


def test_a_venue_is_matched_without_a_booking(users, tree, hall_a1):
    actions.resources_sync(actor=users["head_a1"], area_code=tree["a1"].code)
    hall = Resource.objects.get(venue=hall_a1)
    wanted = need(users["worker_a1"], tree["a1"], category="space", people=30, times=["mon_pm"])
    match = actions.match_confirm(actor=users["worker_a1"], need_id=wanted.pk, resource_id=hall.pk)
    assert match.activity is None and match.booking is None
    assert Resource.objects.get(pk=hall.pk).in_use == 30 and not Activity.objects.exists()


def test_a_provider_is_matched_and_nothing_more(users, tree):
    found = provider(users["worker_a1"], tree["a1"])
    wanted = need(users["worker_a1"], tree["a1"], category="meals")
    match = actions.match_confirm(actor=users["head_a1"], need_id=wanted.pk, resource_id=found.pk)
    assert match.activity is None and not Notification.objects.exists()


def test_refused_actors_and_resources(users, tree, team):
    wanted = need(users["worker_a1"], tree["a1"])
    legal = provider(users["worker_a1"], tree["a1"], categories=["legal"])
    before = counts()
    with pytest.raises(NotFound):
        actions.match_confirm(actor=users["worker_a2"], need_id=wanted.pk, resource_id=team.pk)
    with pytest.raises(NotFound):
        actions.match_confirm(actor=users["resident_a1"], need_id=wanted.pk, resource_id=team.pk)
    with pytest.raises(Forbidden):
        actions.match_confirm(actor=users["dept"], need_id=wanted.pk, resource_id=team.pk)
    with pytest.raises(Conflict) as caught:  # not something the matcher would suggest
        actions.match_confirm(actor=users["worker_a1"], need_id=wanted.pk, resource_id=legal.pk)
    assert "resource_id" in caught.value.errors
    with pytest.raises(ActionError) as caught:
        actions.match_confirm(
            actor=users["worker_a1"], need_id=wanted.pk, resource_id=0, note="x" * 300
        )
    assert {"resource_id", "note"} <= set(caught.value.errors)
    assert counts() == before


def test_a_team_needs_a_time_within_the_need_s_dates(users, tree, team):
    today = timezone.localdate()
    wanted = need(users["worker_a1"], tree["a1"], times=["sat_am"], wanted_until=today)
    with pytest.raises(Conflict) as caught:
        actions.match_confirm(actor=users["worker_a1"], need_id=wanted.pk, resource_id=team.pk)
    assert "dates" in str(caught.value.message)


def test_a_team_of_another_community_drafts_its_activity_there(users, tree, team, upcoming):
    actions.resource_update(
        actor=users["worker_a1"], resource_id=team.pk, serves=[tree["a1"].code, tree["town_a"].code]
    )
    wanted = need(users["worker_a2"], tree["a2"], place="东风路2号")
    before = counts()
    with pytest.raises(Forbidden) as caught:  # the activity is A1's, whose volunteers it is not
        actions.match_confirm(actor=users["worker_a2"], need_id=wanted.pk, resource_id=team.pk)
    assert "resource_id" in caught.value.errors and "仙城助老服务队" in caught.value.message
    assert counts() == before and Need.objects.get(pk=wanted.pk).status == "open"
    match = actions.match_confirm(actor=users["town_a"], need_id=wanted.pk, resource_id=team.pk)
    activity = match.activity
    assert activity.area_code == tree["a1"].code and activity.team_id == team.team_id
    assert activity.place == "东风路2号" and activity.organiser == users["town_a"]
    assert activity.public is False and activity.status == "draft"
    assert timezone.localtime(activity.starts_at).date() == upcoming
    made = AuditEvent.objects.get(action="activity.create")
    assert made.target_id == str(activity.pk) and made.extra["team"] == team.team_id
    assert AuditEvent.objects.get(action="match.confirm").extra["activity"] == activity.pk


def test_when_the_volunteers_app_refuses_the_activity_nothing_is_written(users, tree, team):
    from linli.volunteers.models import Team

    Team.objects.filter(pk=team.team_id).update(active=False)  # stopped since the last sync
    wanted = need(users["worker_a1"], tree["a1"])
    before = counts()
    with pytest.raises(Conflict) as caught:
        actions.match_confirm(actor=users["worker_a1"], need_id=wanted.pk, resource_id=team.pk)
    assert caught.value.code == "activity-refused" and "resource_id" in caught.value.errors
    assert "active team" in str(caught.value.message)
    assert counts() == before and Resource.objects.get(pk=team.pk).in_use == 0
    assert Need.objects.get(pk=wanted.pk).status == "open"


def test_ending_frees_the_capacity(users, tree, team):
    wanted = need(users["worker_a1"], tree["a1"], people=2)
    match = actions.match_confirm(actor=users["worker_a1"], need_id=wanted.pk, resource_id=team.pk)
    with pytest.raises(ActionError) as caught:
        actions.match_end(actor=users["worker_a1"], match_id=match.pk, outcome="maybe")
    assert "outcome" in caught.value.errors
    with pytest.raises(NotFound):
        actions.match_end(actor=users["town_b"], match_id=match.pk, outcome="done")
    ended = actions.match_end(actor=users["worker_a1"], match_id=match.pk, outcome="cancelled")
    assert ended.status == "cancelled" and ended.ended_at is not None
    assert Resource.objects.get(pk=team.pk).in_use == 0
    assert Need.objects.get(pk=wanted.pk).status == "open"
    with pytest.raises(Conflict):
        actions.match_end(actor=users["worker_a1"], match_id=match.pk, outcome="done")
    again = actions.match_confirm(actor=users["head_a1"], need_id=wanted.pk, resource_id=team.pk)
    actions.match_end(actor=users["head_a1"], match_id=again.pk, outcome="done")
    assert Need.objects.get(pk=wanted.pk).status == "met"
    assert Resource.objects.get(pk=team.pk).in_use == 0


def test_meeting_a_need_ends_its_matches(users, tree, team):
    wanted = need(users["worker_a1"], tree["a1"], people=1)
    other = provider(users["worker_a1"], tree["a1"])
    actions.match_confirm(actor=users["worker_a1"], need_id=wanted.pk, resource_id=team.pk)
    actions.match_confirm(actor=users["worker_a1"], need_id=wanted.pk, resource_id=other.pk)
    met = actions.need_mark_met(actor=users["worker_a1"], need_id=wanted.pk)
    assert met.status == "met"
    assert set(Match.objects.values_list("status", flat=True)) == {"done"}
    assert set(Resource.objects.values_list("in_use", flat=True)) == {0}
    with pytest.raises(Conflict):
        actions.need_close(actor=users["worker_a1"], need_id=wanted.pk, reason="x")


def test_a_met_care_visit_need_is_met_on_the_roster_too(users, tree, care_need_a1):
    listed = actions.need_from_care_need(actor=users["worker_a1"], care_need_id=care_need_a1.pk)
    meals = provider(users["worker_a1"], tree["a1"])
    match = actions.match_confirm(actor=users["worker_a1"], need_id=listed.pk, resource_id=meals.pk)
    actions.match_end(actor=users["worker_a1"], match_id=match.pk, outcome="done")
    care_need_a1.refresh_from_db()
    assert care_need_a1.met_on == timezone.localdate()


def test_the_matches_list(users, tree, team, django_assert_num_queries):
    for index in range(3):
        wanted = need(users["worker_a1"], tree["a1"], title=f"需求{index}")
        actions.match_confirm(actor=users["worker_a1"], need_id=wanted.pk, resource_id=team.pk)
    assert queries.match_list(actor=users["worker_a2"]).count() == 0
    assert queries.match_list(actor=users["town_b"]).count() == 0
    actor = users["town_a"]
    queries.match_list(actor=actor).count()
    with django_assert_num_queries(1):
        rows = list(queries.match_list(actor=actor, filters={"status": "active", "kind": "team"}))
        assert [r.need.title for r in rows] == ["需求2", "需求1", "需求0"]
        assert all(r.resource.name and r.activity.title and r.area_name for r in rows)


# --- races (PostgreSQL) ------------------------------------------------------------------------


@races
def test_two_workers_on_the_last_place_one_gets_it(users, tree):
    place = provider(users["worker_a1"], tree["a1"], capacity=1)
    first = need(users["worker_a1"], tree["a1"], category="meals")
    second = need(users["head_a1"], tree["a1"], category="meals", title="送餐")
    results = race(
        lambda: actions.match_confirm(
            actor=users["worker_a1"], need_id=first.pk, resource_id=place.pk
        ),
        lambda: actions.match_confirm(
            actor=users["head_a1"], need_id=second.pk, resource_id=place.pk
        ),
    )
    won = [r for r in results if isinstance(r, Match)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Conflict) and lost[0].code == "no-capacity"
    assert Resource.objects.get(pk=place.pk).in_use == 1
    assert Match.objects.count() == 1
