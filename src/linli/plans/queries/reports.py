"""The annual implementation report of a plan (年度实施情况报告) for one area and year.

:func:`plan_report` gathers what the report says, as a tree of dataclasses that the workbook,
the PDF and the report page all render:

- the plan, the area (the jurisdiction, a town …), the year, and where the values come from:
  the live values measured at ``measured_at``, or a snapshot (its label and date);
- one :class:`ReportLine` per target, in the layout of the plans' own indicator tables: number,
  indicator, unit, baseline (value and year), target (operator, value, due year), binding or
  expected, the area's value, its status and gap — and the value and status of each sub-area
  (the towns of a county, the communities of a town …);
- for each target, the communities below it (the lowest level that has values for it: towns
  for an indicator measured by town);
- the counts by status and the binding targets not met;
- the task ledger of the year: per task (reports expected, submitted, approved, on time) and
  per sub-area (the ledger's own reporting and on-time rates).

The values are the engine's reads (:func:`~linli.plans.queries.values.plan_board` and
:func:`~linli.plans.queries.values.plan_children`), so the report shows exactly what the
dashboard shows; the communities below a target come from the same stored rows in one query.
A year never computed is an error that says so: a report without values is of no use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes
from linli.core.areacodes import Level
from linli.core.errors import Conflict
from linli.core.models import Area

from ..models import (
    Indicator,
    Measurement,
    Plan,
    PlanTask,
    ProgressReport,
    Snapshot,
    SnapshotValue,
    Target,
    Unit,
)
from . import ledger as ledger_queries
from .status import Cell, Status, TargetState, cell_from_json, status_of
from .values import plan_board, plan_children

__all__ = [
    "BelowRow",
    "LedgerArea",
    "LedgerLine",
    "NO_VALUES",
    "Report",
    "ReportArea",
    "ReportLine",
    "STATUSES",
    "op_text",
    "plan_report",
    "unit_text",
]

# The error code of a report asked for a year never computed.
NO_VALUES = "no_values"
# The order statuses are counted and shown in.
STATUSES = (Status.MET, Status.AT_RISK, Status.NOT_MET, Status.NO_DATA)
_MISSING = (Status.AT_RISK, Status.NOT_MET)
_OPS = {">=": "≥", ">": ">", "=": "=", "<=": "≤"}


def op_text(op: str) -> str:
    return _OPS.get(op, op)


def unit_text(unit: str) -> str:
    """The unit as the plans' tables write it: ``%``, ``m²``, or the unit's name."""
    if unit == Unit.PERCENT:
        return "%"
    if unit == Unit.SQUARE_METRES:
        return "m²"
    try:
        return str(Unit(unit).label)
    except ValueError:
        return unit


def rounded(value: Decimal | None, decimals: int) -> Decimal | None:
    """``value`` to the indicator's decimals, as every table shows it."""
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ReportArea:
    """A sub-area of the report's area (a column of the indicator table)."""

    area_code: str
    name: str
    level: int
    counts: dict[str, int]
    worst: str


@dataclass(frozen=True)
class BelowRow:
    """A community (or a town, for an indicator measured by town) missing a target."""

    area_code: str
    name: str
    parent_name: str
    value: Decimal | None
    gap: Decimal | None
    status: str


@dataclass(frozen=True)
class ReportLine:
    """One target of the plan, measured over the report's area and each sub-area."""

    number: int
    target: Target
    indicator: Indicator
    label: str
    unit: str
    decimals: int
    binding: bool
    cell: Cell
    state: TargetState
    children: list[tuple[Cell, TargetState]]
    below: list[BelowRow] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def status_label(self) -> str:
        return str(Status(self.state.status).label)

    @property
    def value(self) -> Decimal | None:
        return rounded(self.cell.value, self.decimals)

    @property
    def gap(self) -> Decimal | None:
        return self.state.gap

    @property
    def goal(self) -> Decimal:
        return Decimal(self.target.value).normalize()

    @property
    def goal_text(self) -> str:
        """``≥ 30`` — the operator and the value, without the unit (a column of its own)."""
        return f"{op_text(self.target.op)} {format(self.goal, 'f')}"

    @property
    def baseline(self) -> Decimal | None:
        base = self.target.baseline
        return None if base is None else Decimal(base).normalize()

    @property
    def unit_text(self) -> str:
        return unit_text(self.unit)

    @property
    def kind_label(self) -> str:
        return _("binding") if self.binding else _("expected")


@dataclass(frozen=True)
class _Rates:
    expected: int = 0
    submitted: int = 0
    approved: int = 0
    on_time: int = 0

    def _percent(self, part: int) -> Decimal | None:
        if not self.expected:
            return None
        return (Decimal(part) * 100 / self.expected).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def reporting_rate(self) -> Decimal | None:
        """Submitted (or approved) ÷ expected, in percent."""
        return self._percent(self.submitted)

    @property
    def on_time_rate(self) -> Decimal | None:
        """Submitted on time ÷ expected, in percent."""
        return self._percent(self.on_time)


