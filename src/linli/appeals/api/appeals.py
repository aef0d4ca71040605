"""Appeals (诉求) at /api/v1/appeals/: the list, counts, submission, one appeal, its timeline,
duplicates, and every step of its handling.

Each operation parses, calls one action or query of :mod:`linli.appeals`, and shapes the answer.
What you see is what the pages show you: appeals of your areas, your units' and your own;
anything else is a 404. Lists carry no personal data; the detail shows the contact masked, to
staff only. Errors are problem+json: 400 with per-field ``errors`` named as the JSON members,
403 when the step is not yours, 404 when the appeal is not visible, 409 when the step is not
possible now (already accepted, or an illegal move).
"""

from typing import Annotated

from django.db.models import prefetch_related_objects
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core import areacodes, pii
from linli.core.errors import ActionError, Forbidden
from linli.core.pagination import Page

from .. import actions, queries
from ..models import Appeal, Event, RatingLevel, State, Supervision
from ..schemas import (
    MAX_ID,
    AppealDetailOut,
    AppealFilters,
    AppealIn,
    AppealOut,
    BulkDispatchIn,
    BulkDispatchOut,
    CallbackIn,
    ConfirmIn,
    CountsOut,
    DispatchIn,
    DuplicateOut,
    DuplicatesCheckIn,
    EventOut,
    MergeIn,
    MessageIn,
    NoteIn,
    ProgressIn,
    RateIn,
    ReasonIn,
    ResolveIn,
    StaffDuplicateOut,
    SuperviseIn,
    TransferIn,
)

router = Router()

# An appeal id in the path: a positive 64-bit integer (anything else is a 422).
AppealId = Annotated[int, Path(ge=1, le=MAX_ID)]

# The actions name fields as the pages' forms do; the JSON members carry ``_id``.
_JSON_NAMES = {
    "category": "category_id",
    "unit": "unit_id",
    "into": "into_id",
    "resident": "resident_id",
    "appeals": "appeal_ids",
}

# What a list row never needs: personal data and long text stay in the database.
_LIST_DEFERRED = ("contact_name", "contact_phone", "description", "resolution", "attributes")


def _act(action, **kwargs):
    """Call one action; its field errors are renamed after the JSON members."""
    try:
        return action(**kwargs)
    except ActionError as exc:
        exc.errors = {_JSON_NAMES.get(name, name): msgs for name, msgs in exc.errors.items()}
        raise


# --- shaping ------------------------------------------------------------------------------


def _unit(unit) -> dict | None:
    if unit is None:
        return None
    return {"id": unit.pk, "name": unit.name, "kind": unit.kind}


def _row(appeal: Appeal) -> dict:
    """The list fields of an appeal (nothing personal)."""
    return {
        "id": appeal.pk,
        "number": appeal.number,
        "title": appeal.title,
        "category": {"id": appeal.category_id, "name": queries.category_label(appeal.category)},
        "area_code": appeal.area_code,
        "state": appeal.state,
        "state_label": str(State(appeal.state).label),
        "channel": appeal.channel,
        "unit": _unit(appeal.unit),
        "accountable_unit": _unit(appeal.accountable_unit),
        "submitted_at": appeal.submitted_at,
        "respond_due": appeal.respond_due,
        "resolve_due": appeal.resolve_due,
        "due_at": appeal.due_at,
        "overdue": appeal.overdue,
        "due_soon": appeal.due_soon,
        "escalation_level": appeal.escalation_level,
        "rating": appeal.rating,
        "callback_due": appeal.callback_due,
    }


class _Rows:
    """A queryset whose sliced page is shaped as list rows (the page is one query)."""

    def __init__(self, qs):
        self.qs = qs.select_related("category", "unit", "accountable_unit").defer(*_LIST_DEFERRED)

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [_row(appeal) for appeal in self.qs[index]]


