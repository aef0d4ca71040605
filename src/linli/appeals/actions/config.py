"""Configuring appeals: a county's category catalogue, response templates and policy; the urgency
tiers and the holiday calendar; routing rules and the department and provider units they send
appeals to; Open311 client keys.

Who may do what:

* ``appeal.configure`` (county officers, system administrators) over a county: its categories,
  templates and policy. Tiers and the holiday calendar belong to the whole platform (every
  county counts working days by the same national calendar), so holding ``appeal.configure``
  anywhere lets one edit them.
* ``appeal.route`` (town and county officers) over an area: routing rules there, department and
  provider units sitting there, and their members.
* ``open311.keys`` (security administrators) over a county: Open311 clients posting to it.

Everything is checked before anything is written; each action is one transaction with its audit
row (ids and codes only).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, audit, scoping
from linli.core.areacodes import Level
from linli.core.auth import find_user
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import Area, RoleAssignment
from linli.core.roles import ADMIN_ROLES, Cap, Role

from .. import queries
from ..models import (
    OPEN_STATES,
    Appeal,
    Category,
    Holiday,
    Open311Client,
    Policy,
    ResponseTemplate,
    RoutingRule,
    Tier,
    Unit,
    UnitMember,
)


class _Unset:
    """An argument that was not given: the field keeps its value."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()

# Question (Open311 attribute) codes and answer keys: short slugs. No comma: a multiple choice
# answer is stored as its keys joined by commas.
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
TIER_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_TYPES = ("singlevaluelist", "multivaluelist")
QUESTION_KEYS = {"code", "datatype", "required", "description", "values"}
QUESTIONS_MAX = 20
VALUES_MAX = 50
QUESTION_MAX = 200
ANSWER_NAME_MAX = 60
SORT_MAX = 32767

CATEGORY_NAME_MAX = Category._meta.get_field("name").max_length
CATEGORY_DESCRIPTION_MAX = Category._meta.get_field("description").max_length
TIER_NAME_MAX = Tier._meta.get_field("name").max_length
UNIT_NAME_MAX = Unit._meta.get_field("name").max_length
HOLIDAY_NAME_MAX = Holiday._meta.get_field("name").max_length
TEMPLATE_TITLE_MAX = ResponseTemplate._meta.get_field("title").max_length
TEMPLATE_TEXT_MAX = ResponseTemplate._meta.get_field("text").max_length
CLIENT_NAME_MAX = Open311Client._meta.get_field("name").max_length

RESPOND_MINUTES_MAX = 30 * 24 * 60
RESOLVE_MAX = {Tier.Unit.HOURS: 720, Tier.Unit.DAYS: 365, Tier.Unit.WORKDAYS: 250}
HOLIDAY_YEARS = (2000, 2100)
HOLIDAY_LINES_MAX = 500
OFF_WORDS = {"off", "休", "假"}
ON_WORDS = {"on", "班"}

# (field, lowest, highest) of a county's policy.
POLICY_BOUNDS = {
    "auto_confirm_days": (1, 60),
    "rating_days": (1, 90),
    "satisfied_from": (3, 5),
    "rectify_workdays": (1, 60),
    "escalate_again_hours": (1, 720),
}
OPEN311_KEY_PREFIX = "o311_"


# --- shared checks ------------------------------------------------------------------------------


