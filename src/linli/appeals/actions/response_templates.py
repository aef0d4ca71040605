"""A county's response templates: reusable answers for a step of handling, for one category
or for all.

Editing them needs ``appeal.configure`` over the county.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import NotFound
from linli.core.roles import Cap

from ..models import Category, ResponseTemplate
from ._config import UNSET, _check_line, _check_text, _configure, _county, _Errors, _flag, _row_id

TEMPLATE_TITLE_MAX = ResponseTemplate._meta.get_field("title").max_length
TEMPLATE_TEXT_MAX = ResponseTemplate._meta.get_field("text").max_length


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


__all__ = [
    "template_create",
    "template_delete",
    "template_update",
]