def _photo_url(photo_id: int) -> str:
    try:
        return reverse("appeals:photo", args=[photo_id])
    except NoReverseMatch:
        return ""


def _coordinate(value) -> float | None:
    return None if value is None else float(value)


def _detail(actor, appeal: Appeal, *, fresh: bool = False) -> dict:
    """Everything about one appeal that ``actor`` may read. ``fresh``: just submitted through
    this API, so it has no photos, ratings, supervisions or rectifications to look up."""
    staff = queries.is_staff_viewer(actor, appeal)
    body = _row(appeal)
    body.update(
        description=appeal.description,
        address=appeal.address,
        lat=_coordinate(appeal.lat),
        lng=_coordinate(appeal.lng),
        attributes=appeal.attributes or {},
        resolution=appeal.resolution,
        anonymous=appeal.anonymous,
        public=appeal.public,
        merged_into=appeal.merged_into.number if appeal.merged_into_id else None,
        photos=[],
        ratings=[],
        supervisions=[],
        rectifications=[],
    )
    if staff:
        body["contact_name"] = pii.mask_name(appeal.contact_name)
        body["contact_phone"] = pii.mask_phone(appeal.contact_phone)
    if fresh:
        return body
    prefetch_related_objects([appeal], "photos", "ratings", "supervisions", "rectifications")
    body["photos"] = [
        {
            "id": photo.pk,
            "url": _photo_url(photo.pk),
            "width": photo.width,
            "height": photo.height,
            "by_staff": photo.by_staff,
            "uploaded_at": photo.uploaded_at,
        }
        for photo in appeal.photos.all()
    ]
    body["ratings"] = [
        {
            "round": rating.round,
            "level": rating.level,
            "level_label": str(RatingLevel(rating.level).label),
            "efficiency": rating.efficiency,
            "attitude": rating.attitude,
            "result": rating.result,
            "comment": rating.comment,
            "at": rating.at,
        }
        for rating in appeal.ratings.all()
    ]
    body["supervisions"] = []
    for row in appeal.supervisions.all():
        item = {
            "level": row.level,
            "reason": row.reason,
            "reason_label": str(Supervision.Reason(row.reason).label),
            "at": row.at,
            "due_at": row.due_at,
        }
        if staff:
            item["note"] = row.note
        body["supervisions"].append(item)
    body["rectifications"] = [
        {
            "opened_at": rect.opened_at,
            "due_at": rect.due_at,
            "done_at": rect.done_at,
            "done": rect.done_at is not None,
        }
        for rect in appeal.rectifications.all()
    ]
    return body


def _event(event: Event, *, staff: bool) -> dict:
    item = {
        "id": event.pk,
        "at": event.at,
        "kind": event.kind,
        "kind_label": str(Event.Kind(event.kind).label),
        "public": event.public,
        "message": event.text,
        "unit": _unit(event.unit),
        "from_state": event.from_state,
        "to_state": event.to_state,
    }
    if staff:
        item["note"] = event.note
        item["by"] = (event.actor.full_name or event.actor.username) if event.actor else ""
    return item


def _duplicate(appeal: Appeal, *, staff: bool, actor=None) -> dict:
    # Someone else's private appeal shows its kind, never its title (titles may name people).
    own = actor is not None and appeal.submitter_id == getattr(actor, "pk", None)
    shown = staff or own or (appeal.public and appeal.category.public)
    item = {
        "number": appeal.number,
        "title": appeal.title if shown else queries.category_label(appeal.category),
        "state": appeal.state,
        "state_label": str(State(appeal.state).label),
        "submitted_at": appeal.submitted_at,
    }
    if staff:
        item.update(id=appeal.pk, area_code=appeal.area_code)
    return item


def _area_filter(code: str) -> str:
    """The ``area`` filter in canonical form; a malformed code is a 400 on ``area``."""
    if not code:
        return ""
    try:
        return areacodes.normalize(code)
    except areacodes.AreaCodeError as exc:
        raise ActionError(str(exc.args[0]), field="area") from None


