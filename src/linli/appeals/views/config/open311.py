"""``settings/open311/`` (``open311.keys``): Open311 clients and their keys, each shown once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, paginate

from ... import actions, queries
from ...forms.config import Open311ClientForm
from ._shared import _require


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def open311_clients(request):
    """Clients and their keys. A new key is shown in this answer only (``no-store``)."""
    _require(request, Cap.OPEN311_KEYS)
    actor = request.user
    counties = queries.open311_counties(actor=actor)
    form = Open311ClientForm(
        request.POST if request.method == "POST" else None,
        counties=counties,
        initial={"area_code": counties[0].code if len(counties) == 1 else ""},
    )
    new_key = new_client = None
    if request.method == "POST" and form.is_valid():
        try:
            new_client, new_key = actions.open311_client_create(
                actor=actor,
                name=form.cleaned_data["name"],
                area_code=form.cleaned_data["area_code"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            form = Open311ClientForm(counties=counties)
    clients = paginate(request, queries.open311_client_list(actor=actor))
    names = queries.area_names(c.area_code for c in clients.object_list)
    for client in clients.object_list:
        client.county_name = names.get(client.area_code, client.area_code)
    context = {
        "form": form,
        "clients": clients,
        "new_key": new_key,
        "new_client": new_client,
    }
    status = 400 if request.method == "POST" and new_key is None else 200
    response = render(request, "appeals/config/open311.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def open311_client_revoke(request, client_id: int):
    _require(request, Cap.OPEN311_KEYS)
    try:
        client = actions.open311_client_revoke(actor=request.user, client_id=client_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The key of “%(name)s” no longer works.") % {"name": client.name})
    return redirect("appeals:open311_clients")


urlpatterns = [
    path("settings/open311/", open311_clients, name="open311_clients"),
    path(
        "settings/open311/<int:client_id>/revoke/",
        open311_client_revoke,
        name="open311_client_revoke",
    ),
]
