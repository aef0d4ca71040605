"""The volunteers API, people: volunteers (for staff: list, register on someone's behalf, read,
correct, status, withdrawal, reveal; the overview), the signed-in volunteer's own record
(``me``: read, register, change, status, withdrawal, a phone code), organisations, teams and
their members, and joining or leaving a team oneself.

Each operation parses, calls one action or query of :mod:`linli.volunteers`, and shapes the
answer. Errors are problem+json: 400 with per-field ``errors``, 403 when the step is not
yours, 404 when the row is not visible, 409 when it is not possible now (a person registered
twice, a member added twice), 429 when codes are asked for too often.
"""

from typing import Annotated

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.pagination import Page
from linli.core.pii import mask_id_number, mask_phone

from ..actions import people as actions
from ..actions.people import phone as verify
from ..models import Membership, Organisation, Team, Volunteer
from ..queries import people as q
from ..queries._common import next_star
from ..schemas.people import (
    MAX_ID,
    CodeIn,
    CodeOut,
    JoinIn,
    MemberIn,
    MemberOut,
    MemberRoleIn,
    MeOut,
    MePatchIn,
    MyVolunteerOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatchIn,
    OrganisationQuery,
    OverviewOut,
    OwnStatusIn,
    RegisterIn,
    RevealIn,
    RevealOut,
    StatusIn,
    TeamIn,
    TeamOut,
    TeamPatchIn,
    TeamQuery,
    VolunteerDetailOut,
    VolunteerOut,
    VolunteerPatchIn,
    VolunteerQuery,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _given(payload) -> dict:
    return payload.dict(exclude_unset=True)


# --- shaping ---------------------------------------------------------------------------------


def _volunteer(v: Volunteer) -> dict:
    return {
        "id": v.pk,
        "number": v.number,
        "name": v.name,
        "area_code": v.area_code,
        "area_name": v.area.name,
        "status": v.status,
        "status_label": str(Volunteer.Status(v.status).label),
        "star": v.star,
        "hours_total": float(v.hours_total),
        "points_balance": v.points_balance,
        "party_member": v.party_member,
        "skills": list(v.skills or []),
        "languages": list(v.languages or []),
        "availability": list(v.availability or []),
        "service_areas": list(v.service_areas or []),
        "organisation_id": v.organisation_id,
        "organisation_name": v.organisation.name if v.organisation_id else "",
        "id_number_masked": mask_id_number(v.id_number),
        "phone_masked": mask_phone(v.phone),
        "phone_verified": bool(v.phone and v.phone_verified_at),
        "account_linked": v.user_id is not None,
        "source": v.source,
        "consent_at": v.consent_at,
        "consent_version": v.consent_version,
        "created_at": v.created_at,
    }


def _membership(m: Membership) -> dict:
    return {
        "team_id": m.team_id,
        "team_name": m.team.name,
        "area_code": m.area_code,
        "role": m.role,
        "role_label": str(m.get_role_display()),
        "joined_on": m.joined_on,
    }


def _detail(v: Volunteer, memberships=None) -> dict:
    sex, age = q.identity(v)
    level, missing = next_star(v.hours_total)
    memberships = q.volunteer_teams(v) if memberships is None else memberships
    return {
        **_volunteer(v),
        "sex": sex,
        "age": age,
        "next_star": level,
        "hours_to_next_star": float(missing) if missing is not None else None,
        "teams": [_membership(m) for m in memberships],
        "recent_records": [
            {
                "id": r.pk,
                "served_on": r.served_on,
                "activity_name": r.activity_name,
                "organisation_name": r.organisation.name if r.organisation_id else "",
                "kind": r.kind,
                "hours": float(r.hours),
            }
            for r in q.volunteer_records(v)
        ],
    }


def _staff_detail(actor, volunteer_id: int) -> dict:
    return _detail(q.volunteer_get(actor=actor, volunteer_id=volunteer_id))


def _mine(actor) -> dict | None:
    profile = q.my_profile(actor=actor)
    if profile is None:
        return None
    return {
        **_detail(profile.volunteer, profile.memberships),
        "progress": profile.progress,
        "joinable_teams": [
            {
                "id": t.pk,
                "name": t.name,
                "area_code": t.area_code,
                "area_name": t.area.name,
                "party_led": t.party_led,
            }
            for t in profile.joinable
        ],
    }


class _Volunteers:
    """A queryset whose sliced page is shaped with masked numbers (one query a page)."""

    def __init__(self, qs):
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [_volunteer(v) for v in self.qs[index]]


def _team(t: Team) -> dict:
    return {
        "id": t.pk,
        "name": t.name,
        "area_code": t.area_code,
        "area_name": t.area.name,
        "organisation_id": t.organisation_id,
        "organisation_name": t.organisation.name if t.organisation_id else "",
        "leader_id": t.leader_id,
        "leader_name": t.leader.name if t.leader_id else "",
        "party_led": t.party_led,
        "skills": list(t.skills or []),
        "target_groups": list(t.target_groups or []),
        "description": t.description,
        "active": t.active,
        "members": t.members,
        "created_at": t.created_at,
    }


class _Shaped:
    def __init__(self, qs, shape):
        self.qs, self.shape = qs, shape

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [self.shape(row) for row in self.qs[index]]


def _organisation(o: Organisation) -> dict:
    return {
        "id": o.pk,
        "name": o.name,
        "kind": o.kind,
        "kind_label": str(o.get_kind_display()),
        "area_code": o.area_code,
        "area_name": o.area.name,
        "credit_code": o.credit_code,
        "contact_name": o.contact_name,
        "contact_phone_masked": mask_phone(o.contact_phone),
        "active": o.active,
        "team_count": o.team_count,
        "volunteer_count": o.volunteer_count,
        "created_at": o.created_at,
    }


def _member(m: Membership) -> dict:
    return {
        "team_id": m.team_id,
        "volunteer_id": m.volunteer_id,
        "volunteer_name": m.volunteer.name,
        "volunteer_number": m.volunteer.number,
        "phone_masked": mask_phone(m.volunteer.phone),
        "role": m.role,
        "role_label": str(m.get_role_display()),
        "joined_on": m.joined_on,
        "left_on": m.left_on,
    }


def _row(row) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "current": row.current,
        "active": row.active,
        "paused": row.paused,
        "left": row.left,
        "party": row.party,
        "this_year": row.this_year,
        "by_star": list(row.by_star),
        "teams": row.teams,
        "party_led": row.party_led,
    }


