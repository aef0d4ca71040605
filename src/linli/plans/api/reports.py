"""The plans API: the annual implementation report of a plan as a file.

``GET /api/v1/plans/{plan_id}/report.xlsx`` and ``… /report.pdf`` (``?year=&area=
&snapshot=``) call :func:`~linli.plans.actions.reports.report_xlsx` or
:func:`~linli.plans.actions.reports.report_pdf` and return the file; each download is audited.
A plan or area outside yours is 404; a year never computed is 409 (compute the values first);
a bad year is 400 — all as problem+json.
"""

from typing import Annotated

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Path, Query, Router

from ..actions.reports import PDF, XLSX, report_pdf, report_xlsx

router = Router()

PlanId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the plan")]
YearQuery = Annotated[
    int | None,
    Query(None, ge=1900, le=2999, description="the year (default: the newest of the plan)"),
]
AreaQuery = Annotated[
    str,
    Query("", max_length=15, description="an area code (default: your widest area of the plan)"),
]
SnapshotQuery = Annotated[
    int | None,
    Query(
        None, ge=1, le=2**63 - 1, description="a snapshot of the plan (default: the live values)"
    ),
]

_ERRORS = (
    "Errors (problem+json): 404 for a plan or area outside yours, 409 when the year's values "
    "have never been computed, 400 for a year outside the plan."
)


def _file(filename: str, content: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "{plan_id}/report.xlsx",
    summary="The annual implementation report (.xlsx; audited)",
    description=(
        "The plan's targets for an area and year in the layout of the plans' indicator tables "
        "(baseline, target, binding or expected, actual value, status, gap, one column per "
        "sub-area), each sub-area's statuses, the communities below target and the task "
        "ledger, as an .xlsx workbook in your language. Values are a snapshot's when "
        "`snapshot` is given, else the live values of the year. " + _ERRORS
    ),
)
def plan_report_xlsx(
    request,
    plan_id: PlanId,
    year: YearQuery = None,
    area: AreaQuery = "",
    snapshot: SnapshotQuery = None,
):
    filename, content = report_xlsx(
        actor=request.user, plan_id=plan_id, year=year, area_code=area, snapshot_id=snapshot
    )
    return _file(filename, content, XLSX)


@router.get(
    "{plan_id}/report.pdf",
    summary="The annual implementation report (PDF; audited)",
    description=(
        "The same report as an A4 PDF: a title page, a summary by status with the binding "
        "targets not met, the indicator table, each sub-area's values, a chart per indicator "
        "against its target, the communities below target and the task ledger. " + _ERRORS
    ),
)
def plan_report_pdf(
    request,
    plan_id: PlanId,
    year: YearQuery = None,
    area: AreaQuery = "",
    snapshot: SnapshotQuery = None,
):
    filename, content = report_pdf(
        actor=request.user, plan_id=plan_id, year=year, area_code=area, snapshot_id=snapshot
    )
    return _file(filename, content, PDF)
