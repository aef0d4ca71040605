"""Reading the appeals configuration: catalogues, tiers, the holiday calendar, templates,
policies, routing rules and units, Open311 clients — and where an appeal would go.

A county's catalogue (its category tree) is readable by everyone who belongs to the county —
residents need it to submit; the rest follows the capability that edits it: ``appeal.configure``
for categories, templates and policy, ``appeal.route`` for rules and units, ``open311.keys`` for
clients. Rules and units set above one's areas (a county department, a county-wide rule) are
shown read-only where they matter: in the preview and among the units a rule may send to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import (
    Category,
    Holiday,
    Open311Client,
    Policy,
    ResponseTemplate,
    RoutingRule,
    Tier,
    Unit,
    UnitMember,
)
from .units import area_unit_code, category_label, county_code, matching_rule

CHOICES_MAX = 400


def _normal(code) -> str | None:
    try:
        return areacodes.normalize(str(code or ""))
    except areacodes.AreaCodeError:
        return None


def _authenticated(actor) -> bool:
    if actor is scoping.SYSTEM:
        return True
    return getattr(actor, "is_authenticated", False) and actor.is_active


def _county_area(code, *, field: str = "county") -> Area:
    normal = _normal(code)
    area = Area.objects.filter(code=normal, level=Level.COUNTY).first() if normal else None
    if area is None:
        raise NotFound(_("There is no such county."))
    return area


def _counties_q(granted: list[str], field: str = "area_code") -> Q:
    """Rows keyed by a county code (catalogues, policies) for counties at or under ``granted``,
    or containing one of them (a town officer's county)."""
    if not granted:
        return Q(pk__in=[])
    if "" in granted:
        return Q()
    q = Q()
    for prefix in granted:
        if len(prefix) >= 6:
            q |= Q(**{field: prefix[:6].ljust(12, "0")})
        else:
            q |= Q(**{f"{field}__startswith": prefix})
    return q


def _with_tree(categories: list[Category]) -> list[Category]:
    """The categories in tree order (parents before their kinds, by sort), each with ``depth``
    (0 at the top) and ``label`` (its name in the reader's language)."""
    by_parent: dict[int | None, list[Category]] = {}
    known = {c.pk for c in categories}
    for category in categories:
        parent = category.parent_id if category.parent_id in known else None
        by_parent.setdefault(parent, []).append(category)
    ordered: list[Category] = []
    seen: set[int] = set()

    def walk(parent_id, depth: int) -> None:
        for category in sorted(by_parent.get(parent_id, []), key=lambda c: (c.sort, c.pk)):
            if category.pk in seen:
                continue
            seen.add(category.pk)
            category.depth = depth
            category.label = category_label(category)
            ordered.append(category)
            walk(category.pk, depth + 1)

    walk(None, 0)
    return ordered


# --- who reads which county ---------------------------------------------------------------------


def reads_county(actor, county: str) -> bool:
    """Does ``actor`` belong to the county: a role in it (or above it), or a home in it?"""
    if actor is scoping.SYSTEM:
        return True
    if not _authenticated(actor):
        return False
    short = county[:6]
    for _role, prefix in scoping.grants(actor):
        if prefix and (prefix.startswith(short) or short.startswith(prefix)):
            return True
    home = getattr(actor, "home_area_id", None) or ""
    return home.startswith(short)


def configure_counties(*, actor) -> list[Area]:
    """The counties whose catalogue, templates and policy the actor configures."""
    return _counties_with(actor, Cap.APPEAL_CONFIGURE)


def open311_counties(*, actor) -> list[Area]:
    """The counties the actor may issue Open311 keys for."""
    return _counties_with(actor, Cap.OPEN311_KEYS)


def _counties_with(actor, cap: str) -> list[Area]:
    granted = scoping.prefixes(actor, cap)
    return list(
        Area.objects.filter(level=Level.COUNTY)
        .filter(scoping.prefix_q(granted, "code"))
        .order_by("code")[:CHOICES_MAX]
    )


# --- categories ---------------------------------------------------------------------------------


def category_tree(*, actor, county_code: str, include_inactive: bool = False) -> list[Category]:
    """A county's catalogue in tree order with ``depth`` and ``label``. Those who configure it
    may ask for categories out of use as well."""
    county = _county_area(county_code)
    if include_inactive:
        scoping.require(actor, Cap.APPEAL_CONFIGURE, county.code)
    elif not reads_county(actor, county.code):
        raise Forbidden(_("This county's catalogue is for the people of the county."))
    qs = Category.objects.filter(area_code=county.code).select_related("tier")
    categories = list(qs)
    if not include_inactive:
        active = {c.pk for c in categories if c.active}
        # A category in use under a parent out of use is out of reach too.
        parents = {c.pk: c.parent_id for c in categories}
        categories = [c for c in categories if _reachable(c.pk, parents, active)]
    return _with_tree(categories)


def _reachable(pk: int, parents: dict, active: set[int]) -> bool:
    seen = set()
    current = pk
    while current is not None and current not in seen:
        if current not in active:
            return False
        seen.add(current)
        current = parents.get(current)
    return True


def category_get(*, actor, category_id: int) -> Category:
    """One category, for those who configure its county."""
    category = Category.objects.select_related("tier", "parent").filter(pk=category_id).first()
    if category is None or not scoping.has_cap(actor, Cap.APPEAL_CONFIGURE, category.area_code):
        raise NotFound(_("There is no such category among yours."))
    category.label = category_label(category)
    return category


def county_has_categories(county: str) -> bool:
    return Category.objects.filter(area_code=county).exists()


# --- tiers and the holiday calendar -------------------------------------------------------------


def tier_list(*, actor) -> QuerySet[Tier]:
    """The urgency tiers (the platform's, the same for everyone signed in)."""
    if not _authenticated(actor):
        return Tier.objects.none()
    return Tier.objects.all()


def tier_get(*, actor, tier_code: str) -> Tier:
    scoping.require(actor, Cap.APPEAL_CONFIGURE)
    tier = Tier.objects.filter(code=tier_code).first()
    if tier is None:
        raise NotFound(_("There is no such urgency tier."))
    return tier


def holiday_list(*, actor, year: int | None = None) -> QuerySet[Holiday]:
    """The days that differ from the Monday-to-Friday week (one year, or all)."""
    if not _authenticated(actor):
        return Holiday.objects.none()
    qs = Holiday.objects.all()
    if year is not None:
        qs = qs.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31))
    return qs


