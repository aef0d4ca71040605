"""Reading volunteers: the list with its filters, one volunteer with their teams and recent
service, the volunteer's own profile, and the home-page block.

Staff read the volunteers whose home community lies where they hold ``volunteer.view``
(:func:`linli.volunteers.queries._common.volunteers_seen`). ID and phone numbers are decrypted
in memory for the page only and shown masked (:func:`with_masks`), unless revealed through the
audited ``volunteer_reveal`` action. A volunteer reads their own record.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area, RoleAssignment
from linli.core.pii import mask_id_number, mask_phone
from linli.core.roles import Cap, Role
from linli.registry.identity import clean_id_number

from ...models import (
    STAR_HOURS,
    Membership,
    Organisation,
    ServiceRecord,
    Skill,
    Team,
    Volunteer,
)
from .._common import next_star, own_volunteer, volunteers_seen

SEARCH_MAX = 50
CHOICES_MAX = 400
RECENT_RECORDS = 10
STATUSES = ("current", "active", "paused", "left", "all")
_CODE_LENGTHS = (2, 4, 6, 9, 12)


def _clean(value, limit: int = SEARCH_MAX) -> str:
    return " ".join(str(value or "").replace("\x00", "").split())[:limit]


def _pk(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 2**63 - 1 else None


def can_manage(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE, area_code)


def can_reveal(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.PII_REVEAL, area_code)


def json_has(field: str, code: str) -> Q:
    """Rows whose JSON list ``field`` holds ``code`` (the quoted code in the list's text, which
    both SQLite and PostgreSQL answer; codes are plain lower-case words)."""
    return Q(**{f"{field}__icontains": f'"{code}"'})


def with_masks(volunteers) -> list[Volunteer]:
    """The volunteers with ``id_masked``, ``phone_masked`` and ``stars`` (a range to draw)
    for a page."""
    rows = list(volunteers)
    for volunteer in rows:
        volunteer.id_masked = mask_id_number(volunteer.id_number)
        volunteer.phone_masked = mask_phone(volunteer.phone)
        volunteer.stars = range(volunteer.star)
    return rows


def identity(volunteer: Volunteer) -> tuple[str, int | None]:
    """Sex ("M"/"F") and age that follow from the ID number ("", None when unreadable)."""
    try:
        facts = clean_id_number(volunteer.id_number or "")
    except ActionError:
        return "", None
    today = timezone.localdate()
    born = facts.birth_date
    return facts.sex, today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# --- where a person lives --------------------------------------------------------------------


def home_community(actor) -> Area | None:
    """The actor's home community (with its town): their account's home area, or else the
    area of their resident role; a grid stands for its community."""
    if not getattr(actor, "is_authenticated", False):
        return None
    code = actor.home_area_id
    if not code:
        code = (
            RoleAssignment.objects.filter(user_id=actor.pk, role=Role.RESIDENT)
            .order_by("area_code")
            .values_list("area_id", flat=True)
            .first()
        )
    if not code or len(code) < 12 or code[9:12] == "000":
        return None
    return Area.objects.select_related("parent").filter(code=code[:12]).first()


def communities_managed(*, actor) -> list[Area]:
    """Communities and villages where the actor may register volunteers and form teams."""
    return list(
        scoping.scope(
            Area.objects.filter(level=Level.COMMUNITY), actor, Cap.VOLUNTEER_MANAGE, field="code"
        )
        .select_related("parent")
        .order_by("code")[:CHOICES_MAX]
    )


def organisation_choices(*communities: Area) -> list[Organisation]:
    """Active organisations of the communities and of the areas above them (for a chooser;
    one query)."""
    codes = set()
    for community in communities:
        codes.add(community.code)
        codes.update(areacodes.ancestors(community.code))
    return list(
        Organisation.objects.filter(active=True, area_code__in=sorted(codes)).order_by(
            "-area_code", "name"
        )[:CHOICES_MAX]
    )


# --- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerFilters:
    q: str = ""  # part of the name, or the number (whole, or its last digits)
    skill: str = ""
    star: str = ""  # 0 to 5
    party: str = ""  # "yes" or "no"
    status: str = "current"  # current (active and paused), active, paused, left, all
    team: str = ""  # a team id
    area: str = ""  # an area code (2 to 12 digits): its volunteers

    def cleaned(self) -> VolunteerFilters:
        errors: dict[str, list[str]] = {}
        skill = _clean(self.skill, 20)
        if skill and skill not in Skill.values:
            errors["skill"] = [_("Choose a skill from the list.")]
        star = _clean(self.star, 2)
        if star and (not star.isdigit() or int(star) > len(STAR_HOURS)):
            errors["star"] = [_("Choose a star level from 0 to 5.")]
        party = _clean(self.party, 3)
        if party and party not in ("yes", "no"):
            errors["party"] = [_("Choose yes or no.")]
        status = _clean(self.status, 10) or "current"
        if status not in STATUSES:
            errors["status"] = [_("Choose a status from the list.")]
        team = _clean(self.team, 20)
        if team and _pk(team) is None:
            errors["team"] = [_("Choose a team from the list.")]
        area = _clean(self.area, 15)
        if area and (not area.isdigit() or not area.isascii() or len(area) not in _CODE_LENGTHS):
            errors["area"] = [_("An area code has 2, 4, 6, 9 or 12 digits.")]
        if errors:
            raise ActionError(_("Some filters are not valid."), errors=errors)
        return VolunteerFilters(
            q=_clean(self.q),
            skill=skill,
            star=star,
            party=party,
            status=status,
            team=team,
            area=area,
        )

    @property
    def any(self) -> bool:
        return any(
            (self.q, self.skill, self.star, self.party, self.team, self.area)
        ) or self.status not in ("", "current")


def _area_prefix(code: str) -> str:
    try:
        return areacodes.prefix_of(code)
    except areacodes.AreaCodeError:
        return code


def _filtered(qs: QuerySet, f: VolunteerFilters) -> QuerySet:
    if f.q:
        found = Q(name__icontains=f.q) | Q(number=f.q.upper())
        if f.q.isdigit() and len(f.q) >= 3:
            found |= Q(number__endswith=f.q)
        qs = qs.filter(found)
    if f.skill:
        qs = qs.filter(json_has("skills", f.skill))
    if f.star:
        qs = qs.filter(star=int(f.star))
    if f.party:
        qs = qs.filter(party_member=f.party == "yes")
    if f.status == "current":
        qs = qs.exclude(status=Volunteer.Status.LEFT)
    elif f.status != "all":
        qs = qs.filter(status=f.status)
    if f.team:
        live = Membership.objects.filter(
            team_id=int(f.team), volunteer=OuterRef("pk"), left_on__isnull=True
        )
        qs = qs.filter(Exists(live))
    if f.area:
        qs = qs.filter(area_code__startswith=_area_prefix(f.area))
    return qs


def volunteer_list(*, actor, filters: VolunteerFilters | None = None) -> QuerySet[Volunteer]:
    """The volunteers the actor reads, filtered, by community then name, each with their
    community and organisation (one query a page). The caller paginates."""
    filters = (filters or VolunteerFilters()).cleaned()
    return _filtered(volunteers_seen(actor), filters).select_related("area", "organisation")


def volunteer_get(*, actor, volunteer_id) -> Volunteer:
    """One volunteer the actor reads, with community, town, organisation and account."""
    pk = _pk(volunteer_id)
    found = None
    if pk is not None:
        found = (
            volunteers_seen(actor)
            .select_related("area", "area__parent", "organisation", "user", "registered_by")
            .filter(pk=pk)
            .first()
        )
    if found is None:
        raise NotFound(_("There is no such volunteer among yours."))
    return found


def volunteer_teams(volunteer: Volunteer) -> list[Membership]:
    """The volunteer's live memberships, with their teams, leaders first."""
    return list(
        Membership.objects.filter(volunteer=volunteer, left_on__isnull=True)
        .select_related("team", "team__area")
        .order_by("team__name", "team_id")
    )


