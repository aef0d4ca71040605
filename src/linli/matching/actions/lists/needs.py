"""Writing the residents' needs list (居民需求清单).

A worker with ``match.manage`` over a community or grid lists a need there: what (a category),
for whom in words that name nobody (“独居老人”), where, when (a window of dates and weekly
times), how many people, how urgent, perhaps linked to a registry resident of the community.
A need is also listed from an appeal or from a need found on a care visit — once: listing it
again gives the need already listed — and in bulk, for an area, from every open care-visit need
and every open appeal asking for help at home (:data:`IMPORT_APPEAL_KEYS`).

A need moves open → matched (when a match is confirmed) → met, or is closed with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.roles import Cap

from ...models import Category, Match, Need
from . import _common as c

TITLE_MAX = Need._meta.get_field("title").max_length
WHO_MAX = Need._meta.get_field("who").max_length
PLACE_MAX = Need._meta.get_field("place").max_length
DESCRIPTION_MAX = Need._meta.get_field("description").max_length
REASON_MAX = Need._meta.get_field("closed_reason").max_length
PEOPLE_MAX = 1000
IMPORT_MAX = 500  # of each source in one run; run it again for more

NEED_FIELDS = (
    "category",
    "title",
    "who",
    "description",
    "place",
    "wanted_from",
    "wanted_until",
    "times",
    "people",
    "urgency",
    "resident_id",
)

# A need found on a care visit, by its kind (and, for daily care and company, by whom it is for).
CARE_KIND_CATEGORY = {
    "health": Category.HEALTH,
    "daily_care": Category.ELDERLY_CARE,
    "meals": Category.MEALS,
    "housing": Category.HOUSING,
    "finance": Category.FINANCE,
    "company": Category.ELDERLY_CARE,
    "legal": Category.LEGAL,
    "other": Category.OTHER,
}
CARE_NOT_ELDERLY = {
    ("daily_care", "disability"): Category.DISABILITY,
    ("daily_care", "child"): Category.CHILDREN,
    ("company", "disability"): Category.PSYCHOLOGY,
    ("company", "child"): Category.CHILDREN,
}
# An appeal, by the key of its category (or of the category's parent) in the built-in catalogue.
APPEAL_KEY_CATEGORY = {
    "elderly": Category.ELDERLY_CARE,
    "assistance": Category.FINANCE,
    "health": Category.HEALTH,
    "property": Category.HOUSING,
    "property.leak": Category.HOUSING,
    "property.utilities": Category.HOUSING,
    "environment": Category.CLEANING,
    "dispute": Category.LEGAL,
    "fire": Category.SAFETY,
    "order": Category.SAFETY,
    "urgent": Category.SAFETY,
}
# The appeals the bulk listing takes: asking for help for a person (elderly care, social
# assistance, health care), not repairs or complaints, which the appeal's own unit handles.
IMPORT_APPEAL_KEYS = ("elderly", "assistance", "health")


def _who_for_care(kind: str) -> str:
    return {
        "elderly": _("an older person on the care roster"),
        "disability": _("a person with disabilities on the care roster"),
        "child": _("a child on the care roster"),
    }.get(kind, _("a person on the care roster"))


# --- cleaning ------------------------------------------------------------------------------------


def _resident(actor, errors: c.Errors, value, area_code: str):
    """A registry resident of the need's community that the actor sees, or None."""
    from linli.registry.models import Resident

    if value in (None, ""):
        return None
    pk = c.row_id(value)
    found = Resident.objects.filter(pk=pk).first() if pk else None
    if (
        found is None
        or not scoping.has_cap(actor, Cap.REGISTRY_VIEW, found.area_code)
        or not found.area_code.startswith(area_code[:12])
    ):
        errors.add("resident_id", _("Choose a resident of this community from the registry."))
        return None
    return found


def _clean(actor, errors: c.Errors, data: dict, *, area_code: str, current: Need | None):
    """The need's fields from ``data``; on an update, members left out keep their values."""

    def get(name, default=None):
        if name in data:
            return data[name]
        if current is not None:
            return getattr(current, name)
        return default

    values = {
        "category": c.choice(errors, "category", get("category"), Category),
        "title": c.plain(
            errors,
            "title",
            c.line(errors, "title", get("title"), max_length=TITLE_MAX, required=True),
        ),
        "who": c.plain(
            errors, "who", c.line(errors, "who", get("who"), max_length=WHO_MAX, required=True)
        ),
        "description": c.plain(
            errors,
            "description",
            c.text(errors, "description", get("description"), max_length=DESCRIPTION_MAX),
        ),
        "place": c.line(errors, "place", get("place"), max_length=PLACE_MAX, required=False),
        "times": c.times(errors, "times", get("times")),
        "people": c.integer(
            errors, "people", get("people", 1), minimum=1, maximum=PEOPLE_MAX, required=True
        ),
        "urgency": c.choice(
            errors, "urgency", get("urgency"), Need.Urgency, default=Need.Urgency.NORMAL
        ),
    }
    values["wanted_from"], values["wanted_until"] = c.window(
        errors, get("wanted_from"), get("wanted_until")
    )
    until = values["wanted_until"]
    changed_until = current is None or until != current.wanted_until
    if until and changed_until and until < timezone.localdate():
        errors.add("wanted_until", _("This date has passed."))
    if "resident_id" in data or current is None:
        values["resident"] = _resident(actor, errors, data.get("resident_id"), area_code)
        resident = values["resident"]
    else:
        resident = current.resident
    if resident is not None and resident.name:
        for name in ("title", "who", "description"):
            if resident.name in (values[name] or ""):
                errors.add(name, _("Do not write the person's name here: the link says who."))
    return values


