"""Livelihood projects (民生项目清单) at /api/v1/matching/: the projects with their budget
totals and a summary per area, their milestones, progress updates and linked needs, and the
public pages' projects for anyone (no authentication).

Each operation parses, calls one action or query of :mod:`linli.matching` and shapes the
answer. Reading needs ``match.view`` over the project's area, writing ``project.manage``.
Errors are problem+json: 400 with per-field ``errors`` named as the JSON members, 403 when it
is not yours to do, 404 when the row is not visible, 409 when it is not possible now.
"""

from typing import Annotated

from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.pagination import Page

from ..actions import projects as actions
from ..models import Category, LivelihoodProject, Need
from ..queries import projects as queries
from ..schemas.projects import (
    MAX_ID,
    CancelIn,
    DeletedOut,
    MilestoneDoneIn,
    MilestoneIn,
    MilestoneOut,
    NeedBriefOut,
    NeedLinkIn,
    ProjectCreateIn,
    ProjectDetailOut,
    ProjectFilters,
    ProjectIn,
    ProjectOut,
    PublicFilters,
    PublicProjectDetailOut,
    PublicProjectOut,
    PublishIn,
    SummaryFilters,
    SummaryOut,
    TotalsOut,
    UpdateIn,
    UpdateOut,
)
from ._common import Shaped

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
_CATEGORY = dict(Category.choices)
_STATUS = dict(LivelihoodProject.Status.choices)
_FUNDING = dict(LivelihoodProject.Funding.choices)
_NEED_STATUS = dict(Need.Status.choices)


def _money(value) -> str:
    return f"{value:.2f}"


def _label(labels: dict, value) -> str:
    return str(labels.get(value, value))


def _shown(project: LivelihoodProject) -> dict:
    """What staff and the public pages both see of a project."""
    return {
        "id": project.pk,
        "area_code": project.area_code,
        "area_name": getattr(project, "area_name", "") or "",
        "name": project.name,
        "category": project.category,
        "category_label": _label(_CATEGORY, project.category),
        "summary": project.summary,
        "budget": _money(project.budget),
        "funding": project.funding,
        "funding_label": _label(_FUNDING, project.funding),
        "lead_unit": project.lead_unit,
        "beneficiaries": project.beneficiaries,
        "beneficiary_count": project.beneficiary_count,
        "status": project.status,
        "status_label": _label(_STATUS, project.status),
        "progress": project.progress,
        "starts_on": project.starts_on,
        "ends_on": project.ends_on,
        "updated_at": project.updated_at,
    }


def _project(project: LivelihoodProject) -> dict:
    return {
        **_shown(project),
        "published": project.published,
        "milestones_total": getattr(project, "milestones_total", 0),
        "milestones_done": getattr(project, "milestones_done", 0),
        "milestones_overdue": getattr(project, "milestones_overdue", 0),
        "created_at": project.created_at,
    }


def _milestone_shown(row) -> dict:
    return {
        "title": row.title,
        "due_on": row.due_on,
        "done_on": row.done_on,
        "done": row.done_on is not None,
    }


def _milestone(row) -> dict:
    return {
        **_milestone_shown(row),
        "id": row.pk,
        "overdue": getattr(row, "overdue", False),
        "weight": row.weight,
        "note": row.note,
        "position": row.position,
    }


def _update_shown(row) -> dict:
    return {
        "at": row.at,
        "progress": row.progress,
        "status": row.status,
        "status_label": _label(_STATUS, row.status),
        "text": row.text,
    }


def _update(row) -> dict:
    return {
        **_update_shown(row),
        "id": row.pk,
        "published": row.published,
        "by": row.by.username if row.by_id else "",
    }


def _need(need: Need) -> dict:
    return {
        "id": need.pk,
        "title": need.title,
        "category": need.category,
        "category_label": _label(_CATEGORY, need.category),
        "status": need.status,
        "status_label": _label(_NEED_STATUS, need.status),
        "area_code": need.area_code,
        "area_name": getattr(need, "area_name", "") or "",
    }


def _detail(actor, project_id: int) -> dict:
    project = queries.project_get(actor=actor, project_id=project_id)
    rows = project.milestone_rows
    body = _project(project)
    body.update(
        milestones_total=len(rows),
        milestones_done=project.milestones_done,
        milestones_overdue=sum(1 for row in rows if row.overdue),
        suggested_progress=project.suggested_progress,
        shares=project.shares,
        milestones=[_milestone(row) for row in rows],
        updates=[_update(row) for row in project.updates.all()],
        needs=[_need(need) for need in project.needs.all()],
        can_manage=queries.project_can_manage(actor, project.area_code),
    )
    return body


