"""Reading venues: the rooms and fields of facilities and the resources units open to the
public. Staff read them with ``facility.view`` over the venue's area; residents find those of
their community and of its town through ``bookings.bookable_venues``.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Booking, Facility, Venue
from .facilities import area_prefix

SEARCH_MAX = 40
CHOICES_MAX = 400
_YES = {"1", "true", "on", "yes"}
_NO = {"0", "false", "off", "no"}


def _visible(actor) -> QuerySet[Venue]:
    return scoping.scope(Venue.objects.all(), actor, Cap.FACILITY_VIEW)


def venue_list(*, actor, filters: dict | None = None) -> QuerySet[Venue]:
    """The venues the actor sees. ``filters``: ``area`` (a code: its subtree), ``kind``,
    ``active`` (true: taking bookings, false: closed; both when empty), ``facility`` (an id),
    ``units`` (only resources of units), ``q`` (words of the name, unit or address)."""
    filters = filters or {}
    qs = _visible(actor).select_related("facility", "area")
    if filters.get("area"):
        qs = qs.filter(area_code__startswith=area_prefix(filters["area"]))
    kind = str(filters.get("kind") or "").strip()
    if kind:
        if kind not in Venue.Kind.values:
            raise ActionError(_("Unknown kind."), field="kind")
        qs = qs.filter(kind=kind)
    active = filters.get("active")
    if isinstance(active, bool) or str(active or "").lower() in _YES | _NO:
        qs = qs.filter(active=active is True or str(active).lower() in _YES)
    elif active not in (None, ""):
        raise ActionError(_("Answer yes or no."), field="active")
    facility = filters.get("facility")
    if facility not in (None, ""):
        if not str(facility).isdigit() or not 1 <= int(facility) <= 2**63 - 1:
            raise ActionError(_("Choose a facility."), field="facility")
        qs = qs.filter(facility_id=int(facility))
    if filters.get("units") is True or str(filters.get("units") or "").lower() in _YES:
        qs = qs.filter(facility__isnull=True)
    words = " ".join(str(filters.get("q") or "").split())[:SEARCH_MAX]
    if words:
        qs = qs.filter(
            Q(name__icontains=words) | Q(unit_name__icontains=words) | Q(address__icontains=words)
        )
    return qs.order_by("area_code", "-active", "name", "id")


def venue_get(*, actor, venue_id: int) -> Venue:
    found = (
        _visible(actor)
        .select_related("facility", "area", "area__parent", "created_by")
        .filter(pk=venue_id)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such venue among those you may see."))
    return found


def venue_can_manage(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.FACILITY_MANAGE, area_code)


def venue_future_bookings(*, actor, venue: Venue) -> int:
    """Live bookings of the venue (awaiting approval, confirmed) that have not begun yet."""
    if not scoping.has_cap(actor, Cap.FACILITY_VIEW, venue.area_code):
        return 0
    return Booking.objects.filter(
        venue=venue, status__in=Booking.LIVE, starts_at__gte=timezone.now()
    ).count()


def venue_facility_choices(*, actor) -> list[Facility]:
    """Facilities not closed where the actor records venues, in code order."""
    return list(
        scoping.scope(Facility.objects.all(), actor, Cap.FACILITY_MANAGE)
        .exclude(status=Facility.Status.CLOSED)
        .select_related("area")
        .order_by("area_code", "name")[:CHOICES_MAX]
    )


def venue_community_choices(*, actor) -> list[Area]:
    """Communities where the actor records units' open resources."""
    granted = scoping.prefixes(actor, Cap.FACILITY_MANAGE)
    return list(
        Area.objects.filter(scoping.prefix_q(granted, "code"), level=Level.COMMUNITY).order_by(
            "code"
        )[:CHOICES_MAX]
    )


def venue_counts(*, actor, filters: dict | None = None) -> dict[str, int]:
    """How many listed venues there are, taking bookings, of units (one query)."""
    return (
        venue_list(actor=actor, filters=filters)
        .order_by()
        .aggregate(
            total=Count("pk"),
            active=Count("pk", filter=Q(active=True)),
            units=Count("pk", filter=Q(facility__isnull=True)),
        )
    )


__all__ = [
    "venue_can_manage",
    "venue_community_choices",
    "venue_counts",
    "venue_facility_choices",
    "venue_future_bookings",
    "venue_get",
    "venue_list",
]
