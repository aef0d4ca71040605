"""Core API: the audit trail (audit administrators, within their areas)."""

import datetime as dt

from django.http import StreamingHttpResponse
from django.utils import timezone
from ninja import Router
from ninja.pagination import paginate

from .. import queries
from ..actions.personal import audit_export
from ..pagination import Page
from ..queries.auditlog import AuditFilters, csv_chunks
from ..schemas import AuditOut

router = Router()


@router.get(
    "audit-events",
    response=list[AuditOut],
    tags=["audit"],
    summary="The audit trail (audit admins)",
)
@paginate(Page)
def audit_list(
    request,
    action: str = "",
    actor: str = "",
    target_type: str = "",
    target_id: str = "",
    area_code: str = "",
    request_id: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
):
    return queries.audit_list(
        actor=request.user,
        action=action,
        actor_name=actor,
        target_type=target_type,
        target_id=target_id,
        area_code=area_code,
        request_id=request_id,
        since=since,
        until=until,
    )


@router.get(
    "audit-events/export.csv",
    tags=["audit"],
    summary="The filtered audit trail as CSV (audit admins with audit.export; audited)",
    description=(
        "Takes the same filters as the list. Streams every matching row as UTF-8 CSV with a "
        "byte-order mark; times are in the site's time zone. The export is itself recorded as "
        "an `audit.export` event."
    ),
)
def audit_export_csv(
    request,
    action: str = "",
    actor: str = "",
    target_type: str = "",
    target_id: str = "",
    area_code: str = "",
    request_id: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
):
    export = audit_export(
        actor=request.user,
        fmt="csv",
        filters=AuditFilters(
            action=action,
            actor_name=actor,
            target_type=target_type,
            target_id=target_id,
            area_code=area_code,
            request_id=request_id,
            since=since,
            until=until,
        ),
    )
    response = StreamingHttpResponse(
        csv_chunks(export.events), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    response["X-Export-Rows"] = str(export.rows)
    return response


@router.get(
    "audit-events/{int:event_id}",
    response=AuditOut,
    tags=["audit"],
    summary="One audit event (audit admins)",
)
def audit_get(request, event_id: int):
    return queries.audit_get(actor=request.user, event_id=event_id)