# --- the list, totals and the summary -------------------------------------------------------------


@router.get("projects", response=list[ProjectOut], summary="Livelihood projects you see")
@paginate(Page)
def project_list(request, filters: Query[ProjectFilters]):
    """Most recently updated first, each with its milestones counted (done, overdue)."""
    return Shaped(queries.project_list(actor=request.user, filters=filters.dict()), _project)


def _sums(rows) -> list[dict]:
    return [
        {"key": r.key, "label": r.label, "count": r.count, "budget": _money(r.budget)} for r in rows
    ]


@router.get(
    "projects/totals",
    response=TotalsOut,
    summary="Budget totals of the listed projects, per status and per funding source",
)
def project_totals(request, filters: Query[ProjectFilters]):
    """The same filters as the list; the sums are the database's."""
    totals = queries.project_totals(actor=request.user, filters=filters.dict())
    return {
        "count": totals.count,
        "budget": _money(totals.budget),
        "by_status": _sums(totals.by_status),
        "by_funding": _sums(totals.by_funding),
    }


def _summary_row(row) -> dict:
    return {
        "area_code": row.code,
        "area_name": row.name,
        "own": row.own,
        "count": row.count,
        "done": row.done,
        "cancelled": row.cancelled,
        "budget": _money(row.budget),
        "progress": row.progress,
        "overdue_milestones": row.overdue,
    }


@router.get(
    "projects/summary",
    response=SummaryOut,
    summary="Projects per child area: count, budget, average progress, overdue milestones",
)
def project_summary(request, filters: Query[SummaryFilters]):
    """A county's towns or a town's communities, each a row; the projects sitting on the area
    itself are a row of their own (``own``)."""
    found = queries.project_summary(actor=request.user, area_code=filters.area or None)
    return {
        "area_code": found.area.code,
        "area_name": found.area.name,
        "up": found.up,
        "rows": [_summary_row(row) for row in found.rows],
        "total": _summary_row(found.total),
    }


# --- one project ------------------------------------------------------------------------------------


@router.post("projects", response={201: ProjectDetailOut}, summary="Add a livelihood project")
def project_create(request, payload: ProjectCreateIn):
    """It starts planned, at 0 % and not shown to residents."""
    project = actions.project_create(actor=request.user, **payload.dict())
    return Status(201, _detail(request.user, project.pk))


@router.get("projects/{project_id}", response=ProjectDetailOut, summary="One project")
def project_detail(request, project_id: RowId):
    """With its milestones, updates (newest first) and the needs it answers."""
    return _detail(request.user, project_id)


@router.put("projects/{project_id}", response=ProjectDetailOut, summary="Change a project")
def project_update(request, payload: ProjectIn, project_id: RowId):
    """Replaces the description: members left out take their defaults. The area, status and
    progress stay (progress and status follow the updates)."""
    actions.project_update(actor=request.user, project_id=project_id, **payload.dict())
    return _detail(request.user, project_id)


@router.delete(
    "projects/{project_id}",
    response=DeletedOut,
    summary="Remove a project entered by mistake (planned, not published, no updates)",
)
def project_delete(request, project_id: RowId):
    """Anything else is cancelled instead (``/cancel``) and stays on record."""
    pk = actions.project_delete(actor=request.user, project_id=project_id)
    return {"id": pk, "deleted": True}


@router.post(
    "projects/{project_id}/publish",
    response=ProjectDetailOut,
    summary="Show a project to residents, or take it back",
)
def project_publish(request, payload: PublishIn, project_id: RowId):
    actions.project_publish(actor=request.user, project_id=project_id, published=payload.published)
    return _detail(request.user, project_id)


@router.post("projects/{project_id}/cancel", response=ProjectDetailOut, summary="Cancel a project")
def project_cancel(request, payload: CancelIn, project_id: RowId):
    """The reason becomes the project's last update."""
    actions.project_cancel(actor=request.user, project_id=project_id, reason=payload.reason)
    return _detail(request.user, project_id)


# --- milestones ---------------------------------------------------------------------------------------


@router.get(
    "projects/{project_id}/milestones",
    response=list[MilestoneOut],
    summary="A project's milestones",
)
def milestone_list(request, project_id: RowId):
    project = queries.project_get(actor=request.user, project_id=project_id)
    return [_milestone(row) for row in project.milestone_rows]


@router.post(
    "projects/{project_id}/milestones",
    response={201: MilestoneOut},
    summary="Add a milestone (shares of the work add up to 100 % at most)",
)
def milestone_add(request, payload: MilestoneIn, project_id: RowId):
    row = actions.milestone_add(actor=request.user, project_id=project_id, **payload.dict())
    return Status(201, _milestone(row))