# --- the volunteer's own record ----------------------------------------------------------------


@router.get("me", response=MeOut, summary="Your own volunteer record")
def volunteer_me(request):
    """``registered`` false: ``volunteer`` is null and ``consent`` is the text to agree to
    when registering with POST me."""
    actor = request.user
    return {
        "registered": q.my_profile(actor=actor) is not None,
        "account_phone_verified": verify.account_phone_verified(actor),
        "volunteer": _mine(actor),
        "consent": {
            "version": actions.CONSENT_VERSION,
            "title": str(actions.CONSENT_TITLE),
            "points": [{"heading": str(h), "text": str(t)} for h, t in actions.CONSENT_POINTS],
        },
    }


@router.post("me/code", response={202: CodeOut}, summary="Text a code to verify a phone")
def volunteer_me_code(request, payload: CodeIn):
    """A 6-digit code for POST me (or PATCH me with a new number); one a minute, ten a day."""
    actions.volunteer_code_send(actor=request.user, phone=payload.phone)
    return Status(
        202, {"detail": _("A code is on its way."), "ttl_seconds": settings.OTP_TTL_SECONDS}
    )


@router.post("me", response={201: MyVolunteerOut}, summary="Register as a volunteer")
def volunteer_me_join(request, payload: JoinIn):
    """In your home community, agreeing to the consent text (``consent``: true). The phone is
    your account's verified number, or comes with a ``code`` from POST me/code. 409
    ``registered`` when this person or account is already a volunteer."""
    actions.volunteer_join(actor=request.user, **payload.dict())
    return Status(201, _mine(request.user))


@router.patch("me", response=MyVolunteerOut, summary="Change your preferences or phone")
def volunteer_me_update(request, payload: MePatchIn):
    """Members not sent stay as they are; a new ``phone`` comes with its ``code``."""
    actions.volunteer_update_own(actor=request.user, **_given(payload))
    return _mine(request.user)


@router.post("me/status", response=MyVolunteerOut, summary="Pause, leave or come back")
def volunteer_me_status(request, payload: OwnStatusIn):
    """Leaving ends your team memberships; coming back after leaving needs ``consent``."""
    actions.volunteer_set_own_status(
        actor=request.user, status=payload.status, consent=payload.consent
    )
    return _mine(request.user)


