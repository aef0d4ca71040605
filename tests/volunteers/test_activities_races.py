"""Sign-ups under concurrency: fifty volunteers on a shift of one spot — exactly one confirmed,
forty-nine waiting with distinct places; one volunteer signing up from ten phones at once —
one live sign-up; the database's unique constraint refuses a second live sign-up whoever
writes it, and the action turns that refusal into a clear 409.

The races run on PostgreSQL only (row locks, concurrent connections); the constraint is
checked on both databases."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction

from linli.core.errors import Conflict
from linli.core.roles import Role
from linli.volunteers.actions.activities import signups as signup_actions
from linli.volunteers.models import Signup
from tests.appeals.test_concurrency import (  # noqa: F401 (a fixture)
    _audit_unguarded,
    postgres_only,
    race,
    races,
    slow,
)

from ..conftest import make_user
from .conftest import make_volunteer
from .fixtures_activities import *  # noqa: F403 (the fixtures)
from .fixtures_activities import make_activity, one_shift, shift_of, sign_up

ATTEMPTS = 50
PHONES = 10
ALREADY = "You are signed up for this shift already."


def _volunteers(area, count: int):
    return [
        make_volunteer(area, user=make_user(f"racer{n:02d}", Role.RESIDENT, area))
        for n in range(count)
    ]


@races
def test_fifty_volunteers_on_one_spot_one_is_confirmed(users, tree):
    activity = make_activity(users["worker_a1"], tree["a1"], shifts=one_shift(30, spots=1))
    shift = shift_of(activity)
    people = _volunteers(tree["a1"], ATTEMPTS)

    def attempt(volunteer):
        return lambda: sign_up(volunteer.user, shift)

    results = race(*(attempt(v) for v in people), timeout=120)
    assert not [r for r in results if isinstance(r, Exception)], results
    confirmed = [r for r in results if r.status == "confirmed"]
    waiting = [r for r in results if r.status == "waitlisted"]
    assert len(confirmed) == 1 and len(waiting) == ATTEMPTS - 1
    assert sorted(r.place for r in waiting) == list(range(1, ATTEMPTS))
    rows = Signup.objects.filter(shift=shift)
    assert rows.filter(status="confirmed").count() == 1
    assert rows.filter(status="waitlisted").count() == ATTEMPTS - 1
    # the places told are the order of the waiting list
    in_order = list(rows.filter(status="waitlisted").order_by("created_at", "pk"))
    told = {r.pk: r.place for r in waiting}
    assert [told[s.pk] for s in in_order] == list(range(1, ATTEMPTS))


@races
def test_one_volunteer_from_ten_phones_at_once_signs_up_once(users, tree, monkeypatch):
    activity = make_activity(users["worker_a1"], tree["a1"], shifts=one_shift(30, spots=5))
    shift = shift_of(activity)
    (volunteer,) = _volunteers(tree["a1"], 1)
    monkeypatch.setattr(signup_actions.audit, "record", slow(signup_actions.audit.record, 0.1))

    def attempt():
        return sign_up(volunteer.user, shift, client_key=uuid.uuid4())

    results = race(*(attempt for _ in range(PHONES)), timeout=60)
    made = [r for r in results if isinstance(r, Signup)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(made) == 1, results
    assert all(isinstance(r, Conflict) and r.code == "already" for r in refused), refused
    assert {str(r.message) for r in refused} == {ALREADY}
    assert Signup.objects.filter(shift=shift, status__in=Signup.LIVE).count() == 1


@races
def test_the_same_form_sent_twice_at_once_signs_up_once(users, tree, monkeypatch):
    activity = make_activity(users["worker_a1"], tree["a1"], shifts=one_shift(30, spots=5))
    shift = shift_of(activity)
    (volunteer,) = _volunteers(tree["a1"], 1)
    monkeypatch.setattr(signup_actions.audit, "record", slow(signup_actions.audit.record))
    key = uuid.uuid4()

    def send():
        return sign_up(volunteer.user, shift, client_key=key)

    results = race(send, send)
    assert all(isinstance(r, Signup) for r in results), results
    assert results[0].pk == results[1].pk
    assert sorted(r.written_now for r in results) == [False, True]
    assert Signup.objects.filter(shift=shift).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_live_sign_up(users, tree, volunteer_a1, a1_activity):
    shift = shift_of(a1_activity)
    sign_up(users["resident_a1"], shift)

    def raw(status: str) -> Signup:
        return Signup.objects.create(
            shift=shift, volunteer=volunteer_a1, area_code=shift.area_code, status=status
        )

    for status in ("confirmed", "waitlisted", "attended", "no_show"):
        with (
            pytest.raises(IntegrityError, match="vol_signup_one_live|UNIQUE"),
            transaction.atomic(),
        ):
            raw(status)
    raw("cancelled")  # cancelled sign-ups hold nothing
    assert Signup.objects.filter(shift=shift).count() == 2


@pytest.mark.django_db
def test_the_constraints_refusal_becomes_a_clear_conflict(
    users, tree, volunteer_a1, a1_activity, monkeypatch, counts
):
    """Were the action's own check ever to miss a live sign-up, the constraint still refuses
    and the volunteer reads the clear message."""
    shift = shift_of(a1_activity)
    sign_up(users["resident_a1"], shift)
    real = signup_actions.c.signups_of

    def blind(shift, *statuses):  # the look-up of a live sign-up sees nothing
        return real(shift, *statuses).none()

    monkeypatch.setattr(signup_actions.c, "signups_of", blind)
    before = counts()
    with pytest.raises(Conflict) as refused:
        sign_up(users["resident_a1"], shift)
    assert refused.value.code == "already" and str(refused.value.message) == ALREADY
    monkeypatch.undo()
    assert counts() == before
