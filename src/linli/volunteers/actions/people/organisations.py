"""Volunteer service organisations (志愿服务组织): a community's volunteer station, a town's or
county's volunteer association or social organisation, a unit's volunteer group.

Rules: a station belongs to a community (one active station each); associations and social
organisations to a town or county; a unit's group to any of these. Whoever creates or changes
one holds ``volunteer.manage`` over its area. The unified social credit code, when given, is
checked (GB 32100, python-stdnum ``cn.uscc``). Names are unique within an area. An organisation
is never deleted: it is deactivated (its teams, volunteers and records keep it).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.cleaning import UNSET, Errors, line, normal_code
from linli.core.errors import Conflict, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Organisation
from ...queries import people as q
from . import _clean as c

NAME_MAX = Organisation._meta.get_field("name").max_length
CONTACT_MAX = Organisation._meta.get_field("contact_name").max_length
KIND_LEVELS = {
    Organisation.Kind.STATION: (Level.COMMUNITY,),
    Organisation.Kind.ASSOCIATION: (Level.TOWN, Level.COUNTY),
    Organisation.Kind.SOCIAL: (Level.TOWN, Level.COUNTY),
    Organisation.Kind.UNIT: (Level.COMMUNITY, Level.TOWN, Level.COUNTY),
}


def clean_credit_code(errors: Errors, value) -> str:
    """A unified social credit code (统一社会信用代码), or "" when none is given."""
    text = str(value or "").replace("\x00", "").strip()
    if not text:
        return ""
    try:
        return uscc.validate(text)
    except stdnum_errors.InvalidLength:
        errors.add("credit_code", _("A unified social credit code has 18 characters."))
    except stdnum_errors.InvalidChecksum:
        errors.add(
            "credit_code",
            _(
                "The last character of this credit code does not match the others: check for a typo."
            ),
        )
    except stdnum_errors.ValidationError:
        errors.add("credit_code", _("This is not a unified social credit code."))
    return ""


def _area(actor, value) -> Area:
    code = normal_code(value)
    area = Area.objects.filter(code=code).first() if code else None
    if area is None or not scoping.has_cap(actor, Cap.VOLUNTEER_VIEW, area.code):
        raise NotFound(_("No such area among yours."), field="area_code")
    scoping.require(actor, Cap.VOLUNTEER_MANAGE, area.code)
    return area


def _kind(errors: Errors, value, area: Area) -> str:
    kind = str(value or "").strip()
    if kind not in Organisation.Kind.values:
        errors.add("kind", _("Choose a kind from the list."))
        return ""
    if area.level not in KIND_LEVELS[kind]:
        levels = _(", ").join(str(Level(level).label) for level in KIND_LEVELS[kind])
        errors.add(
            "area_code",
            _("A %(kind)s belongs to an area of level: %(levels)s.")
            % {"kind": Organisation.Kind(kind).label, "levels": levels},
        )
    return kind


def _other_station(area_code: str, *, exclude: int | None = None) -> Organisation | None:
    qs = Organisation.objects.filter(
        area_code=area_code, kind=Organisation.Kind.STATION, active=True
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.first()


def _station_clash(found: Organisation) -> Conflict:
    return Conflict(
        _("%(name)s is already the active volunteer station of this community.")
        % {"name": found.name},
        field="kind",
    )


def _name_taken() -> Conflict:
    return Conflict(_("An organisation of this area already has this name."), field="name")


def organisation_create(
    *, actor, area_code, name, kind, credit_code="", contact_name="", contact_phone=""
) -> Organisation:
    """Record an organisation of an area the actor manages."""
    area = _area(actor, area_code)
    errors = Errors()
    kind = _kind(errors, kind, area)
    values = {
        "name": line(errors, "name", name, max_length=NAME_MAX, required=True),
        "credit_code": clean_credit_code(errors, credit_code),
        "contact_name": line(
            errors, "contact_name", contact_name, max_length=CONTACT_MAX, required=False
        ),
        "contact_phone": c.contact_phone(errors, contact_phone) or None,
    }
    errors.raise_if_any(_("The organisation was not saved: please correct the fields marked."))
    if Organisation.objects.filter(area=area, name=values["name"]).exists():
        raise _name_taken()
    try:
        with transaction.atomic():
            if kind == Organisation.Kind.STATION:
                Area.objects.select_for_update().filter(code=area.code).values_list("code").first()
                found = _other_station(area.code)
                if found is not None:
                    raise _station_clash(found)
            organisation = Organisation.objects.create(
                area=area,
                area_code=area.code,
                kind=kind,
                created_by=c.user_or_none(actor),
                **values,
            )
            audit.record(actor, "organisation.create", organisation, extra={"kind": kind})
    except IntegrityError:
        raise _name_taken() from None
    return organisation


def organisation_update(
    *,
    actor,
    organisation_id,
    name=UNSET,
    credit_code=UNSET,
    contact_name=UNSET,
    contact_phone=UNSET,
    active=UNSET,
) -> Organisation:
    """Correct an organisation, or deactivate / reactivate it (``active``). Its kind and area
    stay. Left out: kept."""
    found = q.organisation_get(actor=actor, organisation_id=organisation_id)
    scoping.require(actor, Cap.VOLUNTEER_MANAGE, found.area_code)
    errors = Errors()
    values: dict = {}
    if name is not UNSET:
        values["name"] = line(errors, "name", name, max_length=NAME_MAX, required=True)
    if credit_code is not UNSET:
        values["credit_code"] = clean_credit_code(errors, credit_code)
    if contact_name is not UNSET:
        values["contact_name"] = line(
            errors, "contact_name", contact_name, max_length=CONTACT_MAX, required=False
        )
    if contact_phone is not UNSET:
        values["contact_phone"] = c.contact_phone(errors, contact_phone) or None
    if active is not UNSET:
        values["active"] = c.flag(active)
    errors.raise_if_any(_("The organisation was not saved: please correct the fields marked."))
    if (
        "name" in values
        and Organisation.objects.filter(area_code=found.area_code, name=values["name"])
        .exclude(pk=found.pk)
        .exists()
    ):
        raise _name_taken()
    try:
        with transaction.atomic():
            row = Organisation.objects.select_for_update().get(pk=found.pk)
            reactivating = values.get("active") is True and not row.active
            if reactivating and row.kind == Organisation.Kind.STATION:
                Area.objects.select_for_update().filter(code=row.area_code).values_list(
                    "code"
                ).first()
                other = _other_station(row.area_code, exclude=row.pk)
                if other is not None:
                    raise _station_clash(other)
            changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
            for key, value in values.items():
                setattr(row, key, value)
            row.save()
            if "active" in changed:
                action = "organisation.activate" if row.active else "organisation.deactivate"
            else:
                action = "organisation.update"
            audit.record(actor, action, row, extra={"fields": changed})
    except IntegrityError:
        raise _name_taken() from None
    return row


__all__ = ["KIND_LEVELS", "clean_credit_code", "organisation_create", "organisation_update"]
