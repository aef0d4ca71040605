"""Reading the needs and resources lists and the matches, always scoped to the reader.

- Needs and matches are read with ``match.view`` over their area (a community or grid).
- A resource is seen with ``match.view`` over the area it is based on, and also by those whose
  area it serves (a town's volunteer team serving the whole town is a resource of each of the
  town's communities); only readers of its own area see its contact person and phone.
- Choices for forms (areas, appeals and care-visit needs to list) need ``match.manage`` and,
  for appeals and care-visit needs, ``appeal.view`` or ``care.view`` over them as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import PREFIX_LENGTH, Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Category, Match, Need, Resource, ResourceCategory
from .matcher import area_name_subquery, reach, serves_q, within_q

CHOICES_MAX = 400
CANDIDATES_MAX = 100
SEARCH_MAX = 40
_YES = {"1", "true", "on", "yes"}
_NO = {"0", "false", "off", "no"}


def area_prefix(value, *, field: str = "area") -> str:
    """The significant prefix of an area code given as a filter."""
    try:
        return areacodes.prefix_of(str(value).strip())
    except areacodes.AreaCodeError:
        raise ActionError(_("Give an area by its code."), field=field) from None


def _choice(filters: dict, name: str, choices) -> str:
    value = str(filters.get(name) or "").strip()
    if value and value not in choices.values:
        raise ActionError(_("Choose one of the options."), field=name)
    return value


def _words(filters: dict) -> str:
    return " ".join(str(filters.get("q") or "").split())[:SEARCH_MAX]


# --- needs -------------------------------------------------------------------------------------


def needs_visible(actor) -> QuerySet[Need]:
    return scoping.scope(Need.objects.all(), actor, Cap.MATCH_VIEW)


def need_list(*, actor, filters: dict | None = None) -> QuerySet[Need]:
    """The needs the actor sees. ``filters``: ``status``, ``category``, ``urgency``,
    ``source`` (appeal, care_visit, survey, entered), ``area`` (a code: its subtree), ``q``
    (words of the need or for whom). Open needs come urgent first, then the longest waiting;
    any other list newest first. Each row carries ``area_name``."""
    filters = filters or {}
    qs = needs_visible(actor).annotate(area_name=area_name_subquery())
    status = _choice(filters, "status", Need.Status)
    category = _choice(filters, "category", Category)
    urgency = _choice(filters, "urgency", Need.Urgency)
    source = _choice(filters, "source", Need.Source)
    if filters.get("area"):
        qs = qs.filter(area_code__startswith=area_prefix(filters["area"]))
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if urgency:
        qs = qs.filter(urgency=urgency)
    if source:
        qs = qs.filter(source=source)
    words = _words(filters)
    if words:
        qs = qs.filter(Q(title__icontains=words) | Q(who__icontains=words))
    if status == Need.Status.OPEN:
        return qs.order_by(urgency_rank(), "created_at", "id")
    return qs.order_by("-created_at", "-id")


def urgency_rank():
    """Urgent first, then normal, then "when possible"."""
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        When(urgency=Need.Urgency.URGENT, then=Value(0)),
        When(urgency=Need.Urgency.NORMAL, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def need_counts(*, actor, filters: dict | None = None) -> dict[str, int]:
    """How many of the listed needs wait for help, are matched, are urgent and open (one
    query), for the list's header."""
    filters = dict(filters or {})
    filters.pop("status", None)
    return (
        need_list(actor=actor, filters=filters)
        .order_by()
        .aggregate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status=Need.Status.OPEN)),
            matched=Count("pk", filter=Q(status=Need.Status.MATCHED)),
            urgent=Count("pk", filter=Q(status=Need.Status.OPEN, urgency=Need.Urgency.URGENT)),
        )
    )


def need_get(*, actor, need_id) -> Need:
    """One need the actor sees, with its source and area name."""
    try:
        pk = int(need_id)
    except (TypeError, ValueError):
        pk = 0
    found = (
        needs_visible(actor)
        .filter(pk=pk)
        .select_related("appeal", "care_need", "resident", "created_by")
        .annotate(area_name=area_name_subquery())
        .first()
        if 1 <= pk <= 2**63 - 1
        else None
    )
    if found is None:
        raise NotFound(_("There is no such need among those you may see."))
    return found


def need_can_manage(actor, need: Need) -> bool:
    return scoping.has_cap(actor, Cap.MATCH_MANAGE, need.area_code)


