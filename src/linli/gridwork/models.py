"""Grid work: the county's approved community work-item list (社区工作事项准入清单), the tasks
assigned to grids and communities under it, and the grid worker's daily log (民情日记).

A task can only name an item of the list in force in its county: a department cannot push work
onto communities outside it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaCodeField, User


class WorkItem(models.Model):
    """One item of a county's community work-item list, with the policy that allows it."""

    county = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("county")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    code = models.CharField(_("number"), max_length=20)
    name = models.CharField(_("work item"), max_length=100)
    description = models.TextField(_("what the community does"), max_length=1000, blank=True)
    department = models.CharField(_("department that may assign it"), max_length=100)
    basis = models.CharField(_("policy basis"), max_length=200, blank=True)
    active = models.BooleanField(_("in force"), default=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    sort = models.PositiveSmallIntegerField(default=100)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "sort", "code"]
        verbose_name = _("community work item")
        verbose_name_plural = _("community work-item list")
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="gridwork_item_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Task(models.Model):
    """Work assigned to a grid or a community under an approved work item."""

    class Status(models.TextChoices):
        OPEN = "open", _("to do")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    item = models.ForeignKey(
        WorkItem, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("work item")
    )
    area_code = AreaCodeField(db_index=True)  # the grid or community it is assigned to
    title = models.CharField(_("task"), max_length=100)
    description = models.TextField(_("details"), max_length=2000, blank=True)
    due_on = models.DateField(_("due by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    assigned_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("assigned by")
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    batch = models.UUIDField(null=True, blank=True, db_index=True)  # one assignment to many areas
    result = models.TextField(_("result"), max_length=2000, blank=True)
    done_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "id"]
        verbose_name = _("grid task")
        verbose_name_plural = _("grid tasks")
        indexes = [
            models.Index(fields=["status", "area_code"], name="gridwork_task_open_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_at__isnull=False), name="gridwork_task_done"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Log(models.Model):
    """An entry of the grid worker's daily log (民情日记): what they saw, heard and resolved
    on the spot."""

    area_code = AreaCodeField(db_index=True)  # the grid (or community) walked
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="grid_logs", verbose_name=_("written by")
    )
    day = models.DateField(_("day"))
    saw = models.TextField(_("what I saw"), max_length=2000, blank=True)
    heard = models.TextField(_("what residents told me"), max_length=2000, blank=True)
    resolved = models.TextField(_("what I resolved on the spot"), max_length=2000, blank=True)
    appeal = models.ForeignKey(
        "appeals.Appeal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("appeal raised"),
    )
    client_key = models.UUIDField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("daily log entry")
        verbose_name_plural = _("daily log (民情日记)")
        indexes = [
            models.Index(fields=["author", "day"], name="gridwork_log_author_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_key"], name="gridwork_log_once"),
            models.CheckConstraint(
                condition=~Q(saw="", heard="", resolved=""), name="gridwork_log_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"log {self.author_id} {self.day}"
