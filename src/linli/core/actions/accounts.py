"""Accounts, role assignments, self-registration by SMS code, preferences, passwords, API tokens.

Rules of the three separated administrator roles (三员分立) enforced here:

- a security admin manages accounts only inside their own area subtree; an account that also
  holds a role elsewhere is managed from the level above (and one outside is not found at all);
- roles are granted only at areas inside that subtree, at the levels the role allows;
- nobody changes their own roles, status or password through these actions;
- an administrator account holds its one administrator role and nothing else.

One-time codes: a code lives OTP_TTL_SECONDS, a number gets one every OTP_RESEND_SECONDS and at
most OTP_MAX_SENDS_PER_DAY a day; a code takes OTP_MAX_ATTEMPTS wrong tries and a number
OTP_MAX_WRONG_PER_DAY a day. Whether a number already has an account is never revealed to the
one asking: its owner gets a text message saying so instead of a code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import areacodes, audit, scoping, sms
from ..areacodes import Level
from ..auth import PHONE_RE, normalize_phone
from ..errors import ActionError, Conflict, Forbidden, NotFound
from ..models import ApiToken, Area, OneTimeCode, RoleAssignment, User
from ..pii import blind_index
from ..queries import accounts as account_queries
from ..roles import ADMIN_ROLES, ASSIGNABLE_LEVELS, Cap, Role

log = logging.getLogger(__name__)

OTP_MAX_ATTEMPTS = 5
OTP_MAX_SENDS_PER_DAY = 10
OTP_MAX_WRONG_PER_DAY = 20
TOKENS_MAX_ACTIVE = 20
TOKEN_MAX_DAYS = 366
NAME_MAX_LENGTH = 100
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{1,149}$")
CODE_RE = re.compile(r"^\d{6}$")
_DAY = dt.timedelta(days=1)


class Throttled(ActionError):
    """Asked too often (codes, wrong codes): try again later."""

    status = 429
    code = "too_many_requests"


def _text(value) -> str:
    return str(value or "").replace("\x00", "").strip()


def _clean_phone(phone: str, errors: dict) -> str:
    phone = normalize_phone(_text(phone))
    if not PHONE_RE.match(phone):
        errors.setdefault("phone", []).append(
            _("Enter an 11-digit mainland mobile number starting with 1.")
        )
    return phone


def _check_password(password, user: User | None, errors: dict, field: str = "password") -> None:
    if not isinstance(password, str) or not password:
        errors.setdefault(field, []).append(_("Enter a password."))
        return
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)


def _check_name(full_name, errors: dict, message: str) -> str:
    full_name = _text(full_name)
    if not full_name:
        errors["full_name"] = [message]
    elif len(full_name) > NAME_MAX_LENGTH:
        errors["full_name"] = [_("A name has at most %(n)d characters.") % {"n": NAME_MAX_LENGTH}]
    return full_name


def _find_area(area_code) -> Area | None:
    try:
        code = areacodes.normalize(_text(area_code))
    except areacodes.AreaCodeError:
        return None
    return Area.objects.filter(code=code).first()


def _check_area_for_role(role: str, area: Area | None, errors: dict) -> None:
    if role not in Role.values:
        errors.setdefault("role", []).append(_("Choose a role from the list."))
        return
    if area is None:
        errors.setdefault("area_code", []).append(_("Choose an area from the list."))
        return
    if area.level not in ASSIGNABLE_LEVELS[role]:
        levels = _(", ").join(str(Level(level).label) for level in sorted(ASSIGNABLE_LEVELS[role]))
        errors.setdefault("area_code", []).append(
            _("A %(role)s is assigned to an area of level: %(levels)s.")
            % {"role": Role(role).label, "levels": levels}
        )


def _check_separation(role: str, held: set[str], errors: dict) -> None:
    """An administrator account holds one administrator role and nothing else (三员分立)."""
    others = held - {role}
    if role in ADMIN_ROLES and others & ADMIN_ROLES:
        errors.setdefault("role", []).append(
            _("The three administrator roles are separate: this account already holds another one.")
        )
    elif role in ADMIN_ROLES and others:
        errors.setdefault("role", []).append(
            _(
                "An administrator account holds no other role. Give this person a separate "
                "account for their administrator work."
            )
        )
    elif role not in ADMIN_ROLES and held & ADMIN_ROLES:
        errors.setdefault("role", []).append(
            _(
                "This is an administrator account and holds no other role. Give this person a "
                "separate account for this work."
            )
        )


def _account_area(user: User) -> str:
    """The area an account event is filed under, so that the auditors of that area see it."""
    if user.home_area_id:
        return user.home_area_id
    return (
        RoleAssignment.objects.filter(user_id=user.pk)
        .order_by("area_code")
        .values_list("area_code", flat=True)
        .first()
        or ""
    )


def _require_area(actor, area: Area | None) -> None:
    if area is not None:
        scoping.require(actor, Cap.ACCOUNT_MANAGE, area.code)


def _managed_user(actor, user_id) -> User:
    """The account, if the actor manages it: NotFound outside their areas, Forbidden when the
    account is their own or also works elsewhere."""
    account_queries.manage_prefixes(actor)
    user = account_queries.user_get(actor=actor, user_id=user_id)
    refusal = account_queries.user_manage_refusal(actor=actor, user=user)
    if refusal:
        raise Forbidden(refusal)
    return user


def _granted_by(actor) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- accounts and roles (security admins) ---------------------------------------------------


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
    account_queries.manage_prefixes(actor)
    area = _find_area(area_code)
    _require_area(actor, area)
    errors: dict[str, list[str]] = {}
    username = _text(username)
    if not USERNAME_RE.match(username):
        errors["username"] = [
            _("A username starts with a letter and has 2 to 150 letters, digits, '.', '_' or '-'.")
        ]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This username is taken.")]
    full_name = _check_name(full_name, errors, _("Enter the person's name."))
    phone = _text(phone)
    if phone:
        phone = _clean_phone(phone, errors)
        if (
            "phone" not in errors
            and User.objects.filter(phone_bidx=blind_index(phone, "phone")).exists()
        ):
            errors["phone"] = [_("An account with this phone number already exists.")]
    _check_password(password, User(username=username, full_name=full_name), errors)
    _check_area_for_role(role, area, errors)
    if errors:
        raise ActionError(
            _("The account was not created: please correct the fields marked."), errors=errors
        )
    assert area is not None
    try:
        with transaction.atomic():
            user = User(
                username=username,
                full_name=full_name,
                phone=phone or None,
                home_area=area if area.level >= Level.COMMUNITY else None,
            )
            user.set_password(password)
            user.save()
            assignment = RoleAssignment.objects.create(
                user=user,
                role=role,
                area=area,
                area_code=area.code,
                granted_by=_granted_by(actor),
            )
            audit.record(actor, "account.create", user, area_code=area.code, extra={"role": role})
            audit.record(
                actor,
                "role.assign",
                assignment,
                area_code=area.code,
                extra={"user": user.pk, "role": role},
            )
    except IntegrityError:
        raise Conflict(
            _("An account with this username or phone number was created just now."),
            field="username",
        ) from None
    return user


def role_assign(*, actor, user_id: int, role: str, area_code: str) -> RoleAssignment:
    """Give an account one more role, at an area inside the actor's subtree."""
    user = _managed_user(actor, user_id)
    area = _find_area(area_code)
    _require_area(actor, area)
    errors: dict[str, list[str]] = {}
    _check_area_for_role(role, area, errors)
    if errors:
        raise ActionError(
            _("The role was not assigned: please correct the fields marked."), errors=errors
        )
    assert area is not None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        _check_separation(role, held, errors)
        if errors:
            raise ActionError(
                _("The role was not assigned: please correct the fields marked."), errors=errors
            )
        try:
            with transaction.atomic():
                assignment = RoleAssignment.objects.create(
                    user=user,
                    role=role,
                    area=area,
                    area_code=area.code,
                    granted_by=_granted_by(actor),
                )
        except IntegrityError:
            raise Conflict(
                _("This account already holds that role in that area."), field="role"
            ) from None
        audit.record(
            actor,
            "role.assign",
            assignment,
            area_code=area.code,
            extra={"user": user.pk, "role": role},
        )
    return assignment


