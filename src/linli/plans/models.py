"""plans tables: plans and their targets, indicators, measured values, snapshots, reported
values, and the task ledger (tasks, milestones, progress reports, evidence, reminders).

- A :class:`Plan` belongs to a jurisdiction (``area_code``: a prefecture or a county …). The five
  built-in plans are templates (``is_template``); a county adopts one (a copy with its targets and
  tasks) or writes its own.
- An :class:`Indicator` is computed (``function``: a registered function over the other apps'
  queries) or reported (entered per area and year as :class:`ReportedValue`). Built-in
  indicators have ``area_code=""``; a jurisdiction's own indicators carry its code.
- A :class:`Target` is what a plan sets for an indicator: operator, value, binding or expected,
  due year, baseline.
- :class:`Measurement` holds the live values of a plan's indicators for one area and year (every
  area from the jurisdiction down to its communities), written by a recompute
  (:class:`Recompute` records each run); :class:`Snapshot` freezes them for reporting
  (:class:`SnapshotValue`).
- The ledger: :class:`PlanTask` (the plan's 任务分工: lead and co-units, the level that reports,
  how often, the deadline), :class:`Milestone`, :class:`ProgressReport` (per reporting area and
  period; submitted, approved by the level above and then locked, or returned),
  :class:`Evidence` files and :class:`Reminder` (each reminder sent once).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.areacodes import Level
from linli.core.models import AreaCodeField


class Unit(models.TextChoices):
    PERCENT = "percent", _("percent")
    SQUARE_METRES = "square_metres", _("square metres")
    HOURS = "hours", _("hours")
    PERSONS = "persons", _("persons")
    COUNT = "count", _("count")


class Scope(models.TextChoices):
    ALL = "all", _("all communities")
    URBAN = "urban", _("urban communities")
    RURAL = "rural", _("villages")


class Indicator(models.Model):
    """What is measured: a definition, a unit and a source."""

    class Source(models.TextChoices):
        COMPUTED = "computed", _("computed from live data")
        REPORTED = "reported", _("reported by areas")

    class Aggregation(models.TextChoices):
        RATIO = "ratio", _("numerator ÷ denominator × factor")
        TOTAL = "total", _("sum of the numerators")

    key = models.SlugField(_("key"), max_length=60)
    area_code = AreaCodeField(_("jurisdiction"), blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    definition = models.TextField(_("definition"), blank=True)
    unit = models.CharField(pgettext_lazy("measure", "unit"), max_length=20, choices=Unit.choices)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.ALL)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    function = models.CharField(_("function"), max_length=60, blank=True)
    aggregation = models.CharField(
        _("aggregation"), max_length=10, choices=Aggregation.choices, default=Aggregation.RATIO
    )
    factor = models.DecimalField(_("factor"), max_digits=12, decimal_places=2, default=100)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "key"]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "key"], name="plans_indicator_key"),
            models.CheckConstraint(
                condition=~Q(source="computed") | ~Q(function=""),
                name="plans_indicator_computed_has_function",
            ),
            models.CheckConstraint(condition=Q(factor__gt=0), name="plans_indicator_factor"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_definition(self) -> str:
        """How it is counted, in the reader's language for a built-in indicator."""
        from .queries.catalogue import indicator_definition

        return indicator_definition(self)


