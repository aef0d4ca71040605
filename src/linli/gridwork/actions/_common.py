"""What the grid-work actions share: the cleaning helpers of :mod:`linli.core.cleaning`, the
county and target-area look-ups."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.areacodes import Level
from linli.core.cleaning import (  # noqa: F401 (the actions use them as c.<name>)
    UNSET,
    Errors,
    Unset,
    client_key,
    date,
    line,
    normal_code,
    row_id,
    text,
)
from linli.core.errors import ActionError
from linli.core.models import Area


def county(value, *, field: str = "county") -> Area:
    code = normal_code(value)
    area = Area.objects.filter(code=code, level=Level.COUNTY).first() if code else None
    if area is None:
        raise ActionError(_("Choose a county."), field=field)
    return area


def today() -> dt.date:
    return timezone.localdate()


def is_user(actor) -> bool:
    return getattr(actor, "is_authenticated", False)


def user_or_none(actor):
    return actor if is_user(actor) else None
