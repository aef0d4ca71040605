"""The facility register as pages: the list with its filters and a map, one facility with its
hours against the plans' "≥ 8 hours a day", photos and venues; the form to add or change one,
closing it; the spreadsheet import (upload, check, confirm) with its template, and the export.

Filters are a plain GET form (htmx refreshes the results in place when it is there); every
form works without JavaScript, and the map is an enhancement over the list.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views import import_drafts
from linli.core.views.glue import filter_errors, is_htmx, paginate, submit

from .. import actions, hours, queries
from ..actions.imports import IMPORT_MAX_BYTES, XLSX, ImportResult
from ..forms import FacilityForm, ImportForm, PhotoForm
from ..models import WEEKDAYS, Facility

FILTERS = ("area", "kind", "status", "q", "short_hours", "no_terminal", "accessible", "new_build")
FLAGS = ("short_hours", "no_terminal", "accessible", "new_build")
DRAFTS = import_drafts.Drafts(
    "facilities.import",
    url="facilities:import",
    max_bytes=IMPORT_MAX_BYTES,
    gone_message=gettext_lazy(
        "That upload was already imported or is no longer available: upload it again."
    ),
    too_large_message=gettext_lazy("The file is larger than 2 MB; split it."),
)


# --- shared with the venue pages ---------------------------------------------------------------


def require_cap(request, cap: str = Cap.FACILITY_VIEW) -> None:
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied


def map_context(points: list[dict], *, map_id: str = "fac-map") -> dict:
    """What ``facilities/_map.html`` draws: the points and the tile source."""
    return {
        "map_id": map_id,
        "map_points": points,
        "map_points_id": f"{map_id}-points",
        "map_tiles": settings.LINLI_MAP_TILES,
        "map_attribution": settings.LINLI_MAP_ATTRIBUTION,
    }


def week_rows(stored: dict) -> list[dict]:
    """A week's hours as table rows: each day's openings, its hours, and whether it is short of
    the plans' 8 hours (a closed day is)."""
    rows = []
    for day in WEEKDAYS:
        ranges = hours.day_ranges(stored.get(day), day) if stored.get(day) else []
        minutes = sum(end - start for start, end in ranges)
        rows.append(
            {
                "day": day,
                "name": hours.DAY_NAMES[day],
                "text": hours.as_text(stored, day),
                "ranges": [f"{start}-{end}" for start, end in stored.get(day) or []],
                "hours": round(minutes / 60, 2),
                "short": minutes < 8 * 60,
            }
        )
    return rows


# --- the list and the map ----------------------------------------------------------------------


def _values(source) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:40] for key in FILTERS}
    for flag in FLAGS:
        values[flag] = "1" if values[flag] in ("1", "on", "true") else ""
    values["view"] = "map" if source.get("view") == "map" else "list"
    return values


def _query(values: dict, **more) -> str:
    kept = {k: v for k, v in {**values, **more}.items() if v and not (k == "view" and v == "list")}
    return urlencode(kept)


@login_required
@require_GET
def facility_list(request):
    require_cap(request)
    actor = request.user
    values = _values(request.GET)
    filters = {key: values[key] for key in FILTERS if values[key]}
    errors: dict = {}
    try:
        rows = queries.facility_list(actor=actor, filters=filters)
        counts = queries.facility_counts(actor=actor, filters=filters)
    except ActionError as exc:
        errors, filters = filter_errors(exc), {}
        rows = queries.facility_list(actor=actor).none()
        counts = queries.FacilityCounts(0, 0, 0, 0, 0)
    context = {
        "values": values,
        "errors": errors,
        "counts": counts,
        "kinds": Facility.Kind.choices,
        "statuses": Facility.Status.choices,
        "areas": queries.facility_filter_areas(actor=actor),
        "can_manage": scoping.has_cap(actor, Cap.FACILITY_MANAGE),
        "list_url": "?" + _query(values, view="list"),
        "map_url": "?" + _query(values, view="map"),
        "export_url": reverse("facilities:export") + "?" + _query(values, view="list"),
    }
    if values["view"] == "map" and not errors:
        found = queries.facility_map_points(actor=actor, filters=filters)
        points = [
            {**vars(p), "url": reverse("facilities:facility", args=[p.id])} for p in found.points
        ]
        context.update(map_context(points), found=found)
    else:
        page = paginate(request, rows)
        context["page_obj"] = page
    status = 400 if errors and not is_htmx(request) else 200
    return render(request, "facilities/facility_list.html", context, status=status)


# --- one facility ------------------------------------------------------------------------------


def _get(actor, facility_id: int) -> Facility:
    try:
        return queries.facility_get(actor=actor, facility_id=facility_id)
    except NotFound:
        raise Http404 from None


