"""facilities pages of the capacity figures (for holders of ``capacity.view``):

- ``facilities:capacity`` (``?area=&as_of=``): a tile for every figure — value, numerator and
  denominator, the target most plans set — then the figures of each child area as a chart
  (``facilities/capacity.js``, ECharts) with the table one click away; a child area opens its
  own figures.
- ``facilities:capacity_figure`` <key> (``?area=&as_of=&sort=&threshold=``): the communities
  behind one figure, those below the target first, sortable.
- ``facilities:capacity_gaps`` (``?area=&as_of=&lacks=day_care&area_below=30&workers_below=…
  &hours_below=8&no_officer=1&scope=``): the gap finder — communities failing any condition
  chosen, with the conditions they fail; ``facilities:capacity_gaps_export`` downloads the same
  list as .xlsx (an audit event).
- a block of the officer home with the few worst gaps of the officer's area.

Every page is a GET form that works without JavaScript; the views parse, call the capacity
queries and render.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import paginate
from linli.web.navigation import HOME_SECTIONS, HomeSection

from ..actions.capacity import capacity_gaps_export
from ..models import Facility
from ..queries import capacity as q
from ..queries.capacity_derive import Figure
from ..queries.capacity_specs import SPECS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS_PAGE = 100
GAPS_PAGE = 50
HOME_GAPS = 4
SORTS = ("below", "name", "value", "-value")
# The gap finder's conditions when it opens, and the officer home's.
GAP_DEFAULTS = {"lacks": ["day_care"], "area_below": "30", "hours_below": "8"}
HOME_CONDITIONS = {
    "lacks_kinds": ["comprehensive"],
    "area_per_100_below": 30,
    "hours_below": 8,
    "no_officer": True,
}
# The kinds offered first in the gap finder; the rest follow under "more kinds".
MAIN_KINDS = ("comprehensive", "day_care", "social_work", "health_station", "elderly_station")

# What a figure's rows count, by key: (numerator, denominator or None).
ROW_COLUMNS = {
    "facility_coverage": (gettext_lazy("Comprehensive facilities"), None),
    "facility_coverage_urban": (gettext_lazy("Comprehensive facilities"), None),
    "facility_coverage_rural": (gettext_lazy("Comprehensive facilities"), None),
    "facility_area_per_100_households": (
        gettext_lazy("Facility area (m²)"),
        gettext_lazy("Households"),
    ),
    "activity_area_ratio": (gettext_lazy("Activity area (m²)"), gettext_lazy("Floor area (m²)")),
    "self_service_coverage_urban": (gettext_lazy("Facilities with a terminal"), None),
    "day_care_coverage_urban": (gettext_lazy("Day-care centres"), None),
    "facility_daily_open_hours": (gettext_lazy("Days open a week"), None),
    "new_facility_area_ratio": (
        gettext_lazy("Facility and commercial area (m²)"),
        gettext_lazy("Residential area (m²)"),
    ),
    "workers_per_10k_urban": (gettext_lazy("Workers"), gettext_lazy("Residents")),
    "social_work_talent_total": (gettext_lazy("Certified workers"), None),
    "certified_social_workers_per_urban_community": (gettext_lazy("Workers in post"), None),
    "worker_training_coverage": (gettext_lazy("Trained"), gettext_lazy("Workers in post")),
    "social_work_station_coverage": (None, None),
    "disaster_officer_coverage": (gettext_lazy("Officers serving"), None),
}
# For coverage rows the first column is a count kept in ``extra``, not the 1/0 numerator.
ROW_EXTRA = {
    "facility_coverage": "facilities",
    "facility_coverage_urban": "facilities",
    "facility_coverage_rural": "facilities",
    "self_service_coverage_urban": "facilities",
    "day_care_coverage_urban": "facilities",
    "facility_daily_open_hours": "open_days",
    "social_work_talent_total": "certified",
    "certified_social_workers_per_urban_community": "workers",
    "disaster_officer_coverage": "officers",
}
PLACES = {"1": gettext_lazy("urban"), "2": gettext_lazy("rural")}
SOURCES = {"registry": gettext_lazy("registry"), "reported": gettext_lazy("reported")}


def _require(request) -> None:
    if not scoping.has_cap(request.user, Cap.CAPACITY_VIEW):
        raise PermissionDenied


def _text(request, name: str, limit: int = 20) -> str:
    return " ".join(str(request.GET.get(name, "")).replace("\x00", "").split())[:limit]


def _url(name: str, *args, **query) -> str:
    kept = {k: v for k, v in query.items() if v not in (None, "", False, [])}
    url = reverse(name, args=args or None)
    return f"{url}?{urlencode(kept, doseq=True)}" if kept else url


def shown(value: Decimal | int | None, unit: str) -> str:
    """A figure's value with its unit, as the tiles and tables show it."""
    if value is None:
        return "—"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,f}"
    if unit == "percent":
        return f"{text}%"
    if unit == "square_metres":
        return _("%(value)s m²") % {"value": text}
    if unit == "hours":
        return _("%(value)s h") % {"value": text}
    return text


