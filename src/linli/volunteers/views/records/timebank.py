"""Staff pages of the time bank (时间银行): the services offered for points in their areas, the
offer form (put up, change, take off the list), and a volunteer's points ledger with the
desk's two forms — spend points for the volunteer on a service, adjust points with a reason.

Each view parses, calls one query or action, and renders; every form works without JavaScript
(the spend form carries the key made when it was shown, so sending it twice spends once)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, filter_errors, paginate, read

from ...actions import records as actions
from ...forms.records import AdjustForm, OfferForm, SpendForm
from ...models import Offer
from ...queries import records as q
from ._common import require_manage, require_view


@login_required
@require_GET
def offers(request):
    require_view(request)
    actor = request.user
    wanted = str(request.GET.get("active", "active"))[:10]
    errors: dict = {}
    try:
        rows = q.offer_list(actor=actor, active=wanted)
    except ActionError as exc:
        errors = filter_errors(exc)
        wanted, rows = "active", Offer.objects.none()
    return render(
        request,
        "volunteers/records/offers.html",
        {
            "page_obj": paginate(request, rows),
            "active": wanted,
            "choices": [(key, _label(key)) for key in q.ACTIVE_CHOICES],
            "errors": errors,
            "manages": scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE),
            "points_per_hour": actions.POINTS_PER_HOUR,
        },
        status=400 if errors else 200,
    )


def _label(key: str) -> str:
    return {
        "active": _("Offered now"),
        "inactive": _("Taken off the list"),
        "all": _("All"),
    }[key]


def _offer_values(data: dict) -> dict:
    return {k: data[k] for k in ("name", "description", "points", "stock") if k in data}


@login_required
@require_http_methods(["GET", "POST"])
def offer_new(request):
    require_manage(request)
    actor = request.user
    form = OfferForm(request.POST or None, areas=q.offer_areas_managed(actor=actor))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                offer = actions.offer_create(
                    actor=actor,
                    area_code=form.cleaned_data["area_code"],
                    **_offer_values(form.cleaned_data),
                )
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("%(name)s is offered.") % {"name": offer.name})
                return redirect("volunteers:offers")
        else:
            status = 400
    return render(
        request, "volunteers/records/offer_form.html", {"form": form, "offer": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request, offer_id: int):
    require_view(request)
    actor = request.user
    offer = read(q.offer_get, actor=actor, offer_id=offer_id)
    if not scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE, offer.area_code):
        raise PermissionDenied
    initial = {
        "name": offer.name,
        "description": offer.description,
        "points": offer.points,
        "stock": "" if offer.stock is None else offer.stock,
        "active": offer.active,
    }
    form = OfferForm(request.POST or None, initial=initial, editing=True)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.offer_update(
                    actor=actor,
                    offer_id=offer.pk,
                    active=form.cleaned_data["active"],
                    **_offer_values(form.cleaned_data),
                )
            except (Forbidden, NotFound):
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Saved."))
                return redirect("volunteers:offers")
        else:
            status = 400
    return render(
        request,
        "volunteers/records/offer_form.html",
        {"form": form, "offer": offer},
        status=status,
    )


# --- a volunteer's ledger and the desk --------------------------------------------------------


def _ledger_page(request, volunteer_id: int, *, adjust=None, spend=None, status=200):
    actor = request.user
    found = read(q.volunteer_ledger, actor=actor, volunteer_id=volunteer_id)
    volunteer = found.volunteer
    manages = scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE, volunteer.area_code)
    offers_here = q.desk_offers(actor=actor, volunteer=volunteer) if manages else []
    return render(
        request,
        "volunteers/records/volunteer_points.html",
        {
            "volunteer": volunteer,
            "page_obj": paginate(request, found.entries),
            "manages": manages,
            "adjust_form": adjust or AdjustForm(),
            "spend_form": spend or SpendForm(offers=offers_here),
            "offers": offers_here,
            "points_per_hour": actions.POINTS_PER_HOUR,
        },
        status=status,
    )


@login_required
@require_GET
def volunteer_points(request, volunteer_id: int):
    require_view(request)
    return _ledger_page(request, volunteer_id)


def _ledger_url(volunteer_id: int) -> str:
    return reverse("volunteers:volunteer_points", args=[volunteer_id])


@login_required
@require_POST
def volunteer_points_adjust(request, volunteer_id: int):
    require_manage(request)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            entry = actions.points_adjust(
                actor=request.user, volunteer_id=volunteer_id, **form.cleaned_data
            )
        except NotFound:
            raise Http404 from None
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
            return _ledger_page(request, volunteer_id, adjust=form, status=exc.status)
        messages.success(
            request,
            _("Points adjusted by %(delta)+d; the balance is %(balance)d.")
            % {"delta": entry.delta, "balance": entry.balance},
        )
        return redirect(_ledger_url(volunteer_id))
    return _ledger_page(request, volunteer_id, adjust=form, status=400)


@login_required
@require_POST
def volunteer_points_spend(request, volunteer_id: int):
    require_manage(request)
    actor = request.user
    found = read(q.volunteer_ledger, actor=actor, volunteer_id=volunteer_id)
    form = SpendForm(request.POST, offers=q.desk_offers(actor=actor, volunteer=found.volunteer))
    if form.is_valid():
        try:
            spent = actions.points_spend(
                actor=actor,
                volunteer_id=found.volunteer.pk,
                offer_id=form.cleaned_data["offer_id"],
                client_key=form.cleaned_data["client_key"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
            return _ledger_page(request, volunteer_id, spend=form, status=exc.status)
        messages.success(
            request,
            _("%(points)d points spent on %(name)s; the balance is %(balance)d.")
            % {
                "points": -spent.entry.delta,
                "name": spent.entry.offer.name,
                "balance": spent.entry.balance,
            },
        )
        return redirect(_ledger_url(volunteer_id))
    return _ledger_page(request, volunteer_id, spend=form, status=400)


urlpatterns = [
    path("timebank/", offers, name="offers"),
    path("timebank/new/", offer_new, name="offer_new"),
    path("timebank/<int:offer_id>/", offer_edit, name="offer_edit"),
    path("timebank/volunteer/<int:volunteer_id>/", volunteer_points, name="volunteer_points"),
    path(
        "timebank/volunteer/<int:volunteer_id>/adjust/",
        volunteer_points_adjust,
        name="volunteer_points_adjust",
    ),
    path(
        "timebank/volunteer/<int:volunteer_id>/spend/",
        volunteer_points_spend,
        name="volunteer_points_spend",
    ),
]
