"""The dashboard pages of a plan: the targets of an area as tiles (and the big screen), the
areas below as a matrix, one target over the areas below, and the trend."""

from __future__ import annotations

from django.shortcuts import render

from linli.core import areacodes
from linli.core.areacodes import Level
from linli.core.queries.areas import area_ancestors
from linli.core.views.glue import is_htmx

from ...models import Plan
from ...queries import values as q
from ...queries.access import plan_prefixes
from ...queries.status import Status
from ._common import (
    _cell,
    _choice,
    _column,
    _counts,
    _crumbs,
    _page,
    _resolve,
    _text,
    _url,
    plan_page,
)
from .formatting import ORDER, children_chart, drill_chart, status_shown, target_text, trend_chart

__all__ = ["RANK", "SORTS", "children", "dashboard", "drill", "trend"]

SORTS = ("value", "-value", "name", "status")
RANK = {Status.NOT_MET: 0, Status.AT_RISK: 1, Status.NO_DATA: 2, Status.MET: 3}


# --- the dashboard --------------------------------------------------------------------------------


def _tile(item, board) -> dict:
    plan, area = board.plan, board.area
    keep = {"area": area.code, "year": board.year, "snapshot": getattr(board.snapshot, "pk", None)}
    below = item.cell.below or 0
    return {
        **_cell(item.cell, item.state, item.unit, item.decimals),
        "key": item.indicator.key,
        "target_id": item.target.pk,
        "label": item.label,
        "target": target_text(item.target, item.unit),
        "binding": item.binding,
        "below_url": (
            _url("plans:drill", plan.pk, item.target.pk, **keep, below=True)
            if below and area.level < Level.COMMUNITY
            else ""
        ),
        "url": _url("plans:drill", plan.pk, item.target.pk, **keep),
    }


@plan_page
def dashboard(request, plan_id: int):
    actor = request.user
    chosen, errors = _choice(request, "year", "snapshot")
    screen = request.GET.get("screen") in ("1", "on", "true")

    def call(area, year, snapshot):
        return q.plan_board(
            actor=actor, plan_id=plan_id, area_code=area, year=year, snapshot_id=snapshot
        )

    board, errors = _resolve(call, chosen, errors)
    plan, area = board.plan, board.area
    snapshot_id = getattr(board.snapshot, "pk", None)
    keep = {"year": board.year, "snapshot": snapshot_id}
    context = {
        **_page(request, plan, area, board, "dashboard", errors),
        "board": board,
        "tiles": [_tile(item, board) for item in board.items],
        "counts": _counts(board.counts),
        "screen": screen,
        # the big screen follows the newest year unless one was chosen
        "refresh_url": _url(
            "plans:dashboard",
            plan.pk,
            area=area.code,
            year=chosen["year"] and board.year,
            snapshot=snapshot_id,
            screen=1,
        ),  # fmt: skip
        "leave_url": _url("plans:dashboard", plan.pk, area=area.code, **keep),
        "crumbs": _crumbs(plan, area, board.breadcrumbs, "plans:dashboard", **keep),
    }
    status = 400 if errors else 200
    if screen:
        name = "plans/dashboard/screen.html" + ("#board" if is_htmx(request) else "")
        return render(request, name, context, status=status)
    return render(request, "plans/dashboard/dashboard.html", context, status=status)


# --- the areas below ------------------------------------------------------------------------------


@plan_page
def children(request, plan_id: int):
    actor = request.user
    chosen, errors = _choice(request, "year", "snapshot")

    def call(area, year, snapshot):
        return q.plan_children(
            actor=actor, plan_id=plan_id, area_code=area, year=year, snapshot_id=snapshot
        )

    table, errors = _resolve(call, chosen, errors)
    plan, area = table.plan, table.area
    keep = {"year": table.year, "snapshot": getattr(table.snapshot, "pk", None)}
    columns = [_column(t) for t in table.targets]
    for column in columns:
        column["url"] = _url("plans:drill", plan.pk, column["target"].pk, area=area.code, **keep)
    rows = []
    for row in table.rows:
        url = _url("plans:dashboard", plan.pk, area=row.area_code, **keep)
        cells = [
            {**_cell(*row.cells[c["target"].pk], c["unit"], c["decimals"]), "url": url}
            for c in columns
        ]
        rows.append(
            {"code": row.area_code, "name": row.name, "url": url, "cells": cells,
             "worst": status_shown(row.worst),
             "counts": {s.value: int(row.counts.get(s, 0) or 0) for s in ORDER}}
        )  # fmt: skip
    context = {
        **_page(request, plan, area, table, "children", errors),
        "crumbs": _crumbs(plan, area, table.breadcrumbs, "plans:children", **keep),
        "columns": columns,
        "rows": rows,
        "chart_data": children_chart(rows),
    }
    return render(request, "plans/dashboard/children.html", context, status=400 if errors else 200)


