"""A volunteer's own hours and points: the total, the star level with the way to the next one,
their service records with each record's corrections under it, their time-bank balance and
ledger, and the services they may spend points on.

Offers a volunteer sees are the active ones of their home community and of the areas above it
(the town's, the county's)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from linli.core import areacodes
from linli.core.cleaning import row_id
from linli.core.errors import NotFound

from ...models import STAR_HOURS, Offer, PointsEntry, ServiceRecord, Volunteer
from .._common import next_star, own_volunteer
from .lists import corrections_prefetch

LEDGER_RECENT = 20


def star_progress(hours, star: int) -> int:
    """Per cent of the way from the star level reached to the next one (100 at five stars)."""
    if star >= len(STAR_HOURS):
        return 100
    start = Decimal(STAR_HOURS[star - 1]) if star else Decimal(0)
    end = Decimal(STAR_HOURS[star])
    share = (Decimal(hours or 0) - start) / (end - start) * 100
    return max(0, min(100, int(share)))


def offer_areas(volunteer: Volunteer) -> list[str]:
    """The codes whose offers the volunteer may spend points on: their community and above."""
    home = volunteer.area_code[:12]
    try:
        return [home, *areacodes.ancestors(home)]
    except areacodes.AreaCodeError:
        return [home]


def offers_for(volunteer: Volunteer) -> QuerySet[Offer]:
    """Active offers the volunteer may spend points on, cheapest first."""
    return (
        Offer.objects.filter(active=True, area_code__in=offer_areas(volunteer))
        .select_related("area")
        .order_by("points", "name", "pk")
    )


def own_records(volunteer: Volunteer) -> QuerySet[ServiceRecord]:
    """The volunteer's service entries, latest first, each with its corrections
    (``corrections_list``) and organisation: two queries a page."""
    return (
        ServiceRecord.objects.filter(volunteer_id=volunteer.pk, kind=ServiceRecord.Kind.SERVICE)
        .select_related("organisation")
        .prefetch_related(corrections_prefetch())
        .order_by("-served_on", "-id")
    )


def with_net_hours(records) -> list[ServiceRecord]:
    """The records (with ``corrections_list`` prefetched), each with ``net_hours``: its hours
    with its corrections."""
    rows = list(records)
    for record in rows:
        record.net_hours = record.hours + sum(
            (c.hours for c in getattr(record, "corrections_list", [])), Decimal("0")
        )
    return rows


def ledger(volunteer_id: int) -> QuerySet[PointsEntry]:
    """A volunteer's points ledger, latest first, with the offer and record of each line."""
    return (
        PointsEntry.objects.filter(volunteer_id=volunteer_id)
        .select_related("offer", "record")
        .order_by("-at", "-id")
    )


@dataclass
class MyHours:
    volunteer: Volunteer
    next_level: int
    hours_to_next: Decimal | None  # None at five stars
    progress: int  # per cent of the way to the next level
    records: QuerySet  # service records (paginate), corrections under each
    ledger: list[PointsEntry]  # the latest lines
    offers: list[Offer]

    @property
    def stars(self) -> str:
        return "★" * self.volunteer.star

    @property
    def empty_stars(self) -> str:
        return "☆" * (len(STAR_HOURS) - self.volunteer.star)


def my_hours(*, actor) -> MyHours | None:
    """The actor's own hours, star level, records, points and offers; None when they have not
    registered as a volunteer. Five queries (plus the records page's two)."""
    volunteer = own_volunteer(actor)
    if volunteer is None:
        return None
    level, missing = next_star(volunteer.hours_total)
    return MyHours(
        volunteer=volunteer,
        next_level=level,
        hours_to_next=missing,
        progress=star_progress(volunteer.hours_total, volunteer.star),
        records=own_records(volunteer),
        ledger=list(ledger(volunteer.pk)[:LEDGER_RECENT]),
        offers=list(offers_for(volunteer)),
    )


def my_volunteer(actor) -> Volunteer:
    """The actor's own volunteer record (NotFound when they have none)."""
    volunteer = own_volunteer(actor)
    if volunteer is None:
        raise NotFound(_("You have not registered as a volunteer."))
    return volunteer


def my_offer(*, actor, offer_id) -> tuple[Volunteer, Offer]:
    """An offer the actor (a volunteer) may spend points on."""
    volunteer = my_volunteer(actor)
    pk = row_id(offer_id)
    offer = offers_for(volunteer).filter(pk=pk).first() if pk else None
    if offer is None:
        raise NotFound(_("There is no such service to spend points on."))
    return volunteer, offer


__all__ = [
    "LEDGER_RECENT",
    "MyHours",
    "ledger",
    "my_hours",
    "my_offer",
    "my_volunteer",
    "offer_areas",
    "offers_for",
    "own_records",
    "star_progress",
    "with_net_hours",
]