class _Errors:
    """Collects messages by field, so one answer names every problem."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def add(self, field: str, message) -> None:
        self.found.setdefault(field, []).append(str(message))

    def has(self, field: str) -> bool:
        return field in self.found

    def raise_if_any(self, summary) -> None:
        if self.found:
            raise ActionError(summary, errors=self.found)


def _line(value, *, max_length: int) -> str:
    """One line of text: surrounding and repeated white space removed."""
    if value is None:
        return ""
    return " ".join(str(value).replace("\x00", "").split())[: max_length + 1]


def _check_line(errors: _Errors, field: str, value, *, max_length: int, required: bool) -> str:
    text = _line(value, max_length=max_length)
    if required and not text:
        errors.add(field, _("Please fill this in."))
    elif len(text) > max_length:
        errors.add(field, _("At most %(max)d characters, please.") % {"max": max_length})
    return text[:max_length]


def _check_text(errors: _Errors, field: str, value, *, max_length: int) -> str:
    text = "" if value is None else str(value).replace("\x00", "").strip()
    if not text:
        errors.add(field, _("Please fill this in."))
    elif len(text) > max_length:
        errors.add(field, _("At most %(max)d characters, please.") % {"max": max_length})
    return text[:max_length]


def _flag(errors: _Errors, field: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    errors.add(field, _("Answer yes or no."))
    return False


def _number(errors: _Errors, field: str, value, lowest: int, highest: int) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value is not None else None
    except ValueError:
        number = None
    if number is None or not lowest <= number <= highest:
        errors.add(
            field,
            _("Enter a whole number from %(low)d to %(high)d.") % {"low": lowest, "high": highest},
        )
        return lowest
    return number


def _row_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 2**63 - 1 else None


def _area(code, *, field: str, message) -> Area:
    try:
        normal = areacodes.normalize(str(code or ""))
    except areacodes.AreaCodeError:
        raise ActionError(message, field=field) from None
    area = Area.objects.filter(code=normal).first()
    if area is None:
        raise ActionError(message, field=field)
    return area


def _county(code, *, field: str = "county") -> Area:
    area = _area(code, field=field, message=_("Choose a county."))
    if area.level != Level.COUNTY:
        raise ActionError(_("Choose a county."), field=field)
    return area


def _is_user(actor) -> bool:
    return getattr(actor, "is_authenticated", False)


def _actor_user(actor):
    return actor if _is_user(actor) else None


# --- categories ---------------------------------------------------------------------------------


def clean_questions(value) -> list[dict]:
    """The questions (Open311 attributes) a category asks, checked strictly and normalized.

    Each is ``{code, datatype, required, description, values}``: ``code`` a short slug unique in
    the list; ``datatype`` one of :data:`DATATYPES`; ``required`` true or false; ``description``
    the question as residents read it; ``values`` the offered answers ``{key, name}`` — needed
    for the two list types, empty for the others.
    """
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ActionError(_("The questions must be a list."), field="attributes")
    if len(value) > QUESTIONS_MAX:
        raise ActionError(
            _("At most %(max)d questions, please.") % {"max": QUESTIONS_MAX}, field="attributes"
        )
    problems: list[str] = []
    clean: list[dict] = []
    codes: set[str] = set()
    for number, question in enumerate(value, start=1):

        def bad(message, number=number) -> None:
            problems.append(
                _("Question %(number)d: %(problem)s") % {"number": number, "problem": message}
            )

        if not isinstance(question, dict):
            bad(_("give its code, kind, whether it is required, the question and answers."))
            continue
        unknown = sorted(str(k) for k in question if k not in QUESTION_KEYS)
        if unknown:
            bad(_("unknown part %(name)s.") % {"name": unknown[0][:40]})
            continue
        code = question.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code):
            bad(_("the code is 1 to 40 small Latin letters, digits, '_' or '-'."))
            continue
        if code in codes:
            bad(_("the code %(code)s is used twice.") % {"code": code})
            continue
        codes.add(code)
        datatype = question.get("datatype")
        if datatype not in DATATYPES:
            bad(_("the kind must be one of %(kinds)s.") % {"kinds": ", ".join(DATATYPES)})
            continue
        required = question.get("required", False)
        if not isinstance(required, bool):
            bad(_("“required” is true or false."))
            continue
        description = question.get("description")
        text = _line(description, max_length=QUESTION_MAX) if isinstance(description, str) else ""
        if not text or len(text) > QUESTION_MAX:
            bad(_("write the question, at most %(max)d characters.") % {"max": QUESTION_MAX})
            continue
        values = question.get("values") or []
        if not isinstance(values, list | tuple):
            bad(_("the answers must be a list."))
            continue
        answers: list[dict] = []
        if datatype in LIST_TYPES:
            if not values:
                bad(_("a question with a choice of answers needs at least one answer."))
                continue
            if len(values) > VALUES_MAX:
                bad(_("at most %(max)d answers.") % {"max": VALUES_MAX})
                continue
            keys: set[str] = set()
            for answer in values:
                if not isinstance(answer, dict) or set(answer) != {"key", "name"}:
                    bad(_("each answer has a key and a name, nothing else."))
                    break
                key, name = answer["key"], answer["name"]
                if not isinstance(key, str) or not KEY_RE.match(key):
                    bad(_("an answer key is 1 to 40 Latin letters, digits, '_' or '-'."))
                    break
                if key in keys:
                    bad(_("the answer key %(key)s is used twice.") % {"key": key})
                    break
                keys.add(key)
                label = _line(name, max_length=ANSWER_NAME_MAX) if isinstance(name, str) else ""
                if not label or len(label) > ANSWER_NAME_MAX:
                    bad(
                        _("each answer needs a name of at most %(max)d characters.")
                        % {"max": ANSWER_NAME_MAX}
                    )
                    break
                answers.append({"key": key, "name": label})
            if len(answers) != len(values):
                continue
        elif values:
            bad(_("only a question with a choice of answers lists answers."))
            continue
        clean.append(
            {
                "code": code,
                "datatype": datatype,
                "required": required,
                "description": text,
                "values": answers,
            }
        )
    if problems:
        raise ActionError(problems[0], errors={"attributes": problems})
    return clean


def _configure(actor, county_code: str) -> None:
    scoping.require(actor, Cap.APPEAL_CONFIGURE, county_code)


def _category(actor, category_id) -> Category:
    pk = _row_id(category_id)
    category = Category.objects.select_related("tier").filter(pk=pk).first() if pk else None
    if category is None or not scoping.has_cap(actor, Cap.APPEAL_CONFIGURE, category.area_code):
        raise NotFound(_("There is no such category among yours."))
    return category


def _descendant_ids(category: Category) -> set[int]:
    """The ids of ``category``'s subtree, itself included."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.filter(area_code=category.area_code).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    found = {category.pk}
    todo = [category.pk]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _category_fields(
    *, county: str, instance: Category | None, given: dict, errors: _Errors
) -> dict:
    """Check the fields that are given (all of them when creating); return them cleaned."""
    clean: dict = {}
    if "name" in given:
        clean["name"] = _check_line(
            errors, "name", given["name"], max_length=CATEGORY_NAME_MAX, required=True
        )
    if "description" in given:
        clean["description"] = _check_line(
            errors,
            "description",
            given["description"],
            max_length=CATEGORY_DESCRIPTION_MAX,
            required=False,
        )
    if "parent_id" in given:
        raw = given["parent_id"]
        parent = None
        if raw not in (None, "", 0):
            pk = _row_id(raw)
            parent = Category.objects.filter(pk=pk, area_code=county).first() if pk else None
            if parent is None:
                errors.add("parent", _("Choose a category of the same county."))
            elif instance is not None and parent.pk in _descendant_ids(instance):
                errors.add("parent", _("A category cannot sit under itself or its own kinds."))
        clean["parent"] = parent
    if "tier" in given:
        raw = given["tier"]
        tier = raw if isinstance(raw, Tier) else None
        if tier is None and isinstance(raw, str) and raw.strip():
            tier = Tier.objects.filter(code=raw.strip()).first()
        if tier is None:
            errors.add("tier", _("Choose an urgency tier."))
        clean["tier"] = tier
    if "unit_kind" in given:
        if given["unit_kind"] not in Unit.Kind.values:
            errors.add("unit_kind", _("Choose who handles it by default."))
        clean["unit_kind"] = given["unit_kind"]
    for name in ("public", "active"):
        if name in given:
            clean[name] = _flag(errors, name, given[name])
    if "sort" in given and given["sort"] is not None:
        clean["sort"] = _number(errors, "sort", given["sort"], 0, SORT_MAX)
    if "attributes" in given:
        try:
            clean["attributes"] = clean_questions(given["attributes"])
        except ActionError as exc:
            for message in exc.errors.get("attributes", [exc.message]):
                errors.add("attributes", message)
    return clean


