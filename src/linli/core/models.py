"""Core tables: areas, accounts and role assignments, audit events, API tokens, one-time codes."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import areacodes
from .areacodes import Level
from .pii import BlindIndexField, EncryptedField
from .roles import Role


class AreaCodeField(models.CharField):
    """A 12- or 15-digit statistical division code, indexed for prefix search."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 15)
        super().__init__(*args, **kwargs)


class Area(models.Model):
    """One jurisdiction of the area tree: province → … → community/village → grid."""

    code = AreaCodeField(primary_key=True, verbose_name=_("code"))
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    prefix = models.CharField(_("prefix"), max_length=15, editable=False, db_index=True)
    urban_rural = models.CharField(
        _("urban-rural class"),
        max_length=3,
        blank=True,
        choices=areacodes.URBAN_RURAL_CLASSES,
        help_text=_("城乡分类代码 of a community or village: 1xx urban, 2xx rural."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [
            models.Index(fields=["name"], name="core_area_name_idx"),
            models.Index(fields=["parent", "code"], name="core_area_parent_code_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=6), name="core_area_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_urban(self) -> bool | None:
        if not self.urban_rural:
            return None
        return areacodes.is_urban(self.urban_rural)

    @property
    def short_code(self) -> str:
        return self.prefix


class ReportedFigure(models.Model):
    """A figure reported for an area (population, households) with its date and source."""

    class Kind(models.TextChoices):
        POPULATION = "population", _("resident population")
        HOUSEHOLDS = "households", _("households")

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="figures")
    kind = models.CharField(_("figure"), max_length=20, choices=Kind.choices)
    value = models.PositiveIntegerField(_("value"))
    as_of = models.DateField(_("as of"))
    source = models.CharField(_("source"), max_length=200)
    recorded_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area", "kind", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "kind", "as_of"], name="core_figure_unique_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.kind}={self.value} ({self.as_of})"


class LinliUserManager(UserManager):
    pass


class User(AbstractUser):
    """An account. Phone numbers are personal data: encrypted, found through a blind index."""

    class ElderlyMode(models.TextChoices):
        OFF = "off", _("standard")
        ON = "on", _("elderly mode")

    # AbstractUser's first/last name are unused: Chinese names are one field.
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("name"), max_length=100, blank=True)
    phone = EncryptedField(
        _("mobile phone"), blind_index="phone_bidx", purpose="phone", mask="phone"
    )
    phone_bidx = BlindIndexField(unique=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    elderly_mode = models.BooleanField(_("elderly mode"), default=False)
    home_area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("home community"),
    )

    objects = LinliUserManager()

    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="assignments")
    area_code = AreaCodeField(editable=False, db_index=True)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], name="core_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.area_id}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit events are append-only")

    def delete(self):
        raise PermissionError("audit events are append-only")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """Append-only record of every write and every reveal of personal data.

    The database refuses UPDATE and DELETE (a trigger on both PostgreSQL and SQLite) and so does
    the ORM. ``extra`` holds ids and codes only, never personal data.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    area_code = AreaCodeField(blank=True, db_index=True)
    request_id = models.CharField(max_length=36, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["actor", "at"], name="core_audit_actor_at_idx"),
            models.Index(fields=["target_type", "target_id"], name="core_audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class OneTimeCode(models.Model):
    """An SMS one-time code. Only a hash of the code is stored."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("registration")
        LOGIN = "login", _("login")
        VOLUNTEER = "volunteer", _("volunteer registration")

    phone_bidx = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    code_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["phone_bidx", "purpose", "created_at"], name="core_otp_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code {self.pk}"


class Notification(models.Model):
    """An in-app message to one account (an appeal was dispatched to them, their appeal was
    answered, a deadline passed). The text is written in the recipient's language when sent."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "at"], name="core_notification_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
