"""The needs and resources lists and matching at /api/v1/matching/.

Each operation parses, calls one action or query of :mod:`linli.matching`, and shapes the
answer; what you see is what the pages show you: needs and matches of your areas
(``match.view``), resources based there or serving them; writing needs ``match.manage``.
Errors are problem+json: 400 with per-field ``errors``, 403 when it is not yours to do, 404
when the row is not visible, 409 when it is not possible now (``no-capacity`` when a resource
has no room for the need's people this week). Lists are paginated (``limit``, ``offset``).
Needs and resources are not deleted: a need is closed or met, a resource stopped.
"""

from typing import Annotated

from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.pagination import Page
from linli.core.pii import mask_phone
from linli.core.schemas import MAX_ID

from ..actions import lists as actions
from ..models import Match, Need, Resource
from ..queries import lists as queries
from ..queries import matcher
from ..schemas.lists import (
    AreaIn,
    CloseIn,
    FromAppealIn,
    FromCareNeedIn,
    ImportOut,
    MatchEndIn,
    MatchFilters,
    MatchIn,
    MatchOut,
    NeedFilters,
    NeedIn,
    NeedListedOut,
    NeedOut,
    NeedPatch,
    ResourceFilters,
    ResourceIn,
    ResourceOut,
    ResourcePatch,
    SuggestionOut,
    SyncOut,
    WaitingOut,
)
from ._common import Shaped

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _need(need: Need) -> dict:
    return {
        "id": need.pk,
        "area_code": need.area_code,
        "area_name": getattr(need, "area_name", "") or "",
        "source": need.source,
        "source_label": str(need.get_source_display()),
        "category": need.category,
        "category_label": str(need.get_category_display()),
        "title": need.title,
        "who": need.who,
        "description": need.description,
        "place": need.place,
        "wanted_from": need.wanted_from,
        "wanted_until": need.wanted_until,
        "times": list(need.times or []),
        "people": need.people,
        "urgency": need.urgency,
        "urgency_label": str(need.get_urgency_display()),
        "status": need.status,
        "status_label": str(need.get_status_display()),
        "closed_reason": need.closed_reason,
        "appeal_id": need.appeal_id,
        "care_need_id": need.care_need_id,
        "resident_linked": need.resident_id is not None,
        "created_at": need.created_at,
        "updated_at": need.updated_at,
        "met_at": need.met_at,
    }


def _need_of(request, need_id: int) -> dict:
    return _need(queries.need_get(actor=request.user, need_id=need_id))


def _match(match: Match) -> dict:
    resource = match.resource
    book_url = ""
    if resource.kind == Resource.Kind.VENUE and match.status == Match.Status.ACTIVE:
        from django.urls import NoReverseMatch, reverse

        try:
            book_url = reverse("facilities:book_venue", args=[resource.venue_id])
        except NoReverseMatch:
            book_url = ""
    by = match.confirmed_by
    return {
        "id": match.pk,
        "need_id": match.need_id,
        "need_title": match.need.title,
        "area_code": match.area_code,
        "area_name": getattr(match, "area_name", "") or "",
        "resource_id": resource.pk,
        "resource_name": resource.name,
        "resource_kind": resource.kind,
        "score": float(match.score),
        "reasons": [r for r in match.reasons or [] if isinstance(r, dict)],
        "status": match.status,
        "status_label": str(match.get_status_display()),
        "activity_id": match.activity_id,
        "booking_id": match.booking_id,
        "book_url": book_url,
        "note": match.note,
        "confirmed_by": by.get_full_name() or by.username,
        "confirmed_at": match.confirmed_at,
        "ended_at": match.ended_at,
    }


def _match_of(request, match_id: int) -> dict:
    return _match(queries.match_get(actor=request.user, match_id=match_id))


def _resource(actor, resource: Resource) -> dict:
    sees = queries.resource_sees_contact(actor, resource)
    return {
        "id": resource.pk,
        "kind": resource.kind,
        "kind_label": str(resource.get_kind_display()),
        "area_code": resource.area_code,
        "area_name": getattr(resource, "area_name", "") or "",
        "name": resource.name,
        "description": resource.description,
        "categories": list(resource.categories or []),
        "serves": list(resource.serves or []),
        "times": list(resource.times or []),
        "capacity": resource.capacity,
        "in_use": resource.in_use,
        "spare": resource.spare,
        "available_from": resource.available_from,
        "available_until": resource.available_until,
        "active": resource.active,
        "team_id": resource.team_id,
        "venue_id": resource.venue_id,
        "contact_name": resource.contact_name if sees else "",
        "contact_phone_masked": mask_phone(resource.contact_phone) if sees else "",
        "created_at": resource.created_at,
        "updated_at": resource.updated_at,
    }


