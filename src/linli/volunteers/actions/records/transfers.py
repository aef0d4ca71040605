"""Carrying a volunteer's records to another organisation (记录转移), with their consent: the
volunteer asks in the app, ticking their consent, or a worker of their community records the
consent the volunteer signed on paper. A ``Transfer`` row keeps the hours and number of service
records handed over as they stood; the volunteer's organisation becomes the new one, which
from then on reads (and may certify) every record of theirs (the reading rule is in
:mod:`linli.volunteers.queries.records.seen`). The records themselves are not changed: they
stay the records of the organisations that wrote them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core import audit, scoping
from linli.core.cleaning import Errors, date, row_id
from linli.core.errors import ActionError, Forbidden
from linli.core.roles import Cap

from ...models import ServiceRecord, Transfer, Volunteer
from ...queries import records as q
from ...queries._common import own_volunteer
from .._common import current_time

_TRUE = {"1", "true", "yes", "on"}
CONSENT_AGE = dt.timedelta(days=366)


def _ticked(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def _consent_moment(errors: Errors, value, moment: dt.datetime) -> dt.datetime | None:
    """When the volunteer signed: today (now) unless an earlier day is given."""
    day = date(errors, "consent_on", value)
    if errors.has("consent_on"):
        return None
    today = timezone.localdate(moment)
    if day is None or day == today:
        return moment
    if day > today:
        errors.add("consent_on", _("The consent cannot be signed in the future."))
        return None
    if day < today - CONSENT_AGE:
        errors.add("consent_on", _("A consent older than a year is asked for again."))
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


def transfer_create(
    *, actor, to_organisation_id, consent, volunteer_id=None, consent_on=None
) -> Transfer:
    """Carry a volunteer's records to ``to_organisation_id``. Without ``volunteer_id`` (or with
    their own) the actor is the volunteer, and ``consent`` is their ticked agreement; otherwise
    the actor is a worker who manages the volunteer's community and ``consent`` says they hold
    the volunteer's signed consent (of ``consent_on``, today by default)."""
    mine = own_volunteer(actor)
    by_self = volunteer_id in (None, "") or (mine is not None and row_id(volunteer_id) == mine.pk)
    if by_self:
        if mine is None:
            raise Forbidden(_("Register as a volunteer first."))
        volunteer = mine
    else:
        volunteer = q.transfer_volunteer(actor=actor, volunteer_id=volunteer_id)
        if not scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE, volunteer.area_code):
            raise Forbidden(
                _("Only workers who manage this volunteer's community record a transfer.")
            )
    moment = current_time()
    errors = Errors()
    if not _ticked(consent):
        errors.add(
            "consent",
            _("Tick the box to agree that your records are handed to the new organisation.")
            if by_self
            else _(
                "A transfer needs the volunteer's signed consent: tick the box once you hold it."
            ),
        )
    consent_at = moment if by_self else _consent_moment(errors, consent_on, moment)
    pk = row_id(to_organisation_id)
    target = q.transfer_targets(volunteer, None if by_self else actor)
    receiving = target.filter(pk=pk).first() if pk else None
    if receiving is None:
        errors.add("to_organisation_id", _("Choose the organisation to carry the records to."))
    errors.raise_if_any(_("The records were not transferred: correct the fields marked."))
    with transaction.atomic():
        held = (
            Volunteer.objects.select_for_update()
            .filter(pk=volunteer.pk)
            .values_list("organisation_id", flat=True)
            .first()
        )
        if held is None:
            raise ActionError(
                _(
                    "%(name)s belongs to no volunteer organisation yet: there is nothing to "
                    "carry. Their community's workers can name their organisation."
                )
                % {"name": volunteer.name},
                field="to_organisation_id",
            )
        if held == receiving.pk:
            raise ActionError(
                _("The records are with this organisation already."), field="to_organisation_id"
            )
        figures = ServiceRecord.objects.filter(volunteer_id=volunteer.pk).aggregate(
            hours=Sum("hours"), records=Count("pk", filter=Q(kind=ServiceRecord.Kind.SERVICE))
        )
        transfer = Transfer.objects.create(
            volunteer_id=volunteer.pk,
            area_code=receiving.area_code,
            from_organisation_id=held,
            to_organisation=receiving,
            hours=figures["hours"] or Decimal("0"),
            records=figures["records"] or 0,
            consent_at=consent_at,
            by=actor,
            at=moment,
        )
        Volunteer.objects.filter(pk=volunteer.pk).update(organisation=receiving, updated_at=moment)
        audit.record(
            actor,
            "volunteer.transfer",
            transfer,
            extra={
                "volunteer": volunteer.pk,
                "from_organisation": held,
                "to_organisation": receiving.pk,
                "records": transfer.records,
                "by_volunteer": by_self,
            },
        )
        if not by_self and volunteer.user_id:
            core_actions.notify(
                [volunteer.user],
                kind="volunteer.transfer",
                text=lambda: (
                    _("Your volunteer service records were handed to %(organisation)s.")
                    % {"organisation": receiving.name}
                ),
                url=reverse("volunteers:my_hours"),
                target=transfer,
            )
    return transfer


__all__ = ["transfer_create"]
