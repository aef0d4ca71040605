"""Intake: a resident's own appeal, a worker's on a resident's behalf, an API or Open311 client's.

Everything is checked before anything is written; the appeal, its first dispatch, its events,
photos and the audit row are one transaction. Routing sends it straight to a unit when a rule
or the category's default kind finds one; otherwise it waits for a dispatcher.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.auth import PHONE_RE, normalize_phone
from linli.core.errors import ActionError, Forbidden
from linli.core.models import Area, User
from linli.core.pii import blind_index
from linli.core.roles import Cap

from .. import queries
from ..models import Appeal, Category, Channel, Dispatch, Event, State
from . import _common as c
from .photos import clean_photos, save_photos

LANDLINE_RE = re.compile(r"^0\d{2,3}\d{7,8}$")
STAFF_CHANNELS = {Channel.WINDOW, Channel.PHONE, Channel.PATROL, Channel.CARE_VISIT}
DESCRIPTION_MIN = 5
TITLE_MAX = Appeal._meta.get_field("title").max_length
ADDRESS_MAX = Appeal._meta.get_field("address").max_length
NAME_MAX = Appeal._meta.get_field("contact_name").max_length


def clean_phone(value, *, field: str = "contact_phone") -> str:
    raw = str(value or "").strip()
    if not raw:
        return ""
    phone = normalize_phone(raw)
    if PHONE_RE.match(phone) or LANDLINE_RE.match(phone):
        return phone
    raise ActionError(
        _("Enter an 11-digit mobile number, or a landline number with its area code."),
        field=field,
    )


def clean_point(lat, lng) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lng in (None, ""):
        return None, None
    try:
        lat_d = Decimal(str(lat)).quantize(Decimal("0.000001"))
        lng_d = Decimal(str(lng)).quantize(Decimal("0.000001"))
        if not (lat_d.is_finite() and lng_d.is_finite()):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ActionError(_("The map point is not a valid position."), field="lat") from None
    if not (Decimal(3) <= lat_d <= Decimal(54) and Decimal(73) <= lng_d <= Decimal(136)):
        raise ActionError(_("The map point lies outside China."), field="lat")
    return lat_d, lng_d


def clean_attributes(category: Category, answers) -> dict:
    """Answers to the category's questions (Open311 attributes), checked against them."""
    answers = answers or {}
    if not isinstance(answers, dict):
        raise ActionError(_("Answers must be given as code: value pairs."), field="attributes")
    questions = {q["code"]: q for q in category.attributes or []}
    clean: dict = {}
    for code, value in answers.items():
        if code not in questions:
            raise ActionError(
                _("This category asks no question %(code)s.") % {"code": str(code)[:40]},
                field="attributes",
            )
        question = questions[code]
        kind = question.get("datatype", "string")
        text = str(value).strip() if value is not None else ""
        if not text:
            continue
        if kind in ("singlevaluelist", "multivaluelist"):
            keys = {v["key"] for v in question.get("values", [])}
            chosen = text.split(",") if kind == "multivaluelist" else [text]
            if any(item not in keys for item in chosen):
                raise ActionError(
                    _("%(value)s is not one of the answers offered.") % {"value": text[:40]},
                    field=f"attributes.{code}",
                )
            clean[code] = text
        elif kind == "number":
            try:
                number = float(text) if any(ch in text for ch in ".eE") else int(text)
            except ValueError:
                raise ActionError(_("Enter a number."), field=f"attributes.{code}") from None
            if not math.isfinite(number) or abs(number) > 1e12:
                raise ActionError(_("Enter a number."), field=f"attributes.{code}")
            clean[code] = number
        elif kind == "datetime":
            try:
                dt.datetime.fromisoformat(text)
            except ValueError:
                raise ActionError(
                    _("Enter a date and time like 2026-11-22T08:30."), field=f"attributes.{code}"
                ) from None
            clean[code] = text
        else:
            clean[code] = text[:200]
    for code, question in questions.items():
        if question.get("required") and code not in clean:
            raise ActionError(_("Please answer this question."), field=f"attributes.{code}")
    return clean


def _area(area_code) -> Area:
    code = str(area_code or "").strip()
    if not code.isdigit() or len(code) not in (12, 15):
        raise ActionError(_("Choose the community where it is."), field="area_code")
    area = Area.objects.filter(code=code).only("code", "level", "name").first()
    if area is None or len(area.code) < 12 or area.code.endswith("000"):
        raise ActionError(_("Choose the community where it is."), field="area_code")
    return area


def _category(category_id, area_code: str) -> Category:
    try:
        pk = int(category_id)
    except (TypeError, ValueError):
        raise ActionError(_("Choose what the appeal is about."), field="category") from None
    category = Category.objects.select_related("tier").filter(pk=pk, active=True).first()
    if category is None or category.area_code != queries.county_code(area_code):
        raise ActionError(_("This category is not offered where the appeal is."), field="category")
    return category


def _resident(actor, resident_id):
    if resident_id in (None, ""):
        return None
    from linli.registry import queries as registry_queries

    try:
        return registry_queries.resident_get(actor=actor, resident_id=int(resident_id))
    except (ValueError, TypeError):
        raise ActionError(_("Choose a resident of the registry."), field="resident") from None
    except ActionError:
        raise ActionError(_("Choose a resident of the registry."), field="resident") from None