# --- one target over the areas below --------------------------------------------------------------


def _sorted(rows: list, sort: str) -> list:
    if sort == "name":
        return sorted(rows, key=lambda r: (r.name, r.area_code))
    if sort == "status":
        return sorted(rows, key=lambda r: (RANK[Status(str(r.state.status))], r.area_code))
    if sort in ("value", "-value"):
        known = sorted(
            (r for r in rows if r.cell.value is not None),
            key=lambda r: (r.cell.value, r.area_code),
            reverse=sort == "-value",
        )
        return known + [r for r in rows if r.cell.value is None]
    return list(rows)


@plan_page
def drill(request, plan_id: int, target_id: int):
    actor = request.user
    chosen, errors = _choice(request, "year", "snapshot")
    below = request.GET.get("below") in ("1", "on", "true")
    sort = _text(request, "sort", 10)
    sort = sort if sort in SORTS else ""

    def call(area, year, snapshot):
        return q.target_drill(
            actor=actor, plan_id=plan_id, target_id=target_id, area_code=area, year=year,
            snapshot_id=snapshot, only_below=below,
        )  # fmt: skip

    result, errors = _resolve(call, chosen, errors)
    plan, area, target = result.plan, result.area, result.target
    unit, decimals = result.indicator.unit, result.indicator.decimals
    keep = {"year": result.year, "snapshot": getattr(result.snapshot, "pk", None)}
    rows = []
    for row in _sorted(result.rows, sort):
        if row.is_community:
            url = _url("plans:dashboard", plan.pk, area=row.area_code, **keep)
        else:
            url = _url("plans:drill", plan.pk, target.pk, area=row.area_code, **keep, below=below)
        rows.append(
            {**_cell(row.cell, row.state, unit, decimals), "code": row.area_code,
             "name": row.name, "url": url, "is_community": row.is_community,
             "records_url": row.records_url or ""}
        )  # fmt: skip
    here = {"area": area.code, **keep}
    sorts = {s: _url("plans:drill", plan.pk, target.pk, **here, below=below, sort=s) for s in SORTS}
    context = {
        **_page(request, plan, area, result, "drill", errors),
        "crumbs": _crumbs(plan, area, result.breadcrumbs, "plans:drill", target.pk, **keep),
        "drill": result,
        "target": target,
        "label": result.label,
        "target_text": target_text(target, unit),
        "total": {**_cell(*result.total, unit, decimals), "records_url": result.records_url},
        "rows": rows,
        "below": below,
        "sort": sort,
        "sorts": sorts,
        "value_sort_url": sorts["-value"] if sort == "value" else sorts["value"],
        "all_url": _url("plans:drill", plan.pk, target.pk, **here, sort=sort),
        "below_url": _url("plans:drill", plan.pk, target.pk, **here, below=True, sort=sort),
        "back_url": _url("plans:dashboard", plan.pk, **here),
        "chart_data": drill_chart(result, rows),
    }
    return render(request, "plans/dashboard/drill.html", context, status=400 if errors else 200)


# --- the trend ------------------------------------------------------------------------------------


def _trend_crumbs(request, plan: Plan, area) -> list[dict]:
    granted = plan_prefixes(request.user, plan)
    codes = [c for c in areacodes.ancestors(area.code) if any(c.startswith(p) for p in granted)]
    names = {a.code: a.name for a in area_ancestors(actor=request.user, area=area)} if codes else {}
    return _crumbs(plan, area, [(c, names.get(c, c)) for c in codes], "plans:trend")


@plan_page
def trend(request, plan_id: int):
    actor = request.user
    chosen, errors = _choice(request)

    def call(area):
        return q.plan_trend(actor=actor, plan_id=plan_id, area_code=area)

    result, errors = _resolve(call, chosen, errors)
    plan, area = result.plan, result.area
    columns = [_column(t) for t in result.targets]
    points = [
        {"point": point, "live": point.snapshot_id is None,
         "cells": [_cell(*point.cells[c["target"].pk], c["unit"], c["decimals"]) for c in columns]}
        for point in result.points
    ]  # fmt: skip
    context = {
        **_page(request, plan, area, result, "trend", errors),
        "crumbs": _trend_crumbs(request, plan, area),
        "columns": columns,
        "points": points,
        "chart_data": trend_chart(result.points, columns),
    }
    return render(request, "plans/dashboard/trend.html", context, status=400 if errors else 200)
