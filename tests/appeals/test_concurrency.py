"""What the database guarantees when several people (or workers) act at once: one live turn per
appeal, one acceptance per turn, one supervision per level and deadline.

The races run on PostgreSQL only (row locks and concurrent connections); the constraints they
rest on are checked on both databases."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from linli.appeals import actions
from linli.appeals.actions import _common
from linli.appeals.models import Appeal, Dispatch, Rating, Supervision
from linli.core.errors import ActionError, Conflict

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent row locks need PostgreSQL"
)


@pytest.fixture(scope="module")
def _audit_unguarded(django_db_setup, django_db_blocker):
    """The flush that ends a transactional test empties every table, and the database refuses
    that for the append-only audit table (migration core 0002): the guard is lifted while these
    races run and put back when they are done."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
    yield
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
        connection.close()


def races(test):
    """A race: PostgreSQL only, real transactions, the audit guard lifted for the flush."""
    test = pytest.mark.usefixtures("_audit_unguarded")(test)
    test = pytest.mark.django_db(transaction=True)(test)
    return postgres_only(test)


def race(*calls, timeout: float = 30):
    """Run ``calls`` in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout)
            results[index] = call()
        except Exception as exc:  # collected for the test to inspect
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a racing action never finished"
    return results


def slow(original, seconds: float = 0.3):
    """``original``, but it lingers first, so that a rival arrives while the lock is held."""

    def wrapper(*args, **kwargs):
        time.sleep(seconds)
        return original(*args, **kwargs)

    return wrapper


# --- the races (PostgreSQL) --------------------------------------------------------------------


@races
def test_two_workers_accepting_at_once_one_wins(users, submit, monkeypatch):
    appeal = submit()
    monkeypatch.setattr(_common, "now", slow(timezone.now))
    results = race(
        lambda: actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk),
        lambda: actions.appeal_accept(actor=users["head_a1"], appeal_id=appeal.pk),
    )
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert isinstance(losses[0], Conflict) and losses[0].code == "already-accepted"
    taken = Dispatch.objects.filter(appeal=appeal, accepted_at__isnull=False)
    assert taken.count() == 1
    assert taken.get().accepted_by_id == wins[0].accepted_by_id
    assert appeal.events.filter(kind="accepted").count() == 1


@races
def test_two_sweeps_at_once_raise_an_overdue_appeal_once(users, submit, monkeypatch):
    appeal = submit()
    when = appeal.respond_due + dt.timedelta(minutes=5)
    monkeypatch.setattr(_common, "event", slow(_common.event))
    results = race(
        lambda: actions.appeals_sweep(now=when),
        lambda: actions.appeals_sweep(now=when),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(r["escalated"] for r in results) == [0, 1]
    assert Supervision.objects.filter(appeal=appeal).count() == 1
    assert appeal.events.filter(kind="escalated").count() == 1
    appeal.refresh_from_db()
    assert appeal.escalation_level == 1


@races
def test_two_dispatchers_handing_on_at_once_leave_one_live_turn(
    users, dept_category, submit, office, monkeypatch
):
    appeal = submit(category_id=dept_category.pk)
    monkeypatch.setattr(_common, "now", slow(timezone.now))
    results = race(
        lambda: actions.appeal_dispatch(
            actor=users["town_a"], appeal_id=appeal.pk, unit_id=office.pk
        ),
        lambda: actions.appeal_dispatch(
            actor=users["head_a1"], appeal_id=appeal.pk, unit_id=office.pk
        ),
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert Dispatch.objects.filter(appeal=appeal, live=True).count() == 1


@races
def test_two_ratings_at_once_one_counts(users, submit, monkeypatch):
    appeal = submit()
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    actions.appeal_resolve(actor=users["worker_a1"], appeal_id=appeal.pk, resolution="已处理")
    monkeypatch.setattr(_common, "now", slow(timezone.now))
    results = race(
        lambda: actions.appeal_rate(actor=users["resident_a1"], appeal_id=appeal.pk, level=5),
        lambda: actions.appeal_rate(
            actor=users["head_a1"], appeal_id=appeal.pk, level=4, on_behalf=True
        ),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], Conflict), results
    assert Rating.objects.filter(appeal=appeal).count() == 1


@races
def test_two_appeals_merged_into_each_other_at_once_one_merge_wins(users, submit, monkeypatch):
    first, second = submit(), submit()
    # Each merge holds its own appeal while the other takes the opposite one.
    monkeypatch.setattr(_common, "require_dispatch", slow(_common.require_dispatch))
    results = race(
        lambda: actions.appeal_merge(actor=users["head_a1"], appeal_id=first.pk, into_id=second.pk),
        lambda: actions.appeal_merge(actor=users["town_a"], appeal_id=second.pk, into_id=first.pk),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    # The loser is told the main appeal has ended, not shown a database error.
    assert isinstance(errors[0], ActionError) and "into" in errors[0].errors, results
    states = sorted(
        Appeal.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True)
    )
    assert states == ["dispatched", "merged"]


# --- the constraints (both databases) ----------------------------------------------------------


def test_an_appeal_has_one_live_turn(submit, office):
    appeal = submit()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispatch.objects.create(appeal=appeal, unit=office)
    # Ended turns are history: any number of them.
    Dispatch.objects.create(appeal=appeal, unit=office, live=False, outcome="returned")
    Dispatch.objects.create(appeal=appeal, unit=office, live=False, outcome="transferred")
    assert Dispatch.objects.filter(appeal=appeal).count() == 3
    assert Dispatch.objects.filter(appeal=appeal, live=True).count() == 1


def test_an_acceptance_names_who_accepted(submit):
    appeal = submit()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispatch.objects.filter(appeal=appeal).update(accepted_at=timezone.now())


def test_a_round_has_one_rating(users, submit):
    appeal = submit()
    Rating.objects.create(appeal=appeal, round=0, level=5, efficiency=5, attitude=5, result=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(appeal=appeal, round=0, level=1, efficiency=1, attitude=1, result=1)
    Rating.objects.create(appeal=appeal, round=1, level=1, efficiency=1, attitude=1, result=1)


def test_a_level_and_deadline_have_one_supervision(tree, submit):
    appeal = submit()
    row = {"appeal": appeal, "reason": "response", "supervising_code": tree["town_a"].code}
    Supervision.objects.create(level=1, due_at=appeal.respond_due, **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Supervision.objects.create(level=1, due_at=appeal.respond_due, **row)
    Supervision.objects.create(level=2, due_at=appeal.respond_due, **row)
    Supervision.objects.create(level=1, due_at=appeal.resolve_due, **row)
