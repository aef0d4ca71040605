"""Confirming a match — the worker's one click — and ending it.

``match_confirm`` takes a resource the matcher would suggest for the need (same rules, checked
again under a lock on the resource's row) with room for the need's people this week, records
the match with its score and reasons, counts the people against the resource's capacity and
marks the need matched. What the resource is decides what else is made:

- a volunteer team: a draft activity of the team (in the team's community, held at the need's
  place), with one shift at the need's next wanted time, made by the volunteers app's own
  :func:`~linli.volunteers.actions.activities.activity_create` for the organiser (the confirming
  worker) to check and publish; the team's leader is notified. The confirming worker must
  manage the volunteers of the team's community (``volunteer.manage``): otherwise, or when the
  volunteers app refuses the activity (the team has stopped, the time has passed), nothing is
  written and the error says why;
- a venue: nothing is booked by itself: the pages offer the venue's booking page;
- anything else: nothing more.

``match_end`` ends a match as done (the need is met) or cancelled (the need waits again when no
other match is under way), and frees the capacity it held.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from linli.core import audit, scoping
from linli.core.actions import notify
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import Cap
from linli.volunteers.actions.activities import activity_create
from linli.volunteers.actions.activities.shifts import SPOTS_MAX
from linli.volunteers.models import Activity, Shift, Skill, TargetGroup

from ...models import Category, Match, Need, Resource
from ...queries import matcher
from . import _common as c

NOTE_MAX = Match._meta.get_field("note").max_length
SHIFT_LENGTH = dt.timedelta(hours=2)

# What an activity made for a need serves, and the skill it asks for, by the need's category.
CATEGORY_GROUP = {
    Category.ELDERLY_CARE: TargetGroup.ELDERLY,
    Category.MEALS: TargetGroup.ELDERLY,
    Category.CHILDREN: TargetGroup.CHILDREN,
    Category.DISABILITY: TargetGroup.DISABLED,
    Category.FINANCE: TargetGroup.HARDSHIP,
}
CATEGORY_SKILL = {
    Category.ELDERLY_CARE: Skill.ELDERLY_CARE,
    Category.HEALTH: Skill.MEDICAL,
    Category.HOUSING: Skill.REPAIR,
    Category.CLEANING: Skill.CLEANING,
    Category.CHILDREN: Skill.CHILDREN,
    Category.DISABILITY: Skill.DISABILITY,
    Category.LEGAL: Skill.LEGAL,
    Category.PSYCHOLOGY: Skill.PSYCHOLOGY,
    Category.TRANSPORT: Skill.TRANSPORT,
    Category.DIGITAL: Skill.DIGITAL,
    Category.CULTURE: Skill.CULTURE,
    Category.SAFETY: Skill.SAFETY,
}


def _need(actor, need_id) -> Need:
    pk = c.row_id(need_id)
    found = Need.objects.filter(pk=pk).first() if pk else None
    if found is None or not scoping.has_cap(actor, Cap.MATCH_VIEW, found.area_code):
        raise NotFound(_("There is no such need among those you may see."))
    scoping.require(actor, Cap.MATCH_MANAGE, found.area_code)
    if not c.is_user(actor):
        raise Forbidden(_("A match is confirmed by a person signed in."))
    return found


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _max(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _team_rights(actor, resource: Resource) -> None:
    """A team's activity is drafted in its community: the worker must manage its volunteers."""
    team = resource.team
    if not scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE, team.area_code):
        community = Area.objects.filter(code=team.area_code).values_list("name", flat=True)
        raise Forbidden(
            _(
                "Confirming the team “%(team)s” drafts an activity of %(community)s, whose "
                "volunteers you do not manage: ask that community or the town to confirm it."
            )
            % {"team": team.name, "community": community.first() or team.area_code},
            field="resource_id",
        )


