"""Booking pages.

Residents, phone first: the venues they may book, a venue's free slots of a day as big buttons
with a day picker, a confirm step, the success page, their own bookings with "cancel". Staff:
the bookings of their areas with approve, decline, check-in and no-show; one booking; a venue's
week; usage figures with a chart and the table.

Every form works without JavaScript (the day is a GET parameter; the booking form carries the
key made when it was shown, so sending it again books once).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, filter_errors, is_htmx, paginate
from linli.web.navigation import HOME_SECTIONS, HomeSection

from ..actions import bookings as actions
from ..forms_bookings import KIND_LABELS, BookForm, duration_label, status_choices
from ..models import Booking
from ..queries import bookings as q
from ..queries.usage import venue_usage

FILTERS = ("status", "venue", "area", "kind", "date_from", "date_to")
UPCOMING_MAX = 50


def _query(name: str, *args, **params) -> str:
    url = reverse(name, args=args or None)
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(kept)}" if kept else url


def _next(request, default: str) -> str:
    target = str(request.POST.get("next", ""))[:500]
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _reads_bookings(request) -> None:
    user = request.user
    if not (scoping.has_cap(user, Cap.FACILITY_VIEW) or scoping.has_cap(user, Cap.BOOKING_MANAGE)):
        raise PermissionDenied


def _messages_of(exc: ActionError) -> list[str]:
    found = [str(m) for group in (exc.errors or {}).values() for m in group]
    return found or [str(exc.message)]


# --- residents --------------------------------------------------------------------------------


@login_required
@require_GET
def book(request):
    actor = request.user
    page = paginate(request, q.bookable_venues(actor=actor))
    for venue in page.object_list:
        venue.kinds = [KIND_LABELS[kind] for kind in q.booking_kinds(actor, venue)]
        venue.slot_label = duration_label(venue.slot_minutes)
    return render(
        request,
        "facilities/book.html",
        {"page_obj": page, "lives": bool(q.home_communities(actor))},
    )


def _venue_or_404(actor, venue_id):
    try:
        return q.booking_venue(actor=actor, venue_id=venue_id)
    except NotFound:
        raise Http404 from None


def _book_page(request, venue, day, form, *, status: int = 200, error: str = ""):
    actor = request.user
    try:
        view = q.venue_day_slots(actor=actor, venue_id=venue.pk, day=day)
    except ActionError as exc:
        error = error or str(exc.message)
        status = max(status, 400)
        view = q.venue_day_slots(actor=actor, venue_id=venue.pk)
    chosen = str(form["start"].value() or "")
    context = {
        "venue": venue,
        "view": view,
        "form": form,
        "chosen": chosen,
        "error": error,
        "slot_label": duration_label(venue.slot_minutes),
        "calendar_url": reverse("facilities:venue_calendar", args=[venue.pk])
        if view.show_bookers
        else "",
        "today": timezone.localdate(),
    }
    return render(request, "facilities/book_venue.html", context, status=status)


def _form(venue, actor, data=None, initial=None) -> BookForm:
    kinds = q.booking_kinds(actor, venue) if q.is_open(venue) else []
    return BookForm(
        data,
        initial=initial or {},
        kinds=kinds,
        slot_minutes=venue.slot_minutes,
        max_slots=venue.max_slots,
        auto_id="book-%s",
    )


def _args(actor, venue, data) -> dict:
    return {
        "actor": actor,
        "venue_id": venue.pk,
        "starts_at": data["start"],
        "slots": data["slots"],
        "booker_kind": data["booker_kind"],
        "organisation": data.get("organisation", ""),
        "purpose": data["purpose"],
        "attendees": data["attendees"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def book_venue(request, venue_id: int):
    actor = request.user
    venue = _venue_or_404(actor, venue_id)
    if request.method == "GET":
        return _book_page(request, venue, request.GET.get("day"), _form(venue, actor))
    day = str(request.POST.get("start", ""))[:10] or request.POST.get("day")
    if request.POST.get("edit"):
        initial = {key: request.POST.get(key, "") for key in BookForm.base_fields}
        return _book_page(request, venue, day, _form(venue, actor, initial=initial))
    form = _form(venue, actor, request.POST)
    if not form.is_valid():
        return _book_page(request, venue, day, form, status=400)
    args = _args(actor, venue, form.cleaned_data)
    try:
        if request.POST.get("confirm") != "1":
            plan = actions.booking_check(**args)
            return render(
                request,
                "facilities/booking_confirm.html",
                {
                    "venue": venue,
                    "plan": plan,
                    "form": form,
                    "kind_label": KIND_LABELS[plan.booker_kind],
                    "length": duration_label(plan.slots * venue.slot_minutes),
                },
            )
        booking = actions.booking_create(**args, client_key=form.cleaned_data["client_key"])
    except ActionError as exc:
        apply_errors(form, exc)
        return _book_page(request, venue, day, form, status=exc.status)
    return redirect("facilities:booking_done", booking.pk)


def _booking_or_404(actor, booking_id: int) -> Booking:
    try:
        return q.booking_get(actor=actor, booking_id=booking_id)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def booking_done(request, booking_id: int):
    booking = _booking_or_404(request.user, booking_id)
    if booking.booker_id != request.user.pk:
        raise Http404
    booking = q.booking_labelled(request.user, [booking])[0]
    return render(request, "facilities/booking_done.html", {"booking": booking})


@login_required
@require_GET
def my_bookings(request):
    actor = request.user
    upcoming = q.booking_labelled(actor, q.my_bookings(actor=actor)[:UPCOMING_MAX])
    page = paginate(request, q.my_bookings(actor=actor, when="past"))
    page.object_list = q.booking_labelled(actor, page.object_list)
    return render(
        request,
        "facilities/booking_mine.html",
        {"upcoming": upcoming, "page_obj": page, "here": request.get_full_path()},
    )


# --- one booking and its steps ----------------------------------------------------------------


@login_required
@require_GET
def booking(request, booking_id: int):
    actor = request.user
    row = q.booking_labelled(actor, [_booking_or_404(actor, booking_id)])[0]
    return render(
        request,
        "facilities/booking.html",
        {
            "booking": row,
            "mine": row.booker_id == actor.pk,
            "manages": scoping.has_cap(actor, Cap.BOOKING_MANAGE, row.area_code),
            "sees": q.sees_bookings(actor, row.area_code),
            "here": request.get_full_path(),
        },
    )


def _step(request, booking_id: int, act, message: str):
    """Run one step on a booking; the answer is the page it was asked from (``next``) with
    the outcome as a message."""
    actor = request.user
    back = _next(request, reverse("facilities:booking", args=[booking_id]))
    try:
        act(actor, booking_id)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        for text in _messages_of(exc):
            messages.error(request, text)
        return redirect(back)
    messages.success(request, message)
    return redirect(back)


@login_required
@require_POST
def booking_cancel(request, booking_id: int):
    reason = request.POST.get("reason", "")
    return _step(
        request,
        booking_id,
        lambda a, pk: actions.booking_cancel(actor=a, booking_id=pk, reason=reason),
        _("The booking is cancelled."),
    )


@login_required
@require_POST
def booking_approve(request, booking_id: int):
    return _step(
        request,
        booking_id,
        lambda a, pk: actions.booking_approve(actor=a, booking_id=pk),
        _("The booking is confirmed; the booker is told."),
    )


@login_required
@require_POST
def booking_reject(request, booking_id: int):
    reason = request.POST.get("reason", "")
    return _step(
        request,
        booking_id,
        lambda a, pk: actions.booking_reject(actor=a, booking_id=pk, reason=reason),
        _("The booking is declined; the booker is told."),
    )


@login_required
@require_POST
def booking_check_in(request, booking_id: int):
    return _step(
        request,
        booking_id,
        lambda a, pk: actions.booking_check_in(actor=a, booking_id=pk),
        _("Checked in."),
    )


@login_required
@require_POST
def booking_no_show(request, booking_id: int):
    return _step(
        request,
        booking_id,
        lambda a, pk: actions.booking_no_show(actor=a, booking_id=pk),
        _("Marked as not come."),
    )


# --- staff ------------------------------------------------------------------------------------


def _values(source) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:40] for key in FILTERS}
    if values["status"] not in {value for value, _label in status_choices()}:
        values["status"] = "pending"
    if not values["venue"].isdigit():
        values["venue"] = ""
    if values["kind"] not in Booking.BookerKind.values:
        values["kind"] = ""
    return values


@login_required
@require_GET
def bookings(request):
    _reads_bookings(request)
    actor = request.user
    values = _values(request.GET)
    filters = {key: values[key] for key in FILTERS if values[key]}
    if filters.get("status") == "all":
        filters.pop("status")
    errors: dict = {}
    try:
        rows = q.booking_list(actor=actor, filters=filters)
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Booking.objects.none()
    page = paginate(request, q.booking_rows(rows))
    page.object_list = q.booking_labelled(actor, page.object_list)
    context = {
        "values": values,
        "errors": errors,
        "page_obj": page,
        "statuses": status_choices(),
        "kinds": Booking.BookerKind.choices,
        "venues": q.booking_venue_choices(actor=actor),
        "counts": q.booking_counts(actor=actor),
        "manages": scoping.has_cap(actor, Cap.BOOKING_MANAGE),
        "here": request.get_full_path(),
        "htmx": is_htmx(request),
    }
    status = 400 if errors and not context["htmx"] else 200
    return render(request, "facilities/booking_list.html", context, status=status)


@login_required
@require_GET
def venue_calendar(request, venue_id: int):
    actor = request.user
    venue = _venue_or_404(actor, venue_id)
    error = ""
    try:
        week = q.venue_calendar(actor=actor, venue_id=venue.pk, week_start=request.GET.get("week"))
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        error = str(exc.message)
        week = q.venue_calendar(actor=actor, venue_id=venue.pk)
    return render(
        request,
        "facilities/calendar.html",
        {
            "venue": venue,
            "week": week,
            "error": error,
            "today": timezone.localdate(),
            "manages": scoping.has_cap(actor, Cap.BOOKING_MANAGE, venue.area_code),
            "here": request.get_full_path(),
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def usage(request):
    actor = request.user
    if not scoping.has_cap(actor, Cap.FACILITY_VIEW):
        raise PermissionDenied
    values = {key: str(request.GET.get(key, "")).strip()[:20] for key in ("area", "from", "to")}
    errors: dict = {}
    try:
        figures = venue_usage(
            actor=actor,
            area_code=values["area"],
            date_from=values["from"] or None,
            date_to=values["to"] or None,
        )
    except ActionError as exc:
        errors = filter_errors(exc)
        figures = venue_usage(actor=actor)
    chart = {
        "names": [row.venue.name for row in figures.rows],
        "utilisation": [row.utilisation for row in figures.rows],
        "use": [row.use_rate for row in figures.rows],
        "labels": {"utilisation": _("Booked"), "use": _("Used"), "rate": _("Share of hours")},
    }
    return render(
        request,
        "facilities/usage.html",
        {"values": values, "errors": errors, "usage": figures, "chart_data": chart},
        status=400 if errors else 200,
    )


# --- home blocks ------------------------------------------------------------------------------


def _resident_block(request) -> dict | None:
    """The resident's next bookings and the way to book (two queries)."""
    actor = request.user
    if not q.home_communities(actor):
        return None
    upcoming = q.booking_labelled(actor, q.my_bookings(actor=actor)[:3])
    if not upcoming and not q.bookable_venues(actor=actor).exists():
        return None
    return {
        "upcoming": upcoming,
        "book_url": reverse("facilities:book"),
        "mine_url": reverse("facilities:my_bookings"),
    }


