"""Appeal figures (接诉即办): the three rates and the rest, per handling unit, area and period.

:data:`FORMULAS` is the one definition of every figure: the page's "how these are counted"
text and the SQL that counts are both read from it, so they cannot drift apart. The county's
:class:`~linli.appeals.models.Policy` sets two of the rules (which rating level counts as
satisfied; whether an appeal confirmed automatically counts as resolved); an area above a county
counts each county by its own policy.

Everything is counted in the database: one aggregate query per table and breakdown, with
conditional ``COUNT(...) FILTER (WHERE ...)`` (a ``CASE`` on SQLite), grouped by unit, by the
area code's prefix one level down (``SUBSTR``) or by month. Medians are PostgreSQL's
``percentile_cont(0.5)`` in the same queries; SQLite has no percentile function, so there the
durations (and nothing else) of the filtered appeals are fetched in one query per breakdown and
their median taken in Python — a county small enough for SQLite has few enough of them.

Scope: appeals an actor may see (:func:`~linli.appeals.queries.appeals.visible_q`) under the
chosen area — all of them where the actor holds ``appeal.view`` over the area, else only those
handled by the actor's own units; ratings the same way by their denormalised area and unit.
"""

from __future__ import annotations

import datetime as dt
import io
import operator
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import areacodes, audit, scoping
from linli.core.areacodes import PREFIX_LENGTH, Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import DONE_STATES, Appeal, Category, Policy, Rating, RatingLevel, State, Unit
from ..models import local_tz as _local_tz
from .appeals import visible_q
from .units import category_label, county_code, member_unit_ids

REPEAT_MIN = 2  # appeals from one contact number in the period that make them repeats
TREND_MONTHS = 12
RANGE_DAYS_MAX = 3 * 366
TOP_CATEGORIES = 8
TOP_PLACES = 10
CHILD_AREAS_MAX = 500


# --- the rules and the formulas -------------------------------------------------------------


@dataclass(frozen=True)
class Counting:
    """The rules one county counts by (from its policy) and the moment of counting."""

    satisfied_from: int
    auto_confirmed_resolved: bool
    now: dt.datetime


def _counted(c: Counting) -> Q:
    return ~Q(state__in=(State.REJECTED, State.MERGED))


def _responded(c: Counting) -> Q:
    return Q(responded_on_time=True)


def _resolved(c: Counting) -> Q:
    q = Q(state__in=DONE_STATES)
    if not c.auto_confirmed_resolved:
        q &= Q(auto_confirmed=False) | Q(rating__gte=c.satisfied_from)
    return q


def _resolution_due(c: Counting) -> Q:
    return Q(resolved_on_time__isnull=False) | Q(resolve_due__lt=c.now)


def _resolved_on_time(c: Counting) -> Q:
    return Q(resolved_on_time=True)


def _accepted(c: Counting) -> Q:
    return Q(first_accepted_at__isnull=False)


def _resolved_with_time(c: Counting) -> Q:
    return _resolved(c) & Q(resolved_at__isnull=False)


def _every(c: Counting) -> Q:
    return Q()


def _satisfied(c: Counting) -> Q:
    return Q(level__gte=c.satisfied_from)


@dataclass(frozen=True)
class Formula:
    """One figure: what it counts (``numerator``) out of what (``denominator``), both among the
    rows ``within`` selects, as text for people and as the Q the database counts with. ``kind`` is ``rate`` (a share), ``median``
    (of the time from ``start`` to ``end`` over the appeals ``numerator`` selects), ``average``
    or ``count``; ``source`` the table counted (``appeals`` or ``ratings``). The texts may name
    ``%(level)s``, the rating level the county counts as satisfied."""

    key: str
    kind: str
    source: str
    label: Promise
    numerator_text: Promise
    denominator_text: Promise
    within: Callable[[Counting], Q] = _every
    numerator: Callable[[Counting], Q] = _every
    denominator: Callable[[Counting], Q] = _every
    start: str = ""
    end: str = ""
    note: Callable[[Counting], str] | None = None


def _resolution_note(c: Counting) -> str:
    if c.auto_confirmed_resolved:
        return _(
            "An appeal reopened after a bad rating or a resident's “not done” counts again once "
            "it is resolved again. An appeal confirmed automatically (the resident did not "
            "answer in time) counts as resolved."
        )
    return _(
        "An appeal reopened after a bad rating or a resident's “not done” counts again once it "
        "is resolved again. An appeal confirmed automatically (the resident did not answer in "
        "time) counts as resolved only once it is rated %(level)s or better."
    ) % {"level": _level_text(c.satisfied_from)}


def _satisfaction_note(c: Counting) -> str:
    return _("Satisfied means rated %(level)s or better, as the county's appeal policy sets.") % {
        "level": _level_text(c.satisfied_from)
    }


def _level_text(level: int) -> str:
    return f"{level}（{RatingLevel(level).label}）" if level in RatingLevel.values else str(level)


