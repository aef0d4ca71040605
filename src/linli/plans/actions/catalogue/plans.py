"""Writing plans: adopt a template, write a plan of one's own, change it, put it in force and
close it."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core import cleaning as c
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Milestone, Plan, PlanTask, Target
from ...queries import access
from ...queries import catalogue as queries
from ._common import _changed, _jurisdiction, _managed_plan, _user, _year

__all__ = [
    "ADOPTED_TITLE_RE",
    "GENERIC_TITLE",
    "OTHER_TARGETS_MAX",
    "OTHER_TARGET_MAX",
    "SPAN_MAX",
    "TITLE_MAX",
    "adopted_title",
    "plan_activate",
    "plan_adopt",
    "plan_close",
    "plan_create",
    "plan_update",
]

TITLE_MAX = Plan._meta.get_field("title").max_length
OTHER_TARGETS_MAX = 30
OTHER_TARGET_MAX = 300
SPAN_MAX = 15  # years a plan may run
ADOPTED_TITLE_RE = re.compile(r"^.+?(“十四五”城乡社区服务体系建设(?:实施)?(?:规划|方案))$")
GENERIC_TITLE = "“十四五”城乡社区服务体系建设规划"


def _years(errors: c.Errors, start, end) -> tuple[int | None, int | None]:
    first = _year(errors, "start_year", start)
    last = _year(errors, "end_year", end)
    if first is not None and last is not None:
        if last < first:
            errors.add("end_year", _("The horizon cannot come before the first year."))
        elif last - first >= SPAN_MAX:
            errors.add("end_year", _("A plan runs at most %(n)d years.") % {"n": SPAN_MAX})
    return first, last


def _other_targets(errors: c.Errors, value) -> list[str]:
    """Other targets of the text (not measured): a list, or text with one per line."""
    if value in (None, ""):
        return []
    items = value.splitlines() if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        errors.add("other_targets", _("Write one target per line."))
        return []
    found = []
    for item in items:
        text = " ".join(str(item or "").replace("\x00", "").split())
        if not text:
            continue
        if len(text) > OTHER_TARGET_MAX:
            errors.add(
                "other_targets",
                _("Each target has at most %(max)d characters.") % {"max": OTHER_TARGET_MAX},
            )
            return []
        found.append(text)
    if len(found) > OTHER_TARGETS_MAX:
        errors.add(
            "other_targets", _("At most %(max)d other targets.") % {"max": OTHER_TARGETS_MAX}
        )
        return []
    return found


def adopted_title(template: Plan, area: Area) -> str:
    """The title of a copy of ``template`` for ``area``: the template's with the area's name in
    place of its jurisdiction's, where the title is "<place>“十四五”城乡社区服务体系建设规划";
    otherwise "<area>“十四五”城乡社区服务体系建设规划"."""
    found = ADOPTED_TITLE_RE.match(template.title)
    return (area.name + (found.group(1) if found else GENERIC_TITLE))[:TITLE_MAX]


def plan_adopt(*, actor, template_id, area_code, title=None) -> Plan:
    """Adopt a built-in template for a prefecture or county the actor holds ``plan.manage``
    over: a draft copy with the template's targets (the same built-in indicators) and tasks
    (with their milestones). Refused while the area has a copy of the same template that is not
    closed."""
    template = access.plan_for(actor, template_id, Cap.PLAN_VIEW, field="template_id")
    if not template.is_template:
        raise NotFound(_("No such template."), field="template_id")
    area = _jurisdiction(actor, area_code, levels=queries.PLAN_LEVELS)
    errors = c.Errors()
    wanted = c.line(errors, "title", title, max_length=TITLE_MAX, required=False)
    errors.raise_if_any(_("The plan was not adopted."))
    with transaction.atomic():
        template = Plan.objects.select_for_update().get(pk=template.pk)
        if (
            Plan.objects.filter(template=template, area_code=area.code)
            .exclude(status=Plan.Status.CLOSED)
            .exists()
        ):
            raise Conflict(
                _(
                    "%(area)s already has a plan adopted from this template that is not closed: "
                    "work on that one, or close it before adopting the template again."
                )
                % {"area": area.name}
            )
        now = timezone.now()
        plan = Plan.objects.create(
            area_code=area.code,
            title=wanted or adopted_title(template, area),
            start_year=template.start_year,
            end_year=template.end_year,
            status=Plan.Status.DRAFT,
            template=template,
            source_document=template.source_document,
            section=template.section,
            other_targets=list(template.other_targets),
            created_by=_user(actor),
            created_at=now,
            updated_at=now,
        )
        targets = [
            Target(
                plan=plan,
                indicator_id=row.indicator_id,
                op=row.op,
                value=row.value,
                binding=row.binding,
                due_year=row.due_year,
                baseline=row.baseline,
                baseline_year=row.baseline_year,
                per_community=row.per_community,
                at_risk_margin=row.at_risk_margin,
                note=row.note,
                position=row.position,
            )
            for row in template.targets.all()
        ]
        Target.objects.bulk_create(targets)
        tasks = list(template.tasks.prefetch_related("milestones"))
        copies = PlanTask.objects.bulk_create(
            [PlanTask(plan=plan, **{f: getattr(row, f) for f in _TASK_FIELDS}) for row in tasks]
        )  # PostgreSQL and SQLite both return the new ids, which the milestones need
        milestones = [
            Milestone(task=copy, year=m.year, title=m.title, due_on=m.due_on)
            for row, copy in zip(tasks, copies, strict=True)
            for m in row.milestones.all()
        ]
        Milestone.objects.bulk_create(milestones)
        audit.record(
            actor,
            "plans.plan.adopt",
            plan,
            extra={
                "template_id": template.pk,
                "targets": len(targets),
                "tasks": len(copies),
                "milestones": len(milestones),
            },
        )
    return plan


_TASK_FIELDS = (
    "group",
    "number",
    "title",
    "requirement",
    "lead_units",
    "co_units",
    "report_level",
    "frequency",
    "due_month",
    "due_day",
    "first_year",
    "last_year",
    "position",
)


def plan_create(*, actor, area_code, title, start_year, end_year, other_targets=()) -> Plan:
    """Write a plan of one's own for a prefecture or county (a draft with no targets yet)."""
    area = _jurisdiction(actor, area_code, levels=queries.PLAN_LEVELS)
    errors = c.Errors()
    text = c.line(errors, "title", title, max_length=TITLE_MAX, required=True)
    first, last = _years(errors, start_year, end_year)
    others = _other_targets(errors, other_targets)
    errors.raise_if_any(_("The plan was not saved."))
    now = timezone.now()
    with transaction.atomic():
        plan = Plan.objects.create(
            area_code=area.code,
            title=text,
            start_year=first,
            end_year=last,
            status=Plan.Status.DRAFT,
            other_targets=others,
            created_by=_user(actor),
            created_at=now,
            updated_at=now,
        )
        audit.record(actor, "plans.plan.create", plan, extra={"start": first, "end": last})
    return plan


