"""Exporting the filtered worker roster as .xlsx, in the import's columns (so an export can be
corrected and imported again), audited.

ID numbers and phones are in full only for an exporter who may reveal personal data
(``pii.reveal``) over every row of the list; otherwise they are masked, and an import of the
masked file keeps the numbers on record.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError, Forbidden
from linli.core.roles import Cap
from linli.registry.imports import XLSX, write_xlsx

from .. import queries
from ..models import Worker
from .spreadsheet import (
    CERTIFICATE_NAMES,
    COLUMNS,
    EDUCATION_NAMES,
    GENDER_NAMES,
    NO,
    POST_NAMES,
    ROLE_NAMES,
    YES,
    word_for,
)

EXPORT_MAX = 100_000
EXTRA_COLUMNS = ["状态", "离职原因"]


@dataclass
class Export:
    filename: str
    content_type: str
    rows: int
    masked: bool
    chunks: Iterator[bytes]


def _yes_no(value: bool) -> str:
    return YES if value else NO


def _row(worker: Worker, masked: bool) -> list:
    certificate = queries.highest_certificate(worker)
    return [
        worker.name,
        queries.masked_id(worker) if masked else (worker.id_number or ""),
        queries.masked_phone(worker) if masked else (worker.phone or ""),
        word_for(GENDER_NAMES, worker.gender),
        worker.birth_date.isoformat() if worker.birth_date else "",
        worker.area_code,
        worker.community.name,
        word_for(POST_NAMES, worker.post),
        word_for(ROLE_NAMES, worker.committee_role),
        worker.level.name if worker.level else "",
        _yes_no(worker.party_member),
        word_for(EDUCATION_NAMES, worker.education),
        _yes_no(worker.social_work_major),
        worker.hired_on.isoformat(),
        worker.left_on.isoformat() if worker.left_on else "",
        word_for(CERTIFICATE_NAMES, certificate.level) if certificate else "",
        certificate.number if certificate else "",
        certificate.obtained_on.isoformat() if certificate else "",
        "在职" if worker.left_on is None else "离职",
        worker.leave_reason,
    ]


def _chunks(qs, masked: bool) -> Iterator[bytes]:
    header = [c.label for c in COLUMNS] + EXTRA_COLUMNS
    rows = ((_row(worker, masked), 0) for worker in qs.iterator(chunk_size=1000))
    with tempfile.TemporaryFile() as out:
        write_xlsx(out, "社区工作者", header, rows)
        out.seek(0)
        while chunk := out.read(1 << 20):
            yield chunk


def workers_export(*, actor, filters: queries.WorkerFilters | None = None) -> Export:
    """The actor's filtered roster as .xlsx (at most 100,000 rows), masked unless they may
    reveal personal data over every row; the export is an audit event (``worker.export``)."""
    if not scoping.has_cap(actor, Cap.WORKFORCE_VIEW):
        raise Forbidden(_("You do not have permission to do this here."))
    filters = (filters or queries.WorkerFilters()).cleaned()
    qs = queries.worker_list(actor=actor, filters=filters)
    total = qs.count()
    if total > EXPORT_MAX:
        raise ActionError(
            _("More than %(n)d rows: narrow the list first.") % {"n": EXPORT_MAX}, field="area"
        )
    reveal = scoping.prefixes(actor, Cap.PII_REVEAL)
    masked = not reveal or qs.exclude(scoping.prefix_q(reveal)).exists()
    with transaction.atomic():
        audit.record(
            actor,
            "worker.export",
            target_type=Worker._meta.label_lower,
            area_code=filters.area.ljust(12, "0") if filters.area else "",
            extra={
                "rows": total,
                "masked": masked,
                "search": bool(filters.q),
                "area": filters.area,
                "post": filters.post,
                "committee_role": filters.committee_role,
                "party_member": filters.party_member,
                "education": filters.education,
                "certified": filters.certified,
                "status": filters.status,
            },
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return Export(
        filename=f"linli-workers-{stamp}.xlsx",
        content_type=XLSX,
        rows=total,
        masked=masked,
        chunks=_chunks(qs, masked),
    )


__all__ = ["EXPORT_MAX", "Export", "workers_export"]
