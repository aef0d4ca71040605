"""Volunteer activities at /api/v1/volunteers/: projects and the project library (copy),
activities with their shifts (create, change, publish, cancel, finish), sign-ups (yourself,
or an organiser for someone; idempotent on ``client_key``), check-in by the QR code's token,
the attendance sheet, walk-ins, and your own activities.

Each operation parses, calls one action or query of :mod:`linli.volunteers`, and shapes the
answer. Errors are problem+json: 400 with per-field ``errors``, 403 when the step is not
yours, 404 when the row is not visible, 409 when it is not possible now (a shift full is not
an error: the sign-up is waitlisted and says its ``place``).
"""

from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.errors import NotFound
from linli.core.pagination import Page
from linli.core.pii import mask_phone
from linli.core.schemas import MAX_ID

from ..actions import activities as actions
from ..models import Activity, Project, Shift, Signup, TargetGroup
from ..queries import activities as q
from ..schemas.activities import (
    ActivityFilters,
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    ActivityRowOut,
    AttendanceIn,
    CancelIn,
    CheckinIn,
    CopyIn,
    LibraryFilters,
    MyFilters,
    ProjectFilters,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    PublicActivityOut,
    PublicFilters,
    RosterOut,
    RosterRowOut,
    ShiftIn,
    ShiftOut,
    ShiftPatch,
    SignupIn,
    SignupOut,
    WalkInIn,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
GROUPS = dict(TargetGroup.choices)


class _Shaped:
    """A queryset whose sliced page is shaped row by row (one query a page)."""

    def __init__(self, qs, shape):
        self.qs, self.shape = qs, shape

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [self.shape(row) for row in self.qs[index]]


def _given(payload) -> dict:
    return payload.dict(exclude_unset=True)


# --- projects -----------------------------------------------------------------------------------


def _project(p: Project) -> dict:
    return {
        "id": p.pk,
        "area_code": p.area_code,
        "area_name": p.area.name,
        "name": p.name,
        "summary": p.summary,
        "target_groups": list(p.target_groups),
        "skills": list(p.skills),
        "organisation_id": p.organisation_id,
        "organisation_name": p.organisation.name if p.organisation else "",
        "team_id": p.team_id,
        "team_name": p.team.name if p.team else "",
        "in_library": p.in_library,
        "copied_from_id": p.copied_from_id,
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "activity_count": getattr(p, "activity_count", 0),
        "copy_count": getattr(p, "copy_count", 0),
        "copied_here": getattr(p, "copied_here", None),
    }


def _one_project(actor, project_id: int) -> dict:
    return _project(q.project_get(actor=actor, project_id=project_id))


def _filters(filters) -> dict:
    return {k: v for k, v in filters.dict().items() if v not in (None, "")}


@router.get("projects", response=list[ProjectOut], summary="Projects of your areas")
@paginate(Page)
def project_list(request, filters: Query[ProjectFilters]):
    """For staff who read volunteers (``volunteer.view``), by area and name."""
    return _Shaped(q.project_list(actor=request.user, filters=_filters(filters)), _project)


@router.get("projects/library", response=list[ProjectOut], summary="The project library")
@paginate(Page)
def project_library(request, filters: Query[LibraryFilters]):
    """Open library projects of the county and town above your areas (and your own library
    projects); ``copied_here`` names your live copy."""
    return _Shaped(q.library_list(actor=request.user, filters=_filters(filters)), _project)


@router.post("projects", response={201: ProjectOut}, summary="Create a project (a draft)")
def project_create(request, payload: ProjectIn):
    made = actions.project_create(actor=request.user, **payload.dict())
    return Status(201, _one_project(request.user, made.pk))


@router.get("projects/{project_id}", response=ProjectOut, summary="One project")
def project_detail(request, project_id: RowId):
    return _one_project(request.user, project_id)


@router.patch("projects/{project_id}", response=ProjectOut, summary="Change a project")
def project_update(request, payload: ProjectPatch, project_id: RowId):
    """Only the members sent are changed; a closed project is not."""
    actions.project_update(actor=request.user, project_id=project_id, **_given(payload))
    return _one_project(request.user, project_id)


@router.post("projects/{project_id}/open", response=ProjectOut, summary="Start a project")
def project_open(request, project_id: RowId):
    """A draft starts; a library project is then offered to the communities below."""
    actions.project_open(actor=request.user, project_id=project_id)
    return _one_project(request.user, project_id)


@router.post("projects/{project_id}/close", response=ProjectOut, summary="Close a project")
def project_close(request, project_id: RowId):
    actions.project_close(actor=request.user, project_id=project_id)
    return _one_project(request.user, project_id)


@router.post(
    "projects/{project_id}/copy",
    response={201: ProjectOut},
    summary="Copy a library project into a community",
)
def project_copy(request, payload: CopyIn, project_id: RowId):
    """A draft copy in ``area_code``; 409 ``copied`` when that area has a live copy."""
    made = actions.project_copy(
        actor=request.user, project_id=project_id, area_code=payload.area_code
    )
    return Status(201, _one_project(request.user, made.pk))


# --- activities ---------------------------------------------------------------------------------


def _shift(shift, activity: Activity) -> dict:
    mine = shift.mine
    return {
        "id": shift.pk,
        "activity_id": activity.pk,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "place": shift.place_shown,
        "role": shift.role,
        "spots": shift.spots,
        "confirmed": shift.confirmed_n,
        "waitlisted": shift.waitlisted_n,
        "attended": shift.attended_n,
        "no_show": shift.no_show_n,
        "spots_left": shift.spots_left,
        "mine": {"id": mine.pk, "status": mine.status, "place": mine.place} if mine else None,
    }


def _activity(actor, activity_id: int) -> dict:
    view = q.activity_detail(actor=actor, activity_id=activity_id)
    a = view.activity
    roles = [
        name
        for name, held in (
            ("manage", view.manages),
            ("organise", view.organises),
            ("read", view.reads),
        )
        if held
    ]
    return {
        "id": a.pk,
        "area_code": a.area_code,
        "area_name": a.area.name,
        "title": a.title,
        "description": a.description,
        "target_group": a.target_group,
        "target_group_label": str(a.get_target_group_display()),
        "beneficiaries": a.beneficiaries,
        "skills": list(a.skills),
        "place": a.place,
        "venue_id": a.venue_id,
        "leader_name": view.leader_name,
        "team_id": a.team_id,
        "team_name": a.team.name if a.team else "",
        "project_id": a.project_id,
        "project_name": a.project.name if a.project else "",
        "organisation_id": a.organisation_id,
        "public": a.public,
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "published_at": a.published_at,
        "finished_at": a.finished_at,
        "cancel_reason": a.cancel_reason,
        "shifts": [_shift(s, a) for s in view.shifts],
        "roles": roles,
    }


def _row(a: Activity) -> dict:
    return {
        "id": a.pk,
        "area_code": a.area_code,
        "area_name": a.area.name,
        "title": a.title,
        "target_group": a.target_group,
        "place": a.place,
        "team_id": a.team_id,
        "team_name": a.team.name if a.team else "",
        "project_id": a.project_id,
        "status": a.status,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "shift_count": a.shift_count,
        "confirmed": a.confirmed_n,
        "waitlisted": a.waitlisted_n,
        "spots_total": a.spots_total,
    }


def _public(a: Activity) -> dict:
    return {
        "id": a.pk,
        "title": a.title,
        "target_group": a.target_group,
        "target_group_label": str(GROUPS.get(a.target_group, "")),
        "place": a.place,
        "area_code": a.area_code,
        "area_name": a.area.name,
        "team_name": a.team.name if a.team else "",
        "next_start": a.next_start,
        "spots_total": a.spots_total,
        "spots_left": a.spots_left,
        "mine": bool(a.mine),
    }


@router.get(
    "activities/public", response=list[PublicActivityOut], summary="Activities to sign up for"
)
@paginate(Page)
def activity_public(request, filters: Query[PublicFilters]):
    """Published activities with a shift to come: your community's, your teams', and the public
    ones of your county — your community first, then your town. ``date``: a shift starts that
    day."""
    wanted = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in _filters(filters).items()
    }
    return _Shaped(q.public_list(actor=request.user, filters=wanted), _public)


