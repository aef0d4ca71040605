"""Who reads which service records, and who organises (records the hours of) an activity.

Reading rules (staff, ``volunteer.view``), the same for the list, one record, the export and
the API:

- a record whose ``area_code`` (where the service was done) lies in the actor's areas;
- a record written by an organisation of the actor's areas (records stay with the organisation
  that wrote them, wherever the service was done);
- every record of a volunteer whose records were carried (``Transfer``) to the organisation
  they now belong to, when that organisation is of the actor's areas: the receiving
  organisation reads and certifies the whole record it took over (the volunteer consented).

A volunteer reads their own records through :mod:`.mine`. The organiser of an activity
(谁组织谁记录) is a worker who manages volunteers where the activity takes place, or the
volunteer who leads the activity's team.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core import scoping
from linli.core.cleaning import row_id
from linli.core.errors import NotFound
from linli.core.roles import Cap

from ...models import Activity, ServiceRecord, Team, Transfer, Volunteer

# What a record list needs of the volunteer: never the encrypted numbers (decrypting them for
# every row of a page would be wasted work, and a page shows them masked from elsewhere).
VOLUNTEER_SECRETS = ("volunteer__id_number", "volunteer__phone")


def visible_q(actor, cap: str = Cap.VOLUNTEER_VIEW) -> Q:
    """The service records the actor reads (matches nothing for someone without ``cap``)."""
    granted = scoping.prefixes(actor, cap)
    if not granted:
        return Q(pk__in=[])
    if "" in granted:
        return Q()
    carried = Transfer.objects.filter(
        scoping.prefix_q(granted, "area_code"),
        volunteer_id=OuterRef("volunteer_id"),
        to_organisation_id=OuterRef("volunteer__organisation_id"),
    )
    return (
        scoping.prefix_q(granted, "area_code")
        | scoping.prefix_q(granted, "organisation__area_code")
        | Exists(carried)
    )


def records_seen(actor) -> QuerySet[ServiceRecord]:
    """Every service record the actor reads (staff rules above)."""
    return ServiceRecord.objects.filter(visible_q(actor))


def volunteer_records_seen(actor, volunteer: Volunteer) -> bool:
    """Does the actor read every record of ``volunteer`` by the transfer rule, or the volunteer
    through their home community?"""
    if scoping.has_cap(actor, Cap.VOLUNTEER_VIEW, volunteer.area_code):
        return True
    granted = scoping.prefixes(actor, Cap.VOLUNTEER_VIEW)
    if not granted or volunteer.organisation_id is None:
        return False
    return Transfer.objects.filter(
        scoping.prefix_q(granted, "area_code"),
        volunteer_id=volunteer.pk,
        to_organisation_id=volunteer.organisation_id,
    ).exists()


# --- organisers -------------------------------------------------------------------------------


def leads_team(actor, team_id: int | None) -> bool:
    """Is the actor the (active) volunteer who leads this team?"""
    if not team_id or not getattr(actor, "is_authenticated", False):
        return False
    return (
        Team.objects.filter(pk=team_id, active=True, leader__user_id=actor.pk)
        .exclude(leader__status=Volunteer.Status.LEFT)
        .exists()
    )


def may_organise(actor, activity: Activity) -> bool:
    """谁组织谁记录: a worker who manages volunteers where the activity takes place, or the
    leader of the activity's team."""
    return scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE, activity.area_code) or leads_team(
        actor, activity.team_id
    )


def organised_activity(actor, activity_id, *, lock: bool = False) -> Activity:
    """An activity whose hours the actor records (NotFound otherwise: someone who may not
    organise it learns nothing of it). ``lock``: its row is locked for the transaction."""
    pk = row_id(activity_id)
    qs = Activity.objects.select_related("organisation", "team", "area")
    if lock:
        qs = Activity.objects.select_for_update(of=("self",)).select_related(
            "organisation", "team", "area"
        )
    activity = qs.filter(pk=pk).first() if pk else None
    if activity is None or not may_organise(actor, activity):
        raise NotFound(_("There is no such activity among those you organise."))
    return activity


__all__ = [
    "VOLUNTEER_SECRETS",
    "leads_team",
    "may_organise",
    "organised_activity",
    "records_seen",
    "visible_q",
    "volunteer_records_seen",
]
