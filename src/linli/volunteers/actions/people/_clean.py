"""Cleaning what a volunteer, a worker or the API sent about a volunteer, a team or an
organisation: lists of codes (skills, languages, free times, target groups), phones, ID
numbers with the age they give, the areas a volunteer serves, and the readable volunteer
number."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.areacodes import Level
from linli.core.auth import PHONE_RE, normalize_phone
from linli.core.cleaning import Errors, normal_code
from linli.core.errors import ActionError, Conflict, Forbidden
from linli.core.models import Area
from linli.core.pii import blind_index
from linli.registry.identity import IdFacts, clean_id_number
from linli.registry.models import Resident

from ...models import AVAILABILITY, Skill, TargetGroup, Volunteer

LANGUAGES = tuple(Resident.Language.values)
SKILLS = tuple(Skill.values)
TARGET_GROUPS = tuple(TargetGroup.values)
# Adults register themselves; from 8 (限制民事行为能力人, 《志愿服务条例》 art. 15) a worker
# registers a child with the signed consent of a parent or guardian.
SELF_MIN_AGE = 18
STAFF_MIN_AGE = 8
NUMBER_SERIAL_WIDTH = 6
LIST_MAX = 60
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_TRUE = {"1", "true", "yes", "on"}


def user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def require_login(actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("Log in first."))


def flag(value) -> bool:
    """A box ticked: True, "on", "1", "yes", "true"."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def codes(errors: Errors, field: str, values, allowed, message) -> list[str]:
    """A list of known codes, without repeats, in the order of ``allowed``. A single string is
    one code; None or "" is none."""
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple | set | frozenset):
        errors.add(field, message)
        return []
    given = [str(v).strip() for v in values][:LIST_MAX]
    unknown = [v for v in given if v not in allowed]
    if unknown:
        errors.add(field, message)
    wanted = set(given)
    return [code for code in allowed if code in wanted]


def skills(errors: Errors, values, field: str = "skills") -> list[str]:
    return codes(errors, field, values, SKILLS, _("Choose skills from the list."))


def languages(errors: Errors, values) -> list[str]:
    return codes(errors, "languages", values, LANGUAGES, _("Choose languages from the list."))


def availability(errors: Errors, values) -> list[str]:
    return codes(
        errors,
        "availability",
        values,
        AVAILABILITY,
        _("Choose free times from the week: a day and morning, afternoon or evening."),
    )


def target_groups(errors: Errors, values) -> list[str]:
    return codes(
        errors, "target_groups", values, TARGET_GROUPS, _("Choose the people served from the list.")
    )


def mobile(errors: Errors, value, *, field: str = "phone", required: bool = False) -> str:
    """A mainland mobile number as 11 digits ("" when none given)."""
    raw = str(value or "").replace("\x00", "").strip()
    if not raw:
        if required:
            errors.add(field, _("Enter your mobile number."))
        return ""
    phone = normalize_phone(raw)
    if not PHONE_RE.match(phone):
        errors.add(field, _("Enter an 11-digit mainland mobile number starting with 1."))
    return phone


def contact_phone(errors: Errors, value, *, field: str = "contact_phone") -> str:
    """A mobile number, or a landline with its area code (0431-88886666)."""
    raw = str(value or "").replace("\x00", "").strip()
    if not raw:
        return ""
    phone = normalize_phone(raw)
    if PHONE_RE.match(phone):
        return phone
    landline = raw.replace(" ", "")
    if _LANDLINE_RE.match(landline):
        return landline
    errors.add(field, _("Enter a mobile number, or a landline with its area code (0431-88886666)."))
    return ""


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def id_number(
    errors: Errors, value, *, min_age: int, field: str = "id_number", required: bool = True
) -> IdFacts | None:
    """A valid ID number (GB 11643) of someone at least ``min_age`` years old."""
    if not str(value or "").strip():
        if required:
            errors.add(field, _("Enter the 18-character ID number."))
        return None
    try:
        facts = clean_id_number(value, field=field)
    except ActionError as exc:
        errors.add(field, exc.message)
        return None
    if age_on(facts.birth_date, timezone.localdate()) < min_age:
        if min_age == SELF_MIN_AGE:
            errors.add(
                field,
                _(
                    "Volunteers under %(age)d are registered at the service hall of their "
                    "community, with the consent of a parent or guardian."
                )
                % {"age": SELF_MIN_AGE},
            )
        else:
            errors.add(field, _("Volunteers are at least %(age)d years old.") % {"age": min_age})
        return None
    return facts


def town_of(community: Area) -> Area | None:
    parent = community.parent
    return parent if parent is not None and parent.level == Level.TOWN else None


def served_areas(errors: Errors, values, community: Area) -> list[str]:
    """The areas a volunteer serves: their community, and their town if they wish (their
    community when none is chosen)."""
    town = town_of(community)
    allowed = [community.code] + ([town.code] if town is not None else [])
    chosen = codes(
        errors,
        "service_areas",
        values,
        allowed,
        _("Choose your community or your town."),
    )
    return chosen or [community.code]


def community(value, *, field: str = "community_code") -> Area | None:
    """The community or village named by a code (a grid names its community)."""
    code = normal_code(value)
    if code is None:
        return None
    area = Area.objects.select_related("parent").filter(code=code[:12]).first()
    if area is None or area.level != Level.COMMUNITY:
        return None
    return area


def resident_of(number: str, community_code: str) -> Resident | None:
    """The registry's person of this ID number in the volunteer's community, if any."""
    return (
        Resident.objects.filter(
            id_bidx=blind_index(number, "id_number"), area_code__startswith=community_code
        )
        .only("pk")
        .first()
    )


def next_number(home: Area) -> str:
    """The next readable volunteer number of the home community's county: its 6-digit code
    and a 6-digit serial (220403000042). Call inside the transaction that creates the
    volunteer, after locking the county (see :func:`lock_county`)."""
    county = home.code[:6]
    last = (
        Volunteer.objects.annotate(width=Length("number"))
        .filter(number__startswith=county, width=len(county) + NUMBER_SERIAL_WIDTH)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last[len(county) :]) + 1 if last and last[len(county) :].isdigit() else 1
    if serial >= 10**NUMBER_SERIAL_WIDTH:
        raise Conflict(_("This county has used every volunteer number."))
    return f"{county}{serial:0{NUMBER_SERIAL_WIDTH}d}"


def lock_county(home: Area) -> None:
    """One numbering at a time per county: the county's row is the lock (PostgreSQL; SQLite
    writes one transaction at a time anyway)."""
    county = home.code[:6].ljust(12, "0")
    rows = Area.objects.select_for_update().filter(code=county).values_list("code", flat=True)
    if rows.first() is None:
        Area.objects.select_for_update().filter(code=home.code).values_list("code").first()
