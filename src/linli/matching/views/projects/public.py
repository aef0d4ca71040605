"""Livelihood projects as residents and visitors see them (like Decidim's accountability pages,
in plainer words): the published projects that concern a place, each with its progress as a bar
and as a number, its status in words, budget and funding, lead unit, who benefits, milestones
done and not yet, and the latest news; a page per project with its whole timeline. No sign-in
needed, nothing personal shown. And the "Projects near you" block of the resident's home.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from linli.core.errors import ActionError
from linli.core.views.glue import filter_errors, paginate, read
from linli.web.navigation import HOME_SECTIONS, HomeSection

from ...models import Category, LivelihoodProject, Need
from ...queries import projects as q

Status = LivelihoodProject.Status
PER_PAGE = 10
PER_PAGE_ELDERLY = 4

# The status in the words of someone who lives there.
STATUS_WORDS = {
    Status.PLANNED: _("Not started yet"),
    Status.UNDER_WAY: _("Work under way"),
    Status.DONE: _("Finished"),
    Status.CANCELLED: _("Cancelled"),
}
STATUS_BADGE = {
    Status.PLANNED: "",
    Status.UNDER_WAY: "warn",
    Status.DONE: "ok",
    Status.CANCELLED: "bad",
}
_CATEGORY = dict(Category.choices)
_NEED_STATUS = dict(Need.Status.choices)


def _dress(project: LivelihoodProject) -> LivelihoodProject:
    """Words and counts the templates show."""
    project.status_words = STATUS_WORDS.get(project.status, project.status)
    project.status_badge = STATUS_BADGE.get(project.status, "")
    rows = list(project.milestones.all())
    project.milestone_list = rows
    project.milestones_done = sum(1 for row in rows if row.done_on is not None)
    return project


@require_GET
def public_projects(request):
    actor = request.user
    chosen = " ".join(str(request.GET.get("area", "")).split())[:20]
    status = str(request.GET.get("status", "")).strip()
    if status not in Status.values:
        status = ""
    errors: dict = {}
    area = None
    if chosen:
        try:
            area = q.public_area(chosen)
        except ActionError as exc:
            errors = filter_errors(exc)
    if area is None:
        area = q.default_area(actor)
    context = {
        "errors": errors,
        "status": status,
        "statuses": [(value, STATUS_WORDS[value]) for value in Status.values],
        "area": area,
    }
    if area is not None:
        homes = q.home_communities(actor)
        per_page = PER_PAGE_ELDERLY if getattr(request, "elderly_mode", False) else PER_PAGE
        page = paginate(request, q.public_project_list(area=area, status=status), per_page=per_page)
        for project in page.object_list:
            _dress(project)
        context.update(
            place=q.public_place(area),
            counts=q.public_counts(area=area),
            page_obj=page,
            home_code=homes[0] if homes and homes[0] != area.code else "",
        )
    return render(
        request, "matching/projects/public_list.html", context, status=400 if errors else 200
    )


@require_GET
def public_project(request, pk: int):
    found = _dress(read(q.public_project_get, project_id=pk))
    asked = [
        {
            "category": _CATEGORY.get(row["category"], row["category"]),
            "status": _NEED_STATUS.get(row["status"], row["status"]),
            "met": row["status"] == Need.Status.MET,
            "count": row["n"],
        }
        for row in found.asked
    ]
    context = {
        "project": found,
        "updates": found.shown_updates,
        "asked": asked,
        "asked_total": sum(row["count"] for row in asked),
        "back_url": reverse("matching:public_projects") + f"?area={found.area_code}",
    }
    return render(request, "matching/projects/public_detail.html", context)


# --- the resident's home --------------------------------------------------------------------------


def home_block(request) -> dict | None:
    """The three most recently updated published projects of the resident's community and
    town (at most two queries: the roles, read once a request, and the projects)."""
    projects = [_status_only(p) for p in q.home_projects(actor=request.user)]
    if not projects:
        return None
    return {"projects": projects, "all_url": reverse("matching:public_projects")}


def _status_only(project: LivelihoodProject) -> LivelihoodProject:
    project.status_words = STATUS_WORDS.get(project.status, project.status)
    project.status_badge = STATUS_BADGE.get(project.status, "")
    return project


_BLOCK = HomeSection(
    home="resident", template="matching/projects/_home.html", context=home_block, order=40
)
if not any(
    known.template == _BLOCK.template and known.home == _BLOCK.home for known in HOME_SECTIONS
):
    HOME_SECTIONS.append(_BLOCK)


__all__ = ["STATUS_WORDS", "home_block", "public_project", "public_projects"]
