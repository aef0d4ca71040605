"""Reading accounts and role assignments (security admins, within their subtree), one's own
account, and the areas a resident may register in.

A security admin sees an account when it holds at least one role inside the areas they manage
(or, holding no role at all, lives there). They may change it only when every role it holds is
inside those areas: an account that also works elsewhere is managed from the level above.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.fields import BooleanField
from django.utils.translation import gettext as _

from .. import areacodes, scoping
from ..areacodes import Level
from ..auth import PHONE_RE, normalize_phone
from ..errors import ActionError, Forbidden, NotFound
from ..models import ApiToken, Area, RoleAssignment, User
from ..pii import blind_index
from ..roles import ASSIGNABLE_LEVELS, Cap, Role

SEARCH_MAX_LENGTH = 100
AREA_CHOICES_MAX = 500
COMMUNITY_CHOICES_MAX = 200


def _clean(text: str | None, limit: int = SEARCH_MAX_LENGTH) -> str:
    return (text or "").replace("\x00", "").strip()[:limit]


def manage_prefixes(actor) -> list[str]:
    """Prefixes of the subtrees where ``actor`` manages accounts; Forbidden when none."""
    granted = scoping.prefixes(actor, Cap.ACCOUNT_MANAGE)
    if not granted:
        raise Forbidden(_("You do not have permission to do this here."))
    return granted


def _area_prefix(area_code: str, field: str = "area") -> str:
    try:
        return areacodes.prefix_of(area_code)
    except areacodes.AreaCodeError as exc:
        raise ActionError(exc.args[0], field=field) from None


def user_list(*, actor, search: str = "", role: str = "", area_code: str = "") -> QuerySet[User]:
    """Accounts the actor manages: holding a role in their subtree, or living there roleless.

    Each account carries ``scoped_assignments`` (its roles inside the subtree, with areas) and
    ``has_outside_roles``.
    """
    granted = manage_prefixes(actor)
    in_scope = RoleAssignment.objects.filter(scoping.prefix_q(granted), user=OuterRef("pk"))
    roleless_here = Q(home_area__isnull=False) & scoping.prefix_q(granted, "home_area__code")
    qs = User.objects.filter(
        Exists(in_scope)
        | (~Exists(RoleAssignment.objects.filter(user=OuterRef("pk"))) & roleless_here)
    )
    role = _clean(role)
    if role:
        if role not in Role.values:
            raise ActionError(_("Unknown role."), field="role")
        qs = qs.filter(Exists(in_scope.filter(role=role)))
    area_code = _clean(area_code, 15)
    if area_code:
        prefix = _area_prefix(area_code)
        qs = qs.filter(Exists(in_scope.filter(area_code__startswith=prefix)))
    search = _clean(search)
    if search:
        phone = normalize_phone(search)
        if PHONE_RE.match(phone):
            qs = qs.filter(phone_bidx=blind_index(phone, "phone"))
        else:
            qs = qs.filter(Q(username__icontains=search) | Q(full_name__icontains=search))
    if "" in granted:
        outside = Value(False, output_field=BooleanField())
    else:
        outside = Exists(
            RoleAssignment.objects.filter(user=OuterRef("pk")).exclude(scoping.prefix_q(granted))
        )
    return (
        qs.annotate(has_outside_roles=outside)
        .select_related("home_area")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=RoleAssignment.objects.filter(scoping.prefix_q(granted))
                .select_related("area")
                .order_by("role", "area_code"),
                to_attr="scoped_assignments",
            )
        )
        .order_by("username")
    )


def user_get(*, actor, user_id: int) -> User:
    """One account the actor manages; NotFound when it is outside their areas."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such account.")) from None
    user = user_list(actor=actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No such account."))
    return user


def user_manage_refusal(*, actor, user: User) -> str:
    """Why ``actor`` may not change ``user`` (empty when they may)."""
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk:
        return _("This is your own account: ask another security administrator to change it.")
    granted = scoping.prefixes(actor, Cap.ACCOUNT_MANAGE)
    if "" in granted:
        return ""
    codes = RoleAssignment.objects.filter(user_id=user.pk).values_list("area_code", flat=True)
    if any(not any(code.startswith(p) for p in granted) for code in codes):
        return _(
            "This account also holds roles outside the areas you manage; the security "
            "administrator above you manages it."
        )
    return ""


def assignment_list(*, actor, user_id: int | None = None) -> QuerySet[RoleAssignment]:
    granted = manage_prefixes(actor)
    qs = RoleAssignment.objects.filter(scoping.prefix_q(granted))
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    return qs.select_related("user", "area", "granted_by").order_by("user__username", "role")


def assignment_get(*, actor, assignment_id: int) -> RoleAssignment:
    try:
        assignment_id = int(assignment_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such role assignment.")) from None
    found = assignment_list(actor=actor).filter(pk=assignment_id).first()
    if found is None:
        raise NotFound(_("No such role assignment."))
    return found


def role_counts(*, actor) -> dict[str, int]:
    """How many accounts hold each role inside the actor's subtree (one SQL aggregate)."""
    rows = (
        assignment_list(actor=actor)
        .order_by()
        .values("role")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("role", "n")
    )
    return dict(rows)


def _top_level(granted: list[str]) -> int:
    if "" in granted:
        return Level.PROVINCE
    return min(areacodes.level_of(p.ljust(12, "0")) for p in granted)


def grantable_roles(*, actor) -> list[tuple[str, str]]:
    """Roles the actor may hand out: those assignable at some level inside their subtree."""
    top = _top_level(manage_prefixes(actor))
    return [
        (role.value, str(role.label))
        for role in Role
        if any(level >= top for level in ASSIGNABLE_LEVELS[role])
    ]


def assignable_areas(
    *, actor, role: str = "", search: str = "", max_level: int | None = None
) -> list[Area]:
    """Areas inside the actor's subtree where ``role`` may be assigned (all levels without a
    role), filtered by name or code; at most AREA_CHOICES_MAX, ordered by code."""
    granted = manage_prefixes(actor)
    qs = Area.objects.filter(scoping.prefix_q(granted, "code"))
    if role in Role.values:
        qs = qs.filter(level__in=sorted(ASSIGNABLE_LEVELS[role]))
    if max_level:
        qs = qs.filter(level__lte=max_level)
    search = _clean(search)
    if search:
        if search.isascii() and search.isdigit():
            qs = qs.filter(code__startswith=search)
        else:
            qs = qs.filter(name__icontains=search)
    return list(qs.order_by("code")[:AREA_CHOICES_MAX])


# --- one's own account ------------------------------------------------------------------------


def my_assignments(*, actor) -> QuerySet[RoleAssignment]:
    if not getattr(actor, "is_authenticated", False):
        return RoleAssignment.objects.none()
    return (
        RoleAssignment.objects.filter(user_id=actor.pk)
        .select_related("area", "area__parent")
        .order_by("role", "area_code")
    )


def token_list(*, actor) -> QuerySet[ApiToken]:
    """The actor's own API tokens, newest first. The secret is never stored, so never listed."""
    if not getattr(actor, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=actor.pk).order_by("-created_at", "-id")


# --- where a resident may register --------------------------------------------------------------


def registration_counties() -> QuerySet[Area]:
    """Counties that have communities or villages to register in."""
    has_communities = Area.objects.filter(parent__parent=OuterRef("pk"), level=Level.COMMUNITY)
    return Area.objects.filter(Exists(has_communities), level=Level.COUNTY).order_by("code")


def registration_towns(*, county_code: str) -> QuerySet[Area]:
    has_communities = Area.objects.filter(parent=OuterRef("pk"), level=Level.COMMUNITY)
    return Area.objects.filter(
        Exists(has_communities), parent_id=_clean(county_code, 15), level=Level.TOWN
    ).order_by("code")


def registration_communities(*, town_code: str = "", search: str = "") -> list[Area]:
    """Communities and villages of a town, or those whose name contains ``search``."""
    qs = Area.objects.filter(level=Level.COMMUNITY).select_related("parent", "parent__parent")
    search = _clean(search)
    town_code = _clean(town_code, 15)
    if search:
        qs = qs.filter(name__icontains=search)
    elif town_code:
        qs = qs.filter(parent_id=town_code)
    else:
        return []
    return list(qs.order_by("code")[:COMMUNITY_CHOICES_MAX])


def registration_community(*, code: str) -> Area | None:
    code = _clean(code, 15)
    if not code:
        return None
    return (
        Area.objects.filter(code=code, level=Level.COMMUNITY)
        .select_related("parent", "parent__parent")
        .first()
    )
