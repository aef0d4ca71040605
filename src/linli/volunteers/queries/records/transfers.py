"""Reading the volunteers and organisations a worker picks when recording: the organisations a
volunteer's records may be carried to (or written by), the volunteer's past transfers, a
volunteer found by their number."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.cleaning import row_id
from linli.core.errors import NotFound
from linli.core.roles import Cap

from ...models import Organisation, Transfer, Volunteer
from .._common import volunteers_seen

CHOICES_MAX = 200


def transfer_targets(volunteer: Volunteer, actor=None) -> QuerySet[Organisation]:
    """Active organisations the volunteer's records may be carried to: those of their home
    community and of the areas above it and, for a worker, those of the areas they manage;
    never the organisation that holds them now."""
    home = volunteer.area_code[:12]
    try:
        codes = [home, *areacodes.ancestors(home)]
    except areacodes.AreaCodeError:
        codes = [home]
    where = Q(area_code__in=codes)
    if actor is not None:
        granted = scoping.prefixes(actor, Cap.VOLUNTEER_MANAGE)
        if granted:
            where |= scoping.prefix_q(granted)
    qs = Organisation.objects.filter(where, active=True)
    if volunteer.organisation_id:
        qs = qs.exclude(pk=volunteer.organisation_id)
    return qs.select_related("area").order_by("-area_code", "name", "pk")


def transfer_volunteer(*, actor, volunteer_id) -> Volunteer:
    """A volunteer of the actor's areas whose records a worker may carry (with consent)."""
    pk = row_id(volunteer_id)
    volunteer = (
        volunteers_seen(actor)
        .select_related("area", "organisation")
        .defer("id_number", "phone")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if volunteer is None:
        raise NotFound(_("There is no such volunteer among yours."))
    return volunteer


def transfers_of(volunteer: Volunteer) -> list[Transfer]:
    """The volunteer's transfers, latest first, with both organisations."""
    return list(
        Transfer.objects.filter(volunteer_id=volunteer.pk)
        .select_related("from_organisation", "to_organisation")
        .order_by("-at", "-id")[:CHOICES_MAX]
    )


def organisations_managed(*, actor) -> list[Organisation]:
    """Active organisations of the areas where the actor manages volunteers."""
    return list(
        scoping.scope(Organisation.objects.filter(active=True), actor, Cap.VOLUNTEER_MANAGE)
        .select_related("area")
        .order_by("area_code", "name", "pk")[:CHOICES_MAX]
    )


def volunteer_by_number(*, actor, number) -> Volunteer | None:
    """The volunteer of the actor's managed areas with this volunteer number (None if none)."""
    text = " ".join(str(number or "").replace("\x00", "").split()).upper()[:20]
    if not text:
        return None
    return (
        volunteers_seen(actor, Cap.VOLUNTEER_MANAGE)
        .defer("id_number", "phone")
        .filter(number=text)
        .first()
    )


__all__ = [
    "organisations_managed",
    "transfer_targets",
    "transfer_volunteer",
    "transfers_of",
    "volunteer_by_number",
]
