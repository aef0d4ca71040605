"""Care visits at /api/v1/care/: recording a visit (its photos are a separate multipart
upload), the visits and needs of your areas, a need turned into an appeal or marked met, a
person's care archive and its notes.

Each operation parses, calls one action or query of :mod:`linli.care`, and shapes the answer.
Everything is scoped by your areas: a person, visit, photo or need outside them is a 404.
``POST visits`` is idempotent on ``client_key``: sending the same form again answers 200 with
the visit already recorded. The health and living notes are read with
``POST roster/{subject_id}/notes`` (``care.notes``; every reading is audited) and written with
``PUT`` on the same path.
"""

from typing import Annotated

from django.http import HttpResponse
from django.urls import reverse
from ninja import File, Path, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from linli.core.errors import ActionError
from linli.core.pagination import Page
from linli.core.schemas import MAX_ID

from ..actions import visits as actions
from ..models import Need, Visit
from ..queries import visits as queries
from ..schemas_visits import (
    ArchiveOut,
    NeedAppealIn,
    NeedAppealOut,
    NeedFilters,
    NeedIn,
    NeedMetIn,
    NeedOut,
    NotesIn,
    NotesOut,
    PhotoOut,
    VisitDetailOut,
    VisitFilters,
    VisitIn,
    VisitOut,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]

# The actions name some fields as the pages' forms do; the JSON members carry ``_id``.
_JSON_NAMES = {"category": "category_id", "resident": "resident_id"}
ARCHIVE_VISITS = 20


def _act(action, **kwargs):
    try:
        return action(**kwargs)
    except ActionError as exc:
        exc.errors = {_JSON_NAMES.get(name, name): msgs for name, msgs in exc.errors.items()}
        raise


# --- shaping -----------------------------------------------------------------------------------


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.full_name or user.username}


def _appeal(appeal) -> dict | None:
    if appeal is None:
        return None
    return {
        "id": appeal.pk,
        "number": appeal.number,
        "title": appeal.title,
        "state": appeal.state,
        "state_label": str(appeal.get_state_display()),
        "url": reverse("appeals:detail", args=[appeal.pk]),
    }


def _need(need: Need) -> dict:
    return {
        "id": need.pk,
        "subject_id": need.subject_id,
        "visit_id": need.visit_id,
        "area_code": need.area_code,
        "kind": need.kind,
        "kind_label": str(need.get_kind_display()),
        "urgency": need.urgency,
        "description": need.description,
        "met_on": need.met_on,
        "created_at": need.created_at,
        "appeal": _appeal(need.appeal) if need.appeal_id else None,
    }


def _visit(visit: Visit, *, photos: int | None = None, needs: int | None = None) -> dict:
    return {
        "id": visit.pk,
        "subject_id": visit.subject_id,
        "resident_name": visit.resident.name,
        "area_code": visit.area_code,
        "worker": _person(visit.worker),
        "visited_at": visit.visited_at,
        "mode": visit.mode,
        "mode_label": str(visit.get_mode_display()),
        "saw": visit.saw,
        "saw_label": str(visit.get_saw_display()),
        "counted": visit.plan_id is not None,
        "plan_id": visit.plan_id,
        "concerns": visit.concerns,
        "checks": visit.checks or {},
        "photo_count": photos if photos is not None else getattr(visit, "photo_count", 0),
        "need_count": needs if needs is not None else getattr(visit, "need_count", 0),
    }


def _photo(photo) -> dict:
    return {
        "id": photo.pk,
        "url": reverse("care:visit_photo", args=[photo.pk]),
        "width": photo.width,
        "height": photo.height,
        "size": photo.size,
        "uploaded_at": photo.uploaded_at,
    }


def _detail(actor, visit_id: int, *, replayed: bool = False) -> dict:
    visit = queries.visit_get(actor=actor, visit_id=visit_id)
    photos = list(visit.photos.all())
    needs = list(visit.needs.all())
    body = _visit(visit, photos=len(photos), needs=len(needs))
    body.update(
        notes=(visit.notes or "") if queries.can_read_notes(actor, visit.area_code) else None,
        photos=[_photo(photo) for photo in photos],
        needs=[_need(need) for need in needs],
        replayed=replayed,
    )
    return body


