"""Reading the time bank (时间银行) as staff: the offers of their areas, one offer, a volunteer's
points ledger, and the areas where they may put up offers.

Staff read offers of the areas where they hold ``volunteer.view`` and the ledger of the
volunteers whose home community lies there."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.cleaning import row_id
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Offer, PointsEntry, Volunteer
from .._common import volunteers_seen
from .mine import ledger, offer_areas

CHOICES_MAX = 400
ACTIVE_CHOICES = ("active", "inactive", "all")


def offer_list(*, actor, active: str = "active") -> QuerySet[Offer]:
    """Offers of the actor's areas (``active``: active, inactive or all), by area then
    points, with their area (one query a page)."""
    wanted = str(active or "active").strip()
    if wanted not in ACTIVE_CHOICES:
        raise ActionError(
            _("Some filters are not valid."), errors={"active": [_("Choose from the list.")]}
        )
    qs = scoping.scope(Offer.objects.all(), actor, Cap.VOLUNTEER_VIEW)
    if wanted != "all":
        qs = qs.filter(active=wanted == "active")
    return qs.select_related("area").order_by("area_code", "points", "name", "pk")


def offer_get(*, actor, offer_id) -> Offer:
    """One offer of the actor's areas."""
    pk = row_id(offer_id)
    offer = (
        scoping.scope(Offer.objects.select_related("area"), actor, Cap.VOLUNTEER_VIEW)
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if offer is None:
        raise NotFound(_("There is no such time-bank service among yours."))
    return offer


def offer_areas_managed(*, actor) -> list[Area]:
    """Counties, towns and communities where the actor may put up offers."""
    return list(
        scoping.scope(
            Area.objects.filter(level__in=(Level.COUNTY, Level.TOWN, Level.COMMUNITY)),
            actor,
            Cap.VOLUNTEER_MANAGE,
            field="code",
        ).order_by("code")[:CHOICES_MAX]
    )


@dataclass
class Ledger:
    volunteer: Volunteer
    entries: QuerySet[PointsEntry]  # latest first: the caller paginates


def volunteer_ledger(*, actor, volunteer_id) -> Ledger:
    """A volunteer of the actor's areas and their points ledger (one query a page)."""
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
    return Ledger(volunteer=volunteer, entries=ledger(volunteer.pk))


def desk_offers(*, actor, volunteer: Volunteer) -> list[Offer]:
    """Active offers a worker may hand out at the desk to ``volunteer``: those of the
    volunteer's community and above that lie in the actor's managed areas."""
    return list(
        scoping.scope(
            Offer.objects.filter(active=True, area_code__in=offer_areas(volunteer)),
            actor,
            Cap.VOLUNTEER_MANAGE,
        ).order_by("points", "name", "pk")
    )


__all__ = [
    "ACTIVE_CHOICES",
    "Ledger",
    "desk_offers",
    "offer_areas_managed",
    "offer_get",
    "offer_list",
    "volunteer_ledger",
]