def holiday_years() -> list[int]:
    return sorted({d.year for d in Holiday.objects.dates("date", "year")})


# --- templates and the policy -------------------------------------------------------------------


def template_list(*, actor, county_code: str = "") -> QuerySet[ResponseTemplate]:
    """Response templates of the counties the actor configures (one county if given)."""
    qs = ResponseTemplate.objects.filter(
        _counties_q(scoping.prefixes(actor, Cap.APPEAL_CONFIGURE))
    ).select_related("category")
    if county_code:
        qs = qs.filter(area_code=_county_area(county_code).code)
    return qs.order_by("area_code", "step", "category_id", "title", "id")


def template_get(*, actor, template_id: int) -> ResponseTemplate:
    template = ResponseTemplate.objects.select_related("category").filter(pk=template_id).first()
    if template is None or not scoping.has_cap(actor, Cap.APPEAL_CONFIGURE, template.area_code):
        raise NotFound(_("There is no such template among yours."))
    return template


def policy_get(*, actor, county_code: str) -> Policy:
    """A county's policy (the defaults, unsaved, until it is first changed)."""
    county = _county_area(county_code)
    if not scoping.has_cap(actor, Cap.APPEAL_CONFIGURE, county.code):
        raise NotFound(_("There is no such county among yours."))
    return Policy.objects.filter(area_code=county.code).first() or Policy(area_code=county.code)


