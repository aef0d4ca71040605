"""Reading accounts and role assignments (security admins, within their subtree)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _

from .. import scoping
from ..errors import NotFound
from ..models import ApiToken, RoleAssignment, User
from ..roles import Cap


def user_list(*, actor, search: str = "", role: str = "", area_code: str = "") -> QuerySet[User]:
    """Accounts holding at least one role inside the actor's managed areas."""
    in_scope = scoping.scope(
        RoleAssignment.objects.filter(user=OuterRef("pk")), actor, Cap.ACCOUNT_MANAGE
    )
    if role:
        in_scope = in_scope.filter(role=role)
    if area_code:
        in_scope = in_scope.filter(area_code__startswith=area_code)
    qs = User.objects.filter(Exists(in_scope))
    search = (search or "").strip()
    if search:
        qs = qs.filter(username__icontains=search) | qs.filter(full_name__contains=search)
    return qs.prefetch_related(
        Prefetch(
            "assignments", queryset=RoleAssignment.objects.select_related("area").order_by("role")
        )
    ).order_by("username")


def user_get(*, actor, user_id: int) -> User:
    user = user_list(actor=actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No such account."))
    return user


def assignment_list(*, actor, user_id: int | None = None) -> QuerySet[RoleAssignment]:
    qs = scoping.scope(RoleAssignment.objects.all(), actor, Cap.ACCOUNT_MANAGE)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    return qs.select_related("user", "area", "granted_by").order_by("user__username", "role")


def token_list(*, actor) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=actor.pk).order_by("-created_at")