_COUNTED_TEXT = gettext_lazy("appeals submitted in the period, except rejected and merged ones")

FORMULAS: dict[str, Formula] = {
    formula.key: formula
    for formula in (
        Formula(
            key="response",
            kind="rate",
            source="appeals",
            label=gettext_lazy("Response rate"),
            numerator_text=gettext_lazy("appeals accepted within their response deadline"),
            denominator_text=_COUNTED_TEXT,
            within=_counted,
            numerator=_responded,
        ),
        Formula(
            key="resolution",
            kind="rate",
            source="appeals",
            label=gettext_lazy("Resolution rate"),
            numerator_text=gettext_lazy("of those, appeals now resolved, confirmed or closed"),
            denominator_text=_COUNTED_TEXT,
            within=_counted,
            numerator=_resolved,
            note=_resolution_note,
        ),
        Formula(
            key="satisfaction",
            kind="rate",
            source="ratings",
            label=gettext_lazy("Satisfaction rate"),
            numerator_text=gettext_lazy("ratings at level %(level)s or better"),
            denominator_text=gettext_lazy(
                "ratings given in the period (a reopened appeal is rated again for each round)"
            ),
            numerator=_satisfied,
            denominator=_every,
            note=_satisfaction_note,
        ),
        Formula(
            key="on_time",
            kind="rate",
            source="appeals",
            label=gettext_lazy("On-time resolution rate"),
            numerator_text=gettext_lazy(
                "appeals first resolved by their resolution deadline (a rectification after a "
                "bad rating has its own deadline and does not change this)"
            ),
            denominator_text=gettext_lazy(
                "appeals submitted in the period, except rejected and merged ones, that have "
                "been resolved or whose resolution deadline has passed"
            ),
            within=_counted,
            numerator=_resolved_on_time,
            denominator=_resolution_due,
        ),
        Formula(
            key="repeat",
            kind="rate",
            source="appeals",
            label=gettext_lazy("Repeat appeals"),
            numerator_text=gettext_lazy(
                "appeals whose contact phone number made two or more of the appeals counted in "
                "the period (compared by the number's keyed index, never in clear)"
            ),
            denominator_text=_COUNTED_TEXT,
            within=_counted,
            numerator=_every,
        ),
        Formula(
            key="accept_time",
            kind="median",
            source="appeals",
            label=gettext_lazy("Median time to accept"),
            numerator_text=gettext_lazy(
                "the middle value of the time from submission to the first acceptance (half "
                "took less)"
            ),
            denominator_text=gettext_lazy(
                "appeals submitted in the period and accepted, except rejected and merged ones"
            ),
            within=_counted,
            numerator=_accepted,
            start="submitted_at",
            end="first_accepted_at",
        ),
        Formula(
            key="resolve_time",
            kind="median",
            source="appeals",
            label=gettext_lazy("Median time to resolve"),
            numerator_text=gettext_lazy(
                "the middle value of the time from submission to the latest resolution (half "
                "took less)"
            ),
            denominator_text=gettext_lazy(
                "appeals submitted in the period that the resolution rate counts as resolved"
            ),
            within=_counted,
            numerator=_resolved_with_time,
            start="submitted_at",
            end="resolved_at",
        ),
        Formula(
            key="scores",
            kind="average",
            source="ratings",
            label=gettext_lazy("Average sub-scores"),
            numerator_text=gettext_lazy(
                "the mean level (1 to 5) given for efficiency, attitude and result"
            ),
            denominator_text=gettext_lazy("ratings given in the period"),
        ),
        Formula(
            key="volume",
            kind="count",
            source="appeals",
            label=gettext_lazy("Appeals by category"),
            numerator_text=gettext_lazy(
                "appeals submitted in the period in any state, by top-level category"
            ),
            denominator_text=gettext_lazy("all appeals submitted in the period"),
        ),
        Formula(
            key="hotspots",
            kind="count",
            source="appeals",
            label=gettext_lazy("Hotspots"),
            numerator_text=gettext_lazy(
                "appeals submitted in the period, by top-level category and place, for the "
                "categories and places with the most appeals"
            ),
            denominator_text=gettext_lazy("all appeals submitted in the period"),
        ),
    )
}

THE_THREE = ("response", "resolution", "satisfaction")
RATE_KEYS = ("response", "resolution", "satisfaction", "on_time", "repeat")


@dataclass(frozen=True)
class Rules:
    """The counting rules in force over a scope: one county's, or, above a county, each
    county's where it differs from the default (``counties``: 6-digit prefix → rules)."""

    default: Counting
    counties: tuple[tuple[str, Counting], ...] = ()

    @property
    def uniform(self) -> bool:
        return not self.counties

    def q(self, build: Callable[[Counting], Q]) -> Q:
        """``build``'s condition, by county where the counties count differently."""
        if not self.counties:
            return build(self.default)
        parts = [Q(area_code__startswith=p) & build(c) for p, c in self.counties]
        elsewhere = ~reduce(operator.or_, (Q(area_code__startswith=p) for p, _c in self.counties))
        return reduce(operator.or_, parts, elsewhere & build(self.default))