def _activity(actor, need: Need, resource: Resource, starts: dt.datetime) -> Activity:
    """A draft activity of the team for the need, with one shift, by the volunteers app's own
    action. Its refusal (the team has stopped, the time has passed) is a Conflict on the
    resource; the caller's transaction then writes nothing."""
    team = resource.team
    community = Area.objects.get(code=matcher.community_of(need.area_code))
    leader = team.leader.name if team.leader_id else ""
    leader = leader or actor.get_full_name() or actor.username
    description = need.description or _("Help for %(who)s: %(need)s.") % {
        "who": need.who,
        "need": need.title,
    }
    skill = CATEGORY_SKILL.get(need.category)
    place = need.place or community.name
    shift = {
        "starts_at": starts,
        "ends_at": starts + SHIFT_LENGTH,
        "place": place[: _max(Shift, "place")],
        "spots": min(need.people, SPOTS_MAX),
    }
    try:
        return activity_create(
            actor=actor,
            area_code=team.area_code,
            shifts=[shift],
            title=need.title[: _max(Activity, "title")],
            description=description[: _max(Activity, "description")],
            target_group=CATEGORY_GROUP.get(need.category, TargetGroup.ALL),
            beneficiaries=need.who[: _max(Activity, "beneficiaries")],
            skills=[skill] if skill else [],
            place=place[: _max(Activity, "place")],
            leader_name=leader[: _max(Activity, "leader_name")],
            team_id=team.pk,
            public=False,
        )
    except Forbidden:
        raise
    except ActionError as refused:
        reasons = [str(m) for messages in refused.errors.values() for m in messages]
        raise Conflict(
            _("The team's activity could not be drafted: %(reason)s")
            % {"reason": reasons[0] if reasons else refused.message},
            field="resource_id",
            code="activity-refused",
        ) from None


def _tell_leader(resource: Resource, need: Need, activity: Activity) -> int:
    team = resource.team
    user = team.leader.user if team.leader_id and team.leader.user_id else None
    if user is None:
        return 0
    when = timezone.localtime(activity.starts_at)

    def text() -> str:
        return _(
            "Your team “%(team)s” is asked to help: %(need)s. A draft activity for %(when)s is "
            "ready for its organiser to publish."
        ) % {"team": team.name, "need": need.title, "when": when.strftime("%Y-%m-%d %H:%M")}

    return notify(
        [user],
        kind="matching.team_matched",
        text=text,
        url=_url("volunteers:activity_manage", activity.pk),
        target=activity,
    )


def match_confirm(*, actor, need_id, resource_id, note="") -> Match:
    """Confirm ``resource_id`` for the need (``match.manage`` over the need's area). Refused
    when the need is met or closed, when the resource would not be suggested for it (category,
    the areas it serves, dates, stopped), when it is matched to the need already, and when it
    has no room for the need's people this week. A team gets a draft activity (``activity``)
    and its leader a notification; confirming it needs ``volunteer.manage`` over the team's
    community too, and is refused whole when the volunteers app refuses the activity."""
    found = _need(actor, need_id)
    errors = c.Errors()
    note = c.plain(
        errors, "note", c.line(errors, "note", note, max_length=NOTE_MAX, required=False)
    )
    pk = c.row_id(resource_id)
    if not pk or not Resource.objects.filter(pk=pk).exists():
        errors.add("resource_id", _("Choose one of the suggested resources."))
    errors.raise_if_any(_("The match was not confirmed."))
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=found.pk)
        if need.status not in (Need.Status.OPEN, Need.Status.MATCHED):
            raise Conflict(_("This need is no longer open."))
        resource = (
            Resource.objects.select_for_update(of=("self",))
            .select_related("team__leader")
            .get(pk=pk)
        )
        suggestion = matcher.resource_for(need, resource)
        if suggestion is None:
            raise Conflict(
                _("This resource cannot help with this need (what it offers, where or when)."),
                field="resource_id",
            )
        if Match.objects.filter(need=need, resource=resource, status=Match.Status.ACTIVE).exists():
            raise Conflict(_("This resource is matched to this need already."), field="resource_id")
        if resource.spare < need.people:
            raise Conflict(
                ngettext(
                    "This resource can take only %(n)d more person this week.",
                    "This resource can take only %(n)d more people this week.",
                    resource.spare,
                )
                % {"n": resource.spare},
                field="resource_id",
                code="no-capacity",
            )
        activity = None
        if resource.kind == Resource.Kind.TEAM:
            starts = matcher.next_time(need, resource.times)
            if starts is None:
                raise Conflict(
                    _("No time within the need's dates suits: change the need's dates or times."),
                    field="resource_id",
                )
            _team_rights(actor, resource)
            activity = _activity(actor, need, resource, starts)
        now = timezone.now()
        try:
            with transaction.atomic():
                match = Match.objects.create(
                    need=need,
                    resource=resource,
                    area_code=need.area_code,
                    score=suggestion.score,
                    reasons=[reason.as_dict() for reason in suggestion.reasons],
                    note=note,
                    confirmed_by=actor,
                    confirmed_at=now,
                    activity=activity,
                )
        except IntegrityError:
            raise Conflict(
                _("This resource is matched to this need already."), field="resource_id"
            ) from None
        Resource.objects.filter(pk=resource.pk).update(
            in_use=F("in_use") + need.people, updated_at=now
        )
        need.status = Need.Status.MATCHED
        need.updated_at = now
        need.save(update_fields=["status", "updated_at"])
        told = _tell_leader(resource, need, activity) if activity is not None else 0
        audit.record(
            actor,
            "match.confirm",
            match,
            extra={
                "need": need.pk,
                "resource": resource.pk,
                "kind": resource.kind,
                "activity": match.activity_id,
                "score": float(match.score),
                "notified": told,
            },
        )
    return match


