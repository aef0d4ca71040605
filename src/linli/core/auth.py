"""Authentication: log in by username or by mobile phone (looked up by blind index).

A phone number may be typed as people write it: ``138 0000 0001``, ``138-0000-0001``,
``+86 13800000001`` or with full-width digits from a Chinese input method.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.auth.backends import ModelBackend

from .models import User
from .pii import blind_index

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_phone(value: str) -> str:
    """``+86 138-0000 0001`` → ``13800000001``; anything else comes back without separators."""
    text = unicodedata.normalize("NFKC", value or "")
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86") and digits.isdigit():
        digits = digits[2:]
    return digits


def find_user(login: str) -> User | None:
    login = (login or "").strip()
    if not login or "\x00" in login:
        return None
    phone = normalize_phone(login)
    if PHONE_RE.match(phone):
        user = User.objects.filter(phone_bidx=blind_index(phone, "phone")).first()
        if user is not None:
            return user
    return User.objects.filter(username=login).first()


def axes_username(request, credentials: dict | None = None) -> str:
    """The key that login failures are counted under (``AXES_USERNAME_CALLABLE``).

    Every way of writing the same account counts against one key — its username, its phone
    with or without spaces — so formatting variants do not multiply the allowed guesses; and
    the lockout table never holds a phone number, only ``user:<id>`` or a blind index.
    """
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    login = str(raw or "").strip()
    if not login:
        return ""
    user = find_user(login)
    if user is not None:
        return f"user:{user.pk}"
    phone = normalize_phone(login)
    if PHONE_RE.match(phone):
        return f"phone:{blind_index(phone, 'phone')[:32]}"
    return login[:150]


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            User().set_password(password)  # equalise timing with a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
