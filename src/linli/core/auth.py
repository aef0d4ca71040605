"""Authentication: log in by username or by mobile phone (looked up by blind index)."""

from __future__ import annotations

import re

from django.contrib.auth.backends import ModelBackend

from .models import User
from .pii import blind_index

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[\s\-]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def find_user(login: str) -> User | None:
    login = (login or "").strip()
    if not login:
        return None
    phone = normalize_phone(login)
    if PHONE_RE.match(phone):
        user = User.objects.filter(phone_bidx=blind_index(phone, "phone")).first()
        if user is not None:
            return user
    return User.objects.filter(username=login).first()


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
