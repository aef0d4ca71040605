"""The community worker roster at /api/v1/workforce/: workers, their certificates and account,
the per-area summary, post ladders, the spreadsheet import and the export.

Each operation parses, calls one action or query of :mod:`linli.workforce`, and shapes the
answer. Everything is scoped by the caller's areas: rows outside them are 404, never 403. ID
numbers and phones are masked in every answer; ``POST workers/{id}/reveal`` is the one way to
read one in full (``pii.reveal``, audited). Lists are paginated (``?limit=&offset=``).
"""

import datetime as dt
from typing import Annotated

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import File, Form, Path, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from linli.core import areacodes, scoping
from linli.core.errors import ActionError, NotFound
from linli.core.pagination import Page
from linli.core.roles import Cap
from linli.registry.imports import XLSX

from .. import actions, queries
from ..models import Certificate, PostLevel, Worker
from ..schemas import (
    MAX_ID,
    CertificateIn,
    CertificateOut,
    ImportOut,
    LadderDefaultsIn,
    LadderDefaultsOut,
    LadderOut,
    LeaveIn,
    LevelIn,
    LevelOut,
    LevelUpdateIn,
    LinkIn,
    ProblemOut,
    RevealIn,
    RevealOut,
    SummaryOut,
    Text,
    WorkerDetailOut,
    WorkerIn,
    WorkerOut,
    WorkerQuery,
    WorkerUpdateIn,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ImportRejected(ActionError):
    """Some rows of an import are bad; ``errors`` maps row numbers to "column: message"."""

    status = 422
    code = "import_rows_invalid"


# --- shaping ------------------------------------------------------------------------------------


def _certificate(c: Certificate) -> dict:
    return {
        "id": c.pk,
        "level": c.level,
        "level_label": str(c.get_level_display()),
        "number": c.number,
        "obtained_on": c.obtained_on,
        "expires_on": c.expires_on,
    }


def _worker(worker: Worker) -> dict:
    level = worker.level
    return {
        "id": worker.pk,
        "community_code": worker.area_code,
        "community_name": worker.community.name,
        "name": worker.name,
        "gender": worker.gender,
        "birth_date": worker.birth_date,
        "id_number_masked": queries.masked_id(worker),
        "phone_masked": queries.masked_phone(worker),
        "post": worker.post,
        "post_label": str(worker.get_post_display()),
        "committee_role": worker.committee_role,
        "committee_role_label": str(worker.get_committee_role_display())
        if worker.committee_role
        else "",
        "level": {"id": level.pk, "code": level.code, "name": level.name} if level else None,
        "party_member": worker.party_member,
        "education": worker.education,
        "social_work_major": worker.social_work_major,
        "hired_on": worker.hired_on,
        "left_on": worker.left_on,
        "leave_reason": worker.leave_reason,
        "live": worker.left_on is None,
        "certificates": [_certificate(c) for c in worker.certificates.all()],
    }


def _detail(request, worker_id: int) -> dict:
    actor = request.user
    worker = queries.worker_get(actor=actor, worker_id=worker_id)
    body = _worker(worker)
    user = worker.user
    body.update(
        account={"id": user.pk, "username": user.username, "full_name": user.full_name}
        if user
        else None,
        can_manage=queries.can_manage(actor, worker.area_code),
        can_reveal=queries.can_reveal(actor, worker.area_code),
    )
    return body


class _Workers:
    """A queryset whose sliced page is shaped as list rows."""

    def __init__(self, qs):
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [_worker(worker) for worker in self.qs[index]]


def _filters(query: WorkerQuery) -> queries.WorkerFilters:
    return queries.WorkerFilters(**query.dict())


# --- workers ------------------------------------------------------------------------------------


@router.get("workers", response=list[WorkerOut], summary="Community workers in your areas")
@paginate(Page)
def worker_list(request, filters: Query[WorkerQuery]):
    """In post by default (``status=left`` or ``all`` for the others), by community and name."""
    return _Workers(queries.worker_list(actor=request.user, filters=_filters(filters)))


@router.post("workers", response={201: WorkerDetailOut}, summary="Add a worker to the roster")
def worker_create(request, payload: WorkerIn):
    worker = actions.worker_save(actor=request.user, **payload.dict())
    return Status(201, _detail(request, worker.pk))


@router.get("workers/{worker_id}", response=WorkerDetailOut, summary="One community worker")
def worker_detail(request, worker_id: RowId):
    return _detail(request, worker_id)


@router.put("workers/{worker_id}", response=WorkerDetailOut, summary="Correct a worker's record")
def worker_update(request, payload: WorkerUpdateIn, worker_id: RowId):
    """``id_number`` and ``phone`` null (or left out) keep the number on record; '' removes it.
    The community does not change: someone moving leaves here and is recorded there."""
    actions.worker_save(actor=request.user, worker_id=worker_id, **payload.dict())
    return _detail(request, worker_id)


@router.post(
    "workers/{worker_id}/leave", response=WorkerDetailOut, summary="Record that a worker left"
)
def worker_leave(request, payload: LeaveIn, worker_id: RowId):
    actions.worker_leave(
        actor=request.user, worker_id=worker_id, reason=payload.reason, left_on=payload.left_on
    )
    return _detail(request, worker_id)


@router.post(
    "workers/{worker_id}/account",
    response=WorkerDetailOut,
    summary="Link an account (holding a role in the community) to a worker's record",
)
def worker_link(request, payload: LinkIn, worker_id: RowId):
    actions.worker_link_account(actor=request.user, worker_id=worker_id, login=payload.login)
    return _detail(request, worker_id)


@router.delete(
    "workers/{worker_id}/account",
    response=WorkerDetailOut,
    summary="Unlink the account from a worker's record",
)
def worker_unlink(request, worker_id: RowId):
    actions.worker_unlink_account(actor=request.user, worker_id=worker_id)
    return _detail(request, worker_id)


@router.post(
    "workers/{worker_id}/reveal",
    response=RevealOut,
    summary="Reveal a worker's ID number or phone in full (pii.reveal; audited)",
)
def worker_reveal(request, payload: RevealIn, response: HttpResponse, worker_id: RowId):
    """Every reveal is written to the audit trail with who, when and which field."""
    value = actions.worker_reveal(actor=request.user, worker_id=worker_id, field=payload.field)
    response["Cache-Control"] = "no-store"
    return {"field": payload.field, "value": value}


@router.post(
    "workers/{worker_id}/certificates",
    response={201: CertificateOut},
    summary="Record a social work certificate a worker holds",
)
def certificate_add(request, payload: CertificateIn, worker_id: RowId):
    certificate = actions.certificate_add(actor=request.user, worker_id=worker_id, **payload.dict())
    return Status(201, _certificate(certificate))


@router.delete(
    "certificates/{certificate_id}",
    response={204: None},
    summary="Remove a certificate recorded by mistake",
)
def certificate_remove(request, certificate_id: RowId):
    actions.certificate_remove(actor=request.user, certificate_id=certificate_id)
    return Status(204, None)


@router.get(
    "workers-summary",
    response=SummaryOut,
    summary="Workers in post per child area: posts, party members, certificates, heads",
)
def roster_summary(request, area: Text = "", as_of: dt.date | None = None):
    """Per child of ``area`` (your top area by default): the communities of a town, the towns
    of a county. ``as_of`` (today by default) counts those in post that day."""
    day = as_of
    found = queries.roster_summary(actor=request.user, area_code=area[:15], as_of=day)

    def row(r):
        return {
            **r.__dict__,
            "with_secretary": r.with_secretary,
            "with_director": r.with_director,
        }

    return {
        "area_code": found.area.code,
        "area_name": found.area.name,
        "as_of": found.as_of,
        "rows": [row(r) for r in found.rows],
        "total": row(found.total),
    }


@router.get("workers-export.xlsx", summary="Export the filtered roster (.xlsx; audited)")
def workers_export(request, filters: Query[WorkerQuery]):
    """The list's filters, in the import's columns. ID numbers and phones are masked unless you
    may reveal personal data over every row. Every export is audited."""
    export = actions.workers_export(actor=request.user, filters=_filters(filters))
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Rows"] = str(export.rows)
    response["X-Masked"] = "1" if export.masked else "0"
    return response


# --- the import ---------------------------------------------------------------------------------


@router.post(
    "workers-import",
    response={200: ImportOut, 400: ProblemOut, 422: ProblemOut},
    summary="Import workers from .xlsx or .csv (all rows or none)",
)
def workers_import(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    """Every row is checked first. If any row is bad, nothing is written and the answer is a
    422 problem whose ``errors`` map spreadsheet row numbers to "column: message" lines.
    ``dry_run=true`` checks and counts without writing. Re-importing a file changes nothing."""
    result = actions.workers_import(actor=request.user, file=file, dry_run=dry_run)
    if not result.ok:
        raise ImportRejected(
            ngettext(
                "%(n)d row has errors; nothing was imported.",
                "%(n)d rows have errors; nothing was imported.",
                result.error_rows,
            )
            % {"n": result.error_rows},
            errors={str(row): found for row, found in sorted(result.errors_by_row().items())},
        )
    return {
        "ok": True,
        "dry_run": dry_run,
        "applied": result.applied,
        "rows": len(result.rows),
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }


@router.get("workers-import-template.xlsx", summary="The worker import template (.xlsx)")
def workers_template(request):
    response = HttpResponse(actions.workers_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="linli-workers-template.xlsx"'
    return response


# --- post levels --------------------------------------------------------------------------------


def _level(level: PostLevel) -> dict:
    return {
        "id": level.pk,
        "area_code": level.area_code,
        "code": level.code,
        "name": level.name,
        "sort": level.sort,
    }


@router.get("levels", response=LadderOut, summary="The post ladder of a province or prefecture")
def ladder(request, area: Text = ""):
    """For a province or prefecture, the levels set on it; for any other area of yours, the
    ladder that applies there (its prefecture's, else its province's)."""
    actor = request.user
    try:
        code = areacodes.normalize(area[:15])
        level = areacodes.level_of(code)
    except areacodes.AreaCodeError:
        raise NotFound(_("No such area among yours."), field="area") from None
    if level in queries.LADDER_LEVELS:
        steps = list(queries.level_list(actor=actor, area_code=code))
        source = code if steps else queries.ladder_source(code)
    else:
        if not scoping.has_cap(actor, Cap.WORKFORCE_VIEW, code):
            raise NotFound(_("No such area among yours."), field="area")
        steps = queries.ladder_for(code)
        source = steps[0].area_code if steps else ""
    return {"area_code": code, "source": source, "levels": [_level(s) for s in steps]}


@router.post("levels", response={201: LevelOut}, summary="Add a level to a post ladder")
def level_create(request, payload: LevelIn):
    level = actions.postlevel_save(actor=request.user, **payload.dict())
    return Status(201, _level(level))


@router.post(
    "levels/defaults",
    response=LadderDefaultsOut,
    summary="Install the built-in 三岗十八级 ladder on a province or prefecture (idempotent)",
)
def level_defaults(request, payload: LadderDefaultsIn):
    return {"created": actions.postlevel_defaults(actor=request.user, area_code=payload.area_code)}


@router.put("levels/{level_id}", response=LevelOut, summary="Change a level of a post ladder")
def level_update(request, payload: LevelUpdateIn, level_id: RowId):
    current = queries.level_get(actor=request.user, level_id=level_id)
    level = actions.postlevel_save(
        actor=request.user, area_code=current.area_code, level_id=level_id, **payload.dict()
    )
    return _level(level)


@router.delete(
    "levels/{level_id}",
    response={204: None},
    summary="Remove a level no worker record names",
)
def level_remove(request, level_id: RowId):
    actions.postlevel_remove(actor=request.user, level_id=level_id)
    return Status(204, None)
