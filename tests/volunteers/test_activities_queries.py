"""Reading activities: what a volunteer is offered (their community first, then their town,
then the county's public ones; never a private one of another community), an activity's shifts
with spots left counted in SQL, rosters and waiting lists in order, one's own sign-ups with
their places; each list at a constant number of queries, and nothing of A1 for its
neighbours."""

from __future__ import annotations

import pytest

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.volunteers.queries import activities as q

from .fixtures_activities import *  # noqa: F403 (the fixtures)
from .fixtures_activities import add_member, make_activity, one_shift, person, shift_of, sign_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_activities(users, tree, team_a1):
    """Published activities: A1's (public), A1's private one of team_a1, A2's, B1's, and an A1
    draft."""
    b1_worker = _worker(tree["b1"])
    a2_worker = users["worker_a2"]
    return {
        "a1": make_activity(users["worker_a1"], tree["a1"], title="A1公开", shifts=one_shift(40)),
        "a1_private": make_activity(
            users["worker_a1"],
            tree["a1"],
            title="A1内部",
            public=False,
            team_id=team_a1.pk,
            shifts=one_shift(45),
        ),
        "a2": make_activity(a2_worker, tree["a2"], title="A2公开", shifts=one_shift(30)),
        "b1": make_activity(b1_worker, tree["b1"], title="B1公开", shifts=one_shift(20)),
        "draft": make_activity(users["worker_a1"], tree["a1"], title="A1草稿", publish=False),
    }


def _worker(area):
    from linli.core.roles import Role

    from ..conftest import make_user

    return make_user(f"worker_{area.code}", Role.COMMUNITY_WORKER, area)


def test_a_volunteer_sees_their_community_then_town_then_county(
    users, volunteer_a1, county_activities
):
    titles = [a.title for a in q.public_list(actor=users["resident_a1"])]
    assert titles == ["A1公开", "A1内部", "A2公开", "B1公开"]


def test_a_neighbour_sees_the_public_ones_only(users, tree, county_activities):
    neighbour = person(tree["a2"])
    titles = [a.title for a in q.public_list(actor=neighbour.user)]
    assert titles == ["A2公开", "A1公开", "B1公开"]
    # a resident who is not a volunteer is offered the same
    assert [a.title for a in q.public_list(actor=users["resident_a2"])] == titles
    # staff with no home community are offered nothing here (they use the organiser's list)
    assert list(q.public_list(actor=users["worker_a2"])) == []


def test_a_team_member_sees_the_private_activity_of_their_team(
    users, tree, team_a1, county_activities
):
    member = person(tree["b1"])
    add_member(team_a1, member)
    titles = {a.title for a in q.public_list(actor=member.user)}
    assert "A1内部" in titles


def test_filters_of_the_public_list(users, tree, volunteer_a1, county_activities):
    children = make_activity(
        users["worker_a1"], tree["a1"], title="童伴", target_group="children", shifts=one_shift(70)
    )
    found = q.public_list(actor=users["resident_a1"], filters={"target_group": "children"})
    assert [a.pk for a in found] == [children.pk]
    day = shift_of(children).starts_at.date().isoformat()
    assert [a.pk for a in q.public_list(actor=users["resident_a1"], filters={"date": day})] == [
        children.pk
    ]
    with pytest.raises(ActionError) as refused:
        q.public_list(actor=users["resident_a1"], filters={"target_group": "x", "date": "soon"})
    assert set(refused.value.errors) == {"target_group", "date"}


def test_spots_left_and_places_are_counted(users, tree, volunteer_a1, a1_activity):
    shift = shift_of(a1_activity)
    people = [person(tree["a1"]) for _ in range(4)]
    for p in people:
        sign_up(p.user, shift)
    mine = sign_up(users["resident_a1"], shift)
    row = next(a for a in q.public_list(actor=users["resident_a1"]) if a.pk == a1_activity.pk)
    assert (row.spots_total, row.spots_left, row.mine) == (3, 0, True)
    view = q.activity_detail(actor=users["resident_a1"], activity_id=a1_activity.pk)
    (shown,) = view.shifts
    assert (shown.confirmed_n, shown.waitlisted_n, shown.spots_left) == (3, 2, 0)
    assert shown.mine.pk == mine.pk and shown.mine.place == 2
    upcoming = list(q.my_signups(actor=users["resident_a1"]))
    assert [(s.pk, s.place) for s in upcoming] == [(mine.pk, 2)]
    rosters = q.activity_roster(actor=users["worker_a1"], activity=a1_activity)
    assert [s.volunteer_id for s in rosters[0].confirmed] == [p.pk for p in people[:3]]
    assert [(s.volunteer_id, s.place) for s in rosters[0].waitlist] == [
        (people[3].pk, 1),
        (volunteer_a1.pk, 2),
    ]
    assert rosters[0].confirmed[0].phone_masked == ""