class Plan(models.Model):
    """A plan of a jurisdiction (规划 / 实施方案), or a built-in template."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("in force")
        CLOSED = "closed", _("closed")

    area_code = AreaCodeField(_("jurisdiction"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("horizon"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    is_template = models.BooleanField(_("built-in template"), default=False, db_index=True)
    template_key = models.SlugField(_("template"), max_length=60, blank=True)
    template = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adoptions",
        verbose_name=_("adopted from"),
    )
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    section = models.CharField(_("section"), max_length=300, blank=True)
    other_targets = models.JSONField(_("other targets"), default=list, blank=True)
    is_demo = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_template", "area_code", "-end_year", "title"]
        indexes = [models.Index(fields=["status", "area_code"], name="plans_plan_status_area")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__lte=models.F("end_year")), name="plans_plan_years"
            ),
            models.UniqueConstraint(
                fields=["template_key"],
                condition=Q(is_template=True),
                name="plans_plan_template_key",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Target(models.Model):
    """A plan's target for one indicator."""

    class Op(models.TextChoices):
        AT_LEAST = ">=", "≥"
        MORE_THAN = ">", ">"
        EQUALS = "=", "="
        AT_MOST = "<=", "≤"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    op = models.CharField(_("operator"), max_length=2, choices=Op.choices)
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=4)
    binding = models.BooleanField(_("binding"), default=False)
    due_year = models.PositiveSmallIntegerField(_("due year"), null=True, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    per_community = models.BooleanField(_("applies to each community"), default=False)
    at_risk_margin = models.DecimalField(
        _("at-risk margin"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator"], name="plans_target_once"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.op} {self.value}"


class Measurement(models.Model):
    """The live values of a plan's indicators for one area and year, as the last recompute found
    them: ``values`` maps an indicator key to its cell (see ``plans.queries.engine``)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measurements")
    year = models.PositiveSmallIntegerField()
    area_code = AreaCodeField()
    parent_code = models.CharField(max_length=15, blank=True)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    name = models.CharField(max_length=100)
    values = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["plan_id", "year", "area_code"]
        indexes = [
            models.Index(fields=["plan", "year", "parent_code"], name="plans_measure_parent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year", "area_code"], name="plans_measurement_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.year}"


class Recompute(models.Model):
    """One recompute of a plan's values (queued by an officer, a sweep or an adoption)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="recomputes")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    areas = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["plan", "status"], name="plans_recompute_plan_status")]

    def __str__(self) -> str:
        return f"recompute {self.pk} of plan {self.plan_id}"


class Snapshot(models.Model):
    """The values of a plan for a year frozen on a day, for reporting and trends."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="snapshots")
    year = models.PositiveSmallIntegerField(_("year"))
    label = models.CharField(_("label"), max_length=60)
    note = models.CharField(_("note"), max_length=300, blank=True)
    measured_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan_id", "measured_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "label"], name="plans_snapshot_label"),
        ]

    def __str__(self) -> str:
        return self.label


class SnapshotValue(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="rows")
    area_code = AreaCodeField()
    parent_code = models.CharField(max_length=15, blank=True)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    name = models.CharField(max_length=100)
    values = models.JSONField(default=dict)

    class Meta:
        ordering = ["snapshot_id", "area_code"]
        indexes = [
            models.Index(fields=["snapshot", "parent_code"], name="plans_snapvalue_parent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "area_code"], name="plans_snapvalue_once"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.area_code}"


def _evidence_path(instance, filename: str) -> str:
    digest = hashlib.sha256(f"{instance.pk}-{filename}-{timezone.now().isoformat()}".encode())
    return f"plans/{timezone.now():%Y/%m}/{digest.hexdigest()[:24]}"


class ReportedValue(models.Model):
    """A value of a reported indicator for one area and year: numerator (and denominator for a
    ratio), who entered it and when, with an evidence file."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="reported")
    area_code = AreaCodeField(db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    numerator = models.DecimalField(_("numerator"), max_digits=16, decimal_places=4)
    denominator = models.DecimalField(
        _("denominator"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    note = models.CharField(_("source and note"), max_length=300, blank=True)
    evidence = models.FileField(upload_to=_evidence_path, max_length=200, blank=True)
    evidence_name = models.CharField(max_length=150, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["indicator_id", "year", "area_code"]
        indexes = [
            models.Index(fields=["indicator", "year", "area_code"], name="plans_reported_lookup"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area_code", "year"], name="plans_reported_once"
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
                name="plans_reported_denominator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.area_code} {self.year}"


class PlanTask(models.Model):
    """One task of a plan's 任务分工表: what, who leads (牵头单位), who helps (配合单位), which
    level reports progress, how often, and by when."""

    class Frequency(models.TextChoices):
        YEAR = "year", _("yearly")
        HALF = "half", _("half-yearly")
        QUARTER = "quarter", _("quarterly")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    group = models.CharField(pgettext_lazy("plan section", "action"), max_length=200, blank=True)
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("task"), max_length=200)
    requirement = models.TextField(_("requirements"), blank=True)
    lead_units = models.CharField(_("lead units"), max_length=300)
    co_units = models.CharField(_("co-units"), max_length=300, blank=True)
    report_level = models.PositiveSmallIntegerField(
        _("reported by"), choices=Level.choices, default=Level.TOWN
    )
    frequency = models.CharField(
        _("reports"), max_length=10, choices=Frequency.choices, default=Frequency.YEAR
    )
    due_month = models.PositiveSmallIntegerField(_("report due month"), default=12)
    due_day = models.PositiveSmallIntegerField(_("report due day"), default=31)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plans_task_number"),
            models.CheckConstraint(
                condition=Q(first_year__lte=models.F("last_year")), name="plans_task_years"
            ),
            models.CheckConstraint(
                condition=Q(due_month__gte=1, due_month__lte=12, due_day__gte=1, due_day__lte=31),
                name="plans_task_due_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Milestone(models.Model):
    """A yearly milestone of a task (年度任务)."""

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="milestones")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("milestone"), max_length=300)
    due_on = models.DateField(pgettext_lazy("deadline", "due"))

    class Meta:
        ordering = ["task_id", "due_on", "id"]
        indexes = [models.Index(fields=["due_on"], name="plans_milestone_due")]

    def __str__(self) -> str:
        return self.title


class ProgressReport(models.Model):
    """An area's progress on a task for a period: written, submitted, then approved by the level
    above (and locked) or returned with a reason."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="reports")
    area_code = AreaCodeField(db_index=True)
    period = models.CharField(_("period"), max_length=7)  # 2026, 2026H1, 2026Q3
    due_on = models.DateField(pgettext_lazy("deadline", "due"))
    text = models.TextField(_("progress"), blank=True)
    percent = models.PositiveSmallIntegerField(_("done (%)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task_id", "period", "area_code"]
        indexes = [
            models.Index(fields=["area_code", "status"], name="plans_report_area_status"),
            models.Index(fields=["status", "due_on"], name="plans_report_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "area_code", "period"], name="plans_report_once"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="plans_report_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.area_code} {self.period}"


class Evidence(models.Model):
    """A file attached to a progress report (minutes, photos, documents)."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=_evidence_path, max_length=200)
    name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report_id", "id"]

    def __str__(self) -> str:
        return self.name


class Reminder(models.Model):
    """A reminder sent for a report due (or overdue): each one once."""

    class Kind(models.TextChoices):
        SOON = "soon", _("due soon")
        OVERDUE = "overdue", _("overdue")

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="reminders")
    area_code = AreaCodeField()
    period = models.CharField(max_length=7)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "area_code", "period", "kind"], name="plans_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.area_code} {self.period} {self.kind}"
