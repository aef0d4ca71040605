"""Appeals (诉求, 接诉即办): categories, handling units, routing, appeals and their history.

An appeal moves through an explicit state machine (``TRANSITIONS``); every step is an
:class:`Event` — public ones form the resident's timeline, internal notes stay with staff. A unit's
turn with an appeal is a :class:`Dispatch`; at most one is live per appeal and at most one account
accepts it (both guaranteed by the database). Deadlines follow the appeal's urgency
:class:`Tier`, counted in hours, calendar days or working days (:class:`Holiday` overrides).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.models import Area, AreaCodeField, User
from linli.core.pii import BlindIndexField, EncryptedField

# --- working-day calendar -------------------------------------------------------------------


class Holiday(models.Model):
    """A day that differs from the Monday-to-Friday week: a public holiday (``is_workday`` off)
    or a make-up working day on a weekend (调休, ``is_workday`` on)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"), default=False)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


def is_workday(day: dt.date, overrides: dict[dt.date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def add_workdays(start: dt.datetime, days: int, overrides: dict[dt.date, bool]) -> dt.datetime:
    """The end (23:59:59 local time) of the ``days``-th working day after ``start``'s day.

    Submitted on Friday at 15:00 with 7 working days → the end of Tuesday week (no holidays);
    a weekend or holiday submission counts from the next working day just the same.
    """
    tz = local_tz()
    day = timezone.localtime(start, tz).date()
    counted = 0
    guard = 0
    while counted < days:
        day += dt.timedelta(days=1)
        guard += 1
        if guard > 3660:
            raise ValueError("the holiday calendar leaves no working days")
        if is_workday(day, overrides):
            counted += 1
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def workday_overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(
        Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday")
    )


# --- urgency tiers -----------------------------------------------------------------------------


class Tier(models.Model):
    """An urgency tier: how soon an appeal must be accepted and resolved."""

    class Unit(models.TextChoices):
        HOURS = "hours", _("hours")
        DAYS = "days", _("calendar days")
        WORKDAYS = "workdays", _("working days")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    respond_minutes = models.PositiveIntegerField(_("accept within (minutes)"))
    resolve_amount = models.PositiveIntegerField(_("resolve within"))
    resolve_unit = models.CharField(
        _("unit"), max_length=10, choices=Unit.choices, default=Unit.WORKDAYS
    )
    sort = models.PositiveSmallIntegerField(default=0)
    builtin = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("urgency tier")
        verbose_name_plural = _("urgency tiers")
        constraints = [
            models.CheckConstraint(
                condition=Q(respond_minutes__gte=1, resolve_amount__gte=1),
                name="appeals_tier_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def resolve_minutes_estimate(self) -> int:
        """A rough length of the resolution clock (for ordering and warnings)."""
        per = {"hours": 60, "days": 1440, "workdays": 1440 * 7 // 5}[self.resolve_unit]
        return self.resolve_amount * per

    def resolve_due(self, start: dt.datetime, overrides: dict | None = None) -> dt.datetime:
        if self.resolve_unit == self.Unit.HOURS:
            return start + dt.timedelta(hours=self.resolve_amount)
        if self.resolve_unit == self.Unit.DAYS:
            return start + dt.timedelta(days=self.resolve_amount)
        if overrides is None:
            day = timezone.localtime(start, local_tz()).date()
            overrides = workday_overrides(
                day, day + dt.timedelta(days=self.resolve_amount * 3 + 31)
            )
        return add_workdays(start, self.resolve_amount, overrides)

    def respond_due(self, start: dt.datetime) -> dt.datetime:
        return start + dt.timedelta(minutes=self.respond_minutes)


def warn_from(start: dt.datetime, due: dt.datetime) -> dt.datetime:
    """When a clock becomes "about to be overdue": the last quarter of it, at most a day."""
    span = due - start
    return due - min(span / 4, dt.timedelta(days=1))


# --- handling units ---------------------------------------------------------------------------


class Unit(models.Model):
    """Who handles appeals: an area's own unit (grid, community, town, county) or a department
    office or provider that sits at an area. Area units act through the staff who hold
    ``appeal.handle`` over the area; offices and providers through their members."""

    class Kind(models.TextChoices):
        GRID = "grid", _("grid")
        COMMUNITY = "community", _("community")
        TOWN = "town", _("town or street")
        COUNTY = "county", _("county")
        DEPARTMENT = "department", _("department office")
        PROVIDER = "provider", _("service provider")

    AREA_KINDS = (Kind.GRID, Kind.COMMUNITY, Kind.TOWN, Kind.COUNTY)

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    active = models.BooleanField(_("in use"), default=True)
    members = models.ManyToManyField(User, through="UnitMember", related_name="appeal_units")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "kind", "name"]
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "kind"],
                condition=Q(kind__in=["grid", "community", "town", "county"]),
                name="appeals_unit_one_per_area",
            ),
            models.UniqueConstraint(fields=["area", "name"], name="appeals_unit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_area_unit(self) -> bool:
        return self.kind in self.AREA_KINDS


class UnitMember(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="unit_memberships")
    is_supervisor = models.BooleanField(_("supervisor"), default=False)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="appeals_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.unit_id}"


# --- categories and routing ---------------------------------------------------------------


class Category(models.Model):
    """One kind of appeal in a county's catalogue (an Open311 service)."""

    area_code = AreaCodeField(editable=False, db_index=True)  # the county's code
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    key = models.CharField(max_length=40, blank=True, editable=False)  # built-in defaults
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=300, blank=True)
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, related_name="+", verbose_name=_("urgency tier")
    )
    unit_kind = models.CharField(
        _("handled by default by"), max_length=12, choices=Unit.Kind.choices
    )
    public = models.BooleanField(
        _("may be listed publicly"),
        default=True,
        help_text=_("Appeals of private matters (assistance, health, disputes) are never public."),
    )
    attributes = models.JSONField(_("questions"), default=list, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["area_code", "sort", "id"]
        verbose_name = _("appeal category")
        verbose_name_plural = _("appeal categories")
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "key"], condition=~Q(key=""), name="appeals_category_key"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """(area prefix, category) → handling unit. The most specific rule wins: a rule for the
    category itself beats one for its parent, which beats one for any category; among equals,
    the longer area prefix wins."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField(max_length=15, editable=False, db_index=True)
    area_code = AreaCodeField(editable=False, db_index=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="rules"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="rules")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["prefix", "category_id"]
        constraints = [
            # One rule per place and category, and one "any category" rule per place (two
            # partial indexes: SQLite has no NULLS NOT DISTINCT).
            models.UniqueConstraint(
                fields=["area", "category"],
                condition=Q(category__isnull=False),
                name="appeals_rule_unique",
            ),
            models.UniqueConstraint(
                fields=["area"], condition=Q(category__isnull=True), name="appeals_rule_any_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.category_id or '*'} → {self.unit_id}"


# --- the county's policy ----------------------------------------------------------------------


class Policy(models.Model):
    """A county's settings for the lifecycle and for how the three rates are counted."""

    area_code = AreaCodeField(unique=True)  # the county's code
    auto_confirm_days = models.PositiveSmallIntegerField(
        _("auto-confirm after (days)"),
        default=7,
        help_text=_("A resolved appeal the resident has not answered counts as confirmed."),
    )
    rating_days = models.PositiveSmallIntegerField(
        _("rating open for (days)"),
        default=15,
        help_text=_("After confirmation the resident may rate for this many days, then it closes."),
    )
    satisfied_from = models.PositiveSmallIntegerField(
        _("satisfied from level"),
        default=3,
        help_text=_(
            "Ratings at this level or better count as satisfied (3 = basically satisfied)."
        ),
    )
    auto_confirmed_resolved = models.BooleanField(
        _("auto-confirmed appeals count as resolved"), default=True
    )
    rectify_workdays = models.PositiveSmallIntegerField(
        _("rectify within (working days)"), default=15
    )
    escalate_again_hours = models.PositiveSmallIntegerField(
        _("escalate again after (hours)"),
        default=24,
        help_text=_("An appeal still overdue this long after supervision goes one level up."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("appeal policy")

    def __str__(self) -> str:
        return self.area_code


# --- appeals ------------------------------------------------------------------------------------


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting dispatch")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CONFIRMED = "confirmed", _("Confirmed")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged")


# The only legal moves. Transfer keeps an appeal dispatched (to another unit); return sends
# it back to the dispatcher; reopen follows a bad rating or a resident who says it is not done.
TRANSITIONS: dict[str, set[str]] = {
    State.SUBMITTED: {State.DISPATCHED, State.REJECTED, State.MERGED},
    State.DISPATCHED: {
        State.DISPATCHED,
        State.ACCEPTED,
        State.SUBMITTED,
        State.MERGED,
        State.REJECTED,
    },
    State.ACCEPTED: {State.IN_PROGRESS, State.RESOLVED, State.DISPATCHED},
    State.IN_PROGRESS: {State.RESOLVED, State.DISPATCHED},
    State.RESOLVED: {State.CONFIRMED, State.IN_PROGRESS},
    State.CONFIRMED: {State.CLOSED, State.IN_PROGRESS},
    State.CLOSED: {State.IN_PROGRESS},
    State.REJECTED: set(),
    State.MERGED: set(),
}

OPEN_STATES = (
    State.SUBMITTED,
    State.DISPATCHED,
    State.ACCEPTED,
    State.IN_PROGRESS,
)
WITH_UNIT_STATES = (State.ACCEPTED, State.IN_PROGRESS)
DONE_STATES = (State.RESOLVED, State.CONFIRMED, State.CLOSED)
ENDED_STATES = (State.CLOSED, State.REJECTED, State.MERGED)


class Channel(models.TextChoices):
    ONLINE = "online", _("online, by the resident")
    WINDOW = "window", _("at the service window")
    PHONE = "phone", _("by telephone")
    PATROL = "patrol", _("found on grid patrol")
    CARE_VISIT = "care_visit", _("found on a care visit")
    API = "api", _("through the API")
    OPEN311 = "open311", _("through an Open311 client")


class RatingLevel(models.IntegerChoices):
    VERY_DISSATISFIED = 1, _("Very dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    SATISFIED = 4, _("Satisfied")
    VERY_SATISFIED = 5, _("Very satisfied")


BAD_RATING_BELOW = RatingLevel.BASICALLY_SATISFIED  # 不满意 and 非常不满意 are bad ratings


class Appeal(models.Model):
    """One resident's request or complaint (诉求), from intake to closing."""

    area_code = AreaCodeField(editable=False, db_index=True)  # the community or grid
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("category")
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("what happened"), max_length=2000)
    address = models.CharField(_("where"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)  # answers to the category's questions

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    submitter = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals"
    )
    entered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client = models.ForeignKey(
        "Open311Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = EncryptedField(
        _("contact phone"), blind_index="contact_phone_bidx", purpose="phone", mask="phone"
    )
    contact_phone_bidx = BlindIndexField(db_index=True)
    anonymous = models.BooleanField(_("hide my name from the public"), default=False)
    public = models.BooleanField(_("may be listed publicly"), default=False)
    token = models.CharField(max_length=32, unique=True, editable=False)

    state = models.CharField(max_length=12, choices=State.choices, default=State.SUBMITTED)
    state_changed_at = models.DateTimeField(default=timezone.now)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    accountable_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    resolution = models.TextField(_("what was done"), max_length=2000, blank=True)

    submitted_at = models.DateTimeField(default=timezone.now)
    first_accepted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    auto_confirmed = models.BooleanField(default=False)

    respond_due = models.DateTimeField()
    resolve_due = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)  # the clock that runs now
    warn_at = models.DateTimeField(null=True, blank=True)  # when it is about to be overdue
    responded_on_time = models.BooleanField(null=True)
    resolved_on_time = models.BooleanField(null=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    rating = models.PositiveSmallIntegerField(null=True, blank=True, choices=RatingLevel.choices)
    rated_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    callback_due = models.BooleanField(default=False)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [
            models.Index(fields=["state", "due_at"], name="appeals_state_due_idx"),
            models.Index(fields=["unit", "state", "due_at"], name="appeals_unit_state_idx"),
            models.Index(fields=["submitted_at"], name="appeals_submitted_idx"),
            models.Index(fields=["category", "submitted_at"], name="appeals_category_idx"),
            models.Index(fields=["submitter", "submitted_at"], name="appeals_submitter_idx"),
            models.Index(fields=["entered_by", "submitted_at"], name="appeals_entered_idx"),
            models.Index(
                fields=["due_at"], name="appeals_open_due_idx", condition=Q(due_at__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="appeals_rating_range",
            ),
            models.CheckConstraint(
                condition=~Q(state="merged") | Q(merged_into__isnull=False),
                name="appeals_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """The reference a resident quotes: submission date and id (20261122-1234)."""
        when = timezone.localtime(self.submitted_at, local_tz())
        return f"{when:%Y%m%d}-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at < timezone.now()

    @property
    def due_soon(self) -> bool:
        now = timezone.now()
        return (
            self.due_at is not None
            and self.warn_at is not None
            and self.warn_at <= now < self.due_at
        )

    def can_move_to(self, state: str) -> bool:
        return state in TRANSITIONS.get(self.state, set())

    @staticmethod
    def new_token() -> str:
        import secrets

        return secrets.token_hex(16)


class Dispatch(models.Model):
    """One unit's turn with an appeal. One live turn per appeal; accepted at most once."""

    class Outcome(models.TextChoices):
        OPEN = "", _("open")
        RETURNED = "returned", _("returned")
        TRANSFERRED = "transferred", _("transferred")
        FINISHED = "finished", _("finished")
        WITHDRAWN = "withdrawn", _("withdrawn")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="dispatches")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="dispatches")
    dispatched_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dispatched_at = models.DateTimeField(default=timezone.now)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    live = models.BooleanField(default=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, blank=True, choices=Outcome.choices)

    class Meta:
        ordering = ["appeal_id", "dispatched_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"], condition=Q(live=True), name="appeals_one_live_dispatch"
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(accepted_by__isnull=False),
                name="appeals_accept_has_actor",
            ),
        ]
        indexes = [models.Index(fields=["unit", "live"], name="appeals_dispatch_unit_idx")]

    def __str__(self) -> str:
        return f"{self.appeal_id} → {self.unit_id}"


class Event(models.Model):
    """One step of an appeal's history. ``public`` steps form the resident's timeline; ``note``
    is internal and never shown to the resident."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("appeal event", "Submitted")
        DISPATCHED = "dispatched", pgettext_lazy("appeal event", "Dispatched")
        ACCEPTED = "accepted", pgettext_lazy("appeal event", "Accepted")
        STARTED = "started", pgettext_lazy("appeal event", "Work started")
        PROGRESS = "progress", pgettext_lazy("appeal event", "Progress")
        NOTE = "note", pgettext_lazy("appeal event", "Internal note")
        RESOLVED = "resolved", pgettext_lazy("appeal event", "Resolved")
        CONFIRMED = "confirmed", pgettext_lazy("appeal event", "Confirmed by the resident")
        AUTO_CONFIRMED = "auto_confirmed", pgettext_lazy("appeal event", "Confirmed automatically")
        CLOSED = "closed", pgettext_lazy("appeal event", "Closed")
        RETURNED = "returned", pgettext_lazy("appeal event", "Returned to the dispatcher")
        TRANSFERRED = "transferred", pgettext_lazy("appeal event", "Transferred")
        MERGED = "merged", pgettext_lazy("appeal event", "Merged as a duplicate")
        REJECTED = "rejected", pgettext_lazy("appeal event", "Rejected")
        REOPENED = "reopened", pgettext_lazy("appeal event", "Reopened")
        RATED = "rated", pgettext_lazy("appeal event", "Rated")
        CALLBACK = "callback", pgettext_lazy("appeal event", "Callback")
        ESCALATED = "escalated", pgettext_lazy("appeal event", "Escalated for supervision")
        PHOTO = "photo", pgettext_lazy("appeal event", "Photo added")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public = models.BooleanField(default=True)
    message = models.TextField(blank=True, max_length=2000)  # shown to the resident
    note = models.TextField(blank=True, max_length=2000)  # staff only
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["appeal_id", "at", "id"]
        indexes = [models.Index(fields=["appeal", "at"], name="appeals_event_appeal_idx")]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.kind}"

    @property
    def text(self) -> str:
        """What the resident reads: the words someone wrote, or the step's own sentence in the
        reader's language (steps the platform takes are never stored as text)."""
        if self.message:
            return self.message
        template = EVENT_TEXT.get(self.kind)
        if template is None:
            return ""
        appeal = self.appeal
        merged = appeal.merged_into.number if appeal.merged_into_id else ""
        return str(template) % {
            "unit": self.unit.name if self.unit_id else "",
            "number": appeal.number,
            "main": merged,
        }


EVENT_TEXT = {
    Event.Kind.SUBMITTED: _("Your appeal was received. Its number is %(number)s."),
    Event.Kind.DISPATCHED: _("Passed to %(unit)s to handle."),
    Event.Kind.TRANSFERRED: _("Passed to %(unit)s to handle."),
    Event.Kind.ACCEPTED: _("%(unit)s has accepted your appeal."),
    Event.Kind.STARTED: _("Work on your appeal has started."),
    Event.Kind.RETURNED: _("Your appeal is being passed to the right unit."),
    Event.Kind.REOPENED: _("Your appeal has gone back to %(unit)s."),
    Event.Kind.ESCALATED: _("Your appeal is now supervised by a higher level."),
    Event.Kind.AUTO_CONFIRMED: _("Confirmed automatically: no answer came in the days allowed."),
    Event.Kind.CONFIRMED: _("You confirmed that it is done."),
    Event.Kind.MERGED: _("Your appeal repeats %(main)s, which is being handled; follow it there."),
    Event.Kind.CLOSED: _("Closed."),
    Event.Kind.PHOTO: _("A photo was added."),
}


def _photo_path(instance, filename: str) -> str:
    digest = hashlib.sha256(f"{instance.appeal_id}-{timezone.now().isoformat()}".encode())
    return f"appeals/{timezone.now():%Y/%m}/{digest.hexdigest()[:24]}.jpg"


class Photo(models.Model):
    """A photo of an appeal, re-encoded on upload (location and camera data removed)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=_photo_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    by_staff = models.BooleanField(default=False)  # taken by the unit (e.g. after the work)
    uploaded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["appeal_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of {self.appeal_id}"


class Rating(models.Model):
    """好差评: the resident's rating of one round of handling (a reopened appeal is rated again)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField(default=0)
    level = models.PositiveSmallIntegerField(_("overall"), choices=RatingLevel.choices)
    efficiency = models.PositiveSmallIntegerField(_("efficiency"), choices=RatingLevel.choices)
    attitude = models.PositiveSmallIntegerField(_("attitude"), choices=RatingLevel.choices)
    result = models.PositiveSmallIntegerField(_("result"), choices=RatingLevel.choices)
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    unit = models.ForeignKey(Unit, null=True, on_delete=models.SET_NULL, related_name="ratings")
    area_code = AreaCodeField(editable=False, db_index=True)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["appeal_id", "round"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "round"], name="appeals_rating_once"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5)
                & Q(efficiency__gte=1, efficiency__lte=5)
                & Q(attitude__gte=1, attitude__lte=5)
                & Q(result__gte=1, result__lte=5),
                name="appeals_rating_levels",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} round {self.round}: {self.level}"

    @property
    def is_bad(self) -> bool:
        return self.level < BAD_RATING_BELOW


