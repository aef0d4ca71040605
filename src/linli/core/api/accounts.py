"""Core API: accounts, role assignments, registration by SMS code, passwords, API tokens.

Lists are paginated (``?limit=&offset=``); errors are problem+json: 400 bad input (with
``errors`` per field), 401 not signed in, 403 not allowed, 404 outside your areas, 409
conflict, 429 asked too often.
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from .. import actions
from ..actions import accounts as account_actions
from ..pagination import Page
from ..pii import mask_phone
from ..queries import accounts as account_queries
from ..roles import capabilities
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

router = Router()


class AccountOut(UserOut):
    """An account as its security administrator sees it: roles inside their areas only."""

    home_area_code: str | None = Field(None, alias="home_area_id")
    has_outside_roles: bool = Field(
        False, description="The account also holds roles outside your areas (read-only to you)."
    )

    @staticmethod
    def resolve_roles(obj):
        return list(getattr(obj, "scoped_assignments", []))


class PasswordIn(Schema):
    password: str


class PasswordChangeIn(Schema):
    old_password: str
    new_password: str


def _me(user) -> dict:
    assignments = list(account_queries.my_assignments(actor=user))
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "phone_masked": mask_phone(user.phone),
        "language": user.language,
        "elderly_mode": user.elderly_mode,
        "roles": assignments,
        "capabilities": sorted({c for a in assignments for c in capabilities(a.role)}),
    }


def _account(request, user_id: int):
    return account_queries.user_get(actor=request.user, user_id=user_id)


@router.get(
    "users",
    response=list[AccountOut],
    tags=["accounts"],
    summary="Accounts in the areas you manage",
)
@paginate(Page)
def user_list(request, q: str = "", role: str = "", area_code: str = ""):
    return account_queries.user_list(actor=request.user, search=q, role=role, area_code=area_code)


@router.post(
    "users",
    response={201: AccountOut},
    tags=["accounts"],
    summary="Create an account with its first role",
)
def user_create(request, payload: UserIn):
    user = actions.user_create(actor=request.user, **payload.dict())
    return Status(201, _account(request, user.pk))


@router.get(
    "users/{user_id}", response=AccountOut, tags=["accounts"], summary="One account you manage"
)
def user_detail(request, user_id: int):
    return _account(request, user_id)


@router.post(
    "users/{user_id}/enable", response=AccountOut, tags=["accounts"], summary="Enable an account"
)
def user_enable(request, user_id: int):
    actions.user_set_active(actor=request.user, user_id=user_id, active=True)
    return _account(request, user_id)


@router.post(
    "users/{user_id}/disable",
    response=AccountOut,
    tags=["accounts"],
    summary="Disable an account: it can no longer log in or use its tokens",
)
def user_disable(request, user_id: int):
    actions.user_set_active(actor=request.user, user_id=user_id, active=False)
    return _account(request, user_id)


@router.post(
    "users/{user_id}/password",
    response={204: None},
    tags=["accounts"],
    summary="Set a new password for an account (and lift its login lockout)",
)
def user_reset_password(request, user_id: int, payload: PasswordIn):
    actions.user_reset_password(actor=request.user, user_id=user_id, password=payload.password)
    return Status(204, None)


@router.post(
    "role-assignments", response={201: AssignmentOut}, tags=["accounts"], summary="Assign a role"
)
def role_assign(request, payload: AssignmentIn):
    assignment = actions.role_assign(
        actor=request.user, user_id=payload.user_id, role=payload.role, area_code=payload.area_code
    )
    return Status(201, assignment)


@router.delete(
    "role-assignments/{assignment_id}",
    response={204: None},
    tags=["accounts"],
    summary="Revoke a role",
)
def role_revoke(request, assignment_id: int):
    actions.role_revoke(actor=request.user, assignment_id=assignment_id)
    return Status(204, None)


@router.post(
    "auth/otp",
    auth=None,
    response={202: MessageOut},
    tags=["accounts"],
    summary="Send a one-time registration code by SMS",
    description=(
        "The answer is the same whether or not the number already has an account; its owner "
        "learns by text message. One code per number per minute, a few per day."
    ),
)
def otp_send(request, payload: OtpIn):
    actions.otp_send(phone=payload.phone)
    return Status(202, {"detail": _("A code is on its way.")})


@router.post(
    "auth/register",
    auth=None,
    response={201: MeOut},
    tags=["accounts"],
    summary="Register as a resident with phone and one-time code",
)
def register(request, payload: RegisterIn):
    user = actions.resident_register(**payload.dict(), language=get_language() or "")
    return Status(201, _me(user))


@router.post(
    "me/password",
    response={204: None},
    tags=["accounts"],
    summary="Change your own password",
)
def password_change(request, payload: PasswordChangeIn):
    account_actions.password_change(
        actor=request.user, old_password=payload.old_password, new_password=payload.new_password
    )
    return Status(204, None)


@router.get("tokens", response=list[TokenOut], tags=["accounts"], summary="Your API tokens")
@paginate(Page)
def token_list(request):
    return account_queries.token_list(actor=request.user)


@router.post(
    "tokens", response={201: TokenCreatedOut}, tags=["accounts"], summary="Create an API token"
)
def token_create(request, payload: TokenIn):
    token, plain = actions.token_create(actor=request.user, name=payload.name, days=payload.days)
    token.token = plain
    return Status(201, token)


@router.delete(
    "tokens/{token_id}", response={204: None}, tags=["accounts"], summary="Revoke an API token"
)
def token_revoke(request, token_id: int):
    actions.token_revoke(actor=request.user, token_id=token_id)
    return Status(204, None)
