"""Volunteer teams (志愿服务队) and their members.

A team belongs to a community, perhaps under an organisation of that community or of an area
above it; workers who manage the community create, correct and deactivate it and add or remove
members. A volunteer may be in several teams; they join an active team of the areas they serve
and leave it themselves.

The leader is kept in step everywhere: ``Team.leader`` is the one live member whose role is
``leader``. Naming a leader makes them a member (or promotes them) and makes the previous
leader a plain member; removing the leader, or the leader leaving, leaves the team without one.
A team led by party members (党员先锋队) has a party member as its leader. Membership changes
lock the team's row, so two changes at once keep these rules.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.cleaning import UNSET, Errors, line, row_id, text
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.roles import Cap

from ...models import Membership, Team, Volunteer
from ...queries import people as q
from ...queries._common import own_volunteer, volunteers_seen
from .._common import current_time
from . import _clean as c
from .volunteers import organisation_for

NAME_MAX = Team._meta.get_field("name").max_length
DESCRIPTION_MAX = Team._meta.get_field("description").max_length


def _community(actor, value):
    home = c.community(value)
    if home is None or not scoping.has_cap(actor, Cap.VOLUNTEER_VIEW, home.code):
        raise NotFound(_("No such community among yours."), field="community_code")
    scoping.require(actor, Cap.VOLUNTEER_MANAGE, home.code)
    return home


def _managed(actor, team_id) -> Team:
    team = q.team_get(actor=actor, team_id=team_id)
    scoping.require(actor, Cap.VOLUNTEER_MANAGE, team.area_code)
    return team


def _volunteer(actor, errors: Errors, value, *, field: str) -> Volunteer | None:
    """A volunteer the actor reads who has not left."""
    pk = row_id(value)
    found = volunteers_seen(actor).filter(pk=pk).first() if pk else None
    if found is None:
        errors.add(field, _("Choose a volunteer of your areas."))
        return None
    if found.status == Volunteer.Status.LEFT:
        errors.add(field, _("%(name)s has left volunteering.") % {"name": found.name})
        return None
    return found


def _check_party(errors: Errors, party_led: bool, leader: Volunteer | None) -> None:
    if party_led and leader is not None and not leader.party_member:
        errors.add(
            "leader_id",
            _(
                "A team led by party members has a party member as its leader: record %(name)s "
                "as a party member first, or choose another leader."
            )
            % {"name": leader.name},
        )


def _set_leader(team: Team, leader: Volunteer | None, today) -> None:
    """Make ``leader`` the team's one leader (a member if they were not); the previous leader
    stays as a plain member."""
    live = Membership.objects.filter(team=team, left_on__isnull=True)
    demoted = live.filter(role=Membership.Role.LEADER)
    if leader is not None:
        demoted = demoted.exclude(volunteer=leader)
    demoted.update(role=Membership.Role.MEMBER)
    if leader is not None:
        mine = live.filter(volunteer=leader).first()
        if mine is None:
            Membership.objects.create(
                team=team,
                volunteer=leader,
                area_code=team.area_code,
                role=Membership.Role.LEADER,
                joined_on=today,
            )
        elif mine.role != Membership.Role.LEADER:
            mine.role = Membership.Role.LEADER
            mine.save(update_fields=["role"])
    team.leader = leader


def _name_taken() -> Conflict:
    return Conflict(_("A team of this community already has this name."), field="name")


def team_create(
    *,
    actor,
    community_code,
    name,
    organisation_id=None,
    leader_id=None,
    party_led=False,
    skills=None,
    target_groups=None,
    description="",
) -> Team:
    """Form a team in a community the actor manages; its leader (if named) becomes a member."""
    home = _community(actor, community_code)
    errors = Errors()
    values = {
        "name": line(errors, "name", name, max_length=NAME_MAX, required=True),
        "organisation": organisation_for(errors, organisation_id, home),
        "party_led": c.flag(party_led),
        "skills": c.skills(errors, skills),
        "target_groups": c.target_groups(errors, target_groups),
        "description": text(errors, "description", description, max_length=DESCRIPTION_MAX),
    }
    leader = None
    if leader_id not in (None, ""):
        leader = _volunteer(actor, errors, leader_id, field="leader_id")
    _check_party(errors, values["party_led"], leader)
    errors.raise_if_any(_("The team was not saved: please correct the fields marked."))
    if Team.objects.filter(area=home, name=values["name"]).exists():
        raise _name_taken()
    now = current_time()
    try:
        with transaction.atomic():
            team = Team.objects.create(
                area=home,
                area_code=home.code,
                created_by=c.user_or_none(actor),
                created_at=now,
                **values,
            )
            if leader is not None:
                _set_leader(team, leader, now.date())
                team.save(update_fields=["leader"])
            audit.record(
                actor,
                "team.create",
                team,
                extra={"leader": team.leader_id, "party_led": team.party_led},
            )
    except IntegrityError:
        raise _name_taken() from None
    return team


def team_update(
    *,
    actor,
    team_id,
    name=UNSET,
    organisation_id=UNSET,
    leader_id=UNSET,
    party_led=UNSET,
    skills=UNSET,
    target_groups=UNSET,
    description=UNSET,
    active=UNSET,
) -> Team:
    """Correct a team, change its leader (``leader_id`` None or "": no leader), deactivate or
    reactivate it (``active``). Left out: kept."""
    team = _managed(actor, team_id)
    errors = Errors()
    values: dict = {}
    if name is not UNSET:
        values["name"] = line(errors, "name", name, max_length=NAME_MAX, required=True)
    if organisation_id is not UNSET:
        values["organisation"] = organisation_for(errors, organisation_id, team.area)
    if party_led is not UNSET:
        values["party_led"] = c.flag(party_led)
    if skills is not UNSET:
        values["skills"] = c.skills(errors, skills)
    if target_groups is not UNSET:
        values["target_groups"] = c.target_groups(errors, target_groups)
    if description is not UNSET:
        values["description"] = text(errors, "description", description, max_length=DESCRIPTION_MAX)
    if active is not UNSET:
        values["active"] = c.flag(active)
    leader = team.leader
    new_leader = leader_id is not UNSET
    if new_leader:
        leader = None
        if leader_id not in (None, ""):
            leader = _volunteer(actor, errors, leader_id, field="leader_id")
    if new_leader or values.get("party_led", team.party_led) != team.party_led:
        _check_party(errors, values.get("party_led", team.party_led), leader)
    errors.raise_if_any(_("The team was not saved: please correct the fields marked."))
    if (
        "name" in values
        and Team.objects.filter(area_code=team.area_code, name=values["name"])
        .exclude(pk=team.pk)
        .exists()
    ):
        raise _name_taken()
    now = current_time()
    try:
        with transaction.atomic():
            row = Team.objects.select_for_update().get(pk=team.pk)
            previous = {
                **{key: getattr(row, key) for key in values},
                "leader_id": row.leader_id,
            }
            for key, value in values.items():
                setattr(row, key, value)
            if new_leader:
                _set_leader(row, leader, now.date())
            row.save()
            changed = sorted(key for key, before in previous.items() if before != getattr(row, key))
            if changed == ["active"]:
                action = "team.activate" if row.active else "team.deactivate"
            else:
                action = "team.update"
            audit.record(actor, action, row, extra={"fields": changed, "leader": row.leader_id})
    except IntegrityError:
        raise _name_taken() from None
    return row


# --- members (staff) --------------------------------------------------------------------------------


def _role(value) -> str:
    role = str(value or Membership.Role.MEMBER).strip()
    if role not in Membership.Role.values:
        raise ActionError(_("Choose a role from the list."), field="role")
    return role


def team_member_add(*, actor, team_id, volunteer_id, role=Membership.Role.MEMBER) -> Membership:
    """Add a volunteer of the actor's areas to a team they manage, as member, deputy or
    leader (who then replaces the previous leader)."""
    team = _managed(actor, team_id)
    role = _role(role)
    errors = Errors()
    volunteer = _volunteer(actor, errors, volunteer_id, field="volunteer_id")
    if role == Membership.Role.LEADER:
        errors_field = Errors()
        _check_party(errors_field, team.party_led, volunteer)
        for message in errors_field.found.get("leader_id", []):
            errors.add("role", message)
    errors.raise_if_any(_("Nobody was added: please correct the fields marked."))
    assert volunteer is not None
    if not team.active:
        raise Conflict(_("This team is not active: reactivate it first."))
    today = current_time().date()
    try:
        with transaction.atomic():
            row = Team.objects.select_for_update().get(pk=team.pk)
            if Membership.objects.filter(
                team=row, volunteer=volunteer, left_on__isnull=True
            ).exists():
                raise Conflict(
                    _("%(name)s is already in this team.") % {"name": volunteer.name},
                    field="volunteer_id",
                )
            if role == Membership.Role.LEADER:
                _set_leader(row, volunteer, today)
                row.save(update_fields=["leader"])
            else:
                Membership.objects.create(
                    team=row,
                    volunteer=volunteer,
                    area_code=row.area_code,
                    role=role,
                    joined_on=today,
                )
            membership = Membership.objects.get(team=row, volunteer=volunteer, left_on__isnull=True)
            audit.record(
                actor,
                "team.member_add",
                membership,
                extra={"team": row.pk, "volunteer": volunteer.pk, "role": role},
            )
    except IntegrityError:
        raise Conflict(
            _("%(name)s is already in this team.") % {"name": volunteer.name}, field="volunteer_id"
        ) from None
    return membership


def team_member_set_role(*, actor, team_id, volunteer_id, role) -> Membership:
    """Make a member the leader, a deputy or a plain member (a leader made a member leaves
    the team without a leader)."""
    team = _managed(actor, team_id)
    role = _role(role)
    pk = row_id(volunteer_id)
    membership = (
        Membership.objects.filter(team=team, volunteer_id=pk, left_on__isnull=True)
        .select_related("volunteer")
        .first()
        if pk
        else None
    )
    if membership is None:
        raise NotFound(_("This volunteer is not in this team."), field="volunteer_id")
    if role == Membership.Role.LEADER:
        errors = Errors()
        _check_party(errors, team.party_led, membership.volunteer)
        if errors.found:
            raise ActionError(errors.found["leader_id"][0], field="role")
    today = current_time().date()
    with transaction.atomic():
        row = Team.objects.select_for_update().get(pk=team.pk)
        previous = membership.role
        if role == Membership.Role.LEADER:
            _set_leader(row, membership.volunteer, today)
        else:
            Membership.objects.filter(pk=membership.pk).update(role=role)
            if row.leader_id == membership.volunteer_id:
                row.leader = None
        row.save(update_fields=["leader"])
        membership.refresh_from_db()
        audit.record(
            actor,
            "team.member_role",
            membership,
            extra={
                "team": row.pk,
                "volunteer": membership.volunteer_id,
                "from": previous,
                "to": role,
            },
        )
    return membership


def _end(row: Team, membership: Membership, today) -> None:
    membership.left_on = today
    membership.save(update_fields=["left_on"])
    if row.leader_id == membership.volunteer_id:
        row.leader = None
        row.save(update_fields=["leader"])


def team_member_remove(*, actor, team_id, volunteer_id) -> Membership:
    """Take a volunteer out of a team (their membership ends today; its history stays)."""
    team = _managed(actor, team_id)
    pk = row_id(volunteer_id)
    today = current_time().date()
    with transaction.atomic():
        row = Team.objects.select_for_update().get(pk=team.pk)
        membership = (
            Membership.objects.filter(team=row, volunteer_id=pk, left_on__isnull=True).first()
            if pk
            else None
        )
        if membership is None:
            raise NotFound(_("This volunteer is not in this team."), field="volunteer_id")
        was_leader = row.leader_id == membership.volunteer_id
        _end(row, membership, today)
        audit.record(
            actor,
            "team.member_remove",
            membership,
            extra={"team": row.pk, "volunteer": membership.volunteer_id, "leader": was_leader},
        )
    return membership


# --- joining and leaving (the volunteer) ------------------------------------------------------------


def _own_active(actor) -> Volunteer:
    c.require_login(actor)
    volunteer = own_volunteer(actor)
    if volunteer is None:
        raise NotFound(_("You are not registered as a volunteer."))
    return volunteer


def team_join(*, actor, team_id) -> Membership:
    """The volunteer joins an active team of the areas they serve."""
    volunteer = _own_active(actor)
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise Conflict(_("Your volunteering is paused or ended: return first, then join a team."))
    pk = row_id(team_id)
    prefixes = q.served_prefixes(volunteer)
    team = (
        Team.objects.filter(scoping.prefix_q(prefixes), pk=pk, active=True).first() if pk else None
    )
    if team is None:
        raise NotFound(_("There is no such team open to you."))
    today = current_time().date()
    try:
        with transaction.atomic():
            row = Team.objects.select_for_update().get(pk=team.pk)
            if Membership.objects.filter(
                team=row, volunteer=volunteer, left_on__isnull=True
            ).exists():
                raise Conflict(_("You are already in this team."))
            membership = Membership.objects.create(
                team=row, volunteer=volunteer, area_code=row.area_code, joined_on=today
            )
            audit.record(
                actor, "team.join", membership, extra={"team": row.pk, "volunteer": volunteer.pk}
            )
    except IntegrityError:
        raise Conflict(_("You are already in this team.")) from None
    return membership


def team_leave(*, actor, team_id) -> Membership:
    """The volunteer leaves a team they are in (a leader leaves the team without one)."""
    volunteer = _own_active(actor)
    pk = row_id(team_id)
    today = current_time().date()
    with transaction.atomic():
        membership = (
            Membership.objects.filter(team_id=pk, volunteer=volunteer, left_on__isnull=True)
            .select_related("team")
            .first()
            if pk
            else None
        )
        if membership is None:
            raise NotFound(_("You are not in this team."))
        row = Team.objects.select_for_update().get(pk=membership.team_id)
        was_leader = row.leader_id == volunteer.pk
        _end(row, membership, today)
        audit.record(
            actor,
            "team.leave",
            membership,
            extra={"team": row.pk, "volunteer": volunteer.pk, "leader": was_leader},
        )
    return membership


__all__ = [
    "team_create",
    "team_join",
    "team_leave",
    "team_member_add",
    "team_member_remove",
    "team_member_set_role",
    "team_update",
]
