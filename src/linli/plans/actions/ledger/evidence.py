"""The evidence files of a report: attach, take off and download (each audited)."""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError
from linli.core.roles import Cap
from linli.notices.files import clean_name, discard, sniff

from ...models import Evidence
from ...queries import ledger as q
from ._common import _editable, _in_force, _report, _user

__all__ = [
    "EVIDENCE_MAX_BYTES",
    "EVIDENCE_MAX_COUNT",
    "evidence_add",
    "evidence_download",
    "evidence_remove",
]

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAX_COUNT = 10


def _read(upload) -> bytes:
    if not upload:
        raise ActionError(_("Choose a file."), field="file")
    size = getattr(upload, "size", None)
    too_big = ActionError(
        _("A file may be at most %(mb)d MB.") % {"mb": EVIDENCE_MAX_BYTES // 1024 // 1024},
        field="file",
    )
    if size is not None and size > EVIDENCE_MAX_BYTES:
        raise too_big
    try:
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(EVIDENCE_MAX_BYTES + 1)
    except (OSError, ValueError):
        raise ActionError(_("This file could not be read."), field="file") from None
    if isinstance(data, str):
        data = data.encode()
    if len(data) > EVIDENCE_MAX_BYTES:
        raise too_big
    if not data:
        raise ActionError(_("This file is empty."), field="file")
    return data


def evidence_add(*, actor, report_id, file) -> Evidence:
    """Attach a file to a draft or returned report: PDF, JPEG, PNG, Word (.docx) or Excel
    (.xlsx) judged by its content, at most 10 MB, at most 10 files a report."""
    found = q.report_lookup(actor=actor, report_id=report_id)
    scoping.require(actor, Cap.PLAN_REPORT, found.area_code)
    data = _read(file)
    content_type = sniff(data)
    if content_type is None:
        raise ActionError(
            _("This file cannot be attached: use PDF, Word (.docx), Excel (.xlsx), JPEG or PNG."),
            field="file",
        )
    name = clean_name(getattr(file, "name", ""), content_type)
    saved: list[str] = []
    try:
        with transaction.atomic():
            report = _report(actor, found.pk, cap=Cap.PLAN_REPORT)
            _in_force(report.task.plan)
            _editable(report)
            if report.evidence.count() >= EVIDENCE_MAX_COUNT:
                raise ActionError(
                    _("A report may have at most %(count)d files.") % {"count": EVIDENCE_MAX_COUNT},
                    field="file",
                )
            stored = default_storage.save(
                f"plans/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}", ContentFile(data)
            )
            saved.append(stored)
            row = Evidence(
                report=report,
                name=name,
                content_type=content_type,
                size=len(data),
                uploaded_by=_user(actor),
                uploaded_at=q.now(),
            )
            row.file.name = stored
            row.save()
            report.updated_at = q.now()
            report.save(update_fields=["updated_at"])
            audit.record(
                actor, "plans.evidence.add", report, extra={"evidence": row.pk, "size": len(data)}
            )
    except BaseException:
        discard(saved)
        raise
    return row


def evidence_remove(*, actor, evidence_id) -> None:
    """Take a file off a draft or returned report."""
    row = q.evidence_get(actor=actor, evidence_id=evidence_id)
    scoping.require(actor, Cap.PLAN_REPORT, row.report.area_code)
    with transaction.atomic():
        report = _report(actor, row.report_id, cap=Cap.PLAN_REPORT)
        _in_force(report.task.plan)
        _editable(report)
        name = row.file.name
        Evidence.objects.filter(pk=row.pk).delete()
        report.updated_at = q.now()
        report.save(update_fields=["updated_at"])
        audit.record(actor, "plans.evidence.remove", report, extra={"evidence": row.pk})
        if name:
            transaction.on_commit(lambda: discard([name]))


def evidence_download(*, actor, evidence_id) -> Evidence:
    """A file of a report the actor sees, its download written in the audit trail."""
    row = q.evidence_get(actor=actor, evidence_id=evidence_id)
    with transaction.atomic():
        audit.record(
            actor,
            "plans.evidence.download",
            row,
            area_code=row.report.area_code,
            extra={"report": row.report_id},
        )
    return row
