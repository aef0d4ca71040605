"""care queries: the care roster, visit plans, plan runs and the county's visit policy.

Every read is scoped to the areas where the actor holds ``care.view``; a row outside them is
"not found", never "forbidden". Lists are querysets shaped for one page: the roster carries this
month's plan of each person (worker, visits made) as annotations, so a page is one query plus
its count. The health and living notes are never loaded here (they need ``care.notes``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area, RoleAssignment
from linli.core.roles import Cap
from linli.registry.models import GridStaff, GroupTag, Resident
from linli.registry.queries import search_q

from ..models import (
    COMMUNITY_CARE_ROLES,
    WORKER_DUTIES,
    Plan,
    Policy,
    Risk,
    Run,
    Subject,
    month_end,
    month_start,
)

NOTES = ("health_notes", "living_notes")
PER_PAGE_MAX = 200
MONTH_FIRST = dt.date(2000, 1, 1)


# --- shared parsing ------------------------------------------------------------------------------


def parse_month(value, *, field: str = "month") -> dt.date:
    """The first day of a month given as ``2026-03``, ``2026-03-15`` or a date."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value or "").replace("\x00", "").strip()
        try:
            day = dt.date.fromisoformat(text + "-01" if len(text) == 7 else text)
        except ValueError:
            raise ActionError(_("Enter a month as YYYY-MM."), field=field) from None
    day = month_start(day)
    latest = month_start(month_end(timezone.localdate()) + dt.timedelta(days=1))
    if day < MONTH_FIRST or day > latest:
        raise ActionError(
            _("Choose a month from 2000-01 up to next month."), field=field, code="month"
        )
    return day


def area_code_of(value, *, field: str = "area_code") -> str:
    """An area code in canonical form, or an error naming ``field``."""
    try:
        return areacodes.normalize(str(value or "").replace("\x00", ""))
    except areacodes.AreaCodeError as exc:
        raise ActionError(str(exc.args[0]), field=field) from None


def area_prefix_of(value, *, field: str = "area_code") -> str:
    """The significant prefix of an area code (rows inside the area start with it), or an
    error naming ``field`` for a code that is no area's (``000000000000000``)."""
    code = area_code_of(value, field=field)
    try:
        return areacodes.prefix_of(code)
    except areacodes.AreaCodeError as exc:
        raise ActionError(str(exc.args[0]), field=field) from None


def county_of(area_code: str) -> str:
    """The 12-digit code of the county an area lies in (its first six digits)."""
    return area_code[:6].ljust(12, "0")


def visible_area(actor, value, *, cap: str = Cap.CARE_VIEW, field: str = "area_code") -> Area:
    """The area ``value`` if the actor holds ``cap`` somewhere inside or above it; else 404.

    With no code, the actor's own widest area for ``cap``.
    """
    granted = scoping.prefixes(actor, cap)
    if not granted:
        raise Forbidden(_("You do not have permission to do this here."))
    if value in (None, ""):
        prefix = granted[0]
        if prefix == "":
            raise ActionError(_("Choose an area."), field=field)
        code = prefix if len(prefix) in (12, 15) else prefix.ljust(12, "0")
    else:
        code = area_code_of(value, field=field)
    area = Area.objects.filter(code=code).first()
    if area is None or not any(area.code.startswith(p) for p in granted):
        raise NotFound(_("No such area among yours."), field=field)
    return area


def _paged(qs, page, per_page) -> Page:
    per_page = max(1, min(int(per_page or 50), PER_PAGE_MAX))
    return Paginator(qs, per_page).get_page(page)


