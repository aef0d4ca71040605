"""Notices (通知公告) and emergency alerts (预警信息发布).

A notice is published to an area subtree; who may read it is decided when they read (residents
of the subtree, optionally only those in given groups, and/or staff of given roles), so a notice
to a whole county writes one row, and each reader writes one receipt.

An alert fans out: one :class:`AlertRecipient` row per resident of the subtree, written by a
background task in set-based batches, so acknowledgements and the grid workers' checks are rows
the live page can count per community.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaCodeField, User
from linli.core.pii import BlindIndexField, EncryptedField
from linli.registry.models import Resident


class Notice(models.Model):
    class Audience(models.TextChoices):
        RESIDENTS = "residents", _("residents")
        STAFF = "staff", _("staff")
        EVERYONE = "everyone", _("residents and staff")

    area_code = AreaCodeField(db_index=True)  # the root of the subtree it goes to
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=5000)
    audience = models.CharField(
        _("for"), max_length=10, choices=Audience.choices, default=Audience.RESIDENTS
    )
    tags = models.JSONField(_("only residents in these groups"), default=list, blank=True)
    roles = models.JSONField(_("only staff with these roles"), default=list, blank=True)
    publish_at = models.DateTimeField(_("publish at"), db_index=True)
    expires_at = models.DateTimeField(_("show until"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("published by")
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pinned", "-publish_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title


def _attachment_path(instance, filename: str) -> str:
    digest = hashlib.sha256(f"{instance.notice_id}-{timezone.now().isoformat()}".encode())
    return f"notices/{timezone.now():%Y/%m}/{digest.hexdigest()[:24]}"


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["notice_id", "id"]

    def __str__(self) -> str:
        return self.name


class NoticeRead(models.Model):
    """A read receipt: the first time a reader opened the notice."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    area_code = AreaCodeField(blank=True)  # the reader's community, for receipts per community
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notices_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.notice_id}"


class Alert(models.Model):
    class Kind(models.TextChoices):
        RAINSTORM = "rainstorm", _("rainstorm or flood (暴雨/洪涝)")
        EARTHQUAKE = "earthquake", _("earthquake (地震)")
        COLD_WAVE = "cold_wave", _("cold wave (寒潮)")
        HEAT_WAVE = "heat_wave", _("heat wave (高温)")
        SNOW = "snow", _("snowstorm or ice (暴雪/道路结冰)")
        WIND = "wind", _("gale or sandstorm (大风/沙尘暴)")
        FIRE = "fire", _("fire (火灾)")
        GAS = "gas", _("gas leak (燃气)")
        GEOLOGICAL = "geological", _("landslide or mudslide (地质灾害)")
        PUBLIC_HEALTH = "public_health", _("public health (公共卫生)")
        OTHER = "other", _("other emergency")

    class Severity(models.TextChoices):
        BLUE = "blue", _("blue (general)")
        YELLOW = "yellow", _("yellow (serious)")
        ORANGE = "orange", _("orange (very serious)")
        RED = "red", _("red (extremely serious)")

    class Status(models.TextChoices):
        SENDING = "sending", _("reaching residents")
        ACTIVE = "active", _("in force")
        ENDED = "ended", _("ended")

    area_code = AreaCodeField(db_index=True)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=6, choices=Severity.choices)
    title = models.CharField(_("title"), max_length=100)
    instructions = models.TextField(_("what to do"), max_length=3000)
    shelters = models.JSONField(_("shelters"), default=list, blank=True)  # [{name, address}]
    check_after = models.PositiveSmallIntegerField(
        _("check vulnerable residents after (minutes)"), default=30
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.SENDING
    )
    issued_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, db_index=True)
    ends_at = models.DateTimeField(_("in force until"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    recipients_total = models.PositiveIntegerField(default=0)
    recipients_done = models.PositiveIntegerField(default=0)
    fanout_started_at = models.DateTimeField(null=True, blank=True)
    fanout_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("emergency alert")
        verbose_name_plural = _("emergency alerts")

    def __str__(self) -> str:
        return self.title


class AlertRecipient(models.Model):
    """One resident an alert reached, their acknowledgement and, for vulnerable residents, the
    grid worker's check."""

    class Ack(models.TextChoices):
        NONE = "", _("no answer yet")
        KNOWN = "known", _("I am aware (我已知晓)")
        HELP = "help", _("I need help (我需要帮助)")

    class CheckResult(models.TextChoices):
        NONE = "", _("not checked")
        SAFE = "safe", _("safe")
        HELP = "help", _("needs help")
        UNREACHED = "unreached", _("could not be reached")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area_code = AreaCodeField()
    vulnerable = models.BooleanField(default=False)
    ack = models.CharField(max_length=6, choices=Ack.choices, blank=True, default="")
    ack_at = models.DateTimeField(null=True, blank=True)
    checked = models.CharField(max_length=10, choices=CheckResult.choices, blank=True, default="")
    checked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.CharField(max_length=500, blank=True)
    appeal = models.ForeignKey(
        "appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["alert_id", "area_code", "id"]
        indexes = [
            models.Index(
                fields=["alert", "area_code"],
                name="notices_recipient_area_idx",
                opclasses=["", "varchar_pattern_ops"],
            ),
            models.Index(fields=["user", "alert"], name="notices_recipient_user_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["alert", "resident"], name="notices_recipient_once"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}→{self.resident_id}"


class InfoOfficer(models.Model):
    """A community's designated disaster information officer (灾害信息员)."""

    community = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = EncryptedField(_("phone"), blind_index="phone_bidx", purpose="phone", mask="phone")
    phone_bidx = BlindIndexField()
    trained_on = models.DateField(_("trained on"), null=True, blank=True)
    started_on = models.DateField(_("from"), default=timezone.localdate)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["area_code", "-started_on"]
        verbose_name = _("disaster information officer")
        verbose_name_plural = _("disaster information officers")
        constraints = [
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(ended_on__isnull=True),
                name="notices_one_info_officer",
            ),
        ]

    def __str__(self) -> str:
        return self.name
