"""care actions: monthly visit plans — generation (and its background run), reassignment, and
the sweep that reminds workers and alerts on overdue visits.

Generation for a month is idempotent: it refreshes the roster, then makes the plan of everyone
on it who has none, moves open plans of people who moved, reassigns open plans whose worker no
longer serves the place, and drops open plans of people who left the roster. Met plans are never
touched. A second run of the same month changes nothing and says so (every count zero).

Who serves a place: the grid workers on duty in the person's grid (full-time or part-time, with
an active account), and the community's own care staff (community workers and heads). A plan is
given to the grid's full-time worker on duty (the longest serving first, then part-time ones);
people living in no grid, or in a grid with nobody on duty, are left unassigned for the
community head to give to someone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from linli.core import actions as core_actions
from linli.core import audit, scoping
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import RoleAssignment, User
from linli.core.roles import Cap, Role
from linli.registry.models import GridStaff

from .. import queries
from ..models import (
    COMMUNITY_CARE_ROLES,
    VISITS_PER_MONTH,
    WORKER_DUTIES,
    MonthFigure,
    Plan,
    Policy,
    Run,
    Subject,
    Visit,
    month_end,
)
from .figures import month_figures_count
from .roster import (
    BATCH,
    CHUNK,
    LOOKUPS,
    _pk,
    _user,
    insert_rows,
    lock_counties,
    refresh,
    update_rows,
)

log = logging.getLogger(__name__)

REMIND_DAYS = 3  # the due-soon reminder goes out this many days before the month's last day
RUN_STALE_AFTER = dt.timedelta(hours=1)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


# --- who serves where ----------------------------------------------------------------------------


class Workers:
    """Who may carry the plans of the places under a prefix, on a day."""

    def __init__(self, prefix: str, today: dt.date):
        rows = (
            GridStaff.objects.filter(
                Q(ended_on__isnull=True) | Q(ended_on__gt=today),
                duty__in=WORKER_DUTIES,
                user__isnull=False,
                user__is_active=True,
                started_on__lte=today,
                area_code__startswith=prefix[:15],
            )
            .values_list("area_code", "user_id", "duty", "started_on", "pk")
            .order_by()
        )
        self.serving: dict[str, set[int]] = defaultdict(set)
        self.preferred: dict[str, int] = {}
        ranked = sorted(rows, key=lambda r: (r[0], r[2] != GridStaff.Duty.GRID_WORKER, r[3], r[4]))
        for grid, user_id, *_rest in ranked:
            self.serving[grid].add(user_id)
            self.preferred.setdefault(grid, user_id)
        self.community: dict[int, list[str]] = {}

    def load(self, user_ids) -> None:
        """Learn which of ``user_ids`` are community care staff, and where."""
        missing = sorted({u for u in user_ids if u is not None and u not in self.community})
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            for user_id in chunk:
                self.community[user_id] = []
            for user_id, prefix in RoleAssignment.objects.filter(
                user_id__in=chunk, user__is_active=True, role__in=COMMUNITY_CARE_ROLES
            ).values_list("user_id", "area__prefix"):
                self.community[user_id].append(prefix)

    def serves(self, user_id: int | None, area_code: str) -> bool:
        if user_id is None:
            return False
        if user_id in self.serving.get(area_code, ()):
            return True
        self.load([user_id])
        return any(area_code[:12].startswith(p) for p in self.community[user_id])

    def default(self, area_code: str) -> int | None:
        return self.preferred.get(area_code)


# --- generation ----------------------------------------------------------------------------------

_PLAN_ROW = (
    "pk",
    "subject_id",
    "status",
    "worker_id",
    "area_code",
    "frequency",
    "required",
    "done",
    "subject__ended_on",
    "subject__end_reason",
)


def _local_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    following = month_end(month) + dt.timedelta(days=1)
    return start, timezone.make_aware(dt.datetime.combine(following, dt.time.min))


def generate(prefix: str, month: dt.date, today: dt.date, now: dt.datetime) -> dict[str, int]:
    """Make one month's plans for the roster under ``prefix`` (the roster already refreshed).
    The caller holds the transaction."""
    end = month_end(month)
    subjects = list(
        Subject.objects.filter(
            ended_on__isnull=True, area_code__startswith=prefix, started_on__lte=end
        ).values_list("pk", "resident_id", "area_code", "frequency")
    )
    plans = list(
        Plan.objects.filter(month=month, area_code__startswith=prefix).values_list(*_PLAN_ROW)
    )
    by_subject = {row[1]: row for row in plans}
    if prefix:  # plans made before their person moved here
        missing = [row[0] for row in subjects if row[0] not in by_subject]
        if len(missing) > LOOKUPS * CHUNK:  # a new month: few plans yet, one query
            queries_ = [
                Plan.objects.filter(
                    month=month,
                    subject__ended_on__isnull=True,
                    subject__area_code__startswith=prefix,
                ).exclude(area_code__startswith=prefix)
            ]
        else:
            queries_ = [
                Plan.objects.filter(month=month, subject_id__in=missing[start : start + CHUNK])
                for start in range(0, len(missing), CHUNK)
            ]
        for qs in queries_:
            for row in qs.values_list(*_PLAN_ROW):
                plans.append(row)
                by_subject[row[1]] = row
    workers = Workers(prefix, today)
    workers.load(row[3] for row in plans if row[2] == Plan.Status.OPEN and row[3] is not None)

    create: list[list] = []
    change: list[tuple] = []
    reassigned = updated = 0
    for subject_id, resident_id, area_code, frequency in subjects:
        required = VISITS_PER_MONTH[frequency]
        row = by_subject.get(subject_id)
        if row is None:
            create.append(
                [subject_id, resident_id, area_code, month, end, frequency, required, 0,
                 Plan.Status.OPEN, workers.default(area_code), None, "", now]
            )  # fmt: skip
            continue
        pk, _s, status, worker_id, plan_area, plan_frequency, plan_required, done = row[:8]
        if status != Plan.Status.OPEN:
            continue  # met plans (and dropped ones) stay as they are
        worker = worker_id
        if not workers.serves(worker_id, area_code):
            worker = workers.default(area_code)
        new_status = Plan.Status.DONE if done >= required else status
        now_values = (area_code, worker, frequency, required, new_status)
        if now_values == (plan_area, worker_id, plan_frequency, plan_required, status):
            continue
        if worker != worker_id:
            reassigned += 1
        else:
            updated += 1
        change.append((pk, area_code, worker, frequency, required, new_status))

    dropped = 0
    drops: dict[tuple[dt.date, str], list[int]] = defaultdict(list)
    for row in plans:
        ended_on, reason = row[8], row[9]
        if row[2] == Plan.Status.OPEN and ended_on is not None and ended_on <= end:
            drops[(max(ended_on, month), reason)].append(row[0])
    for (day, reason), ids in drops.items():
        for start in range(0, len(ids), BATCH):
            dropped += Plan.objects.filter(
                pk__in=ids[start : start + BATCH], status=Plan.Status.OPEN
            ).update(status=Plan.Status.DROPPED, drop_reason=reason, dropped_on=day)

    _count_earlier_visits(create, prefix, month)
    insert_rows(Plan, _NEW_PLAN, create)
    _link_earlier_visits(create, month)
    update_rows(Plan, ("area_code", "worker", "frequency", "required", "status"), change)
    return {
        "plans_created": len(create),
        "plans_reassigned": reassigned,
        "plans_updated": updated,
        "plans_dropped": dropped,
    }


_NEW_PLAN = (
    "subject",
    "resident",
    "area_code",
    "month",
    "due_on",
    "frequency",
    "required",
    "done",
    "status",
    "worker",
    "last_visit_at",
    "drop_reason",
    "created_at",
)
_DONE, _STATUS, _LAST = 7, 8, 10  # positions in a new plan's row


def _count_earlier_visits(create: list[list], prefix: str, month: dt.date) -> None:
    """Visits recorded this month before the person's plan was made count towards it (those
    that reached the person or someone with them; an attempt where nobody was there does not)."""
    if not create:
        return
    start, stop = _local_bounds(month)
    found = {
        row["subject_id"]: row
        for row in Visit.objects.filter(
            plan__isnull=True,
            area_code__startswith=prefix,
            visited_at__gte=start,
            visited_at__lt=stop,
        )
        .exclude(saw=Visit.Saw.NOBODY)  # an attempt is kept in the archive, not counted
        .values("subject_id")
        .annotate(n=Count("pk"), last=Max("visited_at"))
        .order_by()
    }
    if not found:
        return
    for plan in create:
        row = found.get(plan[0])
        if row is not None:
            plan[_DONE] = min(row["n"], 32767)
            plan[_LAST] = row["last"]
            if plan[_DONE] >= plan[_DONE - 1]:
                plan[_STATUS] = Plan.Status.DONE


def _link_earlier_visits(create: list[list], month: dt.date) -> None:
    counted = [plan[0] for plan in create if plan[_DONE]]
    if not counted:
        return
    start, stop = _local_bounds(month)
    ids = dict(
        Plan.objects.filter(month=month, subject_id__in=counted).values_list("subject_id", "pk")
    )
    for subject_id, plan_id in ids.items():
        Visit.objects.filter(
            subject_id=subject_id, plan__isnull=True, visited_at__gte=start, visited_at__lt=stop
        ).exclude(saw=Visit.Saw.NOBODY).update(plan_id=plan_id)


def care_plan_generate(*, actor, area_code, month, now=None) -> dict[str, int]:
    """Refresh the roster of an area and make its plans for a month (see the module).

    Returns the counts: roster ``added``, ``updated``, ``ended``; ``plans_created``,
    ``plans_reassigned``, ``plans_updated``, ``plans_dropped``. All zero on a rerun that
    finds nothing changed.
    """
    area = queries.visible_area(actor, area_code, cap=Cap.CARE_PLAN)
    month = queries.parse_month(month)
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        scoping.require(actor, Cap.CARE_PLAN, area.code)
        lock_counties(area.prefix)
        counts = refresh(area.prefix, today)
        made = generate(area.prefix, month, today, now)
        counts["plans_dropped"] += made.pop("plans_dropped")
        counts.update(made)
        if MonthFigure.objects.filter(area_code="", month=month).exists():
            month_figures_count(month, now=now)  # a past month made again: its kept figures too
        audit.record(
            actor,
            "care.plan_generate",
            area,
            area_code=area.code,
            extra={"month": f"{month:%Y-%m}", **counts},
        )
    return counts


# --- background runs -----------------------------------------------------------------------------


def _queue(run: Run) -> None:
    from ..tasks import generate_plans

    transaction.on_commit(lambda: generate_plans.enqueue(run.pk))


def care_plan_request(*, actor, area_code, month, background: bool = True) -> Run:
    """Queue a month's plan generation for an area (the task worker runs it; see ``runs``).
    ``background=False`` only records the run: the caller runs it (``care_plan_run``)."""
    area = queries.visible_area(actor, area_code, cap=Cap.CARE_PLAN)
    month = queries.parse_month(month)
    with transaction.atomic():
        scoping.require(actor, Cap.CARE_PLAN, area.code)
        busy = Run.objects.filter(
            area_code=area.code,
            month=month,
            status__in=(Run.Status.QUEUED, Run.Status.RUNNING),
            created_at__gt=timezone.now() - RUN_STALE_AFTER,
        ).exists()
        if busy:
            raise Conflict(_("This month's plan is already being made here; wait for it."))
        run = Run.objects.create(area_code=area.code, month=month, created_by=_user(actor))
        audit.record(actor, "care.plan_request", run, extra={"month": f"{month:%Y-%m}"})
        if background:
            _queue(run)
    return run


def care_plan_run(*, run_id: int) -> Run | None:
    """Run a queued plan generation (the task's body): as the officer who asked for it (their
    permission is checked again), or as the platform for runs it queued itself. Returns the run,
    or None when it was not waiting to run."""
    claimed = Run.objects.filter(pk=run_id, status=Run.Status.QUEUED).update(
        status=Run.Status.RUNNING
    )
    if not claimed:
        return None
    run = Run.objects.select_related("created_by").get(pk=run_id)
    actor = run.created_by if run.created_by_id else scoping.SYSTEM
    try:
        with translation.override(settings.LANGUAGE_CODE):
            counts = care_plan_generate(actor=actor, area_code=run.area_code, month=run.month)
    except ActionError as exc:
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.FAILED, message=str(exc.message)[:500], finished_at=timezone.now()
        )
    except Exception:
        log.exception("care plan run %s failed", run.pk)
        with translation.override(settings.LANGUAGE_CODE):
            message = _("The plan run stopped with an unexpected error; nothing was changed.")
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.FAILED, message=message, finished_at=timezone.now()
        )
        raise
    else:
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.DONE, counts=counts, finished_at=timezone.now()
        )
    run.refresh_from_db()
    return run


# --- reassignment --------------------------------------------------------------------------------


def care_plan_reassign(*, actor, plan_id, worker_id) -> Plan:
    """Give an open plan to another worker who serves the person's place (a grid worker on duty
    in their grid, or a community worker or head of their community)."""
    worker_pk = _pk(worker_id)
    if not worker_pk or isinstance(worker_id, bool):
        raise ActionError(_("Choose a worker from the list."), field="worker_id")
    with transaction.atomic():
        plan = (
            scoping.scope(Plan.objects.all(), actor, Cap.CARE_VIEW)
            .select_for_update()
            .filter(pk=_pk(plan_id))
            .first()
        )
        if plan is None:
            raise NotFound(_("No such visit plan among yours."))
        scoping.require(actor, Cap.CARE_PLAN, plan.area_code)
        if plan.status != Plan.Status.OPEN:
            raise Conflict(_("This plan is no longer open: it was met or dropped."))
        worker = User.objects.filter(pk=worker_pk, is_active=True).first()
        if worker is None or not Workers(plan.area_code, timezone.localdate()).serves(
            worker.pk, plan.area_code
        ):
            raise ActionError(
                _("Choose a grid worker on duty here or a care worker of the community."),
                field="worker_id",
            )
        if plan.worker_id == worker.pk:
            return plan
        before = plan.worker_id
        plan.worker = worker
        plan.save(update_fields=["worker"])
        audit.record(actor, "care.plan_reassign", plan, extra={"from": before, "to": worker.pk})
        core_actions.notify(
            [worker],
            kind="care.plan_assigned",
            text=lambda: _("A care visit this month has been given to you."),
            url=_url("care:plans"),
            target=plan,
        )
    return plan


# --- the sweep -----------------------------------------------------------------------------------

_UNMET = Q(status=Plan.Status.OPEN, done__lt=F("required"))


def _mark(ids: list[int], **fields) -> None:
    for start in range(0, len(ids), BATCH):
        Plan.objects.filter(pk__in=ids[start : start + BATCH]).update(**fields)


def _remind(today: dt.date, now: dt.datetime) -> int:
    """Workers hear once, a few days before the month's end, how many are still to be visited."""
    with transaction.atomic():
        rows = list(
            Plan.objects.filter(
                _UNMET,
                reminded_at__isnull=True,
                worker__isnull=False,
                due_on__gte=today,
                due_on__lte=today + dt.timedelta(days=REMIND_DAYS),
            )
            .select_for_update(skip_locked=True)
            .values_list("pk", "worker_id")
        )
        if not rows:
            return 0
        per_worker = Counter(worker_id for _pk_, worker_id in rows)
        users = User.objects.in_bulk(list(per_worker))
        url = _url("care:plans")
        for worker_id, count in per_worker.items():
            core_actions.notify(
                [users.get(worker_id)],
                kind="care.visits_due",
                text=lambda count=count: (
                    ngettext(
                        "%(count)d person is still to be visited this month.",
                        "%(count)d people are still to be visited this month.",
                        count,
                    )
                    % {"count": count}
                ),
                url=url,
            )
        _mark([pk for pk, _worker in rows], reminded_at=now)
    return len(rows)