def _check_sibling_name(errors: _Errors, county: str, parent, name: str, exclude=None) -> None:
    if errors.has("name") or errors.has("parent") or not name:
        return
    siblings = Category.objects.filter(area_code=county, parent=parent, name=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    if siblings.exists():
        errors.add("name", _("There is already a category of this name here."))


def category_create(
    *,
    actor,
    county_code,
    name,
    tier,
    unit_kind,
    description="",
    parent_id=None,
    public=True,
    active=True,
    sort=None,
    attributes=None,
) -> Category:
    """Add a category to a county's catalogue (``appeal.configure`` over the county)."""
    county = _county(county_code)
    _configure(actor, county.code)
    errors = _Errors()
    given = {
        "name": name,
        "description": description,
        "parent_id": parent_id,
        "tier": tier,
        "unit_kind": unit_kind,
        "public": public,
        "active": active,
        "sort": sort,
        "attributes": attributes or [],
    }
    clean = _category_fields(county=county.code, instance=None, given=given, errors=errors)
    _check_sibling_name(errors, county.code, clean.get("parent"), clean.get("name", ""))
    errors.raise_if_any(_("The category was not added."))
    with transaction.atomic():
        if "sort" not in clean:
            last = (
                Category.objects.filter(area_code=county.code, parent=clean["parent"])
                .order_by("-sort")
                .values_list("sort", flat=True)
                .first()
            )
            clean["sort"] = min((last or 0) + 10, SORT_MAX)
        category = Category.objects.create(area_code=county.code, **clean)
        audit.record(
            actor,
            "appeal.category_create",
            category,
            extra={
                "parent": category.parent_id,
                "tier": category.tier.code,
                "unit_kind": category.unit_kind,
                "questions": len(category.attributes),
            },
        )
    return category


def category_update(
    *,
    actor,
    category_id,
    name=UNSET,
    description=UNSET,
    parent_id=UNSET,
    tier=UNSET,
    unit_kind=UNSET,
    public=UNSET,
    active=UNSET,
    sort=UNSET,
    attributes=UNSET,
) -> Category:
    """Change a category; arguments not given keep their value."""
    category = _category(actor, category_id)
    given = {
        key: value
        for key, value in {
            "name": name,
            "description": description,
            "parent_id": parent_id,
            "tier": tier,
            "unit_kind": unit_kind,
            "public": public,
            "active": active,
            "sort": sort,
            "attributes": attributes,
        }.items()
        if value is not UNSET
    }
    if given.get("sort", 0) is None:
        given.pop("sort")
    errors = _Errors()
    clean = _category_fields(
        county=category.area_code, instance=category, given=given, errors=errors
    )
    if "name" in clean or "parent" in clean:
        _check_sibling_name(
            errors,
            category.area_code,
            clean.get("parent", category.parent),
            clean.get("name", category.name),
            exclude=category.pk,
        )
    errors.raise_if_any(_("The category was not changed."))
    changed = sorted(key for key, value in clean.items() if getattr(category, key) != value)
    with transaction.atomic():
        moving = clean.get("parent") is not None
        if moving:
            # Two moves at once must not close a cycle: the county's tree is locked and the
            # check made again.
            list(Category.objects.select_for_update().filter(area_code=category.area_code))
        locked = Category.objects.select_for_update().get(pk=category.pk)
        if moving and clean["parent"].pk in _descendant_ids(locked):
            raise ActionError(
                _("A category cannot sit under itself or its own kinds."), field="parent"
            )
        for key, value in clean.items():
            setattr(locked, key, value)
        locked.save()
        audit.record(actor, "appeal.category_update", locked, extra={"changed": changed})
    return locked


# --- urgency tiers ------------------------------------------------------------------------------


def _configure_anywhere(actor) -> None:
    scoping.require(actor, Cap.APPEAL_CONFIGURE)


def _tier(actor, tier_code) -> Tier:
    _configure_anywhere(actor)
    tier = Tier.objects.filter(code=str(tier_code or "").strip()).first()
    if tier is None:
        raise NotFound(_("There is no such urgency tier."))
    return tier


def _tier_fields(given: dict, errors: _Errors, current: Tier | None) -> dict:
    clean: dict = {}
    if "name" in given:
        clean["name"] = _check_line(
            errors, "name", given["name"], max_length=TIER_NAME_MAX, required=True
        )
    if "respond_minutes" in given:
        clean["respond_minutes"] = _number(
            errors, "respond_minutes", given["respond_minutes"], 1, RESPOND_MINUTES_MAX
        )
    unit = given.get("resolve_unit", current.resolve_unit if current else None)
    if "resolve_unit" in given and unit not in Tier.Unit.values:
        errors.add("resolve_unit", _("Choose hours, calendar days or working days."))
        unit = None
    if "resolve_unit" in given:
        clean["resolve_unit"] = unit
    if "resolve_amount" in given or ("resolve_unit" in clean and current is not None):
        amount = given.get("resolve_amount", current.resolve_amount if current else None)
        highest = RESOLVE_MAX.get(unit, max(RESOLVE_MAX.values()))
        clean["resolve_amount"] = _number(errors, "resolve_amount", amount, 1, highest)
    if "sort" in given and given["sort"] is not None:
        clean["sort"] = _number(errors, "sort", given["sort"], 0, SORT_MAX)
    if not errors.found:
        probe = Tier(
            respond_minutes=clean.get("respond_minutes", getattr(current, "respond_minutes", 1)),
            resolve_amount=clean.get("resolve_amount", getattr(current, "resolve_amount", 1)),
            resolve_unit=clean.get("resolve_unit", getattr(current, "resolve_unit", "hours")),
        )
        if probe.respond_minutes > probe.resolve_minutes_estimate():
            errors.add(
                "respond_minutes", _("Accepting an appeal cannot take longer than resolving it.")
            )
    return clean


def tier_create(
    *, actor, code, name, respond_minutes, resolve_amount, resolve_unit, sort=None
) -> Tier:
    """Add an urgency tier (shared by every county)."""
    _configure_anywhere(actor)
    errors = _Errors()
    code = str(code or "").strip()
    if not TIER_CODE_RE.match(code):
        errors.add("code", _("The code is 1 to 30 small Latin letters, digits, '_' or '-'."))
    elif Tier.objects.filter(code=code).exists():
        errors.add("code", _("There is already a tier with this code."))
    clean = _tier_fields(
        {
            "name": name,
            "respond_minutes": respond_minutes,
            "resolve_amount": resolve_amount,
            "resolve_unit": resolve_unit,
            "sort": sort,
        },
        errors,
        None,
    )
    errors.raise_if_any(_("The tier was not added."))
    if "sort" not in clean:
        last = Tier.objects.order_by("-sort").values_list("sort", flat=True).first()
        clean["sort"] = min((last or 0) + 10, SORT_MAX)
    try:
        with transaction.atomic():
            tier = Tier.objects.create(code=code, builtin=False, **clean)
            audit.record(
                actor,
                "appeal.tier_create",
                tier,
                extra={
                    "code": tier.code,
                    "respond_minutes": tier.respond_minutes,
                    "resolve_amount": tier.resolve_amount,
                    "resolve_unit": tier.resolve_unit,
                },
            )
    except IntegrityError:
        raise Conflict(_("There is already a tier with this code."), field="code") from None
    return tier


def tier_update(
    *,
    actor,
    tier_code,
    name=UNSET,
    respond_minutes=UNSET,
    resolve_amount=UNSET,
    resolve_unit=UNSET,
    sort=UNSET,
) -> Tier:
    """Change a tier's name and clocks (built-in tiers too). Appeals already taken in keep the
    deadlines they were given; new ones follow the new clocks."""
    tier = _tier(actor, tier_code)
    given = {
        key: value
        for key, value in {
            "name": name,
            "respond_minutes": respond_minutes,
            "resolve_amount": resolve_amount,
            "resolve_unit": resolve_unit,
            "sort": sort,
        }.items()
        if value is not UNSET
    }
    errors = _Errors()
    clean = _tier_fields(given, errors, tier)
    errors.raise_if_any(_("The tier was not changed."))
    with transaction.atomic():
        locked = Tier.objects.select_for_update().get(pk=tier.pk)
        changed = sorted(k for k, v in clean.items() if getattr(locked, k) != v)
        for key, value in clean.items():
            setattr(locked, key, value)
        locked.save()
        audit.record(
            actor,
            "appeal.tier_update",
            locked,
            extra={
                "code": locked.code,
                "changed": changed,
                "respond_minutes": locked.respond_minutes,
                "resolve_amount": locked.resolve_amount,
                "resolve_unit": locked.resolve_unit,
            },
        )
    return locked


def tier_delete(*, actor, tier_code) -> None:
    """Remove a tier the platform added itself and nothing uses; built-in tiers stay."""
    tier = _tier(actor, tier_code)
    if tier.builtin:
        raise Conflict(_("A built-in tier can be changed but not removed."), field="code")
    if Category.objects.filter(tier=tier).exists() or Appeal.objects.filter(tier=tier).exists():
        raise Conflict(
            _("Categories or appeals use this tier: move them to another tier first."),
            field="code",
        )
    try:
        with transaction.atomic():
            audit.record(actor, "appeal.tier_delete", tier, extra={"code": tier.code})
            tier.delete()
    except ProtectedError:
        raise Conflict(
            _("Categories or appeals use this tier: move them to another tier first."),
            field="code",
        ) from None


# --- the holiday calendar -----------------------------------------------------------------------


def _parse_day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value or "").strip().replace("/", "-")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return None
    if not HOLIDAY_YEARS[0] <= day.year <= HOLIDAY_YEARS[1]:
        return None
    return day


