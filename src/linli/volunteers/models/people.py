"""Organisations, volunteers, teams and memberships."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaCodeField, User
from linli.core.pii import BlindIndexField, EncryptedField


class Organisation(models.Model):
    """A volunteer service organisation (志愿服务组织): a community's volunteer station, a social
    organisation, or a unit's volunteer association. It runs activities and records hours."""

    class Kind(models.TextChoices):
        STATION = "station", _("community volunteer station")
        ASSOCIATION = "association", _("volunteer association")
        SOCIAL = "social", _("social organisation")
        UNIT = "unit", _("unit or company volunteer group")

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    area_code = AreaCodeField(editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = EncryptedField(
        _("contact phone"), blind_index="contact_phone_bidx", purpose="phone", mask="phone"
    )
    contact_phone_bidx = BlindIndexField()
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "name", "id"]
        verbose_name = _("volunteer organisation")
        verbose_name_plural = _("volunteer organisations")
        indexes = [
            models.Index(fields=["active", "area_code"], name="vol_org_active_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="vol_org_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    """A registered volunteer. Registered by themselves (with a verified phone) or by a worker on
    their behalf; consent to keep their data is recorded either way. ``hours_total``, ``star``
    and ``points_balance`` are kept by the actions (and recomputed from the records in bulk)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        LEFT = "left", _("left")

    class Source(models.TextChoices):
        SELF = "self", _("registered themselves")
        STAFF = "staff", _("registered by a worker")
        IMPORT = "import", _("imported")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("home community")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    number = models.CharField(_("volunteer number"), max_length=20, unique=True)
    user = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
        verbose_name=_("account"),
    )
    resident = models.ForeignKey(
        "registry.Resident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resident"),
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteers",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("real name"), max_length=50)
    id_number = EncryptedField(
        _("ID number"), blind_index="id_number_bidx", purpose="id_number", mask="id_number"
    )
    id_number_bidx = BlindIndexField()
    phone = EncryptedField(
        _("mobile phone"), blind_index="phone_bidx", purpose="phone", mask="phone"
    )
    phone_bidx = BlindIndexField()
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    service_areas = models.JSONField(_("areas served"), default=list, blank=True)
    party_member = models.BooleanField(_("party member"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    source = models.CharField(_("registered"), max_length=8, choices=Source.choices)
    consent_at = models.DateTimeField(_("consent given at"))
    consent_version = models.CharField(_("consent text version"), max_length=20)
    registered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hours_total = models.DecimalField(
        _("service hours"), max_digits=9, decimal_places=2, default=Decimal("0")
    )
    star = models.PositiveSmallIntegerField(_("star level"), default=0)
    points_balance = models.IntegerField(_("time bank points"), default=0)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "name", "id"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [
            models.Index(fields=["status", "area_code"], name="vol_volunteer_status_idx"),
            models.Index(fields=["star", "area_code"], name="vol_volunteer_star_idx"),
            models.Index(fields=["party_member", "area_code"], name="vol_volunteer_party_idx"),
        ]
        constraints = [
            # One volunteer record per person (by ID number) in the whole installation.
            models.UniqueConstraint(
                fields=["id_number_bidx"],
                condition=Q(id_number_bidx__isnull=False),
                name="vol_volunteer_one_per_person",
            ),
            models.CheckConstraint(
                condition=Q(points_balance__gte=0), name="vol_volunteer_points_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(hours_total__gte=0), name="vol_volunteer_hours_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(star__gte=0, star__lte=5), name="vol_volunteer_star_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A volunteer team (志愿服务队) of a community, possibly under an organisation; a volunteer
    may belong to several. ``party_led``: a team led by party members (党员先锋队)."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        Volunteer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
        verbose_name=_("leader"),
    )
    party_led = models.BooleanField(_("led by party members"), default=False)
    skills = models.JSONField(_("services offered"), default=list, blank=True)
    target_groups = models.JSONField(_("serves"), default=list, blank=True)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "name", "id"]
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        indexes = [
            models.Index(fields=["active", "area_code"], name="vol_team_active_idx"),
            models.Index(fields=["party_led", "area_code"], name="vol_team_party_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="vol_team_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A volunteer in a team, from ``joined_on`` until ``left_on``."""

    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        LEADER = "leader", _("leader")
        DEPUTY = "deputy", _("deputy leader")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    area_code = AreaCodeField(editable=False, db_index=True)  # the team's
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["team_id", "role", "volunteer_id"]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=Q(left_on__isnull=True),
                name="vol_membership_one_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.team_id}"
