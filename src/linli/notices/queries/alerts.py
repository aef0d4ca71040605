"""Reading emergency alerts, always scoped.

- Staff follow the alerts whose area lies within their areas or above them (a county's alert
  reaches a community worker's residents), holding ``alert.view`` or ``alert.issue``; the
  counts, lists and people they see are those of their own areas only.
- Grid and community workers (``alert.check``) see the residents awaiting their check.
- A resident sees the alerts that reached them (their own :class:`AlertRecipient` row).

Anything else is a 404, never a 403 that would tell it exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Alert, AlertRecipient, InfoOfficer

__all__ = [
    "ALERT_IN_FORCE",
    "AlertLive",
    "LiveRow",
    "active_alerts_for_resident",
    "alert_area_choices",
    "alert_check_due",
    "alert_get",
    "alert_list",
    "alert_live",
    "alert_officer_communities",
    "alert_recipient_for_resident",
    "alert_unaccounted",
    "alert_visible_q",
    "alerts_for_checking",
    "alerts_overview",
    "check_counts",
    "check_list",
    "officer_get",
    "officer_list",
    "officers_missing",
    "people_of",
]

ALERT_IN_FORCE = (Alert.Status.SENDING, Alert.Status.ACTIVE)
SEVERITY_RANK = {"red": 4, "orange": 3, "yellow": 2, "blue": 1}
CHOICES_MAX = 600
_CHILD_LENGTH = {6: 9, 9: 12, 12: 15, 15: 15}


# --- who sees which alert ---------------------------------------------------------------------


def _minimal(prefixes: list[str]) -> list[str]:
    kept: list[str] = []
    for prefix in sorted(set(prefixes), key=len):
        if not any(prefix.startswith(other) for other in kept):
            kept.append(prefix)
    return sorted(kept)


def _follow_prefixes(actor) -> list[str]:
    """Where the actor follows alerts: ``alert.view`` or ``alert.issue``."""
    return _minimal(
        scoping.prefixes(actor, Cap.ALERT_VIEW) + scoping.prefixes(actor, Cap.ALERT_ISSUE)
    )


def _codes_above(prefix: str) -> set[str]:
    """The canonical codes of the areas above (and at) the area of ``prefix``."""
    return {areacodes.normalize(prefix[:n]) for n in (2, 4, 6, 9, 12) if n <= len(prefix)}


def alert_visible_q(actor) -> Q:
    """The alerts ``actor`` may see."""
    if actor is scoping.SYSTEM:
        return Q()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Q(pk__in=[])
    granted = _follow_prefixes(actor)
    q = Q(Exists(AlertRecipient.objects.filter(alert_id=OuterRef("pk"), user_id=actor.pk)))
    if granted:
        q |= scoping.prefix_q(granted)
        above = set().union(*(_codes_above(p) for p in granted if p))
        if above:
            q |= Q(area_code__in=sorted(above))
    return q


def _area_name():
    return Subquery(Area.objects.filter(code=OuterRef("area_code")).values("name")[:1])


def alert_check_due(alert: Alert, now: dt.datetime | None = None) -> bool:
    """Has the alert's check time come (issued + ``check_after`` minutes)?"""
    now = now or timezone.now()
    return alert.issued_at + dt.timedelta(minutes=alert.check_after) <= now


def alert_list(*, actor, filters: dict | None = None) -> QuerySet[Alert]:
    """Alerts the actor may see, newest first. Filters: ``status`` (``in_force`` for sending or
    active, or one status), ``kind``, ``area`` (a code: alerts of that area and below)."""
    filters = filters or {}
    qs = Alert.objects.filter(alert_visible_q(actor)).annotate(area_name=_area_name())
    status = filters.get("status") or ""
    if status == "in_force":
        qs = qs.filter(status__in=ALERT_IN_FORCE)
    elif status:
        if status not in Alert.Status.values:
            raise ActionError(_("Unknown status: %(s)s.") % {"s": str(status)[:20]}, field="status")
        qs = qs.filter(status=status)
    kind = filters.get("kind") or ""
    if kind:
        if kind not in Alert.Kind.values:
            raise ActionError(_("Unknown kind: %(k)s.") % {"k": str(kind)[:20]}, field="kind")
        qs = qs.filter(kind=kind)
    area = filters.get("area") or ""
    if area:
        try:
            qs = qs.filter(area_code__startswith=areacodes.prefix_of(area))
        except areacodes.AreaCodeError:
            raise ActionError(_("An area is given by its code."), field="area") from None
    return qs.order_by("-issued_at", "-id")