class _Rows:
    """A queryset whose sliced page is shaped by ``shape`` (the page is one query)."""

    def __init__(self, qs, shape):
        self.qs, self.shape = qs, shape

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [self.shape(row) for row in self.qs[index]]


# --- visits ------------------------------------------------------------------------------------


@router.post(
    "visits",
    response={200: VisitDetailOut, 201: VisitDetailOut},
    summary="Record a care visit (idempotent on client_key)",
)
def visit_record(request, payload: VisitIn):
    """For ``care.visit`` over the person's area. A visit where nobody was reached
    (``saw: nobody``) is recorded as an attempt and does not count towards the month's plan.
    Sending the same ``client_key`` again answers 200 with the visit already recorded. Photos
    are added afterwards with ``POST visits/{visit_id}/photos``."""
    data = payload.dict()
    data["needs"] = [dict(item) for item in data["needs"]]
    visit = _act(actions.visit_record, actor=request.user, **data)
    replayed = getattr(visit, "replayed", False)
    return Status(200 if replayed else 201, _detail(request.user, visit.pk, replayed=replayed))


@router.get("visits", response=list[VisitOut], summary="Care visits in your areas, newest first")
@paginate(Page)
def visit_list(request, filters: Query[VisitFilters]):
    return _Rows(
        queries.visit_search(
            actor=request.user,
            subject_id=filters.subject_id,
            area_code=filters.area,
            worker_id=filters.worker_id,
            month=filters.month,
            concerns_only=filters.concerns,
        ),
        _visit,
    )


@router.get(
    "visits/{visit_id}",
    response=VisitDetailOut,
    summary="One care visit: checklist, photos, needs (notes with care.notes)",
)
def visit_detail(request, visit_id: RowId):
    return _detail(request.user, visit_id)


@router.post(
    "visits/{visit_id}/photos",
    response={201: list[PhotoOut]},
    summary="Add photos to your visit (multipart, field `photos`)",
)
def visit_photos(request, visit_id: RowId, photos: File[list[UploadedFile]]):
    """Up to six photos a visit in all; each is re-encoded (camera and location data removed).
    Only the worker who made the visit adds them."""
    rows = _act(actions.visit_photo_add, actor=request.user, visit_id=visit_id, photos=photos)
    return Status(201, [_photo(row) for row in rows])


# --- the archive and its notes -------------------------------------------------------------------


def _plan(plan, today=None) -> dict | None:
    if plan is None:
        return None
    return {
        "id": plan.pk,
        "month": plan.month,
        "due_on": plan.due_on,
        "required": plan.required,
        "done": plan.done,
        "status": plan.status,
        "days_left": plan.days_left(today),
        "worker": _person(plan.worker),
    }


@router.get(
    "roster/{subject_id}/archive",
    response=ArchiveOut,
    summary="A person's care archive (without the notes)",
)
def subject_archive(request, subject_id: RowId):
    """Who they are (phone masked), their care groups, this month's plan and responsible
    worker, the last 12 months (met or not), the latest visits, the needs found (open ones
    first) and the appeals for them that you may see."""
    archive = queries.subject_archive(
        actor=request.user, subject_id=subject_id, per_page=ARCHIVE_VISITS
    )
    subject, resident, household = archive.subject, archive.resident, archive.household
    return {
        "subject": {
            "id": subject.pk,
            "resident_id": resident.pk,
            "name": resident.name,
            "age": resident.age,
            "sex": resident.sex,
            "address": household.address if household is not None else "",
            "phone_masked": archive.phone_masked,
            "area_code": subject.area_code,
            "kind": subject.kind,
            "frequency": subject.frequency,
            "risk": subject.risk,
            "groups": [{"code": tag.code, "name": tag.name} for tag in archive.groups],
            "started_on": subject.started_on,
            "ended_on": subject.ended_on,
            "end_reason": subject.end_reason,
        },
        "plan": _plan(archive.plan),
        "worker": _person(archive.worker),
        "months": [
            {
                "month": cell.month,
                "state": cell.state,
                "label": cell.label,
                "required": cell.plan.required if cell.plan else None,
                "done": cell.plan.done if cell.plan else None,
            }
            for cell in archive.months
        ],
        "visits": [_visit(visit) for visit in archive.visits.object_list],
        "visit_count": archive.visits.paginator.count,
        "needs": [_need(need) for need in archive.needs],
        "appeals": [_appeal(appeal) for appeal in archive.appeals],
        "notes_updated_at": subject.notes_updated_at,
        "can_visit": archive.can_visit,
        "can_read_notes": archive.can_read_notes,
        "can_raise_appeal": archive.can_raise_appeal,
    }


