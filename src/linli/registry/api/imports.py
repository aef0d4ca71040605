"""Registry API: importing households and residents, exporting resident lists.

``POST imports`` queues an import and answers 202 with the job; poll ``GET imports/{id}``
until its status is ``done``, ``rejected`` (row errors: nothing written; ``errors`` maps row
numbers to messages, the full report is ``GET imports/{id}/report.xlsx``) or ``failed``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from linli.core.errors import ActionError
from linli.core.pagination import Page

from .. import actions, imports, queries
from ..models import ImportJob

router = Router(tags=["registry imports"])


class ImportJobOut(Schema):
    id: int
    filename: str
    on_duplicate: str
    status: str
    rows_total: int
    rows_checked: int
    rows_written: int
    counts: dict
    error_rows: int
    errors: dict[str, list[str]]
    message: str
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    can_restart: bool
    stalled: bool

    @staticmethod
    def resolve_can_restart(obj):
        return imports.import_can_restart(obj)

    @staticmethod
    def resolve_stalled(obj):
        return imports.import_is_stale(obj)


class ImportListOut(Schema):
    id: int
    filename: str
    status: str
    rows_total: int
    error_rows: int
    created_at: dt.datetime


def _job(request, import_id: int) -> ImportJob:
    return imports.import_job_get(actor=request.user, job_id=import_id)


@router.post(
    "imports",
    response={202: ImportJobOut},
    summary="Upload households and residents (.xlsx or .csv) to import in the background",
)
def import_start(
    request,
    file: File[UploadedFile],
    on_duplicate: Form[str] = ImportJob.OnDuplicate.REPORT,
):
    """The headers are checked at once (400 if the file cannot be read); the rows are checked
    and written by the task worker. ``on_duplicate``: ``report`` (a row whose ID number is
    already registered with other details is an error) or ``merge`` (update that resident,
    moving them into the file's household)."""
    if file.size is not None and file.size > imports.IMPORT_MAX_BYTES:
        raise ActionError(
            _("The file is larger than %(mb)d MB; split it into parts.")
            % {"mb": imports.IMPORT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    job = actions.registry_import_start(
        actor=request.user,
        filename=file.name or "",
        data=file.read(),
        on_duplicate=on_duplicate,
    )
    return Status(202, _job(request, job.pk))


@router.get("imports", response=list[ImportListOut], summary="Your recent imports")
@paginate(Page)
def import_list(request):
    return imports.import_job_list(actor=request.user, limit=200)


@router.get("imports/template.xlsx", summary="The import template (.xlsx with a sheet of notes)")
def import_template_xlsx(request):
    response = HttpResponse(imports.template_xlsx(), content_type=imports.XLSX)
    response["Content-Disposition"] = 'attachment; filename="linli-residents-template.xlsx"'
    return response


@router.get("imports/template.csv", summary="The import template (.csv headers)")
def import_template_csv(request):
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="linli-residents-template.csv"'
    return response


@router.get("imports/{int:import_id}", response=ImportJobOut, summary="An import's progress")
def import_get(request, import_id: int):
    """Progress in rows (checked, then written), counts when done, the first thousand rows'
    errors when rejected. Only the uploader sees an import."""
    return _job(request, import_id)


@router.get(
    "imports/{int:import_id}/report.xlsx",
    summary="A rejected import's rows with their errors beside them",
)
def import_report(request, import_id: int):
    data = imports.import_report(actor=request.user, job_id=import_id)
    response = HttpResponse(data, content_type=imports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="linli-import-{import_id}-errors.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "imports/{int:import_id}/restart",
    response={202: ImportJobOut},
    summary="Run a failed or stalled import again",
)
def import_restart(request, import_id: int):
    """A stalled import (its worker stopped) wrote nothing: the write is one transaction."""
    actions.registry_import_restart(actor=request.user, job_id=import_id)
    return Status(202, _job(request, import_id))


@router.get("residents-export", summary="Export the filtered resident list (.xlsx or .csv)")
def resident_export(
    request,
    format: str = "xlsx",
    q: str = "",
    tag: str = "",
    age_band: str = "",
    area: str = "",
    status: str = "active",
    masked: bool = False,
):
    """The same filters as the resident list, in the import's columns. ID numbers and phones
    are masked unless you may reveal personal data over every row (or ask ``masked=true``).
    Every export is audited."""
    export = actions.registry_export(
        actor=request.user,
        filters=queries.ResidentFilters(q=q, tag=tag, age_band=age_band, area=area, status=status),
        fmt=format,
        masked=masked,
    )
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Rows"] = str(export.rows)
    response["X-Masked"] = "1" if export.masked else "0"
    return response
