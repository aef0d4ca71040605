"""Who writes and who approves the reports: the levels that report on a task, the level
that approves a report, the active holders of a capability nearest an area, and the submitted
reports waiting for an actor's decision."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from linli.core import areacodes, scoping
from linli.core.models import Area, RoleAssignment
from linli.core.roles import Cap

from ...models import Plan, PlanTask, ProgressReport
from ..access import plans_visible, prefix_of_plan
from ._common import _held_prefixes, _nearest_is_own, _own_prefixes, roles_with
from .periods import period_label

__all__ = [
    "approval_of",
    "approvals_pending",
    "holders_in_plan",
    "may_approve",
    "nearest",
    "nearest_holders",
    "report_levels",
]


def report_levels(task: PlanTask, plan: Plan) -> list[int]:
    """The levels that write reports of ``task``: its reporting level and each level between
    it and the jurisdiction (the jurisdiction itself only when it is the reporting level)."""
    top = areacodes.level_of(plan.area_code)
    if task.report_level <= top:
        return [top]
    return list(range(top + 1, task.report_level + 1))


def approval_of(plan: Plan, area_code: str) -> tuple[str, str]:
    """(capability, area code) of those who approve a report of ``area_code``."""
    if area_code == plan.area_code:
        return Cap.PLAN_MANAGE, area_code
    return Cap.PLAN_APPROVE, areacodes.parent_code(area_code) or area_code


def may_approve(actor, plan: Plan, area_code: str) -> bool:
    cap, code = approval_of(plan, area_code)
    return scoping.has_cap(actor, cap, code)


def _holders(cap: str, codes) -> dict[str, list]:
    rows = (
        RoleAssignment.objects.filter(
            role__in=roles_with(cap), area_code__in=sorted(set(codes)), user__is_active=True
        )
        .select_related("user")
        .order_by("area_code", "user_id")
    )
    found: dict[str, list] = {}
    for row in rows:
        users = found.setdefault(row.area_code, [])
        if row.user not in users:
            users.append(row.user)
    return found


def _chain(code: str) -> list[str]:
    """``code`` and its ancestors, nearest first."""
    return [code, *reversed(areacodes.ancestors(code))]


def nearest(found: dict[str, list], code: str) -> list:
    """Of ``found`` (area code → users), the users of the nearest area holding ``code``."""
    for candidate in _chain(code):
        if found.get(candidate):
            return found[candidate]
    return []


def nearest_holders(cap: str, area_code: str) -> list:
    """The active users holding ``cap`` over ``area_code`` at the nearest level that has any."""
    return nearest(_holders(cap, _chain(area_code)), area_code)


def holders_in_plan(cap: str, plan: Plan) -> dict[str, list]:
    """Area code → users holding ``cap`` there, for the plan's areas and those above them."""
    prefix = prefix_of_plan(plan)
    rows = (
        RoleAssignment.objects.filter(role__in=roles_with(cap), user__is_active=True)
        .filter(
            Q(area_code__startswith=prefix) | Q(area_code__in=areacodes.ancestors(plan.area_code))
        )
        .select_related("user")
        .order_by("area_code", "user_id")
    )
    found: dict[str, list] = {}
    for row in rows:
        users = found.setdefault(row.area_code, [])
        if row.user not in users:
            users.append(row.user)
    return found


# --- approvals ------------------------------------------------------------------------------------


def approvals_pending(*, actor) -> list[ProgressReport]:
    """The submitted reports waiting for the actor's decision, the longest waiting first: those
    of the areas right below the actor's (or below an area with no approver of its own), and
    the jurisdiction's own report for those who manage its plan."""
    approve = scoping.prefixes(actor, Cap.PLAN_APPROVE)
    manage = scoping.prefixes(actor, Cap.PLAN_MANAGE)
    if not approve and not manage:
        return []
    reports = list(
        ProgressReport.objects.filter(
            scoping.prefix_q(sorted(set(approve) | set(manage))),
            status=ProgressReport.Status.SUBMITTED,
            task__plan__in=plans_visible(actor, Cap.PLAN_VIEW).filter(is_template=False),
        )
        .select_related("task__plan", "submitted_by", "decided_by")
        .order_by("submitted_at", "id")
    )
    if not reports:
        return []
    own = _own_prefixes(actor, Cap.PLAN_APPROVE)
    held = _held_prefixes(Cap.PLAN_APPROVE, approve)
    found = []
    for report in reports:
        cap, code = approval_of(report.task.plan, report.area_code)
        if not scoping.has_cap(actor, cap, code):
            continue
        if cap == Cap.PLAN_APPROVE and not _nearest_is_own(code, own, held):
            continue
        found.append(report)
    names = dict(
        Area.objects.filter(code__in={r.area_code for r in found}).values_list("code", "name")
    )
    for report in found:
        report.area_name = names.get(report.area_code, report.area_code)
        report.period_label = period_label(report.period)
        report.on_time = timezone.localdate(report.submitted_at) <= report.due_on
    return found
