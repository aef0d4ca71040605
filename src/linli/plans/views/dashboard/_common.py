"""What every dashboard page shares: the page decorator, the choice of area, year and
snapshot (a choice that makes no sense is said beside the pickers), links, the cells of a
value, and the page header with its breadcrumbs."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors
from linli.web.views import optional_url

from ...models import Plan, Target
from ...queries import values as q
from ...queries.access import plan_for
from ...queries.catalogue import indicator_label
from .formatting import ORDER, plain, rounded, shown, status_shown, target_text

__all__ = ["Unavailable", "plan_page"]


# --- parsing --------------------------------------------------------------------------------------


class Unavailable(Exception):
    """The plan cannot be shown at all (it is measured in no year yet, say): said on a page."""


def plan_page(view):
    """A dashboard page: signed in, GET, ``plan.view`` somewhere; a plan that cannot be shown
    says why."""

    @login_required
    @require_GET
    @functools.wraps(view)
    def wrapped(request, plan_id: int, *args, **kwargs):
        if not scoping.has_cap(request.user, Cap.PLAN_VIEW):
            raise PermissionDenied
        try:
            return view(request, plan_id, *args, **kwargs)
        except Unavailable as exc:
            try:
                plan = plan_for(request.user, plan_id)
            except NotFound:
                raise Http404 from None
            context = {"plan": plan, "problems": exc.args[0]}
            return render(request, "plans/dashboard/unavailable.html", context, status=400)

    return wrapped


def _text(request, name: str, limit: int = 20) -> str:
    return " ".join(str(request.GET.get(name, "")).replace("\x00", "").split())[:limit]


def _number(request, name: str, errors: dict, message: str) -> int | None:
    text = _text(request, name)
    if text and not (text.isdigit() and len(text) <= 9):
        errors.setdefault(name, []).append(message)
        return None
    return int(text) if text else None


def _choice(request, *names: str) -> tuple[dict, dict]:
    """The area (and the year, the snapshot) asked for, and the errors of those that make no
    sense."""
    errors: dict[str, list[str]] = {}
    chosen: dict = {"area": _text(request, "area") or None}
    if "year" in names:
        chosen["year"] = _number(request, "year", errors, _("Choose a year of the plan."))
    if "snapshot" in names:
        chosen["snapshot"] = _number(request, "snapshot", errors, _("Choose a snapshot."))
    return chosen, errors


def _resolve(call, chosen: dict, errors: dict):
    """Run a query with the choice; an area or plan not the user's is a 404. A choice the query
    refuses is shown beside the pickers while the page falls back to the defaults."""
    try:
        return call(**{k: (None if k in errors else v) for k, v in chosen.items()}), errors
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        for name, messages in filter_errors(exc).items():
            errors.setdefault(name if name in chosen else "__all__", []).extend(messages)
    fallback = dict.fromkeys(chosen)
    if "area" not in errors and "__all__" not in errors:
        fallback["area"] = chosen["area"]
    try:
        return call(**fallback), errors
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        found = [str(m) for ms in exc.errors.values() for m in ms] or [str(exc.message)]
        raise Unavailable(found) from None


def _url(name: str, *args, **query) -> str:
    kept = {k: ("1" if v is True else v) for k, v in query.items() if v not in (None, "", False)}
    url = reverse(name, args=args or None)
    return f"{url}?{urlencode(kept)}" if kept else url


def _optional(name: str, *args, **query) -> str | None:
    """The URL of a page that another part of the app provides, or None while there is none."""
    url = optional_url(name, *args)
    return f"{url}?{urlencode(query)}" if url and query else url


# --- the cells of a value -------------------------------------------------------------------------


def _gap(state, unit: str, decimals: int) -> str:
    return "" if not state.gap else shown(state.gap, unit, decimals)


def _when(moment) -> str:
    """A time of today as HH:MM, of another day with its date."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return date_format(local, "H:i" if local.date() == timezone.localdate() else "Y-m-d H:i")


