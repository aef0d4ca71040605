"""Snapshots of a plan's values: a year's values frozen under a label (read-only from then
on), and their removal."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.errors import ActionError, Conflict, NotFound

from ...models import Measurement, Plan, Snapshot, SnapshotValue
from ...queries.values import year_of
from ._common import _managed_plan, _measured_plan, _pk, _text, _user

__all__ = ["snapshot_remove", "snapshot_take"]

LABEL_MAX = Snapshot._meta.get_field("label").max_length
NOTE_MAX = Snapshot._meta.get_field("note").max_length


def snapshot_take(*, actor, plan_id, label, year=None, note="") -> Snapshot:
    """Freeze the plan's values of ``year`` (the newest by default) under ``label`` (1–60
    characters, unique in the plan). Refused when the year was never computed."""
    plan = _measured_plan(actor, plan_id)
    label = _text(
        label,
        LABEL_MAX,
        field="label",
        required=True,
        message=_("Give the snapshot a label of 1 to %(n)d characters.") % {"n": LABEL_MAX},
    )
    note = _text(
        note,
        NOTE_MAX,
        field="note",
        required=False,
        message=_("A note is at most %(n)d characters.") % {"n": NOTE_MAX},
    )
    chosen = year_of(plan, year)
    with transaction.atomic():
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        if Snapshot.objects.filter(plan=plan, label=label).exists():
            raise Conflict(
                _("This plan already has a snapshot labelled “%(label)s”.") % {"label": label},
                field="label",
            )
        found = Measurement.objects.filter(plan=plan, year=chosen).aggregate(
            n=Count("pk"), at=Max("computed_at")
        )
        if not found["n"]:
            raise ActionError(
                _("The values of %(year)s were never computed: recompute them first.")
                % {"year": chosen},
                field="year",
            )
        snapshot = Snapshot.objects.create(
            plan=plan,
            year=chosen,
            label=label,
            note=note,
            measured_at=found["at"],
            taken_by=_user(actor),
        )
        _copy_values(snapshot, plan, chosen)
        audit.record(
            actor,
            "plans.snapshot.take",
            snapshot,
            area_code=plan.area_code,
            extra={"plan": plan.pk, "year": chosen, "areas": found["n"]},
        )
    return snapshot


def _copy_values(snapshot: Snapshot, plan: Plan, year: int) -> None:
    """The year's rows copied in the database, in one statement (the names are the models'
    own, quoted; the values are parameters)."""
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in ("area_code", "parent_code", "level", "name", "values"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(SnapshotValue._meta.db_table)} ({q('snapshot_id')}, {columns}) "  # noqa: S608
            f"SELECT %s, {columns} FROM {q(Measurement._meta.db_table)} "
            f"WHERE {q('plan_id')} = %s AND {q('year')} = %s",
            [snapshot.pk, plan.pk, year],
        )


def snapshot_remove(*, actor, snapshot_id, plan_id=None) -> None:
    """Delete a snapshot and its values (``plan.manage`` over the plan's jurisdiction); with
    ``plan_id``, only a snapshot of that plan."""
    snapshot = Snapshot.objects.select_related("plan").filter(pk=_pk(snapshot_id)).first()
    if snapshot is None or (plan_id is not None and snapshot.plan_id != _pk(plan_id)):
        raise NotFound(_("No such snapshot of this plan."))
    plan = _managed_plan(actor, snapshot.plan_id)
    with transaction.atomic():
        audit.record(
            actor,
            "plans.snapshot.remove",
            snapshot,
            area_code=plan.area_code,
            extra={"plan": plan.pk, "year": snapshot.year},
        )
        snapshot.delete()