@router.get("activities", response=list[ActivityRowOut], summary="Activities of your areas")
@paginate(Page)
def activity_list(request, filters: Query[ActivityFilters]):
    """For staff who read volunteers: filtered by status, team, project, area, the days it runs
    and words of its title; latest first."""
    return _Shaped(q.activity_list(actor=request.user, filters=_filters(filters)), _row)


@router.post("activities", response={201: ActivityOut}, summary="Create an activity (a draft)")
def activity_create(request, payload: ActivityIn):
    """With at least one shift; ``starts_at``/``ends_at`` follow the shifts."""
    data = payload.dict()
    made = actions.activity_create(actor=request.user, **data)
    return Status(201, _activity(request.user, made.pk))


@router.get("activities/{activity_id}", response=ActivityOut, summary="One activity")
def activity_detail(request, activity_id: RowId):
    """With its shifts, their counts and spots left, and your own sign-up on each."""
    return _activity(request.user, activity_id)


@router.patch("activities/{activity_id}", response=ActivityOut, summary="Change a draft")
def activity_update(request, payload: ActivityPatch, activity_id: RowId):
    actions.activity_update(actor=request.user, activity_id=activity_id, **_given(payload))
    return _activity(request.user, activity_id)


@router.post("activities/{activity_id}/publish", response=ActivityOut, summary="Open for sign-up")
def activity_publish(request, activity_id: RowId):
    """Needs a shift to come; the members of its team are told."""
    actions.activity_publish(actor=request.user, activity_id=activity_id)
    return _activity(request.user, activity_id)


