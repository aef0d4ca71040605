"""Reading the county's community work-item list (社区工作事项准入清单).

A county's list is read by everyone of the county who assigns tasks (``task.assign``), does grid
work (``grid.work``) or keeps the list (``workitem.manage``): a grid worker may look up why a
task is theirs to do. It is changed only by ``workitem.manage`` holders over the county.
"""

from __future__ import annotations

import functools

from django.db.models import Count, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..defaults import FIELDS, WORK_ITEMS
from ..models import WorkItem

READ_CAPS = (Cap.TASK_ASSIGN, Cap.GRID_WORK, Cap.WORKITEM_MANAGE)
CHOICES_MAX = 400
SEARCH_MAX = 40

_BUILTIN = {code: dict(zip(FIELDS, texts, strict=True)) for code, *texts in WORK_ITEMS}


def county_code(area_code: str) -> str:
    """The county an area lies in (12 digits): lists are kept per county."""
    return area_code[:6].ljust(12, "0")


def _county_prefixes(actor, caps) -> list[str]:
    found: set[str] = set()
    for cap in caps:
        found.update(scoping.prefixes(actor, cap))
    return sorted(found)


def counties_q(granted: list[str], field: str = "area_code") -> Q:
    """Rows keyed by a county code, for the counties at, under or around ``granted``: a grid
    worker's or town officer's county, every county of a prefecture officer."""
    if not granted:
        return Q(pk__in=[])
    if "" in granted:
        return Q()
    q = Q()
    for prefix in granted:
        if len(prefix) >= 6:
            q |= Q(**{field: county_code(prefix)})
        else:
            q |= Q(**{f"{field}__startswith": prefix})
    return q


def readable_q(actor) -> Q:
    """The work items ``actor`` may read."""
    return counties_q(_county_prefixes(actor, READ_CAPS))


def reads_county(actor, county: str) -> bool:
    """May ``actor`` read the list of ``county`` (a 12-digit county code)?"""
    return any(
        prefix == "" or county.startswith(prefix) or prefix.startswith(county[:6])
        for prefix in _county_prefixes(actor, READ_CAPS)
    )


def can_manage(actor, county: str) -> bool:
    return scoping.has_cap(actor, Cap.WORKITEM_MANAGE, county)


def item_counties(*, actor, manage: bool = False) -> list[Area]:
    """The counties whose list the actor reads (or, with ``manage``, keeps)."""
    caps = (Cap.WORKITEM_MANAGE,) if manage else READ_CAPS
    return list(
        Area.objects.filter(level=Level.COUNTY)
        .filter(counties_q(_county_prefixes(actor, caps), "code"))
        .order_by("code")[:CHOICES_MAX]
    )


@functools.cache
def _stored(msgid: str) -> str:
    """The Chinese a built-in text is stored with when a county loads the list."""
    with translation.override("zh-hans"):
        return gettext(msgid)


def builtin_text(item: WorkItem, field: str) -> str:
    """A built-in item keeps each text in the reader's language until the county changes it."""
    stored = getattr(item, field)
    default = _BUILTIN.get(item.code, {}).get(field)
    if default and stored in (default, _stored(default)):
        return gettext(default)
    return stored


def labelled(items):
    """Items with ``label``, ``department_label``, ``description_label`` and ``basis_label``
    (their texts in the reader's language)."""
    items = list(items)
    for item in items:
        item.label = builtin_text(item, "name")
        item.department_label = builtin_text(item, "department")
        item.description_label = builtin_text(item, "description")
        item.basis_label = builtin_text(item, "basis")
    return items


def workitem_list(
    *, actor, county_code: str = "", active: bool | None = None, q: str = ""
) -> QuerySet[WorkItem]:
    """The work items the actor may read, in list order: ``county_code`` one county's;
    ``active`` True for those in force, False for those withdrawn; ``q`` words of the number,
    name or department."""
    qs = WorkItem.objects.filter(readable_q(actor))
    if county_code:
        code = str(county_code).strip()
        if not code.isdigit() or len(code) not in (6, 12):
            raise ActionError(_("A county is given by its code."), field="county")
        qs = qs.filter(area_code=code[:6].ljust(12, "0"))
    if active is not None:
        qs = qs.filter(active=active)
    words = " ".join(str(q or "").split())[:SEARCH_MAX]
    if words:
        qs = qs.filter(
            Q(code__icontains=words) | Q(name__icontains=words) | Q(department__icontains=words)
        )
    return qs.order_by("area_code", "sort", "code", "id")


def workitem_get(*, actor, item_id: int) -> WorkItem:
    item = (
        WorkItem.objects.filter(readable_q(actor), pk=item_id)
        .select_related("county", "updated_by")
        .first()
    )
    if item is None:
        raise NotFound(_("There is no such item on the work-item lists you may read."))
    return item


def workitem_task_counts(*, actor, item: WorkItem) -> dict[str, int]:
    """How many tasks under ``item`` the actor sees, by status (one query)."""
    from .tasks import visible_q  # tasks reads the county codes of this module

    return item.tasks.filter(visible_q(actor)).aggregate(
        open=Count("pk", filter=Q(status="open")),
        done=Count("pk", filter=Q(status="done")),
        cancelled=Count("pk", filter=Q(status="cancelled")),
    )


def assignable_items(*, actor) -> list[WorkItem]:
    """The items in force the actor may assign tasks under: those of the counties where they
    hold ``task.assign``."""
    granted = scoping.prefixes(actor, Cap.TASK_ASSIGN)
    return labelled(
        WorkItem.objects.filter(counties_q(granted), active=True)
        .select_related("county")
        .order_by("area_code", "sort", "code")[:CHOICES_MAX]
    )


__all__ = [
    "assignable_items",
    "builtin_text",
    "can_manage",
    "counties_q",
    "county_code",
    "item_counties",
    "labelled",
    "reads_county",
    "readable_q",
    "workitem_get",
    "workitem_list",
    "workitem_task_counts",
]
