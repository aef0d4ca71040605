"""Service records, the time bank, certificates and record transfers."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaCodeField, User

from .activities import Activity, Signup
from .people import Organisation, Volunteer


class ServiceRecord(models.Model):
    """One entry of a volunteer's service record (志愿服务记录), in the fields of the national
    rules: activity name, date, place, beneficiaries, content, hours, quality rating, leader and
    recorder. Written by the organiser of the activity; never edited (a correction is a new
    entry with a reason and signed hours). Records stay with the organisation that wrote them;
    a transfer lets the volunteer's new organisation read and certify them."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("service")
        CORRECTION = "correction", _("correction")

    class Quality(models.TextChoices):
        EXCELLENT = "excellent", _("excellent")
        GOOD = "good", _("good")
        FAIR = "fair", _("fair")
        POOR = "poor", _("poor")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="records")
    area_code = AreaCodeField(editable=False, db_index=True)  # where the service was done
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("recording organisation"),
    )
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("activity"),
    )
    signup = models.ForeignKey(
        Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SERVICE)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    activity_name = models.CharField(_("activity name"), max_length=100)
    served_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    beneficiaries = models.CharField(_("beneficiaries"), max_length=200)
    content = models.TextField(_("service content"), max_length=1000)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    quality = models.CharField(_("quality"), max_length=10, choices=Quality.choices, blank=True)
    leader_name = models.CharField(_("activity leader"), max_length=50)
    recorder = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorder")
    )
    recorder_name = models.CharField(_("recorder"), max_length=50)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [
            models.Index(fields=["volunteer", "served_on"], name="vol_record_volunteer_idx"),
            models.Index(fields=["served_on", "area_code"], name="vol_record_served_idx"),
            models.Index(fields=["organisation", "served_on"], name="vol_record_org_idx"),
        ]
        constraints = [
            # One service entry per sign-up: hours are recorded once.
            models.UniqueConstraint(
                fields=["signup"],
                condition=Q(kind="service", signup__isnull=False),
                name="vol_record_one_per_signup",
            ),
            models.CheckConstraint(
                condition=(Q(kind="service") & Q(hours__gt=0) & Q(hours__lte=24))
                | (Q(kind="correction") & ~Q(hours=0) & Q(corrects__isnull=False) & ~Q(reason="")),
                name="vol_record_kind_rules",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_name} {self.served_on} {self.hours}h"


class Offer(models.Model):
    """A service a community offers for time-bank points (e.g. a haircut, a home repair)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    area_code = AreaCodeField(editable=False, db_index=True)
    name = models.CharField(_("service"), max_length=100)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    points = models.PositiveIntegerField(_("points"))
    stock = models.PositiveIntegerField(_("left"), null=True, blank=True)  # None: unlimited
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "points", "name"]
        verbose_name = _("time bank service")
        verbose_name_plural = _("time bank services")
        indexes = [models.Index(fields=["active", "area_code"], name="vol_offer_active_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1), name="vol_offer_points_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class PointsEntry(models.Model):
    """One line of the time-bank ledger: points earned by a service record, spent on an offer,
    or adjusted (with a reason). ``balance`` is the balance after this line."""

    class Kind(models.TextChoices):
        EARNED = "earned", _("earned")
        SPENT = "spent", _("spent")
        ADJUSTED = "adjusted", _("adjusted")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="points")
    area_code = AreaCodeField(editable=False, db_index=True)  # the volunteer's
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    delta = models.IntegerField(_("points"))
    balance = models.IntegerField(_("balance"))
    record = models.ForeignKey(
        ServiceRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="points"
    )
    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="spent"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    client_key = models.CharField(max_length=64, blank=True)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["volunteer_id", "-at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        indexes = [models.Index(fields=["volunteer", "at"], name="vol_points_volunteer_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="vol_points_balance_ok"),
            models.CheckConstraint(condition=~Q(delta=0), name="vol_points_delta_nonzero"),
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(record__isnull=False),
                name="vol_points_one_per_record",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "client_key"],
                condition=~Q(client_key=""),
                name="vol_points_once_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.delta:+d} = {self.balance}"


class Certificate(models.Model):
    """A volunteer service certificate (志愿服务证明) issued by an organisation: the hours and
    service of a volunteer over a period, as recorded. ``number`` is random and unguessable; the
    public verification page shows what the certificate prints (masked ID) and whether it was
    revoked. The printed facts are frozen at issue."""

    class Status(models.TextChoices):
        VALID = "valid", _("valid")
        REVOKED = "revoked", _("revoked")

    number = models.CharField(_("certificate number"), max_length=24, unique=True)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("issuing organisation"),
    )
    area_code = AreaCodeField(editable=False, db_index=True)  # the organisation's
    holder_name = models.CharField(_("name"), max_length=50)
    holder_id_masked = models.CharField(_("ID number"), max_length=30)
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("to"))
    hours = models.DecimalField(_("hours"), max_digits=9, decimal_places=2)
    records = models.PositiveIntegerField(_("service records"))
    content = models.TextField(_("service content"), max_length=2000)
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.VALID
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("volunteer service certificate")
        verbose_name_plural = _("volunteer service certificates")
        indexes = [
            models.Index(fields=["volunteer", "issued_on"], name="vol_cert_volunteer_idx"),
            models.Index(fields=["status", "area_code"], name="vol_cert_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=0), name="vol_cert_hours_ok"),
            models.CheckConstraint(
                condition=Q(status="valid") | Q(revoked_at__isnull=False),
                name="vol_cert_revoked_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Transfer(models.Model):
    """A volunteer's records carried to another organisation, with their consent (the rules:
    the former organisation hands the record over at the volunteer's request): the volunteer's
    organisation becomes ``to_organisation``, which may then read and certify every record of
    theirs; the hours and number of records handed over are kept here as they stood."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="transfers")
    area_code = AreaCodeField(editable=False, db_index=True)  # the receiving organisation's
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="transfers_in"
    )
    hours = models.DecimalField(_("hours"), max_digits=9, decimal_places=2)
    records = models.PositiveIntegerField(_("service records"))
    consent_at = models.DateTimeField(_("consent given at"))
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("record transfer")
        verbose_name_plural = _("record transfers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_organisation=models.F("to_organisation")),
                name="vol_transfer_two_organisations",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.from_organisation_id} → {self.to_organisation_id}"
