"""Writing audit events. Every action calls :func:`record` inside its transaction.

An event names who (the account, or ``system``/``anonymous``), what (a dotted action such as
``account.create``), on what (target type and id) and where (area code), with the request id
and client address of the request that caused it. ``extra`` holds ids, codes, counts and
flags: flat scalars or lists of them, and never anything that looks like a phone or ID number.
"""

from __future__ import annotations

import math
from typing import Any

from django.db import models

from . import context
from .models import AuditEvent
from .pii import looks_personal
from .scoping import SYSTEM

_ALLOWED_EXTRA_TYPES = (str, int, float, bool, type(None))
_ACTION_MAX = AuditEvent._meta.get_field("action").max_length
_TARGET_TYPE_MAX = AuditEvent._meta.get_field("target_type").max_length
_TARGET_ID_MAX = AuditEvent._meta.get_field("target_id").max_length
_AREA_MAX = AuditEvent._meta.get_field("area_code").max_length


def _check_scalar(key: str, value: Any) -> None:
    if not isinstance(value, _ALLOWED_EXTRA_TYPES):
        raise TypeError(f"audit extra {key!r} must be a scalar or a list of scalars")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"audit extra {key!r} must be a finite number")
    if isinstance(value, str) and looks_personal(value):
        raise ValueError(f"audit extra {key!r} looks like personal data; record ids instead")


def _check_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """Extras are ids, codes, counts and flags: flat scalars or lists of them, nothing personal."""
    if not isinstance(extra, dict):
        raise TypeError("audit extra must be a dict")
    clean: dict[str, Any] = {}
    for key, value in extra.items():
        if not isinstance(key, str) or not key:
            raise TypeError("audit extra keys must be non-empty strings")
        if isinstance(value, list | tuple):
            for item in value:
                _check_scalar(key, item)
            clean[key] = list(value)
        else:
            _check_scalar(key, value)
            clean[key] = value
    return clean


def actor_label(actor) -> str:
    """How an actor is named in the trail: the username, ``system`` or ``anonymous``."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor.username[:150]
    return "system" if actor is SYSTEM else "anonymous"


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
    """Append one event. The caller holds the transaction, so the event commits with the write."""
    if not action or len(action) > _ACTION_MAX:
        raise ValueError(f"audit action must be 1 to {_ACTION_MAX} characters")
    ctx = context.current()
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id if target_id not in ("", None) else target.pk
        area_code = area_code or getattr(target, "area_code", "") or ""
    target_id = "" if target_id is None else str(target_id)
    if len(target_type) > _TARGET_TYPE_MAX or len(target_id) > _TARGET_ID_MAX:
        raise ValueError("audit target type or id is too long")
    if len(area_code) > _AREA_MAX or (area_code and not area_code.isdigit()):
        raise ValueError("audit area code must be digits only")
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=actor_label(actor),
        action=action,
        target_type=target_type,
        target_id=target_id,
        area_code=area_code,
        request_id=ctx.request_id,
        ip=ctx.ip,
        extra=_check_extra(extra or {}),
    )