@dataclass(frozen=True)
class LedgerLine(_Rates):
    """One task of the ledger in the report's year."""

    number: str = ""
    title: str = ""
    lead_units: str = ""


@dataclass(frozen=True)
class LedgerArea(_Rates):
    """The ledger's reports of one sub-area (or the area's own) in the report's year."""

    area_code: str = ""
    name: str = ""
    own: bool = False


@dataclass(frozen=True)
class Report:
    plan: Plan
    area: Area
    year: int
    measured_at: dt.datetime
    snapshot: Snapshot | None
    generated_at: dt.datetime
    lines: list[ReportLine]
    children: list[ReportArea]
    counts: dict[str, int]
    ledger: list[LedgerLine] | None  # per task; None: not asked for
    ledger_areas: list[LedgerArea] | None = None  # per sub-area (the ledger's rates)

    @property
    def is_snapshot(self) -> bool:
        return self.snapshot is not None

    @property
    def source_text(self) -> str:
        """Where the values come from, in a sentence."""
        when = timezone.localtime(self.measured_at).strftime("%Y-%m-%d %H:%M")
        if self.snapshot is not None:
            return _("Snapshot “%(label)s”, values as measured on %(when)s") % {
                "label": self.snapshot.label,
                "when": when,
            }
        return _("Live values, measured as of %(when)s") % {"when": when}

    @property
    def binding_missed(self) -> list[ReportLine]:
        """Binding targets not met (or only at risk)."""
        return [line for line in self.lines if line.binding and line.status in _MISSING]

    @property
    def binding_unmeasured(self) -> list[ReportLine]:
        return [line for line in self.lines if line.binding and line.status == Status.NO_DATA]

    @property
    def ledger_total(self) -> LedgerArea | None:
        """The sum of the sub-areas' ledger rows."""
        if self.ledger_areas is None:
            return None
        total = {"expected": 0, "submitted": 0, "approved": 0, "on_time": 0}
        for row in self.ledger_areas:
            for key in total:
                total[key] += getattr(row, key)
        return LedgerArea(area_code=self.area.code, name=self.area.name, **total)

    @property
    def below_total(self) -> int:
        return sum(len(line.below) for line in self.lines)

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        """``(status, label, count)`` in the usual order."""
        return [(s.value, str(s.label), self.counts.get(s.value, 0)) for s in STATUSES]


# --- building the report -------------------------------------------------------------------------


def _stored_rows(plan: Plan, year: int, snapshot: Snapshot | None, area: Area) -> list[tuple]:
    """``(area_code, parent_code, level, name, values)`` of every stored row in the area's
    subtree, in one query."""
    prefix = areacodes.prefix_of(area.code)
    if snapshot is not None:
        rows = SnapshotValue.objects.filter(snapshot=snapshot)
    else:
        rows = Measurement.objects.filter(plan=plan, year=year)
    return list(
        rows.filter(area_code__startswith=prefix)
        .order_by("area_code")
        .values_list("area_code", "parent_code", "level", "name", "values")
    )


def _below(
    target: Target, key: str, decimals: int, rows: list[tuple], names: dict[str, str]
) -> list[BelowRow]:
    """The rows of the lowest level with a value for ``key`` that miss ``target``."""
    by_level: dict[int, list[tuple]] = {}
    for code, parent, level, name, values in rows:
        data = (values or {}).get(key)
        if data:
            by_level.setdefault(level, []).append((code, parent, name, cell_from_json(data)))
    known = [level for level, found in by_level.items() if any(not c.empty for *_, c in found)]
    if not known:
        return []
    found = []
    for code, parent, name, cell in by_level[max(known)]:
        state = status_of(target, cell, decimals)
        if state.status in _MISSING:
            found.append(
                BelowRow(
                    area_code=code,
                    name=name,
                    parent_name=names.get(parent, ""),
                    value=rounded(cell.value, decimals),
                    gap=state.gap,
                    status=state.status,
                )
            )
    return found


def _level_q(level: int) -> Q:
    """Reports whose 12-digit area code is of ``level`` (read from its trailing zeros)."""
    if level == Level.COMMUNITY:
        return ~Q(area_code__endswith="000")
    if level == Level.TOWN:
        return Q(area_code__endswith="000") & ~Q(area_code__endswith="000000")
    return Q(area_code__endswith="000000") & ~Q(area_code__endswith="00000000")


