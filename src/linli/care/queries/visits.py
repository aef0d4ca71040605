"""Reading care visits, the needs they found and a person's care archive.

Every read is scoped by ``care.view`` over the row's own ``area_code`` (the area of the person
when the visit was made or the need found); rows outside the actor's areas are
:class:`~linli.core.errors.NotFound`, never a 403 that would tell they exist. The health and
living notes of an archive are not read here: only the audited
:func:`linli.care.actions.subject_notes_reveal` returns them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import areacodes, scoping
from linli.core.errors import ActionError, NotFound
from linli.core.pii import mask_phone
from linli.core.roles import Cap
from linli.core.schemas import MAX_ID
from linli.registry.models import GroupTag

from ..models import Need, Plan, Subject, Visit, VisitPhoto, month_start
from .roster import subject_get

__all__ = [
    "ARCHIVE_MONTHS",
    "Archive",
    "MonthCell",
    "can_raise_appeal",
    "can_read_notes",
    "can_visit",
    "need_get",
    "need_list",
    "need_search",
    "plan_of_month",
    "subject_archive",
    "subject_visible",
    "visit_get",
    "visit_list",
    "visit_photo_get",
    "visit_search",
]

ARCHIVE_MONTHS = 12
ARCHIVE_NEEDS = 50
ARCHIVE_APPEALS = 20
PER_PAGE_MAX = 200


# --- what the actor may do with one person ----------------------------------------------------


def can_visit(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.CARE_VISIT, area_code)


def can_read_notes(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.CARE_NOTES, area_code)


def can_raise_appeal(actor, area_code: str) -> bool:
    """A need becomes an appeal for those who record visits and take appeals in there."""
    return can_visit(actor, area_code) and scoping.has_cap(actor, Cap.APPEAL_INTAKE, area_code)


# --- one person --------------------------------------------------------------------------------


def _pk(value) -> int:
    """A row id from outside; anything that names no row is NotFound."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= MAX_ID:
        raise NotFound(_("There is no such record, or it is not yours to see."))
    return number


def subject_visible(*, actor, subject_id) -> Subject:
    """A person on the care roster (now or before) whom the actor sees with ``care.view``, with
    their resident and household (:func:`~linli.care.queries.roster.subject_get`); NotFound
    otherwise."""
    return subject_get(actor=actor, subject_id=subject_id)


def plan_of_month(*, subject: Subject, day: dt.date | None = None) -> Plan | None:
    """The person's visit plan for the month of ``day`` (today), with its worker."""
    month = month_start(day or timezone.localdate())
    return Plan.objects.filter(subject=subject, month=month).select_related("worker").first()


# --- the archive -------------------------------------------------------------------------------


@dataclass
class MonthCell:
    """One month of the archive's row of months."""

    month: dt.date
    plan: Plan | None
    state: str  # met | missed | due | dropped | none

    LABELS = {
        "met": gettext_lazy("visited as planned"),
        "missed": gettext_lazy("not visited as planned"),
        "due": gettext_lazy("due this month"),
        "dropped": gettext_lazy("dropped from the plan"),
        "none": gettext_lazy("no visit plan"),
    }

    @property
    def label(self) -> str:
        return str(self.LABELS[self.state])


@dataclass
class Archive:
    """A person's care archive (without the notes): who they are, the plan of this month, the
    last twelve months, the visits (a page, newest first), the needs found (open first) and
    the appeals raised for them."""

    subject: Subject
    phone_masked: str
    groups: list[GroupTag]
    plan: Plan | None  # this month's
    days_left: int | None
    worker: object | None  # the responsible worker (this month's plan, else the latest)
    months: list[MonthCell]  # oldest first
    visits: Page
    needs: list[Need]
    appeals: list = field(default_factory=list)
    can_visit: bool = False
    can_read_notes: bool = False
    can_raise_appeal: bool = False

    @property
    def resident(self):
        return self.subject.resident

    @property
    def household(self):
        return self.subject.resident.household

    @property
    def open_needs(self) -> int:
        return sum(1 for need in self.needs if need.met_on is None)

    @property
    def met_months(self) -> int:
        return sum(1 for cell in self.months if cell.state == "met")


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    first = month_start(today)
    months = []
    year, month = first.year, first.month
    for _step in range(count):
        months.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(months))