def need_matches(*, actor, need: Need) -> list[Match]:
    """The matches of a need (live first), with their resources and activities."""
    if not scoping.has_cap(actor, Cap.MATCH_VIEW, need.area_code):
        return []
    return list(
        Match.objects.filter(need_id=need.pk)
        .select_related("resource", "activity", "confirmed_by")
        .order_by("status", "-confirmed_at", "-id")  # "active" sorts first
    )


def need_source_links(*, actor, need: Need) -> dict:
    """What the reader may open of where the need came from: the appeal (``appeal.view``),
    the person on the care roster (``care.view``), the registry resident
    (``registry.view``)."""
    links = {"appeal": None, "care_subject": None, "resident": None}
    if need.appeal_id and scoping.has_cap(actor, Cap.APPEAL_VIEW, need.appeal.area_code):
        links["appeal"] = need.appeal
    if need.care_need_id and scoping.has_cap(actor, Cap.CARE_VIEW, need.care_need.area_code):
        links["care_subject"] = need.care_need.subject_id
    if need.resident_id and scoping.has_cap(actor, Cap.REGISTRY_VIEW, need.resident.area_code):
        links["resident"] = need.resident
    return links


@dataclass
class WaitingRow:
    code: str
    name: str
    open: int
    urgent: int
    oldest: dt.datetime | None

    @property
    def days(self) -> int:
        if self.oldest is None:
            return 0
        return (timezone.localdate() - timezone.localdate(self.oldest)).days


@dataclass
class Waiting:
    area: Area
    rows: list[WaitingRow]
    total: int
    urgent: int


def waiting_areas(*, actor) -> list[Area]:
    """Counties, towns and communities the actor sees needs in (for the waiting page)."""
    granted = scoping.prefixes(actor, Cap.MATCH_VIEW)
    return list(
        Area.objects.filter(
            scoping.prefix_q(granted, "code"),
            level__in=(Level.COUNTY, Level.TOWN, Level.COMMUNITY),
        ).order_by("code")[:CHOICES_MAX]
    )


def _default_area(actor) -> Area:
    granted = scoping.prefixes(actor, Cap.MATCH_VIEW)
    if not granted:
        raise NotFound(_("There is no such area among those you may see."))
    widest = min(granted, key=len)
    code = widest.ljust(12, "0") if len(widest) < 12 else widest
    found = Area.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("There is no such area among those you may see."))
    return found


def needs_waiting(*, actor, area_code=None) -> Waiting:
    """Open needs nobody has been matched to yet, counted per area one level down (the
    communities of a town, the towns of a county, the grids of a community), the area with
    the longest-waiting need first. Unmatched needs are visible to the town this way."""
    if area_code in (None, ""):
        area = _default_area(actor)
    else:
        try:
            code = areacodes.normalize(str(area_code))
        except areacodes.AreaCodeError:
            raise ActionError(_("Give an area by its code."), field="area") from None
        area = Area.objects.filter(code=code).first()
        if area is None or not scoping.has_cap(actor, Cap.MATCH_VIEW, area.code):
            raise NotFound(_("There is no such area among those you may see."))
    below = PREFIX_LENGTH[Level(min(area.level + 1, Level.GRID))]
    if area.level < Level.COUNTY:
        below = PREFIX_LENGTH[Level.COUNTY]
    groups = (
        needs_visible(actor)
        .filter(status=Need.Status.OPEN, area_code__startswith=area.prefix)
        .annotate(part=Substr("area_code", 1, below))
        .order_by()
        .values("part")
        .annotate(
            open=Count("pk"),
            urgent=Count("pk", filter=Q(urgency=Need.Urgency.URGENT)),
            oldest=Min("created_at"),
        )
    )
    parts = list(groups)

    def code_of(part: str) -> str:
        return part if len(part) >= 12 else part.ljust(12, "0")

    names = dict(
        Area.objects.filter(code__in={code_of(p["part"]) for p in parts}).values_list(
            "code", "name"
        )
    )
    rows = [
        WaitingRow(
            code=code_of(p["part"]),
            name=names.get(code_of(p["part"]), code_of(p["part"])),
            open=p["open"],
            urgent=p["urgent"],
            oldest=p["oldest"],
        )
        for p in parts
    ]
    rows.sort(key=lambda r: (r.oldest or timezone.now(), r.code))
    return Waiting(
        area=area,
        rows=rows,
        total=sum(r.open for r in rows),
        urgent=sum(r.urgent for r in rows),
    )


