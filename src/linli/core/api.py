"""Core API: health, the current user, areas, accounts and roles, audit events, tokens."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from ninja import File, Query, Router, UploadedFile
from ninja.pagination import paginate

import linli

from . import actions, queries, scoping, tabular
from .areacodes import Level
from .models import Area, RoleAssignment
from .pagination import Page
from .roles import ASSIGNABLE_LEVELS, MATRIX, Role, capabilities
from .schemas import (
    AreaDetailOut,
    AreaOut,
    AssignmentIn,
    AssignmentOut,
    AuditOut,
    FigureIn,
    FigureOut,
    HealthOut,
    ImportOut,
    MeOut,
    MessageOut,
    OtpIn,
    PreferencesIn,
    RegisterIn,
    RoleOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)

router = Router()


def area_out(area: Area) -> dict:
    return {
        "code": area.code, "name": area.name, "level": area.level,
        "level_label": str(Level(area.level).label), "parent_code": area.parent_id,
        "prefix": area.prefix, "urban_rural": area.urban_rural, "is_demo": area.is_demo,
    }


@router.get("health", auth=None, response=HealthOut, tags=["system"], summary="Liveness and database check")
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "database": connection.vendor, "version": linli.__version__, "time": timezone.now()}


@router.get("me", response=MeOut, tags=["accounts"], summary="The signed-in account, its roles and capabilities")
def me(request):
    user = request.user
    assignments = RoleAssignment.objects.filter(user=user).select_related("area")
    caps = sorted({c for a in assignments for c in capabilities(a.role)})
    from .pii import mask_phone

    return {"id": user.pk, "username": user.username, "full_name": user.full_name,
            "phone_masked": mask_phone(user.phone), "language": user.language,
            "elderly_mode": user.elderly_mode, "roles": list(assignments), "capabilities": caps}


@router.patch("me/preferences", response=MessageOut, tags=["accounts"], summary="Language and elderly mode")
def me_preferences(request, payload: PreferencesIn):
    actions.preferences_update(actor=request.user, language=payload.language, elderly_mode=payload.elderly_mode)
    return {"detail": "ok"}


@router.get("roles", response=list[RoleOut], tags=["accounts"], summary="The fixed role → capability matrix")
def roles(request):
    return [{"role": r.value, "label": str(r.label), "capabilities": sorted(MATRIX[r]),
             "assignable_levels": sorted(int(x) for x in ASSIGNABLE_LEVELS[r])} for r in Role]


# --- areas ------------------------------------------------------------------------------


@router.get("areas", response=list[AreaOut], tags=["areas"], summary="Areas visible to you")
@paginate(Page)
def area_list(request, q: str = "", level: int | None = None, under: str | None = None):
    return queries.area_list(actor=request.user, search=q, level=level, under=under)


@router.get("areas/{code}", response=AreaDetailOut, tags=["areas"], summary="One area with its path and figures")
def area_get(request, code: str):
    area = queries.area_get(actor=request.user, code=code)
    figures = queries.figure_latest(actor=request.user, area=area)
    return {**area_out(area), "ancestors": queries.area_ancestors(actor=request.user, area=area),
            "figures": [{"kind": f.kind, "value": f.value, "as_of": f.as_of, "source": f.source} for f in figures.values()]}


@router.get("areas/{code}/children", response=list[AreaOut], tags=["areas"], summary="Direct children of an area")
@paginate(Page)
def area_children(request, code: str):
    return queries.area_children(actor=request.user, code=code)


@router.post("areas/{code}/figures", response={201: FigureOut}, tags=["areas"], summary="Record a reported figure")
def figure_record(request, code: str, payload: FigureIn):
    figure = actions.figure_record(actor=request.user, area_code=code, kind=payload.kind, value=payload.value,
                                   as_of=payload.as_of, source=payload.source)
    return 201, {"kind": figure.kind, "value": figure.value, "as_of": figure.as_of, "source": figure.source}


@router.post("areas/import", response={200: ImportOut, 422: ImportOut}, tags=["areas"],
             summary="Import towns, communities and grids from .xlsx or .csv (all rows or none)")
def area_import(request, file: File[UploadedFile], dry_run: bool = False):
    rows = tabular.read_rows(file.name or "", file.read(), actions.areas.IMPORT_COLUMNS)
    result = actions.area_import(actor=request.user, rows=rows, dry_run=dry_run)
    body = {"ok": result.ok, "dry_run": dry_run, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "figures": result.figures, "errors": result.errors}
    return (200 if result.ok else 422), body


@router.get("areas-import-template.xlsx", tags=["areas"], auth=None, summary="The import template")
def area_import_template(request):
    data = tabular.template_xlsx("areas", actions.areas.IMPORT_COLUMNS)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="linli-areas-template.xlsx"'
    return response


# --- accounts and roles -------------------------------------------------------------------


@router.get("users", response=list[UserOut], tags=["accounts"], summary="Accounts in the areas you manage")
@paginate(Page)
def user_list(request, q: str = "", role: str = "", area_code: str = ""):
    scoping.require(request.user, "account.manage")
    return queries.user_list(actor=request.user, search=q, role=role, area_code=area_code)


@router.post("users", response={201: UserOut}, tags=["accounts"], summary="Create an account with its first role")
def user_create(request, payload: UserIn):
    user = actions.user_create(actor=request.user, **payload.dict())
    return 201, queries.user_get(actor=request.user, user_id=user.pk)


@router.post("role-assignments", response={201: AssignmentOut}, tags=["accounts"], summary="Assign a role")
def role_assign(request, payload: AssignmentIn):
    a = actions.role_assign(actor=request.user, user_id=payload.user_id, role=payload.role, area_code=payload.area_code)
    return 201, a


@router.delete("role-assignments/{assignment_id}", response={204: None}, tags=["accounts"], summary="Revoke a role")
def role_revoke(request, assignment_id: int):
    actions.role_revoke(actor=request.user, assignment_id=assignment_id)
    return 204, None


@router.post("auth/otp", auth=None, response={202: MessageOut}, tags=["accounts"],
             summary="Send a one-time registration code by SMS")
def otp_send(request, payload: OtpIn):
    actions.otp_send(phone=payload.phone)
    return 202, {"detail": "sent"}


@router.post("auth/register", auth=None, response={201: MeOut}, tags=["accounts"],
             summary="Register as a resident with phone and one-time code")
def register(request, payload: RegisterIn):
    user = actions.resident_register(**payload.dict())
    request.user = user
    return 201, me(request)


@router.get("tokens", response=list[TokenOut], tags=["accounts"], summary="Your API tokens")
def token_list(request):
    return queries.token_list(actor=request.user)


@router.post("tokens", response={201: TokenCreatedOut}, tags=["accounts"], summary="Create an API token")
def token_create(request, payload: TokenIn):
    token, plain = actions.token_create(actor=request.user, name=payload.name, days=payload.days)
    token.token = plain
    return 201, token


@router.delete("tokens/{token_id}", response={204: None}, tags=["accounts"], summary="Revoke an API token")
def token_revoke(request, token_id: int):
    actions.token_revoke(actor=request.user, token_id=token_id)
    return 204, None


# --- audit -------------------------------------------------------------------------------------


@router.get("audit-events", response=list[AuditOut], tags=["audit"], summary="The audit trail (audit admins)")
@paginate(Page)
def audit_list(request, action: str = "", actor: str = "", target_type: str = "", target_id: str = "",
               area_code: str = "", since: dt.date | None = None, until: dt.date | None = None):
    return queries.audit_list(
        actor=request.user, action=action, actor_name=actor, target_type=target_type, target_id=target_id,
        area_code=area_code, since=since, until=until)