def _cell(month: dt.date, plan: Plan | None, this_month: dt.date) -> MonthCell:
    if plan is None:
        state = "none"
    elif plan.done >= plan.required:
        state = "met"
    elif plan.status == Plan.Status.DROPPED:
        state = "dropped"
    elif month >= this_month:
        state = "due"
    else:
        state = "missed"
    return MonthCell(month=month, plan=plan, state=state)


def _visible_groups(actor, codes: list[str]) -> list[GroupTag]:
    if not codes:
        return []
    roles = scoping.roles(actor)
    tags = GroupTag.objects.filter(code__in=codes).order_by("sort", "code")
    return [
        tag
        for tag in tags
        if not tag.sensitive
        or actor is scoping.SYSTEM
        or roles.intersection(tag.visible_roles or [])
    ]


def _resident_appeals(actor, resident_id: int) -> list:
    from linli.appeals import queries as appeal_queries

    return list(
        appeal_queries.appeal_list(actor=actor, filters={"order": "newest"})
        .filter(resident_id=resident_id)
        .select_related("category")
        .defer("contact_name", "contact_phone", "description", "resolution", "attributes")[
            :ARCHIVE_APPEALS
        ]
    )


def subject_archive(
    *, actor, subject_id, page=1, per_page: int = 20, today: dt.date | None = None
) -> Archive:
    """The care archive of one person the actor sees with ``care.view``; NotFound otherwise.
    ``page`` pages the visits (``per_page`` a page). A fixed number of queries, however long
    the history."""
    subject = subject_visible(actor=actor, subject_id=subject_id)
    today = today or timezone.localdate()
    this_month = month_start(today)
    months = _months_back(today, ARCHIVE_MONTHS)
    plans = {
        plan.month: plan
        for plan in Plan.objects.filter(subject=subject, month__gte=months[0])
        .select_related("worker")
        .order_by("month")
    }
    plan = plans.get(this_month)
    latest = plans[max(plans)] if plans else None
    worker = (plan or latest).worker if (plan or latest) else None
    needs = list(
        scoping.scope(Need.objects.filter(subject=subject), actor, Cap.CARE_VIEW)
        .select_related("appeal", "visit")
        .order_by(F("met_on").desc(nulls_first=True), "-created_at", "-id")[:ARCHIVE_NEEDS]
    )
    area = subject.area_code
    return Archive(
        subject=subject,
        phone_masked=mask_phone(subject.resident.phone) if subject.resident.phone_tail else "",
        groups=_visible_groups(actor, list(subject.tags or [])),
        plan=plan,
        days_left=plan.days_left(today) if plan is not None else None,
        worker=worker,
        months=[_cell(month, plans.get(month), this_month) for month in months],
        visits=visit_list(actor=actor, subject_id=subject.pk, page=page, per_page=per_page),
        needs=needs,
        appeals=_resident_appeals(actor, subject.resident_id),
        can_visit=can_visit(actor, area) and subject.ended_on is None,
        can_read_notes=can_read_notes(actor, area),
        can_raise_appeal=can_raise_appeal(actor, area),
    )


# --- visits ------------------------------------------------------------------------------------


def _area_prefix(code) -> str:
    text = str(code or "").strip()
    if not text:
        return ""
    try:
        return areacodes.prefix_of(areacodes.normalize(text))
    except (areacodes.AreaCodeError, ValueError):
        raise ActionError(_("An area is given by its code."), field="area") from None