class Rectification(models.Model):
    """整改: the work a bad rating requires, due within the county's working days."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="rectifications")
    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="rectification")
    unit = models.ForeignKey(Unit, null=True, on_delete=models.SET_NULL, related_name="+")
    area_code = AreaCodeField(editable=False, db_index=True)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"rectify {self.appeal_id} by {self.due_at:%Y-%m-%d}"


class Callback(models.Model):
    """回访: a supervisor's call to the resident after a bad rating (or at any time)."""

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("The resident is now satisfied")
        UNSATISFIED = "unsatisfied", _("The resident is still not satisfied")
        UNREACHABLE = "unreachable", _("Could not reach the resident")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="callbacks")
    rating = models.ForeignKey(
        Rating, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    note = models.TextField(_("what was said"), max_length=2000)

    class Meta:
        ordering = ["appeal_id", "at"]

    def __str__(self) -> str:
        return f"callback {self.appeal_id} {self.outcome}"


class Supervision(models.Model):
    """督办: an overdue appeal raised to the supervising level (by the sweep or by hand)."""

    class Reason(models.TextChoices):
        RESPONSE_OVERDUE = "response", _("not accepted in time")
        RESOLUTION_OVERDUE = "resolution", _("not resolved in time")
        MANUAL = "manual", _("raised by a supervisor")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="supervisions")
    level = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=12, choices=Reason.choices)
    supervising_code = AreaCodeField()  # the area whose supervisors were told
    unit = models.ForeignKey(Unit, null=True, on_delete=models.SET_NULL, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)  # the deadline that was missed
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["-at"]
        constraints = [
            # The sweep may run on several workers at once: one escalation per level and deadline.
            models.UniqueConstraint(
                fields=["appeal", "level", "due_at"], name="appeals_supervision_once"
            ),
        ]

    def __str__(self) -> str:
        return f"supervise {self.appeal_id} level {self.level}"


class ResponseTemplate(models.Model):
    """A reusable answer for a category and step (accept, progress, resolve, return, reject)."""

    class Step(models.TextChoices):
        ACCEPT = "accept", _("on accepting")
        PROGRESS = "progress", _("progress message")
        RESOLVE = "resolve", _("on resolving")
        RETURN = "return", _("on returning")
        REJECT = "reject", _("on rejecting")

    area_code = AreaCodeField(editable=False, db_index=True)  # the county's code
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="templates"
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    title = models.CharField(_("title"), max_length=60)
    text = models.TextField(_("text"), max_length=1000)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["step", "title"]

    def __str__(self) -> str:
        return self.title


class Open311Client(models.Model):
    """An Open311 client (another system or app) with its own key; only a digest is kept."""

    name = models.CharField(_("name"), max_length=100)
    area_code = AreaCodeField()  # the jurisdiction it may post to
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
