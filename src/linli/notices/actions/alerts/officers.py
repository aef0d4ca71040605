"""The communities' disaster information officers (灾害信息员)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from linli.core import areacodes, audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import Area, RoleAssignment, User
from linli.core.roles import Cap

from ...models import InfoOfficer
from ._common import _area, _int_id, _text

OFFICER_NAME_MAX = InfoOfficer._meta.get_field("name").max_length


def _trained_on(value) -> dt.date | None:
    if value in (None, ""):
        return None
    day = value if isinstance(value, dt.date) else None
    if day is None:
        try:
            day = parse_date(str(value).strip())
        except ValueError:
            day = None
    if day is None or isinstance(day, dt.datetime):
        raise ActionError(_("Enter a date like 2026-03-15."), field="trained_on")
    if day > timezone.localdate():
        raise ActionError(_("The training date cannot lie in the future."), field="trained_on")
    if day.year < 1950:
        raise ActionError(_("Enter a date like 2026-03-15."), field="trained_on")
    return day


def _officer_user(user_id, community: Area) -> User | None:
    if user_id in (None, ""):
        return None
    pk = _int_id(user_id, field="user_id", message=_("Choose an account of this community."))
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ActionError(_("Choose an account of this community."), field="user_id")
    related = RoleAssignment.objects.filter(user=user).values_list("area_code", flat=True)
    if (
        not any(
            community.code.startswith(areacodes.prefix_of(code))
            or code.startswith(community.prefix)
            for code in related
        )
        and user.home_area_id != community.code
    ):
        raise ActionError(_("Choose an account of this community."), field="user_id")
    return user


def info_officer_set(
    *, actor, community_code, name: str, phone: str, user_id=None, trained_on=None
) -> InfoOfficer:
    """Designate a community's disaster information officer (灾害信息员); the previous one, if
    any, ends today."""
    from linli.appeals.actions.intake import clean_phone

    community = _area(community_code, field="community_code", levels=(Level.COMMUNITY,))
    scoping.require(actor, Cap.ALERT_OFFICERS, community.code)
    name = _text(name, field="name", max_length=OFFICER_NAME_MAX)
    number = clean_phone(phone, field="phone")
    if not number:
        raise ActionError(_("Enter the officer's telephone number."), field="phone")
    user = _officer_user(user_id, community)
    trained = _trained_on(trained_on)
    today = timezone.localdate()
    with transaction.atomic():
        previous = (
            InfoOfficer.objects.select_for_update()
            .filter(community=community, ended_on__isnull=True)
            .first()
        )
        if previous is not None:
            previous.ended_on = today
            previous.save(update_fields=["ended_on"])
        officer = InfoOfficer.objects.create(
            community=community,
            area_code=community.code,
            user=user,
            name=name,
            phone=number,
            trained_on=trained,
            started_on=today,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            actor,
            "alert.officer_set",
            officer,
            extra={
                "community": community.code,
                "previous": previous.pk if previous else None,
                "user": user.pk if user else None,
            },
        )
    return officer


def info_officer_end(*, actor, officer_id) -> InfoOfficer:
    """A community's information officer steps down today (the community is then listed as
    having none until another is designated)."""
    pk = _int_id(officer_id, field="officer", message=_("There is no such information officer."))
    with transaction.atomic():
        officer = (
            scoping.scope(InfoOfficer.objects.all(), actor, Cap.ALERT_OFFICERS)
            .select_for_update()
            .filter(pk=pk)
            .first()
        )
        if officer is None:
            raise NotFound(_("There is no such information officer."))
        if officer.ended_on is not None:
            raise Conflict(_("This information officer has already stepped down."))
        officer.ended_on = timezone.localdate()
        officer.save(update_fields=["ended_on"])
        audit.record(actor, "alert.officer_end", officer, extra={"community": officer.area_code})
    return officer
