"""workforce queries: training of community workers — courses, sessions and attendance, the
training rules, and the training coverage figure (城乡社区工作者素质提升培训覆盖率). Who is due
or overdue is in :mod:`linli.workforce.queries.training_due`.

Reading needs ``workforce.view`` (or ``training.manage``). Courses are organised for a county,
town or prefecture: everyone who reads workers at, under or above that area sees the course;
attendance rows carry the worker's community and are read within the reader's areas only.

Who is trained: a live worker (hired on or before the day, not left by then) with an attended
training on or after :func:`~linli.workforce.rules.window_start` of their cycle and not after
the day, and — when the rule asks for hours — enough attended hours in that window. The cycle
is the worker's kind (heads or others) under the nearest rule up the tree. The same rule, in
the same SQL expressions, gives :func:`trained_counts` (the figure) and
:func:`~linli.workforce.queries.training_due.training_status` (the list of who is due), so
they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from .. import rules
from ..models import Attendance, Course, Session, TrainingRule, Worker
from ..rules import Cycle, RuleBook, significant_prefix

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
CHOICES_MAX = 400
SEARCH_MAX = 40
HOURS = DecimalField(max_digits=7, decimal_places=1)

# Digits of a community code that name the child area, by the level of the parent.
CHILD_DIGITS = {Level.PROVINCE: 4, Level.PREFECTURE: 6, Level.COUNTY: 9, Level.TOWN: 12}


# --- areas and reach ----------------------------------------------------------------------------


def _read_prefixes(actor) -> list[str]:
    found = set(scoping.prefixes(actor, Cap.WORKFORCE_VIEW))
    found.update(scoping.prefixes(actor, Cap.TRAINING_MANAGE))
    minimal: list[str] = []
    for prefix in sorted(found, key=len):
        if not any(prefix.startswith(kept) for kept in minimal):
            minimal.append(prefix)
    return sorted(minimal)


def training_readable(actor) -> bool:
    return bool(_read_prefixes(actor))


def training_manageable(actor, area_code: str | None = None) -> bool:
    """Does the actor keep training records (anywhere, or over ``area_code``)?"""
    return scoping.has_cap(actor, Cap.TRAINING_MANAGE, area_code)


def training_area(actor, value=None, *, field: str = "area") -> Area:
    """The area ``value`` when the actor reads workers in all of it; with no value, the actor's
    widest such area. Forbidden without the capability, NotFound for an area not theirs."""
    granted = _read_prefixes(actor)
    if not granted:
        raise Forbidden(_("You do not have permission to do this here."))
    if value in (None, ""):
        if granted[0] == "":
            raise ActionError(_("Choose an area."), field=field)
        code = areacodes.normalize(granted[0])
    else:
        try:
            code = areacodes.normalize(str(value).replace("\x00", ""))
        except areacodes.AreaCodeError as exc:
            raise ActionError(str(exc.args[0]), field=field) from None
    area = Area.objects.filter(code=code).first()
    if area is None or not any(area.code.startswith(p) for p in granted):
        raise NotFound(_("No such area among yours."), field=field)
    return area


def as_of_day(value=None) -> dt.date:
    """The day figures are read for: today when not given; from 2000 to 2100."""
    if value in (None, ""):
        return timezone.localdate()
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).replace("\x00", "").strip())
        except ValueError:
            raise ActionError(_("Enter a date as YYYY-MM-DD."), field="as_of") from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ActionError(_("Choose a day from 2000 to 2100."), field="as_of")
    return value


def area_names(codes) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


def course_visible_q(actor, field: str = "area_code") -> Q:
    """Courses organised for an area at, under or above one of the actor's areas."""
    granted = _read_prefixes(actor)
    if not granted:
        return Q(pk__in=[])
    if "" in granted:
        return Q()
    q = Q()
    for prefix in granted:
        above = areacodes.ancestors(areacodes.normalize(prefix))
        q |= Q(**{f"{field}__startswith": prefix}) | Q(**{f"{field}__in": above})
    return q


def training_course_areas(*, actor) -> list[Area]:
    """The prefectures, counties and towns the actor may organise courses for."""
    granted = scoping.prefixes(actor, Cap.TRAINING_MANAGE)
    levels = (Level.PREFECTURE, Level.COUNTY, Level.TOWN)
    return list(
        Area.objects.filter(level__in=levels)
        .filter(scoping.prefix_q(granted, "code"))
        .order_by("code")[:CHOICES_MAX]
    )


def training_rule_areas(*, actor) -> list[Area]:
    """The provinces, prefectures and counties whose training rules the actor may set."""
    granted = scoping.prefixes(actor, Cap.TRAINING_MANAGE)
    levels = (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY)
    return list(
        Area.objects.filter(level__in=levels)
        .filter(scoping.prefix_q(granted, "code"))
        .order_by("code")[:CHOICES_MAX]
    )


# --- the rule, as SQL ---------------------------------------------------------------------------


