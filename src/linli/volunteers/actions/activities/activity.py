"""Activities: create (with at least one shift), change while a draft, publish, cancel,
finish. Their shifts are changed in :mod:`.shifts`.

- An activity belongs to a community; its managers (``volunteer.manage`` there) do all of this.
  It is held at a place, or in a venue of the community (``facilities.Venue``; the place is
  then the venue's name unless given). It may name its team, project (the community's own, or
  one of its town or county — library projects are copied first) and organisation (by default
  the team's, else the project's).
- ``starts_at``/``ends_at`` always equal the first shift's start and the last shift's end.
- Publish needs a shift to come; the members of the activity's team are told. Cancel needs a
  reason and tells every signed-up volunteer (refused once someone attended: finish it
  instead). Finish, once the last shift has begun, closes the waiting lists and marks those
  confirmed but never checked in as not come (the attendance sheet can still correct that for
  7 days).
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core import areacodes, audit
from linli.core.areacodes import Level
from linli.core.cleaning import Errors, line, normal_code, row_id, text
from linli.core.errors import Conflict, Forbidden
from linli.core.models import Area

from ...models import (
    Activity,
    Membership,
    Organisation,
    Project,
    Shift,
    Signup,
    TargetGroup,
    Team,
    Volunteer,
)
from ...queries.activities import _common as rules
from . import _common as c
from .shifts import SHIFTS_MAX, clean_shift

Status = Activity.Status
SStatus = Signup.Status
TITLE_MAX = Activity._meta.get_field("title").max_length
DESCRIPTION_MAX = Activity._meta.get_field("description").max_length
BENEFICIARIES_MAX = Activity._meta.get_field("beneficiaries").max_length
PLACE_MAX = Activity._meta.get_field("place").max_length
LEADER_MAX = Activity._meta.get_field("leader_name").max_length
REASON_MAX = Activity._meta.get_field("cancel_reason").max_length
TELL_MAX = 500  # team members told of a new activity
FIELDS = (
    "title",
    "description",
    "target_group",
    "beneficiaries",
    "skills",
    "place",
    "venue_id",
    "leader_name",
    "team_id",
    "project_id",
    "organisation_id",
    "public",
)


def _url(activity: Activity) -> str:
    return reverse("volunteers:activity", args=[activity.pk])


# --- cleaning -----------------------------------------------------------------------------------


def _community(errors: Errors, actor, value) -> Area | None:
    code = normal_code(value)
    area = Area.objects.filter(code=code).first() if code else None
    if area is None or area.level != Level.COMMUNITY:
        errors.add("area_code", _("Choose a community or village."))
        return None
    if not rules.manages(actor, area.code):
        raise Forbidden(_("You do not manage the volunteers of this community."))
    return area


def _venue(errors: Errors, value, area_code: str):
    from linli.facilities.models import Venue

    pk = row_id(value)
    venue = Venue.objects.filter(pk=pk, area_code=area_code, active=True).first() if pk else None
    if venue is None:
        errors.add("venue_id", _("Choose an open venue of this community."))
    return venue


def _team(errors: Errors, value, area_code: str) -> Team | None:
    pk = row_id(value)
    team = Team.objects.filter(pk=pk, area_code=area_code, active=True).first() if pk else None
    if team is None:
        errors.add("team_id", _("Choose an active team of this community."))
    return team


def _project(errors: Errors, value, area_code: str) -> Project | None:
    pk = row_id(value)
    project = Project.objects.filter(pk=pk, in_library=False).first() if pk else None
    if project is None or not area_code.startswith(areacodes.prefix_of(project.area_code)):
        errors.add("project_id", _("Choose a project of this community (or of its town)."))
        return None
    if project.status == Project.Status.CLOSED:
        errors.add("project_id", _("This project is closed."))
        return None
    return project


def _organisation(errors: Errors, value, area_code: str) -> Organisation | None:
    pk = row_id(value)
    row = Organisation.objects.filter(pk=pk, active=True).first() if pk else None
    if row is None or not area_code.startswith(areacodes.prefix_of(row.area_code)):
        errors.add("organisation_id", _("Choose an active organisation of this community."))
        return None
    return row


def _related(errors: Errors, name: str, value, area_code: str):
    if value in (None, "", 0):
        return None
    finder = {
        "venue_id": _venue,
        "team_id": _team,
        "project_id": _project,
        "organisation_id": _organisation,
    }[name]
    return finder(errors, value, area_code)


def _clean(errors: Errors, area_code: str, data: dict) -> dict:
    """The given fields of an activity as model attributes (``UNSET`` ones are left out)."""
    out: dict = {}
    given = {k: v for k, v in data.items() if c.is_given(v)}
    if "title" in given:
        out["title"] = line(errors, "title", given["title"], max_length=TITLE_MAX, required=True)
    if "description" in given:
        out["description"] = text(
            errors, "description", given["description"], max_length=DESCRIPTION_MAX, required=True
        )
    if "target_group" in given:
        out["target_group"] = c.choice(
            errors, "target_group", given["target_group"], TargetGroup, default=TargetGroup.ALL
        )
    if "beneficiaries" in given:
        out["beneficiaries"] = line(
            errors,
            "beneficiaries",
            given["beneficiaries"],
            max_length=BENEFICIARIES_MAX,
            required=False,
        )
    if "skills" in given:
        out["skills"] = c.skills(errors, given["skills"])
    if "place" in given:
        out["place"] = line(errors, "place", given["place"], max_length=PLACE_MAX, required=False)
    if "leader_name" in given:
        out["leader_name"] = line(
            errors, "leader_name", given["leader_name"], max_length=LEADER_MAX, required=True
        )
    for name in ("venue_id", "team_id", "project_id", "organisation_id"):
        if name in given:
            out[name.removesuffix("_id")] = _related(errors, name, given[name], area_code)
    if "public" in given:
        out["public"] = c.flag(errors, "public", given["public"])
    return out


def _place_and_organisation(errors: Errors, activity: Activity, fields: dict) -> None:
    if not activity.place and activity.venue_id:
        activity.place = activity.venue.name[:PLACE_MAX]
    if not activity.place and not errors.has("place") and not errors.has("venue_id"):
        errors.add("place", _("Give the place, or choose a venue."))
    if "organisation" not in fields or fields["organisation"] is None:
        if activity.organisation_id is None and activity.team_id and activity.team.organisation_id:
            activity.organisation_id = activity.team.organisation_id
        elif activity.organisation_id is None and activity.project_id:
            activity.organisation_id = activity.project.organisation_id


def _shifts(errors: Errors, shifts, moment) -> list[dict]:
    if not isinstance(shifts, list | tuple) or not shifts:
        errors.add("shifts", _("Add at least one shift."))
        return []
    if len(shifts) > SHIFTS_MAX:
        errors.add("shifts", _("At most %(count)d shifts.") % {"count": SHIFTS_MAX})
        return []
    return [
        clean_shift(errors, s if isinstance(s, dict) else {}, moment=moment, prefix=f"shifts.{i}.")
        for i, s in enumerate(shifts)
    ]


# --- activities ---------------------------------------------------------------------------------


def activity_create(*, actor, area_code, shifts, **fields) -> Activity:
    """A new activity (a draft) of a community with its shifts (at least one). ``fields``:
    title, description, target_group, beneficiaries, skills, place, venue_id, leader_name,
    team_id, project_id, organisation_id, public."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    errors = Errors()
    area = _community(errors, actor, area_code)
    moment = c.current_time()
    data = {name: fields.get(name, "") for name in FIELDS}
    data["public"] = fields.get("public", True)
    cleaned = _clean(errors, area.code if area else "", data)
    planned = _shifts(errors, shifts, moment)
    activity = Activity(organiser=actor, **cleaned)
    if area is not None:
        activity.area, activity.area_code = area, area.code
    _place_and_organisation(errors, activity, cleaned)
    errors.raise_if_any(_("The activity was not saved."))
    with transaction.atomic():
        activity.created_at = moment
        activity.starts_at = min(s["starts_at"] for s in planned)
        activity.ends_at = max(s["ends_at"] for s in planned)
        activity.save()
        Shift.objects.bulk_create(
            [Shift(activity=activity, area_code=activity.area_code, **s) for s in planned]
        )
        audit.record(
            actor,
            "activity.create",
            activity,
            extra={
                "shifts": len(planned),
                "team": activity.team_id,
                "project": activity.project_id,
                "venue": activity.venue_id,
            },
        )
    return activity


