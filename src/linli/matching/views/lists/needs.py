"""Needs as pages: the list with its filters, the unmatched needs per area (for towns and
counties), one need with the resources suggested for it and a one-click confirm for each,
listing a need (typed in, from an appeal, from a care visit, in bulk), changing, closing and
meeting it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors, is_htmx, paginate, read, submit

from ...actions import lists as actions
from ...forms.lists import (
    AreaForm,
    CloseForm,
    ConfirmForm,
    FromAppealForm,
    FromCareNeedForm,
    NeedForm,
)
from ...models import Category, Match, Need, Resource
from ...queries import lists as queries
from ...queries import matcher
from ._shared import (
    CSS,
    clean_values,
    messages_of,
    require_cap,
    step,
    times_grid,
    url_or_blank,
)

FILTERS = ("status", "category", "urgency", "source", "area", "q")


@login_required
@require_GET
def need_list(request):
    require_cap(request)
    actor = request.user
    values = clean_values(request.GET, FILTERS)
    if "status" not in request.GET:
        values["status"] = Need.Status.OPEN
    filters = {key: values[key] for key in FILTERS if values[key] and values[key] != "all"}
    errors: dict = {}
    try:
        rows = queries.need_list(actor=actor, filters=filters)
        totals = queries.need_counts(actor=actor, filters=filters)
    except ActionError as exc:
        errors = filter_errors(exc)
        rows, totals = Need.objects.none(), None
    context = {
        "css": CSS,
        "values": values,
        "errors": errors,
        "page_obj": paginate(request, rows),
        "totals": totals,
        "statuses": Need.Status.choices,
        "categories": Category.choices,
        "urgencies": Need.Urgency.choices,
        "sources": Need.Source.choices,
        "areas": queries.filter_areas(actor=actor),
        "can_manage": scoping.has_cap(actor, Cap.MATCH_MANAGE),
    }
    status = 400 if errors and not is_htmx(request) else 200
    return render(request, "matching/lists/need_list.html", context, status=status)


@login_required
@require_GET
def needs_waiting(request):
    require_cap(request)
    actor = request.user
    waiting = read(queries.needs_waiting, actor=actor, area_code=request.GET.get("area") or None)
    rows = queries.need_list(
        actor=actor, filters={"status": Need.Status.OPEN, "area": waiting.area.code}
    ).order_by("created_at", "id")
    context = {
        "css": CSS,
        "waiting": waiting,
        "areas": queries.waiting_areas(actor=actor),
        "page_obj": paginate(request, rows),
    }
    return render(request, "matching/lists/need_waiting.html", context)


# --- one need ------------------------------------------------------------------------------------


def _match_rows(matches: list[Match]) -> list[dict]:
    rows = []
    for match in matches:
        resource = match.resource
        rows.append(
            {
                "match": match,
                "activity_url": url_or_blank("volunteers:activity_manage", match.activity_id)
                if match.activity_id
                else "",
                "book_url": url_or_blank("facilities:book_venue", resource.venue_id)
                if resource.kind == Resource.Kind.VENUE and match.status == Match.Status.ACTIVE
                else "",
            }
        )
    return rows


def _detail_context(request, need: Need) -> dict:
    actor = request.user
    live = need.status in (Need.Status.OPEN, Need.Status.MATCHED)
    can_manage = queries.need_can_manage(actor, need)
    return {
        "css": CSS,
        "need": need,
        "week": matcher.week_grid(need.times),
        "links": queries.need_source_links(actor=actor, need=need),
        "matches": _match_rows(queries.need_matches(actor=actor, need=need)),
        "suggestions": matcher.rank(need) if live else [],
        "live": live,
        "can_manage": can_manage,
        "close_form": CloseForm(auto_id="close-%s"),
        "htmx": is_htmx(request),
    }


def _need(actor, need_id: int) -> Need:
    return read(queries.need_get, actor=actor, need_id=need_id)


@login_required
@require_GET
def need_detail(request, need_id: int):
    require_cap(request)
    found = _need(request.user, need_id)
    return render(request, "matching/lists/need_detail.html", _detail_context(request, found))


@login_required
@require_POST
def need_confirm(request, need_id: int):
    """The one click: confirm a suggested resource for the need. With htmx the answer is the
    need's page again (its matching part is swapped in); without, a redirect to it."""
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    found = _need(actor, need_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the suggested resources."))
    else:
        try:
            match = actions.match_confirm(
                actor=actor,
                need_id=found.pk,
                resource_id=form.cleaned_data["resource_id"],
                note=form.cleaned_data.get("note", ""),
            )
        except NotFound:
            raise Http404 from None
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            for text in messages_of(exc):
                messages.error(request, text)
        else:
            messages.success(request, _confirmed(match))
    if is_htmx(request):
        fresh = _need(actor, found.pk)
        return render(request, "matching/lists/need_detail.html", _detail_context(request, fresh))
    return redirect("matching:need", need_id=found.pk)


def _confirmed(match: Match) -> str:
    text = _("Matched with “%(name)s”.") % {"name": match.resource.name}
    if match.activity_id:
        text += " " + _("A draft activity for the team is ready: check it and publish it.")
    elif match.resource.kind == Resource.Kind.VENUE:
        text += " " + _("Nothing is booked yet: book the venue for the time wanted.")
    return text


# --- listing and changing ----------------------------------------------------------------------


def _new_context(actor, form=None, **forms) -> dict:
    form = form or NeedForm(areas=queries.need_area_choices(actor=actor), auto_id="need-%s")
    return {
        "css": CSS,
        "form": form,
        "times_grid": times_grid(form),
        "appeal_form": forms.get("appeal_form")
        or FromAppealForm(appeals=queries.appeal_candidates(actor=actor), auto_id="appeal-%s"),
        "care_form": forms.get("care_form")
        or FromCareNeedForm(
            care_needs=queries.care_need_candidates(actor=actor), auto_id="care-%s"
        ),
        "import_form": AreaForm(areas=queries.import_areas(actor=actor), auto_id="import-%s"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def need_new(request):
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    form = NeedForm(
        request.POST or None, areas=queries.need_area_choices(actor=actor), auto_id="need-%s"
    )
    if request.method == "GET":
        return render(request, "matching/lists/need_form.html", _new_context(actor, form))
    done, status = submit(
        request,
        form,
        lambda data: actions.need_create(
            actor=actor, area_code=data["area_code"], **form.action_data()
        ),
        message=lambda n: _("“%(title)s” is on the needs list.") % {"title": n.title},
        to=lambda n: reverse("matching:need", args=[n.pk]),
        aliases=NeedForm.ERROR_ALIASES,
    )
    if done:
        return done
    return render(
        request, "matching/lists/need_form.html", _new_context(actor, form), status=status
    )


def _listed(request, need: Need):
    if need.created:
        messages.success(request, _("Listed. Add when and where help is wanted now."))
        return redirect("matching:need_edit", need_id=need.pk)
    messages.info(request, _("This is listed already."))
    return redirect("matching:need", need_id=need.pk)


def _from(request, form, act, key: str, **forms):
    actor = request.user
    if form.is_valid():
        try:
            return _listed(request, act(form.cleaned_data[key]))
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            for text in messages_of(exc):
                form.add_error(key if key in form.fields else None, text)
    context = _new_context(actor, **forms)
    return render(request, "matching/lists/need_form.html", context, status=400)


@login_required
@require_POST
def need_from_appeal(request):
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    form = FromAppealForm(
        request.POST, appeals=queries.appeal_candidates(actor=actor), auto_id="appeal-%s"
    )
    return _from(
        request,
        form,
        lambda pk: actions.need_from_appeal(actor=actor, appeal_id=pk),
        "appeal_id",
        appeal_form=form,
    )


@login_required
@require_POST
def need_from_care_need(request):
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    form = FromCareNeedForm(
        request.POST, care_needs=queries.care_need_candidates(actor=actor), auto_id="care-%s"
    )
    return _from(
        request,
        form,
        lambda pk: actions.need_from_care_need(actor=actor, care_need_id=pk),
        "care_need_id",
        care_form=form,
    )


@login_required
@require_POST
def needs_import(request):
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    form = AreaForm(request.POST, areas=queries.import_areas(actor=actor))
    if not form.is_valid():
        messages.error(request, _("Choose an area."))
        return redirect("matching:need_new")

    def message(result) -> str:
        text = _("Listed %(appeals)d from appeals and %(care)d from care visits.") % {
            "appeals": result.from_appeals,
            "care": result.from_care_visits,
        }
        if result.more:
            text += " " + _("More are waiting: list again.")
        return text

    response, _result = step(
        request,
        lambda: actions.needs_import(actor=actor, area_code=form.cleaned_data["area_code"]),
        message=message,
        back=reverse("matching:needs"),
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request, need_id: int):
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    found = _need(actor, need_id)
    if not queries.need_can_manage(actor, found):
        raise PermissionDenied
    form = NeedForm(request.POST or None, initial=NeedForm.initial_of(found), auto_id="need-%s")
    context = {"css": CSS, "form": form, "need": found, "times_grid": times_grid(form)}
    if request.method == "GET":
        return render(request, "matching/lists/need_edit.html", context)
    done, status = submit(
        request,
        form,
        lambda data: actions.need_update(actor=actor, need_id=found.pk, **form.action_data()),
        message=_("The need is saved."),
        to=reverse("matching:need", args=[found.pk]),
        aliases=NeedForm.ERROR_ALIASES,
    )
    return done or render(request, "matching/lists/need_edit.html", context, status=status)


@login_required
@require_POST
def need_close(request, need_id: int):
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    back = reverse("matching:need", args=[need_id])
    response, _result = step(
        request,
        lambda: actions.need_close(
            actor=actor, need_id=need_id, reason=request.POST.get("reason", "")
        ),
        message=_("The need is closed."),
        back=back,
    )
    return response


@login_required
@require_POST
def need_met(request, need_id: int):
    require_cap(request, Cap.MATCH_MANAGE)
    actor = request.user
    response, _result = step(
        request,
        lambda: actions.need_mark_met(actor=actor, need_id=need_id),
        message=_("The need is met."),
        back=reverse("matching:need", args=[need_id]),
    )
    return response
