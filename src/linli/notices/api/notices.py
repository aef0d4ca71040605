"""Notices (通知公告) at /api/v1/notices/: yours to read, one notice (which records that you
read it), the publisher's list, publishing, correcting, files, withdrawing and read receipts.

Each operation parses, calls one action or query of :mod:`linli.notices`, and shapes the answer.
A notice you may neither read nor manage is a 404; a step that is not yours is a 403; a change a
published or withdrawn notice cannot take is a 409. Attachments are uploaded as
``multipart/form-data`` (member ``files``) and downloaded only by those who may read the notice.
"""

from typing import Annotated

from django.urls import reverse
from ninja import File, Path, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from linli.core.errors import ActionError
from linli.core.pagination import Page
from linli.core.schemas import MAX_ID

from .. import actions, queries
from ..files import download
from ..models import Notice, NoticeAttachment, NoticeRead
from ..queries import notices as nq
from ..schemas_notices import (
    AttachmentOut,
    NoticeDetailOut,
    NoticeFiltersIn,
    NoticeIn,
    NoticeOut,
    NoticeUpdateIn,
    PublishedOut,
    ReceiptOut,
    ReceiptsOut,
)

router = Router()

NoticeId = Annotated[int, Path(ge=1, le=MAX_ID)]
AttachmentId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _act(action, renamed: dict | None = None, **kwargs):
    """Call one action; its field errors are renamed after the members of the request."""
    try:
        return action(**kwargs)
    except ActionError as exc:
        if renamed:
            exc.errors = {renamed.get(name, name): msgs for name, msgs in exc.errors.items()}
        raise


# --- shaping ------------------------------------------------------------------------------


def _attachment(row: NoticeAttachment) -> dict:
    return {
        "id": row.pk,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "url": reverse("api:notice_attachment", kwargs={"attachment_id": row.pk}),
        "uploaded_at": row.uploaded_at,
    }


class _Rows:
    """A page of notices for the paginator, each shaped by ``shape(notice, area_name)``, with the
    areas' names looked up once for the page."""

    def __init__(self, qs, shape):
        self.qs = qs
        self.shape = shape

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        page = list(self.qs[index])
        names = nq.area_names(n.area_code for n in page)
        return [self.shape(n, names.get(n.area_code, "")) for n in page]


def _reader_row(n: Notice, area_name: str) -> dict:
    """A notice in the reader's list."""
    return {
        "id": n.pk,
        "area_code": n.area_code,
        "area_name": area_name,
        "title": n.title,
        "excerpt": n.excerpt,
        "audience": n.audience,
        "pinned": n.pinned,
        "publish_at": n.publish_at,
        "expires_at": n.expires_at,
        "read": n.is_read,
        "has_attachments": n.has_files,
    }


def _published_row(n: Notice, area_name: str) -> dict:
    """A notice in the publisher's list."""
    return {
        "id": n.pk,
        "area_code": n.area_code,
        "area_name": area_name,
        "title": n.title,
        "audience": n.audience,
        "tags": n.tags or [],
        "roles": n.roles or [],
        "pinned": n.pinned,
        "status": nq.notice_status(n),
        "publish_at": n.publish_at,
        "expires_at": n.expires_at,
        "withdrawn_at": n.withdrawn_at,
        "read_count": n.read_count or 0,
        "published_by": n.created_by.get_full_name() if n.created_by else "",
    }


def _detail(actor, notice: Notice, *, receipt: NoticeRead | None = None) -> dict:
    """One notice as ``queries.notice_get`` found it (it knows ``for_reader``)."""
    return {
        "id": notice.pk,
        "area_code": notice.area_code,
        "area_name": nq.area_names([notice.area_code]).get(notice.area_code, ""),
        "title": notice.title,
        "body": notice.body,
        "audience": notice.audience,
        "tags": notice.tags or [],
        "roles": notice.roles or [],
        "pinned": notice.pinned,
        "publish_at": notice.publish_at,
        "expires_at": notice.expires_at,
        "withdrawn_at": notice.withdrawn_at,
        "status": nq.notice_status(notice),
        "attachments": [_attachment(row) for row in notice.attachments.all()],
        "for_reader": bool(notice.for_reader),
        "manageable": nq.can_manage(actor, notice),
        "read_at": receipt.read_at if receipt is not None else None,
    }


def _reloaded(request, notice_id: int) -> dict:
    actor = request.user
    notice = queries.notice_get(actor=actor, notice_id=notice_id)
    receipt = queries.receipt_of(actor=actor, notice=notice) if notice.for_reader else None
    return _detail(actor, notice, receipt=receipt)


# --- reading ------------------------------------------------------------------------------------


@router.get(
    "", response=list[NoticeOut], summary="Notices for you to read, pinned and newest first"
)
@paginate(Page)
def notice_mine(request):
    """Live notices of where you live (as a resident) and where you work (as staff); ``read``
    says whether you have opened each one."""
    return _Rows(queries.notices_mine(actor=request.user), _reader_row)