def volunteer_records(volunteer: Volunteer, limit: int = RECENT_RECORDS) -> list[ServiceRecord]:
    """The volunteer's latest service records (corrections included), newest first."""
    return list(
        ServiceRecord.objects.filter(volunteer=volunteer)
        .select_related("organisation")
        .order_by("-served_on", "-id")[:limit]
    )


# --- the volunteer's own profile ----------------------------------------------------------------


@dataclass
class MyProfile:
    volunteer: Volunteer
    memberships: list[Membership]
    joinable: list[Team]
    next_level: int
    hours_to_next: Decimal | None  # None at five stars
    progress: int  # per cent of the way from this level to the next

    @property
    def star_range(self) -> range:
        return range(self.volunteer.star)

    @property
    def empty_stars(self) -> range:
        return range(len(STAR_HOURS) - self.volunteer.star)


def _progress(hours: Decimal, star: int) -> int:
    if star >= len(STAR_HOURS):
        return 100
    start = Decimal(STAR_HOURS[star - 1]) if star else Decimal(0)
    end = Decimal(STAR_HOURS[star])
    share = (Decimal(hours) - start) / (end - start) * 100
    return max(0, min(100, int(share)))


def served_prefixes(volunteer: Volunteer) -> list[str]:
    codes = volunteer.service_areas or [volunteer.area_code]
    found = set()
    for code in codes:
        try:
            found.add(areacodes.prefix_of(str(code)))
        except areacodes.AreaCodeError:
            continue
    return sorted(found) or [volunteer.area_code]


def joinable_teams(volunteer: Volunteer) -> list[Team]:
    """Active teams of the areas the volunteer serves that they are not in (open to join)."""
    if volunteer.status != Volunteer.Status.ACTIVE:
        return []
    live = Membership.objects.filter(team=OuterRef("pk"), volunteer=volunteer, left_on__isnull=True)
    return list(
        Team.objects.filter(scoping.prefix_q(served_prefixes(volunteer)), active=True)
        .exclude(Exists(live))
        .select_related("area")
        .order_by("area_code", "name")[:20]
    )


def my_profile(*, actor) -> MyProfile | None:
    """The actor's own volunteer record with their teams, the teams they may join and the
    way to the next star level; None when they have not registered (three queries)."""
    volunteer = own_volunteer(actor)
    if volunteer is None:
        return None
    level, missing = next_star(volunteer.hours_total)
    return MyProfile(
        volunteer=volunteer,
        memberships=volunteer_teams(volunteer),
        joinable=joinable_teams(volunteer),
        next_level=level,
        hours_to_next=missing,
        progress=_progress(volunteer.hours_total, volunteer.star),
    )


def home_block(*, actor) -> dict | None:
    """What the resident home page shows of the actor's volunteering (one query)."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return (
        Volunteer.objects.filter(user_id=actor.pk)
        .values("star", "hours_total", "points_balance", "status", "number")
        .first()
    )


__all__ = [
    "STATUSES",
    "MyProfile",
    "VolunteerFilters",
    "can_manage",
    "can_reveal",
    "communities_managed",
    "home_block",
    "home_community",
    "identity",
    "joinable_teams",
    "json_has",
    "my_profile",
    "organisation_choices",
    "served_prefixes",
    "volunteer_get",
    "volunteer_list",
    "volunteer_records",
    "volunteer_teams",
    "with_masks",
]
