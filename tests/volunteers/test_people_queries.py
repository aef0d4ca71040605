"""Reading volunteers, teams and organisations: scoping (neighbours see none of a1's rows),
filters, counts done in SQL, the overview's figures, and query counts that do not grow with the
number of rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core import scoping
from linli.core.errors import ActionError, NotFound
from linli.volunteers.models import Membership, Team, Volunteer
from linli.volunteers.queries import people as q

from .fixtures_people import *  # noqa: F403 (the fixtures)
from .fixtures_people import make_volunteer

pytestmark = pytest.mark.django_db


def _names(rows) -> set[str]:
    return {row.name for row in rows}


def _team(area, name, **extra) -> Team:
    return Team.objects.create(area=area, area_code=area.code, name=name, **extra)


def _member(team, volunteer, role="member", **extra) -> Membership:
    return Membership.objects.create(
        team=team, volunteer=volunteer, area_code=team.area_code, role=role, **extra
    )


@pytest.fixture
def crowd(tree, volunteer_a1):
    """Volunteers of a1, a2 and b1 with stars, statuses, skills and a last year's one."""
    a1, a2, b1 = tree["a1"], tree["a2"], tree["b1"]
    last_year = timezone.now() - dt.timedelta(days=400)
    return {
        "a1_star3": make_volunteer(
            a1,
            name="张三",
            star=3,
            hours_total=Decimal("650"),
            skills=["repair"],
            party_member=True,
        ),
        "a1_paused": make_volunteer(a1, name="李四", status="paused", star=1),
        "a1_left": make_volunteer(a1, name="王五", status="left", created_at=last_year),
        "a2_one": make_volunteer(a2, name="赵六", star=1, skills=["repair"]),
        "b1_one": make_volunteer(b1, name="钱七", party_member=True),
    }


def test_each_reader_sees_the_volunteers_of_their_areas(users, crowd):
    assert _names(q.volunteer_list(actor=users["worker_a1"])) == {"王秀兰", "张三", "李四"}
    assert _names(q.volunteer_list(actor=users["worker_a2"])) == {"赵六"}
    assert _names(q.volunteer_list(actor=users["town_b"])) == {"钱七"}
    assert _names(q.volunteer_list(actor=users["town_a"])) == {"王秀兰", "张三", "李四", "赵六"}
    assert len(q.volunteer_list(actor=users["county"])) == 5
    for who in ("resident_a1", "dept", "auditor", "grid_a1"):
        assert not q.volunteer_list(actor=users[who]).exists()
    with pytest.raises(NotFound):
        q.volunteer_get(actor=users["worker_a2"], volunteer_id=crowd["a1_star3"].pk)
    assert q.volunteer_get(actor=users["town_a"], volunteer_id=crowd["a1_star3"].pk).name == "张三"


def test_filters(users, crowd, volunteer_a1):
    actor = users["county"]

    def found(**filters) -> set[str]:
        return _names(q.volunteer_list(actor=actor, filters=q.VolunteerFilters(**filters)))

    assert found(q="张") == {"张三"}
    assert found(q=crowd["a2_one"].number) == {"赵六"}
    assert found(q=crowd["a2_one"].number[-4:]) == {"赵六"}
    assert found(skill="repair") == {"张三", "赵六"}
    assert found(star="1") == {"李四", "赵六"}
    assert found(party="yes") == {"张三", "钱七"}
    assert found(status="left") == {"王五"}
    assert found(status="all", area="220403001001") == {"王秀兰", "张三", "李四", "王五"}
    assert found(area="220403002") == {"钱七"}
    team = _team(volunteer_a1.area, "队")
    _member(team, crowd["a1_star3"])
    _member(team, crowd["a1_paused"], left_on=timezone.localdate())
    assert found(team=str(team.pk)) == {"张三"}
    with pytest.raises(ActionError) as caught:
        q.volunteer_list(
            actor=actor,
            filters=q.VolunteerFilters(skill="x", star="6", party="maybe", status="gone", area="1"),
        )
    assert set(caught.value.errors) == {"skill", "star", "party", "status", "area"}


def test_the_list_is_one_query_a_page_whatever_its_size(
    users, tree, crowd, django_assert_num_queries
):
    actor = users["county"]
    scoping.grants(actor)  # the actor's roles, read once a request
    with django_assert_num_queries(1):
        small = [v.area.name + str(v.organisation) for v in q.volunteer_list(actor=actor)[:25]]
    for n in range(10):
        make_volunteer(tree["a2"], name=f"新{n}")
    with django_assert_num_queries(1):
        large = [v.area.name + str(v.organisation) for v in q.volunteer_list(actor=actor)[:25]]
    assert len(small) == 5 and len(large) == 15


def test_one_volunteer_with_teams_and_records(users, tree, volunteer_a1, team_a1):
    found = q.volunteer_get(actor=users["worker_a1"], volunteer_id=volunteer_a1.pk)
    assert [m.team.name for m in q.volunteer_teams(found)] == [team_a1.name]
    assert q.volunteer_records(found) == []
    assert q.with_masks([found])[0].phone_masked == "139****0001"
    with pytest.raises(NotFound):
        q.volunteer_get(actor=users["worker_a1"], volunteer_id="x")


def test_my_profile_in_three_queries(users, tree, volunteer_a1, team_a1, django_assert_num_queries):
    _team(tree["a1"], "仙城维修队")
    _team(tree["a2"], "新兴队")  # not in the areas served
    _team(tree["a1"], "旧队", active=False)
    with django_assert_num_queries(3):
        profile = q.my_profile(actor=users["resident_a1"])
    assert [m.team_id for m in profile.memberships] == [team_a1.pk]
    assert [t.name for t in profile.joinable] == ["仙城维修队"]
    assert (profile.next_level, profile.hours_to_next, profile.progress) == (1, Decimal(100), 0)
    assert q.my_profile(actor=users["resident_a2"]) is None