def need_area_choices(*, actor) -> list[Area]:
    """Communities and grids where the actor lists needs (``match.manage``)."""
    granted = scoping.prefixes(actor, Cap.MATCH_MANAGE)
    return list(
        Area.objects.filter(
            scoping.prefix_q(granted, "code"), level__in=(Level.COMMUNITY, Level.GRID)
        ).order_by("code")[:CHOICES_MAX]
    )


def filter_areas(*, actor) -> list[Area]:
    """Towns and communities the actor sees the lists of (for the lists' area filter)."""
    granted = scoping.prefixes(actor, Cap.MATCH_VIEW)
    return list(
        Area.objects.filter(
            scoping.prefix_q(granted, "code"), level__in=(Level.TOWN, Level.COMMUNITY)
        ).order_by("code")[:CHOICES_MAX]
    )


def import_areas(*, actor) -> list[Area]:
    """Counties, towns and communities where the actor may list open needs in bulk or bring
    the teams and venues into the resources list (``match.manage``)."""
    granted = scoping.prefixes(actor, Cap.MATCH_MANAGE)
    return list(
        Area.objects.filter(
            scoping.prefix_q(granted, "code"),
            level__in=(Level.COUNTY, Level.TOWN, Level.COMMUNITY),
        ).order_by("code")[:CHOICES_MAX]
    )


def appeal_candidates(*, actor, limit: int = CANDIDATES_MAX) -> list:
    """Open appeals not yet on the needs list that the actor may list (``appeal.view`` and
    ``match.manage`` over them), newest first."""
    from linli.appeals.models import OPEN_STATES, Appeal

    qs = scoping.scope(Appeal.objects.all(), actor, Cap.APPEAL_VIEW)
    qs = scoping.scope(qs, actor, Cap.MATCH_MANAGE)
    return list(
        qs.filter(state__in=OPEN_STATES, listed_need__isnull=True)
        .select_related("category")
        .order_by("-submitted_at", "-id")[:limit]
    )


def care_need_candidates(*, actor, limit: int = CANDIDATES_MAX) -> list:
    """Needs found on care visits, not yet met nor on the needs list, that the actor may list
    (``care.view`` and ``match.manage``), urgent and oldest first; with ``area_name``."""
    from linli.care.models import Need as CareNeed

    qs = scoping.scope(CareNeed.objects.all(), actor, Cap.CARE_VIEW)
    qs = scoping.scope(qs, actor, Cap.MATCH_MANAGE)
    return list(
        qs.filter(met_on__isnull=True, listed_need__isnull=True)
        .annotate(area_name=area_name_subquery())
        .order_by("-urgency", "created_at", "id")[:limit]
    )


# --- resources ---------------------------------------------------------------------------------


def _above(prefix: str) -> list[tuple[str, str]]:
    """The areas above ``prefix`` up to its county, as (code, significant prefix): resources
    based there may serve the area of ``prefix``."""
    if len(prefix) < PREFIX_LENGTH[Level.TOWN]:
        return []
    code = prefix if len(prefix) >= 12 else prefix.ljust(12, "0")
    return [(c, p) for level, c, p in reach(code) if len(p) < len(prefix)]


def resources_visible_q(actor) -> Q:
    """The resources the actor sees: based in their areas, or serving one of them."""
    granted = scoping.prefixes(actor, Cap.MATCH_VIEW)
    q = scoping.prefix_q(granted)
    if "" in granted:
        return q
    for prefix in granted:
        for code, above in _above(prefix):
            q |= within_q(above) & serves_q(code)
    return q


def resource_list(*, actor, filters: dict | None = None) -> QuerySet[Resource]:
    """The resources the actor sees. ``filters``: ``kind``, ``category``, ``active`` (yes:
    offered, no: stopped; both when empty), ``area`` (a code: based in its subtree), ``q``
    (words of the name). By area, kind and name; each row carries ``area_name``."""
    filters = filters or {}
    qs = Resource.objects.filter(resources_visible_q(actor)).annotate(
        area_name=area_name_subquery()
    )
    kind = _choice(filters, "kind", Resource.Kind)
    category = _choice(filters, "category", Category)
    if kind:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(
            pk__in=ResourceCategory.objects.filter(category=category).values("resource_id")
        )
    active = filters.get("active")
    if isinstance(active, bool) or str(active or "").lower() in _YES | _NO:
        qs = qs.filter(active=active is True or str(active).lower() in _YES)
    elif active not in (None, ""):
        raise ActionError(_("Answer yes or no."), field="active")
    if filters.get("area"):
        qs = qs.filter(area_code__startswith=area_prefix(filters["area"]))
    words = _words(filters)
    if words:
        qs = qs.filter(name__icontains=words)
    return qs.order_by("area_code", "kind", "name", "id")