def _writable(actor, need_id) -> Need:
    """A need the actor sees (else not found) and may change (else refused)."""
    pk = c.row_id(need_id)
    found = Need.objects.filter(pk=pk).first() if pk else None
    if found is None or not scoping.has_cap(actor, Cap.MATCH_VIEW, found.area_code):
        raise NotFound(_("There is no such need among those you may see."))
    scoping.require(actor, Cap.MATCH_MANAGE, found.area_code)
    return found


# --- one need ------------------------------------------------------------------------------------


def need_create(*, actor, area_code, **data) -> Need:
    """List a need in a community or grid (``area_code``). The members are those of
    :data:`NEED_FIELDS`: ``category``, ``title`` and ``who`` are required; ``times`` are weekly
    times (``sat_am``); ``resident_id`` links a registry resident of the community."""
    unknown = set(data) - set(NEED_FIELDS)
    if unknown:
        raise TypeError(f"need_create got unknown members: {sorted(unknown)}")
    area = c.place(area_code, levels=(Level.COMMUNITY, Level.GRID))
    scoping.require(actor, Cap.MATCH_MANAGE, area.code)
    errors = c.Errors()
    values = _clean(actor, errors, data, area_code=area.code, current=None)
    errors.raise_if_any(_("The need was not listed."))
    now = timezone.now()
    with transaction.atomic():
        need = Need.objects.create(
            area_code=area.code,
            source=Need.Source.ENTERED,
            created_by=c.user_or_none(actor),
            created_at=now,
            updated_at=now,
            **values,
        )
        audit.record(actor, "need.create", need, extra=_extra(need))
    return need


def _extra(need: Need) -> dict:
    return {
        "source": need.source,
        "category": need.category,
        "urgency": need.urgency,
        "people": need.people,
        "resident": need.resident_id,
        "appeal": need.appeal_id,
        "care_need": need.care_need_id,
    }


def need_update(*, actor, need_id, **data) -> Need:
    """Change a need that is open or matched: members of :data:`NEED_FIELDS` given change,
    those left out keep their values. A matched need keeps its number of people (end the
    match first) and its category."""
    unknown = set(data) - set(NEED_FIELDS)
    if unknown:
        raise TypeError(f"need_update got unknown members: {sorted(unknown)}")
    found = _writable(actor, need_id)
    if found.status not in (Need.Status.OPEN, Need.Status.MATCHED):
        raise Conflict(_("A need that is met or closed cannot be changed."))
    errors = c.Errors()
    values = _clean(actor, errors, data, area_code=found.area_code, current=found)
    live = Match.objects.filter(need_id=found.pk, status=Match.Status.ACTIVE).exists()
    if live and values["people"] is not None and values["people"] != found.people:
        errors.add("people", _("It is matched: end its match before changing how many people."))
    if live and values["category"] != found.category:
        errors.add("category", _("It is matched: end its match before changing the category."))
    errors.raise_if_any(_("The need was not saved."))
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=found.pk)
        if need.status not in (Need.Status.OPEN, Need.Status.MATCHED):
            raise Conflict(_("A need that is met or closed cannot be changed."))
        for name, value in values.items():
            setattr(need, name, value)
        need.updated_at = timezone.now()
        need.save()
        audit.record(actor, "need.update", need, extra=_extra(need))
    return need


def need_close(*, actor, need_id, reason) -> Need:
    """Close an open need without help, saying why (a matched one: end its match first)."""
    found = _writable(actor, need_id)
    errors = c.Errors()
    why = c.line(errors, "reason", reason, max_length=REASON_MAX, required=True)
    c.plain(errors, "reason", why)
    errors.raise_if_any(_("The need was not closed."))
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=found.pk)
        if need.status == Need.Status.MATCHED:
            raise Conflict(_("It is matched: end its match first."))
        if need.status != Need.Status.OPEN:
            raise Conflict(_("This need is no longer open."))
        need.status = Need.Status.CLOSED
        need.closed_reason = why
        need.updated_at = timezone.now()
        need.save(update_fields=["status", "closed_reason", "updated_at"])
        audit.record(actor, "need.close", need)
    return need


