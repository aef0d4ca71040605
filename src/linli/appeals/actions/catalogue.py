"""Loading a county's starting catalogue: tiers, categories, response templates, policy."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError
from linli.core.models import Area
from linli.core.roles import Cap

from .. import queries
from ..defaults import CATEGORIES, TEMPLATES, TIERS
from ..models import Category, Policy, ResponseTemplate, Tier, Unit


def tiers_ensure() -> dict[str, Tier]:
    """The built-in tiers (created once for the platform; edits are kept)."""
    with translation.override("zh-hans"):
        for sort, (code, name, minutes, amount, unit) in enumerate(TIERS):
            Tier.objects.get_or_create(
                code=code,
                defaults={
                    "name": _(name),
                    "respond_minutes": minutes,
                    "resolve_amount": amount,
                    "resolve_unit": unit,
                    "sort": (sort + 1) * 10,
                    "builtin": True,
                },
            )
    return {t.code: t for t in Tier.objects.all()}


def appeal_defaults_load(*, actor, county_code: str) -> dict[str, int]:
    """Give a county the starting catalogue. Idempotent: rows it already has are left as the
    county edited them; only missing ones are added."""
    code = str(county_code or "").strip()
    area = Area.objects.filter(code=code).first() if code.isdigit() else None
    if area is None or area.code != queries.county_code(area.code):
        raise ActionError(_("Choose a county."), field="county")
    scoping.require(actor, Cap.APPEAL_CONFIGURE, area.code)
    created = {"categories": 0, "templates": 0}
    with transaction.atomic(), translation.override("zh-hans"):
        tiers = tiers_ensure()
        by_key = {c.key: c for c in Category.objects.filter(area_code=area.code).exclude(key="")}
        for sort, (key, name, parent, tier, kind, public, questions) in enumerate(CATEGORIES):
            if key in by_key:
                continue
            localized = [
                {
                    **q,
                    "description": _(q["description"]),
                    "values": [{"key": v["key"], "name": _(v["name"])} for v in q["values"]],
                }
                for q in questions
            ]
            by_key[key] = Category.objects.create(
                area_code=area.code,
                parent=by_key.get(parent) if parent else None,
                key=key,
                name=_(name),
                tier=tiers[tier],
                unit_kind=kind,
                public=public,
                attributes=localized,
                sort=(sort + 1) * 10,
            )
            created["categories"] += 1
        if not ResponseTemplate.objects.filter(area_code=area.code).exists():
            ResponseTemplate.objects.bulk_create(
                ResponseTemplate(area_code=area.code, step=step, title=_(title), text=_(text))
                for step, title, text in TEMPLATES
            )
            created["templates"] = len(TEMPLATES)
        Policy.objects.get_or_create(area_code=area.code)
        Unit.objects.get_or_create(
            area=area, kind=Unit.Kind.COUNTY, defaults={"name": area.name, "area_code": area.code}
        )
        audit.record(
            actor,
            "appeal.defaults_load",
            target_type="core.area",
            target_id=area.code,
            area_code=area.code,
            extra=created,
        )
    return created
