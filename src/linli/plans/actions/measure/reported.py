"""The values areas report for the indicators no app counts yet: entering or replacing one
with its source note and evidence file, removing one, and handing out the evidence file. A
change queues a recompute of the plans in force that measure the indicator there."""

from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Indicator, Plan, ReportedValue, Target, Unit
from ...queries.values import plan_years
from ._common import _pk, _queue, _request, _text, _user

__all__ = [
    "reported_evidence",
    "reported_value_remove",
    "reported_value_set",
]

REPORTED_NOTE_MAX = ReportedValue._meta.get_field("note").max_length
EVIDENCE_NAME_MAX = ReportedValue._meta.get_field("evidence_name").max_length
NUMBER_MAX = Decimal("999999999999")  # 12 digits before the point (16 with 4 decimals)
FOUR_PLACES = Decimal("0.0001")
FIRST_YEAR = 2000


def _number(value, *, field: str, required: bool) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ActionError(_("Enter a number."), field=field)
        return None
    if isinstance(value, bool):
        raise ActionError(_("Enter a number."), field=field)
    try:
        number = Decimal(str(value).replace("\x00", "").strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ActionError(_("Enter a number."), field=field) from None
    if not number.is_finite() or number < 0 or number > NUMBER_MAX:
        raise ActionError(
            _("Enter a number from 0 to %(max)s.") % {"max": f"{NUMBER_MAX:,}"}, field=field
        )
    if number != number.quantize(FOUR_PLACES):
        raise ActionError(_("Use at most four decimal places."), field=field)
    return number.quantize(FOUR_PLACES)


def _reported_indicator(indicator_id, plan_id=None) -> Indicator:
    indicator = Indicator.objects.filter(pk=_pk(indicator_id)).first()
    if indicator is None or (
        plan_id is not None
        and not Target.objects.filter(plan_id=_pk(plan_id), indicator=indicator).exists()
    ):
        raise NotFound(_("No such indicator."), field="indicator")
    if indicator.source != Indicator.Source.REPORTED:
        raise ActionError(
            _("This indicator is computed from live data; it cannot be reported."),
            field="indicator",
        )
    return indicator


def _report_area(actor, indicator: Indicator, area_code) -> Area:
    """The area a value is reported for: one the actor sees, not a grid, inside the
    indicator's jurisdiction; refused without ``plan.report`` there."""
    missing = NotFound(_("No such area among yours."), field="area_code")
    try:
        code = areacodes.normalize(str(area_code or "").replace("\x00", ""))
    except areacodes.AreaCodeError as exc:
        raise ActionError(str(exc.args[0]), field="area_code") from None
    if not scoping.has_cap(actor, Cap.PLAN_VIEW, code) and not scoping.has_cap(
        actor, Cap.PLAN_REPORT, code
    ):
        raise missing
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise missing
    if area.level == Level.GRID:
        raise ActionError(
            _("Report for a community or a wider area, not a grid."), field="area_code"
        )
    if indicator.area_code and not area.code.startswith(areacodes.prefix_of(indicator.area_code)):
        raise NotFound(_("No such indicator."), field="indicator")  # another jurisdiction's
    if not scoping.has_cap(actor, Cap.PLAN_REPORT, area.code):
        raise Forbidden(_("You may not report values for this area."))
    return area


def _report_year(year) -> int:
    this_year = timezone.localdate().year
    try:
        chosen = int(str(year).strip())
    except (TypeError, ValueError):
        chosen = 0
    if not FIRST_YEAR <= chosen <= this_year:
        raise ActionError(
            _("Choose a year from %(first)d to %(last)d.")
            % {"first": FIRST_YEAR, "last": this_year},
            field="year",
        )
    return chosen


def _evidence(evidence):
    if not evidence:
        return None
    from linli.notices.files import clean_attachments

    return clean_attachments([evidence], field="evidence")[0]


def _plans_measuring(indicator: Indicator, area_code: str, year: int) -> list[Plan]:
    """The plans in force with a target on ``indicator`` whose jurisdiction holds the area and
    whose years include ``year``."""
    jurisdictions = {
        code[:length].ljust(12, "0") for code in [area_code] for length in (2, 4, 6, 9, 12)
    }
    plan_ids = Target.objects.filter(indicator=indicator).values("plan_id")
    return [
        plan
        for plan in Plan.objects.filter(
            pk__in=plan_ids,
            status=Plan.Status.ACTIVE,
            is_template=False,
            area_code__in=jurisdictions,
        )
        if year in plan_years(plan)
    ]


def _refresh_plans(indicator: Indicator, area_code: str, year: int) -> None:
    """Queue a recompute of every plan in force measuring the indicator there (as the
    platform: the reporter need not manage the plan)."""
    now = timezone.now()
    for plan in _plans_measuring(indicator, area_code, year):
        run, new = _request(scoping.SYSTEM, plan, year, now)
        if new:
            _queue(run)


def reported_value_set(
    *,
    actor,
    indicator_id,
    area_code,
    year,
    numerator,
    denominator=None,
    note="",
    evidence=None,
    plan_id=None,
) -> ReportedValue:
    """Enter (or replace) an area's value of a reported indicator for a year: the numerator,
    and for a ratio the denominator (above 0); for a total no denominator. A percentage's part
    cannot exceed its whole. ``evidence`` (PDF, Word, Excel, JPEG or PNG, at most 10 MB)
    replaces the file kept with the value; without one the kept file stays. With ``plan_id``,
    only an indicator the plan has a target on."""
    indicator = _reported_indicator(indicator_id, plan_id)
    area = _report_area(actor, indicator, area_code)
    chosen = _report_year(year)
    n = _number(numerator, field="numerator", required=True)
    ratio = indicator.aggregation == Indicator.Aggregation.RATIO
    d = _number(denominator, field="denominator", required=ratio)
    if ratio and not d:
        raise ActionError(_("Enter a denominator above 0."), field="denominator")
    if not ratio and d is not None:
        raise ActionError(
            _("This indicator is a total: leave the denominator empty."), field="denominator"
        )
    if ratio and indicator.unit == Unit.PERCENT and n > d:
        raise ActionError(
            _("The numerator of a percentage cannot exceed its denominator."), field="numerator"
        )
    note = _text(
        note,
        REPORTED_NOTE_MAX,
        field="note",
        required=False,
        message=_("A note is at most %(n)d characters.") % {"n": REPORTED_NOTE_MAX},
    )
    cleaned = _evidence(evidence)
    stored: list[str] = []
    try:
        with transaction.atomic():
            row = (
                ReportedValue.objects.select_for_update()
                .filter(indicator=indicator, area_code=area.code, year=chosen)
                .first()
            )
            created = row is None
            old_file = "" if created else row.evidence.name
            if created:
                row = ReportedValue(indicator=indicator, area_code=area.code, year=chosen)
            row.numerator, row.denominator, row.note = n, d, note
            row.entered_by, row.entered_at = _user(actor), timezone.now()
            if cleaned is not None:
                row.evidence.save(cleaned.name, ContentFile(cleaned.data), save=False)
                stored.append(row.evidence.name)
                row.evidence_name = cleaned.name[:EVIDENCE_NAME_MAX]
            row.save()
            if cleaned is not None and old_file:
                transaction.on_commit(lambda: _discard([old_file]))
            audit.record(
                actor,
                "plans.reported.set",
                row,
                area_code=area.code,
                extra={
                    "indicator": indicator.pk,
                    "year": chosen,
                    "created": created,
                    "evidence": cleaned is not None,
                },
            )
            _refresh_plans(indicator, area.code, chosen)
    except BaseException:
        _discard(stored)
        raise
    return row


def _discard(names: list[str]) -> None:
    for name in names:
        if name:
            with contextlib.suppress(OSError):
                default_storage.delete(name)


def _visible_reported(actor, reported_id, plan_id=None) -> ReportedValue:
    row = ReportedValue.objects.select_related("indicator").filter(pk=_pk(reported_id)).first()
    if (
        plan_id is not None
        and row is not None
        and not Target.objects.filter(plan_id=_pk(plan_id), indicator_id=row.indicator_id).exists()
    ):
        row = None
    if row is None or not (
        scoping.has_cap(actor, Cap.PLAN_VIEW, row.area_code)
        or scoping.has_cap(actor, Cap.PLAN_REPORT, row.area_code)
    ):
        raise NotFound(_("No such reported value among yours."))
    return row


def reported_value_remove(*, actor, reported_id, plan_id=None) -> None:
    """Delete a reported value and its evidence file (``plan.report`` over its area); with
    ``plan_id``, only a value of an indicator the plan has a target on."""
    row = _visible_reported(actor, reported_id, plan_id)
    if not scoping.has_cap(actor, Cap.PLAN_REPORT, row.area_code):
        raise Forbidden(_("You may not report values for this area."))
    name = row.evidence.name
    with transaction.atomic():
        audit.record(
            actor,
            "plans.reported.remove",
            row,
            area_code=row.area_code,
            extra={"indicator": row.indicator_id, "year": row.year},
        )
        indicator, area_code, year = row.indicator, row.area_code, row.year
        row.delete()
        if name:
            transaction.on_commit(lambda: _discard([name]))
        _refresh_plans(indicator, area_code, year)


def reported_evidence(*, actor, reported_id) -> ReportedValue:
    """The reported value whose evidence file the actor opens (``plan.view`` over its area);
    each opening is an audit event. Not found when it has no file."""
    row = _visible_reported(actor, reported_id)
    if not row.evidence:
        raise NotFound(_("This value has no evidence file."))
    with transaction.atomic():
        audit.record(
            actor,
            "plans.reported.evidence",
            row,
            area_code=row.area_code,
            extra={"indicator": row.indicator_id, "year": row.year},
        )
    return row