@router.post(
    "roster/{subject_id}/notes",
    response=NotesOut,
    summary="Read a person's health and living notes (care.notes; audited)",
)
def subject_notes_reveal(request, response: HttpResponse, subject_id: RowId):
    """Every reading is written to the audit trail with who and when."""
    notes = actions.subject_notes_reveal(actor=request.user, subject_id=subject_id)
    response["Cache-Control"] = "no-store"
    return notes


@router.put(
    "roster/{subject_id}/notes",
    response=NotesOut,
    summary="Write a person's health and living notes (care.notes; audited)",
)
def subject_notes_update(request, response: HttpResponse, payload: NotesIn, subject_id: RowId):
    """Both notes are written as given; empty text clears one."""
    subject = actions.subject_notes_update(
        actor=request.user,
        subject_id=subject_id,
        health_notes=payload.health_notes,
        living_notes=payload.living_notes,
    )
    response["Cache-Control"] = "no-store"
    by = subject.notes_updated_by
    return {
        "health_notes": subject.health_notes or "",
        "living_notes": subject.living_notes or "",
        "updated_at": subject.notes_updated_at,
        "updated_by": (by.full_name or by.username) if by is not None else "",
    }


# --- needs -------------------------------------------------------------------------------------


@router.post("needs", response={201: NeedOut}, summary="Record a need found for a person")
def need_add(request, payload: NeedIn):
    need = _act(actions.need_add, actor=request.user, **payload.dict())
    return Status(201, _need(queries.need_get(actor=request.user, need_id=need.pk)))


@router.get("needs", response=list[NeedOut], summary="Needs found on care visits in your areas")
@paginate(Page)
def need_list(request, filters: Query[NeedFilters]):
    """Open needs (not yet met) by default, urgent ones first and then the longest waiting;
    ``open_only=false`` lists all, newest first."""
    return _Rows(
        queries.need_search(
            actor=request.user,
            area_code=filters.area,
            open_only=filters.open_only,
            subject_id=filters.subject_id,
            urgent_only=filters.urgent,
        ),
        _need,
    )


@router.post(
    "needs/{need_id}/appeal",
    response={201: NeedAppealOut},
    summary="Turn a need into an appeal (care-visit channel), linked to it",
)
def need_to_appeal(request, need_id: RowId, payload: NeedAppealIn):
    """For ``care.visit`` and ``appeal.intake`` over the person's area. A need already linked
    to an appeal, or already met, is a 409."""
    appeal = _act(
        actions.need_to_appeal,
        actor=request.user,
        need_id=need_id,
        category_id=payload.category_id,
    )
    need = queries.need_get(actor=request.user, need_id=need_id)
    return Status(201, {"need": _need(need), "appeal": _appeal(appeal)})


@router.post("needs/{need_id}/met", response=NeedOut, summary="Say that a need has been met")
def need_met(request, need_id: RowId, payload: NeedMetIn):
    """A need already met is a 409."""
    _act(actions.need_met, actor=request.user, need_id=need_id, met_on=payload.met_on)
    return _need(queries.need_get(actor=request.user, need_id=need_id))