def need_mark_met(*, actor, need_id) -> Need:
    """Say that an open or matched need has been met; its live matches end as done, freeing
    their resources' capacity."""
    from .matches import end_live_matches, meet

    found = _writable(actor, need_id)
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=found.pk)
        if need.status not in (Need.Status.OPEN, Need.Status.MATCHED):
            raise Conflict(_("This need is no longer open."))
        ended = end_live_matches(need, Match.Status.DONE)
        meet(actor, need)
        audit.record(actor, "need.met", need, extra={"matches_ended": ended})
    return need


# --- from an appeal or a care visit -------------------------------------------------------------


def _in_community(code: str) -> bool:
    from linli.core import areacodes

    try:
        return areacodes.level_of(code) in (Level.COMMUNITY, Level.GRID)
    except areacodes.AreaCodeError:
        return False


def _listed(found: Need, created: bool) -> Need:
    found.created = created
    return found


def _appeal_values(appeal) -> dict:
    keys = [appeal.category.key]
    if appeal.category.parent_id:
        keys.append(appeal.category.parent.key)
    category = next((APPEAL_KEY_CATEGORY[k] for k in keys if k in APPEAL_KEY_CATEGORY), None)
    title = _("%(category)s (appeal %(number)s)") % {
        "category": appeal.category.name,
        "number": appeal.number,
    }
    return {
        "area_code": appeal.area_code,
        "source": Need.Source.APPEAL,
        "appeal": appeal,
        "resident_id": appeal.resident_id,
        "category": category or Category.OTHER,
        "title": title[:TITLE_MAX],
        "who": _("a resident who made an appeal"),
        "urgency": Need.Urgency.URGENT if appeal.tier.code == "emergency" else Need.Urgency.NORMAL,
    }


def _care_values(care_need) -> dict:
    from linli.care.models import Need as CareNeed

    subject_kind = care_need.subject.kind
    category = CARE_NOT_ELDERLY.get((care_need.kind, subject_kind)) or CARE_KIND_CATEGORY.get(
        care_need.kind, Category.OTHER
    )
    title = _("%(need)s (found on a care visit)") % {"need": CareNeed.Kind(care_need.kind).label}
    return {
        "area_code": care_need.area_code,
        "source": Need.Source.CARE_VISIT,
        "care_need": care_need,
        "resident_id": care_need.resident_id,
        "category": category,
        "title": title[:TITLE_MAX],
        "who": _who_for_care(subject_kind),
        "urgency": Need.Urgency.URGENT
        if care_need.urgency == CareNeed.Urgency.URGENT
        else Need.Urgency.NORMAL,
    }


def _list_one(actor, values: dict, link: str, action: str) -> Need:
    now = timezone.now()
    try:
        with transaction.atomic():
            need = Need.objects.create(created_by=c.user_or_none(actor), created_at=now,
                                       updated_at=now, **values)  # fmt: skip
            audit.record(actor, action, need, extra=_extra(need))
    except IntegrityError:  # listed at the same moment by someone else
        return _listed(Need.objects.get(**{f"{link}_id": values[link].pk}), False)
    return _listed(need, True)


def need_from_appeal(*, actor, appeal_id) -> Need:
    """List an appeal the actor sees (``appeal.view``) as a need of its community or grid
    (``match.manage``). Listing it again gives the need already listed (``created`` False).
    The need names no one and copies no text of the appeal: its category, urgency and
    resident come over; the worker adds the details."""
    from linli.appeals.models import Appeal, State

    pk = c.row_id(appeal_id)
    appeal = (
        Appeal.objects.select_related("category", "category__parent", "tier").filter(pk=pk).first()
        if pk
        else None
    )
    if appeal is None or not scoping.has_cap(actor, Cap.APPEAL_VIEW, appeal.area_code):
        raise NotFound(_("There is no such appeal, or it is not yours to see."), field="appeal_id")
    scoping.require(actor, Cap.MATCH_MANAGE, appeal.area_code)
    existing = Need.objects.filter(appeal_id=appeal.pk).first()
    if existing is not None:
        return _listed(existing, False)
    if appeal.state in (State.MERGED, State.REJECTED):
        raise Conflict(
            _("This appeal was merged or rejected: list the appeal it was merged into."),
            field="appeal_id",
        )
    if not _in_community(appeal.area_code):
        raise ActionError(_("This appeal is not in a community or grid."), field="appeal_id")
    return _list_one(actor, _appeal_values(appeal), "appeal", "need.from_appeal")