def activity_update(*, actor, activity_id, **changes) -> Activity:
    """Change the given fields of a draft activity (the names of :func:`activity_create`)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    with transaction.atomic():
        activity = c.lock_activity(actor, activity_id)
        c.require_manager(actor, activity)
        if activity.status != Status.DRAFT:
            raise Conflict(
                _("Only a draft is changed; its shifts can be changed until they begin."),
                code="status",
            )
        errors = Errors()
        cleaned = _clean(errors, activity.area_code, changes)
        if "venue" in cleaned and cleaned["venue"] is not None and "place" not in cleaned:
            activity.place = ""
        for name, value in cleaned.items():
            setattr(activity, name, value)
        _place_and_organisation(errors, activity, cleaned)
        errors.raise_if_any(_("The activity was not saved."))
        activity.save()
        audit.record(actor, "activity.update", activity, extra={"fields": sorted(cleaned)})
    return activity


def activity_publish(*, actor, activity_id) -> Activity:
    """Open a draft for sign-up (it needs a shift to come). The team's members are told."""
    with transaction.atomic():
        activity = c.lock_activity(actor, activity_id)
        c.require_manager(actor, activity)
        if activity.status != Status.DRAFT:
            raise Conflict(_("Only a draft is published."), code="status")
        moment = c.current_time()
        if not Shift.objects.filter(activity_id=activity.pk, starts_at__gt=moment).exists():
            raise Conflict(
                _("Add a shift that is still to come before publishing."), code="no_shift"
            )
        activity.status = Status.PUBLISHED
        activity.published_at = moment
        activity.save(update_fields=["status", "published_at"])
        told = 0
        if activity.team_id:
            members = (
                Volunteer.objects.filter(
                    pk__in=Membership.objects.filter(
                        team_id=activity.team_id, left_on__isnull=True
                    ).values("volunteer_id"),
                    status=Volunteer.Status.ACTIVE,
                    user__isnull=False,
                )
                .select_related("user")
                .order_by("pk")[:TELL_MAX]
            )
            told = c.tell(
                members,
                kind="volunteer.activity.new",
                text=lambda: (
                    _("New activity of %(team)s: %(title)s. Sign up if you can come.")
                    % {"team": activity.team.name, "title": activity.title}
                ),
                target=activity,
                url=_url(activity),
            )
        audit.record(actor, "activity.publish", activity, extra={"told": told})
    return activity