@router.post("activities/{activity_id}/cancel", response=ActivityOut, summary="Cancel")
def activity_cancel(request, payload: CancelIn, activity_id: RowId):
    """Every sign-up is cancelled and its volunteer told the reason."""
    actions.activity_cancel(actor=request.user, activity_id=activity_id, reason=payload.reason)
    return _activity(request.user, activity_id)


@router.post("activities/{activity_id}/finish", response=ActivityOut, summary="Finish")
def activity_finish(request, activity_id: RowId):
    """Once the last shift has begun: waiting lists closed, the confirmed never checked in
    marked not come (correctable on the attendance sheet for 7 days)."""
    actions.activity_finish(actor=request.user, activity_id=activity_id)
    return _activity(request.user, activity_id)


def _one_shift(actor, activity_id: int, shift_id: int) -> dict:
    view = q.activity_detail(actor=actor, activity_id=activity_id)
    shift = next(s for s in view.shifts if s.pk == shift_id)
    return _shift(shift, view.activity)


@router.post("activities/{activity_id}/shifts", response={201: ShiftOut}, summary="Add a shift")
def shift_add(request, payload: ShiftIn, activity_id: RowId):
    shift = actions.shift_add(actor=request.user, activity_id=activity_id, **payload.dict())
    return Status(201, _one_shift(request.user, activity_id, shift.pk))


@router.patch("shifts/{shift_id}", response=ShiftOut, summary="Change a shift")
def shift_update(request, payload: ShiftPatch, shift_id: RowId):
    """Before it begins. Fewer spots than confirmed volunteers moves the last confirmed to the
    waiting list; more spots confirm the first waiting; everyone concerned is told."""
    shift = actions.shift_update(actor=request.user, shift_id=shift_id, **_given(payload))
    return _one_shift(request.user, shift.activity_id, shift.pk)


@router.delete("shifts/{shift_id}", response={204: None}, summary="Remove a shift")
def shift_remove(request, shift_id: RowId):
    """Refused (409 ``signed_up``) while volunteers are signed up; an activity keeps one."""
    actions.shift_remove(actor=request.user, shift_id=shift_id)
    return Status(204, None)


def _roster_row(signup: Signup) -> dict:
    return {
        "id": signup.pk,
        "volunteer_id": signup.volunteer_id,
        "volunteer_name": signup.volunteer.name,
        "volunteer_number": signup.volunteer.number,
        "phone_masked": getattr(signup, "phone_masked", None) or mask_phone(signup.volunteer.phone),
        "status": signup.status,
        "place": getattr(signup, "place", None),
        "walk_in": signup.walk_in,
        "checked_in_at": signup.checked_in_at,
        "checked_out_at": signup.checked_out_at,
    }


@router.get("shifts/{shift_id}/roster", response=RosterOut, summary="Who is coming")
def shift_roster(request, shift_id: RowId):
    """For staff who read the activity and its organisers: the list and the waiting list, in
    order, phones masked."""
    activity_id = Shift.objects.filter(pk=shift_id).values_list("activity_id", flat=True).first()
    if activity_id is None:
        raise NotFound(_("There is no such shift, or it is not yours to see."))
    view = q.activity_detail(actor=request.user, activity_id=activity_id)
    rosters = q.activity_roster(actor=request.user, activity=view.activity)
    roster = next(r for r in rosters if r.shift.pk == shift_id)
    return {
        "shift_id": shift_id,
        "confirmed": [_roster_row(s) for s in roster.confirmed],
        "waitlist": [_roster_row(s) for s in roster.waitlist],
        "cancelled": roster.cancelled,
    }