def test_progress_to_the_next_star(tree):
    volunteer = make_volunteer(tree["a1"], hours_total=Decimal("450"), star=2)
    profile = q.MyProfile(
        volunteer=volunteer,
        memberships=[],
        joinable=[],
        next_level=3,
        hours_to_next=None,
        progress=0,
    )
    assert list(profile.star_range) == [0, 1] and len(profile.empty_stars) == 3
    from linli.volunteers.queries.people.volunteers import _progress

    assert _progress(Decimal("450"), 2) == 50 and _progress(Decimal("1600"), 5) == 100


def test_teams_are_counted_in_sql_and_scoped(
    users, tree, crowd, volunteer_a1, team_a1, django_assert_num_queries
):
    _member(team_a1, crowd["a1_star3"])
    _member(team_a1, crowd["a1_paused"], left_on=timezone.localdate())
    other = _team(tree["a2"], "新兴队", party_led=True)
    _member(other, crowd["a2_one"])
    actor = users["town_a"]
    scoping.grants(actor)
    with django_assert_num_queries(1):
        rows = {
            t.name: (t.members, t.area.name, getattr(t.leader, "name", ""))
            for t in q.team_list(actor=actor)
        }
    assert rows == {team_a1.name: (2, "仙城社区", "王秀兰"), "新兴队": (1, "新兴社区", "")}
    assert _names(q.team_list(actor=users["worker_a2"])) == {"新兴队"}
    assert not q.team_list(actor=users["town_b"]).exists()
    led = q.team_list(actor=actor, filters=q.TeamFilters(party_led="no"))
    assert not led.exists()  # both are party-led
    assert _names(q.team_list(actor=actor, filters=q.TeamFilters(skill="elderly_care"))) == {
        team_a1.name
    }
    with pytest.raises(NotFound):
        q.team_get(actor=users["worker_a2"], team_id=team_a1.pk)
    members = q.team_members(q.team_get(actor=actor, team_id=team_a1.pk))
    assert [m.volunteer.name for m in members] == ["王秀兰", "张三"]  # the leader first
    candidates = q.team_member_candidates(actor=users["worker_a1"], team=team_a1, q="李")
    assert [v.name for v in candidates] == ["李四"]


def test_organisations_are_counted_and_scoped(
    users, tree, org_a1, org_a2, association_a, volunteer_a1, team_a1, django_assert_num_queries
):
    actor = users["town_a"]
    scoping.grants(actor)
    with django_assert_num_queries(1):
        rows = {o.name: (o.team_count, o.volunteer_count) for o in q.organisation_list(actor=actor)}
    assert rows == {org_a1.name: (1, 1), org_a2.name: (0, 0), association_a.name: (0, 0)}
    assert _names(q.organisation_list(actor=users["worker_a1"])) == {org_a1.name}
    assert not q.organisation_list(actor=users["town_b"]).exists()
    kinds = q.organisation_list(actor=actor, filters=q.OrganisationFilters(kind="association"))
    assert _names(kinds) == {association_a.name}
    with pytest.raises(NotFound):
        q.organisation_get(actor=users["worker_a2"], organisation_id=org_a1.pk)


def test_the_overview_counts_in_sql(
    users, tree, crowd, volunteer_a1, team_a1, django_assert_max_num_queries
):
    _team(tree["a2"], "新兴队")
    actor = users["county"]
    scoping.grants(actor)
    with django_assert_max_num_queries(4):
        county = q.overview(actor=actor)
    assert county.area.code == tree["county"].code
    towns = {row.name: row for row in county.rows}
    assert towns["仙城街道"].current == 4 and towns["仙城街道"].left == 1
    assert towns["东山街道"].current == 1 and towns["东山街道"].party == 1
    assert county.total.current == 5 and county.total.this_year == 5  # 王五 joined last year
    assert county.total.by_star == [2, 2, 0, 1, 0, 0]
    assert county.total.teams == 2 and county.total.party_led == 1
    assert county.total.party_led_share == 50

    town = q.overview(actor=users["town_a"])
    assert [(r.name, r.current, r.paused, r.teams) for r in town.rows] == [
        ("仙城社区", 3, 1, 1),
        ("新兴社区", 1, 0, 1),
    ]
    mine = q.overview(actor=users["worker_a1"])
    assert mine.child_level is None and mine.total.current == 3
    with pytest.raises(NotFound):
        q.overview(actor=users["worker_a2"], area_code=tree["a1"].code)
    with pytest.raises(NotFound):
        q.overview(actor=users["town_b"], area_code=tree["town_a"].code)


def test_the_home_block_is_one_query(users, volunteer_a1, django_assert_num_queries):
    with django_assert_num_queries(1):
        block = q.home_block(actor=users["resident_a1"])
    assert block["number"] == volunteer_a1.number and block["star"] == 0
    with django_assert_num_queries(1):
        assert q.home_block(actor=users["resident_a2"]) is None


def test_the_home_community(users, tree):
    assert q.home_community(users["resident_a1"]) == tree["a1"]
    assert q.home_community(users["town_a"]) is None
    users["town_a"].home_area = tree["grid_a1"]
    assert q.home_community(users["town_a"]) == tree["a1"]
    assert Volunteer.objects.count() == 0