def _policy_default(name: str):
    return Policy._meta.get_field(name).default


def rules_for(prefix: str, now: dt.datetime | None = None) -> Rules:
    """The rules for the area with ``prefix`` ("" for the whole country)."""
    now = now or timezone.now()
    default = Counting(
        satisfied_from=_policy_default("satisfied_from"),
        auto_confirmed_resolved=_policy_default("auto_confirmed_resolved"),
        now=now,
    )
    if len(prefix) >= PREFIX_LENGTH[Level.COUNTY]:
        policy = Policy.objects.filter(area_code=county_code(prefix)).first()
        if policy is None:
            return Rules(default)
        return Rules(Counting(policy.satisfied_from, policy.auto_confirmed_resolved, now))
    counties = []
    rows = Policy.objects.filter(area_code__startswith=prefix).order_by("area_code")
    for code, level, auto in rows.values_list(
        "area_code", "satisfied_from", "auto_confirmed_resolved"
    ):
        if (level, auto) != (default.satisfied_from, default.auto_confirmed_resolved):
            counties.append((code[:6], Counting(level, auto, now)))
    return Rules(default, tuple(counties))


@dataclass(frozen=True)
class FormulaText:
    key: str
    kind: str
    label: str
    numerator: str
    denominator: str
    note: str


def formula_texts(rules: Rules) -> list[FormulaText]:
    """How each figure is counted, in the reader's language, with the policy in force."""
    if rules.uniform:
        params = {"level": _level_text(rules.default.satisfied_from)}
    else:
        params = {"level": _("the satisfied level its county has set")}
    out = []
    for f in FORMULAS.values():
        if f.note is None:
            note = ""
        elif rules.uniform:
            note = f.note(rules.default)
        else:
            note = _("Each county counts this by its own appeal policy.")
        numerator = str(f.numerator_text) % params
        out.append(
            FormulaText(f.key, f.kind, str(f.label), numerator, str(f.denominator_text), note)
        )
    return out


# --- periods ----------------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$", re.ASCII)
_YEAR = re.compile(r"^(\d{4})$", re.ASCII)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.|/)(\d{4}-\d{2}-\d{2})$", re.ASCII)


