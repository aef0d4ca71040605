"""A volunteer's mobile number is verified: it is the number of their account when that
account was opened with a one-time SMS code, or it is confirmed with a code sent to it here.

Codes follow the rules of account registration (:mod:`linli.core.actions.accounts`): a code
lives ``OTP_TTL_SECONDS``, a number gets one every ``OTP_RESEND_SECONDS`` and at most
``OTP_MAX_SENDS_PER_DAY`` a day, a code takes ``OTP_MAX_ATTEMPTS`` wrong tries and a number
``OTP_MAX_WRONG_PER_DAY`` a day. Codes are kept as an HMAC only, under their own purpose, so a
volunteer's code never opens an account and an account's code never verifies a volunteer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, sms
from linli.core.actions.accounts import (
    CODE_RE,
    OTP_MAX_ATTEMPTS,
    OTP_MAX_SENDS_PER_DAY,
    OTP_MAX_WRONG_PER_DAY,
    Throttled,
)
from linli.core.auth import normalize_phone
from linli.core.cleaning import Errors
from linli.core.errors import ActionError
from linli.core.models import AuditEvent, OneTimeCode
from linli.core.pii import blind_index

from . import _clean as c

log = logging.getLogger(__name__)

# OneTimeCode.purpose of a volunteer's phone check.
PURPOSE = OneTimeCode.Purpose.VOLUNTEER.value
_DAY = dt.timedelta(days=1)


def _digest(code: str) -> str:
    key = f"{settings.SECRET_KEY}:{PURPOSE}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def account_phone_verified(user) -> bool:
    """Was this account opened by its owner with an SMS code sent to its phone?"""
    if not getattr(user, "is_authenticated", False) or not user.phone:
        return False
    return AuditEvent.objects.filter(
        action="account.register", target_type="core.user", target_id=str(user.pk)
    ).exists()


def verified_without_code(actor, phone: str, volunteer=None) -> bool:
    """No code is needed for the account's own verified number, nor for the number already
    verified on the volunteer's record."""
    if not phone:
        return False
    if volunteer is not None and volunteer.phone_verified_at and volunteer.phone == phone:
        return True
    return getattr(actor, "phone", None) == phone and account_phone_verified(actor)


def wait_seconds(phone: str) -> int:
    """Seconds until another code may be sent to ``phone`` (0: now)."""
    last = (
        OneTimeCode.objects.filter(phone_bidx=blind_index(phone, "phone"), purpose=PURPOSE)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return 0
    left = settings.OTP_RESEND_SECONDS - (timezone.now() - last).total_seconds()
    return max(0, int(left + 0.999))


def _deliver(phone: str, message: str, otp_id: int) -> None:
    try:
        sms.send(phone, message)
    except Exception as exc:  # a gateway failure must not turn into a server error
        log.error("SMS for volunteer code %s not delivered: %s", otp_id, type(exc).__name__)


def volunteer_code_send(*, actor, phone) -> OneTimeCode:
    """Text a 6-digit code to ``phone`` so that the signed-in actor can show it is theirs."""
    c.require_login(actor)
    errors = Errors()
    phone = c.mobile(errors, phone, required=True)
    errors.raise_if_any(_("No code was sent."))
    bidx = blind_index(phone, "phone")
    now = timezone.now()
    with transaction.atomic():
        codes = OneTimeCode.objects.filter(phone_bidx=bidx, purpose=PURPOSE)
        list(codes.select_for_update().order_by("-created_at")[:1])  # one sender at a time
        wait = wait_seconds(phone)
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
            purpose=PURPOSE,
            code_digest=_digest(code),
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        audit.record(actor, "otp.send", otp, extra={"purpose": PURPOSE})
        message = _(
            "Linli volunteer registration: your code is %(code)s, valid for %(m)d minutes. "
            "Do not share it."
        ) % {"code": code, "m": max(1, settings.OTP_TTL_SECONDS // 60)}
        otp_id = otp.pk
        transaction.on_commit(lambda: _deliver(phone, message, otp_id))
    return otp


def clean_code(errors: Errors, value) -> str:
    code = normalize_phone(str(value or "").strip())
    if not CODE_RE.match(code):
        errors.add("code", _("Enter the 6-digit code from the text message."))
    return code


def code_check(phone: str, code: str) -> int:
    """The id of the live code sent to ``phone`` when ``code`` matches it. A wrong code is
    counted (and the count kept) before the error is raised."""
    bidx = blind_index(phone, "phone")
    now = timezone.now()
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(phone_bidx=bidx, purpose=PURPOSE, used_at__isnull=True)
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
                phone_bidx=bidx, purpose=PURPOSE, created_at__gt=now - _DAY
            ).aggregate(n=Sum("attempts"))["n"]
            or 0
        )
        if wrong_today >= OTP_MAX_WRONG_PER_DAY:
            raise Throttled(
                _("Too many wrong codes for this number today. Try again tomorrow."),
                field="code",
                code="code_locked",
            )
        matches = hmac.compare_digest(otp.code_digest, _digest(code))
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


def code_use(otp_id: int) -> None:
    """Spend a checked code, inside the caller's transaction (once only)."""
    otp = OneTimeCode.objects.select_for_update().filter(pk=otp_id).first()
    if otp is None or otp.used_at is not None:
        raise ActionError(
            _("The code has expired or was never sent; ask for a new one."),
            field="code",
            code="code_expired",
        )
    otp.used_at = timezone.now()
    otp.save(update_fields=["used_at"])


__all__ = [
    "PURPOSE",
    "account_phone_verified",
    "clean_code",
    "code_check",
    "code_use",
    "verified_without_code",
    "volunteer_code_send",
    "wait_seconds",
]
