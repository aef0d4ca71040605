"""Who may see and run what among projects, activities, shifts and sign-ups (the rules the
actions and the pages of the activities family share).

Who organises an activity:

- **staff** holding ``volunteer.manage`` over the activity's community create, change, publish,
  cancel and finish it, change its shifts, and run its sign-ups and attendance;
- the **team leader**: a resident whose own active volunteer record leads ``Activity.team``
  (``Team.leader``) runs the sign-ups and attendance of that team's activities — signs team
  members up or off, shows the check-in QR code, keeps the attendance sheet and adds walk-ins —
  but does not create, change, publish, cancel or finish them;
- ``volunteer.view`` over the community reads the activity, its rosters and waitlists (phone
  numbers masked).

Who sees an activity as a volunteer: the published activities of their own community, the
public ones (``public=True``) of their county, and those of the teams they belong to; and any
activity they signed up for.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from linli.core import scoping
from linli.core.roles import Cap, Role

from ...models import Activity, Membership, Signup, Team, Volunteer

Status = Signup.Status
LIVE = tuple(Signup.LIVE)  # confirmed, waitlisted, attended
TAKEN = (Status.CONFIRMED, Status.ATTENDED)  # those that hold a spot
HELD = (*LIVE, Status.NO_SHOW)  # the statuses of the unique constraint vol_signup_one_live
CHECKIN_EARLY = dt.timedelta(minutes=60)  # the QR check-in opens this long before the start
ATTENDANCE_LATE = dt.timedelta(days=7)  # the sheet is kept until this long after the end

__all__ = [
    "ATTENDANCE_LATE",
    "CHECKIN_EARLY",
    "HELD",
    "LIVE",
    "TAKEN",
    "home_codes",
    "led_team_ids",
    "leads",
    "manages",
    "member_team_ids",
    "organises",
    "reads",
    "signed_in",
    "staff_q",
    "visible_q",
    "volunteer_q",
]


def signed_in(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def home_codes(actor, volunteer: Volunteer | None = None) -> list[str]:
    """The communities where the actor lives: their volunteer record's community, their
    resident roles and the home community of their account."""
    if not signed_in(actor):
        return []
    codes = set()
    if volunteer is not None:
        codes.add(volunteer.area_code[:12])
    for role, prefix in scoping.grants(actor):
        if role == Role.RESIDENT and len(prefix) >= 12:
            codes.add(prefix[:12])
    home = getattr(actor, "home_area_id", None) or ""
    if len(home) >= 12 and home[9:12] != "000":
        codes.add(home[:12])
    return sorted(codes)


def member_team_ids(volunteer: Volunteer | None) -> list[int]:
    if volunteer is None:
        return []
    return list(
        Membership.objects.filter(volunteer_id=volunteer.pk, left_on__isnull=True).values_list(
            "team_id", flat=True
        )
    )


def led_team_ids(volunteer: Volunteer | None) -> list[int]:
    """Teams the volunteer leads (only while their record is active)."""
    if volunteer is None or volunteer.status != Volunteer.Status.ACTIVE:
        return []
    return list(Team.objects.filter(leader_id=volunteer.pk).values_list("pk", flat=True))


def manages(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE, area_code)


def reads(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.VOLUNTEER_VIEW, area_code)


def leads(actor, activity: Activity) -> bool:
    """Does the actor lead the team of ``activity`` (one query)?"""
    if not activity.team_id or not signed_in(actor):
        return False
    return Team.objects.filter(
        pk=activity.team_id,
        leader__user_id=actor.pk,
        leader__status=Volunteer.Status.ACTIVE,
    ).exists()


def organises(actor, activity: Activity) -> bool:
    """May the actor run the sign-ups and attendance of ``activity``?"""
    return manages(actor, activity.area_code) or leads(actor, activity)


def staff_q(actor) -> Q:
    """Activities (or shifts, sign-ups) of the areas where the actor reads volunteers."""
    return scoping.prefix_q(scoping.prefixes(actor, Cap.VOLUNTEER_VIEW))


def volunteer_q(actor, volunteer: Volunteer | None, *, prefix: str = "") -> Q:
    """Activities a volunteer (or a resident who is not one yet) may see and sign up for:
    published ones of their community, public ones of their county, their teams'."""
    homes = home_codes(actor, volunteer)
    field = f"{prefix}area_code"
    wanted = Q(**{f"{field}__in": homes}) if homes else Q(pk__in=[])
    counties = sorted({code[:6] for code in homes})
    if counties:
        wanted |= Q(**{f"{prefix}public": True}) & scoping.prefix_q(counties, field)
    teams = member_team_ids(volunteer)
    if teams:
        wanted |= Q(**{f"{prefix}team_id__in": teams})
    return wanted


def visible_q(actor, volunteer: Volunteer | None) -> Q:
    """Every activity the actor may open: as staff, as the leader of its team, as a volunteer
    who may sign up (published, finished or cancelled ones), or because they signed up."""
    wanted = staff_q(actor)
    led = led_team_ids(volunteer)
    if led:
        wanted |= Q(team_id__in=led)
    shown = (Activity.Status.PUBLISHED, Activity.Status.FINISHED, Activity.Status.CANCELLED)
    wanted |= Q(status__in=shown) & volunteer_q(actor, volunteer)
    if volunteer is not None:
        mine = Signup.objects.filter(volunteer_id=volunteer.pk).values("shift__activity_id")
        wanted |= Q(pk__in=mine)
    return wanted


def now() -> dt.datetime:
    return timezone.now()