# --- routing rules and units --------------------------------------------------------------------


def _route_prefixes(actor) -> list[str]:
    return scoping.prefixes(actor, Cap.APPEAL_ROUTE)


def _above(granted: list[str]) -> list[str]:
    """The codes of the areas above the roots of ``granted`` (a town officer's county…)."""
    codes: set[str] = set()
    for prefix in granted:
        if prefix:
            codes.update(areacodes.ancestors(prefix.ljust(12, "0")))
    return sorted(codes)


def route_areas(*, actor, limit: int = CHOICES_MAX) -> list[Area]:
    """Counties, towns and communities where the actor sets routing rules (for a chooser)."""
    return list(
        Area.objects.filter(level__in=(Level.COUNTY, Level.TOWN, Level.COMMUNITY))
        .filter(scoping.prefix_q(_route_prefixes(actor), "code"))
        .order_by("code")[:limit]
    )


def route_categories(*, actor) -> list[Category]:
    """The categories in use in the counties where the actor routes, in tree order."""
    granted = _route_prefixes(actor)
    categories = list(Category.objects.filter(_counties_q(granted), active=True))
    return _with_tree(categories)


def routing_rule_list(*, actor, area_code: str = "") -> QuerySet[RoutingRule]:
    """Rules within the actor's areas (under ``area_code`` if given), most general first."""
    qs = RoutingRule.objects.filter(scoping.prefix_q(_route_prefixes(actor))).select_related(
        "area", "category", "unit"
    )
    if area_code:
        normal = _normal(area_code)
        if normal is None:
            raise ActionError(_("Choose an area."), field="area")
        qs = qs.filter(area_code__startswith=areacodes.prefix_of(normal))
    return qs.order_by("prefix", "category_id", "id")


def routing_rule_get(*, actor, rule_id: int) -> RoutingRule:
    rule = RoutingRule.objects.select_related("area", "category", "unit").filter(pk=rule_id).first()
    if rule is None or not scoping.has_cap(actor, Cap.APPEAL_ROUTE, rule.area_code):
        raise NotFound(_("There is no such rule among yours."))
    return rule


def unit_list(*, actor, area_code: str = "", kind: str = "") -> QuerySet[Unit]:
    """Units within the actor's areas, with ``member_count``."""
    qs = (
        Unit.objects.filter(scoping.prefix_q(_route_prefixes(actor)))
        .select_related("area")
        .annotate(member_count=Count("memberships"))
    )
    if area_code:
        normal = _normal(area_code)
        if normal is None:
            raise ActionError(_("Choose an area."), field="area")
        qs = qs.filter(area_code__startswith=areacodes.prefix_of(normal))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("area_code", "kind", "name")


def unit_get(*, actor, unit_id: int) -> Unit:
    unit = Unit.objects.select_related("area").filter(pk=unit_id).first()
    if unit is None or not scoping.has_cap(actor, Cap.APPEAL_ROUTE, unit.area_code):
        raise NotFound(_("There is no such unit among yours."))
    return unit


def unit_members(*, actor, unit: Unit) -> QuerySet[UnitMember]:
    """The members of a unit the actor manages (names and usernames; no phone numbers)."""
    if not scoping.has_cap(actor, Cap.APPEAL_ROUTE, unit.area_code):
        return UnitMember.objects.none()
    return (
        UnitMember.objects.filter(unit=unit)
        .select_related("user")
        .only(
            "id",
            "unit_id",
            "is_supervisor",
            "added_at",
            "user__id",
            "user__username",
            "user__full_name",
            "user__is_active",
        )
        .order_by("-is_supervisor", "user__username")
    )


def routable_units(*, actor) -> list[Unit]:
    """Units in use that the actor's rules may send appeals to: their areas' and those above
    them (a county department or the county's own unit)."""
    granted = _route_prefixes(actor)
    if not granted:
        return []
    q = scoping.prefix_q(granted)
    above = _above(granted)
    if above:
        q |= Q(area_id__in=above)
    return list(
        Unit.objects.filter(q, active=True)
        .select_related("area")
        .order_by("area_code", "kind", "name")[:CHOICES_MAX]
    )


