"""API shapes of the core app, and the input types every app's schemas share."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from . import areacodes

# The largest primary key any supported database stores (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(str(_("Text cannot contain NUL characters.")))
    return value


def _area_code(value: str) -> str:
    try:
        return areacodes.normalize(_no_nul(value))
    except areacodes.AreaCodeError as exc:
        raise ValueError(str(exc)) from None


Text = Annotated[str, AfterValidator(_no_nul)]
AreaCode = Annotated[
    str,
    AfterValidator(_area_code),
    Field(description="12 digits (15 for a grid); 220403 is read as 220403000000"),
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class In(Schema):
    """Base of every input: unknown members are refused."""

    model_config = ConfigDict(extra="forbid")


class HealthOut(Schema):
    status: str
    database: str
    version: str
    time: dt.datetime


class AssignmentOut(Schema):
    id: int
    role: str
    role_label: str
    area_code: str
    area_name: str

    @staticmethod
    def resolve_role_label(obj) -> str:
        return (
            str(obj.get_role_display()) if hasattr(obj, "get_role_display") else obj["role_label"]
        )

    @staticmethod
    def resolve_area_name(obj) -> str:
        return obj.area.name if hasattr(obj, "area") else obj["area_name"]


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    phone_masked: str
    language: str
    elderly_mode: bool
    roles: list[AssignmentOut]
    capabilities: list[str]


class AreaOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    parent_code: str | None = Field(None, alias="parent_id")
    prefix: str
    urban_rural: str
    is_demo: bool

    @staticmethod
    def resolve_level_label(obj) -> str:
        return str(obj.get_level_display())


class FigureOut(Schema):
    kind: str
    value: int
    as_of: dt.date
    source: str


class AreaDetailOut(AreaOut):
    ancestors: list[AreaOut]
    figures: list[FigureOut]


class FigureIn(Schema):
    kind: str = Field(..., description="population | households")
    value: int
    as_of: dt.date
    source: str


class ImportOut(Schema):
    ok: bool
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    figures: int
    errors: dict[int, list[str]]


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    phone_masked: str
    is_active: bool
    roles: list[AssignmentOut]

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        from .pii import mask_phone

        return mask_phone(obj.phone)

    @staticmethod
    def resolve_roles(obj):
        return list(obj.assignments.all())


class UserIn(Schema):
    username: str
    full_name: str
    password: str
    phone: str = ""
    role: str
    area_code: str


class AssignmentIn(Schema):
    user_id: int
    role: str
    area_code: str


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor: str = Field(..., alias="actor_label")
    action: str
    target_type: str
    target_id: str
    area_code: str
    request_id: str
    ip: str | None
    extra: dict


class TokenIn(Schema):
    name: str
    days: int | None = 90


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked: bool

    @staticmethod
    def resolve_revoked(obj) -> bool:
        return obj.revoked_at is not None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="Shown once; store it now.")


class OtpIn(Schema):
    phone: str


class RegisterIn(Schema):
    phone: str
    code: str
    full_name: str
    password: str
    community_code: str


class RoleOut(Schema):
    role: str
    label: str
    capabilities: list[str]
    assignable_levels: list[int]


class PreferencesIn(Schema):
    language: str | None = None
    elderly_mode: bool | None = None


class MessageOut(Schema):
    detail: str
