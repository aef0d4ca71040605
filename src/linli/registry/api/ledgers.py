"""Registry API: ledgers (台账) generated from the registry.

``area`` is a statistical code of an area the caller reads the registry of (default: their
widest). Rows are always masked here; the exports give numbers in full to callers holding
``pii.reveal`` over the area (unless ``masked=true``) and are recorded as audit events.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema

from .. import ledgers

router = Router()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AREA_HELP = "area code (default: your widest area)"


class LedgerAreaOut(Schema):
    code: str
    name: str
    level: int
    title: str = Field(description="the area's name from the county down")


class LedgerOut(Schema):
    code: str
    title: str
    people: int
    groups: list[str] = Field(description="group tag codes the ledger lists (those you may see)")


class LedgerBelowOut(Schema):
    code: str
    name: str
    people: dict[str, int] = Field(description="ledger code → people")


class LedgerIndexOut(Schema):
    area: LedgerAreaOut
    as_of: dt.date
    ledgers: list[LedgerOut]
    below: list[LedgerBelowOut] = Field(description="the same counts for each area one level down")


class LedgerColumnOut(Schema):
    key: str
    label: str


class LedgerRowOut(Schema):
    seq: int
    resident_id: int
    town: str
    community: str
    grid: str
    name: str
    sex: str
    birth_date: str
    age: int | None
    id_number_masked: str
    ethnicity: str
    phone_masked: str
    address: str = Field(description="in full for callers holding pii.reveal here, else masked")
    kind: str = Field(description="the groups (with grades) as the form names them")
    groups: list[str]
    started_on: str
    head_name: str
    relationship: str


class LedgerRowsOut(Schema):
    ledger: str
    title: str
    area: LedgerAreaOut
    as_of: dt.date
    columns: list[LedgerColumnOut]
    count: int
    limit: int
    offset: int
    items: list[LedgerRowOut]


class LedgerSummaryRowOut(Schema):
    code: str
    town: str
    name: str
    people: int
    groups: dict[str, int]


class LedgerSummaryOut(Schema):
    ledger: str
    title: str
    area: LedgerAreaOut
    as_of: dt.date
    total: int
    groups: dict[str, int] = Field(description="group code → people (ledgers of several groups)")
    communities: list[LedgerSummaryRowOut]


def _area_out(scope: ledgers.LedgerScope, names: dict[str, str] | None = None) -> dict:
    names = names if names is not None else ledgers.area_names(scope=scope)
    area = scope.area
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "title": ledgers.area_title(scope, names),
    }


@router.get("ledgers", response=LedgerIndexOut, tags=["ledgers"], summary="Ledgers of an area")
def ledger_index(request, area: str = Query("", description=AREA_HELP)):
    """The ledgers you may see in the area with the people in each, and the same counts for
    each area one level below (towns of a county, communities of a town, grids of a community)."""
    scope = ledgers.ledger_scope(actor=request.user, area_code=area)
    overview = ledgers.ledger_overview(scope=scope)
    codes = [ledger.code for ledger in scope.ledgers]
    return {
        "area": _area_out(scope),
        "as_of": scope.as_of,
        "ledgers": [
            {
                "code": ledger.code,
                "title": ledger.title,
                "people": overview.totals[ledger.code],
                "groups": ledger.codes,
            }
            for ledger in scope.ledgers
        ],
        "below": [
            {
                "code": row.code,
                "name": row.name,
                "people": dict(zip(codes, row.counts, strict=True)),
            }
            for row in overview.rows
        ],
    }


@router.get(
    "ledgers/{ledger}",
    response=LedgerRowsOut,
    tags=["ledgers"],
    summary="One ledger's rows, a page at a time (masked)",
)
def ledger_rows(
    request,
    ledger: str,
    area: str = Query("", description=AREA_HELP),
    limit: int = Query(50, ge=1, le=200, description="page size, at most 200"),
    offset: int = Query(0, ge=0),
):
    """People in the ledger in ledger order (community, grid, address), identity and phone
    numbers masked to their last four characters."""
    scope = ledgers.ledger_scope(actor=request.user, area_code=area, ledger=ledger)
    names = ledgers.area_names(scope=scope)
    count, rows = ledgers.ledger_slice(scope=scope, names=names, offset=offset, limit=limit)
    items = []
    for seq, row in enumerate(rows, start=offset + 1):
        item = dict(zip(ledgers.ROW_FIELDS, row, strict=True))
        item["seq"] = seq
        item["id_number_masked"] = item.pop("id_number")
        item["phone_masked"] = item.pop("phone")
        item["groups"] = item.pop("kinds")
        items.append(item)
    return {
        "ledger": scope.ledger.code,
        "title": scope.ledger.title,
        "area": _area_out(scope, names),
        "as_of": scope.as_of,
        "columns": [{"key": c.key, "label": str(c.label)} for c in scope.ledger.columns],
        "count": count,
        "limit": limit,
        "offset": offset,
        "items": items,
    }


@router.get(
    "ledgers/{ledger}/summary",
    response=LedgerSummaryOut,
    tags=["ledgers"],
    summary="One ledger's people per community (and per group)",
)
def ledger_summary(request, ledger: str, area: str = Query("", description=AREA_HELP)):
    scope = ledgers.ledger_scope(actor=request.user, area_code=area, ledger=ledger)
    names = ledgers.area_names(scope=scope)
    summary = ledgers.ledger_summary(scope=scope, names=names)
    kinds = [code for code, _label in summary.kinds]
    return {
        "ledger": scope.ledger.code,
        "title": scope.ledger.title,
        "area": _area_out(scope, names),
        "as_of": scope.as_of,
        "total": summary.total,
        "groups": dict(zip(kinds, summary.kind_totals, strict=True)),
        "communities": [
            {
                "code": row.code,
                "town": row.town,
                "name": row.name,
                "people": row.people,
                "groups": dict(zip(kinds, row.kinds, strict=True)),
            }
            for row in summary.rows
        ],
    }


def _export(request, ledger: str, area: str, fmt: str, masked: bool):
    export = ledgers.ledger_export(
        actor=request.user, ledger=ledger, area_code=area, fmt=fmt, masked=masked
    )
    if export.content is not None:
        response = HttpResponse(export.content, content_type=XLSX)
    else:
        response = StreamingHttpResponse(export.chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, export.display_filename)
    response["Cache-Control"] = "no-store"
    response["X-Export-Rows"] = str(export.rows)
    response["X-Export-Masked"] = "1" if export.masked else "0"
    return response


_EXPORT_DESCRIPTION = (
    "The whole ledger as a file, with a title row naming the area and the date, the frozen "
    "header and a summary sheet (.xlsx), or as UTF-8 CSV with a byte-order mark. Identity and "
    "phone numbers are in full for callers holding `pii.reveal` over the area unless "
    "`masked=true`; the `X-Export-Masked` header tells which. Every export is recorded as a "
    "`registry.ledger_export` audit event."
)


@router.get(
    "ledgers/{ledger}/export.xlsx",
    tags=["ledgers"],
    summary="Download a ledger as .xlsx (audited)",
    description=_EXPORT_DESCRIPTION,
)
def ledger_export_xlsx(
    request, ledger: str, area: str = Query("", description=AREA_HELP), masked: bool = False
):
    return _export(request, ledger, area, "xlsx", masked)


@router.get(
    "ledgers/{ledger}/export.csv",
    tags=["ledgers"],
    summary="Download a ledger as .csv (audited)",
    description=_EXPORT_DESCRIPTION,
)
def ledger_export_csv(
    request, ledger: str, area: str = Query("", description=AREA_HELP), masked: bool = False
):
    return _export(request, ledger, area, "csv", masked)