def _alert_overdue(today: dt.date, now: dt.datetime) -> int:
    """Once a plan's month is over unmet, its worker and the community heads hear of it (one
    message each, with the count)."""
    with transaction.atomic():
        rows = list(
            Plan.objects.filter(_UNMET, overdue_alerted_at__isnull=True, due_on__lt=today)
            .select_for_update(skip_locked=True)
            .values_list("pk", "worker_id", "area_code")
        )
        if not rows:
            return 0
        per_worker = Counter(worker_id for _pk_, worker_id, _a in rows if worker_id)
        per_community = Counter(area_code[:12] for _pk_, _w, area_code in rows)
        heads: dict[int, int] = Counter()
        communities = list(per_community)
        for start in range(0, len(communities), BATCH):
            for user_id, community in RoleAssignment.objects.filter(
                role=Role.COMMUNITY_HEAD, area_code__in=communities[start : start + BATCH]
            ).values_list("user_id", "area_code"):
                heads[user_id] += per_community[community]
        users = User.objects.in_bulk(list(set(per_worker) | set(heads)))
        url = _url("care:plans")
        for worker_id, count in per_worker.items():
            core_actions.notify(
                [users.get(worker_id)],
                kind="care.visits_overdue",
                text=lambda count=count: (
                    ngettext(
                        "%(count)d person you look after was not visited enough last month.",
                        "%(count)d people you look after were not visited enough last month.",
                        count,
                    )
                    % {"count": count}
                ),
                url=url,
            )
        for head_id, count in heads.items():
            core_actions.notify(
                [users.get(head_id)],
                kind="care.visits_overdue",
                text=lambda count=count: (
                    ngettext(
                        "%(count)d person in your community was not visited enough last month.",
                        "%(count)d people in your community were not visited enough last month.",
                        count,
                    )
                    % {"count": count}
                ),
                url=url,
            )
        _mark([row[0] for row in rows], overdue_alerted_at=now)
    return len(rows)


def _queue_months(today: dt.date) -> int:
    """Each county with a visit policy gets its plan for the new month made once, unasked."""
    month = today.replace(day=1)
    with transaction.atomic():
        counties = set(
            Policy.objects.filter(active=True).values_list("area_code", flat=True).distinct()
        )
        if not counties:
            return 0
        done = set(
            Run.objects.filter(month=month, area_code__in=counties).values_list(
                "area_code", flat=True
            )
        )
        queued = 0
        for county in sorted(counties - done):
            run = Run.objects.create(area_code=county, month=month)
            audit.record(
                scoping.SYSTEM, "care.plan_request", run, extra={"month": f"{month:%Y-%m}"}
            )
            _queue(run)
            queued += 1
    return queued


def care_sweep(*, now=None) -> dict[str, int]:
    """One pass of the clock-driven care work (``linli sweep``): queue the new month's plans,
    remind workers of visits due soon, alert workers and community heads of overdue ones."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {
        "runs_queued": _queue_months(today),
        "reminded": _remind(today, now),
        "overdue": _alert_overdue(today, now),
    }


__all__ = [
    "care_plan_generate",
    "care_plan_reassign",
    "care_plan_request",
    "care_plan_run",
    "care_sweep",
]
