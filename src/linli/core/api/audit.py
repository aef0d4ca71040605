"""Core API: the audit trail."""

from __future__ import annotations

import datetime as dt

from ninja import Router
from ninja.pagination import paginate

from .. import queries
from ..pagination import Page
from ..schemas import (
    AuditOut,
)

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
        since=since,
        until=until,
    )
