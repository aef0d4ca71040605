"""A volunteer's status: paused, left or back (a volunteer's own choice, or recorded by a
worker), the withdrawal of consent, and revealing a masked number.

Leaving ends the volunteer's live team memberships (and leaderships). Coming back after leaving
needs consent to the text of the day again. Withdrawing consent (PIPL art. 15, 47) is leaving
with the phone number and the preferences (skills, languages, free times, areas) erased at once;
the name, ID number and service records stay, as the national rules on volunteer service
records require, so that the records and certificates issued on them stay verifiable.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core import audit, scoping
from linli.core.errors import ActionError, Conflict, Forbidden
from linli.core.roles import Cap

from ...models import Membership, Team, Volunteer
from ...queries import people as q
from .._common import current_time
from . import _clean as c
from .consent import CONSENT_VERSION
from .volunteers import managed_volunteer, own_record

REVEALABLE = ("id_number", "phone")


def _end_memberships(volunteer: Volunteer, today) -> int:
    """End the volunteer's live team memberships (and leaderships); how many ended."""
    Team.objects.filter(leader=volunteer).update(leader=None)
    return Membership.objects.filter(volunteer=volunteer, left_on__isnull=True).update(
        left_on=today
    )


def _set_status(actor, volunteer: Volunteer, status: str, *, consent: bool, action: str):
    if status not in Volunteer.Status.values:
        raise ActionError(_("Choose a status from the list."), field="status")
    if status == volunteer.status:
        raise Conflict(
            _("The volunteer is %(status)s already.") % {"status": Volunteer.Status(status).label},
            field="status",
        )
    returning = volunteer.status == Volunteer.Status.LEFT and status != Volunteer.Status.LEFT
    if returning and not consent:
        raise ActionError(
            _("Coming back after leaving needs consent to the current text again."),
            field="consent",
        )
    now = current_time()
    with transaction.atomic():
        row = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        previous = row.status
        row.status = status
        row.updated_at = now
        if returning:
            row.consent_at = now
            row.consent_version = CONSENT_VERSION
        row.save()
        ended = _end_memberships(row, now.date()) if status == Volunteer.Status.LEFT else 0
        audit.record(
            actor,
            action,
            row,
            extra={"from": previous, "to": status, "memberships_ended": ended},
        )
    return row


def volunteer_set_status(*, actor, volunteer_id, status, consent=False) -> Volunteer:
    """A worker pauses a volunteer, records them leaving, or brings them back (after leaving,
    with the paper consent form signed again). Leaving ends their team memberships."""
    volunteer = managed_volunteer(actor, volunteer_id)
    return _set_status(
        actor, volunteer, str(status or ""), consent=c.flag(consent), action="volunteer.status"
    )


def volunteer_set_own_status(*, actor, status, consent=False) -> Volunteer:
    """A volunteer pauses, leaves or returns (after leaving, agreeing to the consent text of
    the day again). Leaving ends their team memberships."""
    volunteer = own_record(actor)
    return _set_status(
        actor, volunteer, str(status or ""), consent=c.flag(consent), action="volunteer.status"
    )


def volunteer_withdraw(*, actor, volunteer_id=None) -> Volunteer:
    """Withdraw consent: the volunteer's own (``volunteer_id`` None) or, at their request on
    paper, one a worker manages. The record leaves; phone and preferences are erased."""
    volunteer = (
        own_record(actor) if volunteer_id is None else managed_volunteer(actor, volunteer_id)
    )
    now = current_time()
    with transaction.atomic():
        row = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        erased = not (row.phone or row.skills or row.languages or row.availability)
        if row.status == Volunteer.Status.LEFT and erased and not row.service_areas:
            raise Conflict(_("Consent was withdrawn already."))
        previous = row.status
        row.status = Volunteer.Status.LEFT
        row.phone = None
        row.phone_verified_at = None
        row.skills = []
        row.languages = []
        row.availability = []
        row.service_areas = []
        row.updated_at = now
        row.save()
        ended = _end_memberships(row, now.date())
        audit.record(
            actor,
            "volunteer.withdraw",
            row,
            extra={"from": previous, "memberships_ended": ended, "self": volunteer_id is None},
        )
    return row


def volunteer_reveal(*, actor, volunteer_id, field) -> str:
    """A volunteer's ID number or phone in full, for an actor holding ``pii.reveal`` over
    their community; always audited (``pii.reveal``)."""
    if field not in REVEALABLE:
        raise ActionError(_("This field is not personal data."), field="field")
    volunteer = q.volunteer_get(actor=actor, volunteer_id=volunteer_id)
    if not scoping.has_cap(actor, Cap.PII_REVEAL, volunteer.area_code):
        raise Forbidden(_("You do not have permission to do this here."))
    return core_actions.pii_reveal(actor=actor, instance=volunteer, field_name=field)


__all__ = [
    "REVEALABLE",
    "volunteer_reveal",
    "volunteer_set_own_status",
    "volunteer_set_status",
    "volunteer_withdraw",
]