@router.post("me/withdraw", response=MyVolunteerOut, summary="Withdraw your consent")
def volunteer_me_withdraw(request):
    """You leave; your phone number and preferences are erased; your name, ID number and
    service records are kept as the national rules on service records require."""
    actions.volunteer_withdraw(actor=request.user)
    return _mine(request.user)


@router.post("teams/{team_id}/join", response={201: MemberOut}, summary="Join a team")
def team_join(request, team_id: RowId):
    """An active team of the areas you serve (your community, and your town if you chose)."""
    membership = actions.team_join(actor=request.user, team_id=team_id)
    return Status(201, _member(membership))


@router.post("teams/{team_id}/leave", response=MemberOut, summary="Leave a team")
def team_leave(request, team_id: RowId):
    return _member(actions.team_leave(actor=request.user, team_id=team_id))


# --- volunteers (staff) -------------------------------------------------------------------------


@router.get("volunteers", response=list[VolunteerOut], summary="Volunteers of your areas")
@paginate(Page)
def volunteer_list(request, filters: Query[VolunteerQuery]):
    """For those who hold ``volunteer.view``; by community, then name. ID numbers and phones
    masked."""
    return _Volunteers(
        q.volunteer_list(actor=request.user, filters=q.VolunteerFilters(**filters.dict()))
    )


@router.post("volunteers", response={201: VolunteerDetailOut}, summary="Register a volunteer")
def volunteer_register(request, payload: RegisterIn):
    """On someone's behalf, at the window: they signed the paper consent form (``consent``).
    Needs ``volunteer.manage`` over the community."""
    volunteer = actions.volunteer_register(actor=request.user, **payload.dict())
    return Status(201, _staff_detail(request.user, volunteer.pk))


@router.get("volunteers/{volunteer_id}", response=VolunteerDetailOut, summary="One volunteer")
def volunteer_detail(request, volunteer_id: RowId):
    """With their teams, totals and latest service records."""
    return _staff_detail(request.user, volunteer_id)


@router.patch(
    "volunteers/{volunteer_id}", response=VolunteerDetailOut, summary="Correct a volunteer"
)
def volunteer_update(request, payload: VolunteerPatchIn, volunteer_id: RowId):
    """Members not sent stay as they are."""
    actions.volunteer_update(actor=request.user, volunteer_id=volunteer_id, **_given(payload))
    return _staff_detail(request.user, volunteer_id)


@router.post(
    "volunteers/{volunteer_id}/status", response=VolunteerDetailOut, summary="Record a status"
)
def volunteer_status(request, payload: StatusIn, volunteer_id: RowId):
    """Paused, left (their team memberships end) or active again (after leaving, with the
    paper consent form signed again: ``consent``)."""
    actions.volunteer_set_status(
        actor=request.user,
        volunteer_id=volunteer_id,
        status=payload.status,
        consent=payload.consent,
    )
    return _staff_detail(request.user, volunteer_id)


@router.post(
    "volunteers/{volunteer_id}/withdraw",
    response=VolunteerDetailOut,
    summary="Record a withdrawal of consent",
)
def volunteer_withdraw(request, volunteer_id: RowId):
    """At the person's written request: they leave; phone and preferences are erased."""
    actions.volunteer_withdraw(actor=request.user, volunteer_id=volunteer_id)
    return _staff_detail(request.user, volunteer_id)


@router.post(
    "volunteers/{volunteer_id}/reveal", response=RevealOut, summary="Show a number in full"
)
def volunteer_reveal(request, payload: RevealIn, volunteer_id: RowId):
    """Needs ``pii.reveal`` over the volunteer's community; recorded in the audit log."""
    value = actions.volunteer_reveal(
        actor=request.user, volunteer_id=volunteer_id, field=payload.field
    )
    return {"field": payload.field, "value": value}


@router.get("overview", response=OverviewOut, summary="Volunteers and teams of an area")
def volunteer_overview(request, area: Annotated[str, Query(max_length=15)] = ""):
    """By star level and status, teams and the party-led share, registered this year; for
    ``area`` (your own area when not given) and each area below it."""
    figures = q.overview(actor=request.user, area_code=area)
    return {
        "area_code": figures.area.code,
        "area_name": figures.area.name,
        "year": figures.year,
        "total": _row(figures.total),
        "rows": [_row(row) for row in figures.rows],
    }


# --- organisations ------------------------------------------------------------------------------


