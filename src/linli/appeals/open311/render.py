"""Open311 documents: our rows shaped into GeoReport v2 fields, written as JSON or XML.

The XML follows the specification's element names (``<services><service>…``,
``<service_requests><request>…``, ``<errors><error>…``); the JSON is the same tree by the
Spark convention (a list element becomes an array, an empty element ``null``). Times are
ISO 8601 with the offset of the site's time zone (``2026-11-22T21:05:00+08:00``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from decimal import Decimal
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from linli.core import pii

from ..defaults import CATEGORIES
from ..models import DONE_STATES, ENDED_STATES, OPEN_STATES, Appeal, Category, Tier, local_tz
from ..queries import category_label

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"

# A list under one of these names holds elements of the singular name.
ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}

# Our states as the two statuses of the specification.
OPEN = "open"
CLOSED = "closed"
STATUS_STATES = {
    OPEN: [str(s) for s in OPEN_STATES],
    CLOSED: sorted({str(s) for s in (*DONE_STATES, *ENDED_STATES)}),
}

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_DEFAULT_NAMES = {key: name for key, name, *_rest in CATEGORIES}
_DEFAULT_QUESTIONS = {
    key: {q["code"]: q for q in questions} for key, *_rest, questions in CATEGORIES
}


# --- writing ----------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_ILLEGAL.sub("", str(value))


def _fill(parent: Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _child(parent, key, item)
    else:
        parent.text = _text(value)


def _child(parent: Element, tag: str, value) -> None:
    node = SubElement(parent, tag)
    if isinstance(value, list):
        item_tag = ITEM_TAGS[tag]
        for item in value:
            _fill(SubElement(node, item_tag), item)
    else:
        _fill(node, value)


def to_xml(root: str, data) -> str:
    """``data`` (a list for a plural root, else a dict) as an XML document."""
    node = Element(root)
    if isinstance(data, list):
        item_tag = ITEM_TAGS[root]
        for item in data:
            _fill(SubElement(node, item_tag), item)
    else:
        _fill(node, data)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + tostring(node, encoding="unicode")


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False)


def respond(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The specification's error document: one ``{code, description}`` per problem."""
    items = [{"code": status, "description": str(text)} for text in descriptions]
    return respond(fmt, "errors", items, status=status)


# --- values -------------------------------------------------------------------------------------


def w3c(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value, local_tz()).isoformat(timespec="seconds")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _or_none(text: str | None) -> str | None:
    return text if text else None


def scrub(text: str | None) -> str:
    """Public text with anything that looks like a mobile or ID number masked, so a number a
    resident typed into the description is not published with it."""
    if not text:
        return ""
    text = _ID_NUMBER.sub(lambda m: pii.mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: pii.mask_phone(re.sub(r"\D", "", m.group(0))[-11:]), text)


def status_of(state: str) -> str:
    return OPEN if state in STATUS_STATES[OPEN] else CLOSED


def time_limit(tier: Tier) -> str:
    """The category's promise, e.g. "To be resolved within 7 working days."."""
    amount = tier.resolve_amount
    if tier.resolve_unit == Tier.Unit.HOURS:
        text = ngettext(
            "To be resolved within %(amount)d hour.",
            "To be resolved within %(amount)d hours.",
            amount,
        )
    elif tier.resolve_unit == Tier.Unit.DAYS:
        text = ngettext(
            "To be resolved within %(amount)d day.",
            "To be resolved within %(amount)d days.",
            amount,
        )
    else:
        text = ngettext(
            "To be resolved within %(amount)d working day.",
            "To be resolved within %(amount)d working days.",
            amount,
        )
    return text % {"amount": amount}


@functools.cache
def _stored_chinese(msgid: str) -> str:
    with translation.override("zh-hans"):
        return _(msgid)


def _builtin_text(stored: str, msgid: str | None) -> str:
    """A built-in question's text in the reader's language, unless the county reworded it."""
    if msgid and stored in (msgid, _stored_chinese(msgid)):
        return _(msgid)
    return stored


