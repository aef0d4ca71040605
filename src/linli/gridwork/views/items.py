"""The county's community work-item list (社区工作事项准入清单) as a managed page: read by
everyone of the county who assigns tasks or does grid work; items added, changed and withdrawn
by ``workitem.manage`` holders, who may also load the built-in list into an empty county.
Withdrawn items are shown apart, with their dates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import submit

from .. import actions, queries
from ..defaults import WORK_ITEMS
from ..forms import WithdrawForm, WorkItemForm
from ..models import WorkItem
from ._shared import require_any, with_query

READ_CAPS = (Cap.TASK_ASSIGN, Cap.GRID_WORK, Cap.WORKITEM_MANAGE)


def _county(request, source=None):
    """The county chosen (``?county=``), or the first whose list the actor reads."""
    require_any(request, *READ_CAPS)
    counties = queries.item_counties(actor=request.user)
    wanted = str((source if source is not None else request.GET).get("county", ""))
    for county in counties:
        if wanted in (county.code, county.code[:6]):
            return county, counties
    if wanted:
        raise Http404
    if not counties:
        raise PermissionDenied
    return counties[0], counties


def _items_url(county) -> str:
    return with_query("gridwork:items", county=county.code)


def _item_url(item: WorkItem) -> str:
    return reverse("gridwork:item", kwargs={"item_id": item.pk})


def _page(request, county, counties, *, form=None, status: int = 200):
    actor = request.user
    manage = queries.can_manage(actor, county.code)
    listed = queries.labelled(queries.workitem_list(actor=actor, county_code=county.code))
    in_force = [item for item in listed if item.active]
    withdrawn = [item for item in listed if not item.active]
    if manage and form is None:
        form = WorkItemForm(auto_id="item-%s")
    context = {
        "county": county,
        "counties": counties,
        "in_force": in_force,
        "withdrawn": withdrawn,
        "empty": not listed,
        "can_manage": manage,
        "form": form if manage else None,
        "defaults_count": len(WORK_ITEMS),
    }
    return render(request, "gridwork/items.html", context, status=status)


@login_required
@require_GET
def items(request):
    county, counties = _county(request)
    return _page(request, county, counties)


@login_required
@require_POST
def item_add(request):
    county, counties = _county(request, request.POST)
    if not queries.can_manage(request.user, county.code):
        raise PermissionDenied
    form = WorkItemForm(request.POST, auto_id="item-%s")
    done, status = submit(
        request,
        form,
        lambda data: actions.workitem_save(actor=request.user, county_code=county.code, **data),
        message=lambda item: _("“%(name)s” is on the list.") % {"name": item.name},
        to=_items_url(county),
    )
    return done or _page(request, county, counties, form=form, status=status)


@login_required
@require_POST
def items_defaults(request):
    county, _counties = _county(request, request.POST)
    try:
        created = actions.workitem_defaults(actor=request.user, county_code=county.code)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "The built-in list is loaded: %(count)d item added.",
                "The built-in list is loaded: %(count)d items added.",
                created,
            )
            % {"count": created},
        )
    return redirect(_items_url(county))


def _item_or_404(actor, item_id: int) -> WorkItem:
    try:
        return queries.workitem_get(actor=actor, item_id=item_id)
    except NotFound:
        raise Http404 from None


def _initial(item: WorkItem) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "department": item.department,
        "description": item.description,
        "basis": item.basis,
        "approved_on": item.approved_on.isoformat() if item.approved_on else "",
    }


def _item_page(request, item, *, form=None, withdraw_form=None, status: int = 200):
    actor = request.user
    manage = queries.can_manage(actor, item.area_code)
    if manage and form is None:
        form = WorkItemForm(initial=_initial(item), auto_id="item-%s")
    if manage and item.active and withdraw_form is None:
        withdraw_form = WithdrawForm(auto_id="withdraw-%s")
    context = {
        "item": queries.labelled([item])[0],
        "can_manage": manage,
        "form": form if manage else None,
        "withdraw_form": withdraw_form if manage and item.active else None,
        "counts": queries.workitem_task_counts(actor=actor, item=item),
        "tasks_url": with_query("gridwork:tasks", item=item.pk, status="all"),
        "items_url": _items_url(item.county),
    }
    return render(request, "gridwork/item.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item(request, item_id: int):
    require_any(request, *READ_CAPS)
    actor = request.user
    found = _item_or_404(actor, item_id)
    if request.method == "GET":
        return _item_page(request, found)
    if not queries.can_manage(actor, found.area_code):
        raise PermissionDenied
    form = WorkItemForm(request.POST, initial=_initial(found), auto_id="item-%s")
    done, status = submit(
        request,
        form,
        lambda data: actions.workitem_save(
            actor=actor, county_code=found.area_code, item_id=found.pk, **data
        ),
        message=_("The item is saved."),
        to=_item_url(found),
    )
    return done or _item_page(request, found, form=form, status=status)


@login_required
@require_POST
def item_withdraw(request, item_id: int):
    require_any(request, Cap.WORKITEM_MANAGE)
    actor = request.user
    found = _item_or_404(actor, item_id)
    form = WithdrawForm(request.POST, auto_id="withdraw-%s")
    done, status = submit(
        request,
        form,
        lambda data: actions.workitem_withdraw(
            actor=actor, item_id=found.pk, withdrawn_on=data["withdrawn_on"]
        ),
        message=_("The item is withdrawn from the list in force."),
        to=_item_url(found),
    )
    return done or _item_page(request, found, withdraw_form=form, status=status)


urlpatterns = [
    path("items/", items, name="items"),
    path("items/new/", item_add, name="item_add"),
    path("items/defaults/", items_defaults, name="items_defaults"),
    path("items/<int:item_id>/", item, name="item"),
    path("items/<int:item_id>/withdraw/", item_withdraw, name="item_withdraw"),
]