def alert_get(*, actor, alert_id: int) -> Alert:
    alert = (
        Alert.objects.filter(alert_visible_q(actor), pk=alert_id)
        .annotate(area_name=_area_name())
        .select_related("issued_by")
        .first()
    )
    if alert is None:
        raise NotFound(_("There is no such alert, or it is not yours to see."))
    return alert


def alerts_overview(*, actor, limit: int = 5) -> list[Alert]:
    """Alerts in force the actor follows (not those they merely received), for the home page."""
    granted = _follow_prefixes(actor)
    if not granted:
        return []
    above = set().union(*(_codes_above(p) for p in granted if p))
    q = scoping.prefix_q(granted) | (Q(area_code__in=sorted(above)) if above else Q(pk__in=[]))
    return list(
        Alert.objects.filter(q, status__in=ALERT_IN_FORCE)
        .annotate(area_name=_area_name())
        .order_by("-issued_at", "-id")[:limit]
    )


# --- the live counts ------------------------------------------------------------------------


@dataclass
class LiveRow:
    code: str  # the child area's code (a grid, or a community for homes outside grids)
    name: str
    reached: int = 0
    acknowledged: int = 0
    need_help: int = 0
    vulnerable: int = 0
    checked_safe: int = 0
    checked_help: int = 0
    not_reached: int = 0
    awaiting: int = 0
    outside_grids: bool = False
    drill: bool = False

    @property
    def acknowledged_percent(self) -> int:
        return round(100 * self.acknowledged / self.reached) if self.reached else 0


COUNTS = (
    "reached",
    "acknowledged",
    "need_help",
    "vulnerable",
    "checked_safe",
    "checked_help",
    "not_reached",
    "awaiting",
)


@dataclass
class AlertLive:
    alert: Alert
    area: Area  # where the counts are broken down
    rows: list[LiveRow]
    total: LiveRow
    crumbs: list[Area] = field(default_factory=list)  # from the alert's area down to ``area``
    due: bool = False
    unaccounted: int = 0  # how many :func:`alert_unaccounted` lists


def _recipients_in(alert: Alert, area: Area, granted: list[str]) -> QuerySet:
    """The alert's recipients under ``area`` and within ``granted``; filters that would match
    every row are left out, so that the planner reads the alert's rows in one range."""
    qs = AlertRecipient.objects.filter(alert_id=alert.pk)
    if area.prefix != areacodes.prefix_of(alert.area_code):
        qs = qs.filter(area_code__startswith=area.prefix)
    if not any(area.prefix.startswith(p) for p in granted):
        qs = qs.filter(scoping.prefix_q(granted))
    return qs


_UNACCOUNTED = Q(ack=AlertRecipient.Ack.HELP, checked="") | Q(
    vulnerable=True, ack="", checked__in=("", AlertRecipient.CheckResult.UNREACHED)
)


def _awaiting_q(due: bool) -> Q:
    """Recipients awaiting a check: not checked, and asked for help or (once the check time
    has come) vulnerable and silent."""
    wanting = Q(ack=AlertRecipient.Ack.HELP)
    if due:
        wanting |= Q(vulnerable=True, ack="")
    return Q(checked="") & wanting


def _base_area(actor, alert: Alert, area_code: str | None) -> Area:
    """Where to break the counts down: the asked area (inside the alert's and the actor's), or
    by default the alert's area, or the actor's own area when it lies inside the alert's."""
    alert_prefix = areacodes.prefix_of(alert.area_code)
    granted = _follow_prefixes(actor)
    if area_code:
        try:
            code = areacodes.normalize(str(area_code))
            prefix = areacodes.prefix_of(code)
        except areacodes.AreaCodeError:
            raise NotFound(_("There is no such area in this alert.")) from None
        if not prefix.startswith(alert_prefix) or not any(
            prefix.startswith(p) or p.startswith(prefix) for p in granted
        ):
            raise NotFound(_("There is no such area in this alert."))
    else:
        inside = [p for p in granted if p.startswith(alert_prefix) and p != alert_prefix]
        covers = any(alert_prefix.startswith(p) for p in granted)
        code = alert.area_code
        if len(inside) == 1 and not covers:
            code = areacodes.normalize(inside[0])
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise NotFound(_("There is no such area in this alert."))
    return area