def _month_start(day: dt.date, add: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + add
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` (both included), counted in the county's local time."""

    kind: str  # month, quarter, year, range
    code: str  # 2026-05, 2026-Q2, 2026, 2026-05-01..2026-05-20
    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=_local_tz())

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=_local_tz())

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("%(year)d-%(month)02d") % {"year": self.first.year, "month": self.first.month}
        if self.kind == "quarter":
            return _("%(year)d, quarter %(quarter)d") % {
                "year": self.first.year,
                "quarter": (self.first.month - 1) // 3 + 1,
            }
        if self.kind == "year":
            return _("the year %(year)d") % {"year": self.first.year}
        return _("%(first)s to %(last)s") % {
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
        }

    def trend_months(self) -> list[dt.date]:
        """The first days of the 12 months that end with the period's last month."""
        last = _month_start(self.last)
        return [_month_start(last, -i) for i in range(TREND_MONTHS - 1, -1, -1)]


def _year(text: str) -> int:
    year = int(text)
    if not 2000 <= year <= 2100:
        raise ActionError(_("Choose a year between 2000 and 2100."), field="period")
    return year


def parse_period(text: str | None, today: dt.date | None = None) -> Period:
    """``2026-05`` (a month), ``2026-Q2`` (a quarter), ``2026`` (a year) or
    ``2026-05-01..2026-05-20`` (days, both included); empty: the current month."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if not text:
        text = f"{today:%Y-%m}"
    if m := _MONTH.match(text):
        year, month = _year(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ActionError(_("There is no month %(month)s.") % {"month": text}, field="period")
        first = dt.date(year, month, 1)
        return Period("month", f"{first:%Y-%m}", first, _month_start(first, 1) - dt.timedelta(1))
    if m := _QUARTER.match(text):
        year, quarter = _year(m.group(1)), int(m.group(2))
        first = dt.date(year, quarter * 3 - 2, 1)
        last = _month_start(first, 3) - dt.timedelta(days=1)
        return Period("quarter", f"{year}-Q{quarter}", first, last)
    if m := _YEAR.match(text):
        year = _year(m.group(1))
        return Period("year", str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))
    if m := _RANGE.match(text):
        try:
            first, last = (dt.date.fromisoformat(m.group(i)) for i in (1, 2))
        except ValueError:
            raise ActionError(_("One of these dates does not exist."), field="period") from None
        _year(str(first.year))
        _year(str(last.year))
        if last < first:
            raise ActionError(_("The first day comes after the last."), field="period")
        if (last - first).days >= RANGE_DAYS_MAX:
            raise ActionError(_("Choose at most three years of days."), field="period")
        return Period("range", f"{first.isoformat()}..{last.isoformat()}", first, last)
    raise ActionError(
        _("A period is a month (2026-05), a quarter (2026-Q2), a year (2026) or two dates "
          "(2026-05-01..2026-05-20)."),
        field="period",
    )  # fmt: skip


def period_choices(today: dt.date | None = None) -> list[tuple[str, list[Period]]]:
    """What the period picker offers: the last 24 months, 8 quarters and 3 years."""
    today = today or timezone.localdate()
    months = [parse_period(f"{_month_start(today, -i):%Y-%m}") for i in range(24)]
    quarter = (today.month - 1) // 3
    quarters = []
    for i in range(8):
        index = today.year * 4 + quarter - i
        quarters.append(parse_period(f"{index // 4}-Q{index % 4 + 1}"))
    years = [parse_period(str(today.year - i)) for i in range(3)]
    return [(_("Months"), months), (_("Quarters"), quarters), (_("Years"), years)]


# --- scope ------------------------------------------------------------------------------------


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


# --- counting ---------------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's interpolated median of an interval (``percentile_cont(0.5)``)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _duration(formula: Formula) -> ExpressionWrapper:
    return ExpressionWrapper(F(formula.end) - F(formula.start), output_field=DurationField())


def _sql_medians() -> bool:
    return connection.vendor == "postgresql"


def _part(f: Formula, which: str) -> Callable[[Counting], Q]:
    return f.numerator if which == "n" else f.denominator


def _shared_aliases() -> dict[tuple[str, str], str]:
    """(formula key, "n" or "d") → the aggregate alias counting it; a condition shared by
    several rates (their common denominator) is counted once."""
    by_condition: dict[tuple, str] = {}
    aliases = {}
    for f in FORMULAS.values():
        if f.source == "appeals" and f.kind == "rate":
            for part in ("n", "d"):
                if (f.key, part) != ("repeat", "n"):  # counted over callers, see _headline
                    alias = by_condition.setdefault((f.within, _part(f, part)), f"{f.key}_{part}")
                    aliases[(f.key, part)] = alias
    return aliases


_ALIASES = _shared_aliases()
# What every appeal rate ranges over (appeals not rejected or merged): the rates alone filter
# on it in the WHERE clause, so the database tests it once a row rather than once a count.
_WITHIN = {FORMULAS[key].within for key, _part_ in _ALIASES}
APPEALS_WITHIN = next(iter(_WITHIN)) if len(_WITHIN) == 1 else None


def _alias(key: str, part: str) -> str:
    return _ALIASES[(key, part)]


def _condition(rules: Rules, f: Formula, build, *, prefiltered: bool = False) -> Q:
    """``build`` among the rows of ``f.within`` (taken as given when ``prefiltered``)."""
    if prefiltered:
        return rules.q(build)
    return rules.q(lambda c: f.within(c) & build(c))


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition) if condition else Count("pk")


def _appeal_aggregates(rules: Rules, *, medians: bool, prefiltered: bool = False) -> dict:
    """Conditional counts for every appeal rate, plus the medians on PostgreSQL. Keys:
    ``received`` (unless ``prefiltered``: the rows are already those of
    :data:`APPEALS_WITHIN`), the aliases of :data:`_ALIASES` and ``<median key>_s``."""
    out: dict = {} if prefiltered else {"received": Count("pk")}
    for (key, part), alias in _ALIASES.items():
        if alias not in out:
            f = FORMULAS[key]
            out[alias] = _count(_condition(rules, f, _part(f, part), prefiltered=prefiltered))
    if medians:
        for f in FORMULAS.values():
            if f.kind == "median":
                out[f"{f.key}_s"] = Median(
                    _duration(f), filter=_condition(rules, f, f.numerator, prefiltered=prefiltered)
                )
    return out


def _rating_aggregates(rules: Rules, *, scores: bool = True) -> dict:
    f = FORMULAS["satisfaction"]
    out = {
        "ratings": _count(_condition(rules, f, f.denominator)),
        "satisfied": _count(_condition(rules, f, f.numerator)),
    }
    if scores:
        out.update(
            level=Avg("level"),
            efficiency=Avg("efficiency"),
            attitude=Avg("attitude"),
            result=Avg("result"),
        )
    return out


def _python_medians(qs: QuerySet, rules: Rules, key=None) -> dict:
    """SQLite: the durations of the filtered appeals fetched in one query (with the group and
    whether each median counts the row), their medians taken in Python. Answers
    ``{group: {"<median key>_s": seconds}}`` (group ``None`` without ``key``)."""
    medians = [f for f in FORMULAS.values() if f.kind == "median"]
    conditions = [_condition(rules, f, f.numerator) for f in medians]
    columns = {}
    for i, (f, condition) in enumerate(zip(medians, conditions, strict=True)):
        columns[f"_d{i}"] = _duration(f)
        columns[f"_c{i}"] = ExpressionWrapper(condition, output_field=BooleanField())
    qs = qs.filter(reduce(operator.or_, conditions)).order_by()
    if key is not None:
        columns["_k"] = key
    values: dict = {}
    for row in qs.annotate(**columns).values_list(*columns):
        group = row[-1] if key is not None else None
        bucket = values.setdefault(group, [[] for _f in medians])
        for i in range(len(medians)):
            duration, counts = row[2 * i], row[2 * i + 1]
            if counts and duration is not None:
                bucket[i].append(duration.total_seconds())
    return {
        group: {
            f"{f.key}_s": statistics.median(lists[i]) if lists[i] else None
            for i, f in enumerate(medians)
        }
        for group, lists in values.items()
    }


def _seconds(value) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


@dataclass(frozen=True)
class Rate:
    key: str
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return round(self.numerator / self.denominator, 4) if self.denominator else None

    @property
    def percent(self) -> str:
        value = self.value
        return "—" if value is None else f"{value * 100:.1f}%"

    @property
    def label(self) -> str:
        return str(FORMULAS[self.key].label)


@dataclass
class Row:
    """One line of a breakdown: a unit, an area, a month or a category."""

    key: str
    name: str
    kind: str = ""
    received: int = 0
    ratings: int = 0
    rates: dict[str, Rate] = field(default_factory=dict)
    accept_hours: float | None = None
    resolve_hours: float | None = None
    level: float | None = None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _avg(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _fill(row: Row, appeals: dict | None, ratings: dict | None) -> Row:
    appeals = appeals or {}
    ratings = ratings or {}
    row.received = appeals.get("received", 0)
    for key in ("response", "resolution", "on_time"):
        row.rates[key] = Rate(
            key, appeals.get(_alias(key, "n"), 0), appeals.get(_alias(key, "d"), 0)
        )
    row.rates["satisfaction"] = Rate(
        "satisfaction", ratings.get("satisfied", 0), ratings.get("ratings", 0)
    )
    row.ratings = ratings.get("ratings", 0)
    row.level = _avg(ratings.get("level"))
    row.accept_hours = _hours(_seconds(appeals.get("accept_time_s")))
    row.resolve_hours = _hours(_seconds(appeals.get("resolve_time_s")))
    return row


def _grouped(scope: Scope, key, *, medians: bool = True) -> tuple[dict, dict]:
    """Appeal and rating aggregates grouped by ``key`` (an expression valid on both tables):
    two queries, three on SQLite when medians are wanted."""
    sql = _sql_medians()
    appeals = {
        row["_k"]: row
        for row in scope.appeal_rows()
        .annotate(_k=key)
        .values("_k")
        .annotate(**_appeal_aggregates(scope.rules, medians=medians and sql))
        .order_by()
    }
    if medians and not sql:
        for group, values in _python_medians(scope.appeal_rows(), scope.rules, key).items():
            appeals.setdefault(group, {"_k": group}).update(values)
    ratings = {
        row["_k"]: row
        for row in scope.rating_rows()
        .annotate(_k=key)
        .values("_k")
        .annotate(**_rating_aggregates(scope.rules))
        .order_by()
    }
    return appeals, ratings


@dataclass
class Headline:
    received: int
    rejected: int
    merged: int
    rates: dict[str, Rate]
    accept_hours: float | None
    resolve_hours: float | None
    ratings: int
    scores: dict[str, float | None]
    repeat_callers: int


def metrics_rates(*, scope: Scope) -> dict[str, Rate]:
    """The three rates (and the on-time rate): two aggregate queries."""
    rows = scope.appeal_rows()
    if APPEALS_WITHIN is not None:
        rows = rows.filter(scope.rules.q(APPEALS_WITHIN))
    appeals = rows.aggregate(
        **_appeal_aggregates(scope.rules, medians=False, prefiltered=APPEALS_WITHIN is not None)
    )
    ratings = scope.rating_rows().aggregate(**_rating_aggregates(scope.rules, scores=False))
    row = _fill(Row("", ""), appeals, ratings)
    return {key: row.rates[key] for key in (*THE_THREE, "on_time")}


def _headline(scope: Scope) -> Headline:
    sql = _sql_medians()
    aggregates = _appeal_aggregates(scope.rules, medians=sql)
    aggregates["rejected"] = Count("pk", filter=Q(state=State.REJECTED))
    aggregates["merged"] = Count("pk", filter=Q(state=State.MERGED))
    appeals = scope.appeal_rows().aggregate(**aggregates)
    if not sql:
        appeals.update(_python_medians(scope.appeal_rows(), scope.rules).get(None, {}))
    ratings = scope.rating_rows().aggregate(**_rating_aggregates(scope.rules))
    repeated = (
        scope.appeal_rows()
        .filter(_condition(scope.rules, FORMULAS["repeat"], FORMULAS["repeat"].numerator))
        .exclude(contact_phone_bidx__isnull=True)
        .exclude(contact_phone_bidx="")
        .values("contact_phone_bidx")
        .annotate(n=Count("pk"))
        .filter(n__gte=REPEAT_MIN)
        .order_by()
        .aggregate(callers=Count("contact_phone_bidx"), appeals=Coalesce(Sum("n"), 0))
    )
    row = _fill(Row("", ""), appeals, ratings)
    rates = dict(row.rates)
    rates["repeat"] = Rate("repeat", repeated["appeals"], appeals.get(_alias("repeat", "d"), 0))
    return Headline(
        received=appeals["received"],
        rejected=appeals["rejected"],
        merged=appeals["merged"],
        rates={key: rates[key] for key in RATE_KEYS},
        accept_hours=row.accept_hours,
        resolve_hours=row.resolve_hours,
        ratings=row.ratings,
        scores={k: _avg(ratings[k]) for k in ("level", "efficiency", "attitude", "result")},
        repeat_callers=repeated["callers"],
    )


def _by_unit(scope: Scope) -> list[Row]:
    appeals, ratings = _grouped(scope, F("unit_id"))
    ids = {k for k in (*appeals, *ratings) if k is not None}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=ids).only("pk", "name", "kind")}
    rows = []
    for key in sorted(set(appeals) | set(ratings), key=lambda k: (k is None, k or 0)):
        unit = units.get(key)
        if key is None:
            row = Row("", _("Not yet with a unit"))
        elif unit is None:
            continue
        else:
            row = Row(str(unit.pk), unit.name, str(Unit.Kind(unit.kind).label))
        rows.append(_fill(row, appeals.get(key), ratings.get(key)))
    rows.sort(key=lambda r: (-r.received, -r.ratings, r.key == "", r.name))
    return rows


def _child_length(scope: Scope) -> int:
    if scope.area is None:
        return PREFIX_LENGTH[Level.PROVINCE]
    return PREFIX_LENGTH.get(Level(min(scope.area.level + 1, Level.GRID)), 15)


def _canonical(key: str) -> str:
    return key if len(key) in (12, 15) else key.ljust(12, "0")


def _place_length(scope: Scope) -> int:
    """Hotspots are communities, or grids inside a community."""
    if scope.area is not None and scope.area.level >= Level.COMMUNITY:
        return PREFIX_LENGTH[Level.GRID]
    return PREFIX_LENGTH[Level.COMMUNITY]


def _by_area(scope: Scope, names: dict[str, str]) -> list[Row]:
    length = _child_length(scope)
    appeals, ratings = _grouped(scope, Substr("area_code", 1, length))
    keys = set(appeals) | set(ratings)
    if scope.whole_area:
        keys |= {code[:length] for code in names if _is_child(scope, code)}
    rows = []
    for key in sorted(keys):
        code = _canonical(key)
        name = names.get(code, code)
        if scope.area is not None and code == scope.area.code:
            name = scope.area.name if scope.area.level == Level.GRID else _("Not in a grid")
        rows.append(_fill(Row(code, name), appeals.get(key), ratings.get(key)))
    return rows


def _is_child(scope: Scope, code: str) -> bool:
    if scope.area is None:
        return _level(code) == Level.PROVINCE
    return code.startswith(scope.prefix) and _level(code) == scope.area.level + 1


def _level(code: str) -> int:
    try:
        return areacodes.level_of(code)
    except areacodes.AreaCodeError:
        return 0


def _trend(scope: Scope) -> list[Row]:
    months = scope.period.trend_months()
    tz = _local_tz()
    start = dt.datetime.combine(months[0], dt.time(), tzinfo=tz)
    end = dt.datetime.combine(_month_start(months[-1], 1), dt.time(), tzinfo=tz)
    aggregates = _appeal_aggregates(scope.rules, medians=False)
    appeals = {
        timezone.localtime(row["month"], tz).date(): row
        for row in scope.appeal_rows(start, end)
        .annotate(month=TruncMonth("submitted_at", tzinfo=tz))
        .values("month")
        .annotate(**aggregates)
        .order_by()
    }
    ratings = {
        timezone.localtime(row["month"], tz).date(): row
        for row in scope.rating_rows(start, end)
        .annotate(month=TruncMonth("at", tzinfo=tz))
        .values("month")
        .annotate(**_rating_aggregates(scope.rules))
        .order_by()
    }
    return [_fill(Row(f"{m:%Y-%m}", f"{m:%Y-%m}"), appeals.get(m), ratings.get(m)) for m in months]


def _top_category() -> Coalesce:
    return Coalesce("category__parent__parent_id", "category__parent_id", "category_id")


def _categories(scope: Scope) -> list[Row]:
    f = FORMULAS["resolution"]
    grouped = (
        scope.appeal_rows()
        .annotate(_k=_top_category())
        .values("_k")
        .annotate(
            received=Count("pk"),
            resolution_n=_count(_condition(scope.rules, f, f.numerator)),
            resolution_d=_count(_condition(scope.rules, f, f.denominator)),
        )
        .order_by("-received", "_k")
    )
    rows = list(grouped)
    categories = {c.pk: c for c in Category.objects.filter(pk__in=[r["_k"] for r in rows])}
    out = []
    for r in rows:
        category = categories.get(r["_k"])
        name = category_label(category) if category is not None else str(r["_k"])
        row = Row(str(r["_k"]), name, received=r["received"])
        row.rates["resolution"] = Rate("resolution", r["resolution_n"], r["resolution_d"])
        out.append(row)
    return out


@dataclass
class Hotspots:
    categories: list[Row]  # the columns... rows of the matrix: top categories
    places: list[tuple[str, str]]  # (code, name) of the top places
    counts: list[list[int]]  # counts[category][place]

    @property
    def rows(self) -> list[tuple[Row, list[int]]]:
        return list(zip(self.categories, self.counts, strict=True))


def _hotspot_cells(scope: Scope) -> list[dict]:
    return list(
        scope.appeal_rows()
        .annotate(_c=_top_category(), _p=Substr("area_code", 1, _place_length(scope)))
        .values("_c", "_p")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _hotspots(cells: list[dict], categories: list[Row], names: dict[str, str]) -> Hotspots:
    top = categories[:TOP_CATEGORIES]
    wanted = {int(row.key) for row in top}
    totals: dict[str, int] = {}
    for cell in cells:
        if cell["_c"] in wanted:
            totals[cell["_p"]] = totals.get(cell["_p"], 0) + cell["n"]
    places = sorted(totals, key=lambda p: (-totals[p], p))[:TOP_PLACES]
    index = {p: i for i, p in enumerate(places)}
    rows = {int(row.key): i for i, row in enumerate(top)}
    counts = [[0] * len(places) for _row in top]
    for cell in cells:
        if cell["_c"] in rows and cell["_p"] in index:
            counts[rows[cell["_c"]]][index[cell["_p"]]] = cell["n"]
    return Hotspots(
        categories=top,
        places=[(_canonical(p), names.get(_canonical(p), _canonical(p))) for p in places],
        counts=counts,
    )


def _area_names(scope: Scope, codes: set[str]) -> dict[str, str]:
    """Names of the areas one level down (all of them, for a whole area) and of ``codes``."""
    q = Q(code__in=sorted(codes))
    if scope.whole_area:
        q |= Q(level=Level.PROVINCE) if scope.area is None else Q(parent_id=scope.area.code)
    return dict(Area.objects.filter(q).order_by("code").values_list("code", "name")[:5000])


@dataclass
class Figures:
    scope: Scope
    headline: Headline
    by_unit: list[Row]
    by_area: list[Row]
    trend: list[Row]
    categories: list[Row]
    hotspots: Hotspots
    formulas: list[FormulaText]

    @property
    def three(self) -> list[Rate]:
        return [self.headline.rates[key] for key in THE_THREE]


def metrics_figures(*, scope: Scope) -> Figures:
    """Every figure for the scope: a fixed number of aggregate queries, whatever the volume."""
    headline = _headline(scope)
    by_unit = _by_unit(scope)
    categories = _categories(scope)
    cells = _hotspot_cells(scope)
    place_len = _place_length(scope)
    codes = {_canonical(c["_p"]) for c in cells if len(c["_p"]) == place_len}
    names = _area_names(scope, codes)
    by_area = _by_area(scope, names)
    if len(by_area) > CHILD_AREAS_MAX:
        by_area = sorted(by_area, key=lambda r: -r.received)[:CHILD_AREAS_MAX]
    return Figures(
        scope=scope,
        headline=headline,
        by_unit=by_unit,
        by_area=by_area,
        trend=_trend(scope),
        categories=categories,
        hotspots=_hotspots(cells, categories, names),
        formulas=formula_texts(scope.rules),
    )


# --- export -----------------------------------------------------------------------------------


def duration_text(hours: float | None) -> str:
    """A median time as people say it: minutes, hours or days."""
    if hours is None:
        return "—"
    if hours < 1:
        return _("%(minutes)d min") % {"minutes": round(hours * 60)}
    if hours < 48:
        return _("%(hours)s h") % {"hours": f"{hours:.1f}"}
    return _("%(days)s days") % {"days": f"{hours / 24:.1f}"}


def scope_title(scope: Scope) -> str:
    where = scope.area.name if scope.area is not None else _("All areas")
    parts = [where, scope.period.label]
    if scope.unit_kind:
        parts.append(str(Unit.Kind(scope.unit_kind).label))
    if not scope.whole_area:
        parts.append(_("your units only"))
    return " · ".join(parts)


@dataclass(frozen=True)
class MetricsExport:
    content: bytes
    filename: str  # ASCII
    display_filename: str


_FORMULA_START = ("=", "+", "-", "@")


def _sheet(book, title: str, header: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", title)[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                cell.data_type = "s"  # text, never a spreadsheet formula
    sheet.freeze_panes = "A2"
    for i, _h in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = 14 if i > 1 else 24


def _pct(rate: Rate) -> float | None:
    return None if rate.value is None else round(rate.value * 100, 1)


def _breakdown(rows: list[Row], first: str) -> tuple[list[str], list[list]]:
    header = [first, _("Appeals received")]
    for key in (*THE_THREE, "on_time"):
        label = str(FORMULAS[key].label)
        header += [
            _("%(rate)s: counted") % {"rate": label},
            _("%(rate)s: out of") % {"rate": label},
            _("%(rate)s (%%)") % {"rate": label},
        ]
    header += [_("Median hours to accept"), _("Median hours to resolve")]
    body = []
    for row in rows:
        values: list = [row.name, row.received]
        for key in (*THE_THREE, "on_time"):
            rate = row.rates[key]
            values += [rate.numerator, rate.denominator, _pct(rate)]
        body.append([*values, row.accept_hours, row.resolve_hours])
    return header, body


def figures_xlsx(figures: Figures) -> bytes:
    """The figures as a workbook, a sheet per table; the first names the scope and formulas."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    h = figures.headline
    rows: list[list] = [[scope_title(figures.scope)], []]
    for key in RATE_KEYS:
        rate = h.rates[key]
        rows.append([rate.label, rate.numerator, rate.denominator, _pct(rate)])
    rows += [
        [str(FORMULAS["accept_time"].label), None, None, h.accept_hours],
        [str(FORMULAS["resolve_time"].label), None, None, h.resolve_hours],
        [_("Appeals received"), h.received],
        [_("Rejected"), h.rejected],
        [_("Merged as duplicates"), h.merged],
        [_("Ratings"), h.ratings],
        [_("Repeat callers"), h.repeat_callers],
    ]
    for key, label in (
        ("level", _("Average overall level")),
        ("efficiency", _("Average efficiency")),
        ("attitude", _("Average attitude")),
        ("result", _("Average result")),
    ):
        rows.append([label, None, None, h.scores[key]])
    header = [_("Figure"), _("Counted"), _("Out of"), _("Value (% or hours)")]
    _sheet(book, _("Rates"), header, rows)
    _sheet(book, _("By unit"), *_breakdown(figures.by_unit, _("Handling unit")))
    _sheet(book, _("By area"), *_breakdown(figures.by_area, _("Area")))
    _sheet(book, _("By month"), *_breakdown(figures.trend, _("Month")))
    _sheet(
        book,
        _("By category"),
        [_("Category"), _("Appeals received"), _("Resolved"), _("Out of"), _("Resolution rate")],
        [
            [
                r.name,
                r.received,
                r.rates["resolution"].numerator,
                r.rates["resolution"].denominator,
                _pct(r.rates["resolution"]),
            ]
            for r in figures.categories
        ],
    )
    hot = figures.hotspots
    _sheet(
        book,
        _("Hotspots"),
        [_("Category"), *[name for _code, name in hot.places]],
        [[row.name, *counts] for row, counts in hot.rows],
    )
    _sheet(
        book,
        _("How these are counted"),
        [_("Figure"), _("Counts"), _("Out of"), _("Notes")],
        [[f.label, f.numerator, f.denominator, f.note] for f in figures.formulas],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def metrics_export(*, actor, scope: Scope) -> MetricsExport:
    """The figures of ``scope`` as an .xlsx workbook; the download is an audit event
    (``appeal.metrics_export``) naming the area, period and unit kind."""
    figures = metrics_figures(scope=scope)
    content = figures_xlsx(figures)
    code = scope.area.code if scope.area is not None else ""
    with transaction.atomic():
        audit.record(
            actor,
            "appeal.metrics_export",
            target_type="appeals.figures",
            target_id=scope.period.code,
            area_code=code,
            extra={
                "area": code,
                "period": scope.period.code,
                "unit_kind": scope.unit_kind,
                "whole_area": scope.whole_area,
                "appeals": figures.headline.received,
            },
        )
    slug = scope.period.code.replace("..", "_")
    where = scope.area.name if scope.area is not None else _("All areas")
    where = "".join(ch for ch in where if ch not in '\\/:*?"<>|')
    return MetricsExport(
        content=content,
        filename=f"appeal-figures-{code or 'all'}-{slug}.xlsx",
        display_filename=f"{_('Appeal figures')}-{where}-{slug}.xlsx",
    )
