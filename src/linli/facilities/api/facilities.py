"""The facility register and venues at /api/v1/facilities/: facilities (with photos, the map,
the spreadsheet import and export) and venues.

Each operation parses, calls one action or query of :mod:`linli.facilities`, and shapes the
answer. What you see is what the pages show you: the facilities and venues of your areas
(``facility.view``); writing needs ``facility.manage``. Errors are problem+json: 400 with
per-field ``errors`` named as the JSON members (a day's hours as ``hours.mon``), 403 when it is
not yours to do, 404 when the row is not visible, 409 when it is not possible now; an import
with bad rows is a 422 whose ``rows`` give each problem's row, column and message.
"""

from typing import Annotated

from django.conf import settings
from django.http import FileResponse, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import File, Form, Path, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from linli.core.errors import NotFound
from linli.core.pagination import Page

from .. import actions, queries
from ..actions.imports import XLSX, ImportResult
from ..models import Facility, FacilityPhoto, Venue
from ..queries.facilities import FULL_DAY
from ..schemas import (
    MAX_ID,
    FacilityCloseOut,
    FacilityDetailOut,
    FacilityFilters,
    FacilityIn,
    FacilityOut,
    ImportOut,
    ImportProblemOut,
    MapOut,
    PhotoOut,
    VenueCloseOut,
    VenueFilters,
    VenueIn,
    VenueOut,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _float(value):
    return None if value is None else float(value)


def _facility(facility: Facility) -> dict:
    return {
        "id": facility.pk,
        "area_code": facility.area_code,
        "area_name": facility.area.name,
        "name": facility.name,
        "kind": facility.kind,
        "kind_label": str(facility.get_kind_display()),
        "status": facility.status,
        "status_label": str(facility.get_status_display()),
        "floor_area": float(facility.floor_area),
        "activity_area": float(facility.activity_area),
        "year_built": facility.year_built,
        "ownership": facility.ownership,
        "address": facility.address,
        "latitude": _float(facility.latitude),
        "longitude": _float(facility.longitude),
        "accessibility": list(facility.accessibility or []),
        "terminals": facility.terminals,
        "hours": facility.hours or {},
        "open_days": facility.open_days,
        "min_daily_hours": float(facility.min_daily_hours),
        "short_hours": facility.open_days < 7 or facility.min_daily_hours < FULL_DAY,
        "phone": facility.phone,
        "new_build": facility.new_build,
        "residential_area": _float(facility.residential_area),
        "commercial_area": float(facility.commercial_area),
        "note": facility.note,
        "created_at": facility.created_at,
        "updated_at": facility.updated_at,
    }


def _photo(photo: FacilityPhoto) -> dict:
    return {
        "id": photo.pk,
        "caption": photo.caption,
        "width": photo.width,
        "height": photo.height,
        "size": photo.size,
        "uploaded_at": photo.uploaded_at,
        "url": reverse("facilities:facility_photo", args=[photo.facility_id, photo.pk]),
    }


def _detail(actor, facility_id: int) -> dict:
    facility = queries.facility_get(actor=actor, facility_id=facility_id)
    body = _facility(facility)
    body["photos"] = [_photo(p) for p in facility.photos.all()]
    body["venues"] = [
        {"id": v.pk, "name": v.name, "kind": v.kind, "capacity": v.capacity, "active": v.active}
        for v in facility.venues.all()
    ]
    body["can_manage"] = queries.facility_can_manage(actor, facility.area_code)
    return body


def _venue(venue: Venue) -> dict:
    return {
        "id": venue.pk,
        "area_code": venue.area_code,
        "area_name": venue.area.name,
        "facility_id": venue.facility_id,
        "facility_name": venue.facility.name if venue.facility_id else "",
        "unit_name": venue.unit_name,
        "name": venue.name,
        "kind": venue.kind,
        "kind_label": str(venue.get_kind_display()),
        "capacity": venue.capacity,
        "rules": venue.rules,
        "address": venue.address,
        "latitude": _float(venue.latitude),
        "longitude": _float(venue.longitude),
        "for_residents": venue.for_residents,
        "for_organisations": venue.for_organisations,
        "for_staff": venue.for_staff,
        "approval": venue.approval,
        "approval_label": str(venue.get_approval_display()),
        "hours": venue.hours or {},
        "slot_minutes": venue.slot_minutes,
        "max_slots": venue.max_slots,
        "days_ahead": venue.days_ahead,
        "active": venue.active,
        "created_at": venue.created_at,
        "updated_at": venue.updated_at,
    }


class _Shaped:
    """A queryset whose sliced page is shaped by ``shape``."""

    def __init__(self, qs, shape):
        self.qs, self.shape = qs, shape

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [self.shape(row) for row in self.qs[index]]


# --- facilities: the spreadsheet ---------------------------------------------------------------


def _rejected(request, result: ImportResult) -> JsonResponse:
    title = ngettext(
        "%(n)d row has errors; nothing was imported.",
        "%(n)d rows have errors; nothing was imported.",
        result.error_rows,
    ) % {"n": result.error_rows}
    body = {
        "type": "https://linli.example/problems/import_rows_invalid",
        "title": str(title),
        "status": 422,
        "instance": request.path,
        "errors": {str(row): texts for row, texts in sorted(result.by_row().items())},
        "rows": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors],
    }
    if getattr(request, "request_id", None):
        body["request_id"] = request.request_id
    return JsonResponse(
        body,
        status=422,
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )


