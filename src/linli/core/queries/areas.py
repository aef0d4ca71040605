"""Reading the area tree: an actor sees the subtrees they are assigned to and the path above."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from .. import areacodes, scoping
from ..errors import NotFound
from ..models import Area, ReportedFigure
from ..roles import Cap


def _visible_q(actor) -> Q:
    granted = scoping.prefixes(actor, Cap.AREA_VIEW)
    if not granted:
        home = getattr(actor, "home_area_id", None)
        if home:
            granted = [Area.objects.values_list("prefix", flat=True).get(pk=home)]
    if granted == [""]:
        return Q()
    q = scoping.prefix_q(granted, "code")
    path = {
        code
        for prefix in granted
        for code in areacodes.ancestors(prefix.ljust(12, "0") if len(prefix) < 12 else prefix)
    }
    if path:
        q |= Q(code__in=path)
    return q


def area_list(
    *, actor, search: str = "", level: int | None = None, under: str | None = None
) -> QuerySet[Area]:
    """Areas the actor may see, optionally filtered by name/code search, level and subtree."""
    qs = Area.objects.filter(_visible_q(actor))
    if under:
        qs = qs.filter(code__startswith=areacodes.prefix_of(under))
    if level:
        qs = qs.filter(level=level)
    search = (search or "").strip()
    if search:
        qs = (
            qs.filter(code__startswith=search)
            if search.isdigit()
            else qs.filter(name__contains=search)
        )
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
    granted = scoping.prefixes(actor, Cap.AREA_VIEW)
    if granted == [""]:
        return Area.objects.filter(parent__isnull=True).annotate(child_count=Count("children"))
    if not granted:
        home = getattr(actor, "home_area_id", None)
        return (
            Area.objects.filter(pk=home).annotate(child_count=Count("children"))
            if home
            else Area.objects.none()
        )
    return (
        Area.objects.filter(prefix__in=granted)
        .annotate(child_count=Count("children"))
        .order_by("code")
    )


def area_children(*, actor, code: str) -> QuerySet[Area]:
    area = area_get(actor=actor, code=code)
    return (
        Area.objects.filter(_visible_q(actor), parent=area)
        .annotate(child_count=Count("children"))
        .order_by("code")
    )


def area_ancestors(*, actor, area: Area) -> list[Area]:
    codes = areacodes.ancestors(area.code)
    found = {a.code: a for a in Area.objects.filter(_visible_q(actor), code__in=codes)}
    return [found[c] for c in codes if c in found]


def figure_latest(*, actor, area: Area) -> dict[str, ReportedFigure]:
    """Latest reported figure per kind for an area the actor may see."""
    area_get(actor=actor, code=area.code)
    latest: dict[str, ReportedFigure] = {}
    for figure in ReportedFigure.objects.filter(area=area).order_by("kind", "-as_of"):
        latest.setdefault(figure.kind, figure)
    return latest