def appeal_submit(
    *,
    actor,
    category_id,
    area_code,
    description: str,
    title: str = "",
    address: str = "",
    lat=None,
    lng=None,
    channel: str | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    anonymous: bool = False,
    public: bool = False,
    attributes=None,
    resident_id=None,
    photos=None,
    client=None,
    now: dt.datetime | None = None,
) -> Appeal:
    """Take in one appeal. Residents submit their own (``online``); staff holding
    ``appeal.intake`` over the place take one for a resident (window, phone, patrol, care visit);
    an Open311 ``client`` posts within its jurisdiction."""
    is_user = getattr(actor, "is_authenticated", False)
    if client is not None:
        channel = Channel.OPEN311
    elif not is_user:
        raise Forbidden(_("Please log in to submit an appeal."))
    channel = channel or Channel.ONLINE
    if channel not in Channel.values:
        raise ActionError(_("Unknown channel."), field="channel")
    area = _area(area_code)
    if channel in STAFF_CHANNELS:
        scoping.require(actor, Cap.APPEAL_INTAKE, area.code)
    elif channel == Channel.OPEN311:
        if client is None or not areacodes.is_within(
            area.code, areacodes.prefix_of(client.area_code)
        ):
            raise Forbidden(_("This client may not post appeals in that jurisdiction."))
    elif channel == Channel.API and not is_user:
        raise Forbidden(_("Please log in to submit an appeal."))
    category = _category(category_id, area.code)
    description = c.clean_text(description, field="description", required=True)
    if len(description) < DESCRIPTION_MIN:
        raise ActionError(
            _("Please tell us a little more (at least %(min)d characters).")
            % {"min": DESCRIPTION_MIN},
            field="description",
        )
    title = c.clean_text(title, field="title", required=False, max_length=TITLE_MAX)
    if not title:
        first = description.splitlines()[0]
        title = first[:30] + ("…" if len(first) > 30 else "")
    address = c.clean_text(address, field="address", required=False, max_length=ADDRESS_MAX)
    contact_name = c.clean_text(
        contact_name, field="contact_name", required=False, max_length=NAME_MAX
    )
    phone = clean_phone(contact_phone)
    lat_d, lng_d = clean_point(lat, lng)
    answers = clean_attributes(category, attributes)
    resident = _resident(actor, resident_id) if channel in STAFF_CHANNELS else None
    cleaned_photos = clean_photos(photos)

    submitter = None
    if channel in (Channel.ONLINE, Channel.API) and is_user:
        submitter = actor
        if not phone and actor.phone:
            phone = actor.phone
        if not contact_name:
            contact_name = actor.full_name[:NAME_MAX]
    elif phone and PHONE_RE.match(phone):
        # Collect once: a resident with an account sees what a worker took in for them.
        submitter = User.objects.filter(
            phone_bidx=blind_index(phone, "phone"), is_active=True
        ).first()
    if resident is not None and not contact_name:
        contact_name = resident.name[:NAME_MAX]

    now = now or c.now()
    tier = category.tier
    with transaction.atomic():
        appeal = Appeal(
            area_code=area.code,
            category=category,
            tier=tier,
            title=title,
            description=description,
            address=address,
            lat=lat_d,
            lng=lng_d,
            attributes=answers,
            channel=channel,
            submitter=submitter,
            entered_by=actor if channel in STAFF_CHANNELS else None,
            client=client,
            resident=resident,
            household_id=getattr(resident, "household_id", None),
            contact_name=contact_name,
            contact_phone=phone or None,
            anonymous=bool(anonymous),
            public=bool(public) and category.public,
            token=Appeal.new_token(),
            submitted_at=now,
            state_changed_at=now,
            respond_due=tier.respond_due(now),
            resolve_due=tier.resolve_due(now),
        )
        c.run_clock(appeal, now, appeal.respond_due)
        unit, rule = queries.route(area.code, category)
        first_receiver = None
        if channel in STAFF_CHANNELS:
            # 首问负责: the worker's own unit answers for it until another unit accepts.
            candidates = [
                queries.unit_for_area(area.code, kind) for kind in ("grid", "community", "town")
            ]  # created on first use, so before acting_unit_ids reads them
            own = set(queries.acting_unit_ids(actor))
            first_receiver = next((u for u in candidates if u is not None and u.pk in own), None)
        appeal.accountable_unit = first_receiver or unit
        if unit is not None:
            appeal.state = State.DISPATCHED
            appeal.unit = unit
        appeal.save()
        c.event(
            appeal,
            Event.Kind.SUBMITTED,
            actor=actor,
            now=now,
            from_state="",
            to_state=State.SUBMITTED,
        )
        if unit is not None:
            Dispatch.objects.create(appeal=appeal, unit=unit, dispatched_at=now)
            c.event(
                appeal,
                Event.Kind.DISPATCHED,
                now=now,
                unit=unit,
                note=_("Routed by rule %(rule)s.") % {"rule": rule.pk} if rule else "",
                from_state=State.SUBMITTED,
            )
        if cleaned_photos:
            save_photos(appeal, cleaned_photos, by=actor, by_staff=channel in STAFF_CHANNELS)
        c.record(
            actor,
            "appeal.submit",
            appeal,
            category=category.pk,
            channel=channel,
            unit=unit.pk if unit else None,
            rule=rule.pk if rule else None,
            photos=len(cleaned_photos),
            client=client.pk if client is not None else None,
        )
        number = appeal.number
        if unit is not None:
            c.tell_unit(
                appeal,
                unit,
                "appeal.dispatched",
                lambda: (
                    _("New appeal %(number)s for your unit: %(title)s")
                    % {"number": number, "title": title}
                ),
            )
        else:
            c.tell(
                queries.dispatcher_recipients(area.code),
                appeal,
                "appeal.to_dispatch",
                lambda: (
                    _("Appeal %(number)s waits for dispatch: %(title)s")
                    % {"number": number, "title": title}
                ),
            )
    return appeal