def plan_update(
    *, actor, plan_id, title=c.UNSET, start_year=c.UNSET, end_year=c.UNSET, other_targets=c.UNSET
) -> Plan:
    """Change a plan's title, years or other targets (not measured). The years must still hold
    every target's due year and every task's years."""
    plan = _managed_plan(actor, plan_id)
    errors = c.Errors()
    values: dict = {}
    if title is not c.UNSET:
        values["title"] = c.line(errors, "title", title, max_length=TITLE_MAX, required=True)
    if start_year is not c.UNSET or end_year is not c.UNSET:
        first, last = _years(
            errors,
            plan.start_year if start_year is c.UNSET else start_year,
            plan.end_year if end_year is c.UNSET else end_year,
        )
        values.update(start_year=first, end_year=last)
    if other_targets is not c.UNSET:
        values["other_targets"] = _other_targets(errors, other_targets)
    errors.raise_if_any(_("The plan was not saved."))
    with transaction.atomic():
        plan = _managed_plan(actor, plan.pk, lock=True)
        if "start_year" in values:
            first, last = values["start_year"], values["end_year"]
            outside = plan.targets.exclude(due_year__isnull=True).exclude(
                due_year__gte=first, due_year__lte=last
            )
            if outside.exists():
                raise Conflict(
                    _("Some targets are due outside these years: change their due year first."),
                    field="end_year",
                )
            if plan.tasks.exclude(first_year__gte=first, last_year__lte=last).exists():
                raise Conflict(
                    _("Some tasks run outside these years: change their years first."),
                    field="end_year",
                )
        names = _changed(plan, values)
        if names:
            plan.updated_at = timezone.now()
            plan.save(update_fields=[*names, "updated_at"])
            audit.record(actor, "plans.plan.update", plan, extra={"fields": sorted(names)})
    return plan


def plan_activate(*, actor, plan_id) -> Plan:
    """Put a draft plan in force: it is then measured and reported on. It needs a target."""
    with transaction.atomic():
        plan = _managed_plan(actor, plan_id, lock=True)
        if plan.status != Plan.Status.DRAFT:
            raise Conflict(_("Only a draft plan can be put in force."))
        targets = plan.targets.count()
        if not targets:
            raise ActionError(_("Set at least one target before putting the plan in force."))
        plan.status = Plan.Status.ACTIVE
        plan.updated_at = timezone.now()
        plan.save(update_fields=["status", "updated_at"])
        audit.record(actor, "plans.plan.activate", plan, extra={"targets": targets})
    return plan


def plan_close(*, actor, plan_id) -> Plan:
    """Close a plan in force: it is kept as it was, and no longer measured or reported on."""
    with transaction.atomic():
        plan = _managed_plan(actor, plan_id, lock=True)
        if plan.status != Plan.Status.ACTIVE:
            raise Conflict(_("Only a plan in force can be closed."))
        plan.status = Plan.Status.CLOSED
        plan.updated_at = timezone.now()
        plan.save(update_fields=["status", "updated_at"])
        audit.record(actor, "plans.plan.close", plan)
    return plan
