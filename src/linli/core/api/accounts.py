"""Core API: accounts, role assignments, registration, API tokens."""

from __future__ import annotations

from ninja import Router
from ninja.pagination import paginate

from .. import actions, queries, scoping
from ..pagination import Page
from ..schemas import (
    AssignmentIn,
    AssignmentOut,
    MeOut,
    MessageOut,
    OtpIn,
    RegisterIn,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from .system import me

router = Router()


@router.get(
    "users", response=list[UserOut], tags=["accounts"], summary="Accounts in the areas you manage"
)
@paginate(Page)
def user_list(request, q: str = "", role: str = "", area_code: str = ""):
    scoping.require(request.user, "account.manage")
    return queries.user_list(actor=request.user, search=q, role=role, area_code=area_code)


@router.post(
    "users",
    response={201: UserOut},
    tags=["accounts"],
    summary="Create an account with its first role",
)
def user_create(request, payload: UserIn):
    user = actions.user_create(actor=request.user, **payload.dict())
    return 201, queries.user_get(actor=request.user, user_id=user.pk)


@router.post(
    "role-assignments", response={201: AssignmentOut}, tags=["accounts"], summary="Assign a role"
)
def role_assign(request, payload: AssignmentIn):
    a = actions.role_assign(
        actor=request.user, user_id=payload.user_id, role=payload.role, area_code=payload.area_code
    )
    return 201, a


@router.delete(
    "role-assignments/{assignment_id}",
    response={204: None},
    tags=["accounts"],
    summary="Revoke a role",
)
def role_revoke(request, assignment_id: int):
    actions.role_revoke(actor=request.user, assignment_id=assignment_id)
    return 204, None


@router.post(
    "auth/otp",
    auth=None,
    response={202: MessageOut},
    tags=["accounts"],
    summary="Send a one-time registration code by SMS",
)
def otp_send(request, payload: OtpIn):
    actions.otp_send(phone=payload.phone)
    return 202, {"detail": "sent"}


@router.post(
    "auth/register",
    auth=None,
    response={201: MeOut},
    tags=["accounts"],
    summary="Register as a resident with phone and one-time code",
)
def register(request, payload: RegisterIn):
    user = actions.resident_register(**payload.dict())
    request.user = user
    return 201, me(request)


@router.get("tokens", response=list[TokenOut], tags=["accounts"], summary="Your API tokens")
def token_list(request):
    return queries.token_list(actor=request.user)


@router.post(
    "tokens", response={201: TokenCreatedOut}, tags=["accounts"], summary="Create an API token"
)
def token_create(request, payload: TokenIn):
    token, plain = actions.token_create(actor=request.user, name=payload.name, days=payload.days)
    token.token = plain
    return 201, token


@router.delete(
    "tokens/{token_id}", response={204: None}, tags=["accounts"], summary="Revoke an API token"
)
def token_revoke(request, token_id: int):
    actions.token_revoke(actor=request.user, token_id=token_id)
    return 204, None
