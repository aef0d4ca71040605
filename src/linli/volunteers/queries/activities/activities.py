"""Reading activities: the list volunteers choose from, one activity with its shifts and spots
left, the organiser's list with its filters, and the rosters and waiting lists of an activity.

Counts come from SQL (subqueries and one join per query), so a page costs the same number of
queries whatever its length. Volunteers' phone numbers are always masked here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes
from linli.core.cleaning import Errors, normal_code, row_id
from linli.core.cleaning import date as clean_date
from linli.core.errors import NotFound
from linli.core.pii import mask_name, mask_phone

from ...models import Activity, Shift, Signup, TargetGroup, Volunteer
from .._common import own_volunteer
from . import _common as rules

Status = Activity.Status
SStatus = Signup.Status

__all__ = [
    "ActivityView",
    "activity_detail",
    "activity_list",
    "activity_roster",
    "public_list",
]


def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return start, start + dt.timedelta(days=1)


def _spots_left(moment) -> dict:
    """Spots and spots left over the shifts still to come (two subqueries)."""
    spots = (
        Shift.objects.filter(activity=OuterRef("pk"), starts_at__gt=moment)
        .order_by()
        .values("activity")
        .annotate(total=Sum("spots"))
        .values("total")
    )
    taken = (
        Signup.objects.filter(
            shift__activity=OuterRef("pk"), shift__starts_at__gt=moment, status__in=rules.TAKEN
        )
        .order_by()
        .values("shift__activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    total = Coalesce(Subquery(spots, output_field=IntegerField()), Value(0))
    used = Coalesce(Subquery(taken, output_field=IntegerField()), Value(0))
    return {"spots_total": total, "spots_left": Greatest(total - used, Value(0))}


def _next_start(moment):
    first = (
        Shift.objects.filter(activity=OuterRef("pk"), starts_at__gt=moment)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    return Subquery(first)


def public_list(*, actor, filters: dict | None = None) -> QuerySet[Activity]:
    """Published activities with a shift to come that the actor may sign up for: their
    community's, their teams', and the public ones of their county — their community first,
    then their town, then the others, each soonest first. ``filters``: ``target_group``,
    ``date`` (a shift starts that day). Each row has ``next_start``, ``spots_total``,
    ``spots_left`` and ``mine`` (the actor holds a live sign-up)."""
    filters = filters or {}
    errors = Errors()
    moment = timezone.now()
    volunteer = own_volunteer(actor)
    homes = rules.home_codes(actor, volunteer)
    qs = Activity.objects.filter(
        rules.volunteer_q(actor, volunteer), status=Status.PUBLISHED, ends_at__gt=moment
    )
    qs = qs.filter(Exists(Shift.objects.filter(activity=OuterRef("pk"), starts_at__gt=moment)))
    group = str(filters.get("target_group") or "")
    if group:
        if group not in TargetGroup.values:
            errors.add("target_group", _("Choose one of the options."))
        else:
            qs = qs.filter(target_group=group)
    day = clean_date(errors, "date", filters.get("date"))
    errors.raise_if_any(_("Check the filters."))
    if day is not None:
        start, end = _day_range(day)
        qs = qs.filter(
            Exists(
                Shift.objects.filter(
                    activity=OuterRef("pk"), starts_at__gte=max(start, moment), starts_at__lt=end
                )
            )
        )
    town_q = Q(pk__in=[])
    for town in sorted({code[:9] for code in homes}):
        town_q |= Q(area_code__startswith=town)
    rank = Case(
        When(area_code__in=homes, then=Value(0)),
        When(town_q, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    mine = Signup.objects.filter(
        shift__activity=OuterRef("pk"),
        volunteer_id=volunteer.pk if volunteer else None,
        status__in=rules.LIVE,
    )
    return (
        qs.select_related("area", "team", "venue")
        .annotate(
            rank=rank,
            next_start=_next_start(moment),
            mine=Exists(mine) if volunteer else Value(False),
            **_spots_left(moment),
        )
        .order_by("rank", "next_start", "pk")
    )


# --- one activity -------------------------------------------------------------------------------


@dataclass
class ActivityView:
    """One activity as the actor sees it."""

    activity: Activity
    shifts: list[Shift]
    volunteer: Volunteer | None
    manages: bool  # create, change, publish, cancel, finish, change shifts
    organises: bool  # run sign-ups and attendance (a manager, or the team's leader)
    reads: bool  # staff who read it (rosters)
    leader_name: str  # masked for those outside its community who did not sign up
    signed_up: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.activity.status == Status.PUBLISHED


def _visible(actor, volunteer, pk: int) -> bool:
    return Activity.objects.filter(rules.visible_q(actor, volunteer), pk=pk).exists()


def activity_detail(*, actor, activity_id) -> ActivityView:
    """An activity the actor may open, with its shifts: ``confirmed_n``, ``waitlisted_n``,
    ``attended_n``, ``spots_left``, and the actor's own sign-up (``mine``, ``place``)."""
    pk = row_id(activity_id)
    activity = (
        Activity.objects.select_related("area", "team", "venue", "project", "organisation")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    volunteer = own_volunteer(actor)
    if activity is None or not _visible(actor, volunteer, activity.pk):
        raise NotFound(_("There is no such activity, or it is not yours to see."))
    moment = timezone.now()
    counted = {
        f"{name}_n": Count("signups", filter=Q(signups__status=status))
        for name, status in (
            ("confirmed", SStatus.CONFIRMED),
            ("waitlisted", SStatus.WAITLISTED),
            ("attended", SStatus.ATTENDED),
            ("no_show", SStatus.NO_SHOW),
        )
    }
    shifts = list(
        Shift.objects.filter(activity_id=activity.pk)
        .annotate(**counted)
        .order_by("starts_at", "pk")
    )
    own = {}
    if volunteer is not None:
        own = {
            s.shift_id: s
            for s in _with_place(
                Signup.objects.filter(
                    shift__activity_id=activity.pk,
                    volunteer_id=volunteer.pk,
                    status__in=rules.HELD,
                )
            )
        }
    for shift in shifts:
        shift.spots_left = max(shift.spots - shift.confirmed_n - shift.attended_n, 0)
        shift.started = shift.starts_at <= moment
        shift.mine = own.get(shift.pk)
        shift.place_shown = shift.place or activity.place
    manages = rules.manages(actor, activity.area_code)
    reads = rules.reads(actor, activity.area_code)
    organises = manages or rules.leads(actor, activity)
    near = reads or organises or bool(own)
    if not near and volunteer is not None:
        near = volunteer.area_code[:12] == activity.area_code[:12]
    if not near:
        near = activity.area_code[:12] in rules.home_codes(actor, volunteer)
    return ActivityView(
        activity=activity,
        shifts=shifts,
        volunteer=volunteer,
        manages=manages,
        organises=organises,
        reads=reads,
        leader_name=activity.leader_name if near else mask_name(activity.leader_name),
        signed_up=bool(own),
    )


def _with_place(qs: QuerySet[Signup]) -> QuerySet[Signup]:
    """Sign-ups with ``place``: their place on the waiting list (None unless waitlisted)."""
    ahead = (
        Signup.objects.filter(shift_id=OuterRef("shift_id"), status=SStatus.WAITLISTED)
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("shift_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        place=Case(
            When(status=SStatus.WAITLISTED, then=Subquery(ahead, output_field=IntegerField())),
            default=None,
            output_field=IntegerField(),
        )
    )


# --- the organiser's views ----------------------------------------------------------------------


def _organiser_filters(errors: Errors, qs: QuerySet, filters: dict) -> QuerySet:
    status = str(filters.get("status") or "")
    if status:
        if status not in Status.values:
            errors.add("status", _("Choose one of the options."))
        else:
            qs = qs.filter(status=status)
    for name in ("team", "project"):
        value = filters.get(name)
        if value not in (None, ""):
            pk = row_id(value)
            if pk is None:
                errors.add(name, _("Choose one of the options."))
            else:
                qs = qs.filter(**{f"{name}_id": pk})
    area = str(filters.get("area") or "")
    if area:
        code = normal_code(area)
        if code is None:
            errors.add("area", _("An area code has 12 digits (15 for a grid)."))
        else:
            qs = qs.filter(area_code__startswith=areacodes.prefix_of(code))
    since = clean_date(errors, "date_from", filters.get("date_from"))
    until = clean_date(errors, "date_to", filters.get("date_to"))
    if since and until and until < since:
        errors.add("date_to", _("The end cannot come before the start."))
    errors.raise_if_any(_("Check the filters."))
    if since:
        qs = qs.filter(ends_at__gte=_day_range(since)[0])
    if until:
        qs = qs.filter(starts_at__lt=_day_range(until)[1])
    words = " ".join(str(filters.get("q") or "").split())[:50]
    if words:
        qs = qs.filter(title__icontains=words)
    return qs


def _signup_count(*statuses):
    rows = (
        Signup.objects.filter(shift__activity=OuterRef("pk"), status__in=statuses)
        .order_by()
        .values("shift__activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def activity_list(*, actor, filters: dict | None = None) -> QuerySet[Activity]:
    """The activities of the actor's areas (``volunteer.view``), filtered by ``status``,
    ``team``, ``project``, ``area``, ``date_from``/``date_to`` (the activity runs on those
    days) and ``q`` (in the title); soonest to come first, then the latest past."""
    qs = _organiser_filters(Errors(), Activity.objects.filter(rules.staff_q(actor)), filters or {})
    shifts = (
        Shift.objects.filter(activity=OuterRef("pk"))
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        qs.select_related("area", "team", "project")
        .annotate(
            shift_count=Coalesce(Subquery(shifts, output_field=IntegerField()), Value(0)),
            confirmed_n=_signup_count(SStatus.CONFIRMED, SStatus.ATTENDED),
            waitlisted_n=_signup_count(SStatus.WAITLISTED),
            spots_total=Coalesce(
                Subquery(
                    Shift.objects.filter(activity=OuterRef("pk"))
                    .order_by()
                    .values("activity")
                    .annotate(total=Sum("spots"))
                    .values("total"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .order_by("-starts_at", "-pk")
    )


def led_activities(*, actor) -> QuerySet[Activity]:
    """Published activities (and those finished in the last week) of the teams the actor
    leads, soonest first."""
    volunteer = own_volunteer(actor)
    teams = rules.led_team_ids(volunteer)
    if not teams:
        return Activity.objects.none()
    since = timezone.now() - rules.ATTENDANCE_LATE
    return (
        Activity.objects.filter(
            team_id__in=teams,
            status__in=(Status.PUBLISHED, Status.FINISHED),
            ends_at__gte=since,
        )
        .select_related("area", "team")
        .annotate(
            confirmed_n=_signup_count(SStatus.CONFIRMED, SStatus.ATTENDED),
            waitlisted_n=_signup_count(SStatus.WAITLISTED),
        )
        .order_by("starts_at", "pk")
    )


@dataclass
class ShiftRoster:
    shift: Shift
    confirmed: list[Signup]  # confirmed, attended and not come, in sign-up order
    waitlist: list[Signup]  # in order: the first is the next to get a spot
    cancelled: int


def activity_roster(*, actor, activity: Activity) -> list[ShiftRoster]:
    """Per shift, who is signed up and who waits (for staff who read the activity, and its
    organisers); names in full, volunteer numbers, phones masked. Two queries."""
    if not (rules.reads(actor, activity.area_code) or rules.organises(actor, activity)):
        raise NotFound(_("There is no such activity, or it is not yours to see."))
    shifts = list(Shift.objects.filter(activity_id=activity.pk).order_by("starts_at", "pk"))
    rows = (
        Signup.objects.filter(shift__activity_id=activity.pk)
        .select_related("volunteer")
        .order_by("shift_id", "created_at", "pk")
    )
    by_shift: dict[int, ShiftRoster] = {s.pk: ShiftRoster(s, [], [], 0) for s in shifts}
    for signup in rows:
        roster = by_shift[signup.shift_id]
        signup.phone_masked = mask_phone(signup.volunteer.phone)
        if signup.status == SStatus.CANCELLED:
            roster.cancelled += 1
        elif signup.status == SStatus.WAITLISTED:
            roster.waitlist.append(signup)
            signup.place = len(roster.waitlist)
        else:
            roster.confirmed.append(signup)
    return list(by_shift.values())