def _resource_of(request, resource_id: int) -> dict:
    found = queries.resource_get(actor=request.user, resource_id=resource_id)
    return _resource(request.user, found)


# --- needs ---------------------------------------------------------------------------------------


@router.get("needs", response=list[NeedOut], summary="Needs you see, filtered")
@paginate(Page)
def need_list(request, filters: Query[NeedFilters]):
    """Open needs come urgent first, then the longest waiting; any other list newest first."""
    found = queries.need_list(actor=request.user, filters=filters.dict())
    return Shaped(found, _need)


@router.post("needs", response={201: NeedOut}, summary="List a need")
def need_create(request, payload: NeedIn):
    """In a community or grid you manage; ``title`` and ``who`` name nobody."""
    data = payload.dict()
    need = actions.need_create(actor=request.user, area_code=data.pop("area_code"), **data)
    return Status(201, _need_of(request, need.pk))


def _listed(request, need: Need):
    body = dict(_need_of(request, need.pk), created=need.created)
    return Status(201 if need.created else 200, body)


@router.post(
    "needs/from-appeal",
    response={200: NeedListedOut, 201: NeedListedOut},
    summary="List an appeal as a need (once: again gives the need listed)",
)
def need_from_appeal(request, payload: FromAppealIn):
    """The appeal's category, urgency and resident come over, none of its text; 201 when
    listed now, 200 with ``created`` false when it was listed already."""
    need = actions.need_from_appeal(actor=request.user, appeal_id=payload.appeal_id)
    return _listed(request, need)


@router.post(
    "needs/from-care-need",
    response={200: NeedListedOut, 201: NeedListedOut},
    summary="List a need found on a care visit (once)",
)
def need_from_care_need(request, payload: FromCareNeedIn):
    need = actions.need_from_care_need(actor=request.user, care_need_id=payload.care_need_id)
    return _listed(request, need)


@router.post("needs/import", response=ImportOut, summary="List an area's open needs in bulk")
def needs_import(request, payload: AreaIn):
    """Every need found on care visits not yet met and every open appeal of elderly care,
    social assistance or health care (and the categories below them) not yet listed."""
    result = actions.needs_import(actor=request.user, area_code=payload.area_code)
    return {
        "area_code": result.area_code,
        "from_appeals": result.from_appeals,
        "from_care_visits": result.from_care_visits,
        "more": result.more,
    }


@router.get("needs/waiting", response=WaitingOut, summary="Unmatched needs per area")
def needs_waiting(request, area: str = Query("", max_length=15)):
    """Open needs nobody is matched to, counted per area one level down (``area``: a county,
    town or community you see; your widest when empty), the longest waiting first."""
    found = queries.needs_waiting(actor=request.user, area_code=area or None)
    return {
        "area_code": found.area.code,
        "area_name": found.area.name,
        "total": found.total,
        "urgent": found.urgent,
        "rows": [dict(vars(row), days=row.days) for row in found.rows],
    }


@router.get("needs/{need_id}", response=NeedOut, summary="One need")
def need_detail(request, need_id: RowId):
    return _need_of(request, need_id)


@router.patch("needs/{need_id}", response=NeedOut, summary="Change a need")
def need_update(request, payload: NeedPatch, need_id: RowId):
    """Members given change; a matched need keeps its people and category."""
    actions.need_update(actor=request.user, need_id=need_id, **payload.dict(exclude_unset=True))
    return _need_of(request, need_id)


@router.post("needs/{need_id}/close", response=NeedOut, summary="Close a need without help")
def need_close(request, payload: CloseIn, need_id: RowId):
    actions.need_close(actor=request.user, need_id=need_id, reason=payload.reason)
    return _need_of(request, need_id)


@router.post("needs/{need_id}/met", response=NeedOut, summary="Mark a need met")
def need_met(request, need_id: RowId):
    """Its matches under way end as done, freeing their capacity."""
    actions.need_mark_met(actor=request.user, need_id=need_id)
    return _need_of(request, need_id)


