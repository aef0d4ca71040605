"""Carrying a volunteer's records to another organisation with their consent: by the volunteer
in the app or by a worker holding the signed consent; the new organisation then reads every
record of theirs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.volunteers.actions import records as actions
from linli.volunteers.models import Transfer, Volunteer
from linli.volunteers.queries import records as q

from .fixtures_records import *  # noqa: F403 (the fixtures)
from .fixtures_records import record_manually

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(users, volunteer_a1):
    """Two service records of volunteer_a1 in A1 (5 hours) and a correction (-1)."""
    first = record_manually(users["worker_a1"], volunteer_a1, hours="3")
    record_manually(users["worker_a1"], volunteer_a1, hours="2", activity_name="义诊")
    actions.record_correct(actor=users["worker_a1"], record_id=first.pk, hours="-1", reason="x")
    return first


def _moved_to_b1(volunteer, tree):
    Volunteer.objects.filter(pk=volunteer.pk).update(area=tree["b1"], area_code=tree["b1"].code)


def test_a_volunteer_who_moved_carries_their_records_and_the_new_organisation_reads_them(
    users, tree, volunteer_a1, history, org_a1, org_b1
):
    _moved_to_b1(volunteer_a1, tree)
    assert not q.records_seen(users["town_b"]).exists()
    transfer = actions.transfer_create(
        actor=users["resident_a1"], to_organisation_id=org_b1.pk, consent=True
    )
    assert transfer.from_organisation == org_a1 and transfer.to_organisation == org_b1
    assert transfer.hours == Decimal("4.00") and transfer.records == 2
    assert transfer.area_code == org_b1.area_code and transfer.by == users["resident_a1"]
    assert Volunteer.objects.get(pk=volunteer_a1.pk).organisation == org_b1
    # The receiving organisation's area reads every record, wherever it was written.
    assert q.records_seen(users["town_b"]).count() == 3
    assert q.records_seen(users["worker_a2"]).count() == 0
    event = AuditEvent.objects.get(action="volunteer.transfer")
    assert event.extra == {
        "volunteer": volunteer_a1.pk,
        "from_organisation": org_a1.pk,
        "to_organisation": org_b1.pk,
        "records": 2,
        "by_volunteer": True,
    }


def test_a_worker_records_the_signed_consent(users, volunteer_a1, history, town_association):
    signed = timezone.localdate() - dt.timedelta(days=2)
    transfer = actions.transfer_create(
        actor=users["worker_a1"],
        volunteer_id=volunteer_a1.pk,
        to_organisation_id=town_association.pk,
        consent=True,
        consent_on=signed.isoformat(),
    )
    assert timezone.localtime(transfer.consent_at).date() == signed
    assert transfer.by == users["worker_a1"]
    told = Notification.objects.get(user=users["resident_a1"], kind="volunteer.transfer")
    assert told.text == "Your volunteer service records were handed to 仙城街道志愿者协会."


def test_no_transfer_without_consent_or_a_known_organisation(
    users, volunteer_a1, history, org_b1, town_association
):
    with pytest.raises(ActionError) as refused:
        actions.transfer_create(
            actor=users["resident_a1"], to_organisation_id=org_b1.pk, consent=False
        )
    assert refused.value.errors == {
        "consent": ["Tick the box to agree that your records are handed to the new organisation."],
        # B1's station is not of the volunteer's community or the areas above it.
        "to_organisation_id": ["Choose the organisation to carry the records to."],
    }
    with pytest.raises(ActionError) as refused:
        actions.transfer_create(
            actor=users["worker_a1"],
            volunteer_id=volunteer_a1.pk,
            to_organisation_id=town_association.pk,
            consent=True,
            consent_on=(timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        )
    assert refused.value.errors == {"consent_on": ["The consent cannot be signed in the future."]}
    assert not Transfer.objects.exists()


def test_no_transfer_to_the_organisation_that_holds_them(users, volunteer_a1, org_a1):
    with pytest.raises(ActionError):
        actions.transfer_create(
            actor=users["resident_a1"], to_organisation_id=org_a1.pk, consent=True
        )
    assert not Transfer.objects.exists()


def test_a_volunteer_of_no_organisation_has_nothing_to_carry(users, volunteer_a1, town_association):
    Volunteer.objects.filter(pk=volunteer_a1.pk).update(organisation=None)
    with pytest.raises(ActionError) as refused:
        actions.transfer_create(
            actor=users["resident_a1"], to_organisation_id=town_association.pk, consent=True
        )
    assert "belongs to no volunteer organisation" in str(refused.value.message)
    assert not Transfer.objects.exists()


def test_others_cannot_carry_someone_elses_records(users, volunteer_a1, history, town_association):
    for who in ("worker_a2", "town_b", "resident_a2"):
        with pytest.raises(NotFound):
            actions.transfer_create(
                actor=users[who],
                volunteer_id=volunteer_a1.pk,
                to_organisation_id=town_association.pk,
                consent=True,
            )
    with pytest.raises(Forbidden):  # not registered as a volunteer
        actions.transfer_create(
            actor=users["resident_a2"], to_organisation_id=town_association.pk, consent=True
        )
    assert not Transfer.objects.exists()
