"""Registrations and memberships at the same moment (PostgreSQL: row locks, concurrent
connections): every volunteer gets a number of their own, one person is registered once, and a
team ends with one leader."""

from __future__ import annotations

import pytest

from linli.core.errors import Conflict
from linli.volunteers.actions import people as actions
from linli.volunteers.models import Membership, Team, Volunteer
from tests.appeals.test_concurrency import (  # noqa: F401 (a fixture)
    _audit_unguarded,
    race,
    races,
    slow,
)

from .fixtures_people import *  # noqa: F403 (the fixtures)
from .fixtures_people import make_id, make_volunteer, staff_args

ATTEMPTS = 20


@races
def test_registrations_at_once_get_numbers_of_their_own(users, tree):
    def register(n: int):
        return lambda: actions.volunteer_register(
            actor=users["worker_a1"] if n % 2 else users["head_a1"],
            **staff_args(tree, name=f"志愿者{n}", id_number=make_id("19700101", 100 + n)),
        )

    results = race(*(register(n) for n in range(ATTEMPTS)), timeout=120)
    assert all(isinstance(r, Volunteer) for r in results), results
    numbers = sorted(r.number for r in results)
    assert numbers == [f"220403{n:06d}" for n in range(1, ATTEMPTS + 1)]


@races
def test_one_person_registered_twice_at_once_is_registered_once(users, tree, monkeypatch):
    from linli.volunteers.actions.people import _clean

    monkeypatch.setattr(_clean, "next_number", slow(_clean.next_number))
    args = staff_args(tree)
    results = race(
        lambda: actions.volunteer_register(actor=users["worker_a1"], **args),
        lambda: actions.volunteer_register(actor=users["head_a1"], **args),
    )
    won = [r for r in results if isinstance(r, Volunteer)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Conflict) and lost[0].code == "registered"
    assert Volunteer.objects.count() == 1


@races
def test_two_leaders_named_at_once_leave_one_leader(users, tree, monkeypatch):
    from linli.volunteers.actions.people import teams as team_actions

    team = actions.team_create(actor=users["worker_a1"], community_code=tree["a1"].code, name="队")
    first = make_volunteer(tree["a1"], name="甲")
    second = make_volunteer(tree["a1"], name="乙")
    monkeypatch.setattr(team_actions.audit, "record", slow(team_actions.audit.record))
    results = race(
        lambda: actions.team_member_add(
            actor=users["worker_a1"], team_id=team.pk, volunteer_id=first.pk, role="leader"
        ),
        lambda: actions.team_member_add(
            actor=users["head_a1"], team_id=team.pk, volunteer_id=second.pk, role="leader"
        ),
    )
    assert all(isinstance(r, Membership) for r in results), results
    leaders = Membership.objects.filter(team=team, role="leader", left_on__isnull=True)
    assert leaders.count() == 1
    assert Team.objects.get(pk=team.pk).leader_id == leaders.get().volunteer_id
    assert Membership.objects.filter(team=team, left_on__isnull=True).count() == 2


@pytest.mark.django_db
def test_the_sqlite_run_keeps_a_number_per_registration(users, tree):
    """On any database, numbers follow each other even after a gap in another county's."""
    old = make_volunteer(tree["a1"], name="旧")
    Volunteer.objects.filter(pk=old.pk).update(number="220402000007")  # another county's
    first = actions.volunteer_register(actor=users["worker_a1"], **staff_args(tree))
    assert first.number == "220403000001"
