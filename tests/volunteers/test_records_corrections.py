"""Corrections: a new entry with signed hours and a reason, never an edit; the record with its
corrections stays between 0 and 24 hours; points follow, never below zero."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.volunteers.actions import records as actions
from linli.volunteers.models import PointsEntry, ServiceRecord

from .fixtures_records import *  # noqa: F403 (the fixtures)
from .fixtures_records import counts, record_manually, spend, volunteer_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(users, volunteer_a1):
    """3 hours recorded for volunteer_a1 by worker_a1 (30 points)."""
    return record_manually(users["worker_a1"], volunteer_a1, hours="3")


def test_a_correction_is_a_new_entry_and_the_record_stays_as_written(users, recorded, volunteer_a1):
    correction = actions.record_correct(
        actor=users["head_a1"], record_id=recorded.pk, hours="-1", reason="含往返路途时间"
    )
    recorded.refresh_from_db()
    assert recorded.hours == Decimal("3.00") and recorded.kind == "service"
    assert correction.kind == "correction" and correction.corrects == recorded
    assert correction.hours == Decimal("-1.00") and correction.reason == "含往返路途时间"
    assert correction.recorder == users["head_a1"]
    assert correction.activity_name == recorded.activity_name
    assert correction.served_on == recorded.served_on
    row = volunteer_row(volunteer_a1)
    assert row.hours_total == Decimal("2.00") and row.points_balance == 20
    taken = PointsEntry.objects.get(record=correction)
    assert (taken.kind, taken.delta, taken.balance) == ("adjusted", -10, 20)
    event = AuditEvent.objects.get(action="service_record.correct")
    assert event.extra == {
        "corrects": recorded.pk,
        "volunteer": volunteer_a1.pk,
        "hours": "-1.00",
        "points": -10,
        "points_due": -10,
    }


def test_a_correction_adding_hours_earns_their_points(users, recorded, volunteer_a1):
    correction = actions.record_correct(
        actor=users["worker_a1"], record_id=recorded.pk, hours="1.5", reason="漏记了整理时间"
    )
    assert PointsEntry.objects.get(record=correction).delta == 15
    row = volunteer_row(volunteer_a1)
    assert row.hours_total == Decimal("4.50") and row.points_balance == 45


def test_points_are_taken_back_only_as_far_as_the_balance_goes(
    users, recorded, volunteer_a1, haircut
):
    spend(users["resident_a1"], haircut)  # 30 - 30 = 0 left
    actions.points_adjust(
        actor=users["worker_a1"], volunteer_id=volunteer_a1.pk, delta=5, reason="活动奖励"
    )
    correction = actions.record_correct(
        actor=users["worker_a1"], record_id=recorded.pk, hours="-2", reason="记录有误"
    )
    taken = PointsEntry.objects.get(record=correction)
    assert (taken.delta, taken.balance) == (-5, 0)
    assert taken.note == "记录有误 (only 5 of 20 points were left)"
    assert volunteer_row(volunteer_a1).points_balance == 0
    # With nothing left, a correction still corrects the hours; no ledger line.
    again = actions.record_correct(
        actor=users["worker_a1"], record_id=recorded.pk, hours="-0.5", reason="再次核对"
    )
    assert not PointsEntry.objects.filter(record=again).exists()
    assert (
        AuditEvent.objects.filter(action="service_record.correct")
        .order_by("-pk")[0]
        .extra["points"]
        == 0
    )
    assert volunteer_row(volunteer_a1).hours_total == Decimal("0.50")


def test_the_record_with_its_corrections_stays_from_0_to_24_hours(users, recorded):
    actions.record_correct(actor=users["worker_a1"], record_id=recorded.pk, hours="-2", reason="x")
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.record_correct(
            actor=users["worker_a1"], record_id=recorded.pk, hours="-1.5", reason="y"
        )
    assert refused.value.errors == {
        "hours": ["At most 1 hours can be removed: the record counts that many now."]
    }
    with pytest.raises(ActionError) as refused:
        actions.record_correct(
            actor=users["worker_a1"], record_id=recorded.pk, hours="23.5", reason="y"
        )
    assert refused.value.errors == {
        "hours": ["At most 23 hours can be added: a record counts 24 hours at most."]
    }
    assert counts() == before


def test_a_correction_needs_hours_and_a_reason(users, recorded):
    with pytest.raises(ActionError) as refused:
        actions.record_correct(
            actor=users["worker_a1"], record_id=recorded.pk, hours="0", reason=""
        )
    assert refused.value.errors == {
        "hours": ["A correction adds or removes some hours: not 0."],
        "reason": ["Please fill this in."],
    }
    with pytest.raises(ActionError) as refused:
        actions.record_correct(
            actor=users["worker_a1"], record_id=recorded.pk, hours="lots", reason="y"
        )
    assert refused.value.errors == {"hours": ["Give the hours as a number, for example 2.5."]}
    assert counts() == (1, 1)


def test_a_correction_is_not_corrected_itself(users, recorded):
    correction = actions.record_correct(
        actor=users["worker_a1"], record_id=recorded.pk, hours="-1", reason="x"
    )
    with pytest.raises(Conflict):
        actions.record_correct(
            actor=users["worker_a1"], record_id=correction.pk, hours="1", reason="y"
        )
    assert ServiceRecord.objects.count() == 2


def test_others_cannot_correct(users, recorded):
    for who in ("worker_a2", "town_b", "resident_a2", "resident_a1"):
        with pytest.raises(NotFound):
            actions.record_correct(actor=users[who], record_id=recorded.pk, hours="-1", reason="x")
    for bad in (None, "x", 0, -3, 10**30):
        with pytest.raises(NotFound):
            actions.record_correct(actor=users["worker_a1"], record_id=bad, hours="-1", reason="x")
    assert counts() == (1, 1)


def test_the_recording_organisations_area_and_the_service_area_both_correct(
    users, tree, volunteer_a1, town_association
):
    """A record of the town's association for service in A1: the town officer corrects it, and
    so does A1's head (where the service was done); B's officer reads nothing of it."""
    record = record_manually(
        users["town_a"], volunteer_a1, organisation_id=town_association.pk, hours="2"
    )
    assert record.organisation == town_association
    actions.record_correct(actor=users["town_a"], record_id=record.pk, hours="-1", reason="x")
    # The community head of A1 manages the service's area (A1): allowed.
    actions.record_correct(actor=users["head_a1"], record_id=record.pk, hours="-0.5", reason="y")
    # B's officer reads nothing of it.
    with pytest.raises(NotFound):
        actions.record_correct(actor=users["town_b"], record_id=record.pk, hours="-1", reason="z")


def test_the_team_leader_corrects_the_hours_of_the_teams_activity(
    users, activity_a1, came, volunteer_a1
):
    written = actions.activity_hours_record(
        actor=users["worker_a1"],
        activity_id=activity_a1.pk,
        rows=[{"signup_id": came["neighbour_afternoon"].pk, "hours": "1"}],
    ).written[0]
    correction = actions.record_correct(
        actor=users["resident_a1"], record_id=written.pk, hours="0.5", reason="签退时间记错"
    )
    assert correction.recorder == users["resident_a1"]
    assert correction.signup_id == written.signup_id and correction.activity_id == activity_a1.pk


def test_a_county_officer_without_pii_rights_still_reads_and_corrects(users, recorded):
    """Reading records is volunteer.view; correcting is volunteer.manage over their area."""
    correction = actions.record_correct(
        actor=users["county"], record_id=recorded.pk, hours="-1", reason="抽查更正"
    )
    assert correction.recorder == users["county"]
    with pytest.raises((Forbidden, NotFound)):
        actions.record_correct(actor=users["dept"], record_id=recorded.pk, hours="-1", reason="x")
