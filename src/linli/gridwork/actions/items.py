"""Keeping a county's community work-item list (社区工作事项准入清单): loading the built-in list,
adding and changing items, withdrawing them.

Every change needs ``workitem.manage`` over the county (its civil-affairs officers). A withdrawn
item stays on record with its date, and so do the tasks given under it; no new task can name it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.roles import Cap

from .. import queries
from ..defaults import WORK_ITEMS
from ..models import WorkItem
from . import _common as c

CODE_MAX = WorkItem._meta.get_field("code").max_length
NAME_MAX = WorkItem._meta.get_field("name").max_length
DEPARTMENT_MAX = WorkItem._meta.get_field("department").max_length
DESCRIPTION_MAX = WorkItem._meta.get_field("description").max_length
BASIS_MAX = WorkItem._meta.get_field("basis").max_length
SORT_STEP = 10
SORT_MAX = 32767


def workitem_defaults(*, actor, county_code) -> int:
    """Give a county the built-in list. Idempotent: items whose number the county already has
    (in force or withdrawn) are left as they are; returns how many were added."""
    county = c.county(county_code)
    scoping.require(actor, Cap.WORKITEM_MANAGE, county.code)
    now = timezone.now()
    try:
        with transaction.atomic(), translation.override("zh-hans"):
            have = set(WorkItem.objects.filter(county=county).values_list("code", flat=True))
            rows = [
                WorkItem(
                    county=county,
                    area_code=county.code,
                    code=code,
                    name=_(name),
                    department=_(department),
                    description=_(description),
                    basis=_(basis),
                    sort=(index + 1) * SORT_STEP,
                    updated_by=c.user_or_none(actor),
                    updated_at=now,
                )
                for index, (code, name, department, description, basis) in enumerate(WORK_ITEMS)
                if code not in have
            ]
            WorkItem.objects.bulk_create(rows)
            audit.record(
                actor,
                "workitem.defaults_load",
                target_type="core.area",
                target_id=county.code,
                area_code=county.code,
                extra={"created": len(rows)},
            )
    except IntegrityError:
        raise Conflict(_("Someone else loaded the list just now: reload the page.")) from None
    return len(rows)


def _item(actor, item_id, *, lock: bool = False) -> WorkItem:
    pk = c.row_id(item_id)
    qs = WorkItem.objects.select_for_update() if lock else WorkItem.objects
    item = qs.filter(queries.readable_q(actor), pk=pk).first() if pk else None
    if item is None:
        raise NotFound(_("There is no such item on the work-item lists you may read."))
    scoping.require(actor, Cap.WORKITEM_MANAGE, item.area_code)
    return item


def workitem_save(
    *,
    actor,
    county_code,
    code,
    name,
    department,
    description="",
    basis="",
    approved_on=None,
    item_id=None,
) -> WorkItem:
    """Add an item to a county's list (``item_id`` None) or change one. The number is unique
    in the county; the department named is the one that may assign tasks under it."""
    county = c.county(county_code)
    scoping.require(actor, Cap.WORKITEM_MANAGE, county.code)
    existing = _item(actor, item_id) if item_id is not None else None
    if existing is not None and existing.area_code != county.code:
        raise ActionError(_("An item stays on the list of its own county."), field="county")
    errors = c.Errors()
    number = c.line(errors, "code", code, max_length=CODE_MAX, required=True)
    if number and " " in number:
        errors.add("code", _("A number has no spaces."))
    values = {
        "code": number,
        "name": c.line(errors, "name", name, max_length=NAME_MAX, required=True),
        "department": c.line(
            errors, "department", department, max_length=DEPARTMENT_MAX, required=True
        ),
        "description": c.text(errors, "description", description, max_length=DESCRIPTION_MAX),
        "basis": c.line(errors, "basis", basis, max_length=BASIS_MAX, required=False),
        "approved_on": c.date(errors, "approved_on", approved_on),
    }
    approved = values["approved_on"]
    if approved is not None and approved > c.today():
        errors.add("approved_on", _("This date is in the future."))
    if approved is not None and approved.year < 1990:
        errors.add("approved_on", _("This date is too far in the past."))
    if (
        existing is not None
        and approved is not None
        and existing.withdrawn_on is not None
        and approved > existing.withdrawn_on
    ):
        errors.add("approved_on", _("An item cannot be approved after it was withdrawn."))
    errors.raise_if_any(_("The item was not saved."))
    taken = WorkItem.objects.filter(county=county, code=number)
    if existing is not None:
        taken = taken.exclude(pk=existing.pk)
    if taken.exists():
        raise Conflict(_("This county's list already has an item with this number."), field="code")
    now = timezone.now()
    try:
        with transaction.atomic():
            if existing is None:
                last = WorkItem.objects.filter(county=county).aggregate(top=Max("sort"))["top"]
                item = WorkItem(
                    county=county,
                    area_code=county.code,
                    sort=min((last or 0) + SORT_STEP, SORT_MAX),
                )
            else:
                item = WorkItem.objects.select_for_update().get(pk=existing.pk)
            for field, value in values.items():
                setattr(item, field, value)
            item.updated_by = c.user_or_none(actor)
            item.updated_at = now
            item.save()
            audit.record(
                actor,
                "workitem.create" if existing is None else "workitem.update",
                item,
                extra={"county": county.code, "active": item.active},
            )
    except IntegrityError:
        raise Conflict(
            _("This county's list already has an item with this number."), field="code"
        ) from None
    return item


def workitem_withdraw(*, actor, item_id, withdrawn_on=None) -> WorkItem:
    """Take an item off the list in force (撤销). Tasks already given under it stay, to be done
    or cancelled; no new task may name it."""
    item = _item(actor, item_id)
    if not item.active:
        raise Conflict(_("This item was withdrawn already."))
    errors = c.Errors()
    day = c.date(errors, "withdrawn_on", withdrawn_on) or c.today()
    if day > c.today():
        errors.add("withdrawn_on", _("This date is in the future."))
    if item.approved_on is not None and day < item.approved_on:
        errors.add("withdrawn_on", _("An item cannot be withdrawn before it was approved."))
    errors.raise_if_any(_("The item was not withdrawn."))
    with transaction.atomic():
        item = WorkItem.objects.select_for_update().get(pk=item.pk)
        if not item.active:
            raise Conflict(_("This item was withdrawn already."))
        item.active = False
        item.withdrawn_on = day
        item.updated_by = c.user_or_none(actor)
        item.updated_at = timezone.now()
        item.save(update_fields=["active", "withdrawn_on", "updated_by", "updated_at"])
        audit.record(
            actor,
            "workitem.withdraw",
            item,
            extra={"open_tasks": item.tasks.filter(status="open").count()},
        )
    return item


__all__ = ["workitem_defaults", "workitem_save", "workitem_withdraw"]