def resource_get(*, actor, resource_id) -> Resource:
    try:
        pk = int(resource_id)
    except (TypeError, ValueError):
        pk = 0
    found = (
        Resource.objects.filter(resources_visible_q(actor), pk=pk)
        .select_related("team", "team__leader", "venue", "created_by")
        .annotate(area_name=area_name_subquery())
        .first()
        if 1 <= pk <= 2**63 - 1
        else None
    )
    if found is None:
        raise NotFound(_("There is no such resource among those you may see."))
    return found


def resource_can_manage(actor, resource: Resource) -> bool:
    return scoping.has_cap(actor, Cap.MATCH_MANAGE, resource.area_code)


def resource_sees_contact(actor, resource: Resource) -> bool:
    """Only readers of the resource's own area see its contact person and phone (masked)."""
    return scoping.has_cap(actor, Cap.MATCH_VIEW, resource.area_code)


def resource_area_names(resource: Resource) -> list[str]:
    """The names of the areas a resource serves (one query)."""
    codes = list(resource.serves or [])
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    return [names.get(code, code) for code in codes]


def resource_matches(*, actor, resource: Resource, limit: int = 50) -> list[Match]:
    """The matches of a resource that the actor sees (by the needs' areas), live first."""
    return list(
        scoping.scope(Match.objects.filter(resource_id=resource.pk), actor, Cap.MATCH_VIEW)
        .select_related("need")
        .order_by("status", "-confirmed_at", "-id")[:limit]
    )


def resource_area_choices(*, actor) -> list[Area]:
    """Counties, towns, communities and grids where the actor lists resources."""
    granted = scoping.prefixes(actor, Cap.MATCH_MANAGE)
    return list(
        Area.objects.filter(
            scoping.prefix_q(granted, "code"),
            level__in=(Level.COUNTY, Level.TOWN, Level.COMMUNITY, Level.GRID),
        ).order_by("code")[:CHOICES_MAX]
    )


# --- matches -----------------------------------------------------------------------------------


def match_list(*, actor, filters: dict | None = None) -> QuerySet[Match]:
    """The matches of the needs the actor sees. ``filters``: ``status`` (active, done,
    cancelled), ``kind`` (the resource's), ``area`` (a code: the needs of its subtree).
    Newest first, with their needs, resources and activities; ``area_name`` is the need's."""
    filters = filters or {}
    qs = scoping.scope(Match.objects.all(), actor, Cap.MATCH_VIEW)
    status = _choice(filters, "status", Match.Status)
    kind = _choice(filters, "kind", Resource.Kind)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(resource__kind=kind)
    if filters.get("area"):
        qs = qs.filter(area_code__startswith=area_prefix(filters["area"]))
    return (
        qs.select_related("need", "resource", "activity", "confirmed_by")
        .annotate(area_name=area_name_subquery())
        .order_by("-confirmed_at", "-id")
    )


def match_get(*, actor, match_id) -> Match:
    try:
        pk = int(match_id)
    except (TypeError, ValueError):
        pk = 0
    found = match_list(actor=actor).filter(pk=pk).first() if 1 <= pk <= 2**63 - 1 else None
    if found is None:
        raise NotFound(_("There is no such match among those you may see."))
    return found


__all__ = [
    "Waiting",
    "WaitingRow",
    "appeal_candidates",
    "area_prefix",
    "care_need_candidates",
    "filter_areas",
    "import_areas",
    "match_get",
    "match_list",
    "need_area_choices",
    "need_can_manage",
    "need_counts",
    "need_get",
    "need_list",
    "need_matches",
    "need_source_links",
    "needs_visible",
    "needs_waiting",
    "resource_area_choices",
    "resource_area_names",
    "resource_can_manage",
    "resource_get",
    "resource_list",
    "resource_matches",
    "resource_sees_contact",
    "resources_visible_q",
    "urgency_rank",
]