def _count(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}" if value == value.to_integral() else f"{value:,f}"
    return f"{value:,}"


def _target(fig: Figure) -> str:
    if fig.target is None:
        return ""
    op = {">=": "≥", ">": ">", "=": "="}[fig.target.op]
    return f"{op} {shown(fig.target.value.normalize(), fig.unit)}"


def _resolve(request, call):
    """Run a query; an area not the user's is a 404, a bad date or area code is shown beside
    its field while the page falls back to today's figures of the user's own area."""
    values = {"area": _text(request, "area"), "as_of": _text(request, "as_of")}
    try:
        return call(values["area"], values["as_of"]), values, {}
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        errors = {name: [str(m) for m in found] for name, found in exc.errors.items()}
        errors = errors or {"__all__": [str(exc.message)]}
        area = "" if "area" in errors else values["area"]
        as_of = "" if "as_of" in errors else values["as_of"]
        try:
            return call(area, as_of), values, errors
        except NotFound:
            raise Http404 from None


def _up(request, area, name: str, *args, **query) -> str:
    parent = area.parent_id
    if parent and scoping.has_cap(request.user, Cap.CAPACITY_VIEW, parent):
        return _url(name, *args, area=parent, **query)
    return ""


def _tile(fig: Figure, area_code: str, as_of: str) -> dict:
    return {
        "figure": fig,
        "value": shown(fig.value, fig.unit),
        "numerator": _count(fig.numerator),
        "denominator": _count(fig.denominator),
        "target": _target(fig),
        "what": SPECS[fig.key].what,
        "url": _url("facilities:capacity_figure", fig.key, area=area_code, as_of=as_of),
    }


def chart_data(rollup: q.CapacityRollup, drill: dict) -> dict:
    """What capacity.js draws: every figure's value per child area, with the targets."""
    return {
        "keys": list(rollup.keys),
        "labels": {k: str(SPECS[k].label) for k in rollup.keys},
        "units": {k: SPECS[k].unit for k in rollup.keys},
        "targets": {
            k: float(f.target.value) if f.target is not None else None
            for k, f in rollup.total.items()
        },
        "names": [c.name for c in rollup.children],
        "urls": [_url("facilities:capacity", area=c.area_code, **drill) for c in rollup.children],
        "values": {
            k: [
                None if c.figures[k].value is None else float(c.figures[k].value)
                for c in rollup.children
            ]
            for k in rollup.keys
        },
        "text": {"target": _("Plan target")},
    }


