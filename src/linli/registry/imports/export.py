"""Exports of the filtered resident list, masked unless the exporter may reveal, audited."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError, Forbidden
from linli.core.roles import Cap

from .. import queries
from ..models import (
    Resident,
)
from .columns import (
    ETHNICITY_NAMES,
    EXPORT_EXTRA,
    LABELS,
    LANGUAGE_WORDS,
    RELATIONSHIP_WORDS,
    RESIDENCE_WORDS,
    SEX_WORDS,
    STATUS_WORDS,
)
from .files import XLSX, write_xlsx

# --- export -----------------------------------------------------------------------------------

EXPORT_FORMATS = ("xlsx", "csv")
EXPORT_XLSX_MAX = 200_000


@dataclass
class Export:
    filename: str
    content_type: str
    rows: int
    masked: bool
    chunks: Iterator[bytes]


def _export_header() -> list[str]:
    return [*LABELS.values(), *(label for _key, label in EXPORT_EXTRA)]


def _export_rows(actor, qs, masked: bool) -> Iterator[list[str]]:
    qs = qs.select_related("household__building")
    batch: list[Resident] = []

    def emit(batch):
        tags = queries.tags_by_resident(actor=actor, resident_ids=[r.pk for r in batch])
        for resident in batch:
            household = resident.household
            building = household.building if household else None
            yield [
                household.community_id if household else "",
                building.name if building else "",
                household.unit if household else "",
                household.room if household else "",
                household.address if household else "",
                RESIDENCE_WORDS.get(household.residence_type, "") if household else "",
                resident.name,
                queries.masked_id(resident) if masked else (resident.id_number or ""),
                queries.masked_phone(resident) if masked else (resident.phone or ""),
                ETHNICITY_NAMES.get(resident.ethnicity, ""),
                LANGUAGE_WORDS.get(resident.language, ""),
                RELATIONSHIP_WORDS.get(resident.relationship, ""),
                resident.moved_in_on.isoformat() if resident.moved_in_on else "",
                "、".join(
                    t.tag.name + (f":{t.grade}" if t.grade else "")
                    for t in tags.get(resident.pk, [])
                ),
                SEX_WORDS.get(resident.sex, ""),
                resident.birth_date.isoformat() if resident.birth_date else "",
                STATUS_WORDS.get(resident.status, ""),
            ]

    for resident in qs.iterator(chunk_size=2000):
        batch.append(resident)
        if len(batch) >= 2000:
            yield from emit(batch)
            batch = []
    if batch:
        yield from emit(batch)


def _csv_chunks(actor, qs, masked: bool) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(_export_header())
    for count, values in enumerate(_export_rows(actor, qs, masked), start=1):
        writer.writerow(values)
        if count % 1000 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_chunks(actor, qs, masked: bool) -> Iterator[bytes]:
    rows = ((values, 0) for values in _export_rows(actor, qs, masked))
    with tempfile.TemporaryFile() as out:
        write_xlsx(out, "居民", _export_header(), rows)
        out.seek(0)
        while chunk := out.read(1 << 20):
            yield chunk


def registry_export(
    *,
    actor,
    filters: queries.ResidentFilters | None = None,
    fmt: str = "xlsx",
    masked: bool = False,
) -> Export:
    """Residents of the actor's filtered list in the import's columns, audited.

    ID numbers and phones are in full only if the actor may reveal personal data over every
    row of the list (and did not ask for them masked)."""
    if not scoping.has_cap(actor, Cap.REGISTRY_VIEW):
        raise Forbidden(_("You do not have permission to do this here."))
    if fmt not in EXPORT_FORMATS:
        raise ActionError(_("Choose .xlsx or .csv."), field="format")
    filters = (filters or queries.ResidentFilters()).cleaned()
    qs = queries.resident_list(actor=actor, filters=filters)
    total = qs.count()
    if fmt == "xlsx" and total > EXPORT_XLSX_MAX:
        raise ActionError(
            _("More than %(n)d rows: export them as .csv, or narrow the list.")
            % {"n": EXPORT_XLSX_MAX},
            field="format",
        )
    reveal = scoping.prefixes(actor, Cap.PII_REVEAL)
    if not masked:
        masked = not reveal or qs.exclude(scoping.prefix_q(reveal)).exists()
    audit.record(
        actor,
        "registry.export",
        target_type="registry.resident",
        area_code=_prefix_code(filters.area),
        extra={
            "rows": total,
            "format": fmt,
            "masked": masked,
            "search": bool(filters.q),
            "tag": filters.tag,
            "age_band": filters.age_band,
            "area": filters.area,
            "status": filters.status,
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    chunks = _xlsx_chunks(actor, qs, masked) if fmt == "xlsx" else _csv_chunks(actor, qs, masked)
    return Export(
        filename=f"linli-residents-{stamp}.{fmt}",
        content_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8",
        rows=total,
        masked=masked,
        chunks=chunks,
    )


def _prefix_code(area: str) -> str:
    if area and area.isdigit() and len(area) in (12, 15):
        return area
    return ""
