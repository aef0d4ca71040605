"""Project pages: the projects of one's areas, the project library (filtered by whom the
projects serve, each with "copy into my community"), one project with its activities, the form
to create or change one, and its steps (open, close, copy)."""

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
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors, is_htmx, paginate, read, submit

from ...actions import activities as actions
from ...forms.activities import ProjectForm
from ...models import Project, TargetGroup
from ...queries import activities as q
from ...queries.activities import _common as rules
from ._shared import back_to, require_staff, step, texts_of
from .volunteer import skill_labels

PROJECT_LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)
FILTERS = ("status", "library", "target_group", "area", "q")


def _values(source, names) -> dict[str, str]:
    return {key: " ".join(str(source.get(key, "")).split())[:40] for key in names}


@login_required
@require_GET
def project_list(request):
    require_staff(request)
    actor = request.user
    values = _values(request.GET, FILTERS)
    errors: dict = {}
    try:
        rows = q.project_list(actor=actor, filters={k: v for k, v in values.items() if v})
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Project.objects.none()
    context = {
        "values": values,
        "errors": errors,
        "page_obj": paginate(request, rows),
        "statuses": Project.Status.choices,
        "groups": TargetGroup.choices,
        "can_manage": scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE),
        "htmx": is_htmx(request),
    }
    status = 400 if errors and not context["htmx"] else 200
    return render(request, "volunteers/activities/projects/list.html", context, status=status)


@login_required
@require_GET
def project_library(request):
    require_staff(request)
    actor = request.user
    values = _values(request.GET, ("target_group", "q"))
    errors: dict = {}
    try:
        rows = q.library_list(actor=actor, filters={k: v for k, v in values.items() if v})
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Project.objects.none()
    copy_areas = q.area_choices(actor, levels=(Level.TOWN, Level.COMMUNITY))
    context = {
        "values": values,
        "errors": errors,
        "page_obj": paginate(request, rows),
        "groups": TargetGroup.choices,
        "copy_areas": copy_areas,
        "htmx": is_htmx(request),
        "here": request.get_full_path(),
    }
    status = 400 if errors and not context["htmx"] else 200
    return render(request, "volunteers/activities/projects/library.html", context, status=status)


def _form(actor, data=None, *, initial=None, editing=False) -> ProjectForm:
    return ProjectForm(
        data,
        initial=initial or {},
        areas=q.area_choices(actor, levels=PROJECT_LEVELS),
        organisations=q.organisation_choices(actor),
        teams=q.team_choices(actor),
        editing=editing,
        auto_id="project-%s",
    )


def _fields(data: dict) -> dict:
    out = {
        name: data.get(name)
        for name in (
            "name",
            "summary",
            "target_groups",
            "skills",
            "organisation_id",
            "team_id",
            "starts_on",
            "ends_on",
            "in_library",
        )
    }
    out["organisation_id"] = out["organisation_id"] or None
    out["team_id"] = out["team_id"] or None
    return out


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    require_staff(request, Cap.VOLUNTEER_MANAGE)
    actor = request.user
    form = _form(actor, request.POST or None)
    status = 200
    if request.method == "POST":
        answer, status = submit(
            request,
            form,
            lambda data: actions.project_create(
                actor=actor, area_code=data["area_code"], **_fields(data)
            ),
            message=_("The project is saved as a draft."),
            to=lambda made: reverse("volunteers:project", args=[made.pk]),
        )
        if answer:
            return answer
    return render(
        request, "volunteers/activities/projects/form.html", {"form": form}, status=status
    )


@login_required
@require_GET
def project(request, project_id: int):
    actor = request.user
    found = read(q.project_get, actor=actor, project_id=project_id)
    return render(
        request,
        "volunteers/activities/projects/detail.html",
        {
            "project": found,
            "groups": TargetGroup.choices,
            "skills": skill_labels(found.skills),
            "manages": rules.manages(actor, found.area_code),
            "activities": q.project_activities(actor=actor, project=found),
            "copy_areas": q.area_choices(actor, levels=(Level.TOWN, Level.COMMUNITY))
            if found.in_library
            else [],
            "here": request.get_full_path(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, project_id: int):
    actor = request.user
    found = read(q.project_get, actor=actor, project_id=project_id)
    if not rules.manages(actor, found.area_code):
        raise PermissionDenied
    if request.method == "GET":
        initial = {
            "name": found.name,
            "summary": found.summary,
            "target_groups": found.target_groups,
            "skills": found.skills,
            "organisation_id": found.organisation_id or "",
            "team_id": found.team_id or "",
            "starts_on": found.starts_on,
            "ends_on": found.ends_on,
            "in_library": found.in_library,
        }
        form = _form(actor, initial=initial, editing=True)
        status = 200
    else:
        form = _form(actor, request.POST, editing=True)
        answer, status = submit(
            request,
            form,
            lambda data: actions.project_update(actor=actor, project_id=found.pk, **_fields(data)),
            message=_("The project is saved."),
            to=reverse("volunteers:project", args=[found.pk]),
        )
        if answer:
            return answer
    return render(
        request,
        "volunteers/activities/projects/form.html",
        {"form": form, "project": found},
        status=status,
    )


def _project_url(pk: int) -> str:
    return reverse("volunteers:project", args=[pk])


@login_required
@require_POST
def project_open(request, project_id: int):
    return step(
        request,
        lambda: actions.project_open(actor=request.user, project_id=project_id),
        done=_("The project is running."),
        back=_project_url(project_id),
    )


@login_required
@require_POST
def project_close(request, project_id: int):
    return step(
        request,
        lambda: actions.project_close(actor=request.user, project_id=project_id),
        done=_("The project is closed."),
        back=_project_url(project_id),
    )


@login_required
@require_POST
def project_copy(request, project_id: int):
    """Copy a library project into the community (or town) chosen, or the actor's only one."""
    actor = request.user
    area = str(request.POST.get("area_code", ""))[:15]
    if not area:
        choices = q.area_choices(actor, levels=(Level.COMMUNITY,))
        area = choices[0][0] if len(choices) == 1 else ""
    try:
        copy = actions.project_copy(actor=actor, project_id=project_id, area_code=area)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        for text in texts_of(exc):
            messages.error(request, text)
        return redirect(back_to(request, reverse("volunteers:project_library")))
    messages.success(request, _("The project is copied into your projects as a draft."))
    return redirect("volunteers:project", copy.pk)