def _area_code(code: str) -> str:
    """An area code of the body in canonical form; a malformed one is a 400 on ``area_code``."""
    try:
        return areacodes.normalize(code)
    except areacodes.AreaCodeError as exc:
        raise ActionError(str(exc.args[0]), field="area_code") from None


def _reloaded(request, appeal_id: int) -> dict:
    return _detail(request.user, queries.appeal_get(actor=request.user, appeal_id=appeal_id))


# --- lists and counts -----------------------------------------------------------------------


@router.get("", response=list[AppealOut], summary="Appeals you may see, filtered")
@paginate(Page)
def appeal_list(request, filters: Query[AppealFilters]):
    """Appeals of your areas, of the units you belong to, and those you submitted or took in.
    Without a state filter the newest come first; with one, the soonest running deadline."""
    wanted = filters.dict()
    wanted["area"] = _area_filter(wanted["area"])
    return _Rows(queries.appeal_list(actor=request.user, filters=wanted))


@router.get("counts", response=CountsOut, summary="How many appeals wait in each bucket")
def appeal_counts(request):
    return queries.inbox_counts(actor=request.user)


@router.get("mine", response=list[AppealOut], summary="Your own appeals, newest first")
@paginate(Page)
def appeal_mine(request):
    """The appeals you submitted, and those a worker took in for you with your mobile number."""
    return _Rows(queries.appeals_mine(actor=request.user))


# --- submitting -----------------------------------------------------------------------------


@router.post("", response={201: AppealDetailOut}, exclude_unset=True, summary="Submit an appeal")
def appeal_submit(request, payload: AppealIn):
    """Routing gives it straight to a unit when a rule or the category's default finds one;
    otherwise it waits for a dispatcher. Photos are added on the pages. Bad input is a 400 with
    the field named and nothing written."""
    appeal = _act(actions.appeal_submit, actor=request.user, **payload.dict())
    return Status(201, _detail(request.user, appeal, fresh=True))


@router.post(
    "duplicates-check",
    response=list[DuplicateOut],
    summary="Open appeals like the one about to be submitted",
)
def appeal_duplicates_check(request, payload: DuplicatesCheckIn):
    """Same category, open or just resolved, submitted in the last 30 days, within a few
    hundred metres of the point (else in the same community): warn before submitting. Only
    numbers, titles and states are shown; for someone else's appeal that is not public, its
    category stands in for the title."""
    area_code = _area_code(payload.area_code)
    rows = queries.appeal_duplicates(
        area_code=area_code,
        category_id=payload.category_id,
        lat=payload.lat,
        lng=payload.lng,
    )
    return [_duplicate(appeal, staff=False, actor=request.user) for appeal in rows]


@router.post(
    "bulk-dispatch",
    response=BulkDispatchOut,
    summary="Dispatch several appeals to one unit: all or none",
)
def appeal_bulk_dispatch(request, payload: BulkDispatchIn):
    """One refused or illegal appeal refuses them all (nothing is dispatched)."""
    count = _act(
        actions.appeals_dispatch_bulk,
        actor=request.user,
        appeal_ids=payload.appeal_ids,
        unit_id=payload.unit_id,
        note=payload.note,
    )
    rows = queries.appeal_list(actor=request.user, filters={"order": "newest"}).filter(
        pk__in=payload.appeal_ids
    )
    return {"dispatched": count, "appeals": _Rows(rows)[:]}


# --- one appeal -------------------------------------------------------------------------------


@router.get(
    "{appeal_id}",
    response=AppealDetailOut,
    exclude_unset=True,
    summary="One appeal: its details, photos, ratings and supervision",
)
def appeal_detail(request, appeal_id: AppealId):
    """Staff see the contact masked (``contact_name``, ``contact_phone``); the resident does
    not get them back."""
    return _reloaded(request, appeal_id)