@router.post(
    "facilities/import",
    response={200: ImportOut, 422: ImportProblemOut},
    summary="Import facilities from .xlsx (all rows or none; reruns update the same facilities)",
)
def facility_import(request, file: File[UploadedFile], dry_run: bool = False):
    """One row per facility, headers as in the template (Chinese) or the English keys. Every
    row is checked first; if any is wrong nothing is written and the answer is a 422 listing
    each problem by row, column and message. A facility is matched on area code and name, so
    importing a file again updates the same facilities. ``dry_run`` checks and counts only."""
    result = actions.facilities_import(actor=request.user, file=file, dry_run=dry_run)
    if not result.ok:
        return _rejected(request, result)
    return {
        "ok": True,
        "dry_run": dry_run,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "errors": [],
    }


@router.get("facilities/import-template.xlsx", summary="The facility import template (.xlsx)")
def facility_import_template(request):
    response = HttpResponse(actions.facility_import_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="linli-facilities-template.xlsx"'
    return response


@router.get("facilities/export.xlsx", summary="The facilities you see, filtered, as .xlsx")
def facility_export(request, filters: Query[FacilityFilters]):
    """In the import's columns, so a corrected file can be imported again. Audited."""
    export = actions.facilities_export(actor=request.user, filters=filters.dict())
    response = HttpResponse(export.data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@router.get("facilities/map", response=MapOut, summary="Map points of the facilities you see")
def facility_map(request, filters: Query[FacilityFilters]):
    """The listed facilities that have a map point (at most 2,000), with the tile source the
    pages use (empty: no background)."""
    found = queries.facility_map_points(actor=request.user, filters=filters.dict())
    return {
        "points": [vars(point) for point in found.points],
        "truncated": found.truncated,
        "without_point": found.without_point,
        "tiles": settings.LINLI_MAP_TILES,
        "attribution": settings.LINLI_MAP_ATTRIBUTION,
    }


# --- facilities ---------------------------------------------------------------------------------


@router.get("facilities", response=list[FacilityOut], summary="Facilities you see, filtered")
@paginate(Page)
def facility_list(request, filters: Query[FacilityFilters]):
    """In area code, kind and name order."""
    return _Shaped(queries.facility_list(actor=request.user, filters=filters.dict()), _facility)


@router.post("facilities", response={201: FacilityDetailOut}, summary="Add a facility")
def facility_create(request, payload: FacilityIn):
    facility = actions.facility_save(actor=request.user, **payload.dict())
    return Status(201, _detail(request.user, facility.pk))


@router.get("facilities/{facility_id}", response=FacilityDetailOut, summary="One facility")
def facility_detail(request, facility_id: RowId):
    """With its photos and venues."""
    return _detail(request.user, facility_id)


@router.put("facilities/{facility_id}", response=FacilityDetailOut, summary="Change a facility")
def facility_update(request, payload: FacilityIn, facility_id: RowId):
    """Replaces the record: members left out take their defaults."""
    queries.facility_get(actor=request.user, facility_id=facility_id)
    actions.facility_save(actor=request.user, facility_id=facility_id, **payload.dict())
    return _detail(request.user, facility_id)


@router.post(
    "facilities/{facility_id}/close",
    response=FacilityCloseOut,
    summary="Close a facility (it stays on record; its venues stop taking bookings)",
)
def facility_close(request, facility_id: RowId):
    facility = actions.facility_close(actor=request.user, facility_id=facility_id)
    fresh = queries.facility_get(actor=request.user, facility_id=facility.pk)
    return {
        "facility": _facility(fresh),
        "venues_closed": facility.venues_closed,
        "bookings_affected": facility.bookings_affected,
    }


@router.get(
    "facilities/{facility_id}/photos", response=list[PhotoOut], summary="A facility's photos"
)
def facility_photos(request, facility_id: RowId):
    facility = queries.facility_get(actor=request.user, facility_id=facility_id)
    return [_photo(p) for p in facility.photos.all()]


@router.post(
    "facilities/{facility_id}/photos",
    response={201: list[PhotoOut]},
    summary="Add photos to a facility (multipart, field `photos`; at most six kept)",
)
def facility_photo_add(
    request,
    facility_id: RowId,
    photos: File[list[UploadedFile]],
    caption: str = Form("", max_length=200),
):
    """Each is re-encoded as JPEG without camera or location data."""
    rows = actions.facility_photo_add(
        actor=request.user, facility_id=facility_id, photos=photos, caption=caption
    )
    return Status(201, [_photo(row) for row in rows])


@router.get(
    "facilities/{facility_id}/photos/{photo_id}",
    summary="One photo of a facility (JPEG)",
)
def facility_photo(request, facility_id: RowId, photo_id: RowId):
    row = queries.facility_photo_get(actor=request.user, facility_id=facility_id, photo_id=photo_id)
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise NotFound(_("The photo's file is missing.")) from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@router.delete(
    "facilities/{facility_id}/photos/{photo_id}",
    response={204: None},
    summary="Remove a photo of a facility",
)
def facility_photo_remove(request, facility_id: RowId, photo_id: RowId):
    actions.facility_photo_remove(actor=request.user, facility_id=facility_id, photo_id=photo_id)
    return Status(204, None)


# --- venues -------------------------------------------------------------------------------------


@router.get("venues", response=list[VenueOut], summary="Venues you see, filtered")
@paginate(Page)
def venue_list(request, filters: Query[VenueFilters]):
    """Rooms and fields of facilities and resources units open to the public."""
    return _Shaped(queries.venue_list(actor=request.user, filters=filters.dict()), _venue)


@router.post("venues", response={201: VenueOut}, summary="Add a venue")
def venue_create(request, payload: VenueIn):
    """Inside a facility (``facility_id``), or a unit's open resource (``unit_name`` and the
    community's ``area_code``)."""
    venue = actions.venue_save(actor=request.user, **payload.dict())
    return Status(201, _venue(queries.venue_get(actor=request.user, venue_id=venue.pk)))


@router.get("venues/{venue_id}", response=VenueOut, summary="One venue")
def venue_detail(request, venue_id: RowId):
    return _venue(queries.venue_get(actor=request.user, venue_id=venue_id))


@router.put("venues/{venue_id}", response=VenueOut, summary="Change a venue")
def venue_update(request, payload: VenueIn, venue_id: RowId):
    """Replaces the record: members left out take their defaults."""
    queries.venue_get(actor=request.user, venue_id=venue_id)
    actions.venue_save(actor=request.user, venue_id=venue_id, **payload.dict())
    return _venue(queries.venue_get(actor=request.user, venue_id=venue_id))


@router.post(
    "venues/{venue_id}/close",
    response=VenueCloseOut,
    summary="Stop taking bookings for a venue (bookings already made stay)",
)
def venue_close(request, venue_id: RowId):
    venue = actions.venue_close(actor=request.user, venue_id=venue_id)
    fresh = queries.venue_get(actor=request.user, venue_id=venue.pk)
    return {"venue": _venue(fresh), "bookings_affected": venue.bookings_affected}


@router.post("venues/{venue_id}/reopen", response=VenueOut, summary="Take bookings again")
def venue_reopen(request, venue_id: RowId):
    actions.venue_reopen(actor=request.user, venue_id=venue_id)
    return _venue(queries.venue_get(actor=request.user, venue_id=venue_id))
