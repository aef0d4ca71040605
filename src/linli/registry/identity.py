"""Resident identity numbers (居民身份证号, GB 11643) with one specific message per fault.

python-stdnum's ``cn.ric`` knows the check digit, the birth date and the birth-place table; it
raises on the first fault it meets, so the checks run here in the order a clerk would fix them:
shape, check digit, birth date, birth place. The birth place is checked against every code
that has ever existed, not those of the birth year (see :func:`known_area_code`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric

from linli.core.errors import ActionError


@lru_cache(maxsize=8192)
def known_area_code(code: str) -> bool:
    """Is ``code`` a county-level code that has ever existed?

    ``ric.get_birth_place`` also requires the code to have existed in the birth year, but
    numbers were issued from 1984 on under the code of the place of registration then, so a
    person born in 1945 in 西安区 (220403, created 1983) rightly holds a 220403 number.
    """
    results = numdb.get("cn/loc").info(code)
    return any("county" in props for _part, props in results)


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F": the 17th digit, odd for men


def clean_id_number(value: str, *, field: str = "id_number") -> IdFacts:
    """Validate and normalise an ID number; raise :class:`ActionError` naming the fault."""
    number = ric.compact(str(value or "")).replace(" ", "").upper()
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise ActionError(
            _("An ID number has 18 characters: 17 digits and a last digit or X."), field=field
        )
    if ric.calc_check_digit(number) != number[-1]:
        raise ActionError(
            _("The last character of this ID number does not match the others: check for a typo."),
            field=field,
        )
    try:
        birth = ric.get_birth_date(number)
    except (stdnum_errors.ValidationError, ValueError):
        raise ActionError(
            _("Characters 7 to 14 of this ID number are not a real birth date."), field=field
        ) from None
    if birth > timezone.localdate() or birth.year < 1890:
        raise ActionError(
            _("The birth date in this ID number (%(date)s) is not possible.")
            % {"date": birth.isoformat()},
            field=field,
        )
    if not known_area_code(number[:6]):
        raise ActionError(
            _("The first six digits of this ID number are not a known area code."), field=field
        )
    return IdFacts(number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F")