def _lock_shifts(activity: Activity) -> list[Shift]:
    return list(Shift.objects.select_for_update().filter(activity_id=activity.pk).order_by("pk"))


def activity_cancel(*, actor, activity_id, reason) -> Activity:
    """Cancel a draft or published activity, saying why: every sign-up is cancelled and each
    volunteer told."""
    errors = Errors()
    why = line(errors, "reason", reason, max_length=REASON_MAX, required=True)
    errors.raise_if_any(_("Say why, please."))
    with transaction.atomic():
        activity = c.lock_activity(actor, activity_id)
        c.require_manager(actor, activity)
        if activity.status not in (Status.DRAFT, Status.PUBLISHED):
            raise Conflict(_("Only a draft or published activity is cancelled."), code="status")
        _lock_shifts(activity)  # sign-ups being written now finish first, then are seen
        live = Signup.objects.filter(shift__activity_id=activity.pk)
        if live.filter(status=SStatus.ATTENDED).exists():
            raise Conflict(
                _("Volunteers have attended this activity: finish it instead."), code="attended"
            )
        cancelled = list(
            live.filter(status__in=(SStatus.CONFIRMED, SStatus.WAITLISTED)).select_related(
                "volunteer__user"
            )
        )
        moment = c.current_time()
        Signup.objects.filter(pk__in=[s.pk for s in cancelled]).update(
            status=SStatus.CANCELLED, cancelled_at=moment
        )
        activity.status = Status.CANCELLED
        activity.cancel_reason = why
        activity.save(update_fields=["status", "cancel_reason"])
        c.tell(
            {s.volunteer_id: s.volunteer for s in cancelled}.values(),
            kind="volunteer.activity.cancelled",
            text=lambda: (
                _("%(title)s was cancelled: %(reason)s") % {"title": activity.title, "reason": why}
            ),
            target=activity,
            url=_url(activity),
        )
        audit.record(actor, "activity.cancel", activity, extra={"signups": len(cancelled)})
    return activity


def activity_finish(*, actor, activity_id) -> Activity:
    """Finish a published activity once its last shift has begun: the waiting lists are
    closed and confirmed volunteers never checked in are marked not come."""
    with transaction.atomic():
        activity = c.lock_activity(actor, activity_id)
        c.require_manager(actor, activity)
        if activity.status != Status.PUBLISHED:
            raise Conflict(_("Only a published activity is finished."), code="status")
        shifts = _lock_shifts(activity)
        moment = c.current_time()
        if any(s.starts_at > moment for s in shifts):
            raise Conflict(
                _("An activity is finished once its last shift has begun."), code="not_begun"
            )
        signups = Signup.objects.filter(shift__activity_id=activity.pk)
        closed = signups.filter(status=SStatus.WAITLISTED).update(
            status=SStatus.CANCELLED, cancelled_at=moment
        )
        absent = signups.filter(status=SStatus.CONFIRMED).update(status=SStatus.NO_SHOW)
        activity.status = Status.FINISHED
        activity.finished_at = moment
        activity.save(update_fields=["status", "finished_at"])
        audit.record(
            actor,
            "activity.finish",
            activity,
            extra={"waitlist_closed": closed, "no_show": absent},
        )
    activity.closed_count, activity.absent_count = closed, absent
    return activity


__all__ = [
    "activity_cancel",
    "activity_create",
    "activity_finish",
    "activity_publish",
    "activity_update",
]
