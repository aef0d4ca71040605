"""Core API: the area tree, reported figures, area import."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Field, File, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from .. import actions, tabular
from ..actions.areas import IMPORT_MAX_BYTES, import_columns
from ..areacodes import Level
from ..errors import ActionError
from ..pagination import Page
from ..queries import areas as area_queries
from ..schemas import AreaOut, FigureIn, FigureOut, ImportOut

router = Router(tags=["areas"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AreaNodeOut(AreaOut):
    """An area with the number of its children you can see and, inside your scope, the
    latest reported population."""

    child_count: int
    population: int | None = None
    is_urban: bool | None = None


class AreaFigureOut(FigureOut):
    recorded_at: dt.datetime


class AreaPathOut(AreaOut):
    ancestors: list[AreaOut]


class AreaFullOut(AreaOut):
    ancestors: list[AreaOut]
    figures: list[FigureOut] = Field(
        ..., alias="latest_figures", description="latest figure of each kind"
    )
    in_scope: bool = Field(
        ..., description="false when the area is visible only as the path above your areas"
    )
    can_manage: bool


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    instance: str
    errors: dict[str, list[str]] | None = None


class ImportRejected(ActionError):
    """Some rows of an import are bad; ``errors`` maps row numbers to messages."""

    status = 422
    code = "import_rows_invalid"


def _level(level: int | None) -> int | None:
    if level is not None and level not in Level.values:
        raise ActionError(_("Unknown level."), field="level")
    return level


@router.get("areas", response=list[AreaPathOut], summary="Areas visible to you")
@paginate(Page)
def area_list(request, q: str = "", level: int | None = None, under: str | None = None):
    """Search by name (contains) or code prefix; each hit comes with its visible path."""
    return _PathList(
        area_queries.area_list(actor=request.user, search=q, level=_level(level), under=under),
        request.user,
    )


class _PathList:
    """A queryset whose sliced page is decorated with each area's ancestors (one query)."""

    def __init__(self, qs, actor):
        self.qs, self.actor = qs, actor

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        page = list(self.qs[index])
        paths = area_queries.area_paths(actor=self.actor, areas=page)
        for area in page:
            area.ancestors = paths.get(area.code, [])
        return page


@router.get("areas/roots", response=list[AreaNodeOut], summary="Where your area tree starts")
@paginate(Page)
def area_roots(request):
    return area_queries.area_roots(actor=request.user)


@router.post(
    "areas/import",
    response={200: ImportOut, 400: ProblemOut, 422: ProblemOut},
    summary="Import towns, communities and grids from .xlsx or .csv (all rows or none)",
)
def area_import(request, file: File[UploadedFile], dry_run: bool = False):
    """Every row is checked first. If any row is bad, nothing is written and the answer is a
    422 problem whose ``errors`` map spreadsheet row numbers to messages. ``dry_run=true``
    checks and counts without writing."""
    if file.size is not None and file.size > IMPORT_MAX_BYTES:
        raise ActionError(
            _("The file is larger than %(mb)d MB; split it.")
            % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    rows = tabular.read_rows(file.name or "", file.read(), actions.areas.IMPORT_COLUMNS)
    result = actions.area_import(actor=request.user, rows=rows, dry_run=dry_run)
    if not result.ok:
        raise ImportRejected(
            ngettext(
                "%(n)d row has errors; nothing was imported.",
                "%(n)d rows have errors; nothing was imported.",
                result.error_rows,
            )
            % {"n": result.error_rows},
            errors={str(row): messages for row, messages in sorted(result.errors.items())},
        )
    return {
        "ok": True,
        "dry_run": dry_run,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "figures": result.figures,
        "errors": {},
    }


@router.get("areas/{code}", response=AreaFullOut, summary="One area with its path and figures")
def area_get(request, code: str):
    area = area_queries.area_get(actor=request.user, code=code)
    access = area_queries.area_access(actor=request.user, area=area)
    figures = area_queries.figure_latest(actor=request.user, area=area)
    area.ancestors = area_queries.area_ancestors(actor=request.user, area=area)
    area.latest_figures = list(figures.values())
    area.in_scope, area.can_manage = access.in_scope, access.can_manage
    return area


@router.get(
    "areas/{code}/children", response=list[AreaNodeOut], summary="Direct children of an area"
)
@paginate(Page)
def area_children(request, code: str):
    return area_queries.area_children(actor=request.user, code=code)


@router.get(
    "areas/{code}/figures",
    response=list[AreaFigureOut],
    summary="Reported figures of an area, newest first",
)
@paginate(Page)
def figure_list(request, code: str, kind: str | None = None):
    area = area_queries.area_get(actor=request.user, code=code)
    return area_queries.figure_list(actor=request.user, area=area, kind=kind)


@router.post(
    "areas/{code}/figures",
    response={201: AreaFigureOut},
    summary="Record a reported figure",
)
def figure_record(request, code: str, payload: FigureIn):
    return Status(
        201,
        actions.figure_record(
            actor=request.user,
            area_code=code,
            kind=payload.kind,
            value=payload.value,
            as_of=payload.as_of,
            source=payload.source,
        ),
    )


@router.get("areas-import-template.xlsx", summary="The import template (.xlsx)")
def area_import_template(request):
    response = HttpResponse(tabular.template_xlsx("areas", import_columns()), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="linli-areas-template.xlsx"'
    return response
