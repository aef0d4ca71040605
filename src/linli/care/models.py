"""Care tables (特殊困难老年人探访): the county's visit policy, the care roster derived from the
registry, monthly visit plans, visit records with their photos and the needs they found.

The roster is never typed: :class:`Subject` rows are written by the roster refresh from the
registry's group tags. Each month a :class:`Plan` row is generated per person on the roster
(idempotent: unique per person and month); a visit counts against the plan of its month, so the
monthly visit rate (月探访率) is one aggregate over plans.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaCodeField, User
from linli.core.pii import EncryptedField
from linli.core.roles import Cap, Role, capabilities
from linli.registry.models import GridStaff, GroupTag, Resident

# Who carries visits: a grid's own workers through their duty there, and community staff who do
# care visits anywhere in their community (through their role, grid workers excepted).
WORKER_DUTIES = (GridStaff.Duty.GRID_WORKER, GridStaff.Duty.PART_TIME)
COMMUNITY_CARE_ROLES = sorted(
    role for role in Role if Cap.CARE_VISIT in capabilities(role) and role != Role.GRID_WORKER
)


class Frequency(models.TextChoices):
    """How often a person must be visited; every frequency is counted per calendar month."""

    WEEKLY = "weekly", _("every week")
    FORTNIGHTLY = "fortnightly", _("every two weeks")
    MONTHLY = "monthly", _("every month")


# Visits a month must hold to meet each frequency.
VISITS_PER_MONTH = {Frequency.WEEKLY: 4, Frequency.FORTNIGHTLY: 2, Frequency.MONTHLY: 1}
FREQUENCY_RANK = {Frequency.MONTHLY: 0, Frequency.FORTNIGHTLY: 1, Frequency.WEEKLY: 2}


class Risk(models.TextChoices):
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high risk")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


class Policy(models.Model):
    """One row of a county's visit policy table: who is on the care roster and how often they
    are visited. ``tag`` covers its kinds too (a row for a kind wins over its parent's); when
    ``grades`` is not empty only those grades count (e.g. 重度 disability: grades 一级, 二级)."""

    class Kind(models.TextChoices):
        ELDERLY = "elderly", _("elderly care visit")
        DISABILITY = "disability", _("disability care visit")
        CHILD = "child", _("child care visit")

    county = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("county")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    tag = models.ForeignKey(
        GroupTag, on_delete=models.PROTECT, related_name="+", verbose_name=_("group")
    )
    grades = models.JSONField(_("only these grades"), default=list, blank=True)
    kind = models.CharField(_("visit kind"), max_length=12, choices=Kind.choices)
    frequency = models.CharField(
        _("visit frequency"), max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    high_risk_frequency = models.CharField(
        _("visit frequency at high risk"),
        max_length=12,
        choices=Frequency.choices,
        default=Frequency.WEEKLY,
    )
    active = models.BooleanField(_("in use"), default=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "tag_id"]
        verbose_name = _("visit policy")
        verbose_name_plural = _("visit policies")
        constraints = [
            models.UniqueConstraint(fields=["county", "tag"], name="care_policy_one_per_tag"),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.tag_id} {self.frequency}"

    def frequency_for(self, risk: str) -> str:
        return self.high_risk_frequency if risk == Risk.HIGH else self.frequency


class Subject(models.Model):
    """A person on the care roster, with their care archive's own notes. Written by the roster
    refresh from the registry; ``ended_on``/``end_reason`` keep why someone left the roster."""

    class EndReason(models.TextChoices):
        MOVED = "moved", _("moved away")
        DIED = "died", _("died")
        TAG_ENDED = "tag_ended", _("no longer in a care group")
        POLICY = "policy", _("the county no longer visits this group")

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="care_subjects", verbose_name=_("resident")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    kind = models.CharField(_("visit kind"), max_length=12, choices=Policy.Kind.choices)
    tags = models.JSONField(_("care groups"), default=list)  # tag codes that put them here
    frequency = models.CharField(_("visit frequency"), max_length=12, choices=Frequency.choices)
    risk = models.CharField(_("risk"), max_length=8, choices=Risk.choices, default=Risk.NORMAL)
    health_notes = EncryptedField(_("health notes"))
    living_notes = EncryptedField(_("living situation"))
    notes_updated_at = models.DateTimeField(null=True, blank=True)
    notes_updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_on = models.DateField(_("on the roster since"))
    ended_on = models.DateField(_("left the roster on"), null=True, blank=True)
    end_reason = models.CharField(
        _("why they left"), max_length=12, choices=EndReason.choices, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "id"]
        verbose_name = _("person on the care roster")
        verbose_name_plural = _("care roster")
        indexes = [
            models.Index(fields=["ended_on", "area_code"], name="care_subject_open_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(ended_on__isnull=True),
                name="care_subject_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"care {self.resident_id}"

    @property
    def required_per_month(self) -> int:
        return VISITS_PER_MONTH[Frequency(self.frequency)]


class Plan(models.Model):
    """One person's visits due in one month, assigned to one worker.

    ``required`` and ``done`` make the monthly visit rate a single aggregate; ``dropped_on``
    with ``drop_reason`` keeps why a plan left the month (moved, died, left the roster).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("due")
        DONE = "done", _("visited")
        DROPPED = "dropped", _("dropped")

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="plans")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    area_code = AreaCodeField(editable=False)
    month = models.DateField(_("month"))  # the first day of the month
    due_on = models.DateField(_("due by"))
    frequency = models.CharField(_("visit frequency"), max_length=12, choices=Frequency.choices)
    required = models.PositiveSmallIntegerField(_("visits required"), default=1)
    done = models.PositiveSmallIntegerField(_("visits made"), default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    worker = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_plans",
        verbose_name=_("responsible worker"),
    )
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    dropped_on = models.DateField(null=True, blank=True)
    drop_reason = models.CharField(
        _("why it was dropped"), max_length=12, choices=Subject.EndReason.choices, blank=True
    )
    reminded_at = models.DateTimeField(null=True, blank=True)  # due-soon reminder sent
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month", "area_code", "id"]
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        indexes = [
            # The visit rate: one month, an area prefix.
            # The visit rate: one month, an area prefix; the figures ride along in the index
            # (PostgreSQL), so the aggregate reads the index alone.
            models.Index(
                fields=["month", "area_code"],
                name="care_plan_month_area_idx",
                opclasses=["", "varchar_pattern_ops"],
                include=["status", "done", "required", "due_on", "worker"],
            ),
            models.Index(fields=["worker", "month", "status"], name="care_plan_worker_idx"),
            models.Index(fields=["status", "due_on"], name="care_plan_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["subject", "month"], name="care_plan_one_per_month"),
            models.CheckConstraint(condition=Q(required__gte=1), name="care_plan_required"),
        ]

    def __str__(self) -> str:
        return f"plan {self.subject_id} {self.month:%Y-%m}"

    @property
    def met(self) -> bool:
        return self.done >= self.required

    def days_left(self, today: dt.date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days


class Visit(models.Model):
    """One care visit (探访) as the worker recorded it at the door.

    ``client_key`` is the form's own id, generated when the form opened: a form sent twice
    (a bad connection, a double tap) records one visit.
    """

    class Mode(models.TextChoices):
        HOME = "home", _("home visit (入户)")
        PHONE = "phone", _("phone call (电话)")
        VIDEO = "video", _("video call (视频)")

    class Saw(models.TextChoices):
        PERSON = "person", _("the person themselves")
        FAMILY = "family", _("a family member")
        CARER = "carer", _("a carer or neighbour")
        NOBODY = "nobody", _("nobody was home")

    class Check(models.TextChoices):
        OK = "ok", _("fine")
        CONCERN = "concern", _("a concern")
        NA = "na", _("not checked")

    CHECKS = ("health", "safety_gas", "safety_electric", "safety_fire", "food", "hygiene", "mood",
              "loneliness")  # fmt: skip

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="visits")
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    area_code = AreaCodeField(editable=False, db_index=True)
    worker = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="care_visits", verbose_name=_("visited by")
    )
    visited_at = models.DateTimeField(_("visited at"), db_index=True)
    mode = models.CharField(_("how"), max_length=6, choices=Mode.choices)
    saw = models.CharField(_("whom they saw"), max_length=8, choices=Saw.choices)
    checks = models.JSONField(_("checklist"), default=dict)  # CHECKS key -> Check value
    concerns = models.PositiveSmallIntegerField(default=0)  # how many checks raised a concern
    notes = EncryptedField(_("notes"))
    client_key = models.UUIDField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("care visit")
        verbose_name_plural = _("care visits")
        indexes = [
            models.Index(fields=["subject", "visited_at"], name="care_visit_subject_idx"),
            models.Index(fields=["worker", "visited_at"], name="care_visit_worker_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["worker", "client_key"], name="care_visit_once"),
        ]

    def __str__(self) -> str:
        return f"visit {self.pk} of {self.subject_id}"


def _visit_photo_path(instance, filename: str) -> str:
    digest = hashlib.sha256(f"{instance.visit_id}-{timezone.now().isoformat()}".encode())
    return f"care/{timezone.now():%Y/%m}/{digest.hexdigest()[:24]}.jpg"


class VisitPhoto(models.Model):
    """A photo taken on a visit, re-encoded on upload (location and camera data removed)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=_visit_photo_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["visit_id", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of visit {self.visit_id}"


class Need(models.Model):
    """A need found on a visit. One tap turns it into an appeal (linked here); needs also feed
    the residents' needs list (居民需求清单)."""

    class Kind(models.TextChoices):
        HEALTH = "health", _("health or medical care")
        DAILY_CARE = "daily_care", _("daily care")
        MEALS = "meals", _("meals")
        HOUSING = "housing", _("housing repair or safety")
        FINANCE = "finance", _("financial hardship or benefits")
        COMPANY = "company", _("company and emotional support")
        LEGAL = "legal", _("legal help")
        OTHER = "other", _("something else")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("normal")
        URGENT = "urgent", _("urgent")

    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="needs")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    area_code = AreaCodeField(editable=False, db_index=True)
    kind = models.CharField(_("need"), max_length=12, choices=Kind.choices)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    description = models.TextField(_("what is needed"), max_length=1000)
    appeal = models.OneToOneField(
        "appeals.Appeal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_need",
        verbose_name=_("appeal"),
    )
    met_on = models.DateField(_("met on"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("need found")
        verbose_name_plural = _("needs found")

    def __str__(self) -> str:
        return f"need {self.pk} of {self.subject_id}"


class MonthFigure(models.Model):
    """A past month's visit-rate figures per grid or community (the plans' own area codes),
    kept so the rate over many months reads a few thousand rows instead of every plan.

    Refreshed by ``linli sweep`` for the months whose visits may still be recorded late, and
    for any past month not yet kept; the row with an empty ``area_code`` marks a month as kept.
    The current month is always counted live.
    """

    area_code = AreaCodeField(blank=True)
    month = models.DateField()
    numerator = models.PositiveIntegerField(default=0)
    denominator = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month", "area_code"]
        indexes = [
            models.Index(
                fields=["month", "area_code"],
                name="care_figure_month_area_idx",
                opclasses=["", "varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["month", "area_code"], name="care_figure_once"),
        ]

    def __str__(self) -> str:
        return f"{self.area_code or '*'} {self.month:%Y-%m} {self.numerator}/{self.denominator}"


class Run(models.Model):
    """One monthly plan generation (a background task), kept so a county sees when the plan
    was last made and what it changed. Rerunning the same month changes only what changed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the task worker")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("stopped with an error")

    area_code = AreaCodeField(db_index=True)  # the county (or wider) it covered
    month = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    counts = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"care run {self.area_code} {self.month:%Y-%m} {self.status}"