def _user_id(value, *, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or number < 1 or number > 2**63 - 1:
        raise ActionError(_("Choose someone from the list."), field=field)
    return number


# --- the roster ----------------------------------------------------------------------------------


def _current_plan(field: str, month: dt.date):
    return Subquery(Plan.objects.filter(subject=OuterRef("pk"), month=month).values(field)[:1])


def subjects(
    *,
    actor,
    area_code=None,
    kind=None,
    risk=None,
    q=None,
    worker_id=None,
    include_ended: bool = False,
    month: dt.date | None = None,
) -> QuerySet[Subject]:
    """People on the care roster the actor may see, filtered, each with this month's plan:
    ``plan_id``, ``plan_status``, ``plan_done``, ``plan_required``, ``plan_worker_id`` and
    ``plan_worker_name`` (None when they have no plan this month)."""
    month = month or month_start(timezone.localdate())
    qs = scoping.scope(Subject.objects.all(), actor, Cap.CARE_VIEW)
    if not include_ended:
        qs = qs.filter(ended_on__isnull=True)
    if area_code:
        qs = qs.filter(area_code__startswith=area_prefix_of(area_code))
    if kind:
        if kind not in Policy.Kind.values:
            raise ActionError(_("Choose a visit kind from the list."), field="kind")
        qs = qs.filter(kind=kind)
    if risk:
        if risk not in Risk.values:
            raise ActionError(_("Choose a risk level from the list."), field="risk")
        qs = qs.filter(risk=risk)
    text = " ".join(str(q or "").replace("\x00", "").split())[:50]
    if text:
        qs = qs.filter(resident__in=Resident.objects.filter(search_q(text)).values("pk"))
    if worker_id not in (None, ""):
        worker = _user_id(worker_id, field="worker_id")
        qs = qs.filter(
            Exists(Plan.objects.filter(subject=OuterRef("pk"), month=month, worker_id=worker))
        )
    return (
        qs.select_related("resident")
        .defer(*NOTES)
        .annotate(
            plan_id=_current_plan("pk", month),
            plan_status=_current_plan("status", month),
            plan_done=_current_plan("done", month),
            plan_required=_current_plan("required", month),
            plan_worker_id=_current_plan("worker_id", month),
            plan_worker_name=_current_plan("worker__full_name", month),
        )
        .order_by("area_code", "resident__name", "pk")
    )


def subject_list(
    *,
    actor,
    area_code=None,
    kind=None,
    risk=None,
    q=None,
    worker_id=None,
    include_ended: bool = False,
    page=1,
    per_page=50,
) -> Page:
    """One page of :func:`subjects`."""
    qs = subjects(
        actor=actor,
        area_code=area_code,
        kind=kind,
        risk=risk,
        q=q,
        worker_id=worker_id,
        include_ended=include_ended,
    )
    return _paged(qs, page, per_page)


def subject_get(*, actor, subject_id) -> Subject:
    """One person on the roster (or who was), with their resident row; 404 outside one's areas.
    The notes are deferred: reading them is ``subject_notes_reveal`` (audited)."""
    try:
        pk = int(subject_id)
    except (TypeError, ValueError):
        pk = 0
    subject = (
        scoping.scope(Subject.objects.all(), actor, Cap.CARE_VIEW)
        .select_related("resident", "resident__household")
        .defer(*NOTES)
        .filter(pk=pk)
        .first()
        if 0 < pk <= 2**63 - 1
        else None
    )
    if subject is None:
        raise NotFound(_("No such person on the care roster among yours."))
    return subject


def subject_plans(*, actor, subject: Subject, months: int = 12) -> list[Plan]:
    """A person's plans, newest month first (the subject was fetched through the actor's scope)."""
    return list(
        Plan.objects.filter(subject=subject)
        .select_related("worker")
        .order_by("-month")[: max(1, min(int(months), 120))]
    )


# --- plans ---------------------------------------------------------------------------------------


def _plan_rows(qs: QuerySet[Plan]) -> QuerySet[Plan]:
    return qs.select_related("subject", "resident", "worker").defer(
        *(f"subject__{field}" for field in NOTES)
    )


def plans(
    *,
    actor,
    month,
    area_code=None,
    status=None,
    worker_id=None,
    unassigned: bool = False,
) -> QuerySet[Plan]:
    """Visit plans of a month the actor may see, filtered, by place then name."""
    month = parse_month(month)
    qs = scoping.scope(Plan.objects.filter(month=month), actor, Cap.CARE_VIEW)
    if area_code:
        qs = qs.filter(area_code__startswith=area_prefix_of(area_code))
    if status:
        if status not in Plan.Status.values:
            raise ActionError(_("Choose a status from the list."), field="status")
        qs = qs.filter(status=status)
    if worker_id not in (None, ""):
        qs = qs.filter(worker_id=_user_id(worker_id, field="worker_id"))
    if unassigned:
        qs = qs.filter(worker__isnull=True)
    return _plan_rows(qs).order_by("area_code", "resident__name", "pk")


def plan_list(
    *,
    actor,
    month,
    area_code=None,
    status=None,
    worker_id=None,
    unassigned: bool = False,
    page=1,
    per_page=50,
) -> Page:
    """One page of :func:`plans`."""
    qs = plans(
        actor=actor,
        month=month,
        area_code=area_code,
        status=status,
        worker_id=worker_id,
        unassigned=unassigned,
    )
    return _paged(qs, page, per_page)


def plan_get(*, actor, plan_id) -> Plan:
    try:
        pk = int(plan_id)
    except (TypeError, ValueError):
        pk = 0
    plan = (
        _plan_rows(scoping.scope(Plan.objects.all(), actor, Cap.CARE_VIEW)).filter(pk=pk).first()
        if 0 < pk <= 2**63 - 1
        else None
    )
    if plan is None:
        raise NotFound(_("No such visit plan among yours."))
    return plan


def plans_due(*, actor, worker=None, today: dt.date | None = None) -> list[Plan]:
    """This month's open plans of ``worker`` (default: the actor), those visited least
    recently first. Another worker's plans are listed only where the actor holds care.view."""
    today = today or timezone.localdate()
    worker = worker or actor
    if not getattr(worker, "pk", None):
        return []
    qs = Plan.objects.filter(worker_id=worker.pk, month=month_start(today), status=Plan.Status.OPEN)
    if getattr(actor, "pk", None) != worker.pk:
        qs = scoping.scope(qs, actor, Cap.CARE_VIEW)
    return list(
        _plan_rows(qs).order_by(
            "due_on", F("last_visit_at").asc(nulls_first=True), "area_code", "pk"
        )
    )


def not_visited_plans(*, actor, month, area_code=None) -> QuerySet[Plan]:
    """Plans of a month still short of their visits (open), those with fewest days left first."""
    month = parse_month(month)
    qs = scoping.scope(
        Plan.objects.filter(month=month, status=Plan.Status.OPEN, done__lt=F("required")),
        actor,
        Cap.CARE_VIEW,
    )
    if area_code:
        qs = qs.filter(area_code__startswith=area_prefix_of(area_code))
    return _plan_rows(qs).order_by("due_on", "area_code", "resident__name", "pk")


def not_visited(*, actor, month, area_code=None, page=1, per_page=50) -> Page:
    """One page of :func:`not_visited_plans`; ``plan.days_left()`` says how long is left."""
    return _paged(not_visited_plans(actor=actor, month=month, area_code=area_code), page, per_page)


# --- runs and policy -----------------------------------------------------------------------------


def runs(*, actor) -> QuerySet[Run]:
    """Plan generations of the actor's areas, newest first."""
    return scoping.scope(Run.objects.select_related("created_by"), actor, Cap.CARE_VIEW)


def run_list(*, actor, page=1, per_page=20) -> Page:
    return _paged(runs(actor=actor), page, per_page)


def run_get(*, actor, run_id) -> Run:
    try:
        pk = int(run_id)
    except (TypeError, ValueError):
        pk = 0
    run = runs(actor=actor).filter(pk=pk).first() if 0 < pk <= 2**63 - 1 else None
    if run is None:
        raise NotFound(_("No such plan run among yours."))
    return run


def _sees_county(actor, county_code: str) -> bool:
    six = county_code[:6]
    for cap in (Cap.CARE_VIEW, Cap.CARE_POLICY):
        for prefix in scoping.prefixes(actor, cap):
            if prefix.startswith(six) or six.startswith(prefix):
                return True
    return False


def policy_county(actor, county_code, *, field: str = "county") -> Area:
    """The county of a policy table, if the actor works anywhere in it (or above it)."""
    code = area_code_of(county_code, field=field)
    area = Area.objects.filter(code=code).first()
    if area is None or not _sees_county(actor, code):
        raise NotFound(_("No such county among yours."), field=field)
    if area.level != areacodes.Level.COUNTY:
        raise ActionError(_("Choose a county."), field=field)
    return area


def policy_list(*, actor, county_code) -> list[Policy]:
    """A county's visit policy rows, in the vocabulary's order. Anyone doing care work in the
    county may read it; changing it needs ``care.policy``."""
    county = policy_county(actor, county_code)
    return list(
        Policy.objects.filter(county=county)
        .select_related("tag", "tag__parent", "updated_by")
        .order_by("tag__sort", "tag_id")
    )


def policy_tags() -> list[GroupTag]:
    """The groups a policy row may name: top-level groups and their kinds, in use."""
    return list(GroupTag.objects.filter(active=True).select_related("parent").order_by("sort"))


@dataclass
class Worker:
    pk: int
    name: str
    grids: set[str] = field(default_factory=set)
    communities: set[str] = field(default_factory=set)


@dataclass
class Serving:
    workers: dict[int, Worker]

    def for_place(self, area_code: str) -> list[Worker]:
        """Who may carry a plan of ``area_code``, the grid's own workers first."""
        found = [
            w
            for w in self.workers.values()
            if area_code in w.grids or area_code[:12] in w.communities
        ]
        return sorted(found, key=lambda w: (area_code not in w.grids, w.name, w.pk))

    def everyone(self) -> list[Worker]:
        return list(self.workers.values())


def care_workers(*, actor, area_codes=(), under: str = "") -> Serving:
    """Who may carry visits in ``area_codes`` (and anywhere ``under`` a prefix), among those the
    actor may see: the grids' workers on duty and the communities' care staff. Two queries."""
    today = timezone.localdate()
    codes = set(area_codes)
    grids = {code for code in codes if len(code) == 15}
    communities = {code[:12] for code in codes}
    on_duty = Q(ended_on__isnull=True) | Q(ended_on__gt=today)
    places = Q(area_code__in=sorted(grids))
    homes = Q(area_code__in=sorted(communities))
    if under:
        places |= Q(area_code__startswith=under)
        homes |= Q(area_code=under[:12].ljust(12, "0"))
    workers: dict[int, Worker] = {}
    duties = (
        GridStaff.objects.filter(
            on_duty,
            places,
            scoping.prefix_q(scoping.prefixes(actor, Cap.CARE_VIEW)),
            duty__in=WORKER_DUTIES,
            user__is_active=True,
            started_on__lte=today,
        )
        .values_list("user_id", "user__full_name", "user__username", "area_code")
        .order_by()
    )
    for user_id, full_name, username, grid in duties:
        workers.setdefault(user_id, Worker(user_id, full_name or username)).grids.add(grid)
    staff = (
        RoleAssignment.objects.filter(
            homes,
            scoping.prefix_q(scoping.prefixes(actor, Cap.CARE_VIEW)),
            role__in=COMMUNITY_CARE_ROLES,
            user__is_active=True,
        )
        .values_list("user_id", "user__full_name", "user__username", "area_code")
        .order_by()
    )
    for user_id, full_name, username, community in staff:
        workers.setdefault(user_id, Worker(user_id, full_name or username)).communities.add(
            community
        )
    return Serving(workers)


__all__ = [
    "Serving",
    "Worker",
    "care_workers",
    "area_code_of",
    "area_prefix_of",
    "county_of",
    "not_visited",
    "not_visited_plans",
    "parse_month",
    "plan_get",
    "plan_list",
    "plans",
    "plans_due",
    "policy_county",
    "policy_list",
    "policy_tags",
    "run_get",
    "run_list",
    "runs",
    "subject_get",
    "subject_list",
    "subject_plans",
    "subjects",
    "visible_area",
]