def need_from_care_need(*, actor, care_need_id) -> Need:
    """List a need found on a care visit (``care.view``) as a need of the list
    (``match.manage``); once only, as :func:`need_from_appeal`. A need already met is not
    listed."""
    from linli.care.models import Need as CareNeed

    pk = c.row_id(care_need_id)
    care_need = CareNeed.objects.select_related("subject").filter(pk=pk).first() if pk else None
    if care_need is None or not scoping.has_cap(actor, Cap.CARE_VIEW, care_need.area_code):
        raise NotFound(
            _("There is no such need found on a visit among those you may see."),
            field="care_need_id",
        )
    scoping.require(actor, Cap.MATCH_MANAGE, care_need.area_code)
    existing = Need.objects.filter(care_need_id=care_need.pk).first()
    if existing is not None:
        return _listed(existing, False)
    if care_need.met_on is not None:
        raise Conflict(_("This need has been met already."), field="care_need_id")
    return _list_one(actor, _care_values(care_need), "care_need", "need.from_care_need")


@dataclass
class ImportResult:
    area_code: str
    from_appeals: int
    from_care_visits: int
    more: bool  # more were waiting than one run lists: run it again

    @property
    def total(self) -> int:
        return self.from_appeals + self.from_care_visits


def needs_import(*, actor, area_code) -> ImportResult:
    """List in one go, for a county, town or community, every need found on a care visit not
    yet met and every open appeal asking for help for a person (the categories
    :data:`IMPORT_APPEAL_KEYS` and those below them) that is not yet listed and that the actor
    may list. Running it again lists only what came since (at most :data:`IMPORT_MAX` of each
    in one run)."""
    from linli.appeals.models import OPEN_STATES, Appeal
    from linli.care.models import Need as CareNeed

    area = c.place(area_code, levels=(Level.COUNTY, Level.TOWN, Level.COMMUNITY))
    scoping.require(actor, Cap.MATCH_MANAGE, area.code)
    prefix = area.prefix
    appeals = scoping.scope(Appeal.objects.all(), actor, Cap.APPEAL_VIEW)
    appeals = list(
        scoping.scope(appeals, actor, Cap.MATCH_MANAGE)
        .filter(
            Q(category__key__in=IMPORT_APPEAL_KEYS)
            | Q(category__parent__key__in=IMPORT_APPEAL_KEYS),
            area_code__startswith=prefix,
            state__in=OPEN_STATES,
            listed_need__isnull=True,
        )
        .select_related("category", "category__parent", "tier")
        .order_by("submitted_at", "id")[: IMPORT_MAX + 1]
    )
    care = scoping.scope(CareNeed.objects.all(), actor, Cap.CARE_VIEW)
    care = list(
        scoping.scope(care, actor, Cap.MATCH_MANAGE)
        .filter(area_code__startswith=prefix, met_on__isnull=True, listed_need__isnull=True)
        .select_related("subject")
        .order_by("created_at", "id")[: IMPORT_MAX + 1]
    )
    more = len(appeals) > IMPORT_MAX or len(care) > IMPORT_MAX
    appeals = [a for a in appeals[:IMPORT_MAX] if _in_community(a.area_code)]
    care = [n for n in care[:IMPORT_MAX] if _in_community(n.area_code)]
    now = timezone.now()
    by = c.user_or_none(actor)
    rows = [
        Need(created_by=by, created_at=now, updated_at=now, **_appeal_values(a)) for a in appeals
    ] + [Need(created_by=by, created_at=now, updated_at=now, **_care_values(n)) for n in care]
    with transaction.atomic():
        # Listed meanwhile by someone else: the one-to-one link refuses it, and it is skipped.
        Need.objects.bulk_create(rows, ignore_conflicts=True, batch_size=200)
        listed = Need.objects.filter(created_at=now, created_by=by, area_code__startswith=prefix)
        counts = {
            "appeals": listed.filter(appeal_id__in=[a.pk for a in appeals]).count(),
            "care": listed.filter(care_need_id__in=[n.pk for n in care]).count(),
        }
        audit.record(
            actor,
            "need.import",
            area_code=area.code,
            target_type="core.area",
            target_id=area.code,
            extra={"from_appeals": counts["appeals"], "from_care_visits": counts["care"],
                   "more": more},
        )  # fmt: skip
    return ImportResult(area.code, counts["appeals"], counts["care"], more)


__all__ = [
    "APPEAL_KEY_CATEGORY",
    "CARE_KIND_CATEGORY",
    "IMPORT_APPEAL_KEYS",
    "NEED_FIELDS",
    "ImportResult",
    "need_close",
    "need_create",
    "need_from_appeal",
    "need_from_care_need",
    "need_mark_met",
    "need_update",
    "needs_import",
]