def _bad_day_message():
    return _("Enter a date like 2026-10-01 (years %(first)d to %(last)d).") % {
        "first": HOLIDAY_YEARS[0],
        "last": HOLIDAY_YEARS[1],
    }


def holiday_set(*, actor, date, name, is_workday=False) -> tuple[Holiday, bool]:
    """Mark one day: a holiday (``is_workday`` false) or a make-up working day (调休, true).
    Setting a day again replaces what it said. Returns the day and whether it is new."""
    _configure_anywhere(actor)
    errors = _Errors()
    day = _parse_day(date)
    if day is None:
        errors.add("date", _bad_day_message())
    name = _check_line(errors, "name", name, max_length=HOLIDAY_NAME_MAX, required=True)
    workday = _flag(errors, "is_workday", is_workday)
    errors.raise_if_any(_("The day was not saved."))
    with transaction.atomic():
        holiday, created = Holiday.objects.select_for_update().get_or_create(
            date=day, defaults={"name": name, "is_workday": workday}
        )
        if not created:
            holiday.name, holiday.is_workday = name, workday
            holiday.save()
        audit.record(
            actor,
            "appeal.holiday_set",
            holiday,
            extra={"date": day.isoformat(), "workday": workday, "created": created},
        )
    return holiday, created


def holiday_delete(*, actor, date) -> None:
    """Make a day an ordinary one again (a weekday works, a weekend rests)."""
    _configure_anywhere(actor)
    day = _parse_day(date)
    holiday = Holiday.objects.filter(date=day).first() if day else None
    if holiday is None:
        raise NotFound(_("That day is not in the holiday calendar."))
    with transaction.atomic():
        audit.record(
            actor,
            "appeal.holiday_delete",
            holiday,
            extra={"date": day.isoformat(), "workday": holiday.is_workday},
        )
        holiday.delete()


