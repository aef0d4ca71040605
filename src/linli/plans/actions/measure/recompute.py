"""Measuring a plan: the request of a recompute of a year, its run (the task's body, which
replaces the year's values in one transaction), and the sweep's refresh of the plans in force
whose values are out of date."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError
from linli.core.models import Area

from ...models import Measurement, Plan, Recompute
from ...queries.engine import compute, measure_plan_area
from ...queries.status import cell_to_json
from ...queries.values import current_year, stale_minutes, year_of
from ._common import _measured_plan, _queue, _request

__all__ = ["plan_recompute", "plans_refresh", "recompute_run"]

log = logging.getLogger(__name__)

BATCH = 1000


def plan_recompute(*, actor, plan_id, year=None) -> Recompute:
    """Queue a recompute of the plan's values for ``year`` (the newest of the plan's years by
    default); the task runs when the transaction commits. While one is queued or running for
    the plan and year, that one is returned and nothing new is queued."""
    plan = _measured_plan(actor, plan_id)
    chosen = year_of(plan, year)
    measure_plan_area(plan)
    now = timezone.now()
    with transaction.atomic():
        run, new = _request(actor, plan, chosen, now)
        if new:
            _queue(run)
    return run


MEASUREMENT_COLUMNS = (
    "plan_id", "year", "area_code", "parent_code", "level", "name", "values", "computed_at",
)  # fmt: skip


def _write(plan: Plan, year: int, areas, now: dt.datetime) -> int:
    """Replace the year's rows (inside the caller's transaction): on PostgreSQL with COPY, which
    takes a prefecture's 2,000 rows in a fraction of what an INSERT of the same rows costs;
    elsewhere in batches."""
    Measurement.objects.filter(plan=plan, year=year).delete()
    rows = [
        (
            plan.pk,
            year,
            area.code,
            area.parent_id or "",
            area.level,
            area.name[:100],
            {key: cell_to_json(cell) for key, cell in cells.items()},
            now,
        )
        for area, cells in areas
    ]
    if connection.vendor == "postgresql":
        q = connection.ops.quote_name
        columns = ", ".join(q(c) for c in MEASUREMENT_COLUMNS)
        table = q(Measurement._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row((*row[:6], json.dumps(row[6], ensure_ascii=False), row[7]))
    else:
        Measurement.objects.bulk_create(
            (Measurement(**dict(zip(MEASUREMENT_COLUMNS, row, strict=True))) for row in rows),
            batch_size=BATCH,
        )
    return len(rows)


def _fail(run: Recompute, actor, message: str) -> None:
    with transaction.atomic():
        Recompute.objects.filter(pk=run.pk).update(
            status=Recompute.Status.FAILED, finished_at=timezone.now(), error=message[:300]
        )
        audit.record(
            actor,
            "plans.recompute.fail",
            run,
            area_code=run.plan.area_code,
            extra={"plan": run.plan_id, "year": run.year},
        )


def recompute_run(recompute_id, *, today: dt.date | None = None) -> Recompute:
    """Run a queued recompute (the task's body): compute every target of the plan for every
    area of the year and replace the year's values in one transaction; record how long it took
    and how many areas it wrote. A recompute that is not queued (already run, or running
    elsewhere) is returned as it is. A failure leaves the previous values in place and is
    recorded with its reason. ``today``: the day the figures are read on (default today)."""
    claimed = Recompute.objects.filter(pk=recompute_id, status=Recompute.Status.QUEUED).update(
        status=Recompute.Status.RUNNING, started_at=timezone.now()
    )
    run = Recompute.objects.select_related("plan", "requested_by").get(pk=recompute_id)
    if not claimed:
        return run
    actor = run.requested_by if run.requested_by_id else scoping.SYSTEM
    began = time.perf_counter()
    try:
        with translation.override(settings.LANGUAGE_CODE):
            areas = compute(run.plan, run.year, today=today)
            now = timezone.now()
            with transaction.atomic():
                written = _write(run.plan, run.year, areas, now)
                duration = int((time.perf_counter() - began) * 1000)
                Recompute.objects.filter(pk=run.pk).update(
                    status=Recompute.Status.DONE,
                    finished_at=now,
                    duration_ms=duration,
                    areas=written,
                    error="",
                )
                audit.record(
                    actor,
                    "plans.recompute.done",
                    run,
                    area_code=run.plan.area_code,
                    extra={
                        "plan": run.plan_id,
                        "year": run.year,
                        "areas": written,
                        "duration_ms": duration,
                    },
                )
    except ActionError as exc:
        _fail(run, actor, str(exc.message))
    except Exception:
        log.exception("recompute %s of plan %s failed", run.pk, run.plan_id)
        with translation.override(settings.LANGUAGE_CODE):
            message = _("The recompute stopped with an unexpected error; the values are unchanged.")
        _fail(run, actor, message)
    run.refresh_from_db()
    return run


def plans_refresh(now=None) -> int:
    """Recompute the plans in force whose values of their newest year are missing or older than
    ``LINLI_PLAN_STALE_MINUTES`` (and not being recomputed already), one after the other.
    Returns how many were recomputed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    limit = now - dt.timedelta(minutes=stale_minutes())
    plans = list(Plan.objects.filter(status=Plan.Status.ACTIVE, is_template=False).order_by("pk"))
    if not plans:
        return 0
    present = set(
        Area.objects.filter(code__in={p.area_code for p in plans}).values_list("code", flat=True)
    )
    latest = {
        (plan_id, year): at
        for plan_id, year, at in Measurement.objects.filter(plan__in=plans)
        .values_list("plan_id", "year")
        .annotate(at=Max("computed_at"))
        .order_by()
    }
    done = 0
    for plan in plans:
        year = current_year(plan, today)
        if year is None or plan.area_code not in present:
            continue
        at = latest.get((plan.pk, year))
        if at is not None and at >= limit:
            continue
        with transaction.atomic():
            run, new = _request(scoping.SYSTEM, plan, year, now)
        if new:
            recompute_run(run.pk)
            done += 1
    return done