def _month(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return month_start(value)
    try:
        return month_start(dt.date.fromisoformat(f"{str(value)[:7]}-01"))
    except ValueError:
        raise ActionError(_("Give a month as YYYY-MM."), field="month") from None


def visit_search(
    *,
    actor,
    subject_id=None,
    area_code=None,
    worker_id=None,
    month=None,
    concerns_only: bool = False,
) -> QuerySet[Visit]:
    """Visits the actor sees with ``care.view``, newest first, filtered by person, area (a
    code prefix), worker, month, or only those that raised a concern. Each row carries its
    person and worker, and counts of its photos and needs."""
    qs = scoping.scope(Visit.objects.all(), actor, Cap.CARE_VIEW)
    if subject_id not in (None, ""):
        qs = qs.filter(subject_id=_pk(subject_id))
    prefix = _area_prefix(area_code)
    if prefix:
        qs = qs.filter(area_code__startswith=prefix)
    if worker_id not in (None, ""):
        qs = qs.filter(worker_id=_pk(worker_id))
    first = _month(month)
    if first is not None:
        start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
        following = (first + dt.timedelta(days=32)).replace(day=1)
        end = timezone.make_aware(dt.datetime.combine(following, dt.time.min))
        qs = qs.filter(visited_at__gte=start, visited_at__lt=end)
    if concerns_only:
        qs = qs.filter(concerns__gt=0)
    return (
        qs.select_related("resident", "worker", "plan")
        .defer("notes")
        .annotate(
            photo_count=Count("photos", distinct=True), need_count=Count("needs", distinct=True)
        )
        .order_by("-visited_at", "-id")
    )


def _page(qs, page, per_page: int) -> Page:
    per_page = max(1, min(int(per_page or 50), PER_PAGE_MAX))
    return Paginator(qs, per_page).get_page(page)


def visit_list(
    *,
    actor,
    subject_id=None,
    area_code=None,
    worker_id=None,
    month=None,
    concerns_only: bool = False,
    page=1,
    per_page: int = 50,
) -> Page:
    """One page of :func:`visit_search`."""
    qs = visit_search(
        actor=actor,
        subject_id=subject_id,
        area_code=area_code,
        worker_id=worker_id,
        month=month,
        concerns_only=concerns_only,
    )
    return _page(qs, page, per_page)


def visit_get(*, actor, visit_id) -> Visit:
    """One visit the actor sees with ``care.view``, with its person, worker, plan, photos and
    needs (and their appeals); NotFound otherwise."""
    pk = _pk(visit_id)
    visit = (
        scoping.scope(Visit.objects.filter(pk=pk), actor, Cap.CARE_VIEW)
        .select_related("subject", "resident", "resident__household", "worker", "plan")
        .prefetch_related("photos", "needs__appeal")
        .first()
    )
    if visit is None:
        raise NotFound(_("There is no such visit, or it is not yours to see."))
    return visit


def visit_photo_get(*, actor, photo_id) -> VisitPhoto:
    """A photo of a visit the actor sees; NotFound otherwise."""
    pk = _pk(photo_id)
    photo = (
        VisitPhoto.objects.filter(pk=pk)
        .filter(scoping.prefix_q(scoping.prefixes(actor, Cap.CARE_VIEW), "visit__area_code"))
        .first()
    )
    if photo is None:
        raise NotFound(_("There is no such photo, or it is not yours to see."))
    return photo


# --- needs -------------------------------------------------------------------------------------


def need_search(
    *, actor, area_code=None, open_only: bool = True, subject_id=None, urgent_only: bool = False
) -> QuerySet[Need]:
    """Needs found on visits that the actor sees with ``care.view``: open ones (not yet met)
    by default, urgent first, then the oldest waiting longest; with ``open_only=False`` all,
    newest first."""
    qs = scoping.scope(Need.objects.all(), actor, Cap.CARE_VIEW)
    prefix = _area_prefix(area_code)
    if prefix:
        qs = qs.filter(area_code__startswith=prefix)
    if subject_id not in (None, ""):
        qs = qs.filter(subject_id=_pk(subject_id))
    if urgent_only:
        qs = qs.filter(urgency=Need.Urgency.URGENT)
    qs = qs.select_related("resident", "appeal", "visit")
    if open_only:
        urgent_first = F("urgency").desc()  # "urgent" sorts after "normal"
        return qs.filter(met_on__isnull=True).order_by(urgent_first, "created_at", "id")
    return qs.order_by("-created_at", "-id")


def need_list(
    *, actor, area_code=None, open_only: bool = True, page=1, per_page: int = 50, **filters
) -> Page:
    """One page of :func:`need_search`."""
    qs = need_search(actor=actor, area_code=area_code, open_only=open_only, **filters)
    return _page(qs, page, per_page)


def need_get(*, actor, need_id, cap: str = Cap.CARE_VIEW) -> Need:
    pk = _pk(need_id)
    need = (
        scoping.scope(Need.objects.filter(pk=pk), actor, cap)
        .select_related("subject", "resident", "resident__household", "appeal", "visit")
        .first()
    )
    if need is None:
        raise NotFound(_("There is no such need, or it is not yours to see."))
    return need
