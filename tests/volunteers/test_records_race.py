"""What holds when many act at once (PostgreSQL: row locks, concurrent connections): no points
spent twice or past the balance, two corrections of one record both within its limits, an
hours sheet sent twice at once written once; and the database itself refuses to change or
delete a service record or a ledger line (migration volunteers 0002)."""

from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum

from linli.core.errors import ActionError, Conflict
from linli.volunteers.actions import records as actions
from linli.volunteers.actions.records import points as points_actions
from linli.volunteers.models import Offer, PointsEntry, ServiceRecord, Volunteer
from tests.appeals.test_concurrency import (  # noqa: F401 (a fixture)
    _audit_unguarded,
    postgres_only,
    race,
    races,
    slow,
)

from .fixtures_records import *  # noqa: F403 (the fixtures)
from .fixtures_records import record_manually, volunteer_row

THREADS = 20


@races
def test_twenty_spends_of_a_balance_that_covers_five_five_succeed(users, tree, volunteer_a1):
    record_manually(users["worker_a1"], volunteer_a1, hours="5")  # 50 points
    offer = Offer.objects.create(area=tree["a1"], area_code=tree["a1"].code, name="理发", points=10)

    def attempt():
        return actions.points_spend(
            actor=users["resident_a1"], offer_id=offer.pk, client_key=str(uuid.uuid4())
        )

    results = race(*(attempt for _ in range(THREADS)), timeout=120)
    won = [r for r in results if isinstance(r, actions.Spent)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 5 and len(lost) == THREADS - 5, results
    assert all(isinstance(r, Conflict) and r.code == "balance" for r in lost), lost
    assert volunteer_row(volunteer_a1).points_balance == 0
    lines = PointsEntry.objects.filter(volunteer=volunteer_a1)
    assert lines.aggregate(total=Sum("delta"))["total"] == 0
    # Each line's balance follows from the one before it.
    running = 0
    for line in lines.order_by("at", "id"):
        running += line.delta
        assert line.balance == running


@races
def test_the_same_spend_sent_twice_at_once_spends_once(users, volunteer_a1, haircut, monkeypatch):
    record_manually(users["worker_a1"], volunteer_a1, hours="5")
    monkeypatch.setattr(points_actions, "Purses", slow(points_actions.Purses))
    key = str(uuid.uuid4())

    def send():
        return actions.points_spend(actor=users["resident_a1"], offer_id=haircut.pk, client_key=key)

    results = race(send, send)
    assert all(isinstance(r, actions.Spent) for r in results), results
    assert results[0].entry.pk == results[1].entry.pk
    assert volunteer_row(volunteer_a1).points_balance == 20


@races
def test_two_corrections_at_once_both_count_against_the_limit(users, volunteer_a1):
    record = record_manually(users["worker_a1"], volunteer_a1, hours="3")

    def correct(actor):
        return lambda: actions.record_correct(
            actor=actor, record_id=record.pk, hours="-2", reason="核对"
        )

    results = race(correct(users["worker_a1"]), correct(users["head_a1"]))
    assert sum(isinstance(r, ServiceRecord) for r in results) == 1, results
    assert sum(isinstance(r, ActionError) for r in results) == 1
    assert volunteer_row(volunteer_a1).hours_total == 1


@races
def test_an_hours_sheet_sent_twice_at_once_is_written_once(users, activity_a1, came):
    rows = [{"signup_id": s.pk, "hours": "1"} for s in came.values()]

    def send():
        return actions.activity_hours_record(
            actor=users["worker_a1"], activity_id=activity_a1.pk, rows=rows
        )

    results = race(send, send)
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(len(r.written) for r in results) == [0, 2]
    assert sorted(len(r.already) for r in results) == [0, 2]
    assert ServiceRecord.objects.count() == 2 and PointsEntry.objects.count() == 2


@postgres_only
@pytest.mark.django_db
def test_the_database_refuses_to_change_or_delete_records_and_ledger_lines(
    users, tree, volunteer_a1
):
    record = record_manually(users["worker_a1"], volunteer_a1, hours="2")
    line = PointsEntry.objects.get(record=record)
    statements = (
        f"UPDATE volunteers_servicerecord SET hours = 5 WHERE id = {record.pk}",
        f"DELETE FROM volunteers_servicerecord WHERE id = {record.pk}",
        f"UPDATE volunteers_pointsentry SET delta = 500 WHERE id = {line.pk}",
        f"DELETE FROM volunteers_pointsentry WHERE id = {line.pk}",
    )
    for statement in statements:
        refused = pytest.raises(DatabaseError, match="append-only")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert ServiceRecord.objects.get(pk=record.pk).hours == 2
    # The demo's volunteers may be cleared away with their rows.
    Volunteer.objects.filter(pk=volunteer_a1.pk).update(is_demo=True)
    with connection.cursor() as cursor:
        cursor.execute(statements[3])
        cursor.execute(statements[1])
    assert not ServiceRecord.objects.filter(pk=record.pk).exists()
