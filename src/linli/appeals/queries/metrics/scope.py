"""Who may see figures, for which areas, and the :class:`Scope` one actor counts: the area,
the period, the unit kind and the rules in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import PREFIX_LENGTH, Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Appeal, Rating, Unit
from ..appeals import visible_q
from ..units import county_code, member_unit_ids
from .formulas import Rules, rules_for
from .periods import Period, parse_period


def metrics_allowed(actor) -> bool:
    """Holders of ``appeal.view`` anywhere, and members of a handling unit (their units only)."""
    if actor is scoping.SYSTEM:
        return True
    return scoping.has_cap(actor, Cap.APPEAL_VIEW) or bool(member_unit_ids(actor))


def _unit_area_codes(actor) -> list[str]:
    """Areas a unit member without ``appeal.view`` may pick: their units' counties and areas."""
    units = member_unit_ids(actor)
    if not units:
        return []
    codes = Unit.objects.filter(pk__in=units).values_list("area_code", flat=True)
    return sorted({c for code in codes for c in (county_code(code), code)})


def metrics_area_choices(*, actor) -> list[tuple[Area, int]]:
    """Areas the figures can be drawn for, in tree order with their depth: each area where the
    actor holds ``appeal.view`` and the two levels below it, and their units' areas."""
    if actor is scoping.SYSTEM:
        return []
    granted = scoping.prefixes(actor, Cap.APPEAL_VIEW)
    q = Q(prefix__in=granted) if granted else Q(pk__in=[])
    lengths = {n: level for level, n in PREFIX_LENGTH.items()}
    for prefix in granted:
        level = lengths.get(len(prefix), 0)
        # grids only under a community: a town has hundreds of them
        deepest = Level.GRID if level == Level.COMMUNITY else min(level + 2, Level.COMMUNITY)
        if level < Level.GRID:
            q |= Q(code__startswith=prefix, level__gt=level, level__lte=deepest)
    extra = _unit_area_codes(actor)
    if extra:
        q |= Q(code__in=extra)
    areas = list(Area.objects.filter(q).order_by("code")[:2000])
    top = min((a.level for a in areas), default=Level.PROVINCE)
    return [(a, a.level - top) for a in areas]


@dataclass
class Scope:
    """What one actor counts: the area, the period, the unit kind and the rules in force.
    ``appeals`` and ``ratings`` select the rows before the period is applied."""

    actor: object
    area: Area | None  # None: the whole country (the platform itself)
    period: Period
    unit_kind: str
    rules: Rules
    appeals: Q
    ratings: Q
    whole_area: bool  # every appeal of the area, not only the actor's units'

    @property
    def prefix(self) -> str:
        return self.area.prefix if self.area is not None else ""

    @property
    def now(self) -> dt.datetime:
        return self.rules.default.now

    def appeal_rows(self, start=None, end=None) -> QuerySet:
        return Appeal.objects.filter(
            self.appeals,
            submitted_at__gte=start or self.period.start,
            submitted_at__lt=end or self.period.end,
        )

    def rating_rows(self, start=None, end=None) -> QuerySet:
        return Rating.objects.filter(
            self.ratings, at__gte=start or self.period.start, at__lt=end or self.period.end
        )


def _area(actor, code: str | None) -> Area | None:
    granted = scoping.prefixes(actor, Cap.APPEAL_VIEW)
    text = str(code or "").strip()
    if not text:
        if actor is scoping.SYSTEM:
            return None
        area = Area.objects.filter(prefix__in=granted).order_by("level", "code").first()
        if area is None:
            area = Area.objects.filter(code__in=_unit_area_codes(actor)).order_by("code").first()
        if area is None:
            raise NotFound(_("No such area among yours."), field="area")
        return area
    try:
        text = areacodes.normalize(text)
    except areacodes.AreaCodeError:
        raise NotFound(_("No such area among yours."), field="area") from None
    area = Area.objects.filter(code=text).first()
    if area is None or not (
        scoping.has_cap(actor, Cap.APPEAL_VIEW, area.code) or area.code in _unit_area_codes(actor)
    ):
        raise NotFound(_("No such area among yours."), field="area")
    return area


def metrics_scope(
    *,
    actor,
    area: str | None = None,
    period: str | None = None,
    unit_kind: str = "",
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Scope:
    """Resolve the figures' scope for ``actor``: ``area`` (a code; default the actor's widest
    area), ``period`` (see :func:`parse_period`), ``unit_kind`` (one of the unit kinds, or all).

    Forbidden for anyone who neither holds ``appeal.view`` nor belongs to a unit; NotFound for
    an area that is not theirs; ActionError for a malformed period or unit kind."""
    if not metrics_allowed(actor):
        raise Forbidden(
            _("Appeal figures are for staff who see appeals and for members of handling units.")
        )
    unit_kind = (unit_kind or "").strip()
    if unit_kind and unit_kind not in Unit.Kind.values:
        raise ActionError(_("Unknown kind of unit."), field="unit_kind")
    chosen = _area(actor, area)
    prefix = chosen.prefix if chosen is not None else ""
    parsed = parse_period(period, today)
    granted = scoping.prefixes(actor, Cap.APPEAL_VIEW)
    area_q = Q(area_code__startswith=prefix) if prefix else Q()
    whole = any(prefix.startswith(g) for g in granted)
    if whole:
        # Every appeal under the area is visible to the actor: visible_q adds nothing here.
        appeals_q = ratings_q = area_q
    else:
        units = member_unit_ids(actor)
        mine = scoping.prefix_q(granted) | Q(unit_id__in=units)
        appeals_q = visible_q(actor) & area_q & mine
        ratings_q = area_q & mine
    if unit_kind:
        appeals_q &= Q(unit__kind=unit_kind)
        ratings_q &= Q(unit__kind=unit_kind)
    return Scope(
        actor=actor,
        area=chosen,
        period=parsed,
        unit_kind=unit_kind,
        rules=rules_for(prefix, now),
        appeals=appeals_q,
        ratings=ratings_q,
        whole_area=whole,
    )
