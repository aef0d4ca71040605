"""Reading teams and organisations: lists with their filters and member counts (counted in
SQL), one team with its members, one organisation. Scoped by ``volunteer.view`` over the area
of the team or organisation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.errors import ActionError, NotFound
from linli.core.roles import Cap

from ...models import Membership, Organisation, Skill, TargetGroup, Team, Volunteer
from .._common import volunteers_seen
from .volunteers import _clean, _pk, json_has

ACTIVE_CHOICES = ("yes", "no", "all")
_CODE_LENGTHS = (2, 4, 6, 9, 12)


def _area(errors: dict, value) -> str:
    area = _clean(value, 15)
    if area and (not area.isdigit() or not area.isascii() or len(area) not in _CODE_LENGTHS):
        errors["area"] = [_("An area code has 2, 4, 6, 9 or 12 digits.")]
        return ""
    return area


def _prefix(code: str) -> str:
    try:
        return areacodes.prefix_of(code)
    except areacodes.AreaCodeError:
        return code


def _active(errors: dict, value) -> str:
    active = _clean(value, 3) or "yes"
    if active not in ACTIVE_CHOICES:
        errors["active"] = [_("Choose active, inactive or all.")]
    return active


def _members_count():
    return Count("memberships", filter=Q(memberships__left_on__isnull=True))


# --- teams ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamFilters:
    q: str = ""  # part of the name
    area: str = ""  # an area code: its teams
    skill: str = ""  # a service the team offers
    target_group: str = ""
    party_led: str = ""  # "yes" or "no"
    active: str = "yes"  # yes, no, all

    def cleaned(self) -> TeamFilters:
        errors: dict[str, list[str]] = {}
        skill = _clean(self.skill, 20)
        if skill and skill not in Skill.values:
            errors["skill"] = [_("Choose a skill from the list.")]
        group = _clean(self.target_group, 24)
        if group and group not in TargetGroup.values:
            errors["target_group"] = [_("Choose the people served from the list.")]
        party = _clean(self.party_led, 3)
        if party and party not in ("yes", "no"):
            errors["party_led"] = [_("Choose yes or no.")]
        area = _area(errors, self.area)
        active = _active(errors, self.active)
        if errors:
            raise ActionError(_("Some filters are not valid."), errors=errors)
        return TeamFilters(
            q=_clean(self.q),
            area=area,
            skill=skill,
            target_group=group,
            party_led=party,
            active=active,
        )


def teams_seen(actor) -> QuerySet[Team]:
    return scoping.scope(Team.objects.all(), actor, Cap.VOLUNTEER_VIEW)


def team_list(*, actor, filters: TeamFilters | None = None) -> QuerySet[Team]:
    """The teams the actor reads, with community, organisation, leader and the number of
    members now (one query a page)."""
    f = (filters or TeamFilters()).cleaned()
    qs = teams_seen(actor)
    if f.q:
        qs = qs.filter(name__icontains=f.q)
    if f.area:
        qs = qs.filter(area_code__startswith=_prefix(f.area))
    if f.skill:
        qs = qs.filter(json_has("skills", f.skill))
    if f.target_group:
        qs = qs.filter(json_has("target_groups", f.target_group))
    if f.party_led:
        qs = qs.filter(party_led=f.party_led == "yes")
    if f.active != "all":
        qs = qs.filter(active=f.active == "yes")
    return (
        qs.select_related("area", "organisation", "leader")
        .annotate(members=_members_count())
        .order_by("area_code", "name", "id")
    )


def team_get(*, actor, team_id) -> Team:
    """One team the actor reads (with its member count), or NotFound."""
    pk = _pk(team_id)
    team = None
    if pk is not None:
        team = (
            teams_seen(actor)
            .select_related("area", "area__parent", "organisation", "leader", "created_by")
            .annotate(members=_members_count())
            .filter(pk=pk)
            .first()
        )
    if team is None:
        raise NotFound(_("There is no such team among yours."))
    return team


ROLE_ORDER = {Membership.Role.LEADER: 0, Membership.Role.DEPUTY: 1, Membership.Role.MEMBER: 2}


def team_members(team: Team) -> list[Membership]:
    """The live members of a team with their volunteer records, leader and deputies first."""
    rows = list(
        Membership.objects.filter(team=team, left_on__isnull=True).select_related(
            "volunteer", "volunteer__area"
        )
    )
    rows.sort(key=lambda m: (ROLE_ORDER.get(m.role, 9), m.volunteer.name, m.volunteer_id))
    return rows


def team_member_candidates(*, actor, team: Team, q: str = "") -> list[Volunteer]:
    """Volunteers (active or paused) the actor reads who are not in the team, matching ``q``
    by name or number (at most 20, for the add-member chooser)."""
    text = _clean(q)
    live = Membership.objects.filter(team=team, left_on__isnull=True).values("volunteer_id")
    qs = (
        volunteers_seen(actor)
        .exclude(status=Volunteer.Status.LEFT)
        .exclude(pk__in=live)
        .filter(area_code__startswith=team.area_code[:9])
    )
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(number=text.upper()))
    return list(qs.select_related("area").order_by("name", "id")[:20])


# --- organisations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFilters:
    q: str = ""
    kind: str = ""
    area: str = ""
    active: str = "yes"

    def cleaned(self) -> OrganisationFilters:
        errors: dict[str, list[str]] = {}
        kind = _clean(self.kind, 12)
        if kind and kind not in Organisation.Kind.values:
            errors["kind"] = [_("Choose a kind from the list.")]
        area = _area(errors, self.area)
        active = _active(errors, self.active)
        if errors:
            raise ActionError(_("Some filters are not valid."), errors=errors)
        return OrganisationFilters(q=_clean(self.q), kind=kind, area=area, active=active)


def _count(model, field: str, **where):
    rows = (
        model.objects.filter(**{field: OuterRef("pk")}, **where)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def organisations_seen(actor) -> QuerySet[Organisation]:
    return scoping.scope(Organisation.objects.all(), actor, Cap.VOLUNTEER_VIEW)


def organisation_list(
    *, actor, filters: OrganisationFilters | None = None
) -> QuerySet[Organisation]:
    """The organisations the actor reads with their area and the number of active teams and
    of current volunteers (counted in SQL; one query a page)."""
    f = (filters or OrganisationFilters()).cleaned()
    qs = organisations_seen(actor)
    if f.q:
        qs = qs.filter(name__icontains=f.q)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.area:
        qs = qs.filter(area_code__startswith=_prefix(f.area))
    if f.active != "all":
        qs = qs.filter(active=f.active == "yes")
    return qs.select_related("area").annotate(
        team_count=_count(Team, "organisation", active=True),
        volunteer_count=_count(Volunteer, "organisation", status__in=["active", "paused"]),
    )


def organisation_get(*, actor, organisation_id) -> Organisation:
    pk = _pk(organisation_id)
    found = None
    if pk is not None:
        found = (
            organisation_list(actor=actor, filters=OrganisationFilters(active="all"))
            .filter(pk=pk)
            .first()
        )
    if found is None:
        raise NotFound(_("There is no such organisation among yours."))
    return found


__all__ = [
    "ACTIVE_CHOICES",
    "OrganisationFilters",
    "TeamFilters",
    "organisation_get",
    "organisation_list",
    "organisations_seen",
    "team_get",
    "team_list",
    "team_member_candidates",
    "team_members",
    "teams_seen",
]