@login_required
@require_GET
def capacity(request):
    _require(request)
    actor = request.user
    rollup, values, errors = _resolve(
        request, lambda area, as_of: q.capacity_rollup(actor=actor, area_code=area, as_of=as_of)
    )
    as_of = values["as_of"] if "as_of" not in errors else ""
    area = rollup.area
    drill = {"as_of": as_of}
    children = [
        {
            "child": child,
            "url": _url("facilities:capacity", area=child.area_code, **drill),
            "cells": [
                {
                    "fig": f,
                    "value": shown(f.value, f.unit),
                    "den": _count(f.denominator),
                    "num": _count(f.numerator),
                    "below": f.meets is False,
                }
                for f in child.figures.values()
            ],
        }  # fmt: skip
        for child in rollup.children
    ]
    chosen = _text(request, "chart", 60)
    return render(
        request,
        "facilities/capacity.html",
        {
            "rollup": rollup,
            "area": area,
            "values": values,
            "as_of": rollup.as_of,
            "errors": errors,
            "tiles": [_tile(f, area.code, as_of) for f in rollup.total.values()],
            "children": children,
            "chart_data": chart_data(rollup, drill),
            "chart_key": chosen if chosen in rollup.keys else "facility_coverage",
            "specs": [SPECS[k] for k in rollup.keys],
            "up": _up(request, area, "facilities:capacity", **drill),
            "gaps_url": _url("facilities:capacity_gaps", area=area.code, as_of=as_of),
        },
        status=400 if errors else 200,
    )


def _sorted_rows(fig: Figure, sort: str) -> list:
    rows = list(fig.rows)
    if sort == "name":
        return sorted(rows, key=lambda r: r.name)
    if sort in ("value", "-value"):
        known = sorted(
            (r for r in rows if r.value is not None),
            key=lambda r: r.value,
            reverse=sort == "-value",
        )
        return known + [r for r in rows if r.value is None]
    rank = {True: 0, None: 1, False: 2}
    return sorted(
        rows,
        key=lambda r: (rank[r.below], r.value if r.value is not None else Decimal(0), r.area_code),
    )


@login_required
@require_GET
def capacity_figure(request, key: str):
    _require(request)
    if key not in SPECS:
        raise Http404
    actor = request.user
    threshold = _text(request, "threshold", 12)
    sort = _text(request, "sort", 10)
    sort = sort if sort in SORTS else "below"
    extra = {}
    if key == "facility_area_per_100_households":
        extra["area_threshold"] = threshold or None
    elif key == "facility_daily_open_hours":
        extra["hours_threshold"] = threshold or None

    def call(area, as_of):
        try:
            return q.capacity_report(actor=actor, area_code=area, as_of=as_of, keys=[key], **extra)
        except ActionError as exc:
            bad = {"area_threshold", "hours_threshold"} & set(exc.errors)
            if bad:  # shown beside the page's one threshold field; the default applies
                extra.clear()
                exc.errors = {"threshold": [str(m) for name in bad for m in exc.errors[name]]}
            raise

    report, values, errors = _resolve(request, call)
    fig = report.figures[key]
    as_of = values["as_of"] if "as_of" not in errors else ""
    num_label, den_label = ROW_COLUMNS[key]
    keep = {"area": report.area.code, "as_of": as_of, "threshold": threshold}
    per_page = ROWS_PAGE // 2 if getattr(request, "elderly_mode", False) else ROWS_PAGE
    page_obj = paginate(request, _sorted_rows(fig, sort), per_page=per_page)
    extra_key = ROW_EXTRA.get(key)
    page_obj.object_list = [
        {
            "row": row,
            "first": _count(row.extra.get(extra_key) if extra_key else row.numerator),
            "second": _count(row.denominator),
            "value": shown(row.value, fig.unit),
            "source": SOURCES.get(
                row.extra.get("households_source") or row.extra.get("population_source") or ""
            ),
            "place": PLACES.get(str(row.extra.get("urban_rural", ""))[:1], ""),
            "url": _url("facilities:capacity", area=row.area_code, as_of=as_of),
        }
        for row in page_obj.object_list
    ]
    return render(
        request,
        "facilities/capacity_figure.html",
        {
            "fig": fig,
            "spec": SPECS[key],
            "tile": _tile(fig, report.area.code, as_of),
            "area": report.area,
            "as_of": report.as_of,
            "values": {**values, "threshold": threshold, "sort": sort},
            "errors": errors,
            "page_obj": page_obj,
            "num_label": num_label,
            "den_label": den_label,
            "has_threshold": key
            in ("facility_area_per_100_households", "facility_daily_open_hours"),
            "sorts": {s: _url("facilities:capacity_figure", key, **keep, sort=s) for s in SORTS},
            "back": _url("facilities:capacity", area=report.area.code, as_of=as_of),
            "up": _up(request, report.area, "facilities:capacity_figure", key, as_of=as_of),
        },
        status=400 if errors else 200,
    )