# --- where an appeal would go -------------------------------------------------------------------


@dataclass
class Candidate:
    """A rule that applies to the place and category, as the preview weighs it."""

    rule: RoutingRule
    reach: str  # "category": for the category itself; "parent": for a broader kind; "any"
    wins: bool = False

    @property
    def skipped(self) -> bool:
        """Its unit is out of use, so the rule is passed over."""
        return not self.rule.unit.active


@dataclass
class Route:
    """Where an appeal of ``category`` at ``area`` goes, and why."""

    category: Category
    unit: Unit | None
    rule: RoutingRule | None
    default_kind: str
    default_area: Area | None = None  # where the area's own unit of the default kind sits
    default_unit: Unit | None = None  # that unit, if it exists (it may be out of use)
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """``rule``, ``default`` (the area's own unit), ``default_new`` (that unit is made on
        the first appeal) or ``dispatcher`` (no unit: a dispatcher decides)."""
        if self.rule is not None:
            return "rule"
        if self.unit is not None:
            return "default"
        if self.default_area is not None and self.default_unit is None:
            return "default_new"
        return "dispatcher"


@dataclass
class RoutePreview:
    area: Area
    route: Route
    path: list[Area]  # the area and those above it, nearest first


def _route_area(actor, area_code) -> Area:
    normal = _normal(area_code)
    area = Area.objects.filter(code=normal).first() if normal else None
    if area is None or area.level < Level.COUNTY:
        raise NotFound(_("No such area among yours."))
    if not scoping.has_cap(actor, Cap.APPEAL_ROUTE, area.code):
        raise NotFound(_("No such area among yours."))
    return area


def _path_codes(code: str) -> list[str]:
    return [code, *reversed(areacodes.ancestors(code))]


def _defaults(code: str, kinds: set[str]) -> tuple[dict[str, Area], dict[str, Unit]]:
    """The areas whose own units the default kinds name, and those units that exist."""
    wanted = {kind: area_unit_code(code, kind) for kind in kinds}
    codes = {c for c in wanted.values() if c}
    areas = {a.code: a for a in Area.objects.filter(code__in=codes)}
    units = {
        (u.area_id, u.kind): u
        for u in Unit.objects.filter(area_id__in=codes, kind__in=Unit.AREA_KINDS)
    }
    by_kind_area = {k: areas[c] for k, c in wanted.items() if c in areas}
    by_kind_unit = {k: units[(c, k)] for k, c in wanted.items() if (c, k) in units}
    return by_kind_area, by_kind_unit


def _decide(
    category: Category,
    chain: list[int],
    rules: list[RoutingRule],
    default_areas: dict[str, Area],
    default_units: dict[str, Unit],
) -> Route:
    """The routing decision of :func:`queries.route`, made on rows already loaded."""
    depth = {pk: len(chain) - index for index, pk in enumerate(chain)}
    applicable = [r for r in rules if r.category_id is None or r.category_id in depth]

    def key(rule: RoutingRule):
        return (depth.get(rule.category_id, 0), len(rule.prefix), -rule.pk)

    applicable.sort(key=key, reverse=True)
    candidates = []
    for rule in applicable:
        reach = (
            "any"
            if rule.category_id is None
            else ("category" if rule.category_id == category.pk else "parent")
        )
        candidates.append(Candidate(rule=rule, reach=reach))
    winner = next((c for c in candidates if not c.skipped), None)
    kind = category.unit_kind
    route = Route(
        category=category,
        unit=None,
        rule=None,
        default_kind=kind,
        default_area=default_areas.get(kind),
        default_unit=default_units.get(kind),
        candidates=candidates,
    )
    if winner is not None:
        winner.wins = True
        route.rule, route.unit = winner.rule, winner.rule.unit
    elif route.default_unit is not None and route.default_unit.active:
        route.unit = route.default_unit
    return route


