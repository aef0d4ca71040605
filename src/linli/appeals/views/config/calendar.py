"""``settings/catalogue/tiers/`` and ``settings/catalogue/holidays/`` (``appeal.configure``):
the platform's urgency tiers and its holiday calendar.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors

from ... import actions, queries
from ...forms.config import HolidayForm, HolidayImportForm, TierForm
from ._shared import _require, _with_query

# --- tiers --------------------------------------------------------------------------------------


def _tier_args(data: dict) -> dict:
    return {
        "name": data["name"],
        "respond_minutes": data["respond_minutes"],
        "resolve_amount": data["resolve_amount"],
        "resolve_unit": data["resolve_unit"],
        "sort": data["sort"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def tier_add(request):
    _require(request, Cap.APPEAL_CONFIGURE)
    form = TierForm(
        request.POST if request.method == "POST" else None,
        initial={"resolve_unit": "workdays"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            tier = actions.tier_create(
                actor=request.user, code=form.cleaned_data["code"], **_tier_args(form.cleaned_data)
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The tier “%(name)s” is added.") % {"name": tier.name})
            return redirect("appeals:catalogue")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "appeals/config/tier_form.html", {"form": form, "tier": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def tier_edit(request, tier_code: str):
    _require(request, Cap.APPEAL_CONFIGURE)
    try:
        tier = queries.tier_get(actor=request.user, tier_code=tier_code)
    except NotFound:
        raise Http404 from None
    initial = {
        "name": tier.name,
        "respond_minutes": tier.respond_minutes,
        "resolve_amount": tier.resolve_amount,
        "resolve_unit": tier.resolve_unit,
        "sort": tier.sort,
    }
    form = TierForm(
        request.POST if request.method == "POST" else None, initial=initial, editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.tier_update(
                actor=request.user, tier_code=tier.code, **_tier_args(form.cleaned_data)
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The tier is saved."))
            return redirect("appeals:catalogue")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "appeals/config/tier_form.html", {"form": form, "tier": tier}, status=status
    )


@login_required
@require_POST
def tier_delete(request, tier_code: str):
    _require(request, Cap.APPEAL_CONFIGURE)
    try:
        actions.tier_delete(actor=request.user, tier_code=tier_code)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("appeals:tier_edit", tier_code=tier_code)
    messages.success(request, _("The tier is removed."))
    return redirect("appeals:catalogue")


# --- holidays -----------------------------------------------------------------------------------


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
@require_http_methods(["GET", "POST"])
def holidays(request):
    _require(request, Cap.APPEAL_CONFIGURE)
    year = _year(request)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    day_form = HolidayForm(request.POST if which == "day" else None)
    import_form = HolidayImportForm(request.POST if which == "import" else None)
    if which == "day" and day_form.is_valid():
        data = day_form.cleaned_data
        try:
            holiday, created = actions.holiday_set(
                actor=request.user,
                date=data["date"],
                name=data["name"],
                is_workday=data["is_workday"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(day_form, exc)
        else:
            messages.success(
                request,
                (_("%(date)s is added.") if created else _("%(date)s is changed."))
                % {"date": holiday.date.isoformat()},
            )
            return redirect(_with_query("appeals:holidays", year=holiday.date.year))
    elif which == "import" and import_form.is_valid():
        try:
            counts = actions.holidays_import(
                actor=request.user, text=import_form.cleaned_data["text"]
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(import_form, exc)
        else:
            messages.success(
                request,
                _("Imported: %(created)d new days, %(updated)d changed, %(unchanged)d already so.")
                % counts,
            )
            return redirect(_with_query("appeals:holidays", year=year))
    elif request.method == "POST" and which not in ("day", "import"):
        raise Http404
    years = sorted({*queries.holiday_years(), timezone.localdate().year, year})
    days = list(queries.holiday_list(actor=request.user, year=year))
    context = {
        "year": year,
        "years": years,
        "days": days,
        "day_form": day_form,
        "import_form": import_form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "appeals/config/holidays.html", context, status=status)


@login_required
@require_POST
def holiday_delete(request):
    _require(request, Cap.APPEAL_CONFIGURE)
    raw = request.POST.get("date", "")
    try:
        actions.holiday_delete(actor=request.user, date=raw)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    day = dt.date.fromisoformat(raw.strip().replace("/", "-"))
    messages.success(request, _("%(date)s is an ordinary day again.") % {"date": day.isoformat()})
    return redirect(_with_query("appeals:holidays", year=day.year))


urlpatterns = [
    path("settings/catalogue/tiers/new/", tier_add, name="tier_add"),
    path("settings/catalogue/tiers/<slug:tier_code>/", tier_edit, name="tier_edit"),
    path("settings/catalogue/tiers/<slug:tier_code>/delete/", tier_delete, name="tier_delete"),
    path("settings/catalogue/holidays/", holidays, name="holidays"),
    path("settings/catalogue/holidays/delete/", holiday_delete, name="holiday_delete"),
]
