"""The capacity figures at /api/v1/facilities/capacity…: every figure of an area on a date, the
rollup by child area, the rows behind one figure, and the gap finder.

Each operation parses, calls one query of :mod:`linli.facilities.queries.capacity`, and shapes
the answer. Figures carry their numerator, denominator and value; a rollup's children add up to
the area. Areas outside yours are 404; a bad date or threshold is 400 with per-field errors
(problem+json).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Path, Query, Router

from ..queries import capacity as q
from ..queries.capacity_derive import Figure
from ..queries.capacity_specs import SPECS
from ..schemas_capacity import (
    CapacityFigureOut,
    CapacityGapsOut,
    CapacityOut,
    CapacityRollupOut,
    FigureKey,
    KindName,
    ScopeName,
)

router = Router(tags=["facilities"])

AreaQuery = Annotated[
    str, Query("", description="an area code (default: your widest area)", max_length=15)
]
AsOfQuery = Annotated[dt.date | None, Query(None, description="YYYY-MM-DD (default: today)")]
# Named ``figure_keys`` in Python: a parameter called ``keys`` would shadow the method that
# django-ninja calls on the parsed parameters.
KeysQuery = Annotated[
    list[FigureKey] | None, Query(None, alias="keys", description="figures (default: all)")
]


def _num(value):
    """Decimals as JSON numbers: whole ones (a count) as integers."""
    if isinstance(value, Decimal):
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    return value


def _extra(extra: dict) -> dict:
    return {k: _num(v) for k, v in extra.items()}


def figure_out(fig: Figure, *, rows: bool = False) -> dict:
    target = fig.target
    return {
        "key": fig.key,
        "label": fig.label,
        "what": str(SPECS[fig.key].what),
        "unit": fig.unit,
        "scope": fig.scope,
        "numerator": _num(fig.numerator),
        "denominator": _num(fig.denominator),
        "value": _num(fig.value),
        "target": None
        if target is None
        else {"op": target.op, "value": _num(target.value), "text": str(target)},
        "meets": fig.meets,
        "extra": _extra(fig.extra),
        "rows": [
            {
                "area_code": row.area_code,
                "name": row.name,
                "numerator": _num(row.numerator),
                "denominator": _num(row.denominator),
                "value": _num(row.value),
                "below": row.below,
                "extra": _extra(row.extra),
            }
            for row in (fig.rows if rows else [])
        ],
    }


@router.get("capacity", response=CapacityOut, summary="The capacity figures of an area")
def capacity(
    request,
    area: AreaQuery = "",
    as_of: AsOfQuery = None,
    figure_keys: KeysQuery = None,
    rows: Annotated[bool, Query(False, description="include each figure's rows")] = False,
):
    """Every capacity figure (or those in ``keys``) of the area's subtree on ``as_of``: facility
    coverage, area per 100 households, opening hours, workers per 10,000 urban residents,
    officers… each with numerator, denominator, value and the target most plans set. With
    ``rows=true`` each figure lists its communities."""
    report = q.capacity_report(
        actor=request.user, area_code=area, as_of=as_of, keys=figure_keys, with_rows=rows
    )
    return {
        "area_code": report.area.code,
        "area_name": report.area.name,
        "as_of": report.as_of,
        "figures": [figure_out(f, rows=rows) for f in report.figures.values()],
    }


@router.get(
    "capacity/rollup",
    response=CapacityRollupOut,
    summary="The capacity figures of an area and of each of its child areas",
)
def capacity_rollup(
    request, area: AreaQuery = "", as_of: AsOfQuery = None, figure_keys: KeysQuery = None
):
    """Each child area (towns of a county, counties of a prefecture, communities of a town) with
    every figure's numerator, denominator and value; the children add up to ``total``."""
    rollup = q.capacity_rollup(actor=request.user, area_code=area, as_of=as_of, keys=figure_keys)
    return {
        "area_code": rollup.area.code,
        "area_name": rollup.area.name,
        "as_of": rollup.as_of,
        "total": [figure_out(f) for f in rollup.total.values()],
        "children": [
            {
                "area_code": child.area_code,
                "name": child.name,
                "level": child.level,
                "figures": [figure_out(f) for f in child.figures.values()],
            }
            for child in rollup.children
        ],
    }


@router.get(
    "capacity/figures/{key}",
    response=CapacityFigureOut,
    summary="One capacity figure with the communities behind it",
)
def capacity_figure(
    request,
    key: Annotated[FigureKey, Path(description="the figure (an indicator id of the plans)")],
    area: AreaQuery = "",
    as_of: AsOfQuery = None,
    area_threshold: Annotated[
        float | None, Query(None, gt=0, le=100_000, description="m² per 100 households (30)")
    ] = None,
    hours_threshold: Annotated[
        float | None, Query(None, gt=0, le=24, description="hours a day (8)")
    ] = None,
):
    """The figure with its rows: one per community (per town for the social work station
    figure), each with its numerator, denominator, value and whether it misses the target."""
    figures = q.capacity_figures(
        actor=request.user,
        area_code=area,
        as_of=as_of,
        keys=[key],
        area_threshold=area_threshold,
        hours_threshold=hours_threshold,
    )
    return figure_out(figures[key], rows=True)


@router.get(
    "capacity/gaps",
    response=CapacityGapsOut,
    summary="Communities failing any of the chosen capacity conditions",
)
def capacity_gaps(
    request,
    area: AreaQuery = "",
    as_of: AsOfQuery = None,
    lacks: Annotated[list[KindName] | None, Query(None, description="facility kinds")] = None,
    area_below: Annotated[
        float | None, Query(None, gt=0, le=100_000, description="m² per 100 households")
    ] = None,
    workers_below: Annotated[
        float | None, Query(None, gt=0, le=10_000, description="workers per 10,000 residents")
    ] = None,
    hours_below: Annotated[float | None, Query(None, gt=0, le=24)] = None,
    no_officer: Annotated[
        bool, Query(False, description="no disaster information officer")
    ] = False,
    scope: Annotated[ScopeName, Query("all")] = "all",
    limit: Annotated[int, Query(100, ge=1, le=500)] = 100,
    offset: Annotated[int, Query(0, ge=0, le=1_000_000)] = 0,
):
    """The communities of the area that lack a facility of each kind in ``lacks``, have under
    ``area_below`` m² of comprehensive facility per 100 households, under ``workers_below``
    workers per 10,000 residents, a comprehensive facility open under ``hours_below`` hours a
    day (or none), or — with ``no_officer`` — no disaster information officer: each with the
    conditions it fails, most failures first. At least one condition is needed (400)."""
    report = q.capacity_gaps(
        actor=request.user,
        area_code=area,
        as_of=as_of,
        lacks_kinds=lacks or (),
        area_per_100_below=area_below,
        workers_per_10k_below=workers_below,
        hours_below=hours_below,
        no_officer=no_officer,
        scope=scope,
    )
    page = report.rows[offset : offset + limit]
    return {
        "area_code": report.area.code,
        "area_name": report.area.name,
        "as_of": report.as_of,
        "conditions": [{"key": c.key, "label": c.label} for c in report.conditions],
        "checked": report.checked,
        "count": len(report.rows),
        "limit": limit,
        "offset": offset,
        "items": [
            {
                "area_code": row.area_code,
                "name": row.name,
                "town_code": row.town_code,
                "town_name": row.town_name,
                "urban_rural": row.urban_rural,
                "failures": [
                    {"key": f.key, "label": f.label, "value": _num(f.value)} for f in row.failures
                ],
            }
            for row in page
        ],
    }