def _ledger(actor, plan: Plan, area: Area, year: int) -> tuple[list[LedgerLine], list[LedgerArea]]:
    """The task ledger of the year for the area: per task, and per sub-area (the ledger's own
    rates). Counted as :func:`~linli.plans.queries.ledger.ledger_rates` counts: the reports
    expected are the task's reporting areas inside the area × its periods of the year that have
    begun; submitted are those submitted or approved; on time, submitted by the due date."""
    day = ledger_queries.today()
    tasks = list(PlanTask.objects.filter(plan=plan).order_by("position", "id"))
    periods = {
        task.pk: [
            p
            for p in ledger_queries.task_periods(task)
            if p[:4] == str(year) and ledger_queries.period_range(p)[0] <= day
        ]
        for task in tasks
    }
    tasks = [task for task in tasks if periods[task.pk]]
    if not tasks:
        return [], []
    levels = {task.report_level for task in tasks}
    areas = dict(
        Area.objects.filter(code__startswith=area.prefix, level__in=levels)
        .values("level")
        .annotate(n=Count("code"))
        .values_list("level", "n")
    )
    by_level = Q(pk__in=[])
    for level in levels:
        by_level |= Q(task__report_level=level) & _level_q(level)
    done = {
        row["task_id"]: row
        for row in ProgressReport.objects.filter(
            by_level,
            task__in=tasks,
            area_code__startswith=area.prefix,
            status__in=(ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED),
            period__in=sorted({p for found in periods.values() for p in found}),
        )
        .values("task_id")
        .annotate(
            submitted=Count("pk"),
            approved=Count("pk", filter=Q(status=ProgressReport.Status.APPROVED)),
            on_time=Count("pk", filter=Q(submitted_at__date__lte=F("due_on"))),
        )
    }
    lines = []
    for task in tasks:
        found = done.get(task.pk, {})
        lines.append(
            LedgerLine(
                number=task.number,
                title=task.title,
                lead_units=task.lead_units,
                expected=len(periods[task.pk]) * areas.get(task.report_level, 0),
                submitted=found.get("submitted", 0),
                approved=found.get("approved", 0),
                on_time=found.get("on_time", 0),
            )
        )
    rates = ledger_queries.ledger_rates(
        actor=actor, plan_id=plan.pk, period=str(year), area_code=area.code
    )
    by_area = [
        LedgerArea(
            area_code=row.code,
            name=row.name,
            own=row.own,
            expected=row.expected,
            submitted=row.submitted,
            approved=row.approved,
            on_time=row.on_time,
        )
        for row in rates.rows
    ]
    return lines, by_area


def plan_report(
    *, actor, plan_id, year=None, area_code=None, snapshot_id=None, ledger: bool = True
) -> Report:
    """The annual implementation report of plan ``plan_id`` for ``area_code`` (default: the
    actor's widest area of the plan) and ``year`` (default: the engine's, this year within the
    plan), from snapshot ``snapshot_id`` when given, else the live values.

    Scoped like the dashboard: a plan or area the actor may not see is :class:`NotFound`. A year
    never computed is a :class:`Conflict` asking for the values to be computed first."""
    wanted = {
        "actor": actor,
        "plan_id": plan_id,
        "area_code": area_code or None,
        "year": year if year not in ("", None) else None,
        "snapshot_id": snapshot_id if snapshot_id not in ("", None) else None,
    }
    board = plan_board(**wanted)
    if board.measured_at is None:
        raise Conflict(
            _(
                "There are no values of this plan for %(year)s yet: compute the values first,"
                " then make the report."
            )
            % {"year": board.year},
            field="year",
            code=NO_VALUES,
        )
    table = plan_children(**{**wanted, "area_code": board.area.code, "year": board.year})
    rows = _stored_rows(board.plan, board.year, board.snapshot, board.area)
    names = {code: name for code, _parent, _level, name, _values in rows}
    children = [
        ReportArea(
            area_code=row.area_code,
            name=row.name,
            level=row.level,
            counts=dict(row.counts),
            worst=row.worst,
        )
        for row in table.rows
    ]
    lines = []
    for number, item in enumerate(board.items, start=1):
        target = item.target
        lines.append(
            ReportLine(
                number=number,
                target=target,
                indicator=item.indicator,
                label=str(item.label),
                unit=item.unit,
                decimals=item.decimals,
                binding=item.binding,
                cell=item.cell,
                state=item.state,
                children=[row.cells[target.pk] for row in table.rows],
                below=_below(target, item.indicator.key, item.decimals, rows, names),
            )
        )
    tasks, by_area = _ledger(actor, board.plan, board.area, board.year) if ledger else ([], [])
    counts = {s.value: 0 for s in STATUSES}
    for line in lines:
        counts[line.status] = counts.get(line.status, 0) + 1
    return Report(
        plan=board.plan,
        area=board.area,
        year=board.year,
        measured_at=board.measured_at,
        snapshot=board.snapshot,
        generated_at=timezone.now(),
        lines=lines,
        children=children,
        counts=counts,
        ledger=tasks if ledger else None,
        ledger_areas=by_area if ledger else None,
    )
