"""Writing the service resources list (服务资源清单).

Providers, units' open resources and donations are entered by a worker with ``match.manage``
over the area they are based on (a county, town, community or grid): what they offer (one or
more categories), the areas they serve (their own, and perhaps their town or county), weekly
times, how many people a week, the dates they are offered, and a contact whose phone is kept
encrypted and shown masked.

Volunteer teams and venues come from their own records through :func:`resources_sync`; of
those only the description, the areas served, the dates and the contact are edited here —
the rest follows the team or venue.

Every write keeps :class:`~linli.matching.models.ResourceCategory` (one row per category, with
the resource's area code and whether it is offered) in step, in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import Conflict, NotFound
from linli.core.roles import Cap

from ...models import Resource
from . import _common as c

NAME_MAX = Resource._meta.get_field("name").max_length
DESCRIPTION_MAX = Resource._meta.get_field("description").max_length
CONTACT_MAX = Resource._meta.get_field("contact_name").max_length
CAPACITY_MAX = 100_000
ENTERED_KINDS = (Resource.Kind.PROVIDER, Resource.Kind.UNIT, Resource.Kind.DONATION)
RESOURCE_FIELDS = (
    "name",
    "description",
    "categories",
    "serves",
    "times",
    "capacity",
    "available_from",
    "available_until",
    "contact_name",
    "contact_phone",
)
# What a worker may change of a team's or venue's resource (the rest follows its record).
SYNCED_FIELDS = (
    "description",
    "serves",
    "available_from",
    "available_until",
    "contact_name",
    "contact_phone",
)
LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY, Level.GRID)


def _clean(errors: c.Errors, data: dict, *, area, current: Resource | None) -> dict:
    """The resource's fields from ``data``; on an update, members left out keep their values.
    A team's or venue's resource gives only :data:`SYNCED_FIELDS`."""

    def get(name, default=None):
        if name in data:
            return data[name]
        if current is not None:
            return getattr(current, name)
        return default

    synced = current is not None and current.kind not in ENTERED_KINDS
    values = {
        "description": c.plain(
            errors,
            "description",
            c.text(errors, "description", get("description"), max_length=DESCRIPTION_MAX),
        ),
        "serves": c.served_codes(errors, "serves", get("serves"), area),
        "contact_name": c.plain(
            errors,
            "contact_name",
            c.line(
                errors, "contact_name", get("contact_name"), max_length=CONTACT_MAX, required=False
            ),
        ),
        "contact_phone": c.contact_phone(errors, get("contact_phone")) or None,
    }
    values["available_from"], values["available_until"] = c.window(
        errors,
        get("available_from"),
        get("available_until"),
        fields=("available_from", "available_until"),
    )
    if synced:
        return values
    values["name"] = c.plain(
        errors, "name", c.line(errors, "name", get("name"), max_length=NAME_MAX, required=True)
    )
    values["categories"] = c.categories(errors, "categories", get("categories"))
    values["times"] = c.times(errors, "times", get("times"))
    values["capacity"] = c.integer(
        errors, "capacity", get("capacity", 1), minimum=1, maximum=CAPACITY_MAX, required=True
    )
    if (
        current is not None
        and values["capacity"] is not None
        and values["capacity"] < current.in_use
    ):
        errors.add(
            "capacity",
            _("%(n)d people are matched to it now: the capacity cannot be less.")
            % {"n": current.in_use},
        )
    return values


def _extra(resource: Resource) -> dict:
    return {
        "kind": resource.kind,
        "categories": list(resource.categories),
        "serves": list(resource.serves),
        "capacity": resource.capacity,
        "active": resource.active,
    }


def _writable(actor, resource_id) -> Resource:
    from ...queries.lists import resources_visible_q

    pk = c.row_id(resource_id)
    found = Resource.objects.filter(resources_visible_q(actor), pk=pk).first() if pk else None
    if found is None:
        raise NotFound(_("There is no such resource among those you may see."))
    scoping.require(actor, Cap.MATCH_MANAGE, found.area_code)
    return found


def resource_create(*, actor, kind, area_code, **data) -> Resource:
    """List a provider, a unit's open resource or a donation, based on ``area_code``. The
    members are those of :data:`RESOURCE_FIELDS`: ``name`` and ``categories`` are required;
    ``serves`` defaults to its own area; ``capacity`` is people a week."""
    unknown = set(data) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"resource_create got unknown members: {sorted(unknown)}")
    area = c.place(area_code, levels=LEVELS)
    scoping.require(actor, Cap.MATCH_MANAGE, area.code)
    errors = c.Errors()
    if str(kind or "") not in ENTERED_KINDS:
        errors.add(
            "kind",
            _("Enter a provider, a unit's open resource or a donation; teams and venues come "
              "from their own records."),
        )  # fmt: skip
    values = _clean(errors, data, area=area, current=None)
    errors.raise_if_any(_("The resource was not listed."))
    now = timezone.now()
    with transaction.atomic():
        resource = Resource.objects.create(
            kind=kind,
            area_code=area.code,
            created_by=c.user_or_none(actor),
            created_at=now,
            updated_at=now,
            **values,
        )
        c.set_categories(resource)
        audit.record(actor, "resource.create", resource, extra=_extra(resource))
    return resource


def resource_update(*, actor, resource_id, **data) -> Resource:
    """Change a resource: members given change, those left out keep their values. A team's
    or venue's resource takes only :data:`SYNCED_FIELDS`."""
    unknown = set(data) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"resource_update got unknown members: {sorted(unknown)}")
    found = _writable(actor, resource_id)
    errors = c.Errors()
    if found.kind not in ENTERED_KINDS:
        for name in set(data) - set(SYNCED_FIELDS):
            if data[name] != getattr(found, name):
                errors.add(name, _("This follows its team or venue: change it there."))
    from linli.core.models import Area

    values = _clean(errors, data, area=Area.objects.get(code=found.area_code), current=found)
    errors.raise_if_any(_("The resource was not saved."))
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=found.pk)
        if "capacity" in values and values["capacity"] < resource.in_use:
            raise Conflict(
                _("%(n)d people are matched to it now: the capacity cannot be less.")
                % {"n": resource.in_use},
                field="capacity",
            )
        for name, value in values.items():
            setattr(resource, name, value)
        resource.updated_at = timezone.now()
        resource.save()
        c.set_categories(resource)
        audit.record(actor, "resource.update", resource, extra=_extra(resource))
    return resource


def _switch(actor, resource_id, active: bool) -> Resource:
    found = _writable(actor, resource_id)
    if found.kind not in ENTERED_KINDS:
        raise Conflict(_("This resource follows its team or venue: stop or reopen that instead."))
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=found.pk)
        if resource.active == active:
            raise Conflict(
                _("This resource is offered already.")
                if active
                else _("This resource is stopped already.")
            )
        resource.active = active
        resource.updated_at = timezone.now()
        resource.save(update_fields=["active", "updated_at"])
        c.set_categories(resource)
        audit.record(actor, "resource.activate" if active else "resource.deactivate", resource)
    return resource


def resource_deactivate(*, actor, resource_id) -> Resource:
    """Stop offering an entered resource: it is no longer suggested; matches under way stay."""
    return _switch(actor, resource_id, False)


def resource_activate(*, actor, resource_id) -> Resource:
    """Offer a stopped entered resource again."""
    return _switch(actor, resource_id, True)


__all__ = [
    "ENTERED_KINDS",
    "RESOURCE_FIELDS",
    "SYNCED_FIELDS",
    "resource_activate",
    "resource_create",
    "resource_deactivate",
    "resource_update",
]