def parse_holiday_lines(text) -> list[tuple[dt.date, str, bool]]:
    """``2026-10-01 国庆节 off`` / ``2026-10-10 调休 on`` lines (``休``/``班`` work too; blank
    lines and lines starting with ``#`` are skipped). Every bad line is reported at once."""
    lines = str(text or "").replace("\x00", "").splitlines()
    if len(lines) > HOLIDAY_LINES_MAX:
        raise ActionError(
            _("At most %(max)d lines at a time, please.") % {"max": HOLIDAY_LINES_MAX},
            field="text",
        )
    problems: list[str] = []
    found: list[tuple[dt.date, str, bool]] = []
    seen: dict[dt.date, int] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue

        def bad(message, number=number) -> None:
            problems.append(
                _("Line %(number)d: %(problem)s") % {"number": number, "problem": message}
            )

        parts = line.split()
        if len(parts) < 3:
            bad(_("write the date, the name and “off” or “on”, e.g. 2026-10-01 国庆节 off."))
            continue
        day = _parse_day(parts[0])
        flag = parts[-1].lower()
        name = " ".join(parts[1:-1])
        if day is None:
            bad(_bad_day_message())
            continue
        if flag not in OFF_WORDS | ON_WORDS:
            bad(_("end the line with “off” (a holiday) or “on” (a make-up working day)."))
            continue
        if len(name) > HOLIDAY_NAME_MAX:
            bad(_("the name has at most %(max)d characters.") % {"max": HOLIDAY_NAME_MAX})
            continue
        if day in seen:
            bad(_("%(date)s is already on line %(line)d.") % {"date": day, "line": seen[day]})
            continue
        seen[day] = number
        found.append((day, name, flag in ON_WORDS))
    if problems:
        raise ActionError(
            _("Nothing was imported: correct the lines named below."), errors={"text": problems}
        )
    if not found:
        raise ActionError(_("Paste at least one line with a date."), field="text")
    return found


def holidays_import(*, actor, text) -> dict[str, int]:
    """Set many days at once from pasted lines. All or nothing: one bad line and nothing is
    written. Importing the same lines again changes nothing."""
    _configure_anywhere(actor)
    days = parse_holiday_lines(text)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    try:
        return _holidays_write(actor, days, counts)
    except IntegrityError:
        raise Conflict(
            _("The calendar changed at the same moment: import the lines again."), field="text"
        ) from None


def _holidays_write(actor, days, counts: dict[str, int]) -> dict[str, int]:
    with transaction.atomic():
        existing = {
            h.date: h
            for h in Holiday.objects.select_for_update().filter(date__in=[d for d, *_r in days])
        }
        new: list[Holiday] = []
        for day, name, workday in days:
            holiday = existing.get(day)
            if holiday is None:
                new.append(Holiday(date=day, name=name, is_workday=workday))
                counts["created"] += 1
            elif holiday.name == name and holiday.is_workday == workday:
                counts["unchanged"] += 1
            else:
                holiday.name, holiday.is_workday = name, workday
                holiday.save(update_fields=["name", "is_workday"])
                counts["updated"] += 1
        Holiday.objects.bulk_create(new)
        audit.record(
            actor,
            "appeal.holidays_import",
            target_type="appeals.holiday",
            extra={
                **counts,
                "first": min(d for d, *_r in days).isoformat(),
                "last": max(d for d, *_r in days).isoformat(),
            },
        )
    return counts


# --- routing rules ------------------------------------------------------------------------------


def _route_scope_refusal(actor, area_code: str):
    """NotFound for what the actor cannot see at all, Forbidden for what they only read (rules
    and units above their areas)."""
    granted = scoping.prefixes(actor, Cap.APPEAL_ROUTE)
    if any(prefix.startswith(areacodes.prefix_of(area_code)) for prefix in granted if prefix):
        return Forbidden(_("This is set above your areas; ask the level that set it."))
    return None


