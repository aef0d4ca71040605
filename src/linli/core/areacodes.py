"""Statistical division codes (统计用区划代码) and the levels that follow from them.

A code is ``PP CC DD TTT VVV`` (12 digits) for province → community/village; grids (网格)
extend a community code with three more digits (15 in all). The *significant prefix* of a
code is the part that identifies the area; every row under it starts with that prefix.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("province")
    PREFECTURE = 2, _("prefecture")
    COUNTY = 3, _("county")
    TOWN = 4, _("town or street")
    COMMUNITY = 5, _("community or village")
    GRID = 6, _("grid")


PREFIX_LENGTH = {
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWN: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
}

# Where the level's own digits sit inside the code.
_SEGMENTS = [(0, 2), (2, 4), (4, 6), (6, 9), (9, 12), (12, 15)]


class AreaCodeError(ValueError):
    """A code that is not a statistical division code; ``args[0]`` is a user-facing message."""


def normalize(code: str) -> str:
    """Return the canonical 12- or 15-digit form of ``code`` (short forms are zero-padded).

    ``22``, ``2204``, ``220403`` and ``220403001`` are padded to 12 digits; 12 and 15 digit
    codes are kept. Anything else raises :class:`AreaCodeError`.
    """
    text = (code or "").strip()
    if not text.isdigit() or not text.isascii():
        raise AreaCodeError(_("An area code has digits only."))
    if len(text) in (2, 4, 6, 9):
        text = text.ljust(12, "0")
    if len(text) not in (12, 15):
        raise AreaCodeError(_("An area code has 12 digits (15 for a grid)."))
    return text


def level_of(code: str) -> Level:
    """The level of a canonical code, read from its last non-zero segment."""
    code = normalize(code)
    if len(code) == 15:
        if code[12:] == "000":
            raise AreaCodeError(_("A grid code must not end in 000."))
        if code[9:12] == "000":
            raise AreaCodeError(_("A grid code must extend a community code."))
        return Level.GRID
    level = Level.PROVINCE
    seen_zero = False
    for index, (start, end) in enumerate(_SEGMENTS[:5]):
        segment = code[start:end]
        if int(segment) == 0:
            if index == 0:
                raise AreaCodeError(_("The province part of an area code cannot be 00."))
            seen_zero = True
            continue
        if seen_zero:
            raise AreaCodeError(_("An area code cannot have a zero part before a non-zero part."))
        level = Level(index + 1)
    return level


def prefix_of(code: str) -> str:
    """The significant prefix: rows inside the area have area codes starting with it."""
    code = normalize(code)
    return code[: PREFIX_LENGTH[level_of(code)]]


def parent_code(code: str) -> str | None:
    """The canonical code of the parent area, or None for a province."""
    code = normalize(code)
    level = level_of(code)
    if level == Level.PROVINCE:
        return None
    parent_len = PREFIX_LENGTH[Level(level - 1)]
    return code[:parent_len].ljust(12, "0")


def ancestors(code: str) -> list[str]:
    """Canonical codes from the province down to the parent of ``code``."""
    result: list[str] = []
    current = parent_code(code)
    while current is not None:
        result.append(current)
        current = parent_code(current)
    return list(reversed(result))


def is_within(code: str, prefix: str) -> bool:
    return normalize(code).startswith(prefix)


URBAN_RURAL_CLASSES = [
    ("111", _("111 main urban area")),
    ("112", _("112 urban-rural fringe")),
    ("121", _("121 town centre")),
    ("122", _("122 town-village fringe")),
    ("123", _("123 special area")),
    ("210", _("210 township centre")),
    ("220", _("220 village")),
]


def is_urban(urban_rural_code: str) -> bool:
    """1xx is urban (社区), 2xx rural (村)."""
    return urban_rural_code.startswith("1")