@router.get("organisations", response=list[OrganisationOut], summary="Volunteer organisations")
@paginate(Page)
def organisation_list(request, filters: Query[OrganisationQuery]):
    """Of your areas, with their active teams and current volunteers counted."""
    qs = q.organisation_list(actor=request.user, filters=q.OrganisationFilters(**filters.dict()))
    return _Shaped(qs, _organisation)


@router.post("organisations", response={201: OrganisationOut}, summary="Record an organisation")
def organisation_create(request, payload: OrganisationIn):
    """A station in a community (one active each); an association or social organisation in
    a town or county; a unit's group anywhere of these. The credit code, when given, is
    checked."""
    org = actions.organisation_create(actor=request.user, **payload.dict())
    return Status(
        201, _organisation(q.organisation_get(actor=request.user, organisation_id=org.pk))
    )


@router.get("organisations/{organisation_id}", response=OrganisationOut, summary="One organisation")
def organisation_detail(request, organisation_id: RowId):
    return _organisation(q.organisation_get(actor=request.user, organisation_id=organisation_id))


@router.patch(
    "organisations/{organisation_id}",
    response=OrganisationOut,
    summary="Correct, deactivate or reactivate an organisation",
)
def organisation_update(request, payload: OrganisationPatchIn, organisation_id: RowId):
    """Members not sent stay as they are; ``active`` false deactivates it."""
    actions.organisation_update(
        actor=request.user, organisation_id=organisation_id, **_given(payload)
    )
    return _organisation(q.organisation_get(actor=request.user, organisation_id=organisation_id))


# --- teams --------------------------------------------------------------------------------------


@router.get("teams", response=list[TeamOut], summary="Volunteer teams")
@paginate(Page)
def team_list(request, filters: Query[TeamQuery]):
    """Of your areas, with their members counted."""
    return _Shaped(q.team_list(actor=request.user, filters=q.TeamFilters(**filters.dict())), _team)


@router.post("teams", response={201: TeamOut}, summary="Form a team")
def team_create(request, payload: TeamIn):
    """In a community you manage; the leader, if named, becomes a member. A party-led team
    has a party member as its leader."""
    team = actions.team_create(actor=request.user, **payload.dict())
    return Status(201, _team(q.team_get(actor=request.user, team_id=team.pk)))


@router.get("teams/{team_id}", response=TeamOut, summary="One team")
def team_detail(request, team_id: RowId):
    return _team(q.team_get(actor=request.user, team_id=team_id))


@router.patch(
    "teams/{team_id}", response=TeamOut, summary="Change, deactivate or reactivate a team"
)
def team_update(request, payload: TeamPatchIn, team_id: RowId):
    """Members not sent stay as they are; ``leader_id`` null leaves the team without a leader;
    a new leader becomes a member and the previous one a plain member."""
    actions.team_update(actor=request.user, team_id=team_id, **_given(payload))
    return _team(q.team_get(actor=request.user, team_id=team_id))


@router.get("teams/{team_id}/members", response=list[MemberOut], summary="A team's members")
def team_members(request, team_id: RowId):
    """Members now: leader and deputies first."""
    team = q.team_get(actor=request.user, team_id=team_id)
    return [_member(m) for m in q.team_members(team)]


@router.post("teams/{team_id}/members", response={201: MemberOut}, summary="Add a member")
def team_member_add(request, payload: MemberIn, team_id: RowId):
    """A volunteer of your areas, as member, deputy or leader (replacing the leader)."""
    membership = actions.team_member_add(
        actor=request.user, team_id=team_id, volunteer_id=payload.volunteer_id, role=payload.role
    )
    return Status(201, _member(membership))


@router.patch("teams/{team_id}/members/{volunteer_id}", response=MemberOut, summary="Change a role")
def team_member_role(request, payload: MemberRoleIn, team_id: RowId, volunteer_id: RowId):
    return _member(
        actions.team_member_set_role(
            actor=request.user, team_id=team_id, volunteer_id=volunteer_id, role=payload.role
        )
    )


@router.delete(
    "teams/{team_id}/members/{volunteer_id}", response={204: None}, summary="Remove a member"
)
def team_member_remove(request, team_id: RowId, volunteer_id: RowId):
    """Their membership ends today (the history stays); a leader removed leaves the team
    without a leader."""
    actions.team_member_remove(actor=request.user, team_id=team_id, volunteer_id=volunteer_id)
    return Status(204, None)
