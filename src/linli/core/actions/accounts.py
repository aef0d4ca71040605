"""Accounts, role assignments, self-registration by SMS code, preferences and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit, scoping, sms
from ..areacodes import Level
from ..auth import PHONE_RE, normalize_phone
from ..errors import ActionError, Conflict, Forbidden, NotFound
from ..models import ApiToken, Area, OneTimeCode, RoleAssignment, User
from ..pii import blind_index
from ..roles import ADMIN_ROLES, ASSIGNABLE_LEVELS, Cap, Role

OTP_MAX_ATTEMPTS = 5


def _clean_phone(phone: str, errors: dict) -> str:
    phone = normalize_phone(phone)
    if not PHONE_RE.match(phone):
        errors.setdefault("phone", []).append(
            _("Enter an 11-digit mainland mobile number starting with 1.")
        )
    return phone


def _check_password(password: str, user: User | None, errors: dict) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)


def _check_area_for_role(role: str, area: Area | None, errors: dict) -> None:
    if role not in Role.values:
        errors.setdefault("role", []).append(_("Unknown role."))
        return
    if area is None:
        errors.setdefault("area_code", []).append(_("No such area."))
        return
    if area.level not in ASSIGNABLE_LEVELS[role]:
        levels = "、".join(str(Level(level).label) for level in sorted(ASSIGNABLE_LEVELS[role]))
        errors.setdefault("area_code", []).append(
            _("A %(role)s is assigned to an area of level: %(levels)s.")
            % {"role": Role(role).label, "levels": levels}
        )


def user_create(
    *,
    actor,
    username: str,
    full_name: str,
    password: str,
    phone: str = "",
    role: str,
    area_code: str,
) -> User:
    """A security admin creates a staff or resident account with its first role."""
    area = Area.objects.filter(code=area_code).first()
    scoping.require(actor, Cap.ACCOUNT_MANAGE, area.code if area else area_code)
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if (
        not username
        or len(username) > 150
        or not username.replace("_", "").replace(".", "").isalnum()
    ):
        errors["username"] = [
            _("A username has letters, digits, '.' or '_' only, up to 150 characters.")
        ]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("This username is taken.")]
    if not (full_name or "").strip():
        errors["full_name"] = [_("Enter the person's name.")]
    if phone:
        phone = _clean_phone(phone, errors)
        if (
            "phone" not in errors
            and User.objects.filter(phone_bidx=blind_index(phone, "phone")).exists()
        ):
            errors["phone"] = [_("An account with this phone number already exists.")]
    _check_password(password, User(username=username), errors)
    _check_area_for_role(role, area, errors)
    if role in ADMIN_ROLES and not scoping.has_cap(
        actor, Cap.ACCOUNT_MANAGE, area.code if area else ""
    ):
        errors.setdefault("role", []).append(_("You may not create administrators here."))
    if errors:
        raise ActionError(
            _("The account was not created: please correct the fields marked."), errors=errors
        )
    with transaction.atomic():
        user = User(
            username=username,
            full_name=full_name.strip(),
            phone=phone or None,
            home_area=area if area and area.level >= Level.COMMUNITY else None,
        )
        user.set_password(password)
        user.save()
        assignment = RoleAssignment.objects.create(
            user=user,
            role=role,
            area=area,
            area_code=area.code,
            granted_by=actor if actor.is_authenticated else None,
        )
        audit.record(actor, "account.create", user, area_code=area.code, extra={"role": role})
        audit.record(
            actor,
            "role.assign",
            assignment,
            area_code=area.code,
            extra={"user": user.pk, "role": role},
        )
    return user


def role_assign(*, actor, user_id: int, role: str, area_code: str) -> RoleAssignment:
    area = Area.objects.filter(code=area_code).first()
    scoping.require(actor, Cap.ACCOUNT_MANAGE, area.code if area else area_code)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No such account."))
    if getattr(actor, "pk", None) == user.pk:
        raise Forbidden(_("You cannot change your own roles; ask another security administrator."))
    errors: dict[str, list[str]] = {}
    _check_area_for_role(role, area, errors)
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if role in ADMIN_ROLES and (held & ADMIN_ROLES) - {role}:
        errors.setdefault("role", []).append(
            _("The three administrator roles are separate: this account already holds another one.")
        )
    if errors:
        raise ActionError(
            _("The role was not assigned: please correct the fields marked."), errors=errors
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                assignment = RoleAssignment.objects.create(
                    user=user,
                    role=role,
                    area=area,
                    area_code=area.code,
                    granted_by=actor if actor.is_authenticated else None,
                )
        except IntegrityError:
            raise Conflict(_("This account already holds that role in that area.")) from None
        audit.record(
            actor,
            "role.assign",
            assignment,
            area_code=area.code,
            extra={"user": user.pk, "role": role},
        )
    scoping.forget(user)
    return assignment


def role_revoke(*, actor, assignment_id: int) -> None:
    assignment = RoleAssignment.objects.select_related("area").filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound(_("No such role assignment."))
    scoping.require(actor, Cap.ACCOUNT_MANAGE, assignment.area_code)
    if getattr(actor, "pk", None) == assignment.user_id:
        raise Forbidden(_("You cannot change your own roles; ask another security administrator."))
    with transaction.atomic():
        audit.record(
            actor,
            "role.revoke",
            assignment,
            area_code=assignment.area_code,
            extra={"user": assignment.user_id, "role": assignment.role},
        )
        assignment.delete()


def _managed_user(actor, user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No such account."))
    codes = list(RoleAssignment.objects.filter(user=user).values_list("area_code", flat=True))
    if not codes or not all(scoping.has_cap(actor, Cap.ACCOUNT_MANAGE, code) for code in codes):
        raise Forbidden(_("This account has roles outside the areas you manage."))
    return user


def user_set_active(*, actor, user_id: int, active: bool) -> User:
    user = _managed_user(actor, user_id)
    if getattr(actor, "pk", None) == user.pk:
        raise Forbidden(_("You cannot disable your own account."))
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(actor, "account.enable" if active else "account.disable", user)
    return user


def user_reset_password(*, actor, user_id: int, password: str) -> User:
    user = _managed_user(actor, user_id)
    errors: dict[str, list[str]] = {}
    _check_password(password, user, errors)
    if errors:
        raise ActionError(_("The password was not changed."), errors=errors)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor, "account.password_reset", user)
    return user


# --- self-registration by SMS one-time code ---------------------------------------------


def _code_digest(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def otp_send(*, phone: str, purpose: str = OneTimeCode.Purpose.REGISTER) -> OneTimeCode:
    """Send a 6-digit code. One per number per LINLI_OTP_RESEND_SECONDS."""
    errors: dict[str, list[str]] = {}
    phone = _clean_phone(phone, errors)
    if errors:
        raise ActionError(errors["phone"][0], errors=errors)
    bidx = blind_index(phone, "phone")
    now = timezone.now()
    if purpose == OneTimeCode.Purpose.REGISTER and User.objects.filter(phone_bidx=bidx).exists():
        raise ActionError(_("This number already has an account: log in instead."), field="phone")
    recent = OneTimeCode.objects.filter(
        phone_bidx=bidx,
        purpose=purpose,
        created_at__gt=now - dt.timedelta(seconds=settings.OTP_RESEND_SECONDS),
    ).exists()
    if recent:
        raise ActionError(
            _("A code was sent less than %(s)d seconds ago; please wait.")
            % {"s": settings.OTP_RESEND_SECONDS},
            field="phone",
            code="too_soon",
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        otp = OneTimeCode.objects.create(
            phone_bidx=bidx,
            purpose=purpose,
            code_digest=_code_digest(code),
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        audit.record(None, "otp.send", otp, extra={"purpose": purpose})
        message = _(
            "Linli verification code %(code)s, valid for %(m)d minutes. Do not share it."
        ) % {"code": code, "m": settings.OTP_TTL_SECONDS // 60}
        transaction.on_commit(lambda: sms.send(phone, message))
    return otp


def _otp_verify(bidx: str, purpose: str, code: str) -> OneTimeCode:
    otp = (
        OneTimeCode.objects.select_for_update()
        .filter(phone_bidx=bidx, purpose=purpose, used_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if otp is None or otp.expires_at < now:
        raise ActionError(
            _("The code has expired or was never sent; ask for a new one."), field="code"
        )
    if otp.attempts >= OTP_MAX_ATTEMPTS:
        raise ActionError(_("Too many wrong codes; ask for a new one."), field="code")
    if not hmac.compare_digest(otp.code_digest, _code_digest((code or "").strip())):
        otp.attempts += 1
        otp.save(update_fields=["attempts"])
        raise ActionError(_("The code is not correct."), field="code")
    return otp


def resident_register(
    *, phone: str, code: str, full_name: str, password: str, community_code: str
) -> User:
    """A resident opens an account with their phone and a one-time code, in their community."""
    errors: dict[str, list[str]] = {}
    phone = _clean_phone(phone, errors)
    if not (full_name or "").strip():
        errors["full_name"] = [_("Enter your name.")]
    community = Area.objects.filter(
        code=community_code, level__in=[Level.COMMUNITY, Level.GRID]
    ).first()
    if community is None:
        errors["community_code"] = [_("Choose the community or village you live in.")]
    _check_password(password, User(username=phone), errors)
    if errors:
        raise ActionError(
            _("Registration failed: please correct the fields marked."), errors=errors
        )
    bidx = blind_index(phone, "phone")
    # The wrong-code counter must persist even though registration fails: verify in its own
    # transaction, then create the account in another.
    with transaction.atomic():
        otp = _otp_verify(bidx, OneTimeCode.Purpose.REGISTER, code)
        otp.used_at = timezone.now()
        otp.save(update_fields=["used_at"])
    with transaction.atomic():
        if User.objects.filter(phone_bidx=bidx).exists():
            raise Conflict(_("This number already has an account: log in instead."), field="phone")
        user = User(
            username=f"r{secrets.token_hex(5)}",
            full_name=full_name.strip(),
            phone=phone,
            home_area=community,
        )
        user.set_password(password)
        user.save()
        assignment = RoleAssignment.objects.create(
            user=user, role=Role.RESIDENT, area=community, area_code=community.code
        )
        audit.record(user, "account.register", user, area_code=community.code)
        audit.record(
            user,
            "role.assign",
            assignment,
            area_code=community.code,
            extra={"user": user.pk, "role": Role.RESIDENT},
        )
    return user


# --- preferences and tokens --------------------------------------------------------------


def preferences_update(
    *, actor, language: str | None = None, elderly_mode: bool | None = None
) -> User:
    if not actor.is_authenticated:
        raise Forbidden(_("Log in first."))
    fields = []
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ActionError(_("Unknown language."), field="language")
        actor.language = language
        fields.append("language")
    if elderly_mode is not None:
        actor.elderly_mode = bool(elderly_mode)
        fields.append("elderly_mode")
    if fields:
        with transaction.atomic():
            actor.save(update_fields=fields)
            audit.record(actor, "account.preferences", actor, extra={"fields": fields})
    return actor


def token_create(*, actor, name: str, days: int | None = 90) -> tuple[ApiToken, str]:
    """Create a personal API token; the plain token is returned once and never stored."""
    scoping.require(actor, Cap.API_TOKEN)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ActionError(_("Give the token a name of up to 100 characters."), field="name")
    if days is not None and not (1 <= days <= 366):
        raise ActionError(_("A token lives between 1 and 366 days."), field="days")
    plain = "lnl_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=plain[:8],
            digest=ApiToken.digest_of(plain),
            expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
        )
        audit.record(actor, "token.create", token)
    return token, plain


def token_revoke(*, actor, token_id: int) -> None:
    token = ApiToken.objects.filter(pk=token_id, user_id=actor.pk).first()
    if token is None:
        raise NotFound(_("No such token."))
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, "token.revoke", token)
