"""The three rates per place, unscoped: for the plans' indicator engine, which measures a
county's own targets on the response, resolution and satisfaction rates for every area of its
tree at once.

Counted exactly as :func:`~.counting.metrics_rates` counts them for an area (the same formulas,
the county policies in force), but grouped by place — the first 12 digits of the area code: a
community, or a town for appeals filed on the town — in one query over the appeals and one over
the ratings. Nothing here applies permissions; the caller measures a plan's jurisdiction.
"""

from __future__ import annotations

import datetime as dt

from django.db.models.functions import Substr

from ...models import Appeal, Rating
from .counting import APPEALS_WITHIN, Row, _appeal_aggregates, _fill, _rating_aggregates
from .formulas import THE_THREE, rules_for

__all__ = ["rates_by_place"]


def rates_by_place(
    prefix: str, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> dict[str, dict[str, tuple[int, int]]]:
    """``{place: {"response" | "resolution" | "satisfaction": (numerator, denominator)}}`` for
    the appeals submitted (and ratings given) from ``start`` up to ``end`` under ``prefix``."""
    rules = rules_for(prefix, now)
    place = Substr("area_code", 1, 12)
    appeals = Appeal.objects.filter(
        area_code__startswith=prefix, submitted_at__gte=start, submitted_at__lt=end
    )
    prefiltered = APPEALS_WITHIN is not None
    if prefiltered:
        appeals = appeals.filter(rules.q(APPEALS_WITHIN))
    counted = {
        row.pop("_k"): row
        for row in appeals.annotate(_k=place)
        .values("_k")
        .annotate(**_appeal_aggregates(rules, medians=False, prefiltered=prefiltered))
        .order_by()
    }
    ratings = {
        row.pop("_k"): row
        for row in Rating.objects.filter(area_code__startswith=prefix, at__gte=start, at__lt=end)
        .annotate(_k=place)
        .values("_k")
        .annotate(**_rating_aggregates(rules, scores=False))
        .order_by()
    }
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for key in set(counted) | set(ratings):
        row = _fill(Row(key, ""), counted.get(key), ratings.get(key))
        out[key] = {
            name: (row.rates[name].numerator, row.rates[name].denominator) for name in THE_THREE
        }
    return out
