"""Exporting service records as .xlsx in the field order of the national rules
(《志愿服务记录与证明出具办法》): 志愿者姓名, 身份证号, 活动名称, 服务日期, 服务地点, 服务对象,
服务内容, 服务时长, 服务质量, 活动负责人, 记录人, 记录时间, 记录类型, 更正原因.

The list is the actor's filtered record list (the reading rules of
:mod:`linli.volunteers.queries.records.seen`). ID numbers are masked unless the exporter may
reveal personal data (``pii.reveal``) over the home community of every volunteer in it; each
export is an audit event (``service_record.export``) with the filters and the number of rows.
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
from linli.core.pii import mask_id_number
from linli.core.roles import Cap
from linli.registry.imports import XLSX, write_xlsx

from ...models import ServiceRecord
from ...queries import records as q
from .hours import hours_text

EXPORT_MAX = 100_000
HEADER = [
    "志愿者姓名",
    "身份证号",
    "活动名称",
    "服务日期",
    "服务地点",
    "服务对象",
    "服务内容",
    "服务时长",
    "服务质量",
    "活动负责人",
    "记录人",
    "记录时间",
    "记录类型",
    "更正原因",
]
QUALITY_WORDS = {"excellent": "优秀", "good": "良好", "fair": "一般", "poor": "较差"}
KIND_WORDS = {"service": "服务", "correction": "更正"}


@dataclass
class Export:
    filename: str
    content_type: str
    rows: int
    masked: bool
    chunks: Iterator[bytes]


def row_values(record: ServiceRecord, masked: bool) -> list:
    """One record as the export's row (the national field order)."""
    id_number = record.volunteer.id_number or ""
    return [
        record.volunteer.name,
        mask_id_number(id_number) if masked else id_number,
        record.activity_name,
        record.served_on.isoformat(),
        record.place,
        record.beneficiaries,
        record.content,
        hours_text(record.hours),
        QUALITY_WORDS.get(record.quality, ""),
        record.leader_name,
        record.recorder_name,
        timezone.localtime(record.recorded_at).strftime("%Y-%m-%d %H:%M"),
        KIND_WORDS.get(record.kind, record.kind),
        record.reason,
    ]


def _chunks(qs, masked: bool) -> Iterator[bytes]:
    rows = ((row_values(record, masked), 0) for record in qs.iterator(chunk_size=1000))
    with tempfile.TemporaryFile() as out:
        write_xlsx(out, "志愿服务记录", HEADER, rows)
        out.seek(0)
        while chunk := out.read(1 << 20):
            yield chunk


def records_export(*, actor, filters: q.RecordFilters | None = None) -> Export:
    """The actor's filtered service records as .xlsx (at most 100,000 rows), ID numbers masked
    unless they may reveal personal data over every volunteer in it; audited."""
    if not scoping.has_cap(actor, Cap.VOLUNTEER_VIEW):
        raise Forbidden(_("You do not have permission to do this here."))
    filters = (filters or q.RecordFilters()).cleaned()
    listed = q.record_list(actor=actor, filters=filters)
    total = listed.count()
    if total > EXPORT_MAX:
        raise ActionError(
            _("More than %(n)d rows: narrow the list first.") % {"n": EXPORT_MAX},
            field="date_from",
        )
    reveal = scoping.prefixes(actor, Cap.PII_REVEAL)
    masked = not reveal or listed.exclude(scoping.prefix_q(reveal, "volunteer__area_code")).exists()
    with transaction.atomic():
        audit.record(
            actor,
            "service_record.export",
            target_type=ServiceRecord._meta.label_lower,
            extra={
                "rows": total,
                "masked": masked,
                "date_from": filters.date_from,
                "date_to": filters.date_to,
                "organisation": filters.organisation,
                "activity": filters.activity,
                "volunteer": filters.volunteer,
                "kind": filters.kind,
            },
        )
    rows = q.record_export_list(actor=actor, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return Export(
        filename=f"linli-volunteer-records-{stamp}.xlsx",
        content_type=XLSX,
        rows=total,
        masked=masked,
        chunks=_chunks(rows, masked),
    )


__all__ = ["EXPORT_MAX", "HEADER", "Export", "records_export", "row_values"]
