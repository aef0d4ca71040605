"""Emergency alerts (预警信息发布) at /api/v1/notices/alerts/ and the disaster information
officers (灾害信息员) at /api/v1/notices/officers.

Each operation parses, calls one action or query of :mod:`linli.notices`, and shapes the
answer. Staff see the alerts of their areas and above them, with the counts and people of their
own areas; residents see the alerts that reached them and answer them. People are shown with
their phone numbers masked. Errors are problem+json: 400 with per-field ``errors``, 403 when
the step is not yours, 404 when the alert (or person) is not visible, 409 when it is not
possible now (the alert has ended).
"""

from typing import Annotated

from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core import pii
from linli.core.errors import ActionError
from linli.core.pagination import Page
from linli.core.schemas import MAX_ID

from ..actions import alerts as actions
from ..models import Alert, AlertRecipient, InfoOfficer
from ..queries import alerts as queries
from ..schemas_alerts import (
    AckIn,
    AlertDetailOut,
    AlertFilters,
    AlertIn,
    AlertOut,
    CheckFilters,
    CheckIn,
    CommunityOut,
    LiveFilters,
    LiveOut,
    MyAnswerOut,
    OfficerFilters,
    OfficerIn,
    OfficerOut,
    PersonOut,
)

router = Router()

AlertId = Annotated[int, Path(ge=1, le=MAX_ID)]
RecipientId = Annotated[int, Path(ge=1, le=MAX_ID)]
OfficerId = Annotated[int, Path(ge=1, le=MAX_ID)]

_JSON_NAMES = {"alert": "alert_id", "recipient": "recipient_id", "officer": "officer_id"}


def _act(action, **kwargs):
    """Call one action; its field errors are renamed after the JSON members."""
    try:
        return action(**kwargs)
    except ActionError as exc:
        exc.errors = {_JSON_NAMES.get(name, name): msgs for name, msgs in exc.errors.items()}
        raise


# --- shaping ------------------------------------------------------------------------------


def _alert(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "area_code": alert.area_code,
        "area_name": getattr(alert, "area_name", None) or "",
        "kind": alert.kind,
        "kind_label": str(alert.get_kind_display()),
        "severity": alert.severity,
        "severity_label": str(alert.get_severity_display()),
        "title": alert.title,
        "status": alert.status,
        "status_label": str(alert.get_status_display()),
        "issued_at": alert.issued_at,
        "check_after": alert.check_after,
        "ends_at": alert.ends_at,
        "ended_at": alert.ended_at,
        "recipients_total": alert.recipients_total,
        "recipients_done": alert.recipients_done,
    }


def _answer(row: AlertRecipient | None) -> dict | None:
    if row is None:
        return None
    return {"ack": row.ack, "ack_at": row.ack_at, "checked": row.checked}


def _detail(actor, alert: Alert, *, mine: AlertRecipient | None = None) -> dict:
    body = _alert(alert)
    if mine is None and getattr(actor, "is_authenticated", False):
        mine = AlertRecipient.objects.filter(alert_id=alert.pk, user_id=actor.pk).first()
    body.update(
        instructions=alert.instructions,
        shelters=[
            {"name": str(s.get("name", "")), "address": str(s.get("address", ""))}
            for s in alert.shelters or []
            if isinstance(s, dict)
        ],
        fanout_started_at=alert.fanout_started_at,
        fanout_finished_at=alert.fanout_finished_at,
        mine=_answer(mine),
    )
    return body


def _person(row: AlertRecipient) -> dict:
    resident = row.resident
    household = resident.household
    return {
        "recipient_id": row.pk,
        "alert_id": row.alert_id,
        "alert_title": row.alert.title,
        "severity": row.alert.severity,
        "area_code": row.area_code,
        "name": resident.name,
        "address": household.address if household else "",
        "phone_masked": pii.mask_phone(resident.phone),
        "vulnerable": row.vulnerable,
        "ack": row.ack,
        "checked": row.checked,
        "checked_at": row.checked_at,
        "appeal_id": row.appeal_id,
    }


def _officer(officer: InfoOfficer) -> dict:
    return {
        "id": officer.pk,
        "community_code": officer.area_code,
        "community_name": officer.community.name,
        "name": officer.name,
        "phone_masked": pii.mask_phone(officer.phone),
        "user_id": officer.user_id,
        "trained_on": officer.trained_on,
        "started_on": officer.started_on,
        "ended_on": officer.ended_on,
    }


def _row(row) -> dict:
    return {
        "code": row.code,
        "name": str(row.name),
        "outside_grids": row.outside_grids,
        **{key: getattr(row, key) for key in queries.COUNTS},
    }


class _Shaped:
    """A queryset whose sliced page is shaped by ``shape`` (the page is one query)."""

    def __init__(self, qs, shape):
        self.qs, self.shape = qs, shape

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [self.shape(item) for item in self.qs[index]]


class _People(_Shaped):
    """A list of people: the page is chosen on the recipients, then read with the residents."""

    def __init__(self, qs):
        super().__init__(qs, _person)

    def __getitem__(self, index):
        return [_person(row) for row in queries.people_of(self.qs, index)]


# --- alerts -------------------------------------------------------------------------------


@router.get("alerts", response=list[AlertOut], summary="Emergency alerts you may see")
@paginate(Page)
def alert_list(request, filters: Query[AlertFilters]):
    """Alerts of your areas and of the areas above them, and those that reached you; newest
    first."""
    return _Shaped(queries.alert_list(actor=request.user, filters=filters.dict()), _alert)


