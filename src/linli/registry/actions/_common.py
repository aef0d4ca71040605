"""Shared checks of the registry's actions: areas, text, dates, names."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.auth import PHONE_RE, normalize_phone
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap


def text(value, *, limit: int, field: str, required: bool = False, label: str = "") -> str:
    cleaned = " ".join(str(value or "").replace("\x00", "").split())
    if required and not cleaned:
        raise ActionError(_("%(label)s is required.") % {"label": label or field}, field=field)
    if len(cleaned) > limit:
        raise ActionError(
            _("At most %(n)d characters.") % {"n": limit},
            field=field,
        )
    return cleaned


def area_of_level(actor, code: str, level: Level, cap: str, *, field: str) -> Area:
    """The area ``code`` of ``level``, over which the actor holds ``cap``; or an error.

    An area the actor cannot even read is "not found", so codes outside one's areas tell
    nothing about what exists there.
    """
    area = Area.objects.filter(code=str(code or "").replace("\x00", "").strip()[:15]).first()
    if area is None or not (
        scoping.has_cap(actor, Cap.REGISTRY_VIEW, area.code)
        or scoping.has_cap(actor, cap, area.code)
    ):
        raise NotFound(_("No such area among yours."), field=field)
    if area.level != level:
        message = (
            _("Choose a community or village.") if level == Level.COMMUNITY else _("Choose a grid.")
        )
        raise ActionError(message, field=field)
    scoping.require(actor, cap, area.code)
    return area


def date_or_today(value, *, field: str, allow_future: bool = False) -> dt.date:
    if value in (None, ""):
        return timezone.localdate()
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ActionError(_("Enter a date as YYYY-MM-DD."), field=field) from None
    if not allow_future and value > timezone.localdate():
        raise ActionError(_("This date is in the future."), field=field)
    if value.year < 1900:
        raise ActionError(_("This date is too far in the past."), field=field)
    return value


def phone_or_blank(value, *, field: str = "phone") -> str:
    raw = str(value or "").strip()
    if not raw:
        return ""
    phone = normalize_phone(raw)
    if not PHONE_RE.match(phone):
        raise ActionError(
            _("Enter an 11-digit mainland mobile number starting with 1."), field=field
        )
    return phone


@lru_cache(maxsize=65536)
def pinyin_of(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name, lower case, letters only: 张三 → (zhangsan, zs)."""
    syllables = [s for s in lazy_pinyin(name, errors="ignore") if s.isascii() and s.isalpha()]
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return (
        "".join(syllables).lower()[:200],
        "".join(i for i in initials if i.isascii() and i.isalpha()).lower()[:50],
    )