def routing_rule_create(*, actor, area_code, unit_id, category_id=None) -> RoutingRule:
    """Send appeals of a category (or of any category) at an area to a unit. The unit must sit
    at the area, inside it or above it (a county department), or within the actor's own areas."""
    area = _area(area_code, field="area", message=_("Choose a county or a place within it."))
    if area.level < Level.COUNTY:
        raise ActionError(_("Choose a county or a place within it."), field="area")
    scoping.require(actor, Cap.APPEAL_ROUTE, area.code)
    errors = _Errors()
    category = None
    if category_id not in (None, "", 0):
        pk = _row_id(category_id)
        category = Category.objects.filter(pk=pk).first() if pk else None
        if category is None or category.area_code != queries.county_code(area.code):
            errors.add("category", _("Choose a category of this county."))
        elif not category.active:
            errors.add("category", _("This category is out of use."))
    pk = _row_id(unit_id)
    unit = Unit.objects.filter(pk=pk).first() if pk else None
    if unit is None:
        errors.add("unit", _("Choose a unit."))
    elif not unit.active:
        errors.add("unit", _("This unit is out of use."))
    else:
        on_path = area.code.startswith(
            areacodes.prefix_of(unit.area_code)
        ) or unit.area_code.startswith(area.prefix)
        if not on_path and not scoping.has_cap(actor, Cap.APPEAL_ROUTE, unit.area_code):
            errors.add(
                "unit",
                _("Choose a unit of this place, one inside it or above it, or one of your areas."),
            )
    errors.raise_if_any(_("The rule was not added."))
    if RoutingRule.objects.filter(area=area, category=category).exists():
        raise Conflict(
            _("There is already a rule for this category here: remove it first."), field="category"
        )
    try:
        with transaction.atomic():
            rule = RoutingRule.objects.create(
                area=area,
                prefix=area.prefix,
                area_code=area.code,
                category=category,
                unit=unit,
                created_by=_actor_user(actor),
            )
            audit.record(
                actor,
                "appeal.rule_create",
                rule,
                extra={"category": category.pk if category else None, "unit": unit.pk},
            )
    except IntegrityError:
        raise Conflict(
            _("There is already a rule for this category here: remove it first."), field="category"
        ) from None
    return rule


def routing_rule_delete(*, actor, rule_id) -> None:
    pk = _row_id(rule_id)
    rule = RoutingRule.objects.filter(pk=pk).first() if pk else None
    if rule is None:
        raise NotFound(_("There is no such rule among yours."))
    if not scoping.has_cap(actor, Cap.APPEAL_ROUTE, rule.area_code):
        raise _route_scope_refusal(actor, rule.area_code) or NotFound(
            _("There is no such rule among yours.")
        )
    with transaction.atomic():
        audit.record(
            actor,
            "appeal.rule_delete",
            rule,
            extra={"category": rule.category_id, "unit": rule.unit_id},
        )
        rule.delete()


# --- handling units and their members -----------------------------------------------------------


def _unit(actor, unit_id, *, lock: bool = False) -> Unit:
    pk = _row_id(unit_id)
    qs = Unit.objects.select_for_update() if lock else Unit.objects
    unit = qs.filter(pk=pk).first() if pk else None
    if unit is None:
        raise NotFound(_("There is no such unit among yours."))
    if not scoping.has_cap(actor, Cap.APPEAL_ROUTE, unit.area_code):
        raise _route_scope_refusal(actor, unit.area_code) or NotFound(
            _("There is no such unit among yours.")
        )
    return unit


def unit_create(*, actor, area_code, kind, name) -> Unit:
    """Add a department office or a service provider at an area of the actor's."""
    area = _area(area_code, field="area", message=_("Choose where the unit sits."))
    if area.level < Level.COUNTY or area.level == Level.GRID:
        raise ActionError(_("A unit sits at a county, town or community."), field="area")
    scoping.require(actor, Cap.APPEAL_ROUTE, area.code)
    errors = _Errors()
    if kind not in (Unit.Kind.DEPARTMENT, Unit.Kind.PROVIDER):
        errors.add("kind", _("Choose a department office or a service provider."))
    name = _check_line(errors, "name", name, max_length=UNIT_NAME_MAX, required=True)
    if not errors.has("name") and Unit.objects.filter(area=area, name=name).exists():
        errors.add("name", _("There is already a unit of this name here."))
    errors.raise_if_any(_("The unit was not added."))
    try:
        with transaction.atomic():
            unit = Unit.objects.create(kind=kind, name=name, area=area, area_code=area.code)
            audit.record(actor, "appeal.unit_create", unit, extra={"kind": kind})
    except IntegrityError:
        raise Conflict(_("There is already a unit of this name here."), field="name") from None
    return unit


def unit_update(*, actor, unit_id, name=UNSET, active=UNSET) -> Unit:
    """Rename a unit or take it out of use (not while it holds open appeals: a unit out of use
    can act on nothing, so they would stall)."""
    unit = _unit(actor, unit_id)
    errors = _Errors()
    clean: dict = {}
    if name is not UNSET:
        clean["name"] = _check_line(errors, "name", name, max_length=UNIT_NAME_MAX, required=True)
        if (
            not errors.has("name")
            and Unit.objects.filter(area_id=unit.area_id, name=clean["name"])
            .exclude(pk=unit.pk)
            .exists()
        ):
            errors.add("name", _("There is already a unit of this name here."))
    if active is not UNSET:
        clean["active"] = _flag(errors, "active", active)
    errors.raise_if_any(_("The unit was not changed."))
    try:
        with transaction.atomic():
            locked = Unit.objects.select_for_update().get(pk=unit.pk)
            if clean.get("active") is False and locked.active:
                open_count = Appeal.objects.filter(unit=locked, state__in=OPEN_STATES).count()
                if open_count:
                    raise Conflict(
                        _(
                            "This unit still holds %(count)d open appeals: transfer them to "
                            "another unit first."
                        )
                        % {"count": open_count},
                        field="active",
                    )
            changed = sorted(k for k, v in clean.items() if getattr(locked, k) != v)
            for key, value in clean.items():
                setattr(locked, key, value)
            locked.save()
            audit.record(
                actor,
                "appeal.unit_update",
                locked,
                extra={"changed": changed, "active": locked.active},
            )
    except IntegrityError:
        raise Conflict(_("There is already a unit of this name here."), field="name") from None
    return locked


