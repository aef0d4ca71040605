"""Reading the area tree: an actor sees the subtrees they are assigned to and the path above.

The path above an assigned area (its county, prefecture, province) is visible for navigation
only: its name and code, and among its children only those on the way to the actor's areas.
Its figures stay hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .. import areacodes, scoping
from ..errors import ActionError, NotFound
from ..models import Area, ReportedFigure
from ..roles import Cap

SEARCH_MAX_LENGTH = 100


def _view_prefixes(actor) -> list[str]:
    """Prefixes of the subtrees the actor sees in full; a resident sees their home community."""
    granted = scoping.prefixes(actor, Cap.AREA_VIEW)
    if granted:
        return granted
    home = getattr(actor, "home_area_id", None)
    if home and getattr(actor, "is_authenticated", False):
        cached = getattr(actor, "_linli_home_prefix", None)
        if cached is None:
            cached = Area.objects.filter(pk=home).values_list("prefix", flat=True).first() or ""
            actor._linli_home_prefix = cached
        return [cached] if cached else []
    return []


def _path_codes(granted: list[str]) -> set[str]:
    codes: set[str] = set()
    for prefix in granted:
        if prefix:
            codes.update(areacodes.ancestors(prefix.ljust(12, "0")))
    return codes


def _scope_q(granted: list[str], rel: str = "") -> Q:
    """Areas inside the granted subtrees (``rel`` prefixes the field path, e.g. ``children__``)."""
    if granted == [""]:
        return Q()
    return scoping.prefix_q(granted, f"{rel}code")


def _visible_q(actor, rel: str = "") -> Q:
    """Areas inside the actor's subtrees, plus the path above them."""
    granted = _view_prefixes(actor)
    if granted == [""]:
        return Q()
    q = _scope_q(granted, rel)
    path = _path_codes(granted)
    if path:
        q |= Q(**{f"{rel}code__in": sorted(path)})
    return q


def _with_counts(qs: QuerySet[Area], actor) -> QuerySet[Area]:
    """Annotate the number of visible children and, inside scope, the latest population."""
    granted = _view_prefixes(actor)
    latest_population = (
        ReportedFigure.objects.filter(area=OuterRef("pk"), kind=ReportedFigure.Kind.POPULATION)
        .order_by("-as_of")
        .values("value")[:1]
    )
    children = (
        Area.objects.filter(_visible_q(actor), parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(n=Count("code"))
        .values("n")
    )
    return qs.annotate(
        child_count=Coalesce(Subquery(children, output_field=IntegerField()), 0),
        population=Case(
            When(_scope_q(granted), then=Subquery(latest_population)),
            default=None,
            output_field=IntegerField(),
        ),
    )


@dataclass(frozen=True)
class AreaAccess:
    in_scope: bool  # inside an assigned subtree (not only on the path above it)
    can_manage: bool  # may import below it and record its figures


def area_access(*, actor, area: Area) -> AreaAccess:
    in_scope = any(area.code.startswith(prefix) for prefix in _view_prefixes(actor))
    return AreaAccess(
        in_scope=in_scope,
        can_manage=in_scope and scoping.has_cap(actor, Cap.AREA_MANAGE, area.code),
    )


def area_list(
    *, actor, search: str = "", level: int | None = None, under: str | None = None
) -> QuerySet[Area]:
    """Areas the actor may see, optionally filtered by name/code prefix, level and subtree."""
    qs = Area.objects.filter(_visible_q(actor))
    if under:
        try:
            qs = qs.filter(code__startswith=areacodes.prefix_of(under))
        except areacodes.AreaCodeError as exc:
            raise ActionError(exc.args[0], field="under") from None
    if level:
        qs = qs.filter(level=level)
    search = (search or "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    if search:
        if search.isascii() and search.isdigit():
            qs = qs.filter(code__startswith=search)
        else:
            qs = qs.filter(name__contains=search)
    return qs.select_related("parent").order_by("code")


def area_get(*, actor, code: str) -> Area:
    try:
        code = areacodes.normalize(code)
    except areacodes.AreaCodeError:
        raise NotFound(_("No such area.")) from None
    area = Area.objects.filter(_visible_q(actor), code=code).select_related("parent").first()
    if area is None:
        raise NotFound(_("No such area."))
    return area


def area_roots(*, actor) -> QuerySet[Area]:
    """The highest areas the actor is assigned to (where their tree view starts)."""
    granted = _view_prefixes(actor)
    if granted == [""]:
        qs = Area.objects.filter(parent__isnull=True)
    elif not granted:
        return Area.objects.none()
    else:
        qs = Area.objects.filter(prefix__in=granted)
    return _with_counts(qs, actor).order_by("code")


def area_children(*, actor, code: str) -> QuerySet[Area]:
    """The visible children of a visible area, with their child counts."""
    area = area_get(actor=actor, code=code)
    return _with_counts(Area.objects.filter(_visible_q(actor), parent=area), actor).order_by("code")


def area_ancestors(*, actor, area: Area) -> list[Area]:
    """The visible areas from the province down to the parent of ``area``."""
    return area_paths(actor=actor, areas=[area]).get(area.code, [])


def area_paths(*, actor, areas: Iterable[Area]) -> dict[str, list[Area]]:
    """Ancestors (province first) of each area, in one query: code → list of areas."""
    areas = list(areas)
    wanted = {area.code: areacodes.ancestors(area.code) for area in areas}
    codes = {code for chain in wanted.values() for code in chain}
    if not codes:
        return {area.code: [] for area in areas}
    found = {a.code: a for a in Area.objects.filter(_visible_q(actor), code__in=sorted(codes))}
    return {code: [found[c] for c in chain if c in found] for code, chain in wanted.items()}


def figure_latest(*, actor, area: Area) -> dict[str, ReportedFigure]:
    """Latest reported figure per kind for an area inside the actor's scope."""
    if not area_access(actor=actor, area=area).in_scope:
        return {}
    latest: dict[str, ReportedFigure] = {}
    for kind in ReportedFigure.Kind.values:
        figure = ReportedFigure.objects.filter(area=area, kind=kind).order_by("-as_of").first()
        if figure is not None:
            latest[kind] = figure
    return latest


def figure_list(*, actor, area: Area, kind: str | None = None) -> QuerySet[ReportedFigure]:
    """Reported figures of an area inside the actor's scope, newest first."""
    in_scope = area_access(actor=actor, area=area).in_scope
    qs = ReportedFigure.objects.filter(area=area)
    if kind:
        if kind not in ReportedFigure.Kind.values:
            raise ActionError(_("Choose population or households."), field="kind")
        qs = qs.filter(kind=kind)
    if not in_scope:
        return ReportedFigure.objects.none()
    return qs.order_by("-as_of", "kind")
