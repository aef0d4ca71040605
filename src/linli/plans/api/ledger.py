"""The task ledger at /api/v1/plans/ledger/: a plan's tasks and milestones, the progress
reports of the areas (save, submit, approve, return, reopen) with their evidence files and
history, your reports to write and to approve, and the reporting rates.

Each operation parses, calls one action or query of :mod:`linli.plans` and shapes the answer.
You see what the pages show you: the plans of your areas and their reports within your areas;
anything else is a 404. Periods are ``2026`` (yearly), ``2026H1`` or ``2026Q3``; how due dates
follow from the task is described in :mod:`linli.plans.queries.ledger`. Errors are
problem+json.
"""

from typing import Annotated

from django.urls import reverse
from django.utils import timezone
from ninja import File, Path, Query, Router, Status, UploadedFile

from linli.core.areacodes import Level
from linli.core.schemas import MAX_ID
from linli.notices.files import download

from ..actions import ledger as actions
from ..queries import ledger as queries
from ..schemas_ledger import (
    DutyOut,
    EvidenceOut,
    MilestoneIn,
    MilestoneOut,
    RatesFilters,
    RatesOut,
    ReasonIn,
    ReportDetailOut,
    ReportIn,
    ReportOut,
    TaskDetailOut,
    TaskFilters,
    TaskIn,
    TaskReportsOut,
    TaskRowOut,
    TaskUpdateIn,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
PREFIX = "ledger/"


# --- shaping ------------------------------------------------------------------------------------


def _task(task) -> dict:
    return {
        "id": task.pk,
        "plan_id": task.plan_id,
        "group": task.group,
        "number": task.number,
        "title": task.title,
        "requirement": task.requirement,
        "lead_units": task.lead_units,
        "co_units": task.co_units,
        "report_level": task.report_level,
        "report_level_label": str(Level(task.report_level).label),
        "frequency": task.frequency,
        "due_month": task.due_month,
        "due_day": task.due_day,
        "first_year": task.first_year,
        "last_year": task.last_year,
        "position": task.position,
    }


def _milestone(row) -> dict:
    return {
        "id": row.pk,
        "task_id": row.task_id,
        "year": row.year,
        "title": row.title,
        "due_on": row.due_on,
    }


def _task_detail(actor, task_id) -> dict:
    task = queries.task_get(actor=actor, task_id=task_id)
    return {
        **_task(task),
        "milestones": [_milestone(m) for m in task.milestones.all()],
        "periods": queries.task_periods(task),
        "can_manage": queries.can_manage(actor, task.plan),
    }


def _duty(duty) -> dict:
    return {
        "plan_id": duty.task.plan_id,
        "task_id": duty.task.pk,
        "task_number": duty.task.number,
        "task_title": duty.task.title,
        "area_code": duty.area.code,
        "area_name": duty.area.name,
        "period": duty.period,
        "period_label": duty.period_label,
        "due_on": duty.due_on,
        "status": duty.status,
        "report_id": duty.report.pk if duty.report is not None else None,
        "overdue": duty.overdue,
    }


def _name(user) -> str | None:
    return user.get_full_name() if user is not None else None


def _report(report, area_name: str) -> dict:
    submitted = report.submitted_at
    return {
        "id": report.pk,
        "task_id": report.task_id,
        "plan_id": report.task.plan_id,
        "task_number": report.task.number,
        "task_title": report.task.title,
        "area_code": report.area_code,
        "area_name": area_name,
        "period": report.period,
        "period_label": queries.period_label(report.period),
        "due_on": report.due_on,
        "text": report.text,
        "percent": report.percent,
        "status": report.status,
        "submitted_at": submitted,
        "submitted_by": _name(report.submitted_by),
        "on_time": timezone.localdate(submitted) <= report.due_on if submitted else None,
        "decided_at": report.decided_at,
        "decided_by": _name(report.decided_by),
        "decision_note": report.decision_note,
        "updated_at": report.updated_at,
    }


def _evidence(row) -> dict:
    return {
        "id": row.pk,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "uploaded_at": row.uploaded_at,
        "url": reverse("api:plans_ledger_evidence", kwargs={"evidence_id": row.pk}),
    }


def _detail(actor, report_id) -> dict:
    view = queries.report_get(actor=actor, report_id=report_id)
    return {
        **_report(view.report, view.area.name),
        "evidence": [_evidence(row) for row in view.evidence],
        "history": [
            {"at": h.at, "who": h.who, "action": h.action, "label": h.label} for h in view.history
        ],
        "approver_area_code": queries.approval_of(view.plan, view.report.area_code)[1],
        "can_edit": view.can_edit,
        "can_decide": view.can_decide,
        "can_reopen": view.can_reopen,
        "locked_by_above": view.locked_by_above,
    }


def _rate(row) -> dict:
    return {
        "area_code": row.code,
        "area_name": row.name,
        "level": row.level,
        "own": row.own,
        "expected": row.expected,
        "submitted": row.submitted,
        "approved": row.approved,
        "on_time": row.on_time,
        "reporting_rate": row.reporting_rate,
        "on_time_rate": row.on_time_rate,
    }


# --- tasks --------------------------------------------------------------------------------------


@router.get(PREFIX + "tasks", response=list[TaskRowOut], summary="The tasks of a plan")
def task_list(request, filters: Query[TaskFilters]):
    """The plan's task table in order, filtered by action (``group``), text in the lead units
    (``lead``) and the status of your own reports (``status``; ``missing``: not written), each
    task with your reports of its last and current periods."""
    found = queries.task_list(
        actor=request.user,
        plan_id=filters.plan,
        group=filters.group,
        lead=filters.lead,
        status=filters.status,
    )
    return [{**_task(row.task), "my_reports": [_duty(d) for d in row.duties]} for row in found.rows]


@router.post(PREFIX + "tasks", response={201: TaskDetailOut}, summary="Add a task to a plan")
def task_create(request, payload: TaskIn):
    """For those who manage the plan (not a template, not closed). The reporting level is at or
    below the plan's jurisdiction; the years within the plan's; the due date one that exists
    every year."""
    task = actions.task_create(actor=request.user, **payload.dict())
    return Status(201, _task_detail(request.user, task.pk))


@router.get(PREFIX + "tasks/{task_id}", response=TaskDetailOut, summary="One task")
def task_detail(request, task_id: RowId):
    """The task with its milestones and periods."""
    return _task_detail(request.user, task_id)


@router.put(PREFIX + "tasks/{task_id}", response=TaskDetailOut, summary="Change a task")
def task_update(request, payload: TaskUpdateIn, task_id: RowId):
    """Once areas have reported, the level and frequency stay and the years keep every period
    reported; a new due date applies to the reports not yet submitted."""
    actions.task_update(actor=request.user, task_id=task_id, **payload.dict())
    return _task_detail(request.user, task_id)


@router.delete(
    PREFIX + "tasks/{task_id}", response={204: None}, summary="Remove a task nobody reported on"
)
def task_remove(request, task_id: RowId):
    """Refused (409) once any progress report of the task exists."""
    actions.task_remove(actor=request.user, task_id=task_id)
    return Status(204, None)


@router.post(
    PREFIX + "tasks/{task_id}/milestones",
    response={201: MilestoneOut},
    summary="Add a yearly milestone to a task",
)
def milestone_add(request, payload: MilestoneIn, task_id: RowId):
    """The year is one of the task's; the due date falls in that year."""
    row = actions.milestone_add(actor=request.user, task_id=task_id, **payload.dict())
    return Status(201, _milestone(row))


@router.delete(
    PREFIX + "milestones/{milestone_id}", response={204: None}, summary="Remove a milestone"
)
def milestone_remove(request, milestone_id: RowId):
    """For those who manage the task's plan."""
    actions.milestone_remove(actor=request.user, milestone_id=milestone_id)
    return Status(204, None)


@router.get(
    PREFIX + "tasks/{task_id}/reports",
    response=TaskReportsOut,
    summary="The reports of a task's areas for a period",
)
def task_reports(request, task_id: RowId, period: str = Query("", max_length=7)):
    """Every area of yours that reports on the task (and the areas' own summaries), with the
    status of its report for the period (default: the current one)."""
    task = queries.task_get(actor=request.user, task_id=task_id)
    found = queries.task_reports(actor=request.user, task=task, period=period or None)
    return {
        "task_id": task.pk,
        "period": found.period,
        "due_on": found.due_on,
        "periods": found.periods,
        "counts": found.counts,
        "rows": [
            {
                "area_code": row.area.code,
                "area_name": row.area.name,
                "level": row.area.level,
                "required": row.required,
                "status": row.status,
                "report_id": row.report.pk if row.report else None,
                "percent": row.report.percent if row.report else None,
                "submitted_at": row.report.submitted_at if row.report else None,
            }
            for row in found.rows
        ],
    }


# --- reports ------------------------------------------------------------------------------------


@router.get(PREFIX + "mine", response=list[DutyOut], summary="Your progress reports to write")
def my_reports(request):
    """For the tasks of the plans in force, the reports of the last and current periods of the
    areas you write for that are not yet submitted, the earliest due first."""
    return [_duty(d) for d in queries.my_reports(actor=request.user)]


@router.get(
    PREFIX + "approvals", response=list[ReportOut], summary="Reports waiting for your decision"
)
def approvals(request):
    """Submitted reports of the areas right below yours, the longest waiting first."""
    return [_report(r, r.area_name) for r in queries.approvals_pending(actor=request.user)]


@router.post(
    PREFIX + "reports", response=ReportDetailOut, summary="Save an area's progress (a draft)"
)
def report_save(request, payload: ReportIn):
    """Creates the report of the task, area and period on the first save; a draft or returned
    report only. The period is one of the task's that has begun."""
    report = actions.report_save(actor=request.user, **payload.dict())
    return _detail(request.user, report.pk)


@router.get(PREFIX + "reports/{report_id}", response=ReportDetailOut, summary="One report")
def report_detail(request, report_id: RowId):
    """With its files, its history (who did what, when) and what you may do with it."""
    return _detail(request.user, report_id)


@router.post(
    PREFIX + "reports/{report_id}/submit",
    response=ReportDetailOut,
    summary="Submit a report to the level above",
)
def report_submit(request, report_id: RowId):
    """It needs some text or a percentage done. Tells the approvers of the area above."""
    actions.report_submit(actor=request.user, report_id=report_id)
    return _detail(request.user, report_id)


@router.post(
    PREFIX + "reports/{report_id}/approve", response=ReportDetailOut, summary="Approve a report"
)
def report_approve(request, report_id: RowId):
    """By the level above the report's area; the report is locked from then on."""
    actions.report_approve(actor=request.user, report_id=report_id)
    return _detail(request.user, report_id)


@router.post(
    PREFIX + "reports/{report_id}/return",
    response=ReportDetailOut,
    summary="Return a report with the reason",
)
def report_return(request, payload: ReasonIn, report_id: RowId):
    """By the level above; the area can change it and submit it again."""
    actions.report_return(actor=request.user, report_id=report_id, reason=payload.reason)
    return _detail(request.user, report_id)


@router.post(
    PREFIX + "reports/{report_id}/reopen",
    response=ReportDetailOut,
    summary="Reopen an approved report with the reason",
)
def report_reopen(request, payload: ReasonIn, report_id: RowId):
    """By the approving level only; refused (409) while the report of the area above, for the
    same task and period, is approved."""
    actions.report_reopen(actor=request.user, report_id=report_id, reason=payload.reason)
    return _detail(request.user, report_id)


@router.get(
    PREFIX + "reports/{report_id}/evidence",
    response=list[EvidenceOut],
    summary="The files of a report",
)
def evidence_list(request, report_id: RowId):
    """Minutes, photos and documents attached to the report."""
    return _detail(request.user, report_id)["evidence"]


@router.post(
    PREFIX + "reports/{report_id}/evidence",
    response={201: EvidenceOut},
    summary="Attach a file to a report (PDF, Word, Excel, JPEG, PNG)",
)
def evidence_add(request, report_id: RowId, file: File[UploadedFile]):
    """Sent as ``multipart/form-data`` (member ``file``): judged by its content, at most 10 MB,
    at most 10 files a report; a draft or returned report only."""
    row = actions.evidence_add(actor=request.user, report_id=report_id, file=file)
    return Status(201, _evidence(row))


@router.get(
    PREFIX + "evidence/{evidence_id}",
    url_name="plans_ledger_evidence",
    summary="Download a report's file",
)
def evidence_file(request, evidence_id: RowId):
    """For those who see the report; each download is written in the audit trail."""
    return download(actions.evidence_download(actor=request.user, evidence_id=evidence_id))


@router.delete(
    PREFIX + "evidence/{evidence_id}", response={204: None}, summary="Remove a report's file"
)
def evidence_remove(request, evidence_id: RowId):
    """A draft or returned report only."""
    actions.evidence_remove(actor=request.user, evidence_id=evidence_id)
    return Status(204, None)


# --- rates --------------------------------------------------------------------------------------


@router.get(
    PREFIX + "plans/{plan_id}/rates",
    response=RatesOut,
    summary="Reporting and on-time rates by child area",
)
def rates(request, plan_id: RowId, filters: Query[RatesFilters]):
    """For an area (your widest by default) and a year or period (this year by default): per
    child area the reports expected, submitted (or approved), approved and on time; reporting
    rate = submitted ÷ expected, on-time rate = on time ÷ expected. The totals are sums."""
    found = queries.ledger_rates(
        actor=request.user,
        plan_id=plan_id,
        period=filters.period or None,
        area_code=filters.area or None,
    )
    return {
        "plan_id": found.plan.pk,
        "area_code": found.area.code,
        "area_name": found.area.name,
        "period": found.selection,
        "periods": found.periods,
        "choices": found.choices,
        "rows": [_rate(row) for row in found.rows],
        "total": _rate(found.total),
        "tasks": [
            {
                "task_id": row.task.pk,
                "number": row.task.number,
                "title": row.task.title,
                "lead_units": row.task.lead_units,
                "expected": row.expected,
                "submitted": row.submitted,
                "approved": row.approved,
                "on_time": row.on_time,
                "reporting_rate": row.reporting_rate,
                "on_time_rate": row.on_time_rate,
            }
            for row in found.tasks
        ],
    }