def _free(match: Match, people: int, now) -> None:
    Resource.objects.filter(pk=match.resource_id).update(
        in_use=Greatest(F("in_use") - people, 0), updated_at=now
    )


def end_live_matches(need: Need, status: str, *, keep: int | None = None) -> int:
    """End the need's matches under way (but ``keep``) as ``status``, freeing the capacity
    they held; the caller holds the need's lock and the transaction."""
    now = timezone.now()
    live = list(
        Match.objects.select_for_update()
        .filter(need_id=need.pk, status=Match.Status.ACTIVE)
        .exclude(pk=keep)
        .order_by("resource_id")
    )
    for match in live:
        Resource.objects.select_for_update().filter(pk=match.resource_id).first()
        _free(match, need.people, now)
        match.status, match.ended_at = status, now
        match.save(update_fields=["status", "ended_at"])
    return len(live)


def meet(actor, need: Need) -> None:
    """Mark the (locked) need met; a need found on a care visit is marked met there too when
    the actor records care visits there."""
    now = timezone.now()
    need.status, need.met_at, need.updated_at = Need.Status.MET, now, now
    need.save(update_fields=["status", "met_at", "updated_at"])
    if (
        need.care_need_id
        and c.is_user(actor)
        and scoping.has_cap(actor, Cap.CARE_VISIT, need.care_need.area_code)
        and need.care_need.met_on is None
    ):
        from linli.care.actions.visits import need_met

        with contextlib.suppress(ActionError):  # met there meanwhile, or not theirs to mark
            need_met(actor=actor, need_id=need.care_need_id)


def match_end(*, actor, match_id, outcome, note="") -> Match:
    """End a match under way: ``done`` (the need is met, and any other match of it ends too)
    or ``cancelled`` (the need waits for help again unless another match is under way). The
    capacity it held is freed. ``match.manage`` over the need's area."""
    pk = c.row_id(match_id)
    found = Match.objects.filter(pk=pk).first() if pk else None
    if found is None or not scoping.has_cap(actor, Cap.MATCH_VIEW, found.area_code):
        raise NotFound(_("There is no such match among those you may see."))
    scoping.require(actor, Cap.MATCH_MANAGE, found.area_code)
    errors = c.Errors()
    outcome = str(outcome or "").strip()
    if outcome not in (Match.Status.DONE, Match.Status.CANCELLED):
        errors.add("outcome", _("Say whether it was done or cancelled."))
    note = c.plain(
        errors, "note", c.line(errors, "note", note, max_length=NOTE_MAX, required=False)
    )
    errors.raise_if_any(_("The match was not ended."))
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=found.need_id)
        match = Match.objects.select_for_update().get(pk=found.pk)
        if match.status != Match.Status.ACTIVE:
            raise Conflict(_("This match has ended already."))
        Resource.objects.select_for_update().filter(pk=match.resource_id).first()
        now = timezone.now()
        _free(match, need.people, now)
        match.status, match.ended_at = outcome, now
        if note:
            match.note = note
        match.save(update_fields=["status", "ended_at", "note"])
        others = 0
        if outcome == Match.Status.DONE:
            others = end_live_matches(need, Match.Status.DONE, keep=match.pk)
            if need.status != Need.Status.MET:
                meet(actor, need)
        elif (
            need.status == Need.Status.MATCHED
            and not Match.objects.filter(need_id=need.pk, status=Match.Status.ACTIVE).exists()
        ):
            need.status, need.updated_at = Need.Status.OPEN, now
            need.save(update_fields=["status", "updated_at"])
        audit.record(
            actor,
            "match.end",
            match,
            extra={"outcome": outcome, "need": need.pk, "resource": match.resource_id,
                   "others_ended": others},
        )  # fmt: skip
    return match


__all__ = ["CATEGORY_GROUP", "CATEGORY_SKILL", "end_live_matches", "match_confirm", "match_end",
           "meet"]  # fmt: skip
