"""Every write of the core app. Functions are ``<entity>_<verb>(*, actor, ...)``."""

from .accounts import (
    otp_send,
    preferences_update,
    resident_register,
    role_assign,
    role_revoke,
    token_create,
    token_revoke,
    user_create,
    user_reset_password,
    user_set_active,
)
from .areas import area_create, area_import, areas_load_national, figure_record
from .notifications import notification_read, notify
from .personal import pii_reveal, pii_rotate

__all__ = [
    "area_create",
    "area_import",
    "areas_load_national",
    "figure_record",
    "notification_read",
    "notify",
    "otp_send",
    "pii_reveal",
    "pii_rotate",
    "preferences_update",
    "resident_register",
    "role_assign",
    "role_revoke",
    "token_create",
    "token_revoke",
    "user_create",
    "user_reset_password",
    "user_set_active",
]