def _rules_on_path(code: str) -> list[RoutingRule]:
    return list(
        RoutingRule.objects.filter(area_id__in=_path_codes(code)).select_related(
            "unit", "area", "category"
        )
    )


def routing_preview(*, actor, area_code, category_id) -> RoutePreview:
    """Where an appeal of one category at one place would go: the winning unit, the rule that
    sends it there (or the category's default), and every rule weighed, most specific first."""
    area = _route_area(actor, area_code)
    try:
        pk = int(category_id)
    except (TypeError, ValueError):
        pk = None
    category = Category.objects.filter(pk=pk).first() if pk else None
    if category is None or category.area_code != county_code(area.code):
        raise ActionError(_("Choose a category of this county."), field="category")
    category.label = category_label(category)
    parents = dict(
        Category.objects.filter(area_code=category.area_code).values_list("id", "parent_id")
    )
    chain = _chain(category.pk, parents)
    default_areas, default_units = _defaults(area.code, {category.unit_kind})
    route = _decide(category, chain, _rules_on_path(area.code), default_areas, default_units)
    # The weighing above and the router must agree; the router's own answer is authoritative.
    chosen = matching_rule(area.code, category)
    if (chosen.pk if chosen else None) != (route.rule.pk if route.rule else None):
        for candidate in route.candidates:
            candidate.wins = chosen is not None and candidate.rule.pk == chosen.pk
        route.rule = chosen
        route.unit = chosen.unit if chosen else None
    codes = _path_codes(area.code)
    by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return RoutePreview(area=area, route=route, path=[by_code[c] for c in codes if c in by_code])


def _chain(pk: int, parents: dict[int, int | None]) -> list[int]:
    chain = [pk]
    current = parents.get(pk)
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def routing_table(*, actor, area_code) -> tuple[Area, list[Route]]:
    """For one place: every category in use in its county and where its appeals would go."""
    area = _route_area(actor, area_code)
    county = county_code(area.code)
    every = list(Category.objects.filter(area_code=county))
    parents = {c.pk: c.parent_id for c in every}
    shown = category_tree(actor=scoping.SYSTEM, county_code=county)
    rules = _rules_on_path(area.code)
    default_areas, default_units = _defaults(area.code, {c.unit_kind for c in shown})
    routes = [
        _decide(category, _chain(category.pk, parents), rules, default_areas, default_units)
        for category in shown
    ]
    return area, routes


# --- Open311 clients ----------------------------------------------------------------------------


def open311_client_list(*, actor) -> QuerySet[Open311Client]:
    """Clients of the counties the actor issues keys for (never their keys: only a prefix)."""
    return (
        Open311Client.objects.filter(scoping.prefix_q(scoping.prefixes(actor, Cap.OPEN311_KEYS)))
        .select_related("created_by")
        .order_by("-active", "name", "id")
    )


def open311_client_get(*, actor, client_id: int) -> Open311Client:
    client = open311_client_list(actor=actor).filter(pk=client_id).first()
    if client is None:
        raise NotFound(_("There is no such client among yours."))
    return client


def area_names(codes) -> dict[str, str]:
    """Names of areas by code (for labels of rows that keep only a code)."""
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


__all__ = [
    "Candidate",
    "Route",
    "RoutePreview",
    "area_names",
    "category_get",
    "category_tree",
    "configure_counties",
    "county_has_categories",
    "holiday_list",
    "holiday_years",
    "open311_client_get",
    "open311_client_list",
    "open311_counties",
    "policy_get",
    "reads_county",
    "routable_units",
    "route_areas",
    "route_categories",
    "routing_preview",
    "routing_rule_get",
    "routing_rule_list",
    "routing_table",
    "template_get",
    "template_list",
    "tier_get",
    "tier_list",
    "unit_get",
    "unit_list",
    "unit_members",
]