def _member_unit(actor, unit_id) -> Unit:
    unit = _unit(actor, unit_id)
    if unit.is_area_unit:
        raise ActionError(
            _(
                "An area's own unit has no members: the staff who handle appeals there act for "
                "it. Give people roles in the area instead."
            ),
            field="login",
        )
    return unit


def unit_member_add(*, actor, unit_id, login, is_supervisor=False) -> UnitMember:
    """Add an existing, active account to a department office or provider, by username or
    mobile number. Administrator accounts and residents' own accounts cannot be members."""
    unit = _member_unit(actor, unit_id)
    errors = _Errors()
    supervisor = _flag(errors, "is_supervisor", is_supervisor)
    text = _line(login, max_length=150)
    user = find_user(text) if text else None
    if user is None or not user.is_active:
        errors.add("login", _("There is no active account with this username or mobile number."))
    else:
        roles = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        if roles & ADMIN_ROLES:
            errors.add(
                "login",
                _("Administrator accounts cannot handle appeals: use the person's staff account."),
            )
        elif roles == {Role.RESIDENT}:
            errors.add(
                "login",
                _(
                    "This is a resident's account: ask the security administrator for a staff account."
                ),
            )
    errors.raise_if_any(_("The member was not added."))
    if UnitMember.objects.filter(unit=unit, user=user).exists():
        raise Conflict(_("This person is already a member of the unit."), field="login")
    try:
        with transaction.atomic():
            member = UnitMember.objects.create(unit=unit, user=user, is_supervisor=supervisor)
            audit.record(
                actor,
                "appeal.unit_member_add",
                unit,
                extra={"user": user.pk, "supervisor": supervisor},
            )
    except IntegrityError:
        raise Conflict(_("This person is already a member of the unit."), field="login") from None
    return member


def _membership(unit: Unit, user_id) -> UnitMember:
    pk = _row_id(user_id)
    member = (
        UnitMember.objects.select_related("user").filter(unit=unit, user_id=pk).first()
        if pk
        else None
    )
    if member is None:
        raise NotFound(_("This person is not a member of the unit."))
    return member


def unit_member_remove(*, actor, unit_id, user_id) -> None:
    unit = _member_unit(actor, unit_id)
    member = _membership(unit, user_id)
    with transaction.atomic():
        audit.record(actor, "appeal.unit_member_remove", unit, extra={"user": member.user_id})
        member.delete()


def unit_member_set_supervisor(*, actor, unit_id, user_id, is_supervisor) -> UnitMember:
    """A unit's supervisors are told when its appeals are overdue and may supervise them."""
    unit = _member_unit(actor, unit_id)
    member = _membership(unit, user_id)
    errors = _Errors()
    supervisor = _flag(errors, "is_supervisor", is_supervisor)
    errors.raise_if_any(_("The member was not changed."))
    with transaction.atomic():
        member.is_supervisor = supervisor
        member.save(update_fields=["is_supervisor"])
        audit.record(
            actor,
            "appeal.unit_member_supervisor",
            unit,
            extra={"user": member.user_id, "supervisor": supervisor},
        )
    return member


# --- response templates -------------------------------------------------------------------------


def _template(actor, template_id) -> ResponseTemplate:
    pk = _row_id(template_id)
    template = ResponseTemplate.objects.filter(pk=pk).first() if pk else None
    if template is None or not scoping.has_cap(actor, Cap.APPEAL_CONFIGURE, template.area_code):
        raise NotFound(_("There is no such template among yours."))
    return template


def _template_fields(county: str, given: dict, errors: _Errors) -> dict:
    clean: dict = {}
    if "step" in given:
        if given["step"] not in ResponseTemplate.Step.values:
            errors.add("step", _("Choose the step the answer is for."))
        clean["step"] = given["step"]
    if "title" in given:
        clean["title"] = _check_line(
            errors, "title", given["title"], max_length=TEMPLATE_TITLE_MAX, required=True
        )
    if "text" in given:
        clean["text"] = _check_text(errors, "text", given["text"], max_length=TEMPLATE_TEXT_MAX)
    if "category_id" in given:
        raw = given["category_id"]
        category = None
        if raw not in (None, "", 0):
            pk = _row_id(raw)
            category = Category.objects.filter(pk=pk, area_code=county).first() if pk else None
            if category is None:
                errors.add("category", _("Choose a category of the same county."))
        clean["category"] = category
    if "active" in given:
        clean["active"] = _flag(errors, "active", given["active"])
    return clean


def _check_template_title(errors: _Errors, county: str, data: dict, exclude=None) -> None:
    if errors.found:
        return
    same = ResponseTemplate.objects.filter(
        area_code=county, step=data["step"], category=data["category"], title=data["title"]
    )
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        errors.add("title", _("There is already a template of this title for this step."))


def template_create(
    *, actor, county_code, step, title, text, category_id=None, active=True
) -> ResponseTemplate:
    """Add a reusable answer to a county's templates (for one category, or for all)."""
    county = _county(county_code)
    _configure(actor, county.code)
    errors = _Errors()
    clean = _template_fields(
        county.code,
        {"step": step, "title": title, "text": text, "category_id": category_id, "active": active},
        errors,
    )
    _check_template_title(errors, county.code, clean)
    errors.raise_if_any(_("The template was not added."))
    with transaction.atomic():
        template = ResponseTemplate.objects.create(area_code=county.code, **clean)
        audit.record(
            actor,
            "appeal.template_create",
            template,
            extra={"step": template.step, "category": template.category_id},
        )
    return template