@router.get(
    "{appeal_id}/timeline",
    response=list[EventOut],
    exclude_unset=True,
    summary="An appeal's history, oldest first",
)
def appeal_timeline(request, appeal_id: AppealId):
    """Staff see every step with its internal ``note`` and who took it; the resident sees the
    public steps only, without notes."""
    actor = request.user
    appeal = queries.appeal_get(actor=actor, appeal_id=appeal_id)
    staff = queries.is_staff_viewer(actor, appeal)
    return [_event(ev, staff=staff) for ev in queries.appeal_timeline(actor=actor, appeal=appeal)]


@router.get(
    "{appeal_id}/duplicates",
    response=list[StaffDuplicateOut],
    summary="Likely duplicates of an appeal (staff)",
)
def appeal_duplicates(request, appeal_id: AppealId):
    """Same category, open or just resolved, recent and nearby: candidates for merging."""
    actor = request.user
    appeal = queries.appeal_get(actor=actor, appeal_id=appeal_id)
    if not queries.is_staff_viewer(actor, appeal):
        raise Forbidden(_("Only staff who handle this appeal can look for its duplicates."))
    rows = queries.appeal_duplicates(
        area_code=appeal.area_code,
        category_id=appeal.category_id,
        lat=appeal.lat,
        lng=appeal.lng,
        exclude_id=appeal.pk,
    )
    return [_duplicate(row, staff=True) for row in rows]


# --- handling -------------------------------------------------------------------------------

_STEP = {"response": AppealDetailOut, "exclude_unset": True}


@router.post("{appeal_id}/dispatch", **_STEP, summary="Dispatch an appeal to a unit")
def appeal_dispatch(request, appeal_id: AppealId, payload: DispatchIn):
    """For dispatchers (``appeal.dispatch``): an appeal waiting for dispatch, or one not yet
    accepted that should go elsewhere."""
    appeal = _act(
        actions.appeal_dispatch,
        actor=request.user,
        appeal_id=appeal_id,
        unit_id=payload.unit_id,
        note=payload.note,
    )
    return _detail(request.user, appeal)


@router.post("{appeal_id}/accept", **_STEP, summary="Accept (签收) an appeal for your unit")
def appeal_accept(request, appeal_id: AppealId, payload: MessageIn):
    """One account accepts a turn: a second attempt is a 409."""
    appeal = _act(
        actions.appeal_accept, actor=request.user, appeal_id=appeal_id, message=payload.message
    )
    return _detail(request.user, appeal)


@router.post("{appeal_id}/start", **_STEP, summary="Start work on an accepted appeal")
def appeal_start(request, appeal_id: AppealId, payload: MessageIn):
    appeal = _act(
        actions.appeal_start, actor=request.user, appeal_id=appeal_id, message=payload.message
    )
    return _detail(request.user, appeal)


@router.post(
    "{appeal_id}/progress", **_STEP, summary="Tell the resident how it goes, or add a note"
)
def appeal_progress(request, appeal_id: AppealId, payload: ProgressIn):
    """A message for the resident (the handling unit or a dispatcher), an internal note (any
    staff who handle it), or both. Photos are added on the pages, not through the API."""
    _act(
        actions.appeal_progress,
        actor=request.user,
        appeal_id=appeal_id,
        message=payload.message,
        note=payload.note,
    )
    return _reloaded(request, appeal_id)


@router.post("{appeal_id}/resolve", **_STEP, summary="Say what was done (resolve)")
def appeal_resolve(request, appeal_id: AppealId, payload: ResolveIn):
    """The resident is asked to confirm and rate it."""
    appeal = _act(
        actions.appeal_resolve,
        actor=request.user,
        appeal_id=appeal_id,
        resolution=payload.resolution,
    )
    return _detail(request.user, appeal)