# --- services ---------------------------------------------------------------------------------


def _keywords(category: Category, group: str) -> str:
    words = [category_label(category), category.name]
    if category.key in _DEFAULT_NAMES:
        words.append(_DEFAULT_NAMES[category.key])
    words.append(group)
    seen: list[str] = []
    for word in words:
        if word and word not in seen:
            seen.append(word)
    return ", ".join(seen)


def service_row(category: Category) -> dict:
    group = category_label(category.parent) if category.parent_id else category_label(category)
    return {
        "service_code": str(category.pk),
        "service_name": category_label(category),
        "description": _or_none(category.description),
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": _keywords(category, group),
        "group": group,
    }


def _datatype_description(datatype: str) -> str | None:
    return {
        "number": _("A number, such as 3 or 2.5."),
        "datetime": _("A date and time, such as 2026-11-22T08:30:00+08:00."),
        "singlevaluelist": _("Send the key of one of the values."),
        "multivaluelist": _("Send the keys of one or more of the values."),
    }.get(datatype)


def service_definition(category: Category) -> dict:
    defaults = _DEFAULT_QUESTIONS.get(category.key, {})
    attributes = []
    for order, question in enumerate(category.attributes or [], start=1):
        default = defaults.get(question.get("code"), {})
        default_values = {v["key"]: v["name"] for v in default.get("values", [])}
        datatype = question.get("datatype", "string")
        attributes.append(
            {
                "variable": True,
                "code": str(question.get("code", "")),
                "datatype": datatype,
                "required": bool(question.get("required")),
                "datatype_description": _datatype_description(datatype),
                "order": order,
                "description": _builtin_text(
                    str(question.get("description", "")), default.get("description")
                ),
                "values": [
                    {
                        "key": str(value.get("key", "")),
                        "name": _builtin_text(
                            str(value.get("name", "")), default_values.get(value.get("key"))
                        ),
                    }
                    for value in question.get("values", [])
                ],
            }
        )
    return {"service_code": str(category.pk), "attributes": attributes}


# --- service requests ---------------------------------------------------------------------------


def request_row(appeal: Appeal, note: tuple[str, dt.datetime] | None) -> dict:
    """One appeal as the specification's ``request``: public facts only."""
    message, moved_at = note or ("", None)
    status = status_of(appeal.state)
    updated = max(d for d in (appeal.state_changed_at, moved_at, appeal.submitted_at) if d)
    unit = appeal.unit or appeal.accountable_unit
    return {
        "service_request_id": str(appeal.pk),
        "status": status,
        "status_notes": _or_none(scrub(message)),
        "service_name": category_label(appeal.category),
        "service_code": str(appeal.category_id),
        "description": _or_none(scrub(appeal.description)),
        "agency_responsible": unit.name if unit is not None else None,
        "service_notice": time_limit(appeal.tier),
        "requested_datetime": w3c(appeal.submitted_at),
        "updated_datetime": w3c(updated),
        "expected_datetime": w3c(appeal.resolve_due) if status == OPEN else None,
        "address": _or_none(scrub(appeal.address)),
        "address_id": appeal.area_code,
        "zipcode": None,
        "lat": _number(appeal.lat),
        "long": _number(appeal.lng),
        "media_url": None,
    }


def created_row(appeal: Appeal) -> dict:
    """The answer to a POST: the id and the token at once (appeals are created immediately)."""
    if appeal.unit is not None:
        notice = _("Received as appeal %(number)s and passed to %(unit)s.") % {
            "number": appeal.number,
            "unit": appeal.unit.name,
        }
    else:
        notice = _(
            "Received as appeal %(number)s; a dispatcher will pass it to the unit responsible."
        ) % {"number": appeal.number}
    return {
        "service_request_id": str(appeal.pk),
        "token": appeal.token,
        "service_notice": f"{notice} {time_limit(appeal.tier)}",
        "account_id": None,
    }


def token_row(appeal_id: int, token: str) -> dict:
    return {"service_request_id": str(appeal_id), "token": token}
