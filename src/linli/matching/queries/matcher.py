"""Suggesting resources for a need, with the reasons in words (服务资源匹配).

The database narrows the field through :class:`~linli.matching.models.ResourceCategory`, one
indexed row per category a resource offers (``category, active, area_code``):

- the need's category, active resources only;
- where it serves: a resource is based on an area (a county, town, community or grid) and
  serves its own area and perhaps its town or county (``Resource.serves``); it is a candidate
  when one of the areas it serves contains the need's area;
- spare capacity (``capacity - in_use > 0``);
- dates overlapping the need's window (and not already past);
- not already matched to this need.

At most :data:`CANDIDATES_MAX` candidates come back, nearest first, and Python scores them
(out of 100): how near on the area tree (same grid 40, community 30, town 20, county 10), the
weekly times in common (up to 25), spare capacity against the people to help (20), and how
soon it can start — which weighs more for an urgent need (up to 15). Each point scored comes
with its reason, e.g. “提供助老服务”, “同一社区”, “周六上午有空”, “本周还可服务 3 人”.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from linli.core.areacodes import Level
from linli.core.models import Area
from linli.volunteers.models import AVAILABILITY, DAYS, PARTS

from ..models import Category, Match, Need, Resource, ResourceCategory

CANDIDATES_MAX = 400
LIMIT_MAX = 50
SOON_DAYS = 2  # "can start soon": a free time tomorrow or the day after

# Points out of 100.
NEAR_POINTS = {Level.GRID: 40, Level.COMMUNITY: 30, Level.TOWN: 20, Level.COUNTY: 10}
TIME_POINTS_ANY = 10  # the need names no times: any time will do
TIME_POINTS_UNKNOWN = 8  # the resource names no times: ask them
TIME_POINTS_BASE, TIME_POINTS_SHARE = 15, 10  # some times in common, more for a larger share
CAPACITY_POINTS = 20
SOON_POINTS = {Need.Urgency.URGENT: 15, Need.Urgency.NORMAL: 5, Need.Urgency.LOW: 0}

DAY_NAMES = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
PART_NAMES = {
    "am": pgettext_lazy("part of the day", "morning"),
    "pm": pgettext_lazy("part of the day", "afternoon"),
    "eve": pgettext_lazy("part of the day", "evening"),
}
# When a shift for a weekly time is held: morning 09–11, afternoon 14–16, evening 19–21.
PART_HOURS = {"am": (9, 11), "pm": (14, 16), "eve": (19, 21)}
_ORDER = {code: index for index, code in enumerate(AVAILABILITY)}


def slot_label(code: str) -> str:
    """``sat_am`` → “Saturday morning” (周六上午)."""
    day, _sep, part = code.partition("_")
    return pgettext(
        "a day of the week and a part of it, e.g. Saturday morning", "%(day)s %(part)s"
    ) % {
        "day": DAY_NAMES[day],
        "part": PART_NAMES[part],
    }


def ordered_times(codes) -> list[str]:
    """Known weekly times (``mon_am`` …) without repeats, in the week's order."""
    return sorted({c for c in codes or () if c in _ORDER}, key=_ORDER.__getitem__)


def week_grid(codes) -> list[dict]:
    """The week as rows of days with a flag per part of the day, for a page to show."""
    chosen = set(codes or ())
    return [
        {
            "day": day,
            "label": DAY_NAMES[day],
            "parts": [
                {
                    "code": f"{day}_{part}",
                    "label": PART_NAMES[part],
                    "title": slot_label(f"{day}_{part}"),
                    "on": f"{day}_{part}" in chosen,
                }
                for part in PARTS
            ],
        }
        for day in DAYS
    ]


# --- the area tree ---------------------------------------------------------------------------


def community_of(code: str) -> str:
    """The community a community or grid code belongs to (12 digits)."""
    return code[:12]


def reach(code: str) -> list[tuple[Level, str, str]]:
    """The areas from the need's own (a grid or community) up to its county, nearest first:
    ``(level, canonical code, significant prefix)``."""
    found = []
    if len(code) == 15:
        found.append((Level.GRID, code, code))
    community = community_of(code)
    found.append((Level.COMMUNITY, community, community))
    found.append((Level.TOWN, community[:9] + "000", community[:9]))
    found.append((Level.COUNTY, community[:6] + "000000", community[:6]))
    return found


def nearness(need_code: str, resource_code: str) -> Level | None:
    """How near a resource's base is to the need: the smallest area holding both."""
    for level, _code, prefix in reach(need_code):
        if resource_code.startswith(prefix) and (level != Level.GRID or resource_code == need_code):
            return level
    return None


