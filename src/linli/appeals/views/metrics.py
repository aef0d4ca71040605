"""Appeal figures pages (接诉即办 figures):

- ``figures/``: the three rates as big numbers with what they count beside them, then the
  on-time rate, median times, repeat appeals and sub-scores; charts (rates per unit, the monthly
  trend, volume by category, hotspots) each with its table in a ``<details>`` that works without
  JavaScript; and how every figure is counted, from the same definitions the counting uses.
- ``figures/export.xlsx``: the same figures as a workbook, a sheet per table (audited).

Filters are GET parameters: ``area`` (a code among the user's areas), ``period`` (a month
``2026-05``, a quarter ``2026-Q2``, a year ``2026``, or ``range`` with ``since`` and ``until``),
``unit_kind``. A bad period or unit kind is shown beside its field and the default is used.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from linli.core.errors import ActionError, Forbidden, NotFound

from .. import actions, queries
from ..models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RANGE = "range"
THE_THREE = ("response", "resolution", "satisfaction")
CHART_UNITS_MAX = 15


def _period(params) -> str:
    """The period asked for: a code from the picker, or ``since..until`` for days."""
    period = (params.get("period") or "").strip()
    if period != RANGE:
        return period
    since, until = (params.get("since") or "").strip(), (params.get("until") or "").strip()
    if not since or not until:
        raise ActionError(_("Give the first and the last day."), field="period")
    return f"{since}..{until}"


def _scope(request) -> tuple[queries.Scope, dict[str, list[str]]]:
    """The scope of the filters; a bad period or unit kind falls back to the default and its
    message goes beside the field. No figures at all: 403; an area not theirs: 404."""
    params = {
        "area": request.GET.get("area") or None,
        "unit_kind": request.GET.get("unit_kind") or "",
    }
    errors: dict[str, list[str]] = {}
    try:
        params["period"] = _period(request.GET)
    except ActionError as exc:
        errors.update(exc.errors)
        params["period"] = None
    for _attempt in range(3):
        try:
            return queries.metrics_scope(actor=request.user, **params), errors
        except Forbidden:
            raise PermissionDenied from None
        except NotFound:
            raise Http404 from None
        except ActionError as exc:
            errors.update(exc.errors)
            for name in exc.errors:
                params[name] = "" if name == "unit_kind" else None
    raise Http404


def _pct(rate) -> float | None:
    return None if rate.value is None else round(rate.value * 100, 1)


def chart_data(figures: queries.Figures) -> dict:
    """What the charts draw (read by metrics.js from a JSON block); the tables show the same."""
    labels = {key: str(queries.FORMULAS[key].label) for key in THE_THREE}
    units = [row for row in figures.by_unit if row.key][:CHART_UNITS_MAX]
    hot = figures.hotspots
    cells = [
        [x, y, n] for y, (_row, counts) in enumerate(hot.rows) for x, n in enumerate(counts) if n
    ]
    return {
        "labels": {
            **labels,
            "received": _("Appeals received"),
            "rate": _("Rate (%)"),
            "appeals": _("Appeals"),
        },
        "units": {
            "names": [row.name for row in units],
            **{k: [_pct(row.rates[k]) for row in units] for k in labels},
        },
        "trend": {
            "months": [row.key for row in figures.trend],
            "received": [row.received for row in figures.trend],
            **{k: [_pct(row.rates[k]) for row in figures.trend] for k in labels},
        },
        "categories": {
            "names": [row.name for row in figures.categories],
            "received": [row.received for row in figures.categories],
        },
        "hotspots": {
            "categories": [row.name for row in hot.categories],
            "places": [name for _code, name in hot.places],
            "cells": cells,
            "max": max((n for _x, _y, n in cells), default=0),
        },
    }


def _query(scope: queries.Scope, *, area: bool = True) -> str:
    params = {"period": scope.period.code if scope.period.kind != "range" else RANGE}
    if scope.period.kind == "range":
        params.update(since=scope.period.first.isoformat(), until=scope.period.last.isoformat())
    if area and scope.area is not None:
        params["area"] = scope.area.code
    if scope.unit_kind:
        params["unit_kind"] = scope.unit_kind
    return urlencode(params)


@login_required
@require_GET
@never_cache
def metrics(request):
    scope, errors = _scope(request)
    figures = queries.metrics_figures(scope=scope)
    choices = [
        {
            "code": area.code,
            "name": area.name,
            "indent": "\u3000" * depth,
            "selected": scope.area is not None and area.code == scope.area.code,
        }
        for area, depth in queries.metrics_area_choices(actor=request.user)
    ]
    formulas = {f.key: f for f in figures.formulas}
    h = figures.headline
    return render(
        request,
        "appeals/metrics/index.html",
        {
            "scope": scope,
            "title": queries.scope_title(scope),
            "figures": figures,
            "headline": h,
            "three": [(rate, formulas[rate.key]) for rate in figures.three],
            "more": [
                (h.rates["on_time"], formulas["on_time"]),
                (h.rates["repeat"], formulas["repeat"]),
            ],
            "medians": [
                (formulas["accept_time"], queries.duration_text(h.accept_hours)),
                (formulas["resolve_time"], queries.duration_text(h.resolve_hours)),
            ],
            "scores": [
                (_("Overall"), h.scores["level"]),
                (_("Efficiency"), h.scores["efficiency"]),
                (_("Attitude"), h.scores["attitude"]),
                (_("Result"), h.scores["result"]),
            ],
            "formulas": figures.formulas,
            "choices": choices,
            "periods": queries.period_choices(),
            "period_code": scope.period.code if scope.period.kind != "range" else RANGE,
            "unit_kinds": Unit.Kind.choices,
            "errors": errors,
            "chart_data": chart_data(figures),
            "query": _query(scope),
            # areas one level down open their own figures when the user sees all of them
            "drill": _query(scope, area=False) if scope.whole_area else "",
            "rate_keys": ("response", "resolution", "satisfaction", "on_time"),
        },
    )


@login_required
@require_GET
def metrics_export(request):
    scope, errors = _scope(request)
    if errors:  # back to the page, which says what is wrong beside the field
        return redirect(f"{reverse('appeals:metrics')}?{request.GET.urlencode()}")
    try:
        export = actions.appeal_metrics_export(actor=request.user, scope=scope)
    except Forbidden:
        raise PermissionDenied from None
    response = HttpResponse(export.content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, export.display_filename)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("figures/", metrics, name="metrics"),
    path("figures/export.xlsx", metrics_export, name="metrics_export"),
]