# --- sign-ups -----------------------------------------------------------------------------------


def _signup(signup: Signup) -> dict:
    shift = signup.shift
    return {
        "id": signup.pk,
        "shift_id": shift.pk,
        "activity_id": shift.activity_id,
        "activity_title": shift.activity.title,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "status": signup.status,
        "status_label": str(signup.get_status_display()),
        "place": getattr(signup, "place", None),
        "walk_in": signup.walk_in,
        "checked_in_at": signup.checked_in_at,
        "checked_out_at": signup.checked_out_at,
        "created_at": signup.created_at,
        "cancelled_at": signup.cancelled_at,
    }


@router.post(
    "shifts/{shift_id}/signups",
    response={200: SignupOut, 201: SignupOut},
    summary="Sign up for a shift (idempotent on client_key)",
)
def signup_create(request, payload: SignupIn, shift_id: RowId):
    """201 when signed up: ``confirmed`` while spots are free, else ``waitlisted`` with its
    ``place``; 200 with the same sign-up when ``client_key`` is sent again. Organisers may
    give ``volunteer_id``. 409 ``already``, ``overlap``, ``begun``, ``not_open``, ``inactive``."""
    signup = actions.signup_create(
        actor=request.user,
        shift_id=shift_id,
        client_key=payload.client_key,
        volunteer_id=payload.volunteer_id,
    )
    fresh = getattr(signup, "written_now", False)
    return Status(201 if fresh else 200, _signup(signup))


@router.delete("signups/{signup_id}", response=SignupOut, summary="Cancel a sign-up")
def signup_cancel(request, signup_id: RowId):
    """By the volunteer, or an organiser (the volunteer is told), before the shift begins; a
    confirmed spot goes to the first waiting."""
    signup = actions.signup_cancel(actor=request.user, signup_id=signup_id)
    return _signup(signup)


@router.post("checkin/{token}", response=SignupOut, summary="Check in or out by QR code")
def checkin(request, payload: CheckinIn, token: Annotated[str, Path(max_length=64)]):
    """``token`` is the secret in the shift's QR code. ``in``: from 60 minutes before the
    start to the end — your sign-up (or, with a spot free, a walk-in one) becomes attended;
    ``out``: after checking in."""
    act = actions.checkout_by_token if payload.step == "out" else actions.checkin_by_token
    signup = act(actor=request.user, token=token)
    signup = Signup.objects.select_related("shift__activity").get(pk=signup.pk)
    return _signup(signup)


@router.post(
    "shifts/{shift_id}/attendance",
    response=list[RosterRowOut],
    summary="Mark attendance in bulk",
)
def attendance_mark(request, payload: AttendanceIn, shift_id: RowId):
    """Organisers: each mark ``attended`` or ``no_show``; all or nothing. Answers the
    sign-ups changed."""
    changed = actions.attendance_mark(
        actor=request.user, shift_id=shift_id, marks=[m.dict() for m in payload.marks]
    )
    rows = Signup.objects.filter(pk__in=[s.pk for s in changed]).select_related("volunteer")
    return [_roster_row(s) for s in rows.order_by("created_at", "pk")]


@router.post("shifts/{shift_id}/walk-ins", response={201: RosterRowOut}, summary="Add a walk-in")
def walkin_add(request, payload: WalkInIn, shift_id: RowId):
    """Organisers: a volunteer who came, by volunteer number or mobile phone (found among the
    volunteers you read or the team's members), marked attended."""
    signup = actions.walkin_add(
        actor=request.user, shift_id=shift_id, number=payload.number, phone=payload.phone
    )
    return Status(201, _roster_row(signup))


@router.get("me/activities", response=list[SignupOut], summary="Your own sign-ups")
@paginate(Page)
def my_activities(request, filters: Query[MyFilters]):
    """``upcoming``: live and not over, soonest first, with your place on a waiting list;
    ``past``: the others, latest first."""
    return _Shaped(q.my_signups(actor=request.user, when=filters.when), _signup)