def serves(serves_codes, resource_code: str, need_code: str) -> bool:
    """Does a resource based on ``resource_code`` and serving ``serves_codes`` serve the need?"""
    for _level, code, prefix in reach(need_code):
        if code in (serves_codes or ()) and resource_code.startswith(prefix):
            return True
    return False


def within_q(prefix: str, field: str = "area_code") -> Q:
    """Codes starting with ``prefix``, also as a range (``prefix`` ≤ code < the next prefix),
    which a B-tree index on the column serves whatever the database's collation (codes are
    digits only)."""
    q = Q(**{f"{field}__startswith": prefix, f"{field}__gte": prefix})
    upper = str(int(prefix) + 1).zfill(len(prefix)) if prefix else ""
    if prefix and len(upper) == len(prefix):
        q &= Q(**{f"{field}__lt": upper})
    return q


def serves_q(code: str, prefix: str = "") -> Q:
    """``serves`` lists ``code``: JSON containment on PostgreSQL, the quoted code in the text
    on SQLite."""
    if connection.features.supports_json_field_contains:
        return Q(**{f"{prefix}serves__contains": [code]})
    return Q(**{f"{prefix}serves__icontains": f'"{code}"'})


def serving_q(need_code: str, prefix: str = "") -> Q:
    """Rows (of ResourceCategory: ``prefix="resource__"`` reaches the resource) whose resource
    serves an area holding the need's: based inside it and listing it among the served."""
    q = Q(pk__in=[])
    for _level, code, area_prefix in reach(need_code):
        q |= within_q(area_prefix) & serves_q(code, prefix)
    county = community_of(need_code)[:6]
    return within_q(county) & q


# --- suggestions -----------------------------------------------------------------------------


@dataclass
class Reason:
    code: str
    text: str
    good: bool = True

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text}


@dataclass
class Suggestion:
    resource_id: int
    name: str
    kind: str
    area_code: str
    capacity: int
    in_use: int
    times: list[str]
    team_id: int | None
    venue_id: int | None
    score: Decimal = Decimal("0")
    reasons: list[Reason] = field(default_factory=list)
    near: int = 0  # the nearness points, to break ties
    area_name: str = ""
    _facts: tuple = ()

    @property
    def spare(self) -> int:
        return max(self.capacity - self.in_use, 0)

    @property
    def kind_label(self) -> str:
        return str(Resource.Kind(self.kind).label)

    @property
    def reasons_text(self) -> list[str]:
        return [r.text for r in self.reasons]


def window(need: Need, today: dt.date) -> tuple[dt.date, dt.date | None]:
    """The dates the need still wants help on: from the later of today and its start."""
    start = max(today, need.wanted_from) if need.wanted_from else today
    return start, need.wanted_until


def candidate_rows(need: Need, *, today: dt.date | None = None) -> list[dict]:
    """The resources that may help, straight from the database (one query), nearest first."""
    today = today or timezone.localdate()
    start, end = window(need, today)
    rows = ResourceCategory.objects.filter(category=need.category, active=True)
    rows = rows.filter(serving_q(need.area_code, "resource__"))
    rows = rows.filter(resource__capacity__gt=F("resource__in_use"))
    rows = rows.filter(
        Q(resource__available_until__isnull=True) | Q(resource__available_until__gte=start)
    )
    if end is not None:
        rows = rows.filter(
            Q(resource__available_from__isnull=True) | Q(resource__available_from__lte=end)
        )
    taken = Match.objects.filter(need_id=need.pk, status=Match.Status.ACTIVE).values("resource_id")
    rows = rows.exclude(resource_id__in=taken)
    whens = [
        When(area_code__startswith=prefix, then=Value(NEAR_POINTS[level]))
        for level, _code, prefix in reach(need.area_code)
        if level != Level.GRID
    ]
    if len(need.area_code) == 15:
        whens.insert(0, When(area_code=need.area_code, then=Value(NEAR_POINTS[Level.GRID])))
    rows = rows.annotate(near=Case(*whens, default=Value(0), output_field=IntegerField()))
    rows = rows.order_by("-near", F("resource__in_use") - F("resource__capacity"), "resource_id")
    return list(
        rows.values(
            "resource_id",
            "near",
            name=F("resource__name"),
            kind=F("resource__kind"),
            resource_area=F("resource__area_code"),
            capacity=F("resource__capacity"),
            in_use=F("resource__in_use"),
            times=F("resource__times"),
            team_id=F("resource__team_id"),
            venue_id=F("resource__venue_id"),
        )[:CANDIDATES_MAX]
    )