@router.get(
    "published",
    response=list[PublishedOut],
    summary="Notices of the areas where you publish, newest first",
)
@paginate(Page)
def notice_published(request, filters: Query[NoticeFiltersIn]):
    """Every state: scheduled, live, expired and withdrawn, with how many have read each."""
    found = _act(
        queries.notice_list, actor=request.user, filters=nq.NoticeFilters(**filters.dict())
    )
    return _Rows(found, _published_row)


@router.get(
    "{int:notice_id}",
    response=NoticeDetailOut,
    summary="One notice with its files (reading it records your receipt)",
)
def notice_detail(request, notice_id: NoticeId):
    """Readers get a receipt the first time (``read_at``); publishers looking at a notice of
    their area are not counted as readers."""
    actor = request.user
    notice = queries.notice_get(actor=actor, notice_id=notice_id)
    receipt = None
    if notice.for_reader:
        receipt = actions.notice_read(actor=actor, notice_id=notice.pk)
    return _detail(actor, notice, receipt=receipt)


@router.post("{int:notice_id}/read", response=ReceiptOut, summary="Record that you read a notice")
def notice_read(request, notice_id: NoticeId):
    """The same receipt however often it is sent."""
    receipt = actions.notice_read(actor=request.user, notice_id=notice_id)
    return {"notice_id": receipt.notice_id, "read_at": receipt.read_at}


@router.get(
    "attachments/{int:attachment_id}",
    url_name="notice_attachment",
    summary="Download a notice's file",
)
def notice_attachment(request, attachment_id: AttachmentId):
    """For those who may read the notice (or manage it); anyone else finds nothing."""
    row = queries.attachment_get(actor=request.user, attachment_id=attachment_id)
    return download(row)


# --- publishing ---------------------------------------------------------------------------------


@router.post("", response={201: NoticeDetailOut}, summary="Publish a notice (now or scheduled)")
def notice_publish(request, payload: NoticeIn):
    """To the residents and/or staff of an area subtree where you hold ``notice.publish``.
    Attach files afterwards with ``POST {id}/attachments``."""
    notice = _act(actions.notice_publish, actor=request.user, **payload.dict())
    return Status(201, _reloaded(request, notice.pk))


@router.put("{int:notice_id}", response=NoticeDetailOut, summary="Change or correct a notice")
def notice_update(request, notice_id: NoticeId, payload: NoticeUpdateIn):
    """Before it is published anything may change; after, only the title and text, how long
    it is shown, pinning and files (409 otherwise). Members left out stay as they are."""
    changes = payload.dict(exclude_unset=True)
    for name in ("title", "body", "audience", "area_code", "publish_at", "pinned"):
        if name in changes and changes[name] is None:
            del changes[name]
    if changes.get("tags") is None:
        changes.pop("tags", None)
    if changes.get("roles") is None:
        changes.pop("roles", None)
    _act(actions.notice_update, actor=request.user, notice_id=notice_id, **changes)
    return _reloaded(request, notice_id)


@router.post(
    "{int:notice_id}/attachments",
    response={201: list[AttachmentOut]},
    summary="Attach files to a notice (PDF, Word, Excel, JPEG, PNG)",
)
def notice_attach(request, notice_id: NoticeId, files: File[list[UploadedFile]]):
    """At most five files a notice, each at most 10 MB, judged by their content."""
    rows = _act(
        actions.notice_attachments_add,
        renamed={"attachments": "files"},
        actor=request.user,
        notice_id=notice_id,
        attachments=files,
    )
    return Status(201, [_attachment(row) for row in rows])


@router.post("{int:notice_id}/withdraw", response=NoticeDetailOut, summary="Withdraw a notice")
def notice_withdraw(request, notice_id: NoticeId):
    """Readers no longer see it; publishers keep it with its receipts."""
    actions.notice_withdraw(actor=request.user, notice_id=notice_id)
    return _reloaded(request, notice_id)


@router.get(
    "{int:notice_id}/receipts",
    response=ReceiptsOut,
    summary="Who has read a notice: per community, and the staff who have not yet",
)
def notice_receipts(request, notice_id: NoticeId):
    """Residents reached are those of the subtree (in its groups, if any): with an account
    they can read online, without one they must be told in person."""
    found = queries.notice_receipts(actor=request.user, notice_id=notice_id)
    residents = None
    if found.residents:
        residents = {
            "online": found.online,
            "offline": found.offline,
            "read": found.resident_reads,
            "percent": found.resident_percent,
            "communities": [
                {
                    "code": row.code,
                    "name": row.name,
                    "online": row.online,
                    "offline": row.offline,
                    "read": row.read,
                    "percent": row.percent,
                }
                for row in found.rows
            ],
        }
    staff = None
    if found.staff:
        staff = {
            "reached": found.staff_reached,
            "read": found.staff_reads,
            "unread": found.staff_unread,
            "percent": found.staff_percent,
            "not_read_yet": found.unread_staff,
            "capped": found.unread_capped,
        }
    return {
        "notice_id": found.notice.pk,
        "audience": found.notice.audience,
        "residents": residents,
        "staff": staff,
        "other_reads": found.other_reads,
        "total_reads": found.total_reads,
    }