# --- the gap finder ------------------------------------------------------------------------------


def _gap_values(request) -> dict:
    """The conditions asked for; the defaults when the form was not sent (no ``go``)."""
    if not request.GET.get("go") and not any(
        request.GET.get(k)
        for k in ("lacks", "area_below", "workers_below", "hours_below", "no_officer")
    ):
        values = {"lacks": list(GAP_DEFAULTS["lacks"]), "workers_below": "", "no_officer": ""}
        values.update({k: v for k, v in GAP_DEFAULTS.items() if k != "lacks"})
    else:
        values = {
            "lacks": [str(k)[:20] for k in request.GET.getlist("lacks")[:20]],
            "area_below": _text(request, "area_below", 12),
            "workers_below": _text(request, "workers_below", 12),
            "hours_below": _text(request, "hours_below", 12),
            "no_officer": "1" if request.GET.get("no_officer") in ("1", "on", "true") else "",
        }
    scope = _text(request, "scope", 10)
    values["scope"] = scope if scope in ("urban", "rural") else ""
    return values


def _gap_call(actor, gap: dict):
    def call(area, as_of):
        return q.capacity_gaps(
            actor=actor,
            area_code=area,
            as_of=as_of,
            lacks_kinds=gap["lacks"],
            area_per_100_below=gap["area_below"] or None,
            workers_per_10k_below=gap["workers_below"] or None,
            hours_below=gap["hours_below"] or None,
            no_officer=bool(gap["no_officer"]),
            scope=gap["scope"] or "all",
        )

    return call


def _gap_query(values: dict, gap: dict) -> dict:
    return {
        "area": values["area"],
        "as_of": values["as_of"],
        "go": "1",
        **{k: v for k, v in gap.items() if v},
    }


def _kinds(chosen) -> list[dict]:
    rest = [k for k in Facility.Kind.values if k not in MAIN_KINDS]
    return [
        {
            "value": k,
            "label": Facility.Kind(k).label,
            "checked": k in chosen,
            "main": k in MAIN_KINDS,
        }
        for k in [*MAIN_KINDS, *rest]
    ]