def role_revoke(*, actor, assignment_id: int) -> None:
    """Take one role from an account; its last role stays (disable the account instead)."""
    account_queries.manage_prefixes(actor)
    assignment = account_queries.assignment_get(actor=actor, assignment_id=assignment_id)
    refusal = account_queries.user_manage_refusal(actor=actor, user=assignment.user)
    if refusal:
        raise Forbidden(refusal)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=assignment.user_id).first()
        if (
            not RoleAssignment.objects.filter(user_id=assignment.user_id)
            .exclude(pk=assignment.pk)
            .exists()
        ):
            raise ActionError(
                _(
                    "This is the account's only role. Assign its new role first, or disable "
                    "the account instead."
                ),
                code="last_role",
            )
        audit.record(
            actor,
            "role.revoke",
            assignment,
            area_code=assignment.area_code,
            extra={"user": assignment.user_id, "role": assignment.role},
        )
        assignment.delete()


def user_set_active(*, actor, user_id: int, active: bool) -> User:
    """Enable or disable an account. A disabled account cannot log in or use its tokens."""
    user = _managed_user(actor, user_id)
    active = bool(active)
    if user.is_active == active:
        return user
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(
            actor,
            "account.enable" if active else "account.disable",
            user,
            area_code=_account_area(user),
        )
    return user


