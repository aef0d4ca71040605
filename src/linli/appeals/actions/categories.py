"""A county's category catalogue: its categories, their place in the tree, their urgency tier,
who handles them by default, and the questions (Open311 attributes) they ask residents.

Editing it needs ``appeal.configure`` over the county.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError, NotFound
from linli.core.roles import Cap

from ..models import Category, Tier, Unit
from ._config import (
    SORT_MAX,
    UNSET,
    _check_line,
    _configure,
    _county,
    _Errors,
    _flag,
    _line,
    _number,
    _row_id,
)

# Question (Open311 attribute) codes and answer keys: short slugs. No comma: a multiple choice
# answer is stored as its keys joined by commas.
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_TYPES = ("singlevaluelist", "multivaluelist")
QUESTION_KEYS = {"code", "datatype", "required", "description", "values"}
QUESTIONS_MAX = 20
VALUES_MAX = 50
QUESTION_MAX = 200
ANSWER_NAME_MAX = 60

CATEGORY_NAME_MAX = Category._meta.get_field("name").max_length
CATEGORY_DESCRIPTION_MAX = Category._meta.get_field("description").max_length


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
    frontier = [category.pk]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
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


__all__ = [
    "category_create",
    "category_update",
    "clean_questions",
]