def _queue_block(request) -> dict | None:
    """Bookings waiting, to settle and today, where the actor manages bookings (one query)."""
    actor = request.user
    if not scoping.has_cap(actor, Cap.BOOKING_MANAGE):
        return None
    return {
        "counts": q.booking_counts(actor=actor),
        "pending_url": _query("facilities:bookings", status="pending"),
        "settle_url": _query("facilities:bookings", status="to_settle"),
        "today_url": _query(
            "facilities:bookings",
            status="live",
            date_from=timezone.localdate().isoformat(),
            date_to=timezone.localdate().isoformat(),
        ),
        "usage_url": reverse("facilities:usage"),
    }


_BLOCKS = [
    HomeSection(
        home="resident", template="facilities/_home_booking.html", context=_resident_block, order=30
    ),
    HomeSection(
        home="staff", template="facilities/_home_booking_queue.html", context=_queue_block, order=70
    ),
    HomeSection(
        home="officer",
        template="facilities/_home_booking_queue.html",
        context=_queue_block,
        order=70,
    ),
]
HOME_SECTIONS.extend(
    block
    for block in _BLOCKS
    if not any(
        known.template == block.template and known.home == block.home for known in HOME_SECTIONS
    )
)

urlpatterns = [
    path("book/", book, name="book"),
    path("book/<int:venue_id>/", book_venue, name="book_venue"),
    path("bookings/", bookings, name="bookings"),
    path("bookings/mine/", my_bookings, name="my_bookings"),
    path("bookings/<int:booking_id>/", booking, name="booking"),
    path("bookings/<int:booking_id>/done/", booking_done, name="booking_done"),
    path("bookings/<int:booking_id>/cancel/", booking_cancel, name="booking_cancel"),
    path("bookings/<int:booking_id>/approve/", booking_approve, name="booking_approve"),
    path("bookings/<int:booking_id>/reject/", booking_reject, name="booking_reject"),
    path("bookings/<int:booking_id>/check-in/", booking_check_in, name="booking_check_in"),
    path("bookings/<int:booking_id>/no-show/", booking_no_show, name="booking_no_show"),
    path("venues/<int:venue_id>/calendar/", venue_calendar, name="venue_calendar"),
    path("usage/", usage, name="usage"),
]

__all__ = ["urlpatterns"]