def test_the_leader_name_is_masked_outside_the_community(users, tree, county_activities):
    activity = county_activities["a1"]
    far = person(tree["b1"])
    assert q.activity_detail(actor=far.user, activity_id=activity.pk).leader_name == "社******"
    local = person(tree["a1"])
    assert (
        q.activity_detail(actor=local.user, activity_id=activity.pk).leader_name == "社区志愿服务站"
    )


def test_neighbours_see_nothing_private_of_a1(users, tree, reader_a1, county_activities):
    private, draft = county_activities["a1_private"], county_activities["draft"]
    for actor in (users["worker_a2"], users["town_b"], users["resident_a2"]):
        for activity in (private, draft):
            with pytest.raises(NotFound):
                q.activity_detail(actor=actor, activity_id=activity.pk)
        assert not {a.pk for a in q.activity_list(actor=actor)} & {private.pk, draft.pk}
        with pytest.raises(NotFound):
            q.activity_roster(actor=actor, activity=county_activities["a1"])
        with pytest.raises(NotFound):
            q.checkin_view(actor=actor, token=shift_of(private).token)
        with pytest.raises(NotFound):
            q.organiser_shift(actor=actor, shift_id=shift_of(private).pk)
    with pytest.raises(Forbidden):  # reads, but does not organise
        q.organiser_shift(actor=reader_a1, shift_id=shift_of(private).pk)
    town_a = {a.title for a in q.activity_list(actor=users["town_a"])}
    assert town_a == {"A1公开", "A1内部", "A2公开", "A1草稿"}


def test_the_organiser_list_filters(users, tree, team_a1, county_activities):
    worker = users["worker_a1"]
    assert {a.title for a in q.activity_list(actor=worker, filters={"status": "draft"})} == {
        "A1草稿"
    }
    assert [a.title for a in q.activity_list(actor=worker, filters={"team": team_a1.pk})] == [
        "A1内部"
    ]
    assert [a.title for a in q.activity_list(actor=worker, filters={"q": "公开"})] == ["A1公开"]
    with pytest.raises(ActionError) as refused:
        q.activity_list(
            actor=worker,
            filters={"status": "x", "date_from": "2026-05-02", "date_to": "2026-05-01"},
        )
    assert set(refused.value.errors) == {"status", "date_to"}


def _fill(users, tree, team_a1, n: int):
    for i in range(n):
        activity = make_activity(
            users["worker_a1"],
            tree["a1"],
            title=f"活动{i}",
            team_id=team_a1.pk,
            shifts=one_shift(30 + i * 5),
        )
        sign_up(users["resident_a1"], shift_of(activity))
        sign_up(person(tree["a1"]).user, shift_of(activity))
    return activity


@pytest.mark.parametrize("rows", [1, 4])
def test_each_read_costs_the_same_whatever_its_length(
    users, tree, volunteer_a1, team_a1, rows, django_assert_num_queries
):
    last = _fill(users, tree, team_a1, rows)
    resident, worker = users["resident_a1"], users["worker_a1"]
    shift = q.organiser_shift(actor=worker, shift_id=shift_of(last).pk)
    q.public_list(actor=resident).count()  # the grants are cached on each actor
    q.activity_list(actor=worker).count()
    with django_assert_num_queries(3):
        assert len(list(q.public_list(actor=resident))) == rows
    with django_assert_num_queries(1):
        assert len(list(q.activity_list(actor=worker))) == rows
    with django_assert_num_queries(2):
        assert len(list(q.my_signups(actor=resident))) == rows
    with django_assert_num_queries(3):
        assert len(list(q.led_activities(actor=resident))) == rows
    with django_assert_num_queries(2):
        assert len(q.activity_roster(actor=worker, activity=last)[0].confirmed) == 2
    with django_assert_num_queries(8):
        assert len(q.activity_detail(actor=resident, activity_id=last.pk).shifts) == 1
    with django_assert_num_queries(1):
        assert len(q.attendance_sheet(actor=worker, shift=shift)) == 2
