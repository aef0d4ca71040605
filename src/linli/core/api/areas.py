"""Core API: the area tree, reported figures, area import."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import File, Router, UploadedFile
from ninja.pagination import paginate

from .. import actions, queries, tabular
from ..areacodes import Level
from ..models import Area
from ..pagination import Page
from ..schemas import (
    AreaDetailOut,
    AreaOut,
    FigureIn,
    FigureOut,
    ImportOut,
)

router = Router()


def area_out(area: Area) -> dict:
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "level_label": str(Level(area.level).label),
        "parent_code": area.parent_id,
        "prefix": area.prefix,
        "urban_rural": area.urban_rural,
        "is_demo": area.is_demo,
    }


@router.get("areas", response=list[AreaOut], tags=["areas"], summary="Areas visible to you")
@paginate(Page)
def area_list(request, q: str = "", level: int | None = None, under: str | None = None):
    return queries.area_list(actor=request.user, search=q, level=level, under=under)


@router.get(
    "areas/{code}",
    response=AreaDetailOut,
    tags=["areas"],
    summary="One area with its path and figures",
)
def area_get(request, code: str):
    area = queries.area_get(actor=request.user, code=code)
    figures = queries.figure_latest(actor=request.user, area=area)
    return {
        **area_out(area),
        "ancestors": queries.area_ancestors(actor=request.user, area=area),
        "figures": [
            {"kind": f.kind, "value": f.value, "as_of": f.as_of, "source": f.source}
            for f in figures.values()
        ],
    }


@router.get(
    "areas/{code}/children",
    response=list[AreaOut],
    tags=["areas"],
    summary="Direct children of an area",
)
@paginate(Page)
def area_children(request, code: str):
    return queries.area_children(actor=request.user, code=code)


@router.post(
    "areas/{code}/figures",
    response={201: FigureOut},
    tags=["areas"],
    summary="Record a reported figure",
)
def figure_record(request, code: str, payload: FigureIn):
    figure = actions.figure_record(
        actor=request.user,
        area_code=code,
        kind=payload.kind,
        value=payload.value,
        as_of=payload.as_of,
        source=payload.source,
    )
    return 201, {
        "kind": figure.kind,
        "value": figure.value,
        "as_of": figure.as_of,
        "source": figure.source,
    }


@router.post(
    "areas/import",
    response={200: ImportOut, 422: ImportOut},
    tags=["areas"],
    summary="Import towns, communities and grids from .xlsx or .csv (all rows or none)",
)
def area_import(request, file: File[UploadedFile], dry_run: bool = False):
    rows = tabular.read_rows(file.name or "", file.read(), actions.areas.IMPORT_COLUMNS)
    result = actions.area_import(actor=request.user, rows=rows, dry_run=dry_run)
    body = {
        "ok": result.ok,
        "dry_run": dry_run,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "figures": result.figures,
        "errors": result.errors,
    }
    return (200 if result.ok else 422), body


@router.get("areas-import-template.xlsx", tags=["areas"], auth=None, summary="The import template")
def area_import_template(request):
    data = tabular.template_xlsx("areas", actions.areas.IMPORT_COLUMNS)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="linli-areas-template.xlsx"'
    return response