def _detail(request, facility: Facility, *, photo_form=None, status: int = 200):
    actor = request.user
    manage = queries.facility_can_manage(actor, facility.area_code)
    photos = list(facility.photos.all())
    points = []
    if facility.latitude is not None and facility.longitude is not None:
        points = [
            {
                "id": facility.pk,
                "name": facility.name,
                "kind_label": str(facility.get_kind_display()),
                "lat": float(facility.latitude),
                "lng": float(facility.longitude),
                "short_hours": facility.open_days < 7 or facility.min_daily_hours < 8,
                "min_daily_hours": float(facility.min_daily_hours),
                "url": "",
            }
        ]
    context = {
        "facility": facility,
        "week": week_rows(facility.hours or {}),
        "short_hours": facility.open_days < 7 or facility.min_daily_hours < 8,
        "weekly_hours": hours.clean(facility.hours or {}).weekly_hours,
        "accessibility": [
            label
            for value, label in Facility.Accessibility.choices
            if value in (facility.accessibility or [])
        ],
        "photos": photos,
        "venues": list(facility.venues.all()),
        "can_manage": manage,
        "photo_form": (photo_form or PhotoForm(auto_id="photo-%s"))
        if manage and len(photos) < actions.FACILITY_PHOTO_MAX
        else None,
        "photo_max": actions.FACILITY_PHOTO_MAX,
        **map_context(points, map_id="fac-map-one"),
    }
    return render(request, "facilities/facility_detail.html", context, status=status)


@login_required
@require_GET
def facility(request, facility_id: int):
    require_cap(request)
    return _detail(request, _get(request.user, facility_id))