@router.post("{appeal_id}/return", **_STEP, summary="Return an appeal to the dispatcher")
def appeal_return(request, appeal_id: AppealId, payload: ReasonIn):
    """Not your unit's: before accepting it, send it back saying why (transfer it after)."""
    appeal = _act(
        actions.appeal_return, actor=request.user, appeal_id=appeal_id, reason=payload.reason
    )
    return _detail(request.user, appeal)


@router.post("{appeal_id}/transfer", **_STEP, summary="Hand an appeal to another unit")
def appeal_transfer(request, appeal_id: AppealId, payload: TransferIn):
    """The handling unit or a dispatcher; the current unit stays answerable until the new one
    accepts."""
    appeal = _act(
        actions.appeal_transfer,
        actor=request.user,
        appeal_id=appeal_id,
        unit_id=payload.unit_id,
        reason=payload.reason,
    )
    return _detail(request.user, appeal)


@router.post("{appeal_id}/merge", **_STEP, summary="Merge a duplicate into the appeal it repeats")
def appeal_merge(request, appeal_id: AppealId, payload: MergeIn):
    appeal = _act(
        actions.appeal_merge,
        actor=request.user,
        appeal_id=appeal_id,
        into_id=payload.into_id,
        reason=payload.reason,
    )
    return _detail(request.user, appeal)


@router.post("{appeal_id}/reject", **_STEP, summary="Reject an appeal that is not for here")
def appeal_reject(request, appeal_id: AppealId, payload: ReasonIn):
    """The reason is shown to the resident (e.g. call 110 for the police)."""
    appeal = _act(
        actions.appeal_reject, actor=request.user, appeal_id=appeal_id, reason=payload.reason
    )
    return _detail(request.user, appeal)


@router.post("{appeal_id}/confirm", **_STEP, summary="The resident confirms it is done (or not)")
def appeal_confirm(request, appeal_id: AppealId, payload: ConfirmIn):
    """Not solved sends it back to the unit that resolved it."""
    appeal = _act(
        actions.appeal_confirm,
        actor=request.user,
        appeal_id=appeal_id,
        solved=payload.solved,
        comment=payload.comment,
    )
    return _detail(request.user, appeal)


@router.post("{appeal_id}/rate", **_STEP, summary="Rate the handling (好差评)")
def appeal_rate(request, appeal_id: AppealId, payload: RateIn):
    """Once a round. A rating below 3 needs a comment, reopens the appeal for rectification
    and makes a callback due. A supervisor may record a rating given by telephone
    (``on_behalf``)."""
    _act(actions.appeal_rate, actor=request.user, appeal_id=appeal_id, **payload.dict())
    return _reloaded(request, appeal_id)


@router.post("{appeal_id}/callback", **_STEP, summary="Record a callback (回访) to the resident")
def appeal_callback(request, appeal_id: AppealId, payload: CallbackIn):
    """For supervisors: mandatory after a bad rating before the appeal can close. ``outcome``
    is satisfied, unsatisfied or unreachable (an unreachable resident keeps it due)."""
    _act(
        actions.appeal_callback,
        actor=request.user,
        appeal_id=appeal_id,
        outcome=payload.outcome,
        note=payload.note,
    )
    return _reloaded(request, appeal_id)


@router.post("{appeal_id}/close", **_STEP, summary="Close a confirmed appeal")
def appeal_close(request, appeal_id: AppealId, payload: NoteIn):
    """For a dispatcher or supervisor; not while a callback is due."""
    appeal = _act(actions.appeal_close, actor=request.user, appeal_id=appeal_id, note=payload.note)
    return _detail(request.user, appeal)


@router.post("{appeal_id}/supervise", **_STEP, summary="Raise an open appeal for supervision")
def appeal_supervise(request, appeal_id: AppealId, payload: SuperviseIn):
    """督办 by hand: a supervisor says what they expect; the supervising level is told."""
    appeal = _act(
        actions.appeal_supervise, actor=request.user, appeal_id=appeal_id, note=payload.note
    )
    return _detail(request.user, appeal)