class Scorer:
    """Scores resources for one need: what depends on the need alone is worked out once, each
    candidate costs a few set operations, and the reasons are put in words only for those
    shown (:meth:`explain`)."""

    def __init__(self, need: Need, today: dt.date):
        self.need = need
        self.reach = [
            (level, prefix) for level, _code, prefix in reach(need.area_code) if level != Level.GRID
        ]
        self.wanted = ordered_times(need.times)
        self.wanted_set = set(self.wanted)
        self.people = max(need.people, 1)
        self.bonus = SOON_POINTS.get(need.urgency, 0)
        self.soon_days = [
            (ahead, DAYS[(today + dt.timedelta(days=ahead)).weekday()])
            for ahead in range(1, SOON_DAYS + 1)
        ]

    def _level(self, code: str) -> Level | None:
        if len(self.need.area_code) == 15 and code == self.need.area_code:
            return Level.GRID
        for level, prefix in self.reach:
            if code.startswith(prefix):
                return level
        return None

    def _soonest(self, free) -> tuple[int, str] | None:
        for ahead, day in self.soon_days:
            for part in PARTS:
                if f"{day}_{part}" in free:
                    return ahead, f"{day}_{part}"
        return None

    def measure(self, found: Suggestion) -> Suggestion:
        """The score of ``found`` (and what its reasons will say), without words."""
        points = 0.0
        level = self._level(found.area_code)
        near = NEAR_POINTS.get(level, 0) if level else 0
        points += near
        offered = set(found.times or ())
        if not self.wanted:
            points += TIME_POINTS_ANY
            common, free = [], offered or set(AVAILABILITY)
        elif not offered:
            points += TIME_POINTS_UNKNOWN
            common, free = [], self.wanted_set
        else:
            common = [code for code in self.wanted if code in offered]
            free = set(common)
            if common:
                points += TIME_POINTS_BASE + round(
                    TIME_POINTS_SHARE * len(common) / len(self.wanted)
                )
        spare = found.spare
        points += CAPACITY_POINTS if spare >= self.people else CAPACITY_POINTS * spare / self.people
        soon = self._soonest(free) if free and self.bonus else None
        if soon:
            points += self.bonus if soon[0] == 1 else self.bonus * 2 / 3
        found.score = Decimal(str(points)).quantize(Decimal("0.01"))
        found.near = near
        found._facts = (level, bool(offered), common, soon)
        return found

    def explain(self, found: Suggestion) -> Suggestion:
        """The reasons of a measured ``found``, in words, best first."""
        level, offered, common, soon = found._facts
        need = self.need
        reasons = [
            Reason(
                "category", _("Offers %(category)s") % {"category": Category(need.category).label}
            )
        ]
        near_text = {
            Level.GRID: _("In the same grid"),
            Level.COMMUNITY: _("In the same community"),
            Level.TOWN: _("In the same town or street"),
            Level.COUNTY: _("In the same county"),
        }
        if level in near_text:
            reasons.append(Reason(f"near_{level.name.lower()}", near_text[level]))
        if self.wanted and not offered:
            reasons.append(Reason("times_unknown", _("Names no fixed times: ask when"), False))
        elif self.wanted and common:
            text = _("Free on %(time)s") % {"time": slot_label(common[0])}
            if len(common) > 1:
                more = len(common) - 1
                text = ngettext(
                    "Free on %(time)s and %(n)d more time",
                    "Free on %(time)s and %(n)d more times",
                    more,
                ) % {"time": slot_label(common[0]), "n": more}
            reasons.append(Reason("times", text))
        elif self.wanted:
            reasons.append(Reason("no_common_time", _("No time in common with the need"), False))
        spare = found.spare
        if spare >= self.people:
            text = ngettext(
                "Can still serve %(n)d person this week",
                "Can still serve %(n)d people this week",
                spare,
            ) % {"n": spare}
            reasons.append(Reason("capacity", text))
        else:
            text = _("Can serve only %(spare)d of the %(people)d people this week") % {
                "spare": spare,
                "people": self.people,
            }
            reasons.append(Reason("capacity_short", text, good=False))
        if soon:
            ahead, code = soon
            part = PART_NAMES[code.partition("_")[2]]
            text = (
                _("Can start tomorrow %(part)s")
                if ahead == 1
                else _("Can start the day after tomorrow %(part)s")
            ) % {"part": part}
            reasons.append(Reason("soon", text))
        found.reasons = reasons
        return found


def assess(need: Need, found: Suggestion, *, today: dt.date | None = None) -> Suggestion:
    """Score ``found`` for ``need`` and give the reasons, best first."""
    scorer = Scorer(need, today or timezone.localdate())
    return scorer.explain(scorer.measure(found))