def _form_page(request, form, *, found=None, status: int = 200):
    context = {"form": form, "facility": found, "hours_fields": form.hours_fields()}
    return render(request, "facilities/facility_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def facility_new(request):
    require_cap(request, Cap.FACILITY_MANAGE)
    actor = request.user
    areas = queries.facility_area_choices(actor=actor)
    initial = {"area_code": request.GET.get("area", "")[:15]}
    form = FacilityForm(request.POST or None, areas=areas, initial=initial, auto_id="fac-%s")
    if request.method == "GET":
        return _form_page(request, form)
    done, status = submit(
        request,
        form,
        lambda data: actions.facility_save(actor=actor, **form.action_data()),
        message=lambda f: _("“%(name)s” is recorded.") % {"name": f.name},
        to=lambda f: reverse("facilities:facility", args=[f.pk]),
        aliases=FacilityForm.ERROR_ALIASES,
    )
    return done or _form_page(request, form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def facility_edit(request, facility_id: int):
    require_cap(request, Cap.FACILITY_MANAGE)
    actor = request.user
    found = _get(actor, facility_id)
    if not queries.facility_can_manage(actor, found.area_code):
        raise PermissionDenied
    areas = queries.facility_area_choices(actor=actor)
    form = FacilityForm(
        request.POST or None,
        areas=areas,
        initial=FacilityForm.initial_of(found),
        auto_id="fac-%s",
    )
    if request.method == "GET":
        return _form_page(request, form, found=found)
    done, status = submit(
        request,
        form,
        lambda data: actions.facility_save(actor=actor, facility_id=found.pk, **form.action_data()),
        message=_("The facility is saved."),
        to=reverse("facilities:facility", args=[found.pk]),
        aliases=FacilityForm.ERROR_ALIASES,
    )
    return done or _form_page(request, form, found=found, status=status)


@login_required
@require_POST
def facility_close(request, facility_id: int):
    require_cap(request, Cap.FACILITY_MANAGE)
    found = _get(request.user, facility_id)
    try:
        closed = actions.facility_close(actor=request.user, facility_id=found.pk)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        text = _("The facility is closed; it stays on record.")
        if closed.venues_closed:
            text += " " + ngettext(
                "%(n)d venue stopped taking bookings.",
                "%(n)d venues stopped taking bookings.",
                closed.venues_closed,
            ) % {"n": closed.venues_closed}
        if closed.bookings_affected:
            text += " " + ngettext(
                "%(n)d booking still to come stays: cancel or move it at the bookings desk.",
                "%(n)d bookings still to come stay: cancel or move them at the bookings desk.",
                closed.bookings_affected,
            ) % {"n": closed.bookings_affected}
        messages.success(request, text)
    return redirect("facilities:facility", facility_id=found.pk)


@login_required
@require_POST
def facility_photos_add(request, facility_id: int):
    require_cap(request, Cap.FACILITY_MANAGE)
    found = _get(request.user, facility_id)
    form = PhotoForm(request.POST, request.FILES, auto_id="photo-%s")
    done, status = submit(
        request,
        form,
        lambda data: actions.facility_photo_add(
            actor=request.user,
            facility_id=found.pk,
            photos=data["photos"],
            caption=data["caption"],
        ),
        message=lambda rows: (
            ngettext("%(n)d photo was added.", "%(n)d photos were added.", len(rows))
            % {"n": len(rows)}
        ),
        to=reverse("facilities:facility", args=[found.pk]),
    )
    return done or _detail(request, found, photo_form=form, status=status)


@login_required
@require_GET
def facility_photo(request, facility_id: int, photo_id: int):
    require_cap(request)
    try:
        row = queries.facility_photo_get(
            actor=request.user, facility_id=facility_id, photo_id=photo_id
        )
        handle = row.file.open("rb")
    except (NotFound, FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="facility-{facility_id}-{photo_id}.jpg"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def facility_photo_remove(request, facility_id: int, photo_id: int):
    require_cap(request, Cap.FACILITY_MANAGE)
    try:
        actions.facility_photo_remove(
            actor=request.user, facility_id=facility_id, photo_id=photo_id
        )
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The photo was removed."))
    return redirect("facilities:facility", facility_id=facility_id)


# --- the spreadsheet ---------------------------------------------------------------------------


def _check(request, name: str, data: bytes, *, dry_run: bool = True) -> ImportResult:
    return actions.facilities_import(
        actor=request.user, file=ContentFile(data, name=name), dry_run=dry_run
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_import(request):
    require_cap(request, Cap.FACILITY_MANAGE)
    form = ImportForm(request.POST or None, request.FILES or None)
    if kept := DRAFTS.receive(request, form, check=partial(_check, request)):
        return kept
    context = {"form": form, "columns": actions.facility_import_columns()}
    return render(
        request,
        "facilities/facility_import.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def facility_import_preview(request, import_id: str):
    require_cap(request, Cap.FACILITY_MANAGE)
    if (draft := DRAFTS.find(request, import_id)) is None:
        return DRAFTS.gone(request)
    result = _check(request, draft.name, draft.data)
    changes = [
        import_drafts.Change(
            row=int(row["_row"]),
            status=result.statuses[int(row["_row"])],
            cells=((_("Area code"), row.get("area_code", "")), (_("Name"), row.get("name", ""))),
        )
        for row in result.rows
        if result.statuses.get(int(row["_row"])) in ("created", "updated")
    ]
    errors = [import_drafts.RowErrors(e.row, e.column, (e.message,)) for e in result.errors[:500]]
    context = DRAFTS.preview(draft, result, errors=errors, changes=changes)
    return render(request, "facilities/facility_import_preview.html", context)


@login_required
@require_GET
def facility_import_errors(request, import_id: str):
    require_cap(request, Cap.FACILITY_MANAGE)
    if (draft := DRAFTS.find(request, import_id)) is None:
        return DRAFTS.gone(request)
    result = _check(request, draft.name, draft.data)
    columns = actions.facility_import_columns()
    return import_drafts.error_report(
        columns, result.rows, result.by_row(), "linli-facilities-errors.xlsx"
    )


@login_required
@require_POST
def facility_import_confirm(request, import_id: str):
    require_cap(request, Cap.FACILITY_MANAGE)
    return DRAFTS.confirm(
        request,
        import_id,
        lambda draft: _check(request, draft.name, draft.data, dry_run=False),
        done=_(
            "Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged facilities."
        ),
        to="facilities:list",
    )


@login_required
@require_POST
def facility_import_cancel(request, import_id: str):
    require_cap(request, Cap.FACILITY_MANAGE)
    return DRAFTS.cancel(request, import_id)


@login_required
@require_GET
def facility_import_template(request):
    require_cap(request, Cap.FACILITY_MANAGE)
    data = actions.facility_import_template()
    return import_drafts.xlsx_response(data, "linli-facilities-template.xlsx")


@login_required
@require_GET
def facility_export(request):
    require_cap(request)
    values = _values(request.GET)
    filters = {key: values[key] for key in FILTERS if values[key]}
    try:
        export = actions.facilities_export(actor=request.user, filters=filters)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("facilities:list")
    response = HttpResponse(export.data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


urlpatterns = [
    path("", facility_list, name="list"),
    path("new/", facility_new, name="facility_new"),
    path("export.xlsx", facility_export, name="export"),
    path("import/", facility_import, name="import"),
    path("import/template.xlsx", facility_import_template, name="import_template"),
    path("import/<str:import_id>/", facility_import_preview, name="import_preview"),
    path("import/<str:import_id>/errors.xlsx", facility_import_errors, name="import_errors"),
    path("import/<str:import_id>/confirm/", facility_import_confirm, name="import_confirm"),
    path("import/<str:import_id>/cancel/", facility_import_cancel, name="import_cancel"),
    path("<int:facility_id>/", facility, name="facility"),
    path("<int:facility_id>/edit/", facility_edit, name="facility_edit"),
    path("<int:facility_id>/close/", facility_close, name="facility_close"),
    path("<int:facility_id>/photos/", facility_photos_add, name="facility_photos"),
    path("<int:facility_id>/photos/<int:photo_id>/", facility_photo, name="facility_photo"),
    path(
        "<int:facility_id>/photos/<int:photo_id>/remove/",
        facility_photo_remove,
        name="facility_photo_remove",
    ),
]