@router.get(
    "needs/{need_id}/suggestions",
    response=list[SuggestionOut],
    summary="Resources that may help with a need, best first, with the reasons",
)
def need_suggestions(request, need_id: RowId, limit: int = Query(10, ge=1, le=matcher.LIMIT_MAX)):
    """Scored out of 100: nearness on the area tree, weekly times in common, room this week
    and how soon it can start; each reason in words (``good`` false: a reason against)."""
    found = matcher.suggestions(actor=request.user, need_id=need_id, limit=limit)
    return [
        {
            "resource_id": s.resource_id,
            "name": s.name,
            "kind": s.kind,
            "kind_label": s.kind_label,
            "area_code": s.area_code,
            "area_name": s.area_name,
            "capacity": s.capacity,
            "spare": s.spare,
            "times": s.times,
            "score": float(s.score),
            "reasons": [{"code": r.code, "text": r.text, "good": r.good} for r in s.reasons],
        }
        for s in found
    ]


@router.get("needs/{need_id}/matches", response=list[MatchOut], summary="A need's matches")
def need_matches(request, need_id: RowId):
    need = queries.need_get(actor=request.user, need_id=need_id)
    rows = queries.match_list(actor=request.user).filter(need_id=need.pk)
    return [_match(row) for row in rows]


@router.post(
    "needs/{need_id}/matches",
    response={201: MatchOut},
    summary="Confirm a resource for a need (the one click)",
)
def match_confirm(request, payload: MatchIn, need_id: RowId):
    """A team gets a draft activity with one shift at the need's next wanted time (its
    leader is notified); a venue is not booked (``book_url`` is its booking page)."""
    match = actions.match_confirm(
        actor=request.user, need_id=need_id, resource_id=payload.resource_id, note=payload.note
    )
    return Status(201, _match_of(request, match.pk))


# --- matches -------------------------------------------------------------------------------------


@router.get("matches", response=list[MatchOut], summary="Matches of the needs you see")
@paginate(Page)
def match_list(request, filters: Query[MatchFilters]):
    return Shaped(queries.match_list(actor=request.user, filters=filters.dict()), _match)


@router.get("matches/{match_id}", response=MatchOut, summary="One match")
def match_detail(request, match_id: RowId):
    return _match_of(request, match_id)


@router.post("matches/{match_id}/end", response=MatchOut, summary="End a match")
def match_end(request, payload: MatchEndIn, match_id: RowId):
    """``done``: the need is met; ``cancelled``: it waits again unless another match is under
    way. The capacity the match held is freed."""
    actions.match_end(
        actor=request.user, match_id=match_id, outcome=payload.outcome, note=payload.note
    )
    return _match_of(request, match_id)


# --- resources -----------------------------------------------------------------------------------


@router.get("resources", response=list[ResourceOut], summary="Resources you see, filtered")
@paginate(Page)
def resource_list(request, filters: Query[ResourceFilters]):
    """Those based in your areas and those serving them; contacts only for your own areas'."""
    actor = request.user
    found = queries.resource_list(actor=actor, filters=filters.dict())
    return Shaped(found, lambda r: _resource(actor, r))


@router.post("resources", response={201: ResourceOut}, summary="List a resource")
def resource_create(request, payload: ResourceIn):
    """A provider, a unit's open resource or a donation; teams and venues come from
    ``resources/sync``."""
    resource = actions.resource_create(actor=request.user, **payload.dict())
    return Status(201, _resource_of(request, resource.pk))


@router.post(
    "resources/sync",
    response=SyncOut,
    summary="Bring an area's volunteer teams and venues into the list (or up to date)",
)
def resources_sync(request, payload: AreaIn):
    result = actions.resources_sync(actor=request.user, area_code=payload.area_code)
    return {
        "area_code": result.area_code,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "stopped": result.stopped,
    }


@router.get("resources/{resource_id}", response=ResourceOut, summary="One resource")
def resource_detail(request, resource_id: RowId):
    return _resource_of(request, resource_id)


@router.patch("resources/{resource_id}", response=ResourceOut, summary="Change a resource")
def resource_update(request, payload: ResourcePatch, resource_id: RowId):
    actions.resource_update(
        actor=request.user, resource_id=resource_id, **payload.dict(exclude_unset=True)
    )
    return _resource_of(request, resource_id)


@router.post(
    "resources/{resource_id}/deactivate",
    response=ResourceOut,
    summary="Stop offering a resource (matches under way stay)",
)
def resource_deactivate(request, resource_id: RowId):
    actions.resource_deactivate(actor=request.user, resource_id=resource_id)
    return _resource_of(request, resource_id)


@router.post("resources/{resource_id}/activate", response=ResourceOut, summary="Offer it again")
def resource_activate(request, resource_id: RowId):
    actions.resource_activate(actor=request.user, resource_id=resource_id)
    return _resource_of(request, resource_id)