@router.put(
    "projects/{project_id}/milestones/{milestone_id}",
    response=MilestoneOut,
    summary="Change a milestone",
)
def milestone_update(request, payload: MilestoneIn, project_id: RowId, milestone_id: RowId):
    row = actions.milestone_update(
        actor=request.user, project_id=project_id, milestone_id=milestone_id, **payload.dict()
    )
    return _milestone(row)


@router.post(
    "projects/{project_id}/milestones/{milestone_id}/done",
    response=MilestoneOut,
    summary="Mark a milestone done (or not done after all)",
)
def milestone_done(request, payload: MilestoneDoneIn, project_id: RowId, milestone_id: RowId):
    row = actions.milestone_complete(
        actor=request.user, project_id=project_id, milestone_id=milestone_id, **payload.dict()
    )
    return _milestone(row)


@router.delete(
    "projects/{project_id}/milestones/{milestone_id}",
    response={204: None},
    summary="Remove a milestone",
)
def milestone_remove(request, project_id: RowId, milestone_id: RowId):
    actions.milestone_remove(actor=request.user, project_id=project_id, milestone_id=milestone_id)
    return Status(204, None)


# --- progress updates ------------------------------------------------------------------------------


@router.get(
    "projects/{project_id}/updates", response=list[UpdateOut], summary="A project's updates"
)
def update_list(request, project_id: RowId):
    """Newest first, published or not."""
    project = queries.project_get(actor=request.user, project_id=project_id)
    return [_update(row) for row in project.updates.all()]


@router.post(
    "projects/{project_id}/updates",
    response={201: UpdateOut},
    summary="Report progress: the project's progress and status become the update's",
)
def update_add(request, payload: UpdateIn, project_id: RowId):
    """A completed project is at 100 %, a planned one at 0 %. Lowering the progress needs
    ``lowering`` true and the reason in ``text``."""
    row = actions.project_report(actor=request.user, project_id=project_id, **payload.dict())
    return Status(201, _update(row))


# --- linked needs -------------------------------------------------------------------------------------


@router.get(
    "projects/{project_id}/needs",
    response=list[NeedBriefOut],
    summary="The residents' needs a project answers",
)
def need_list(request, project_id: RowId):
    project = queries.project_get(actor=request.user, project_id=project_id)
    return [_need(need) for need in project.needs.all()]


@router.post(
    "projects/{project_id}/needs",
    response={201: list[NeedBriefOut]},
    summary="Link a need of the project's area",
)
def need_link(request, payload: NeedLinkIn, project_id: RowId):
    actions.project_need_link(actor=request.user, project_id=project_id, need_id=payload.need_id)
    project = queries.project_get(actor=request.user, project_id=project_id)
    return Status(201, [_need(need) for need in project.needs.all()])


@router.delete(
    "projects/{project_id}/needs/{need_id}",
    response={204: None},
    summary="Unlink a need",
)
def need_unlink(request, project_id: RowId, need_id: RowId):
    actions.project_need_unlink(actor=request.user, project_id=project_id, need_id=need_id)
    return Status(204, None)


# --- public: anyone, no authentication -------------------------------------------------------------


def _public(project: LivelihoodProject, updates) -> dict:
    return {
        **_shown(project),
        "milestones": [_milestone_shown(row) for row in project.milestones.all()],
        "updates": [_update_shown(row) for row in updates],
    }


@router.get(
    "public/projects",
    response=list[PublicProjectOut],
    auth=None,
    summary="Published projects of an area, for anyone",
)
@paginate(Page)
def public_project_list(request, filters: Query[PublicFilters]):
    """The projects that concern the area (``area``: a county, town or community; the first
    county when empty): its own and those inside it, and those of the town and county it
    belongs to. Each with its milestones and latest published updates; nothing personal."""
    area = queries.public_area(filters.area) if filters.area else queries.default_area(None)
    if area is None:
        return []
    rows = queries.public_project_list(area=area, status=filters.status)
    return Shaped(rows, lambda p: _public(p, p.recent_updates))


@router.get(
    "public/projects/{project_id}",
    response=PublicProjectDetailOut,
    auth=None,
    summary="One published project, for anyone",
)
def public_project_detail(request, project_id: RowId):
    """With every published update (newest first) and the residents' needs it answers,
    counted by category and status."""
    project = queries.public_project_get(project_id=project_id)
    body = _public(project, project.shown_updates)
    body["asked"] = [
        {
            "category": row["category"],
            "category_label": _label(_CATEGORY, row["category"]),
            "status": row["status"],
            "status_label": _label(_NEED_STATUS, row["status"]),
            "count": row["n"],
        }
        for row in project.asked
    ]
    return body
