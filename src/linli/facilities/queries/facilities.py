"""Reading the facility register: lists with their filters and counts, one facility, its
photos, the points of the map, and the places where the actor may record facilities.

Everything is scoped with ``facility.view`` over the facility's area code (a community's, or a
town's for the town's own facilities): a community's people see their community's facilities,
a town officer those of the town and its communities.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Facility, FacilityPhoto, Venue

FULL_DAY = Decimal(8)  # the plans: open at least 8 hours every day
SEARCH_MAX = 40
MAP_POINTS_MAX = 2000
CHOICES_MAX = 400
_YES = {"1", "true", "on", "yes"}


def _yes(value) -> bool:
    return value is True or str(value or "").strip().lower() in _YES


def facility_short_hours_q() -> Q:
    """Facilities open under 8 hours on some day of the week (a day closed counts)."""
    return Q(open_days__lt=7) | Q(min_daily_hours__lt=FULL_DAY)


def visible(actor) -> QuerySet[Facility]:
    return scoping.scope(Facility.objects.all(), actor, Cap.FACILITY_VIEW)


def area_prefix(value, *, field: str = "area") -> str:
    """The significant prefix of an area code given as a filter."""
    try:
        return areacodes.prefix_of(str(value).strip())
    except areacodes.AreaCodeError:
        raise ActionError(_("Give an area by its code."), field=field) from None


def facility_list(*, actor, filters: dict | None = None) -> QuerySet[Facility]:
    """The facilities the actor sees, by area, kind and name. ``filters``: ``area`` (a code:
    its subtree), ``kind``, ``status`` (``open``, ``building``, ``closed``; all when empty),
    ``q`` (words of the name or address), ``short_hours`` (open under 8 hours on some day),
    ``no_terminal`` (no government self-service terminal), ``accessible`` (at least one
    accessibility feature), ``new_build`` (built in the plan period)."""
    filters = filters or {}
    qs = visible(actor).select_related("area")
    if filters.get("area"):
        qs = qs.filter(area_code__startswith=area_prefix(filters["area"]))
    kind = str(filters.get("kind") or "").strip()
    if kind:
        if kind not in Facility.Kind.values:
            raise ActionError(_("Unknown kind."), field="kind")
        qs = qs.filter(kind=kind)
    status = str(filters.get("status") or "").strip()
    if status:
        if status not in Facility.Status.values:
            raise ActionError(_("Unknown status."), field="status")
        qs = qs.filter(status=status)
    words = " ".join(str(filters.get("q") or "").split())[:SEARCH_MAX]
    if words:
        qs = qs.filter(Q(name__icontains=words) | Q(address__icontains=words))
    if _yes(filters.get("short_hours")):
        qs = qs.filter(facility_short_hours_q())
    if _yes(filters.get("no_terminal")):
        qs = qs.filter(terminals=0)
    if _yes(filters.get("accessible")):
        qs = qs.exclude(accessibility=[])
    if _yes(filters.get("new_build")):
        qs = qs.filter(new_build=True)
    return qs.order_by("area_code", "kind", "name", "id")


@dataclass(frozen=True)
class FacilityCounts:
    total: int
    open: int
    short_hours: int
    no_terminal: int
    accessible: int


def facility_counts(*, actor, filters: dict | None = None) -> FacilityCounts:
    """How many of the listed facilities there are, in use, short of 8 hours a day, without a
    terminal, with accessibility features (one query)."""
    row = (
        facility_list(actor=actor, filters=filters)
        .order_by()
        .aggregate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status=Facility.Status.OPEN)),
            short=Count("pk", filter=facility_short_hours_q() & Q(status=Facility.Status.OPEN)),
            no_terminal=Count("pk", filter=Q(terminals=0)),
            accessible=Count("pk", filter=~Q(accessibility=[])),
        )
    )
    return FacilityCounts(
        row["total"], row["open"], row["short"], row["no_terminal"], row["accessible"]
    )


def facility_get(*, actor, facility_id: int) -> Facility:
    """One facility with its area, photos and venues (three queries)."""
    found = (
        visible(actor)
        .select_related("area", "area__parent", "created_by")
        .prefetch_related(
            "photos",
            Prefetch("venues", queryset=Venue.objects.order_by("-active", "name")),
        )
        .filter(pk=facility_id)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such facility among those you may see."))
    return found


def facility_photo_get(*, actor, facility_id: int, photo_id: int) -> FacilityPhoto:
    photo = (
        FacilityPhoto.objects.filter(
            pk=photo_id,
            facility_id=facility_id,
            facility__in=visible(actor).values("pk"),
        )
        .select_related("facility")
        .first()
    )
    if photo is None:
        raise NotFound(_("There is no such photo."))
    return photo


def facility_can_manage(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.FACILITY_MANAGE, area_code)


@dataclass(frozen=True)
class MapPoint:
    id: int
    name: str
    kind: str
    kind_label: str
    status: str
    lat: float
    lng: float
    open_days: int
    min_daily_hours: float
    short_hours: bool


@dataclass(frozen=True)
class MapPoints:
    points: list[MapPoint]
    truncated: bool  # more facilities have a map point than the map shows
    without_point: int  # listed facilities that have no map point


def facility_map_points(
    *, actor, filters: dict | None = None, limit: int = MAP_POINTS_MAX
) -> MapPoints:
    """The listed facilities that have a map point, at most ``limit`` (two queries)."""
    qs = facility_list(actor=actor, filters=filters)
    placed = qs.filter(latitude__isnull=False, longitude__isnull=False)
    rows = list(
        placed.values_list(
            "pk",
            "name",
            "kind",
            "status",
            "latitude",
            "longitude",
            "open_days",
            "min_daily_hours",
        )[: limit + 1]
    )
    counts = qs.order_by().aggregate(
        without=Count("pk", filter=Q(latitude__isnull=True) | Q(longitude__isnull=True))
    )
    labels = dict(Facility.Kind.choices)
    points = [
        MapPoint(
            id=pk,
            name=name,
            kind=kind,
            kind_label=str(labels.get(kind, kind)),
            status=status,
            lat=float(lat),
            lng=float(lng),
            open_days=days,
            min_daily_hours=float(shortest),
            short_hours=days < 7 or shortest < FULL_DAY,
        )
        for pk, name, kind, status, lat, lng, days, shortest in rows[:limit]
    ]
    return MapPoints(points, len(rows) > limit, counts["without"])


def facility_area_choices(*, actor) -> list[Area]:
    """The towns and communities where the actor records facilities, in code order."""
    granted = scoping.prefixes(actor, Cap.FACILITY_MANAGE)
    return list(
        Area.objects.filter(
            scoping.prefix_q(granted, "code"), level__in=(Level.TOWN, Level.COMMUNITY)
        )
        .select_related("parent")
        .order_by("code")[:CHOICES_MAX]
    )


def facility_filter_areas(*, actor) -> list[Area]:
    """Towns and communities the actor sees facilities in (for the list's area filter)."""
    granted = scoping.prefixes(actor, Cap.FACILITY_VIEW)
    return list(
        Area.objects.filter(
            scoping.prefix_q(granted, "code"), level__in=(Level.TOWN, Level.COMMUNITY)
        ).order_by("code")[:CHOICES_MAX]
    )


__all__ = [
    "FacilityCounts",
    "MapPoint",
    "MapPoints",
    "facility_area_choices",
    "facility_can_manage",
    "facility_counts",
    "facility_filter_areas",
    "facility_get",
    "facility_list",
    "facility_map_points",
    "facility_photo_get",
    "facility_short_hours_q",
]
