"""Writing the shipped catalogue (:mod:`linli.plans.builtin`): the built-in indicators and the
templates with their targets and tasks, changing only what differs from the files."""

from __future__ import annotations

from collections import Counter

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from linli.core import audit
from linli.core.scoping import SYSTEM

from ... import builtin
from ...models import Indicator, Plan, PlanTask, Target
from ._common import _changed

__all__ = ["catalogue_install"]


def _install_indicators(spec, using: str, counts: Counter) -> dict[str, Indicator]:
    found = {row.key: row for row in Indicator.objects.using(using).filter(area_code="")}
    fresh = []
    for item in spec.indicators:
        row = found.get(item.key)
        if row is None:
            fresh.append(Indicator(key=item.key, area_code="", **item.fields()))
            continue
        names = _changed(row, item.fields())
        if names:
            row.save(using=using, update_fields=names)
            counts["indicators_updated"] += 1
    for row in Indicator.objects.using(using).bulk_create(fresh):
        found[row.key] = row
        counts["indicators_created"] += 1
    if any(row.pk is None for row in found.values()):  # databases that return no ids
        found = {row.key: row for row in Indicator.objects.using(using).filter(area_code="")}
    return found


def _sync_targets(plan: Plan, specs, indicators, using: str, counts: Counter) -> None:
    rows = {row.indicator_id: row for row in plan.targets.all()}
    fresh = []
    wanted_ids = set()
    for item in specs:
        indicator = indicators[item.indicator]
        wanted_ids.add(indicator.pk)
        row = rows.get(indicator.pk)
        if row is None:
            fresh.append(Target(plan=plan, indicator=indicator, **item.fields()))
        else:
            names = _changed(row, item.fields())
            if names:
                row.save(using=using, update_fields=names)
                counts["targets_updated"] += 1
    gone = [row.pk for key, row in rows.items() if key not in wanted_ids]
    if gone:
        Target.objects.using(using).filter(pk__in=gone).delete()
        counts["targets_removed"] += len(gone)
    if fresh:
        Target.objects.using(using).bulk_create(fresh)
        counts["targets_created"] += len(fresh)


def _sync_tasks(plan: Plan, specs, using: str, counts: Counter) -> None:
    rows = {row.number: row for row in plan.tasks.all()}
    numbers = {item.number for item in specs}
    gone = [row.pk for number, row in rows.items() if number not in numbers]
    if gone:
        PlanTask.objects.using(using).filter(pk__in=gone).delete()
        counts["tasks_removed"] += len(gone)
    fresh = []
    for item in specs:
        row = rows.get(item.number)
        if row is None:
            fresh.append(PlanTask(plan=plan, number=item.number, **item.fields()))
            continue
        names = _changed(row, item.fields())
        if names:
            row.save(using=using, update_fields=names)
            counts["tasks_updated"] += 1
    if fresh:
        PlanTask.objects.using(using).bulk_create(fresh)
        counts["tasks_created"] += len(fresh)


def catalogue_install(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Write the shipped catalogue: the built-in indicators, and the five templates with their
    targets and tasks. Only what differs from the files is written (a second run writes
    nothing); adopted plans are never touched. Returns the counts of what changed.

    Creating the catalogue is part of building a database and leaves no audit event; changing
    or removing built-in rows that exist (a new release's files) is audited, as the system."""
    spec = builtin.catalogue()
    counts: Counter = Counter()
    with transaction.atomic(using=using):
        indicators = _install_indicators(spec, using, counts)
        templates = {
            plan.template_key: plan
            for plan in Plan.objects.using(using)
            .filter(is_template=True)
            .prefetch_related("targets", "tasks")
        }
        for item in spec.templates:
            plan = templates.get(item.key)
            if plan is None:
                plan = Plan.objects.using(using).create(
                    is_template=True, template_key=item.key, **item.fields()
                )
                counts["templates_created"] += 1
            else:
                names = _changed(plan, item.fields())
                if names:
                    plan.updated_at = timezone.now()
                    plan.save(using=using, update_fields=[*names, "updated_at"])
                    counts["templates_updated"] += 1
            _sync_targets(plan, item.targets, indicators, using, counts)
            _sync_tasks(plan, item.tasks, using, counts)
        changed = any(name.endswith(("_updated", "_removed")) for name in counts)
        if changed and using == DEFAULT_DB_ALIAS:
            audit.record(SYSTEM, "plans.catalogue.install", extra=dict(sorted(counts.items())))
    return dict(counts)
