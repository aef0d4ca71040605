"""Reading the audit trail: audit administrators only, within their subtree."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .. import scoping
from ..errors import NotFound
from ..models import AuditEvent
from ..roles import Cap


def audit_list(
    *,
    actor,
    action: str = "",
    actor_name: str = "",
    target_type: str = "",
    target_id: str = "",
    area_code: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Events in the actor's subtree. Events with no area (sign-ins, national loads) are seen by
    audit admins whose area covers the account that caused them, or by province-level admins."""
    scoping.require(actor, Cap.AUDIT_VIEW)
    granted = scoping.prefixes(actor, Cap.AUDIT_VIEW)
    q = scoping.prefix_q(granted, "area_code") & ~Q(area_code="")
    from ..models import RoleAssignment

    actors_in_scope = scoping.scope(RoleAssignment.objects.all(), actor, Cap.AUDIT_VIEW).values(
        "user_id"
    )
    q |= Q(area_code="", actor_id__in=actors_in_scope)
    if any(len(p) <= 2 for p in granted):
        q |= Q(area_code="")
    qs = AuditEvent.objects.filter(q)
    if action:
        qs = qs.filter(action__startswith=action)
    if actor_name:
        qs = qs.filter(actor_label=actor_name)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at", "-id")


def audit_get(*, actor, event_id: int) -> AuditEvent:
    event = audit_list(actor=actor).filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("No such audit event."))
    return event
