"""Bringing volunteer teams and venues into the resources list (:func:`resources_sync`).

For a county, town or community, every volunteer team and every venue based there is listed as
a resource and kept in step with its record — run it again and only what changed is written:

- a team offers the categories its services (``Team.skills``) map to (:data:`SKILL_CATEGORY`;
  “other” when none), serves its community, is free at the times any of its active members is,
  and can serve as many people a week as it has active members; it is offered while the team
  is active, and its contact is the team's leader (no phone is copied);
- a venue offers a place to meet (“space”), serves the area it sits on, is free in the parts of
  the day its bookable hours cover (an hour or more of 09–11, 14–16 or 19–21) and holds its
  capacity; it is offered while the venue takes bookings.

Capacity never drops below what matches under way hold. What a worker set (description, the
areas served, dates, contact) is kept. One transaction; ``match.manage`` over the area; the
platform itself (``SYSTEM``) may run it for a whole county from the daily sweep.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Conflict
from linli.core.models import Area, AuditEvent
from linli.core.roles import Cap
from linli.facilities.models import Venue
from linli.volunteers.models import DAYS, Membership, Skill, Team, Volunteer

from ...models import Category, Resource
from ...queries.matcher import PART_HOURS, ordered_times
from . import _common as c

SKILL_CATEGORY = {
    Skill.ELDERLY_CARE: Category.ELDERLY_CARE,
    Skill.CHILDREN: Category.CHILDREN,
    Skill.DISABILITY: Category.DISABILITY,
    Skill.MEDICAL: Category.HEALTH,
    Skill.LEGAL: Category.LEGAL,
    Skill.PSYCHOLOGY: Category.PSYCHOLOGY,
    Skill.REPAIR: Category.HOUSING,
    Skill.CLEANING: Category.CLEANING,
    Skill.TRANSPORT: Category.TRANSPORT,
    Skill.CULTURE: Category.CULTURE,
    Skill.DIGITAL: Category.DIGITAL,
    Skill.TRANSLATION: Category.OTHER,
    Skill.SAFETY: Category.SAFETY,
    Skill.ADMIN: Category.OTHER,
    Skill.OTHER: Category.OTHER,
}
NAME_MAX = Resource._meta.get_field("name").max_length
CONTACT_MAX = Resource._meta.get_field("contact_name").max_length
FOLLOWED = ("name", "area_code", "categories", "times", "capacity", "active", "contact_name")
MIN_OVERLAP = 60  # minutes of a part of the day that bookable hours must cover
SYNC_ACTION = "resource.sync"  # a sync's audit event: one of today marks the county done

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    area_code: str
    created: int
    updated: int
    unchanged: int
    stopped: int  # offered before, stopped now (the team or venue stopped)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def team_categories(skills) -> list[str]:
    found = {SKILL_CATEGORY[s] for s in skills or () if s in SKILL_CATEGORY}
    return [value for value in Category.values if value in found] or [Category.OTHER]


def venue_times(hours: dict) -> list[str]:
    """The parts of the week a venue's bookable hours cover for an hour or more."""

    def minutes(text: str) -> int:
        hh, _sep, mm = str(text).partition(":")
        return int(hh) * 60 + int(mm or 0)

    found = []
    for day in DAYS:
        for start, end in hours.get(day) or []:
            try:
                begin, finish = minutes(start), minutes(end)
            except ValueError:
                continue
            for part, (first, last) in PART_HOURS.items():
                overlap = min(finish, last * 60) - max(begin, first * 60)
                if overlap >= MIN_OVERLAP:
                    found.append(f"{day}_{part}")
    return ordered_times(found)


def _team_values(team: Team, members: list[list[str]]) -> dict:
    times = ordered_times(code for availability in members for code in availability or ())
    leader = team.leader.name if team.leader_id else ""
    return {
        "name": team.name[:NAME_MAX],
        "area_code": team.area_code,
        "categories": team_categories(team.skills),
        "times": times,
        "capacity": len(members),
        "active": team.active,
        "contact_name": leader[:CONTACT_MAX],
    }


def _venue_values(venue: Venue) -> dict:
    return {
        "name": venue.name[:NAME_MAX],
        "area_code": venue.area_code,
        "categories": [Category.SPACE],
        "times": venue_times(venue.hours or {}),
        "capacity": venue.capacity,
        "active": venue.active,
        "contact_name": "",
    }


def _venue_description(venue: Venue) -> str:
    if venue.facility_id:
        return _("A %(kind)s in %(facility)s.") % {
            "kind": venue.get_kind_display(),
            "facility": venue.facility.name,
        }
    return _("A %(kind)s opened to the public by %(unit)s.") % {
        "kind": venue.get_kind_display(),
        "unit": venue.unit_name,
    }