def _suggestion(row: dict) -> Suggestion:
    return Suggestion(
        resource_id=row["resource_id"],
        name=row["name"],
        kind=row["kind"],
        area_code=row["resource_area"],
        capacity=row["capacity"],
        in_use=row["in_use"],
        times=row["times"] or [],
        team_id=row["team_id"],
        venue_id=row["venue_id"],
    )


def rank(need: Need, *, limit: int = 10, today: dt.date | None = None) -> list[Suggestion]:
    """The best ``limit`` resources for ``need`` (no permission check: see :func:`suggestions`),
    with their reasons and area names (two queries in all)."""
    today = today or timezone.localdate()
    limit = max(1, min(int(limit), LIMIT_MAX))
    scorer = Scorer(need, today)
    scored = [scorer.measure(_suggestion(row)) for row in candidate_rows(need, today=today)]
    scored.sort(key=lambda s: (-s.score, -s.near, -s.spare, s.resource_id))
    top = [scorer.explain(found) for found in scored[:limit]]
    if top:
        names = dict(
            Area.objects.filter(code__in={s.area_code for s in top}).values_list("code", "name")
        )
        for item in top:
            item.area_name = names.get(item.area_code, "")
    return top


def suggestions(*, actor, need_id, limit: int = 10) -> list[Suggestion]:
    """Resources that may help with a need the actor sees (``match.view``), best first, each
    with its score out of 100 and the reasons. A need that is met or closed gets none."""
    from .lists import need_get

    need = need_get(actor=actor, need_id=need_id)
    if need.status not in (Need.Status.OPEN, Need.Status.MATCHED):
        return []
    return rank(need, limit=limit)


def resource_for(
    need: Need, resource: Resource, *, today: dt.date | None = None
) -> Suggestion | None:
    """``resource`` scored for ``need`` when it may help at all (the same rules as the
    database filter of :func:`candidate_rows`), else None. Capacity is the caller's to check."""
    today = today or timezone.localdate()
    start, end = window(need, today)
    if not resource.active or need.category not in (resource.categories or []):
        return None
    if not serves(resource.serves, resource.area_code, need.area_code):
        return None
    if resource.available_until is not None and resource.available_until < start:
        return None
    if end is not None and resource.available_from is not None and resource.available_from > end:
        return None
    found = Suggestion(
        resource_id=resource.pk,
        name=resource.name,
        kind=resource.kind,
        area_code=resource.area_code,
        capacity=resource.capacity,
        in_use=resource.in_use,
        times=list(resource.times or []),
        team_id=resource.team_id,
        venue_id=resource.venue_id,
    )
    return assess(need, found, today=today)


def next_time(need: Need, offered, *, today: dt.date | None = None) -> dt.datetime | None:
    """When to meet: the first weekly time from tomorrow (or the need's start) that both the
    need and the resource name (or either, or any), within two weeks and the need's window;
    as the start of that part of the day (09:00, 14:00 or 19:00, local time)."""
    today = today or timezone.localdate()
    wanted, offered = ordered_times(need.times), ordered_times(offered)
    both = [code for code in wanted if code in set(offered)]
    slots = set(both or wanted or offered or AVAILABILITY)
    first = today + dt.timedelta(days=1)
    if need.wanted_from and need.wanted_from > first:
        first = need.wanted_from
    for ahead in range(14):
        day = first + dt.timedelta(days=ahead)
        if need.wanted_until and day > need.wanted_until:
            return None
        for part in PARTS:
            if f"{DAYS[day.weekday()]}_{part}" in slots:
                begins = dt.datetime.combine(day, dt.time(PART_HOURS[part][0]))
                return timezone.make_aware(begins, timezone.get_current_timezone())
    return None


def area_name_subquery(field: str = "area_code") -> Subquery:
    """The name of the area whose code is in ``field`` (for lists: no join, one query)."""
    return Subquery(Area.objects.filter(code=OuterRef(field)).values("name")[:1])


__all__ = [
    "CANDIDATES_MAX",
    "DAY_NAMES",
    "LIMIT_MAX",
    "PART_HOURS",
    "PART_NAMES",
    "Reason",
    "Suggestion",
    "area_name_subquery",
    "assess",
    "candidate_rows",
    "community_of",
    "nearness",
    "next_time",
    "ordered_times",
    "rank",
    "reach",
    "resource_for",
    "serves",
    "serves_q",
    "serving_q",
    "slot_label",
    "suggestions",
    "week_grid",
    "within_q",
]