@router.post(
    "alerts", response={201: AlertDetailOut}, summary="Issue an emergency alert to an area"
)
def alert_issue(request, payload: AlertIn):
    """For town and county officers (``alert.issue``) over a county, town or community. Answers
    at once with status ``sending``: the alert reaches the residents in the background
    (``recipients_done`` of ``recipients_total``)."""
    data = payload.dict()
    data["shelters"] = [dict(s) for s in data["shelters"]]
    alert = _act(actions.alert_issue, actor=request.user, **data)
    alert = queries.alert_get(actor=request.user, alert_id=alert.pk)
    return Status(201, _detail(request.user, alert))


@router.get(
    "alerts/checks",
    response=list[PersonOut],
    summary="Residents awaiting your check after alerts in force",
)
@paginate(Page)
def alert_checks(request, filters: Query[CheckFilters]):
    """For grid and community workers (``alert.check``): residents who asked for help first,
    then vulnerable residents who have not answered once the check time has come, then those
    who could not be reached. Phone numbers are masked."""
    qs = queries.check_list(actor=request.user, alert_id=filters.alert_id)
    return _Shaped(qs, _person)


@router.post(
    "alerts/recipients/{recipient_id}/check",
    response=PersonOut,
    summary="Record the check on a resident after an alert",
)
def alert_check(request, recipient_id: RecipientId, payload: CheckIn):
    """``safe``, ``help`` (raises an urgent appeal for them, once) or ``unreached``. Checking
    again updates the record."""
    row = _act(
        actions.alert_check,
        actor=request.user,
        recipient_id=recipient_id,
        result=payload.result,
        note=payload.note,
    )
    return _person(row)


@router.get("alerts/{alert_id}", response=AlertDetailOut, summary="One emergency alert")
def alert_detail(request, alert_id: AlertId):
    """With what to do and where the shelters are; ``mine`` is your own answer if it reached
    you."""
    return _detail(request.user, queries.alert_get(actor=request.user, alert_id=alert_id))


@router.get(
    "alerts/{alert_id}/live",
    response=LiveOut,
    summary="An alert's acknowledgements and checks per area, live",
)
def alert_live(request, alert_id: AlertId, filters: Query[LiveFilters]):
    """Counts per child area (towns of a county, communities of a town, grids of a community)
    of your own areas: reached, acknowledged, asked for help, vulnerable, checked safe,
    checked needing help, not reached, awaiting a check."""
    live = queries.alert_live(actor=request.user, alert_id=alert_id, area_code=filters.area or None)
    return {
        "alert": _alert(live.alert),
        "area_code": live.area.code,
        "area_name": live.area.name,
        "check_due": live.due,
        "rows": [_row(r) for r in live.rows],
        "total": _row(live.total),
    }


@router.get(
    "alerts/{alert_id}/unaccounted",
    response=list[PersonOut],
    summary="People of your areas an alert has not yet accounted for",
)
@paginate(Page)
def alert_unaccounted(request, alert_id: AlertId, filters: Query[LiveFilters]):
    """Those who asked for help and were not checked yet, then vulnerable residents who have
    neither answered nor been found safe or needing help. Phone numbers are masked."""
    qs = queries.alert_unaccounted(
        actor=request.user, alert_id=alert_id, area_code=filters.area or None
    )
    return _People(qs)


@router.post("alerts/{alert_id}/ack", response=MyAnswerOut, summary="Answer an alert you received")
def alert_ack(request, alert_id: AlertId, payload: AckIn):
    """``known`` (我已知晓) or ``help`` (我需要帮助: your grid's workers are told at once)."""
    row = _act(actions.alert_ack, actor=request.user, alert_id=alert_id, answer=payload.answer)
    return _answer(row)


@router.post("alerts/{alert_id}/end", response=AlertDetailOut, summary="End an emergency alert")
def alert_end(request, alert_id: AlertId):
    """For those who may issue alerts over its area; an ended alert is a 409."""
    _act(actions.alert_end, actor=request.user, alert_id=alert_id)
    return _detail(request.user, queries.alert_get(actor=request.user, alert_id=alert_id))


# --- disaster information officers -------------------------------------------------------------


@router.get("officers", response=list[OfficerOut], summary="Current disaster information officers")
@paginate(Page)
def officer_list(request, filters: Query[OfficerFilters]):
    """One per community at most (灾害信息员), phone numbers masked."""
    qs = queries.officer_list(actor=request.user, area_code=filters.area or None)
    return _Shaped(qs, _officer)


@router.post(
    "officers",
    response={201: OfficerOut},
    summary="Designate a community's disaster information officer",
)
def officer_set(request, payload: OfficerIn):
    """For ``alert.officers`` over the community; the previous officer, if any, steps down
    today."""
    officer = _act(actions.info_officer_set, actor=request.user, **payload.dict())
    return Status(201, _officer(queries.officer_get(actor=request.user, officer_id=officer.pk)))


@router.get(
    "officers/missing",
    response=list[CommunityOut],
    summary="Communities with no disaster information officer",
)
@paginate(Page)
def officers_missing(request, filters: Query[OfficerFilters]):
    def shape(area) -> dict:
        return {
            "code": area.code,
            "name": area.name,
            "town_code": area.parent_id,
            "town_name": area.parent.name if area.parent else "",
        }

    qs = queries.officers_missing(actor=request.user, area_code=filters.area or None)
    return _Shaped(qs, shape)


@router.post(
    "officers/{officer_id}/end",
    response=OfficerOut,
    summary="A disaster information officer steps down",
)
def officer_end(request, officer_id: OfficerId):
    _act(actions.info_officer_end, actor=request.user, officer_id=officer_id)
    return _officer(queries.officer_get(actor=request.user, officer_id=officer_id))
