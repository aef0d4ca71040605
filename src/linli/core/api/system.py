"""Core API: health, the signed-in account, the role matrix."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone
from ninja import Router

import linli

from .. import actions
from ..models import RoleAssignment
from ..roles import ASSIGNABLE_LEVELS, MATRIX, Role, capabilities
from ..schemas import (
    HealthOut,
    MeOut,
    MessageOut,
    PreferencesIn,
    RoleOut,
)

router = Router()


@router.get(
    "health", auth=None, response=HealthOut, tags=["system"], summary="Liveness and database check"
)
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {
        "status": "ok",
        "database": connection.vendor,
        "version": linli.__version__,
        "time": timezone.now(),
    }


@router.get(
    "me",
    response=MeOut,
    tags=["accounts"],
    summary="The signed-in account, its roles and capabilities",
)
def me(request):
    user = request.user
    assignments = RoleAssignment.objects.filter(user=user).select_related("area")
    caps = sorted({c for a in assignments for c in capabilities(a.role)})
    from ..pii import mask_phone

    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "phone_masked": mask_phone(user.phone),
        "language": user.language,
        "elderly_mode": user.elderly_mode,
        "roles": list(assignments),
        "capabilities": caps,
    }


@router.patch(
    "me/preferences", response=MessageOut, tags=["accounts"], summary="Language and elderly mode"
)
def me_preferences(request, payload: PreferencesIn):
    actions.preferences_update(
        actor=request.user, language=payload.language, elderly_mode=payload.elderly_mode
    )
    return {"detail": "ok"}


@router.get(
    "roles", response=list[RoleOut], tags=["accounts"], summary="The fixed role → capability matrix"
)
def roles(request):
    return [
        {
            "role": r.value,
            "label": str(r.label),
            "capabilities": sorted(MATRIX[r]),
            "assignable_levels": sorted(int(x) for x in ASSIGNABLE_LEVELS[r]),
        }
        for r in Role
    ]
