"""The volunteer's own pages, phone first: "my hours" (total, star level and the way to the
next one, service records with their corrections, points with the ledger and the services to
spend them on), spending points on one service, and carrying one's records to another
organisation. Every form works without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from linli.core.errors import ActionError, Forbidden
from linli.core.views.glue import apply_errors, paginate, read

from ...actions import records as actions
from ...forms.records import SpendForm, TransferForm
from ...queries import records as q
from ...queries._common import own_volunteer


@login_required
@require_GET
def my_hours(request):
    mine = q.my_hours(actor=request.user)
    if mine is None:
        return render(request, "volunteers/records/my_hours.html", {"mine": None})
    page = paginate(request, mine.records)
    page.object_list = q.with_net_hours(page.object_list)
    return render(
        request,
        "volunteers/records/my_hours.html",
        {
            "mine": mine,
            "page_obj": page,
            "points_per_hour": actions.POINTS_PER_HOUR,
            "transfers": q.transfers_of(mine.volunteer),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_offer(request, offer_id: int):
    volunteer, offer = read(q.my_offer, actor=request.user, offer_id=offer_id)
    form = SpendForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                spent = actions.points_spend(
                    actor=request.user,
                    offer_id=offer.pk,
                    client_key=form.cleaned_data["client_key"],
                )
            except Forbidden:
                raise Http404 from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _(
                        "Done: %(points)d points spent on %(name)s. Show this page's ledger at "
                        "the service desk."
                    )
                    % {"points": -spent.entry.delta, "name": offer.name},
                )
                return redirect(reverse("volunteers:my_hours") + "#points")
        else:
            status = 400
    return render(
        request,
        "volunteers/records/my_offer.html",
        {
            "volunteer": volunteer,
            "offer": offer,
            "form": form,
            "enough": volunteer.points_balance >= offer.points,
            "short": max(0, offer.points - volunteer.points_balance),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_transfer(request):
    volunteer = own_volunteer(request.user)
    if volunteer is None:
        raise Http404
    targets = list(q.transfer_targets(volunteer))
    form = TransferForm(request.POST or None, organisations=targets, by_self=True)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                transfer = actions.transfer_create(
                    actor=request.user,
                    to_organisation_id=form.cleaned_data["to_organisation_id"],
                    consent=form.cleaned_data["consent"],
                )
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Your records are now kept by %(organisation)s.")
                    % {"organisation": transfer.to_organisation.name},
                )
                return redirect("volunteers:my_hours")
        else:
            status = 400
    return render(
        request,
        "volunteers/records/my_transfer.html",
        {"volunteer": volunteer, "form": form, "transfers": q.transfers_of(volunteer)},
        status=status,
    )


urlpatterns = [
    path("me/hours/", my_hours, name="my_hours"),
    path("me/offers/<int:offer_id>/", my_offer, name="my_offer"),
    path("me/transfer/", my_transfer, name="my_transfer"),
]