def _count_filters(due: bool) -> list[tuple[str, Q]]:
    return [
        ("reached", Q()),
        ("acknowledged", ~Q(ack="")),
        ("need_help", Q(ack=AlertRecipient.Ack.HELP)),
        ("vulnerable", Q(vulnerable=True)),
        ("checked_safe", Q(checked=AlertRecipient.CheckResult.SAFE)),
        ("checked_help", Q(checked=AlertRecipient.CheckResult.HELP)),
        ("not_reached", Q(checked=AlertRecipient.CheckResult.UNREACHED)),
        ("awaiting", _awaiting_q(due)),
        ("unaccounted", _UNACCOUNTED),
    ]


def alert_live(*, actor, alert_id: int, area_code: str | None = None) -> AlertLive:
    """Counts per child area of ``area_code`` (default: the alert's area), in one GROUP BY
    over the alert's recipients (index on alert and area code): reached, acknowledged, asked
    for help, vulnerable, checked safe, checked needing help, not reached, awaiting a check.
    Only the actor's areas are counted."""
    alert = alert_get(actor=actor, alert_id=alert_id)
    granted = _follow_prefixes(actor)
    if not granted:
        raise NotFound(_("There is no such alert, or it is not yours to see."))
    area = _base_area(actor, alert, area_code)
    due = alert_check_due(alert)
    child_length = _CHILD_LENGTH.get(len(area.prefix), len(area.prefix))
    grouped = (
        _recipients_in(alert, area, granted)
        .annotate(child=Substr("area_code", 1, child_length))
        .values("child")
        .annotate(**{f"n_{key}": Count("id", filter=q) for key, q in _count_filters(due)})
        .order_by("child")
    )
    rows_data = list(grouped)
    alert_prefix = areacodes.prefix_of(alert.area_code)
    crumb_codes = [
        areacodes.normalize(area.prefix[:n])
        for n in (6, 9, 12, 15)
        if len(alert_prefix) < n <= len(area.prefix)
    ]
    child_codes = [areacodes.normalize(row["child"]) for row in rows_data]
    names = dict(
        Area.objects.filter(code__in={*child_codes, *crumb_codes, alert.area_code}).values_list(
            "code", "name"
        )
    )
    rows = []
    total = LiveRow(code=area.code, name=names.get(area.code, area.name))
    for row, code in zip(rows_data, child_codes, strict=True):
        outside = code == area.code and len(area.prefix) == 12
        item = LiveRow(
            code=code,
            name=_("Homes outside any grid") if outside else names.get(code, code),
            outside_grids=outside,
            drill=code != area.code,
            **{key: row[f"n_{key}"] for key in COUNTS},
        )
        rows.append(item)
        for key in COUNTS:
            setattr(total, key, getattr(total, key) + row[f"n_{key}"])
    crumbs = [Area(code=c, name=names.get(c, c)) for c in [alert.area_code, *crumb_codes]]
    return AlertLive(
        alert=alert,
        area=area,
        rows=rows,
        total=total,
        crumbs=crumbs,
        due=due,
        unaccounted=sum(row["n_unaccounted"] for row in rows_data),
    )


def alert_unaccounted(
    *, actor, alert_id: int, area_code: str | None = None, live: AlertLive | None = None
) -> QuerySet:
    """The people of the actor's areas the alert has not yet accounted for: those who asked for
    help and were not checked yet, then vulnerable residents who have not answered and were
    not found (not checked, or not reached). Help first, then not reached, then awaiting.
    ``live``: the counts just read for the same alert and area (saves reading them again)."""
    granted = _follow_prefixes(actor)
    if live is not None:
        alert, area = live.alert, live.area
    else:
        alert = alert_get(actor=actor, alert_id=alert_id)
        if not granted:
            raise NotFound(_("There is no such alert, or it is not yours to see."))
        area = _base_area(actor, alert, area_code)
    qs = _recipients_in(alert, area, granted).filter(_UNACCOUNTED)
    return _ranked(qs).order_by("rank", "area_code", "id")


