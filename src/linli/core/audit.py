"""Writing audit events. Every action calls :func:`record` inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import context
from .models import AuditEvent

_ALLOWED_EXTRA_TYPES = (str, int, float, bool, type(None))


def _check_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """Extras are ids, codes, counts and flags: flat scalars or lists of them, nothing personal."""
    for key, value in extra.items():
        values = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, _ALLOWED_EXTRA_TYPES) for v in values):
            raise TypeError(f"audit extra {key!r} must be a scalar or a list of scalars")
    return dict(extra)


def record(
    actor,
    action: str,
    target: models.Model | None = None,
    *,
    area_code: str = "",
    target_type: str = "",
    target_id: str | int = "",
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    ctx = context.current()
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        area_code = area_code or getattr(target, "area_code", "") or ""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=(actor.username if is_user else "system")[:150],  # SYSTEM or a task
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        area_code=area_code,
        request_id=ctx.request_id,
        ip=ctx.ip,
        extra=_check_extra(extra or {}),
    )
