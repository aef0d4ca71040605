"""Resources as pages: the list with its filters, one resource (its matches, and its contact
for readers of its own area, masked), the form to list or change one, stopping and offering
it again, and bringing the area's volunteer teams and venues into the list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError
from linli.core.pii import mask_phone
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors, is_htmx, paginate, read, submit

from ...actions import lists as actions
from ...forms.lists import AreaForm, ResourceForm
from ...models import Category, Resource
from ...queries import lists as queries
from ...queries import matcher
from ._shared import CSS, clean_values, require_cap, step, times_grid, url_or_blank

FILTERS = ("kind", "category", "active", "area", "q")


@login_required
@require_GET
def resource_list(request):
    require_cap(request)
    actor = request.user
    values = clean_values(request.GET, FILTERS)
    if values["active"] not in ("1", "0", "all"):
        values["active"] = "1"
    filters = {key: values[key] for key in FILTERS if values[key] and values[key] != "all"}
    errors: dict = {}
    try:
        rows = queries.resource_list(actor=actor, filters=filters)
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Resource.objects.none()
    can_manage = scoping.has_cap(actor, Cap.MATCH_MANAGE)
    context = {
        "css": CSS,
        "values": values,
        "errors": errors,
        "page_obj": paginate(request, rows),
        "kinds": Resource.Kind.choices,
        "categories": Category.choices,
        "areas": queries.filter_areas(actor=actor),
        "can_manage": can_manage,
        "sync_form": AreaForm(areas=queries.import_areas(actor=actor), auto_id="sync-%s")
        if can_manage
        else None,
    }
    status = 400 if errors and not is_htmx(request) else 200
    return render(request, "matching/lists/resource_list.html", context, status=status)


def _resource(actor, resource_id: int) -> Resource:
    return read(queries.resource_get, actor=actor, resource_id=resource_id)


@login_required
@require_GET
def resource_detail(request, resource_id: int):
    require_cap(request)
    actor = request.user
    found = _resource(actor, resource_id)
    sees_contact = queries.resource_sees_contact(actor, found)
    context = {
        "css": CSS,
        "resource": found,
        "week": matcher.week_grid(found.times),
        "category_labels": [Category(c).label for c in found.categories if c in Category.values],
        "serves": queries.resource_area_names(found),
        "sees_contact": sees_contact,
        "phone_masked": mask_phone(found.contact_phone) if sees_contact else "",
        "can_manage": queries.resource_can_manage(actor, found),
        "entered": found.kind in actions.ENTERED_KINDS,
        "matches": queries.resource_matches(actor=actor, resource=found),
        "team_url": url_or_blank("volunteers:team", found.team_id) if found.team_id else "",
        "venue_url": url_or_blank("facilities:venue", found.venue_id) if found.venue_id else "",
    }
    return render(request, "matching/lists/resource_detail.html", context)


def _form_page(request, form, *, found=None, status: int = 200):
    context = {"css": CSS, "form": form, "resource": found, "times_grid": times_grid(form)}
    return render(request, "matching/lists/resource_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def resource_new(request):
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    form = ResourceForm(
        request.POST or None,
        areas=queries.resource_area_choices(actor=actor),
        auto_id="resource-%s",
    )
    if request.method == "GET":
        return _form_page(request, form)
    done, status = submit(
        request,
        form,
        lambda data: actions.resource_create(actor=actor, **form.action_data()),
        message=lambda r: _("“%(name)s” is on the resources list.") % {"name": r.name},
        to=lambda r: reverse("matching:resource", args=[r.pk]),
        aliases=ResourceForm.ERROR_ALIASES,
    )
    return done or _form_page(request, form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request, resource_id: int):
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    found = _resource(actor, resource_id)
    if not queries.resource_can_manage(actor, found):
        raise PermissionDenied
    form = ResourceForm(
        request.POST or None,
        initial=ResourceForm.initial_of(found),
        area_code=found.area_code,
        synced=found.kind not in actions.ENTERED_KINDS,
        auto_id="resource-%s",
    )
    if request.method == "GET":
        return _form_page(request, form, found=found)
    done, status = submit(
        request,
        form,
        lambda data: actions.resource_update(
            actor=actor, resource_id=found.pk, **form.action_data()
        ),
        message=_("The resource is saved."),
        to=reverse("matching:resource", args=[found.pk]),
        aliases=ResourceForm.ERROR_ALIASES,
    )
    return done or _form_page(request, form, found=found, status=status)


@login_required
@require_POST
def resource_deactivate(request, resource_id: int):
    require_cap(request, Cap.MATCH_MANAGE)
    response, _result = step(
        request,
        lambda: actions.resource_deactivate(actor=request.user, resource_id=resource_id),
        message=_("It is no longer suggested; matches under way stay."),
        back=reverse("matching:resource", args=[resource_id]),
    )
    return response


@login_required
@require_POST
def resource_activate(request, resource_id: int):
    require_cap(request, Cap.MATCH_MANAGE)
    response, _result = step(
        request,
        lambda: actions.resource_activate(actor=request.user, resource_id=resource_id),
        message=_("It is offered again."),
        back=reverse("matching:resource", args=[resource_id]),
    )
    return response


@login_required
@require_POST
def resources_sync(request):
    """The staff's button: bring the area's volunteer teams and venues into the list."""
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    form = AreaForm(request.POST, areas=queries.import_areas(actor=actor))
    code = form.cleaned_data["area_code"] if form.is_valid() else request.POST.get("area_code")
    response, _result = step(
        request,
        lambda: actions.resources_sync(actor=actor, area_code=code),
        message=lambda r: (
            _(
                "Teams and venues are up to date: %(created)d added, %(updated)d changed, "
                "%(unchanged)d as they were."
            )
            % {"created": r.created, "updated": r.updated, "unchanged": r.unchanged}
        ),
        back=reverse("matching:resources"),
    )
    return response