def template_update(
    *, actor, template_id, step=UNSET, title=UNSET, text=UNSET, category_id=UNSET, active=UNSET
) -> ResponseTemplate:
    template = _template(actor, template_id)
    given = {
        key: value
        for key, value in {
            "step": step,
            "title": title,
            "text": text,
            "category_id": category_id,
            "active": active,
        }.items()
        if value is not UNSET
    }
    errors = _Errors()
    clean = _template_fields(template.area_code, given, errors)
    merged = {
        "step": clean.get("step", template.step),
        "title": clean.get("title", template.title),
        "category": clean.get("category", template.category),
    }
    if {"step", "title", "category"} & set(clean):
        _check_template_title(errors, template.area_code, merged, exclude=template.pk)
    errors.raise_if_any(_("The template was not changed."))
    with transaction.atomic():
        changed = sorted(k for k, v in clean.items() if getattr(template, k) != v)
        for key, value in clean.items():
            setattr(template, key, value)
        template.save()
        audit.record(actor, "appeal.template_update", template, extra={"changed": changed})
    return template


def template_delete(*, actor, template_id) -> None:
    template = _template(actor, template_id)
    with transaction.atomic():
        audit.record(
            actor,
            "appeal.template_delete",
            template,
            extra={"step": template.step, "category": template.category_id},
        )
        template.delete()


# --- the county's policy ------------------------------------------------------------------------


def policy_update(
    *,
    actor,
    county_code,
    auto_confirm_days=UNSET,
    rating_days=UNSET,
    satisfied_from=UNSET,
    auto_confirmed_resolved=UNSET,
    rectify_workdays=UNSET,
    escalate_again_hours=UNSET,
) -> Policy:
    """Change how a county's appeals are confirmed, rated, rectified and escalated."""
    county = _county(county_code)
    _configure(actor, county.code)
    given = {
        "auto_confirm_days": auto_confirm_days,
        "rating_days": rating_days,
        "satisfied_from": satisfied_from,
        "rectify_workdays": rectify_workdays,
        "escalate_again_hours": escalate_again_hours,
    }
    errors = _Errors()
    clean: dict = {}
    for field, value in given.items():
        if value is not UNSET:
            lowest, highest = POLICY_BOUNDS[field]
            clean[field] = _number(errors, field, value, lowest, highest)
    if auto_confirmed_resolved is not UNSET:
        clean["auto_confirmed_resolved"] = _flag(
            errors, "auto_confirmed_resolved", auto_confirmed_resolved
        )
    errors.raise_if_any(_("The policy was not changed."))
    with transaction.atomic():
        policy, _created = Policy.objects.select_for_update().get_or_create(area_code=county.code)
        changed = sorted(k for k, v in clean.items() if getattr(policy, k) != v)
        for key, value in clean.items():
            setattr(policy, key, value)
        policy.updated_at = timezone.now()
        policy.save()
        audit.record(
            actor,
            "appeal.policy_update",
            policy,
            extra={"changed": changed, **{k: getattr(policy, k) for k in changed}},
        )
    return policy


# --- Open311 clients ----------------------------------------------------------------------------


def open311_client_create(*, actor, name, area_code) -> tuple[Open311Client, str]:
    """Issue a key for an Open311 client posting appeals to a county. The key is returned here
    once and never stored: only its digest and its first characters are kept."""
    county = _county(area_code, field="area_code")
    scoping.require(actor, Cap.OPEN311_KEYS, county.code)
    errors = _Errors()
    name = _check_line(errors, "name", name, max_length=CLIENT_NAME_MAX, required=True)
    if (
        not errors.has("name")
        and Open311Client.objects.filter(area_code=county.code, name=name, active=True).exists()
    ):
        errors.add("name", _("A client of this name already has a key for this county."))
    errors.raise_if_any(_("No key was issued."))
    key = OPEN311_KEY_PREFIX + secrets.token_urlsafe(24)
    try:
        with transaction.atomic():
            client = Open311Client.objects.create(
                name=name,
                area_code=county.code,
                prefix=key[:8],
                digest=Open311Client.digest_of(key),
                created_by=_actor_user(actor),
            )
            audit.record(actor, "appeal.open311_client_create", client, extra={"prefix": key[:8]})
    except IntegrityError:  # a digest collision: astronomically unlikely
        raise Conflict(_("No key was issued: please try again."), field="name") from None
    return client, key


def open311_client_revoke(*, actor, client_id) -> Open311Client:
    """Stop a client's key from working (revoking twice changes nothing)."""
    pk = _row_id(client_id)
    client = Open311Client.objects.filter(pk=pk).first() if pk else None
    if client is None or not scoping.has_cap(actor, Cap.OPEN311_KEYS, client.area_code):
        raise NotFound(_("There is no such client among yours."))
    if not client.active:
        return client
    with transaction.atomic():
        client.active = False
        client.save(update_fields=["active"])
        audit.record(actor, "appeal.open311_client_revoke", client, extra={"prefix": client.prefix})
    return client


__all__ = [
    "UNSET",
    "category_create",
    "category_update",
    "clean_questions",
    "holiday_delete",
    "holiday_set",
    "holidays_import",
    "open311_client_create",
    "open311_client_revoke",
    "parse_holiday_lines",
    "policy_update",
    "routing_rule_create",
    "routing_rule_delete",
    "template_create",
    "template_delete",
    "template_update",
    "tier_create",
    "tier_delete",
    "tier_update",
    "unit_create",
    "unit_member_add",
    "unit_member_remove",
    "unit_member_set_supervisor",
    "unit_update",
]
