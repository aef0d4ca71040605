"""Reading the audit trail: audit administrators only, within their subtree.

Date filters are whole days in the site's time zone (Asia/Shanghai by default), turned into a
half-open range on ``at`` so that the index on ``at`` serves them. Exports are written from
``values_list(...).iterator()``: rows stream from the database, never all in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import scoping
from ..errors import ActionError, NotFound
from ..models import Area, AuditEvent, RoleAssignment
from ..pii import looks_personal, mask_id_number, mask_phone
from ..roles import Cap

FILTER_MAX_LENGTH = 150
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class AuditFilters:
    """The filters of the audit list, as the page form and the API take them."""

    action: str = ""
    actor_name: str = ""
    target_type: str = ""
    target_id: str = ""
    area_code: str = ""
    request_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    def cleaned(self) -> AuditFilters:
        """Trimmed values; ActionError (with per-field errors) when a value cannot be a filter."""
        values = {
            name: (value.strip() if isinstance(value, str) else value)
            for name, value in asdict(self).items()
        }
        errors: dict[str, list[str]] = {}
        for name, value in values.items():
            if isinstance(value, str) and len(value) > FILTER_MAX_LENGTH:
                errors[name] = [_("At most %(n)d characters.") % {"n": FILTER_MAX_LENGTH}]
            elif isinstance(value, str) and any(ord(c) < 32 for c in value):
                errors[name] = [_("Remove the control characters.")]
        code = values["area_code"]
        if code and (not code.isdigit() or not code.isascii() or len(code) > 15):
            errors["area_code"] = [_("An area code prefix has up to 15 digits.")]
        if values["since"] and values["until"] and values["since"] > values["until"]:
            errors["until"] = [_("The end date is before the start date.")]
        if errors:
            raise ActionError(_("Please correct the filters marked."), errors=errors)
        return AuditFilters(**values)

    def as_extra(self) -> dict[str, str]:
        """The non-empty filters for an audit extra; anything personal-looking is masked."""
        extra: dict[str, str] = {}
        for name, value in asdict(self).items():
            if value in ("", None):
                continue
            text = value.isoformat() if isinstance(value, dt.date) else str(value)
            if looks_personal(text):
                text = mask_phone(text) if len(text) <= 14 else mask_id_number(text)
            extra[f"filter_{name}"] = text
        return extra


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone()
    )


def _scope_q(actor, cap: str) -> Q:
    """Events under the actor's areas; events with no area when their actor works there.

    Events with neither an area nor an account (system jobs, anonymous sign-up steps) are seen
    by audit admins of a whole province.
    """
    granted = scoping.prefixes(actor, cap)
    if "" in granted:
        return Q()
    q = scoping.prefix_q(granted, "area_code") & ~Q(area_code="")
    actors_in_scope = RoleAssignment.objects.filter(scoping.prefix_q(granted, "area_code")).values(
        "user_id"
    )
    q |= Q(area_code="", actor_id__in=actors_in_scope)
    if any(len(p) <= 2 for p in granted):
        q |= Q(area_code="")
    return q


def audit_events(*, actor, filters: AuditFilters, cap: str = Cap.AUDIT_VIEW) -> QuerySet:
    """Events the actor may read under ``cap``, filtered, newest first."""
    scoping.require(actor, cap)
    f = filters.cleaned()
    qs = AuditEvent.objects.filter(_scope_q(actor, cap))
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.actor_name:
        qs = qs.filter(actor_label=f.actor_name)
    if f.target_type:
        qs = qs.filter(target_type=f.target_type)
    if f.target_id:
        qs = qs.filter(target_id=f.target_id)
    if f.area_code:
        qs = qs.filter(area_code__startswith=f.area_code)
    if f.request_id:
        qs = qs.filter(request_id=f.request_id)
    if f.since:
        qs = qs.filter(at__gte=_day_start(f.since))
    if f.until:
        qs = qs.filter(at__lt=_day_start(f.until + dt.timedelta(days=1)))
    return qs.order_by("-at", "-id")


def audit_list(
    *,
    actor,
    action: str = "",
    actor_name: str = "",
    target_type: str = "",
    target_id: str = "",
    area_code: str = "",
    request_id: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Events in the actor's subtree (capability audit.view), newest first."""
    return audit_events(
        actor=actor,
        filters=AuditFilters(
            action=action,
            actor_name=actor_name,
            target_type=target_type,
            target_id=target_id,
            area_code=area_code,
            request_id=request_id,
            since=since,
            until=until,
        ),
    )


def audit_get(*, actor, event_id: int) -> AuditEvent:
    scoping.require(actor, Cap.AUDIT_VIEW)
    event = AuditEvent.objects.filter(_scope_q(actor, Cap.AUDIT_VIEW), pk=event_id).first()
    if event is None:
        raise NotFound(_("No such audit event."))
    return event


def audit_area_names(*, actor, events) -> dict[str, str]:
    """Names of the areas a page of events belongs to, in one query."""
    codes = {event.area_code for event in events if event.area_code}
    if not codes or not scoping.has_cap(actor, Cap.AUDIT_VIEW):
        return {}
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


# --- export rows ------------------------------------------------------------------------------

_EXPORT_FIELDS = (
    "id",
    "at",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "area_code",
    "request_id",
    "ip",
    "extra",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_header() -> list[str]:
    return [
        _("Event"),
        _("Time"),
        _("Actor"),
        _("Action"),
        _("Target type"),
        _("Target id"),
        _("Area code"),
        _("Request id"),
        _("IP address"),
        _("Details"),
    ]


def _cell(value) -> str:
    """Text for a spreadsheet cell; a leading formula character is defused with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_rows(events: QuerySet[AuditEvent]) -> Iterator[list[str]]:
    """The events as rows of text (time in the site's time zone), streamed in chunks."""
    zone = timezone.get_current_timezone()
    for row in events.values_list(*_EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK):
        pk, at, actor, action, target_type, target_id, area, request_id, ip, extra = row
        yield [
            str(pk),
            timezone.localtime(at, zone).strftime("%Y-%m-%d %H:%M:%S"),
            _cell(actor),
            _cell(action),
            _cell(target_type),
            _cell(target_id),
            _cell(area),
            _cell(request_id),
            _cell(ip),
            _cell(json.dumps(extra or {}, ensure_ascii=False, sort_keys=True)),
        ]


def csv_chunks(events: QuerySet[AuditEvent]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so spreadsheet programs read Chinese), line by line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate(0)
        return data

    writer.writerow(export_header())
    yield b"\xef\xbb\xbf" + flush()
    pending = 0
    for row in export_rows(events):
        writer.writerow(row)
        pending += 1
        if pending >= 200:
            yield flush()
            pending = 0
    if pending:
        yield flush()


def xlsx_bytes(events: QuerySet[AuditEvent], *, sheet_title: str = "") -> bytes:
    """An .xlsx workbook of the events, written in openpyxl's streaming (write-only) mode."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=(sheet_title or _("Audit log"))[:31])
    sheet.append(export_header())
    for row in export_rows(events):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
