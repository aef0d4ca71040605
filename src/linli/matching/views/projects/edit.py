"""Livelihood projects as staff forms: add or change a project, its milestones, a progress
update, the needs it answers; publish, cancel or remove it. Every form is a plain POST that
works without JavaScript; the actions hold every rule and their errors come back next to the
fields.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import submit

from ...actions import projects as actions
from ...forms.projects import (
    CancelForm,
    MilestoneForm,
    NeedLinkForm,
    ProjectForm,
    ReportForm,
)
from ...models import LivelihoodProject
from ...queries import projects as q
from .staff import get_project, require_cap

Status = LivelihoodProject.Status


def _managed(request, pk: int) -> LivelihoodProject:
    """The project (404 when not seen), refused (403) unless the actor manages it."""
    require_cap(request, Cap.PROJECT_MANAGE)
    found = get_project(request, pk)
    if not q.project_can_manage(request.user, found.area_code):
        raise PermissionDenied
    return found


def _to(found) -> str:
    return reverse("matching:project", args=[found.pk])


def _run(request, found, act, *, done: str, to: str = ""):
    """Run a one-button action; its refusal is a message on the page it goes back to (the
    project's, or ``to``)."""
    try:
        act()
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(to or _to(found))


# --- the project --------------------------------------------------------------------------------


def _form_page(request, form, *, found=None, status: int = 200):
    context = {"form": form, "project": found}
    return render(request, "matching/projects/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request):
    require_cap(request, Cap.PROJECT_MANAGE)
    actor = request.user
    area = request.GET.get("area", "")
    form = ProjectForm(
        request.POST or None,
        areas=q.project_area_choices(actor=actor),
        initial={"area_code": area, "beneficiary_count": "0"},
        auto_id="project-%s",
    )
    if request.method == "GET":
        return _form_page(request, form)
    done, status = submit(
        request,
        form,
        lambda data: actions.project_create(
            actor=actor, area_code=data.get("area_code"), **form.action_data()
        ),
        message=lambda p: _("“%(name)s” is recorded. Add its milestones next.") % {"name": p.name},
        to=lambda p: reverse("matching:project_milestones", args=[p.pk]),
    )
    return done or _form_page(request, form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int):
    found = _managed(request, pk)
    form = ProjectForm(
        request.POST or None,
        creating=False,
        initial=ProjectForm.initial_of(found),
        auto_id="project-%s",
    )
    if request.method == "GET":
        return _form_page(request, form, found=found)
    done, status = submit(
        request,
        form,
        lambda data: actions.project_update(
            actor=request.user, project_id=found.pk, **form.action_data()
        ),
        message=_("The project is saved."),
        to=_to(found),
    )
    return done or _form_page(request, form, found=found, status=status)


@login_required
@require_POST
def project_publish(request, pk: int):
    found = _managed(request, pk)
    wanted = request.POST.get("published", "1") == "1"
    return _run(
        request,
        found,
        lambda: actions.project_publish(actor=request.user, project_id=found.pk, published=wanted),
        done=_("Residents can now see the project and its published updates.")
        if wanted
        else _("Residents no longer see the project."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_cancel(request, pk: int):
    found = _managed(request, pk)
    form = CancelForm(request.POST or None, auto_id="cancel-%s")
    status = 200
    if request.method == "POST":
        done, status = submit(
            request,
            form,
            lambda data: actions.project_cancel(
                actor=request.user, project_id=found.pk, reason=data["reason"]
            ),
            message=_("The project is cancelled."),
            to=_to(found),
        )
        if done:
            return done
    return render(
        request, "matching/projects/cancel.html", {"form": form, "project": found}, status=status
    )


@login_required
@require_POST
def project_delete(request, pk: int):
    found = _managed(request, pk)
    try:
        actions.project_delete(actor=request.user, project_id=found.pk)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(_to(found))
    messages.success(request, _("The project is removed."))
    return redirect("matching:projects")


# --- progress updates ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_report(request, pk: int):
    found = _managed(request, pk)
    if found.status == Status.CANCELLED:
        messages.error(request, _("This project was cancelled: it cannot be changed any more."))
        return redirect(_to(found))
    suggested = found.suggested_progress
    initial = {
        "status": Status.UNDER_WAY if found.status == Status.PLANNED else found.status,
        "progress": str(suggested if suggested is not None else found.progress),
        "published": True,
    }
    form = ReportForm(request.POST or None, initial=initial, auto_id="report-%s")
    status = 200
    if request.method == "POST":
        done, status = submit(
            request,
            form,
            lambda data: actions.project_report(
                actor=request.user, project_id=found.pk, **form.action_data()
            ),
            message=lambda u: (
                _("The update is saved: the project is at %(n)d%%.") % {"n": u.progress}
            ),
            to=_to(found),
        )
        if done:
            return done
    context = {"form": form, "project": found, "suggested": suggested}
    return render(request, "matching/projects/report.html", context, status=status)


# --- milestones ---------------------------------------------------------------------------------


def _milestones_page(request, found, form, *, status: int = 200):
    context = {
        "project": found,
        "milestones": found.milestone_rows,
        "form": form,
        "left": max(100 - found.shares, 0),
        "can_change": found.status != Status.CANCELLED,
    }
    return render(request, "matching/projects/milestones.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_milestones(request, pk: int):
    found = _managed(request, pk)
    form = MilestoneForm(request.POST or None, initial={"weight": "0"}, auto_id="milestone-%s")
    if request.method == "GET":
        return _milestones_page(request, found, form)
    done, status = submit(
        request,
        form,
        lambda data: actions.milestone_add(
            actor=request.user, project_id=found.pk, **form.action_data()
        ),
        message=lambda m: _("“%(title)s” is added.") % {"title": m.title},
        to=reverse("matching:project_milestones", args=[found.pk]),
    )
    return done or _milestones_page(request, get_project(request, pk), form, status=status)


def _milestone(found, milestone_id: int):
    for row in found.milestone_rows:
        if row.pk == milestone_id:
            return row
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request, pk: int, milestone_id: int):
    found = _managed(request, pk)
    milestone = _milestone(found, milestone_id)
    form = MilestoneForm(
        request.POST or None, initial=MilestoneForm.initial_of(milestone), auto_id="milestone-%s"
    )
    status = 200
    if request.method == "POST":
        done, status = submit(
            request,
            form,
            lambda data: actions.milestone_update(
                actor=request.user,
                project_id=found.pk,
                milestone_id=milestone.pk,
                **form.action_data(),
            ),
            message=_("The milestone is saved."),
            to=reverse("matching:project_milestones", args=[found.pk]),
        )
        if done:
            return done
    context = {"form": form, "project": found, "milestone": milestone}
    return render(request, "matching/projects/milestone_form.html", context, status=status)


@login_required
@require_POST
def milestone_done(request, pk: int, milestone_id: int):
    found = _managed(request, pk)
    milestone = _milestone(found, milestone_id)
    wanted = request.POST.get("done", "1") == "1"
    back = request.POST.get("back") == "milestones"
    return _run(
        request,
        found,
        lambda: actions.milestone_complete(
            actor=request.user,
            project_id=found.pk,
            milestone_id=milestone.pk,
            done=wanted,
            done_on=request.POST.get("done_on", "") if wanted else None,
        ),
        done=_("“%(title)s” is done.") % {"title": milestone.title}
        if wanted
        else _("“%(title)s” is not done after all.") % {"title": milestone.title},
        to=reverse("matching:project_milestones", args=[found.pk]) if back else "",
    )


@login_required
@require_POST
def milestone_remove(request, pk: int, milestone_id: int):
    found = _managed(request, pk)
    milestone = _milestone(found, milestone_id)
    return _run(
        request,
        found,
        lambda: actions.milestone_remove(
            actor=request.user, project_id=found.pk, milestone_id=milestone.pk
        ),
        done=_("“%(title)s” is removed.") % {"title": milestone.title},
        to=reverse("matching:project_milestones", args=[found.pk]),
    )


# --- the needs it answers -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_needs(request, pk: int):
    found = _managed(request, pk)
    words = " ".join(str(request.GET.get("q", "")).split())[:40]
    if request.method == "POST":
        form = NeedLinkForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a need from the list."))
        else:
            return _run(
                request,
                found,
                lambda: actions.project_need_link(
                    actor=request.user, project_id=found.pk, need_id=form.cleaned_data["need_id"]
                ),
                done=_("The need is linked to the project."),
                to=reverse("matching:project_needs", args=[found.pk]),
            )
        return redirect("matching:project_needs", pk=found.pk)
    context = {
        "project": found,
        "linked": list(found.needs.all()),
        "choices": q.project_need_choices(actor=request.user, project=found, q=words),
        "words": words,
        "can_change": found.status != Status.CANCELLED,
    }
    return render(request, "matching/projects/needs.html", context)


@login_required
@require_POST
def project_need_unlink(request, pk: int, need_id: int):
    found = _managed(request, pk)
    return _run(
        request,
        found,
        lambda: actions.project_need_unlink(
            actor=request.user, project_id=found.pk, need_id=need_id
        ),
        done=_("The need is no longer linked."),
        to=reverse("matching:project_needs", args=[found.pk]),
    )


urlpatterns = [
    path("projects/new/", project_new, name="project_new"),
    path("projects/<int:pk>/edit/", project_edit, name="project_edit"),
    path("projects/<int:pk>/publish/", project_publish, name="project_publish"),
    path("projects/<int:pk>/cancel/", project_cancel, name="project_cancel"),
    path("projects/<int:pk>/delete/", project_delete, name="project_delete"),
    path("projects/<int:pk>/report/", project_report, name="project_report"),
    path("projects/<int:pk>/milestones/", project_milestones, name="project_milestones"),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/edit/",
        milestone_edit,
        name="project_milestone_edit",
    ),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/done/",
        milestone_done,
        name="project_milestone_done",
    ),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/remove/",
        milestone_remove,
        name="project_milestone_remove",
    ),
    path("projects/<int:pk>/needs/", project_needs, name="project_needs"),
    path(
        "projects/<int:pk>/needs/<int:need_id>/unlink/",
        project_need_unlink,
        name="project_need_unlink",
    ),
]
