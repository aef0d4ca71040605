"""Care pages: a person's care archive and its notes, the visit form at the door, one visit and
its photos, the lists of visits and of needs found, and a need turned into an appeal or marked
met.

Each view parses, calls one query or action, and renders; the rules live in ``actions`` and
``queries``, which enforce them whatever a page offers. The health and living notes never
appear in a page unless asked for with the "Show notes" POST (audited), answered with the page
itself (``no-store``), so they never travel in an address, a redirect or the session. The visit
form works without JavaScript as a plain POST carrying its own key (``client_key``); with
``visit.js`` it also keeps its data on the phone until the server confirms.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap

from ..actions import visits as actions
from ..forms_visits import (
    CHECK_LABELS,
    NeedFilterForm,
    NotesForm,
    VisitFilterForm,
    VisitForm,
    apply_visit_errors,
    new_client_key,
)
from ..models import Visit
from ..queries import visits as queries

PAGE_SIZE = 25
ARCHIVE_VISITS = 10


# --- shared ------------------------------------------------------------------------------------


def _require(request, cap: str = Cap.CARE_VIEW) -> None:
    """Care pages are for those who hold ``cap`` somewhere."""
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied


def _per_page(request, size: int = PAGE_SIZE) -> int:
    return size // 2 if getattr(request, "elderly_mode", False) else size


def _links(request, page, *, param: str = "page", base: str = ""):
    """Numbered links for a page that keep the other query parameters; ``base``: the page's
    own address when it answers a POST to another one."""
    query = request.GET.copy() if not base else QueryDict(mutable=True)

    def url(number: int) -> str:
        query[param] = str(number)
        return base + "?" + query.urlencode()

    links = []
    if page.paginator.num_pages > 1:
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
            if number == Paginator.ELLIPSIS:
                links.append({"ellipsis": True})
            else:
                links.append(
                    {"number": number, "url": url(number), "current": number == page.number}
                )
    page.links = links
    page.prev_url = url(page.previous_page_number()) if page.has_previous() else ""
    page.next_url = url(page.next_page_number()) if page.has_next() else ""
    return page


def _back(request, fallback: str) -> str:
    """Where a one-tap POST returns to: the page it came from (``next``, on this site only)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _checks(visit: Visit) -> list[dict]:
    answers = visit.checks or {}
    labels = dict(Visit.Check.choices)
    return [
        {
            "key": key,
            "label": CHECK_LABELS[key],
            "answer": answers.get(key, ""),
            "answer_label": labels.get(answers.get(key, ""), _("not asked")),
        }
        for key in Visit.CHECKS
    ]


# --- the archive -------------------------------------------------------------------------------


def _render_archive(request, subject_id: int, *, status: int = 200, **extra):
    try:
        archive = queries.subject_archive(
            actor=request.user,
            subject_id=subject_id,
            page=request.GET.get("page"),
            per_page=_per_page(request, ARCHIVE_VISITS),
        )
    except NotFound:
        raise Http404 from None
    own = reverse("care:subject", args=[archive.subject.pk])
    _links(request, archive.visits, base=own if request.method == "POST" else "")
    context = {
        "archive": archive,
        "subject": archive.subject,
        "resident": archive.resident,
        "household": archive.household,
        "visits": archive.visits,
        "back_url": own,
        **extra,
    }
    response = render(request, "care/subject.html", context, status=status)
    if "notes" in extra:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def subject(request, subject_id: int):
    """A person's care archive: who they are, this month's plan, twelve months of visits met or
    not, the visits, the needs found and the appeals raised."""
    _require(request)
    return _render_archive(request, subject_id)