def live_q(as_of: dt.date, path: str = "") -> Q:
    """Workers on the books on ``as_of``: hired by then and not left by then."""
    return Q(**{f"{path}hired_on__lte": as_of}) & (
        Q(**{f"{path}left_on__isnull": True}) | Q(**{f"{path}left_on__gt": as_of})
    )


def _worker_sql(qs: QuerySet[Worker]) -> tuple[str, tuple]:
    """The SQL of the workers of ``qs`` with the columns the rule reads (see rules.py)."""
    columns = ("id", "name", "community_id", "area_code", "committee_role")
    return qs.order_by().values(*columns).query.sql_with_params()


def trained_counts(*, prefix: str, as_of: dt.date) -> dict[str, tuple[int, int]]:
    """``{community code: (trained, live workers)}`` for every community under ``prefix`` (a
    significant prefix such as ``220403``, a full code, or "" for all) that has live workers on
    ``as_of``. Unscoped: the caller scopes. Two queries: the rules, then one aggregate."""
    prefix = significant_prefix(prefix)
    book = RuleBook.under(prefix)
    workers = Worker.objects.filter(live_q(as_of))
    if prefix:
        workers = workers.filter(area_code__startswith=prefix)
    sql, params = rules.trained_sql(book, *_worker_sql(workers), as_of)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return {code: (int(trained or 0), int(live)) for code, live, trained in found}


# --- the coverage figure ------------------------------------------------------------------------


@dataclass
class CoverageRow:
    code: str
    name: str
    area: Area | None = None
    trained: int = 0
    workers: int = 0

    @property
    def rate(self) -> float | None:
        return self.trained / self.workers if self.workers else None

    @property
    def percent(self) -> float | None:
        rate = self.rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def untrained(self) -> int:
        return self.workers - self.trained


@dataclass
class CoverageTable:
    area: Area
    as_of: dt.date
    total: CoverageRow
    rows: list[CoverageRow] = field(default_factory=list)


def training_coverage(*, actor, area_code=None, as_of=None) -> CoverageTable:
    """The training coverage of an area on ``as_of`` (default today) and of each of its child
    areas (every child listed, in code order; a community has no child rows)."""
    area = training_area(actor, area_code)
    as_of = as_of_day(as_of)
    counts = trained_counts(prefix=area.prefix, as_of=as_of)
    total = CoverageRow(code=area.code, name=area.name, area=area)
    for trained, workers in counts.values():
        total.trained += trained
        total.workers += workers
    table = CoverageTable(area=area, as_of=as_of, total=total)
    digits = CHILD_DIGITS.get(Level(area.level))
    if digits is None:
        return table
    rows: dict[str, CoverageRow] = {}
    for child in Area.objects.filter(parent=area).only("code", "name", "level", "prefix"):
        rows[child.prefix] = CoverageRow(code=child.code, name=child.name, area=child)
    for community, (trained, workers) in counts.items():
        part = community[:digits]
        row = rows.get(part)
        if row is None:  # a community missing from the tree: counted, shown by its code
            row = rows[part] = CoverageRow(code=part.ljust(12, "0"), name=part)
        row.trained += trained
        row.workers += workers
    table.rows = sorted(rows.values(), key=lambda r: r.code)
    return table


# --- courses and sessions -----------------------------------------------------------------------


def _attendance_seen(actor, path: str) -> Q:
    """Attended rows (reached through ``path``) of workers the actor reads."""
    return Q(**{f"{path}attended": True}) & scoping.prefix_q(
        scoping.prefixes(actor, Cap.WORKFORCE_VIEW), f"{path}area_code"
    )


def course_list(*, actor, filters: dict | None = None) -> QuerySet[Course]:
    """Courses the actor sees, newest first, each with ``session_count``, ``first_on``,
    ``last_on`` and ``attended`` (attendance of the actor's workers). Filters: ``q`` (words of
    the title or organiser), ``mode``, ``area`` (courses organised for this area or under it)."""
    filters = filters or {}
    if not training_readable(actor):
        raise Forbidden(_("You do not have permission to do this here."))
    qs = Course.objects.filter(course_visible_q(actor))
    words = " ".join(str(filters.get("q") or "").split())[:SEARCH_MAX]
    if words:
        qs = qs.filter(Q(title__icontains=words) | Q(organiser__icontains=words))
    mode = str(filters.get("mode") or "")
    if mode:
        if mode not in Course.Mode.values:
            raise ActionError(_("Choose a mode from the list."), field="mode")
        qs = qs.filter(mode=mode)
    area = str(filters.get("area") or "")
    if area:
        qs = qs.filter(area_code__startswith=training_area(actor, area).prefix)
    return (
        qs.select_related("area")
        .annotate(
            session_count=Count("sessions", distinct=True),
            first_on=Min("sessions__starts_on"),
            last_on=Max("sessions__ends_on"),
            attended=Count(
                "sessions__attendances",
                filter=_attendance_seen(actor, "sessions__attendances__"),
                distinct=True,
            ),
        )
        .order_by("-created_at", "-id")
    )