def _apply(found: dict, wanted: dict, *, kind: str, link: str, by, now, counts: dict, description):
    """Create or bring up to date the resources of one kind; returns the rows written."""
    fresh, changed = [], []
    for key, values in wanted.items():
        resource = found.get(key)
        if resource is None:
            resource = Resource(
                kind=kind,
                serves=[values["area_code"]],
                description=description(key),
                created_by=by,
                created_at=now,
                updated_at=now,
                **{f"{link}_id": key},
            )
            if not values["active"]:
                continue  # not offered: nothing to list
            for name, value in values.items():
                setattr(resource, name, value)
            fresh.append(resource)
            continue
        values = dict(values, capacity=max(values["capacity"], resource.in_use))
        if values["area_code"] != resource.area_code:
            resource.serves = [values["area_code"]]
        if all(getattr(resource, name) == value for name, value in values.items()):
            counts["unchanged"] += 1
            continue
        if resource.active and not values["active"]:
            counts["stopped"] += 1
        for name, value in values.items():
            setattr(resource, name, value)
        resource.updated_at = now
        changed.append(resource)
    if fresh:
        Resource.objects.bulk_create(fresh, batch_size=500)
    if changed:
        Resource.objects.bulk_update(changed, [*FOLLOWED, "serves", "updated_at"], batch_size=500)
    counts["created"] += len(fresh)
    counts["updated"] += len(changed)
    return fresh + changed


def resources_sync(*, actor, area_code) -> SyncResult:
    """List the volunteer teams and venues of a county, town or community as resources and
    keep them in step (see the module's description)."""
    area = c.place(area_code, levels=(Level.COUNTY, Level.TOWN, Level.COMMUNITY))
    scoping.require(actor, Cap.MATCH_MANAGE, area.code)
    prefix = area.prefix
    teams = {
        t.pk: t for t in Team.objects.filter(area_code__startswith=prefix).select_related("leader")
    }
    members: dict[int, list] = {pk: [] for pk in teams}
    rows = Membership.objects.filter(
        area_code__startswith=prefix,
        left_on__isnull=True,
        volunteer__status=Volunteer.Status.ACTIVE,
    ).values_list("team_id", "volunteer__availability")
    for team_id, availability in rows:
        if team_id in members:
            members[team_id].append(availability or [])
    venues = {
        v.pk: v
        for v in Venue.objects.filter(area_code__startswith=prefix).select_related("facility")
    }
    now = timezone.now()
    by = c.user_or_none(actor)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "stopped": 0}
    try:
        with transaction.atomic():
            by_team = {
                r.team_id: r
                for r in Resource.objects.select_for_update().filter(team_id__in=list(teams))
            }
            by_venue = {
                r.venue_id: r
                for r in Resource.objects.select_for_update().filter(venue_id__in=list(venues))
            }
            written = _apply(
                by_team,
                {pk: _team_values(t, members[pk]) for pk, t in teams.items()},
                kind=Resource.Kind.TEAM,
                link="team",
                by=by,
                now=now,
                counts=counts,
                description=lambda pk: teams[pk].description[:1000],
            )
            written += _apply(
                by_venue,
                {pk: _venue_values(v) for pk, v in venues.items()},
                kind=Resource.Kind.VENUE,
                link="venue",
                by=by,
                now=now,
                counts=counts,
                description=lambda pk: _venue_description(venues[pk]),
            )
            c.set_categories_many(written)
            audit.record(
                actor,
                SYNC_ACTION,
                area_code=area.code,
                target_type="core.area",
                target_id=area.code,
                extra=dict(counts, teams=len(teams), venues=len(venues)),
            )
    except IntegrityError:  # another run listed the same team or venue at this moment
        raise Conflict(
            _("The list is being brought up to date by someone else: try again.")
        ) from None
    return SyncResult(area.code, **counts)


def resources_daily(now: dt.datetime | None = None) -> dict[str, int]:
    """Bring the volunteer teams and venues of each county that has any into the service
    resources list (``resources_sync`` by the platform), once a day: a county whose list was
    already brought up to date as a whole today (its ``resource.sync`` event in the audit
    trail, by this sweep or by an officer) is left alone. Returns the counties synced and the
    resources listed, changed and stopped."""
    now = now or timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    found = {"counties": 0, "created": 0, "updated": 0, "stopped": 0}
    prefixes: set[str] = set()
    for model in (Team, Venue):
        rows = model.objects.annotate(county=Substr("area_code", 1, 6))
        prefixes.update(rows.values_list("county", flat=True).order_by().distinct())
    counties = set(
        Area.objects.filter(
            code__in=[prefix + "000000" for prefix in prefixes], level=Level.COUNTY
        ).values_list("code", flat=True)
    )
    if not counties:
        return found
    done = set(
        AuditEvent.objects.filter(
            action=SYNC_ACTION, area_code__in=counties, at__gte=midnight, at__lte=now
        ).values_list("area_code", flat=True)
    )
    for code in sorted(counties - done):
        try:
            result = resources_sync(actor=scoping.SYSTEM, area_code=code)
        except ActionError:  # another sweep is syncing it at this moment
            log.info("resources of %s are being synced elsewhere", code)
            continue
        found["counties"] += 1
        found["created"] += result.created
        found["updated"] += result.updated
        found["stopped"] += result.stopped
    return found


__all__ = [
    "SKILL_CATEGORY",
    "SyncResult",
    "resources_daily",
    "resources_sync",
    "team_categories",
    "venue_times",
]
