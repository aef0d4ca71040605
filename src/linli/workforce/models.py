"""Service capacity in people: the community workers (社区工作者) of each community, their posts,
post levels and social-work certificates, and their training.

A worker is a record of their own: many have no account, and an account may be linked later.
Identity numbers and phones are personal data, encrypted with a blind index (so an import can
find a worker again without decrypting anything).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaCodeField, User
from linli.core.pii import BlindIndexField, EncryptedField


class PostLevel(models.Model):
    """One step of a province's (or prefecture's) pay ladder for community workers, e.g. the
    三岗十八级 ladder: three posts of six grades each. Configurable per area; the nearest
    ladder up the tree applies."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("province or prefecture")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("level"), max_length=50)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["area_code", "sort", "code"]
        verbose_name = _("post level")
        verbose_name_plural = _("post levels")
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="workforce_level_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Worker(models.Model):
    """A community worker (社区工作者) of one community."""

    class Post(models.TextChoices):
        COMMITTEE = "committee", _("member of the two committees")
        SOCIAL_WORK = "social_work", _("full-time social work post")
        GRID = "grid", _("grid worker")
        OTHER = "other", _("other")

    class CommitteeRole(models.TextChoices):
        NONE = "", _("none")
        SECRETARY = "secretary", _("party secretary")
        DIRECTOR = "director", _("committee director")
        BOTH = "both", _("secretary and director (one person)")
        DEPUTY_SECRETARY = "deputy_secretary", _("deputy secretary")
        DEPUTY_DIRECTOR = "deputy_director", _("deputy director")
        MEMBER = "member", _("committee member")

    class Education(models.TextChoices):
        UNKNOWN = "", _("not recorded")
        JUNIOR = "junior", _("junior secondary or below")
        SENIOR = "senior", _("senior secondary")
        VOCATIONAL = "vocational", _("secondary vocational")
        COLLEGE = "college", _("junior college")
        BACHELOR = "bachelor", _("bachelor's degree")
        MASTER = "master", _("master's degree or above")

    class Gender(models.TextChoices):
        UNKNOWN = "", _("not recorded")
        FEMALE = "f", _("female")
        MALE = "m", _("male")

    HEADS = (CommitteeRole.SECRETARY, CommitteeRole.DIRECTOR, CommitteeRole.BOTH)

    community = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_number = EncryptedField(
        _("ID number"), blind_index="id_number_bidx", purpose="id_number", mask="id_number"
    )
    id_number_bidx = BlindIndexField()
    phone = EncryptedField(
        _("mobile phone"), blind_index="phone_bidx", purpose="phone", mask="phone"
    )
    phone_bidx = BlindIndexField()
    post = models.CharField(_("post"), max_length=12, choices=Post.choices)
    committee_role = models.CharField(
        _("committee role"), max_length=20, choices=CommitteeRole.choices, blank=True
    )
    level = models.ForeignKey(
        PostLevel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("post level"),
    )
    party_member = models.BooleanField(_("party member"), default=False)
    education = models.CharField(
        _("education"), max_length=12, choices=Education.choices, blank=True
    )
    social_work_major = models.BooleanField(_("studied social work"), default=False)
    hired_on = models.DateField(_("hired on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    leave_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="worker_records",
        verbose_name=_("account"),
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "name", "id"]
        verbose_name = _("community worker")
        verbose_name_plural = _("community workers")
        indexes = [
            models.Index(fields=["post", "area_code"], name="workforce_worker_post_idx"),
            models.Index(fields=["left_on", "area_code"], name="workforce_worker_left_idx"),
        ]
        constraints = [
            # One live record per person (by ID number) in the whole installation.
            models.UniqueConstraint(
                fields=["id_number_bidx"],
                condition=Q(left_on__isnull=True, id_number_bidx__isnull=False),
                name="workforce_worker_one_live",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("hired_on")),
                name="workforce_worker_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """A social work qualification (社会工作者职业资格) held by a worker."""

    class Level(models.TextChoices):
        ASSISTANT = "assistant", _("assistant social worker")
        SOCIAL_WORKER = "social_worker", _("social worker")
        SENIOR = "senior", _("senior social worker")

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="certificates")
    area_code = AreaCodeField(editable=False, db_index=True)  # the worker's community
    level = models.CharField(_("level"), max_length=15, choices=Level.choices)
    number = models.CharField(_("certificate number"), max_length=50, blank=True)
    obtained_on = models.DateField(_("obtained on"))
    expires_on = models.DateField(_("registration valid until"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["worker_id", "-obtained_on"]
        verbose_name = _("social work certificate")
        verbose_name_plural = _("social work certificates")
        constraints = [
            models.UniqueConstraint(fields=["worker", "level"], name="workforce_cert_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.worker_id}"


class TrainingRule(models.Model):
    """How often a kind of worker must be trained, set for an area (a county or above); the
    nearest rule up the tree wins, and without one the built-in cycle applies (heads every
    year, everyone else every two years)."""

    class AppliesTo(models.TextChoices):
        HEADS = "heads", _("secretaries and directors")
        OTHERS = "others", _("all other workers")

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    area_code = AreaCodeField(editable=False, db_index=True)
    applies_to = models.CharField(_("applies to"), max_length=10, choices=AppliesTo.choices)
    cycle_months = models.PositiveSmallIntegerField(_("at least once every (months)"))
    min_hours = models.DecimalField(
        _("hours needed in the cycle"), max_digits=5, decimal_places=1, default=0
    )
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "applies_to"]
        verbose_name = _("training rule")
        verbose_name_plural = _("training rules")
        constraints = [
            models.UniqueConstraint(fields=["area", "applies_to"], name="workforce_rule_unique"),
            models.CheckConstraint(
                condition=Q(cycle_months__gte=1, cycle_months__lte=120),
                name="workforce_rule_cycle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.applies_to} {self.cycle_months}"


class Course(models.Model):
    """A training course (素质提升培训) run by a county, town or other organiser."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        ONLINE = "online", _("online")
        MIXED = "mixed", _("online and in person")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("organised for")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    title = models.CharField(_("course"), max_length=100)
    organiser = models.CharField(_("organiser"), max_length=100)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    description = models.TextField(_("content"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=1000), name="workforce_course_hours"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """One sitting of a course: a date range and a place (or a link for online courses)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    area_code = AreaCodeField(editable=False, db_index=True)  # the course's
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    place = models.CharField(_("place or link"), max_length=200, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="workforce_session_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.starts_on}"


class Attendance(models.Model):
    """A worker's attendance at a session, with the hours credited."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="attendances")
    area_code = AreaCodeField(editable=False, db_index=True)  # the worker's community
    attended = models.BooleanField(_("attended"), default=True)
    hours = models.DecimalField(_("hours credited"), max_digits=5, decimal_places=1)
    trained_on = models.DateField(_("trained on"))  # the session's last day, kept for figures
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session_id", "worker_id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        indexes = [
            models.Index(fields=["worker", "trained_on"], name="workforce_attend_worker_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["session", "worker"], name="workforce_attend_once"),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.session_id}"
