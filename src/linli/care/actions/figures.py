"""care actions: keep past months' visit-rate figures (:class:`~linli.care.models.MonthFigure`).

A visit may be recorded up to 60 days after it was made, so the two months before the current
one are counted again on every sweep; older months are counted once, when first found without
figures. The figures are derived data, written by the platform only and never edited, so no
audit row is written for them (the plans and visits they count carry their own).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from ..models import MonthFigure, Plan, month_start

# Months before the current one that late visits may still change.
RECOUNTED_MONTHS = 2

MET = Q(done__gte=F("required"))
COUNTED = ~Q(status=Plan.Status.DROPPED) | MET


def _months_back(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_figures_count(month: dt.date, *, now: dt.datetime | None = None) -> int:
    """Count one month's figures afresh (replacing what was kept); returns the rows kept."""
    now = now or timezone.now()
    rows = [
        MonthFigure(
            area_code=found["area_code"],
            month=month,
            numerator=found["numerator"],
            denominator=found["denominator"],
            refreshed_at=now,
        )
        for found in Plan.objects.filter(month=month)
        .values("area_code")
        .annotate(numerator=Count("pk", filter=MET), denominator=Count("pk", filter=COUNTED))
        .order_by()
    ]
    total = MonthFigure(
        area_code="",
        month=month,
        numerator=sum(r.numerator for r in rows),
        denominator=sum(r.denominator for r in rows),
        refreshed_at=now,
    )
    with transaction.atomic():
        MonthFigure.objects.filter(month=month).delete()
        MonthFigure.objects.bulk_create([*rows, total], batch_size=2000)
    return len(rows)


def care_figures_refresh(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Count the recent past months again and any older month not kept yet (``linli sweep``)."""
    now = now or timezone.now()
    current = month_start(timezone.localdate(now))
    recent = {_months_back(current, n) for n in range(1, RECOUNTED_MONTHS + 1)}
    kept = set(MonthFigure.objects.filter(area_code="").values_list("month", flat=True))
    with_plans = set(
        Plan.objects.filter(month__lt=current).values_list("month", flat=True).distinct()
    )
    months = sorted((recent & with_plans) | (with_plans - kept))
    rows = sum(month_figures_count(month, now=now) for month in months)
    return {"months": len(months), "rows": rows}


__all__ = ["care_figures_refresh", "month_figures_count"]