def _ranked(qs: QuerySet) -> QuerySet:
    """Ranked for lists: asked for help and not checked (0), not reached (1), awaiting (2)."""
    return qs.annotate(
        rank=Case(
            When(ack=AlertRecipient.Ack.HELP, checked="", then=Value(0)),
            When(checked=AlertRecipient.CheckResult.UNREACHED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )


def people_of(qs: QuerySet, index) -> list[AlertRecipient]:
    """The rows ``qs[index]`` with the people's names, addresses and phones: the page is chosen
    on the recipients alone, then only its rows are read with their residents (two queries,
    however many rows the list holds)."""
    ids = list(qs.values_list("pk", flat=True)[index])
    found = {row.pk: row for row in _ranked(_people(AlertRecipient.objects.filter(pk__in=ids)))}
    return [found[pk] for pk in ids if pk in found]


def _people(qs: QuerySet) -> QuerySet:
    """Recipients with what a list shows of them: name, address, phone (masked by the pages)."""
    return qs.select_related("alert", "resident", "resident__household").only(
        "id",
        "alert_id",
        "area_code",
        "vulnerable",
        "ack",
        "ack_at",
        "checked",
        "checked_at",
        "check_note",
        "appeal_id",
        "alert__id",
        "alert__title",
        "alert__severity",
        "alert__kind",
        "alert__status",
        "alert__issued_at",
        "alert__check_after",
        "resident__id",
        "resident__name",
        "resident__phone",
        "resident__area_code",
        "resident__household__id",
        "resident__household__address",
    )


# --- the grid worker's check list ------------------------------------------------------------


def alerts_for_checking(*, actor) -> list[Alert]:
    """Alerts in force over the actor's checking areas (within them or above)."""
    granted = scoping.prefixes(actor, Cap.ALERT_CHECK)
    if not granted:
        return []
    above = set().union(*(_codes_above(p) for p in granted if p))
    q = scoping.prefix_q(granted) | (Q(area_code__in=sorted(above)) if above else Q(pk__in=[]))
    return list(
        Alert.objects.filter(q, status__in=ALERT_IN_FORCE).order_by("-issued_at", "-id")[:50]
    )


def _awaiting_mine(actor, alerts: list[Alert]) -> QuerySet:
    if not alerts:
        return AlertRecipient.objects.none()
    now = timezone.now()
    ids = [a.pk for a in alerts]
    due = [a.pk for a in alerts if alert_check_due(a, now)]
    wanted = Q(alert_id__in=ids, ack=AlertRecipient.Ack.HELP, checked="")
    if due:
        wanted |= Q(
            alert_id__in=due,
            vulnerable=True,
            ack="",
            checked__in=("", AlertRecipient.CheckResult.UNREACHED),
        )
    return scoping.scope(AlertRecipient.objects.filter(wanted), actor, Cap.ALERT_CHECK)


def check_list(*, actor, alert_id: int | None = None) -> QuerySet:
    """Residents of the actor's areas awaiting their check after alerts in force: those who
    asked for help (at once, first), then vulnerable residents who have not answered once the
    check time has come; those who could not be reached stay on the list, last, to try again.
    With ``alert_id``, that alert only."""
    alerts = alerts_for_checking(actor=actor)
    if alert_id is not None:
        alerts = [a for a in alerts if a.pk == alert_id]
        if not alerts:
            raise NotFound(_("There is no such alert in force in your areas."))
    qs = _awaiting_mine(actor, alerts)
    return _ranked(_people(qs)).order_by("rank", "-alert__issued_at", "area_code", "id")


def check_counts(*, actor) -> list[tuple[Alert, int]]:
    """Each alert in force over the actor's areas with how many residents await their check
    (two queries), for the staff home page."""
    alerts = alerts_for_checking(actor=actor)
    if not alerts:
        return []
    counts = dict(
        _awaiting_mine(actor, alerts)
        .order_by()
        .values("alert_id")
        .annotate(n=Count("id"))
        .values_list("alert_id", "n")
    )
    return [(alert, counts.get(alert.pk, 0)) for alert in alerts]


# --- the resident's alerts -------------------------------------------------------------------


def active_alerts_for_resident(*, actor) -> list[AlertRecipient]:
    """The alerts in force that reached the actor, most severe first (one query)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    now = timezone.now()
    rows = list(
        AlertRecipient.objects.filter(user_id=actor.pk, alert__status__in=ALERT_IN_FORCE)
        .filter(Q(alert__ends_at__isnull=True) | Q(alert__ends_at__gt=now))
        .select_related("alert")
        .order_by("-alert__issued_at")[:10]
    )
    rows.sort(key=lambda r: -SEVERITY_RANK.get(r.alert.severity, 0))
    return rows


def alert_recipient_for_resident(*, actor, alert_id: int) -> AlertRecipient:
    """The actor's own row of an alert that reached them."""
    if not getattr(actor, "is_authenticated", False):
        raise NotFound(_("There is no such alert among yours."))
    row = (
        AlertRecipient.objects.filter(alert_id=alert_id, user_id=actor.pk)
        .select_related("alert")
        .first()
    )
    if row is None:
        raise NotFound(_("There is no such alert among yours."))
    return row


# --- choices for the forms --------------------------------------------------------------------


def alert_area_choices(*, actor) -> list[Area]:
    """Counties, towns and communities where the actor may issue alerts, in code order."""
    granted = scoping.prefixes(actor, Cap.ALERT_ISSUE)
    if not granted:
        return []
    return list(
        Area.objects.filter(level__in=(Level.COUNTY, Level.TOWN, Level.COMMUNITY))
        .filter(scoping.prefix_q(granted, "code"))
        .order_by("code")[:CHOICES_MAX]
    )


def alert_officer_communities(*, actor) -> list[Area]:
    """Communities where the actor designates information officers."""
    return list(
        scoping.scope(
            Area.objects.filter(level=Level.COMMUNITY), actor, Cap.ALERT_OFFICERS, field="code"
        )
        .select_related("parent")
        .order_by("code")[:CHOICES_MAX]
    )


# --- disaster information officers -------------------------------------------------------------


def _officer_prefixes(actor) -> list[str]:
    return _minimal(
        scoping.prefixes(actor, Cap.ALERT_VIEW) + scoping.prefixes(actor, Cap.ALERT_OFFICERS)
    )


def _area_prefix(area_code) -> str:
    if not area_code:
        return ""
    try:
        return areacodes.prefix_of(str(area_code))
    except areacodes.AreaCodeError:
        raise ActionError(_("An area is given by its code."), field="area") from None


def officers_missing(*, actor, area_code: str | None = None) -> QuerySet[Area]:
    """Communities and villages of the actor's areas with no current information officer."""
    prefix = _area_prefix(area_code)
    current = InfoOfficer.objects.filter(community_id=OuterRef("code"), ended_on__isnull=True)
    return (
        Area.objects.filter(level=Level.COMMUNITY, code__startswith=prefix)
        .filter(scoping.prefix_q(_officer_prefixes(actor), "code"))
        .filter(~Exists(current))
        .select_related("parent")
        .order_by("code")
    )


def officer_list(
    *, actor, area_code: str | None = None, include_ended: bool = False
) -> QuerySet[InfoOfficer]:
    """Information officers of the actor's areas (current ones unless ``include_ended``)."""
    prefix = _area_prefix(area_code)
    qs = InfoOfficer.objects.filter(
        scoping.prefix_q(_officer_prefixes(actor)), area_code__startswith=prefix
    )
    if not include_ended:
        qs = qs.filter(ended_on__isnull=True)
    return qs.select_related("community", "community__parent", "user").order_by(
        "area_code", "-started_on", "-id"
    )


def officer_get(*, actor, officer_id: int) -> InfoOfficer:
    officer = officer_list(actor=actor, include_ended=True).filter(pk=officer_id).first()
    if officer is None:
        raise NotFound(_("There is no such information officer."))
    return officer
