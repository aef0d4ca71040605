"""Appeal figures API: ``GET /api/v1/appeals/figures/`` — the same figures as the figures page.

Open to holders of ``appeal.view`` (every appeal of their areas) and to members of handling
units (their units' appeals only); anyone else gets 403. An area outside the caller's is 404;
a malformed period or unit kind is 400 with the field named.
"""

from __future__ import annotations

from ninja import Query, Router

from .. import queries
from ..schemas_metrics import FiguresOut

router = Router(tags=["appeals"])

PERIOD_HELP = (
    "a month `2026-05`, a quarter `2026-Q2`, a year `2026`, or days `2026-05-01..2026-05-20` "
    "(both included); default: the current month, in the county's local time"
)


def _rate(rate: queries.Rate) -> dict:
    return {
        "key": rate.key,
        "label": rate.label,
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "value": rate.value,
    }


def _row(row: queries.Row) -> dict:
    return {
        "key": row.key,
        "name": row.name,
        "kind": row.kind,
        "received": row.received,
        "ratings": row.ratings,
        "rates": {key: _rate(rate) for key, rate in row.rates.items()},
        "accept_hours": row.accept_hours,
        "resolve_hours": row.resolve_hours,
        "average_level": row.level,
    }


def _category(row: queries.Row) -> dict:
    return {
        "key": row.key,
        "name": row.name,
        "received": row.received,
        "resolution": _rate(row.rates["resolution"]),
    }


def figures_out(figures: queries.Figures) -> dict:
    scope, h = figures.scope, figures.headline
    area = scope.area
    return {
        "area": None
        if area is None
        else {"code": area.code, "name": area.name, "level": area.level},
        "period": {
            "kind": scope.period.kind,
            "code": scope.period.code,
            "label": scope.period.label,
            "first": scope.period.first,
            "last": scope.period.last,
        },
        "unit_kind": scope.unit_kind,
        "own_units_only": not scope.whole_area,
        "rates": {key: _rate(rate) for key, rate in h.rates.items()},
        "headline": {
            "received": h.received,
            "rejected": h.rejected,
            "merged": h.merged,
            "ratings": h.ratings,
            "repeat_callers": h.repeat_callers,
            "accept_hours": h.accept_hours,
            "resolve_hours": h.resolve_hours,
            "scores": h.scores,
        },
        "by_unit": [_row(row) for row in figures.by_unit],
        "by_area": [_row(row) for row in figures.by_area],
        "trend": [_row(row) for row in figures.trend],
        "categories": [_category(row) for row in figures.categories],
        "hotspots": {
            "categories": [_category(row) for row in figures.hotspots.categories],
            "places": [{"code": c, "name": n} for c, n in figures.hotspots.places],
            "counts": figures.hotspots.counts,
        },
        "formulas": [
            {
                "key": f.key,
                "kind": f.kind,
                "label": f.label,
                "numerator": f.numerator,
                "denominator": f.denominator,
                "note": f.note,
            }
            for f in figures.formulas
        ],
    }


@router.get(
    "",
    response=FiguresOut,
    summary="Appeal figures: response, resolution and satisfaction rates and the rest",
)
def figures(
    request,
    area: str = Query("", description="area code (default: your widest area)"),
    period: str = Query("", description=PERIOD_HELP),
    unit_kind: str = Query(
        "", description="count only appeals with units of this kind (grid, community, …)"
    ),
):
    """The three rates (响应率, 解决率, 满意率) with their numerators and denominators, the
    on-time resolution rate, median times to accept and resolve, repeat appeals and average
    sub-scores; the same by handling unit, by area one level down and for the last 12 months;
    volume by top-level category and a hotspot matrix; and `formulas`, how each is counted
    under the county's appeal policy."""
    scope = queries.metrics_scope(
        actor=request.user, area=area or None, period=period or None, unit_kind=unit_kind
    )
    return figures_out(queries.metrics_figures(scope=scope))