def user_reset_password(*, actor, user_id: int, password: str) -> User:
    """Set a new password for someone who lost theirs; this also lifts a login lockout."""
    user = _managed_user(actor, user_id)
    errors: dict[str, list[str]] = {}
    _check_password(password, user, errors)
    if errors:
        raise ActionError(_("The password was not changed."), errors=errors)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor, "account.password_reset", user, area_code=_account_area(user))
        _lift_lockout(user)
    return user


def _lift_lockout(user: User) -> None:
    from axes.utils import reset as axes_reset

    for key in {f"user:{user.pk}", user.username, user.phone}:
        if key:
            axes_reset(username=key)


# --- self-registration by SMS one-time code ---------------------------------------------


def _code_digest(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def _deliver(phone: str, message: str, otp_id: int) -> None:
    try:
        sms.send(phone, message)
    except Exception as exc:  # a gateway failure must not turn into a server error
        log.error("SMS for one-time code %s not delivered: %s", otp_id, type(exc).__name__)


def otp_wait_seconds(*, phone: str, purpose: str = OneTimeCode.Purpose.REGISTER) -> int:
    """Seconds until another code may be sent to ``phone`` (0: now)."""
    phone = normalize_phone(_text(phone))
    if not PHONE_RE.match(phone):
        return 0
    last = (
        OneTimeCode.objects.filter(phone_bidx=blind_index(phone, "phone"), purpose=purpose)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return 0
    left = settings.OTP_RESEND_SECONDS - (timezone.now() - last).total_seconds()
    return max(0, int(left + 0.999))


def otp_send(*, phone: str, purpose: str = OneTimeCode.Purpose.REGISTER) -> OneTimeCode:
    """Text a 6-digit code to ``phone``; it replaces any earlier code for the same purpose.

    A number that already has an account gets a message saying so instead of a code, and the
    answer here is the same either way.
    """
    if purpose not in OneTimeCode.Purpose.values:
        raise ActionError(_("Unknown purpose."), field="purpose")
    errors: dict[str, list[str]] = {}
    phone = _clean_phone(phone, errors)
    if errors:
        raise ActionError(errors["phone"][0], errors=errors)
    bidx = blind_index(phone, "phone")
    now = timezone.now()
    with transaction.atomic():
        codes = OneTimeCode.objects.filter(phone_bidx=bidx, purpose=purpose)
        list(codes.select_for_update().order_by("-created_at")[:1])  # one sender at a time
        wait = otp_wait_seconds(phone=phone, purpose=purpose)
        if wait:
            raise Throttled(
                _("A code was sent just now. You can ask for a new one in %(s)d seconds.")
                % {"s": wait},
                field="phone",
                code="too_soon",
            )
        if codes.filter(created_at__gt=now - _DAY).count() >= OTP_MAX_SENDS_PER_DAY:
            raise Throttled(
                _("Too many codes were sent to this number today. Try again tomorrow."),
                field="phone",
                code="too_many",
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        codes.filter(used_at__isnull=True).update(used_at=now)
        otp = OneTimeCode.objects.create(
            phone_bidx=bidx,
            purpose=purpose,
            code_digest=_code_digest(code),
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        audit.record(None, "otp.send", otp, extra={"purpose": purpose})
        registered = (
            purpose == OneTimeCode.Purpose.REGISTER
            and User.objects.filter(phone_bidx=bidx).exists()
        )
        if registered:
            message = _(
                "Linli: this number already has an account. Log in with it; if you forgot the "
                "password, ask your community to reset it."
            )
        else:
            message = _(
                "Linli verification code %(code)s, valid for %(m)d minutes. Do not share it."
            ) % {"code": code, "m": max(1, settings.OTP_TTL_SECONDS // 60)}
        otp_id = otp.pk
        transaction.on_commit(lambda: _deliver(phone, message, otp_id))
    return otp


def _otp_check(bidx: str, purpose: str, code: str) -> int:
    """The id of the live code for ``bidx`` if ``code`` matches it. A wrong code is counted (and
    the count kept) before the error is raised."""
    now = timezone.now()
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(phone_bidx=bidx, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if otp is None or otp.expires_at <= now:
            raise ActionError(
                _("The code has expired or was never sent; ask for a new one."),
                field="code",
                code="code_expired",
            )
        if otp.attempts >= OTP_MAX_ATTEMPTS:
            raise ActionError(
                _("Too many wrong codes; ask for a new one."), field="code", code="code_locked"
            )
        wrong_today = (
            OneTimeCode.objects.filter(
                phone_bidx=bidx, purpose=purpose, created_at__gt=now - _DAY
            ).aggregate(n=Sum("attempts"))["n"]
            or 0
        )
        if wrong_today >= OTP_MAX_WRONG_PER_DAY:
            raise Throttled(
                _("Too many wrong codes for this number today. Try again tomorrow."),
                field="code",
                code="code_locked",
            )
        matches = hmac.compare_digest(otp.code_digest, _code_digest(code))
        if not matches:
            otp.attempts += 1
            otp.save(update_fields=["attempts"])
            audit.record(None, "otp.wrong", otp, extra={"attempts": otp.attempts})
        left = OTP_MAX_ATTEMPTS - otp.attempts
    if not matches:
        if left <= 0:
            message = _("The code is not correct. Ask for a new code.")
        else:
            message = _("The code is not correct. %(n)d tries left.") % {"n": left}
        raise ActionError(message, field="code", code="wrong_code")
    return otp.pk


def resident_register(
    *,
    phone: str,
    code: str,
    full_name: str,
    password: str,
    community_code: str,
    language: str = "",
    elderly_mode: bool = False,
) -> User:
    """A resident opens an account with their phone and a one-time code, in their community."""
    errors: dict[str, list[str]] = {}
    phone = _clean_phone(phone, errors)
    code = normalize_phone(_text(code))
    if not CODE_RE.match(code):
        errors["code"] = [_("Enter the 6-digit code from the text message.")]
    full_name = _check_name(full_name, errors, _("Enter your name."))
    community = Area.objects.filter(
        code=_text(community_code)[:15], level__in=[Level.COMMUNITY, Level.GRID]
    ).first()
    if community is None:
        errors["community_code"] = [_("Choose the community or village you live in.")]
    _check_password(password, User(full_name=full_name), errors)
    if errors:
        raise ActionError(
            _("Registration failed: please correct the fields marked."), errors=errors
        )
    assert community is not None
    bidx = blind_index(phone, "phone")
    otp_id = _otp_check(bidx, OneTimeCode.Purpose.REGISTER, code)
    try:
        with transaction.atomic():
            otp = OneTimeCode.objects.select_for_update().filter(pk=otp_id).first()
            if otp is None or otp.used_at is not None:
                raise ActionError(
                    _("The code has expired or was never sent; ask for a new one."),
                    field="code",
                    code="code_expired",
                )
            if User.objects.filter(phone_bidx=bidx).exists():
                raise Conflict(
                    _("This number already has an account: log in instead."), field="phone"
                )
            user = User(
                username=f"r{secrets.token_hex(6)}",
                full_name=full_name,
                phone=phone,
                home_area=community,
                language=language if language in dict(settings.LANGUAGES) else "",
                elderly_mode=bool(elderly_mode),
            )
            user.set_password(password)
            user.save()
            otp.used_at = timezone.now()
            otp.save(update_fields=["used_at"])
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
    except IntegrityError:
        raise Conflict(
            _("This number already has an account: log in instead."), field="phone"
        ) from None
    return user


# --- one's own account: preferences, password, tokens -------------------------------------


def _require_login(actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("Log in first."))


def preferences_update(
    *, actor, language: str | None = None, elderly_mode: bool | None = None
) -> User:
    _require_login(actor)
    fields = []
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ActionError(_("Choose a language from the list."), field="language")
        actor.language = language
        fields.append("language")
    if elderly_mode is not None:
        actor.elderly_mode = bool(elderly_mode)
        fields.append("elderly_mode")
    if fields:
        with transaction.atomic():
            actor.save(update_fields=fields)
            audit.record(
                actor,
                "account.preferences",
                actor,
                area_code=_account_area(actor),
                extra={"fields": fields},
            )
    return actor


def password_change(*, actor, old_password: str, new_password: str) -> User:
    """Change one's own password, knowing the current one. Other sessions end with it."""
    _require_login(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(old_password, str) or not actor.check_password(old_password):
        errors["old_password"] = [_("Your current password is not correct.")]
    _check_password(new_password, actor, errors, field="new_password")
    if not errors and old_password == new_password:
        errors["new_password"] = [_("The new password must differ from the current one.")]
    if errors:
        raise ActionError(_("The password was not changed."), errors=errors)
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        audit.record(actor, "account.password_change", actor, area_code=_account_area(actor))
    return actor


def token_create(*, actor, name: str, days: int | None = 90) -> tuple[ApiToken, str]:
    """Create a personal API token; the plain token is returned once and never stored."""
    _require_login(actor)
    scoping.require(actor, Cap.API_TOKEN)
    name = _text(name)
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("Give the token a name of up to 100 characters.")]
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= TOKEN_MAX_DAYS:
        errors["days"] = [_("A token lives between 1 and %(n)d days.") % {"n": TOKEN_MAX_DAYS}]
    if errors:
        raise ActionError(_("The token was not created."), errors=errors)
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        active = (
            ApiToken.objects.filter(user_id=actor.pk, revoked_at__isnull=True)
            .exclude(expires_at__lte=now)
            .count()
        )
        if active >= TOKENS_MAX_ACTIVE:
            raise ActionError(
                _("You have %(n)d active tokens, the most allowed. Revoke one first.")
                % {"n": TOKENS_MAX_ACTIVE},
                field="name",
            )
        plain = "lnl_" + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=plain[:8],
            digest=ApiToken.digest_of(plain),
            expires_at=now + dt.timedelta(days=days),
        )
        audit.record(actor, "token.create", token, area_code=_account_area(actor))
    return token, plain


def token_revoke(*, actor, token_id: int) -> ApiToken:
    """Revoke one of one's own tokens (revoking twice changes nothing)."""
    _require_login(actor)
    try:
        token_id = int(token_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such token.")) from None
    token = ApiToken.objects.filter(pk=token_id, user_id=actor.pk).first()
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, "token.revoke", token, area_code=_account_area(actor))
    return token
