"""The livelihood projects of an area summed up per child area, for towns and counties: how
many projects (cancelled ones apart), how many completed, their budget, their average progress
and the milestones overdue — each child a row, the projects sitting on the area itself a row of
their own, and the whole area a total. Four queries whatever the size of the tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import PREFIX_LENGTH, Level
from linli.core.errors import ActionError, Forbidden
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import LivelihoodProject, ProjectMilestone
from .staff import PROJECT_LEVELS, visible

Status = LivelihoodProject.Status
_CLOSED = [Status.DONE, Status.CANCELLED]


@dataclass
class SummaryRow:
    code: str
    name: str
    own: bool  # the projects that sit on the area itself
    count: int = 0  # projects not cancelled
    done: int = 0
    cancelled: int = 0
    budget: Decimal = Decimal("0.00")
    progress_sum: int = 0
    overdue: int = 0
    drill: bool = False  # a town: it has communities below

    @property
    def progress(self) -> int | None:
        """The average progress of the projects not cancelled, in whole percent."""
        return round(self.progress_sum / self.count) if self.count else None


@dataclass
class Summary:
    area: Area
    up: str | None  # the code of the area above, when the actor follows it
    rows: list[SummaryRow]
    total: SummaryRow


def _default_area(actor) -> Area:
    granted = scoping.prefixes(actor, Cap.MATCH_VIEW)
    if not granted:
        raise Forbidden(_("You do not have permission to do this here."))
    if granted[0] == "":
        found = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
        if found is None:
            raise ActionError(_("No county is set up yet."), field="area")
        return found
    code = areacodes.normalize(granted[0])
    if len(code) == 15:  # a grid: its community
        code = code[:12]
    found = Area.objects.filter(code=code).first()
    if found is None:
        raise ActionError(_("Choose an area you follow."), field="area")
    return found


def _chosen_area(actor, area_code) -> Area:
    try:
        code = areacodes.normalize(str(area_code).strip())
    except areacodes.AreaCodeError:
        raise ActionError(_("Give an area by its code."), field="area") from None
    found = Area.objects.filter(code=code).first()
    if (
        found is None
        or found.level not in PROJECT_LEVELS
        or not scoping.has_cap(actor, Cap.MATCH_VIEW, found.code)
    ):
        raise ActionError(
            _("Choose a county, town or community among those you follow."), field="area"
        )
    return found


def project_summary(*, actor, area_code=None) -> Summary:
    """The summary of ``area_code`` (a county, town or community the actor follows; by
    default the first area where the actor sees projects)."""
    scoping.require(actor, Cap.MATCH_VIEW)
    area = _chosen_area(actor, area_code) if area_code else _default_area(actor)
    level = Level(area.level)
    child_level = Level(level + 1) if level < Level.COMMUNITY else Level.COMMUNITY
    width = PREFIX_LENGTH[child_level]
    children = (
        list(Area.objects.filter(parent=area, level=child_level).order_by("code"))
        if level < Level.COMMUNITY
        else []
    )
    own_key = area.code[:width]
    rows: dict[str, SummaryRow] = {
        own_key: SummaryRow(code=area.code, name=area.name, own=True),
    }
    for child in children:
        rows[child.code[:width]] = SummaryRow(
            code=child.code, name=child.name, own=False, drill=child.level < Level.COMMUNITY
        )
    live = ~Q(status=Status.CANCELLED)
    projects = (
        visible(actor)
        .filter(area_code__startswith=area.prefix)
        .order_by()
        .annotate(key=Substr("area_code", 1, width))
        .values("key")
        .annotate(
            count=Count("pk", filter=live),
            done=Count("pk", filter=Q(status=Status.DONE)),
            cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
            budget=Sum("budget", filter=live),
            progress_sum=Sum("progress", filter=live),
        )
    )
    for found in projects:
        row = rows.get(found["key"])
        if row is None:  # an area below that is not in the tree (imported later): the area's own
            row = rows[own_key]
        row.count += found["count"]
        row.done += found["done"]
        row.cancelled += found["cancelled"]
        row.budget += found["budget"] or Decimal("0.00")
        row.progress_sum += found["progress_sum"] or 0
    overdue = (
        scoping.scope(ProjectMilestone.objects.all(), actor, Cap.MATCH_VIEW)
        .filter(
            area_code__startswith=area.prefix,
            done_on__isnull=True,
            due_on__lt=timezone.localdate(),
        )
        .exclude(project__status__in=_CLOSED)
        .order_by()
        .annotate(key=Substr("area_code", 1, width))
        .values("key")
        .annotate(n=Count("pk"))
    )
    for found in overdue:
        rows.get(found["key"], rows[own_key]).overdue += found["n"]
    total = SummaryRow(code=area.code, name=area.name, own=False)
    for row in rows.values():
        total.count += row.count
        total.done += row.done
        total.cancelled += row.cancelled
        total.budget += row.budget
        total.progress_sum += row.progress_sum
        total.overdue += row.overdue
    ordered = [rows[own_key]] + [rows[child.code[:width]] for child in children]
    up = areacodes.parent_code(area.code) if level > Level.COUNTY else None
    if up and not scoping.has_cap(actor, Cap.MATCH_VIEW, up):
        up = None
    return Summary(area=area, up=up, rows=ordered, total=total)


__all__ = ["Summary", "SummaryRow", "project_summary"]
