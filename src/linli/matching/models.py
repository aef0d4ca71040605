"""The three lists (三项清单): residents' needs (居民需求清单), service resources (服务资源清单) and
livelihood projects (民生项目清单), and the matches that join a need to a resource.

- A need comes from an appeal, a need found on a care visit, a survey, or is entered by a
  worker; it says what (category), for whom, where (its area code, a grid or community), when
  (a window of dates and weekly times) and how urgent.
- A resource is something that can help: a volunteer team or volunteer, a provider, a venue, a
  unit's open resource, a donation; what it offers (its categories, one row each in
  :class:`ResourceCategory` so the matcher filters by index), where it serves (area prefixes),
  when (weekly times) and how much (capacity per week).
- A match is a worker's confirmed choice of a resource for a need, with the reasons the matcher
  gave, and what it created (an activity, a booking, a project task).
- A livelihood project has its budget, funding source, lead unit, milestones and progress, and
  its progress is published to residents (as Decidim's accountability pages do).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import AreaCodeField, User
from linli.core.pii import BlindIndexField, EncryptedField


class Category(models.TextChoices):
    """What is needed or offered; the care-visit need kinds and the volunteer skills map here."""

    ELDERLY_CARE = "elderly_care", _("care and company for older people")
    MEALS = "meals", _("meals")
    HEALTH = "health", _("health and medical care")
    HOUSING = "housing", _("home repairs and safety")
    CLEANING = "cleaning", _("cleaning and environment")
    CHILDREN = "children", _("children and tutoring")
    DISABILITY = "disability", _("help for people with disabilities")
    LEGAL = "legal", _("legal advice")
    PSYCHOLOGY = "psychology", _("counselling and emotional support")
    FINANCE = "finance", _("financial hardship and benefits")
    TRANSPORT = "transport", _("transport and escorting")
    DIGITAL = "digital", _("phones and the internet")
    CULTURE = "culture", _("culture, sport and activities")
    SPACE = "space", _("a place to meet or hold activities")
    SAFETY = "safety", _("safety and emergencies")
    OTHER = "other", _("other")


class Need(models.Model):
    """One entry of the residents' needs list."""

    class Source(models.TextChoices):
        APPEAL = "appeal", _("appeal")
        CARE_VISIT = "care_visit", _("care visit")
        SURVEY = "survey", _("survey")
        ENTERED = "entered", _("entered by a worker")

    class Urgency(models.TextChoices):
        LOW = "low", _("when possible")
        NORMAL = "normal", _("normal")
        URGENT = "urgent", _("urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for help")
        MATCHED = "matched", _("matched")
        MET = "met", _("met")
        CLOSED = "closed", _("closed without help")

    area_code = AreaCodeField(editable=False, db_index=True)  # a community or grid
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    appeal = models.OneToOneField(
        "appeals.Appeal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="listed_need",
        verbose_name=_("appeal"),
    )
    care_need = models.OneToOneField(
        "care.Need",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="listed_need",
        verbose_name=_("need found on a visit"),
    )
    resident = models.ForeignKey(
        "registry.Resident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resident"),
    )
    category = models.CharField(_("category"), max_length=14, choices=Category.choices)
    title = models.CharField(_("need"), max_length=100)
    description = models.TextField(_("details"), max_length=2000, blank=True)
    who = models.CharField(_("for whom"), max_length=100)  # e.g. "独居老人" (no names)
    place = models.CharField(_("where"), max_length=200, blank=True)
    wanted_from = models.DateField(_("from"), null=True, blank=True)
    wanted_until = models.DateField(_("until"), null=True, blank=True)
    times = models.JSONField(_("when in the week"), default=list, blank=True)  # AVAILABILITY
    people = models.PositiveIntegerField(_("people to help"), default=1)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    closed_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("resident need")
        verbose_name_plural = _("resident needs")
        indexes = [
            models.Index(fields=["status", "area_code"], name="match_need_status_idx"),
            models.Index(fields=["category", "status", "area_code"], name="match_need_cat_idx"),
            models.Index(fields=["urgency", "status"], name="match_need_urgency_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(wanted_until__isnull=True)
                | Q(wanted_from__isnull=True)
                | Q(wanted_until__gte=models.F("wanted_from")),
                name="match_need_window",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Resource(models.Model):
    """One entry of the service resources list. Teams, volunteers and venues are listed from
    their own records (``team``/``volunteer``/``venue`` set, kept in step by the matching
    actions); providers, units' open resources and donations are entered."""

    class Kind(models.TextChoices):
        TEAM = "team", _("volunteer team")
        VOLUNTEER = "volunteer", _("volunteer")
        PROVIDER = "provider", _("service provider")
        VENUE = "venue", _("venue")
        UNIT = "unit", _("a unit's open resource")
        DONATION = "donation", _("donation")

    area_code = AreaCodeField(editable=False, db_index=True)  # where it is based
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    team = models.OneToOneField(
        "volunteers.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="resource",
    )
    volunteer = models.OneToOneField(
        "volunteers.Volunteer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="resource",
    )
    venue = models.OneToOneField(
        "facilities.Venue",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="resource",
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("what it offers"), max_length=2000, blank=True)
    categories = models.JSONField(_("categories"), default=list)  # mirrored in ResourceCategory
    serves = models.JSONField(_("serves these areas"), default=list)  # area codes (prefixes)
    times = models.JSONField(_("when in the week"), default=list, blank=True)  # AVAILABILITY
    capacity = models.PositiveIntegerField(_("people a week"), default=1)
    in_use = models.PositiveIntegerField(_("taken"), default=0)
    available_from = models.DateField(_("from"), null=True, blank=True)
    available_until = models.DateField(_("until"), null=True, blank=True)
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
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "kind", "name", "id"]
        verbose_name = _("service resource")
        verbose_name_plural = _("service resources")
        indexes = [
            models.Index(fields=["active", "kind", "area_code"], name="match_resource_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_use__lte=models.F("capacity")), name="match_resource_capacity"
            ),
            models.CheckConstraint(
                condition=(Q(kind="team") & Q(team__isnull=False))
                | (Q(kind="volunteer") & Q(volunteer__isnull=False))
                | (Q(kind="venue") & Q(venue__isnull=False))
                | (Q(kind__in=["provider", "unit", "donation"])),
                name="match_resource_linked",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def spare(self) -> int:
        return max(self.capacity - self.in_use, 0)


class ResourceCategory(models.Model):
    """One category a resource offers, as its own row so the matcher filters by index."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="offered")
    category = models.CharField(max_length=14, choices=Category.choices)
    area_code = AreaCodeField(editable=False)  # the resource's
    active = models.BooleanField(default=True)  # the resource's

    class Meta:
        indexes = [
            models.Index(
                fields=["category", "active", "area_code"], name="match_rescat_lookup_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["resource", "category"], name="match_rescat_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.category}"


class Match(models.Model):
    """A worker's confirmed match of a resource to a need, with the matcher's reasons, and what
    the confirmation created."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("under way")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="matches")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="matches")
    area_code = AreaCodeField(editable=False, db_index=True)  # the need's
    score = models.DecimalField(max_digits=6, decimal_places=2)
    reasons = models.JSONField(default=list)  # [{"code": …, "text": …}]
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    activity = models.ForeignKey(
        "volunteers.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matches",
    )
    booking = models.ForeignKey(
        "facilities.Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matches",
    )
    task = models.ForeignKey(
        "matching.ProjectMilestone",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matches",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    confirmed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        indexes = [
            models.Index(fields=["status", "area_code"], name="match_match_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "resource"],
                condition=Q(status="active"),
                name="match_match_one_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need_id} ← {self.resource_id}"


class LivelihoodProject(models.Model):
    """One entry of the livelihood projects list (民生项目清单)."""

    class Funding(models.TextChoices):
        FISCAL = "fiscal", _("government budget")
        PARTY_FUND = "party_fund", _("party organisation service funds")
        LOTTERY = "lottery", _("welfare lottery funds")
        COMMUNITY_FUND = "community_fund", _("community fund")
        DONATION = "donation", _("social donations")
        PURCHASE = "purchase", _("government purchase of services")
        MIXED = "mixed", _("mixed")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        UNDER_WAY = "under_way", _("under way")
        DONE = "done", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    area_code = AreaCodeField(editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=14, choices=Category.choices)
    summary = models.TextField(_("what it does"), max_length=2000)
    budget = models.DecimalField(
        _("budget (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    funding = models.CharField(_("funding source"), max_length=16, choices=Funding.choices)
    lead_unit = models.CharField(_("lead unit"), max_length=100)
    beneficiaries = models.CharField(_("beneficiaries"), max_length=200)
    beneficiary_count = models.PositiveIntegerField(_("people who benefit"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    published = models.BooleanField(_("shown to residents"), default=False)
    needs = models.ManyToManyField(Need, blank=True, related_name="projects")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "name", "id"]
        verbose_name = _("livelihood project")
        verbose_name_plural = _("livelihood projects")
        indexes = [
            models.Index(fields=["status", "area_code"], name="match_project_status_idx"),
            models.Index(fields=["published", "area_code"], name="match_project_public_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="match_project_progress"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="match_project_budget"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectMilestone(models.Model):
    """A milestone or task of a livelihood project (a confirmed match may add one)."""

    project = models.ForeignKey(
        LivelihoodProject, on_delete=models.CASCADE, related_name="milestones"
    )
    area_code = AreaCodeField(editable=False, db_index=True)  # the project's
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    weight = models.PositiveSmallIntegerField(_("share of the work (%)"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["project_id", "position", "due_on", "id"]
        verbose_name = _("project milestone")
        verbose_name_plural = _("project milestones")

    def __str__(self) -> str:
        return self.title


class ProjectUpdate(models.Model):
    """A progress update of a livelihood project; published ones are shown to residents."""

    project = models.ForeignKey(LivelihoodProject, on_delete=models.CASCADE, related_name="updates")
    area_code = AreaCodeField(editable=False, db_index=True)  # the project's
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    status = models.CharField(_("status"), max_length=10, choices=LivelihoodProject.Status.choices)
    text = models.TextField(_("what happened"), max_length=2000)
    published = models.BooleanField(_("shown to residents"), default=True)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("project update")
        verbose_name_plural = _("project updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="match_update_progress"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.progress}%"
