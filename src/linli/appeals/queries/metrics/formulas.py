"""The rules and the formulas: :data:`FORMULAS` defines every figure once, as text for people
and as the condition the database counts with; :func:`rules_for` reads the counties' policies
that two of those conditions depend on."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.areacodes import PREFIX_LENGTH, Level

from ...models import DONE_STATES, Policy, RatingLevel, State
from ..units import county_code


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
