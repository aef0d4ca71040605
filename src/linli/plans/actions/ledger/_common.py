"""What the ledger's writes share: the signed-in user of a write, whole numbers in a range,
and the checks and the lock of a report before it changes."""

from __future__ import annotations

from django.utils.translation import gettext as _

from linli.core import cleaning as c
from linli.core import scoping
from linli.core.errors import Conflict

from ...models import Plan, ProgressReport
from ...queries import ledger as q


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _int(errors: c.Errors, field: str, value, low: int, high: int, message) -> int | None:
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        errors.add(field, message)
        return None
    return number


def _in_force(plan: Plan) -> None:
    if plan.status != Plan.Status.ACTIVE:
        raise Conflict(_("This plan is not in force: its ledger takes no reports."))


def _editable(report: ProgressReport) -> None:
    if report.status == ProgressReport.Status.APPROVED:
        raise Conflict(
            _("This report is approved and locked: ask the approving level to reopen it.")
        )
    if report.status == ProgressReport.Status.SUBMITTED:
        raise Conflict(_("This report is submitted: it can change again if it is returned."))


def _report(actor, report_id, *, cap: str | None = None) -> ProgressReport:
    """The report locked for a change, as the actor sees it; ``cap`` over its area needed."""
    found = q.report_lookup(actor=actor, report_id=report_id)
    if cap is not None:
        scoping.require(actor, cap, found.area_code)
    report = (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("task__plan")
        .get(pk=found.pk)
    )
    return report
