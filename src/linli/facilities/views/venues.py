"""Venues as pages: the list (rooms and fields of facilities, resources units open to the
public), one venue with its rules, capacity, who may book and its bookable hours, the form to
add or change one, and closing or reopening it for bookings.

The "Book" link goes to the booking pages when they are there (``facilities:book_venue``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors, is_htmx, paginate, submit

from .. import actions, queries
from ..forms import VenueForm
from ..models import Venue
from .facilities import map_context, require_cap, week_rows

FILTERS = ("area", "kind", "active", "facility", "units", "q")


def _values(source) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:40] for key in FILTERS}
    if values["active"] not in ("1", "0", "all"):
        values["active"] = "1"
    if not values["facility"].isdigit():
        values["facility"] = ""
    values["units"] = "1" if values["units"] in ("1", "on", "true") else ""
    return values


@login_required
@require_GET
def venue_list(request):
    require_cap(request)
    actor = request.user
    values = _values(request.GET)
    filters = {key: values[key] for key in FILTERS if values[key]}
    if filters.get("active") == "all":
        filters.pop("active")
    errors: dict = {}
    try:
        rows = queries.venue_list(actor=actor, filters=filters)
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = queries.venue_list(actor=actor).none()
    context = {
        "values": values,
        "errors": errors,
        "page_obj": paginate(request, rows),
        "kinds": Venue.Kind.choices,
        "areas": queries.facility_filter_areas(actor=actor),
        "can_manage": scoping.has_cap(actor, Cap.FACILITY_MANAGE),
    }
    status = 400 if errors and not is_htmx(request) else 200
    return render(request, "facilities/venue_list.html", context, status=status)


def _get(actor, venue_id: int) -> Venue:
    try:
        return queries.venue_get(actor=actor, venue_id=venue_id)
    except NotFound:
        raise Http404 from None


def book_url(venue: Venue) -> str:
    """The booking page of the venue, while there is one and the venue takes bookings."""
    if not venue.active:
        return ""
    try:
        return reverse("facilities:book_venue", args=[venue.pk])
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def venue(request, venue_id: int):
    require_cap(request)
    actor = request.user
    found = _get(actor, venue_id)
    points = []
    if found.latitude is not None and found.longitude is not None:
        points = [
            {
                "id": found.pk,
                "name": found.name,
                "kind_label": str(found.get_kind_display()),
                "lat": float(found.latitude),
                "lng": float(found.longitude),
                "short_hours": False,
                "url": "",
            }
        ]
    context = {
        "venue": found,
        "week": week_rows(found.hours or {}),
        "can_manage": queries.venue_can_manage(actor, found.area_code),
        "future_bookings": queries.venue_future_bookings(actor=actor, venue=found),
        "book_url": book_url(found),
        "who": [
            label
            for allowed, label in (
                (found.for_residents, _("residents")),
                (found.for_organisations, _("organisations")),
                (found.for_staff, _("staff")),
            )
            if allowed
        ],
        **map_context(points, map_id="venue-map"),
    }
    return render(request, "facilities/venue_detail.html", context)


def _form(actor, data=None, initial=None) -> VenueForm:
    return VenueForm(
        data,
        facilities=queries.venue_facility_choices(actor=actor),
        communities=queries.venue_community_choices(actor=actor),
        initial=initial,
        auto_id="venue-%s",
    )


def _form_page(request, form, *, found=None, status: int = 200):
    context = {"form": form, "venue": found, "hours_fields": form.hours_fields()}
    return render(request, "facilities/venue_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def venue_new(request):
    require_cap(request, Cap.FACILITY_MANAGE)
    actor = request.user
    facility = request.GET.get("facility", "")
    form = _form(
        actor, request.POST or None, {"facility_id": facility if facility.isdigit() else ""}
    )
    if request.method == "GET":
        return _form_page(request, form)
    done, status = submit(
        request,
        form,
        lambda data: actions.venue_save(actor=actor, **form.action_data()),
        message=lambda v: _("“%(name)s” is recorded.") % {"name": v.name},
        to=lambda v: reverse("facilities:venue", args=[v.pk]),
        aliases=VenueForm.ERROR_ALIASES,
    )
    return done or _form_page(request, form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def venue_edit(request, venue_id: int):
    require_cap(request, Cap.FACILITY_MANAGE)
    actor = request.user
    found = _get(actor, venue_id)
    if not queries.venue_can_manage(actor, found.area_code):
        raise PermissionDenied
    form = _form(actor, request.POST or None, VenueForm.initial_of(found))
    if request.method == "GET":
        return _form_page(request, form, found=found)
    done, status = submit(
        request,
        form,
        lambda data: actions.venue_save(actor=actor, venue_id=found.pk, **form.action_data()),
        message=_("The venue is saved."),
        to=reverse("facilities:venue", args=[found.pk]),
        aliases=VenueForm.ERROR_ALIASES,
    )
    return done or _form_page(request, form, found=found, status=status)


def _switch(request, venue_id: int, act):
    require_cap(request, Cap.FACILITY_MANAGE)
    found = _get(request.user, venue_id)
    try:
        result = act(actor=request.user, venue_id=found.pk)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("facilities:venue", venue_id=found.pk)
    return result


@login_required
@require_POST
def venue_close(request, venue_id: int):
    result = _switch(request, venue_id, actions.venue_close)
    if isinstance(result, Venue):
        text = _("The venue takes no more bookings.")
        if result.bookings_affected:
            text += " " + ngettext(
                "%(n)d booking still to come stays: cancel or move it at the bookings desk.",
                "%(n)d bookings still to come stay: cancel or move them at the bookings desk.",
                result.bookings_affected,
            ) % {"n": result.bookings_affected}
        messages.success(request, text)
        return redirect("facilities:venue", venue_id=result.pk)
    return result


@login_required
@require_POST
def venue_reopen(request, venue_id: int):
    result = _switch(request, venue_id, actions.venue_reopen)
    if isinstance(result, Venue):
        messages.success(request, _("The venue takes bookings again."))
        return redirect("facilities:venue", venue_id=result.pk)
    return result


urlpatterns = [
    path("venues/", venue_list, name="venues"),
    path("venues/new/", venue_new, name="venue_new"),
    path("venues/<int:venue_id>/", venue, name="venue"),
    path("venues/<int:venue_id>/edit/", venue_edit, name="venue_edit"),
    path("venues/<int:venue_id>/close/", venue_close, name="venue_close"),
    path("venues/<int:venue_id>/reopen/", venue_reopen, name="venue_reopen"),
]
