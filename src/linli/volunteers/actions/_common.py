"""What every volunteers action shares: the clock, and keeping a volunteer's totals (hours and
star level) equal to the sum of their service records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Case, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import STAR_HOURS, ServiceRecord, Volunteer

__all__ = ["current_time", "refresh_totals", "star_expression"]


def current_time() -> dt.datetime:
    """The clock of these actions (tests move it)."""
    return timezone.now()


def star_expression(field: str = "hours_total"):
    """A SQL expression of the star level (0–5) reached by the hours in ``field``."""
    whens = [
        When(**{f"{field}__gte": threshold}, then=Value(level))
        for level, threshold in reversed(list(enumerate(STAR_HOURS, start=1)))
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def refresh_totals(volunteer_ids: Iterable[int] | None = None) -> int:
    """Set ``hours_total`` and ``star`` of the given volunteers (all when None) from their
    service records, in two UPDATE statements; returns the number of volunteers updated."""
    hours = (
        ServiceRecord.objects.filter(volunteer=OuterRef("pk"))
        .order_by()
        .values("volunteer")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    rows = Volunteer.objects.all()
    if volunteer_ids is not None:
        rows = rows.filter(pk__in=list(volunteer_ids))
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=9, decimal_places=2))
    updated = rows.update(
        hours_total=Coalesce(
            Subquery(hours, output_field=DecimalField(max_digits=9, decimal_places=2)), zero
        ),
        updated_at=timezone.now(),
    )
    rows.update(star=star_expression())
    return updated
