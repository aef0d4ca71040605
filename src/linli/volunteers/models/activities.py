"""Projects, activities, shifts and sign-ups."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaCodeField, User

from .people import Organisation, Team, Volunteer
from .vocab import TargetGroup, new_token


class Project(models.Model):
    """A volunteer service project (志愿服务项目). ``in_library``: offered in the project library
    for any community of the county to run (the library is the county's; a community copies a
    library project into its own)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("running")
        CLOSED = "closed", _("closed")

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    area_code = AreaCodeField(editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    summary = models.TextField(_("what it does"), max_length=2000)
    target_groups = models.JSONField(_("serves"), default=list)
    skills = models.JSONField(_("skills needed"), default=list, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("organisation"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        verbose_name=_("team"),
    )
    in_library = models.BooleanField(_("in the project library"), default=False)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "name", "id"]
        verbose_name = _("volunteer project")
        verbose_name_plural = _("volunteer projects")
        indexes = [
            models.Index(fields=["status", "area_code"], name="vol_project_status_idx"),
            models.Index(fields=["in_library", "area_code"], name="vol_project_library_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """One activity (志愿服务活动) of a community: published for sign-up, run in shifts, then
    finished, when its organiser records the hours (谁组织谁记录)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("open for sign-up")
        FINISHED = "finished", _("finished")
        CANCELLED = "cancelled", _("cancelled")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("project"),
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("organisation"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("team"),
    )
    title = models.CharField(_("activity"), max_length=100)
    description = models.TextField(_("what volunteers will do"), max_length=2000)
    target_group = models.CharField(
        _("serves"), max_length=24, choices=TargetGroup.choices, default=TargetGroup.ALL
    )
    beneficiaries = models.CharField(_("beneficiaries"), max_length=200, blank=True)
    skills = models.JSONField(_("skills needed"), default=list, blank=True)
    place = models.CharField(_("place"), max_length=200)
    venue = models.ForeignKey(
        "facilities.Venue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("venue"),
    )
    leader_name = models.CharField(_("activity leader"), max_length=50)
    organiser = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organiser"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    public = models.BooleanField(_("anyone may sign up"), default=True)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)  # first shift
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)  # last shift
    published_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        indexes = [
            models.Index(fields=["status", "area_code"], name="vol_activity_status_idx"),
            models.Index(fields=["status", "starts_at"], name="vol_activity_starts_idx"),
            models.Index(fields=["target_group", "area_code"], name="vol_activity_group_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Shift(models.Model):
    """A time slot of an activity (班次) with its place, role and number of spots. ``token`` is the
    secret of the check-in QR code the organiser shows on the day."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="shifts")
    area_code = AreaCodeField(editable=False, db_index=True)  # the activity's
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=100, blank=True)
    spots = models.PositiveIntegerField(_("spots"))
    token = models.CharField(max_length=32, unique=True, editable=False, default=new_token)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        indexes = [
            models.Index(fields=["starts_at", "area_code"], name="vol_shift_starts_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="vol_shift_ends_after"
            ),
            models.CheckConstraint(condition=Q(spots__gte=1), name="vol_shift_spots_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.starts_at:%Y-%m-%d %H:%M}"


class Signup(models.Model):
    """A volunteer on a shift: confirmed, waitlisted (in order of ``created_at``), cancelled;
    then attended (checked in, perhaps out) or a no-show. A walk-in is added on the spot."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITLISTED = "waitlisted", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")
        ATTENDED = "attended", _("attended")
        NO_SHOW = "no_show", _("did not come")

    LIVE = (Status.CONFIRMED, Status.WAITLISTED, Status.ATTENDED)

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    area_code = AreaCodeField(editable=False, db_index=True)  # the activity's
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    walk_in = models.BooleanField(_("walk-in"), default=False)
    client_key = models.CharField(max_length=64, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shift_id", "created_at", "id"]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        indexes = [
            models.Index(fields=["volunteer", "status"], name="vol_signup_volunteer_idx"),
            models.Index(fields=["shift", "status", "created_at"], name="vol_signup_shift_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(status__in=["confirmed", "waitlisted", "attended", "no_show"]),
                name="vol_signup_one_live",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gte=models.F("checked_in_at")),
                name="vol_signup_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} on {self.shift_id}: {self.status}"
