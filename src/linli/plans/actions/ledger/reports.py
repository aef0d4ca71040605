"""Writing the progress reports: save and submit (the area), approve and return (the level
above), reopen an approved report (the approving level); each tells those concerned."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core import audit, scoping
from linli.core import cleaning as c
from linli.core.errors import ActionError, Conflict, Forbidden
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import ProgressReport
from ...queries import ledger as q
from ._common import _editable, _in_force, _int, _report, _user

__all__ = [
    "REASON_MAX",
    "TEXT_MAX",
    "report_approve",
    "report_reopen",
    "report_return",
    "report_save",
    "report_submit",
]

TEXT_MAX = 4000
REASON_MAX = ProgressReport._meta.get_field("decision_note").max_length


def _url(report: ProgressReport) -> str:
    return reverse("plans:ledger_report", args=[report.pk])


def _percent(errors: c.Errors, value) -> int | None:
    if value in (None, ""):
        return 0
    return _int(errors, "percent", value, 0, 100, _("Enter a whole number from 0 to 100."))


def report_save(*, actor, task_id, area_code, period, text, percent) -> ProgressReport:
    """Write an area's progress on a task for a period (created on the first save): a draft or
    a returned report only, in a plan in force."""
    place = q.report_place(actor=actor, task_id=task_id, area_code=area_code, period=period)
    scoping.require(actor, Cap.PLAN_REPORT, place.area.code)
    _in_force(place.plan)
    errors = c.Errors()
    body = c.text(errors, "text", text, max_length=TEXT_MAX)
    done = _percent(errors, percent)
    errors.raise_if_any(_("The progress was not saved."))
    current = q.now()
    try:
        with transaction.atomic():
            report = (
                ProgressReport.objects.select_for_update()
                .filter(task=place.task, area_code=place.area.code, period=place.period)
                .first()
            )
            created = report is None
            if created:
                report = ProgressReport(
                    task=place.task,
                    area_code=place.area.code,
                    period=place.period,
                    due_on=place.due_on,
                )
            else:
                _editable(report)
            report.text, report.percent, report.updated_at = body, done, current
            report.save()
            audit.record(
                actor,
                "plans.report.save",
                report,
                extra={
                    "task": place.task.pk,
                    "period": place.period,
                    "created": created,
                    "percent": done,
                },
            )
    except IntegrityError:
        raise Conflict(_("Someone else started this report just now: reload the page.")) from None
    return report


def _approving(actor, report: ProgressReport) -> None:
    if not q.may_approve(actor, report.task.plan, report.area_code):
        raise Forbidden(_("Only the level above this area approves its reports."))


def _area_name(code: str) -> str:
    return Area.objects.filter(code=code).values_list("name", flat=True).first() or code


def _tell(users, report: ProgressReport, kind: str, text) -> int:
    return core_actions.notify(users, kind=kind, text=text, url=_url(report), target=report)


def report_submit(*, actor, report_id) -> ProgressReport:
    """Send a report to the level above: it needs some text or a percentage done. Records who
    and when, and whether it was on time; tells the approvers of the area above."""
    with transaction.atomic():
        report = _report(actor, report_id, cap=Cap.PLAN_REPORT)
        plan = report.task.plan
        _in_force(plan)
        _editable(report)
        if not report.text.strip() and not report.percent:
            raise ActionError(
                _("Write what was done, or how much of it is done, before submitting."),
                field="text",
            )
        current = q.now()
        report.status = ProgressReport.Status.SUBMITTED
        report.submitted_by, report.submitted_at = _user(actor), current
        report.updated_at = current
        report.save()
        on_time = timezone.localdate(current) <= report.due_on
        audit.record(
            actor,
            "plans.report.submit",
            report,
            extra={"task": report.task_id, "period": report.period, "on_time": on_time},
        )
        cap, code = q.approval_of(plan, report.area_code)
        name, number, period = _area_name(report.area_code), report.task.number, report.period
        _tell(
            q.nearest_holders(cap, code),
            report,
            "plans.report_submitted",
            lambda: (
                _("%(area)s submitted its progress on task %(number)s for %(period)s.")
                % {"area": name, "number": number, "period": q.period_label(period)}
            ),
        )
    return report


def _reporters(report: ProgressReport) -> list:
    users = q.nearest_holders(Cap.PLAN_REPORT, report.area_code)
    if report.submitted_by is not None and report.submitted_by not in users:
        users = [report.submitted_by, *users]
    return users


def _decide(actor, report_id, *, status: str, reason: str = "") -> ProgressReport:
    with transaction.atomic():
        report = _report(actor, report_id)
        _approving(actor, report)
        if report.status != ProgressReport.Status.SUBMITTED:
            raise Conflict(_("Only a submitted report can be approved or returned."))
        current = q.now()
        report.status = status
        report.decided_by, report.decided_at = _user(actor), current
        report.decision_note, report.updated_at = reason, current
        report.save()
        verb = "approve" if status == ProgressReport.Status.APPROVED else "return"
        audit.record(
            actor,
            f"plans.report.{verb}",
            report,
            extra={"task": report.task_id, "period": report.period},
        )
        number, period = report.task.number, report.period

        def text() -> str:
            values = {"number": number, "period": q.period_label(period), "reason": reason}
            if verb == "approve":
                return _("Your progress on task %(number)s for %(period)s is approved.") % values
            return (
                _("Your progress on task %(number)s for %(period)s was returned: %(reason)s")
                % values
            )

        kind = "plans.report_approved" if verb == "approve" else "plans.report_returned"
        _tell(_reporters(report), report, kind, text)
    return report


def _reason(reason) -> str:
    errors = c.Errors()
    text = c.line(errors, "reason", reason, max_length=REASON_MAX, required=True)
    errors.raise_if_any(_("Give the reason."))
    return text


def report_approve(*, actor, report_id) -> ProgressReport:
    """Approve a submitted report (the level above its area): it is locked from now on."""
    return _decide(actor, report_id, status=ProgressReport.Status.APPROVED)


def report_return(*, actor, report_id, reason) -> ProgressReport:
    """Send a submitted report back to its area with the reason: it can be changed and
    submitted again."""
    text = _reason(reason)
    return _decide(actor, report_id, status=ProgressReport.Status.RETURNED, reason=text)


def report_reopen(*, actor, report_id, reason) -> ProgressReport:
    """Take back an approval (the approving level, with the reason): the report goes back to
    its area as returned. Refused while the report of the area above, for the same task and
    period, is approved: that one must be reopened first."""
    text = _reason(reason)
    with transaction.atomic():
        report = _report(actor, report_id)
        _approving(actor, report)
        if report.status != ProgressReport.Status.APPROVED:
            raise Conflict(_("Only an approved report can be reopened."))
        above = q.report_above(report, report.task.plan)
        if above is not None:
            above = ProgressReport.objects.select_for_update().get(pk=above.pk)
        if above is not None and above.status == ProgressReport.Status.APPROVED:
            raise Conflict(
                _(
                    "The report of %(area)s for this task and period is approved: it must be "
                    "reopened first."
                )
                % {"area": _area_name(above.area_code)}
            )
        current = q.now()
        report.status = ProgressReport.Status.RETURNED
        report.decided_by, report.decided_at = _user(actor), current
        report.decision_note, report.updated_at = text, current
        report.save()
        audit.record(
            actor,
            "plans.report.reopen",
            report,
            extra={"task": report.task_id, "period": report.period},
        )
        number, period = report.task.number, report.period
        _tell(
            _reporters(report),
            report,
            "plans.report_reopened",
            lambda: (
                _(
                    "Your approved progress on task %(number)s for %(period)s was reopened: %(reason)s"
                )
                % {"number": number, "period": q.period_label(period), "reason": text}
            ),
        )
    return report