def _counts(counts: dict) -> list[dict]:
    return [{**status_shown(s), "count": int(counts.get(s, 0) or 0)} for s in ORDER]


def _cell(cell, state, unit: str, decimals: int) -> dict:
    """A value of an area: shown, as counted (numerator, denominator), its status and gap."""
    return {
        "value": shown(cell.value, unit, decimals),
        "number": rounded(cell.value, decimals),
        "numerator": plain(cell.numerator),
        "denominator": plain(cell.denominator),
        "status": status_shown(state.status),
        "gap": _gap(state, unit, decimals),
        "below": cell.below or 0,
    }


def _column(target: Target) -> dict:
    indicator = target.indicator
    return {
        "target": target,
        "label": indicator_label(indicator),
        "unit": indicator.unit,
        "decimals": indicator.decimals,
        "text": target_text(target, indicator.unit),
        "binding": target.binding,
    }


# --- the page header ------------------------------------------------------------------------------


def _crumbs(plan: Plan, area, pairs, name: str, *args, **query) -> list[dict]:
    """Breadcrumbs from the widest area of the plan the user may open down to ``area``: each a
    link to the same page there; the last is the page itself."""
    crumbs = [
        {"name": crumb, "url": _url(name, plan.pk, *args, area=code, **query)}
        for code, crumb in pairs
        if code != area.code
    ]
    return [*crumbs, {"name": area.name, "url": ""}]


def _page(request, plan: Plan, area, shown_values, current: str, errors: dict) -> dict:
    """The header of every page: the plan, the area, the year and snapshot pickers, what the
    values are (live as of a time, a snapshot, never computed), the recompute, the views."""
    year = getattr(shown_values, "year", None)
    snapshot = getattr(shown_values, "snapshot", None)
    snapshot_id = getattr(snapshot, "pk", None)
    measured_at = getattr(shown_values, "measured_at", None)
    manage = scoping.has_cap(request.user, Cap.PLAN_MANAGE, plan.area_code)
    keep = {"area": area.code, "year": year, "snapshot": snapshot_id}
    tabs = [
        ("dashboard", _("Targets"), _url("plans:dashboard", plan.pk, **keep)),
        ("children", _("By area"), _url("plans:children", plan.pk, **keep)),
        ("trend", _("Trend"), _url("plans:trend", plan.pk, area=area.code)),
    ]
    context = {
        "plan": plan,
        "area": area,
        "year": year,
        "errors": errors,
        "general_errors": errors.get("__all__", []),
        "tabs": [{"key": k, "label": t, "url": u, "current": k == current} for k, t, u in tabs],
        "plan_url": optional_url("plans:plan", plan.pk),
        "is_community": area.level >= Level.COMMUNITY,
    }
    if year is None:  # the trend: every year at once
        return context
    snapshots = q.snapshot_list(actor=request.user, plan_id=plan.pk)
    return context | {
        "years": [{"value": y, "selected": y == year} for y in q.plan_years(plan)],
        "snapshots": [
            {
                "value": s.pk,
                "label": s.label,
                "day": timezone.localtime(s.measured_at).date(),
                "selected": s.pk == snapshot_id,
            }
            for s in snapshots
            if s.year == year or s.pk == snapshot_id
        ],  # fmt: skip
        "snapshot_id": snapshot_id,
        "live": {
            "snapshot": snapshot,
            "when": _when(measured_at),
            "never": snapshot is None and measured_at is None,
            "stale": bool(getattr(shown_values, "stale", False)) and snapshot is None,
            "recompute_url": optional_url("plans:recompute", plan.pk) if manage else None,
            "status_url": (
                _optional("plans:recompute_status", plan.pk, year=year) if manage else None
            ),
            "snapshots_url": optional_url("plans:snapshots", plan.pk),
            "year": year,
            "next": request.get_full_path(),
        },
        "report_url": _optional("plans:report", plan.pk, year=year, area=area.code),
        "screen_url": _url("plans:dashboard", plan.pk, **keep, screen=1),
    }