@login_required
@require_POST
@never_cache
def subject_notes(request, subject_id: int):
    """``op=reveal``: the health and living notes (audited), shown with a form to correct them;
    ``op=save``: write them."""
    _require(request, Cap.CARE_NOTES)
    actor = request.user
    if request.POST.get("op") == "save":
        form = NotesForm(request.POST)
        if form.is_valid():
            try:
                actions.subject_notes_update(
                    actor=actor, subject_id=subject_id, **form.cleaned_data
                )
            except NotFound:
                raise Http404 from None
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                apply_visit_errors(form, exc, [])
            else:
                messages.success(request, _("The notes are saved."))
                return redirect("care:subject", subject_id=subject_id)
        notes = {
            "health_notes": request.POST.get("health_notes", ""),
            "living_notes": request.POST.get("living_notes", ""),
        }
        return _render_archive(request, subject_id, status=400, notes=notes, notes_form=form)
    try:
        notes = actions.subject_notes_reveal(actor=actor, subject_id=subject_id)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    form = NotesForm(
        initial={"health_notes": notes["health_notes"], "living_notes": notes["living_notes"]}
    )
    return _render_archive(request, subject_id, notes=notes, notes_form=form)


# --- the visit form ----------------------------------------------------------------------------


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _render_form(request, subject, form, *, status: int = 200):
    plan = queries.plan_of_month(subject=subject)
    context = {
        "subject": subject,
        "resident": subject.resident,
        "household": subject.resident.household,
        "plan": plan,
        "form": form,
        "client_key": form["client_key"].value(),
    }
    response = render(request, "care/visit_form.html", context, status=status)
    response["Cache-Control"] = "no-store"  # typed notes are echoed back
    return response


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request, subject_id: int):
    """Record a visit at the door: one column, big targets, works without JavaScript."""
    _require(request, Cap.CARE_VISIT)
    actor = request.user
    try:
        subject = queries.subject_visible(actor=actor, subject_id=subject_id)
    except NotFound:
        raise Http404 from None
    if not queries.can_visit(actor, subject.area_code):
        raise PermissionDenied
    if request.method == "GET":
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = VisitForm(
            initial={"client_key": new_client_key(), "visited_at": now, "mode": "home"}
        )
        return _render_form(request, subject, form)
    form = VisitForm(request.POST, request.FILES)
    if form.is_valid():
        kwargs = form.action_kwargs()
        try:
            visit = actions.visit_record(actor=actor, subject_id=subject.pk, **kwargs)
        except NotFound:
            raise Http404 from None
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_visit_errors(form, exc, kwargs["needs"])
        else:
            url = reverse("care:visit", args=[visit.pk])
            # Queued for the JSON answer too: the script opens the visit's page next, which
            # shows it, so the worker at the door sees the visit was saved.
            if visit.replayed:
                messages.info(request, _("This visit was already recorded."))
            elif visit.plan_id is None and visit.saw == Visit.Saw.NOBODY:
                messages.success(
                    request,
                    _(
                        "The attempt is recorded. Nobody was reached, so it is not a visit of the plan."
                    ),
                )
            else:
                messages.success(request, _("The visit is recorded."))
            if _wants_json(request):
                return JsonResponse(
                    {"visit_id": visit.pk, "url": url, "replayed": visit.replayed},
                    status=200 if visit.replayed else 201,
                )
            return redirect(url)
    return _render_form(request, subject, form, status=400)


# --- one visit ---------------------------------------------------------------------------------


@login_required
@require_GET
def visit_detail(request, visit_id: int):
    _require(request)
    actor = request.user
    try:
        visit = queries.visit_get(actor=actor, visit_id=visit_id)
    except NotFound:
        raise Http404 from None
    context = {
        "visit": visit,
        "subject": visit.subject,
        "resident": visit.resident,
        "checks": _checks(visit),
        "photos": list(visit.photos.all()),
        "needs": list(visit.needs.all()),
        "show_notes": queries.can_read_notes(actor, visit.area_code),
        "can_visit": queries.can_visit(actor, visit.area_code),
        "can_raise_appeal": queries.can_raise_appeal(actor, visit.area_code),
        "back_url": reverse("care:visit", args=[visit.pk]),
    }
    response = render(request, "care/visit_detail.html", context)
    if context["show_notes"] and visit.notes:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def visit_photo(request, photo_id: int):
    """A photo of a visit the actor sees."""
    try:
        row = queries.visit_photo_get(actor=request.user, photo_id=photo_id)
    except NotFound:
        raise Http404 from None
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="visit-{row.visit_id}-{row.pk}.jpg"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- lists -------------------------------------------------------------------------------------