@login_required
@require_GET
def capacity_gaps(request):
    _require(request)
    gap = _gap_values(request)
    actor = request.user
    values = {"area": _text(request, "area"), "as_of": _text(request, "as_of")}
    report = None
    try:
        report = _gap_call(actor, gap)(values["area"], values["as_of"])
        errors: dict = {}
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        errors = {name: [str(m) for m in found] for name, found in exc.errors.items()}
        errors = errors or {"__all__": [str(exc.message)]}
    area = report.area if report is not None else None
    if area is None:
        try:
            area = q.capacity_area(actor, "" if "area" in errors else values["area"])
        except NotFound:
            raise Http404 from None
        except ActionError:
            area = None
    per_page = GAPS_PAGE // 2 if getattr(request, "elderly_mode", False) else GAPS_PAGE
    page_obj = paginate(request, report.rows if report else [], per_page=per_page)
    query = _gap_query(values, gap)
    chosen = set(gap["lacks"])
    return render(
        request,
        "facilities/capacity_gaps.html",
        {
            "report": report,
            "area": area,
            "values": values,
            "gap": gap,
            "errors": errors,
            "general_errors": errors.get("__all__", []),
            "page_obj": page_obj,
            "kinds": _kinds(chosen),
            "more_open": bool(chosen - set(MAIN_KINDS)),
            "export_url": _url("facilities:capacity_gaps_export", **query) if report else "",
            "figures_url": _url(
                "facilities:capacity", area=area.code if area else "", as_of=values["as_of"]
            ),
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def capacity_gaps_export_view(request):
    _require(request)
    gap = _gap_values(request)
    try:
        export = capacity_gaps_export(
            actor=request.user,
            area_code=_text(request, "area"),
            as_of=_text(request, "as_of"),
            lacks_kinds=gap["lacks"],
            area_per_100_below=gap["area_below"] or None,
            workers_per_10k_below=gap["workers_below"] or None,
            hours_below=gap["hours_below"] or None,
            no_officer=bool(gap["no_officer"]),
            scope=gap["scope"] or "all",
        )
    except NotFound:
        raise Http404 from None
    except ActionError:  # back to the finder, which says what is wrong
        response = HttpResponse(status=303)
        response["Location"] = f"{reverse('facilities:capacity_gaps')}?{request.GET.urlencode()}"
        return response
    response = HttpResponse(export.content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, export.display_filename)
    response["Cache-Control"] = "no-store"
    return response


# --- the officer home ----------------------------------------------------------------------------


def officer_block(request) -> dict | None:
    """The home page's block asks for nothing but where to load its gaps from: counting them
    reads every community of the officer's area, so the block fills itself after the page
    (htmx), and the home page stays quick. Without JavaScript it is a link to the figures."""
    if not scoping.has_cap(request.user, Cap.CAPACITY_VIEW):
        return None
    return {"lazy": True, "block_url": reverse("facilities:capacity_home")}


@login_required
@require_GET
def capacity_home(request):
    """The officer home's capacity block, filled (htmx)."""
    section = officer_gaps(request)
    if section is None:
        raise PermissionDenied
    return render(request, "facilities/capacity_home.html", {"section": section})


def officer_gaps(request) -> dict | None:
    """The few communities of the officer's widest area failing the most of: no comprehensive
    facility, under 30 m² per 100 households, open under 8 hours, no disaster information
    officer."""
    user = request.user
    if not scoping.has_cap(user, Cap.CAPACITY_VIEW):
        return None
    try:
        report = q.capacity_gaps(actor=user, **HOME_CONDITIONS)
    except ActionError:
        return None
    query = {
        "area": report.area.code,
        "go": "1",
        "lacks": HOME_CONDITIONS["lacks_kinds"],
        "area_below": "30",
        "hours_below": "8",
        "no_officer": "1",
    }
    return {
        "area": report.area,
        "rows": report.rows[:HOME_GAPS],
        "count": len(report.rows),
        "checked": report.checked,
        "conditions": report.conditions,
        "gaps_url": _url("facilities:capacity_gaps", **query),
        "figures_url": _url("facilities:capacity", area=report.area.code),
    }


_BLOCK = HomeSection(
    home="officer", template="facilities/capacity_home.html", context=officer_block, order=40
)
if not any(known.template == _BLOCK.template for known in HOME_SECTIONS):
    HOME_SECTIONS.append(_BLOCK)

urlpatterns = [
    path("capacity/", capacity, name="capacity"),
    path("capacity/gaps/", capacity_gaps, name="capacity_gaps"),
    path("capacity/home-block/", capacity_home, name="capacity_home"),
    path("capacity/gaps/export.xlsx", capacity_gaps_export_view, name="capacity_gaps_export"),
    path("capacity/<str:key>/", capacity_figure, name="capacity_figure"),
]