def _sessions(actor) -> QuerySet[Session]:
    return Session.objects.annotate(
        attended=Count("attendances", filter=_attendance_seen(actor, "attendances__"))
    )


def course_get(*, actor, course_id) -> Course:
    """One course with its sessions (``course.sessions.all()``, each with ``attended``)."""
    if not training_readable(actor):
        raise Forbidden(_("You do not have permission to do this here."))
    course = (
        Course.objects.filter(course_visible_q(actor), pk=course_id)
        .select_related("area", "created_by")
        .prefetch_related(
            Prefetch("sessions", queryset=_sessions(actor).order_by("starts_on", "id"))
        )
        .first()
    )
    if course is None:
        raise NotFound(_("There is no such course among yours."))
    return course


def session_get(*, actor, session_id) -> Session:
    """One session with its course and ``attended`` (attendance of the actor's workers)."""
    if not training_readable(actor):
        raise Forbidden(_("You do not have permission to do this here."))
    session = (
        _sessions(actor)
        .filter(course_visible_q(actor, "course__area_code"), pk=session_id)
        .select_related("course__area")
        .first()
    )
    if session is None:
        raise NotFound(_("There is no such training session among yours."))
    return session


def attendance_sheet(*, actor, session: Session, community: str = "") -> QuerySet[Worker]:
    """The workers who may be marked for ``session``: those of the course's area on the books
    during the session, and anyone marked already — within the actor's areas, by community and
    name. Each carries ``mark_attended`` (None when not marked) and ``mark_hours``."""
    prefix = areacodes.prefix_of(session.area_code)
    during = Q(hired_on__lte=session.ends_on) & (
        Q(left_on__isnull=True) | Q(left_on__gte=session.starts_on)
    )
    mark = Attendance.objects.filter(session_id=session.pk, worker_id=OuterRef("pk"))
    marked = Attendance.objects.filter(session_id=session.pk).values("worker_id")
    qs = scoping.scope(Worker.objects.all(), actor, Cap.WORKFORCE_VIEW).filter(
        (Q(area_code__startswith=prefix) & during) | Q(pk__in=marked)
    )
    if community:
        qs = qs.filter(community_id=community)
    return qs.annotate(
        mark_attended=Subquery(mark.values("attended")[:1]),
        mark_hours=Subquery(mark.values("hours")[:1]),
    ).order_by("area_code", "name", "id")


def training_communities(*, actor, prefix: str) -> list[Area]:
    """The communities under ``prefix`` whose workers the actor reads (for a filter)."""
    qs = scoping.scope(
        Area.objects.filter(level=Level.COMMUNITY), actor, Cap.WORKFORCE_VIEW, "code"
    )
    return list(qs.filter(code__startswith=prefix).order_by("code")[:CHOICES_MAX])


def attendance_list(*, actor, session: Session) -> QuerySet[Attendance]:
    """The marks of ``session`` on the actor's workers."""
    return (
        scoping.scope(Attendance.objects.filter(session_id=session.pk), actor, Cap.WORKFORCE_VIEW)
        .select_related("worker")
        .order_by("area_code", "worker__name", "worker_id")
    )


# --- rules --------------------------------------------------------------------------------------


@dataclass
class RulesView:
    area: Area
    cycles: dict[str, Cycle]  # what applies in the area, per kind
    rules: list[TrainingRule]  # set at the area and under it
    sources: dict[str, str]  # area code → name, for the rules' and cycles' areas
    can_manage: bool


def training_rules(*, actor, area_code=None) -> RulesView:
    """The cycles that apply in an area (and where each comes from), and the rules set at the
    area and under it."""
    from ..rules import cycles_for

    area = training_area(actor, area_code)
    cycles = cycles_for(area.code)
    rules = list(
        TrainingRule.objects.filter(area_code__startswith=area.prefix).order_by(
            "area_code", "applies_to"
        )
    )
    codes = {rule.area_code for rule in rules} | {
        c.area_code for c in cycles.values() if c.area_code
    }
    return RulesView(
        area=area,
        cycles=cycles,
        rules=rules,
        sources=area_names(codes),
        can_manage=area.level <= Level.COUNTY and training_manageable(actor, area.code),
    )


def training_rule_get(*, actor, rule_id) -> TrainingRule:
    rule = (
        TrainingRule.objects.filter(course_visible_q(actor), pk=rule_id)
        .select_related("area")
        .first()
    )
    if rule is None:
        raise NotFound(_("There is no such training rule among yours."))
    return rule


__all__ = [
    "CoverageRow",
    "CoverageTable",
    "RulesView",
    "as_of_day",
    "attendance_list",
    "attendance_sheet",
    "course_get",
    "course_list",
    "course_visible_q",
    "session_get",
    "trained_counts",
    "training_area",
    "training_communities",
    "training_course_areas",
    "training_coverage",
    "training_manageable",
    "training_readable",
    "training_rule_areas",
    "training_rule_get",
    "training_rules",
]