@login_required
@require_GET
def visits(request):
    """Visits in the actor's areas, newest first: a month, only mine, only with a concern."""
    _require(request)
    actor = request.user
    form = VisitFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    error = ""
    try:
        page = queries.visit_list(
            actor=actor,
            worker_id=actor.pk if filters.get("mine") else None,
            month=filters.get("month") or None,
            concerns_only=bool(filters.get("concerns")),
            page=request.GET.get("page"),
            per_page=_per_page(request),
        )
    except ActionError as exc:
        error = exc.message
        page = queries.visit_list(actor=actor, page=1, per_page=_per_page(request))
    _links(request, page)
    return render(
        request,
        "care/visit_list.html",
        {"form": form, "page": page, "filter_error": error},
    )


def _listed_needs(actor, rows) -> dict[int, int]:
    """The needs of the residents' needs list that ``rows`` (needs found on visits) are listed
    as, by the found need's id: one query for the page, none for those who do not read the
    list."""
    if not rows or not scoping.has_cap(actor, Cap.MATCH_VIEW):
        return {}
    from linli.matching.queries import lists as matching_queries

    found = matching_queries.needs_visible(actor).filter(care_need_id__in=[n.pk for n in rows])
    return dict(found.values_list("care_need_id", "pk"))


@login_required
@require_GET
def needs(request):
    """Needs found on visits in the actor's areas: open ones first, urgent at the top."""
    _require(request)
    actor = request.user
    form = NeedFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    page = queries.need_list(
        actor=actor,
        open_only=filters.get("show", "open") != "all",
        urgent_only=bool(filters.get("urgent")),
        page=request.GET.get("page"),
        per_page=_per_page(request),
    )
    _links(request, page)
    can_appeal = scoping.has_cap(actor, Cap.APPEAL_INTAKE) and scoping.has_cap(
        actor, Cap.CARE_VISIT
    )
    listed = _listed_needs(actor, page.object_list)
    for need in page.object_list:
        need.can_act = can_appeal and queries.can_raise_appeal(actor, need.area_code)
        need.can_close = queries.can_visit(actor, need.area_code)
        need.matching_need_id = listed.get(need.pk)
        need.can_list = (
            need.matching_need_id is None
            and need.met_on is None
            and scoping.has_cap(actor, Cap.MATCH_MANAGE, need.area_code)
        )
    return render(
        request,
        "care/need_list.html",
        {"form": form, "page": page, "back_url": request.get_full_path()},
    )


# --- needs: one tap ----------------------------------------------------------------------------


def _need_fallback(actor, need_id: int) -> str:
    try:
        need = queries.need_get(actor=actor, need_id=need_id)
    except NotFound:
        raise Http404 from None
    return reverse("care:subject", args=[need.subject_id])


@login_required
@require_POST
def need_appeal(request, need_id: int):
    """Turn a need into an appeal in one tap, then go to the appeal."""
    _require(request, Cap.CARE_VISIT)
    fallback = _need_fallback(request.user, need_id)
    try:
        appeal = actions.need_to_appeal(actor=request.user, need_id=need_id)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request, fallback))
    messages.success(
        request,
        _("Appeal %(number)s is raised for this need.") % {"number": appeal.number},
    )
    return redirect("appeals:detail", appeal_id=appeal.pk)


@login_required
@require_POST
def need_met(request, need_id: int):
    """Say that a need has been met (today)."""
    _require(request, Cap.CARE_VISIT)
    fallback = _need_fallback(request.user, need_id)
    try:
        actions.need_met(actor=request.user, need_id=need_id)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The need is marked as met."))
    return redirect(_back(request, fallback))


urlpatterns = [
    path("people/<int:subject_id>/", subject, name="subject"),
    path("people/<int:subject_id>/notes/", subject_notes, name="subject_notes"),
    path("people/<int:subject_id>/visit/", visit_new, name="visit_new"),
    path("visits/", visits, name="visits"),
    path("visits/<int:visit_id>/", visit_detail, name="visit"),
    path("visits/photos/<int:photo_id>/", visit_photo, name="visit_photo"),
    path("needs/", needs, name="needs"),
    path("needs/<int:need_id>/appeal/", need_appeal, name="need_appeal"),
    path("needs/<int:need_id>/met/", need_met, name="need_met"),
]
