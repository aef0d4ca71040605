"""The Open311 GeoReport v2 endpoints: parse the request, call one query or action, render.

Every endpoint answers in the format its suffix names (``.json`` or ``.xml``), errors included.
``jurisdiction_id`` is required everywhere but discovery. Posting needs an Open311 client's
``api_key``; reading is public and shows public appeals only (plus, when a valid key is sent,
the appeals that client posted). Nothing here is rate-limited: put limits in front of the site.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from linli.core.errors import ActionError, Forbidden

from .. import actions
from ..models import Open311Client, local_tz
from . import queries as oq
from . import render

log = logging.getLogger("linli.open311")

MAX_RESULTS = 1000
WINDOW = dt.timedelta(days=90)
TOUCH_EVERY = dt.timedelta(minutes=5)
# When the description of this interface (fields, formats, extensions) last changed.
ENDPOINT_CHANGESET = dt.datetime(2026, 11, 22, tzinfo=dt.timezone(dt.timedelta(hours=8)))

# Our fields as the parameters a client sent, for error messages.
PARAMETERS = {
    "category": "service_code",
    "area_code": "area_code",
    "description": "description",
    "title": "description",
    "address": "address_string",
    "lat": "lat/long",
    "contact_name": "first_name/last_name",
    "contact_phone": "phone",
    "attributes": "attribute",
}
ATTRIBUTE_PARAM = re.compile(r"^attribute\[([^\[\]]{1,40})\](\[\])?$")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
TRUE = {"1", "true", "yes", "on"}


# --- the frame every endpoint shares ------------------------------------------------------------


def _parameter(field: str) -> str | None:
    if field.startswith("attributes."):
        return f"attribute[{field.split('.', 1)[1]}]"
    return PARAMETERS.get(field)


def _descriptions(exc: ActionError) -> list[str]:
    """One line per problem; fields of the intake action are named as the client sent them."""
    lines = []
    for field, messages in (exc.errors or {}).items():
        name = _parameter(field)
        for message in messages:
            lines.append(f"{name}: {message}" if name else str(message))
    return lines or [str(exc.message)]


def endpoint(*methods: str):
    """Limit the methods, and answer every refusal with the specification's error document.
    No cookie is ever used here (posting is authenticated by ``api_key``): no CSRF check."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def wrap(view):
        @functools.wraps(view)
        def inner(request: HttpRequest, *args, format: str, **kwargs) -> HttpResponse:
            if request.method not in allowed:
                response = render.errors(
                    format,
                    405,
                    [_("Use %(methods)s here.") % {"methods": " or ".join(sorted(methods))}],
                )
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return view(request, format, *args, **kwargs)
            except ActionError as exc:
                status = exc.status if exc.status in (403, 404) else 400
                return render.errors(format, status, _descriptions(exc))
            except Exception:
                if settings.DEBUG:
                    raise
                log.exception(
                    "unhandled Open311 error",
                    extra={"request_id": getattr(request, "request_id", "")},
                )
                return render.errors(
                    format, 500, [_("Something went wrong on our side. The error has been logged.")]
                )

        return csrf_exempt(inner)

    return wrap


def _client(request: HttpRequest, *, required: bool) -> Open311Client | None:
    """The Open311 client of the ``api_key`` sent (form field, query or ``X-API-Key``)."""
    key = (
        (request.POST.get("api_key") if request.method == "POST" else None)
        or request.GET.get("api_key")
        or request.headers.get("X-API-Key", "")
    )
    if not key:
        if required:
            raise Forbidden(
                _("api_key was not provided: posting needs the key of an Open311 client.")
            )
        return None
    client = oq.client_for_key(key)
    if client is None:
        raise Forbidden(_("api_key is not valid, or it has been revoked."))
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > TOUCH_EVERY:
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return client


def _jurisdiction(request: HttpRequest, client: Open311Client | None = None) -> oq.Jurisdiction:
    code = request.POST.get("jurisdiction_id") if request.method == "POST" else None
    jurisdiction = oq.jurisdiction_get(code or request.GET.get("jurisdiction_id"))
    if client is not None and not oq.client_covers(client, jurisdiction):
        raise Forbidden(
            _("This api_key is not valid for jurisdiction %(code)s.") % {"code": jurisdiction.code}
        )
    return jurisdiction


# --- discovery and services ---------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changed = oq.catalogue_changed_at()
    changeset = max(ENDPOINT_CHANGESET, changed) if changed else ENDPOINT_CHANGESET
    url = request.build_absolute_uri(reverse("open311:root")).rstrip("/")
    document = {
        "changeset": render.w3c(changeset),
        "contact": _(
            "%(site)s is run by the county civil-affairs bureau. Report problems with this "
            "interface to it, quoting the X-Request-ID header of the response."
        )
        % {"site": settings.SITE_NAME},
        "key_service": _(
            "Each client gets its own key from the county's security administrator (page "
            "“Open311 clients”). A key posts appeals only within the area it was issued for."
        ),
        "endpoints": [
            {
                "specification": render.SPECIFICATION,
                "url": url,
                "changeset": render.w3c(ENDPOINT_CHANGESET),
                "type": "test" if settings.LINLI_DEMO else "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render.respond(fmt, "discovery", document)


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    rows = [render.service_row(c) for c in oq.services_list(jurisdiction)]
    return render.respond(fmt, "services", rows)


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    category = oq.service_get(jurisdiction, service_code)
    return render.respond(fmt, "service_definition", render.service_definition(category))


# --- service requests ---------------------------------------------------------------------------


@endpoint("GET", "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


def _attributes(data) -> dict[str, str]:
    """``attribute[code]=value`` and ``attribute[code][]=v1&attribute[code][]=v2`` pairs; the
    values of a multivaluelist are joined with commas, as the intake expects them."""
    answers: dict[str, list[str]] = {}
    for key, values in data.lists():
        match = ATTRIBUTE_PARAM.match(key)
        if match is None:
            continue
        given = [v.strip() for v in values if v and v.strip()]
        if given:
            answers.setdefault(match.group(1), []).extend(given)
    return {code: ",".join(values) for code, values in answers.items()}


def _contact_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if CJK.search(first + last):
        return last + first  # 王 + 秀兰: Chinese names put the family name first
    return " ".join(part for part in (first, last) if part)


def _area_code(data, jurisdiction: oq.Jurisdiction) -> str:
    """Where it is: our ``area_code`` extension, else an ``address_id`` that is such a code.
    A map point or an address alone cannot be placed in a community here."""
    code = (data.get("area_code") or "").strip()
    address_id = (data.get("address_id") or "").strip()
    if not code and address_id.isdigit() and len(address_id) in (12, 15):
        code = address_id
    if not code:
        raise ActionError(
            _(
                "area_code is required: the 12-digit code of the community or village (or the "
                "15-digit code of the grid) where it is; address_id may carry the same code. "
                "A map point or an address alone cannot be placed in a community."
            )
        )
    if not (code.isdigit() and len(code) in (12, 15) and code.startswith(jurisdiction.prefix)):
        raise ActionError(
            _("area_code %(code)s is not a community or grid of jurisdiction %(jurisdiction)s.")
            % {"code": code[:20], "jurisdiction": jurisdiction.code}
        )
    return code


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    client = _client(request, required=True)
    jurisdiction = _jurisdiction(request, client)
    category = oq.service_get(jurisdiction, data.get("service_code"))
    lat = (data.get("lat") or "").strip()
    lng = (data.get("long") or "").strip()
    if bool(lat) != bool(lng):
        raise ActionError(_("lat and long must be sent together."))
    area_code = _area_code(data, jurisdiction)
    # The timeline this writes is read by the resident and the staff, not by the client: it is
    # written in the site's language, whatever language the client asked for.
    with translation.override(settings.LANGUAGE_CODE):
        appeal = actions.appeal_submit(
            actor=None,
            client=client,
            category_id=category.pk,
            area_code=area_code,
            description=data.get("description") or "",
            address=data.get("address_string") or "",
            lat=lat or None,
            lng=lng or None,
            contact_name=_contact_name(data.get("first_name") or "", data.get("last_name") or ""),
            contact_phone=data.get("phone") or "",
            attributes=_attributes(data),
            public=(data.get("public") or "").strip().lower() in TRUE,
        )
    return render.respond(fmt, "service_requests", [render.created_row(appeal)])


def _numbers(value: str | None, name: str) -> list[int] | None:
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    if not items:
        return None
    if len(items) > MAX_RESULTS or not all(i.isdigit() and len(i) <= 18 for i in items):
        raise ActionError(
            _("%(name)s takes up to %(max)d numbers separated by commas.")
            % {"name": name, "max": MAX_RESULTS}
        )
    return sorted({int(item) for item in items})


_SPACE_FOR_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def _moment(value: str | None, name: str, *, end: bool) -> dt.datetime | None:
    """A W3C date-time (``2026-11-01T00:00:00+08:00``, ``…Z``); without an offset it is local
    time; a date alone is the start of that day (``start_date``) or its end (``end_date``)."""
    text = (value or "").strip()
    if not text:
        return None
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", text)  # an unencoded "+" arrives as a space
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ActionError(
            _("%(name)s must be a date and time in W3C format, such as 2026-11-01T00:00:00+08:00.")
            % {"name": name}
        ) from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=local_tz())
    return moment


def _window(start: str | None, end: str | None) -> tuple[dt.datetime, dt.datetime | None]:
    """The span of ``requested_datetime`` to search: at most 90 days, by default the last 90."""
    since = _moment(start, "start_date", end=False)
    until = _moment(end, "end_date", end=True)
    if since is None and until is None:
        return timezone.now() - WINDOW, None
    if since is None:
        return until - WINDOW, until
    if until is None:
        return since, since + WINDOW
    if until < since:
        raise ActionError(_("end_date is earlier than start_date."))
    if until - since > WINDOW + dt.timedelta(days=1):
        raise ActionError(_("start_date and end_date may not be more than 90 days apart."))
    return since, until


def _statuses(value: str | None) -> list[str] | None:
    items = [item.strip().lower() for item in (value or "").split(",") if item.strip()]
    if not items:
        return None
    states: list[str] = []
    for item in items:
        if item not in render.STATUS_STATES:
            raise ActionError(_("status is open or closed (or both, separated by a comma)."))
        states.extend(render.STATUS_STATES[item])
    return states


def _page(query) -> tuple[int, int]:
    try:
        page = int(query.get("page") or 1)
        size = int(query.get("page_size") or MAX_RESULTS)
    except ValueError:
        page = size = 0
    if page < 1 or not 1 <= size <= MAX_RESULTS or page > 1_000_000:
        raise ActionError(
            _("page is a number from 1; page_size a number from 1 to %(max)d.")
            % {"max": MAX_RESULTS}
        )
    return page, size


def _list(request: HttpRequest, fmt: str) -> HttpResponse:
    query = request.GET
    client = _client(request, required=False)
    jurisdiction = _jurisdiction(request, client)
    page, size = _page(query)
    ids = _numbers(query.get("service_request_id"), "service_request_id")
    filters: dict = {"ids": ids}
    if ids is None:
        since, until = _window(query.get("start_date"), query.get("end_date"))
        filters.update(
            service_codes=_numbers(query.get("service_code"), "service_code"),
            since=since,
            until=until,
            states=_statuses(query.get("status")),
        )
    appeals = oq.requests_list(
        jurisdiction, client=client, offset=(page - 1) * size, limit=size + 1, **filters
    )
    more = len(appeals) > size
    appeals = appeals[:size]
    notes = oq.public_notes([a.pk for a in appeals])
    rows = [render.request_row(a, notes.get(a.pk)) for a in appeals]
    response = render.respond(fmt, "service_requests", rows)
    if more:
        following = {k: v for k, v in query.items() if k != "api_key"}
        following["page"] = str(page + 1)
        following["page_size"] = str(size)
        url = request.build_absolute_uri(request.path) + "?" + urlencode(following)
        response["Link"] = f'<{url}>; rel="next"'
    return response


@endpoint("GET")
def service_request(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    client = _client(request, required=False)
    jurisdiction = _jurisdiction(request, client)
    appeal = oq.request_get(jurisdiction, service_request_id, client)
    notes = oq.public_notes([appeal.pk])
    return render.respond(
        fmt, "service_requests", [render.request_row(appeal, notes.get(appeal.pk))]
    )


@endpoint("GET")
def token_lookup(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    appeal_id, value = oq.token_lookup(jurisdiction, token)
    return render.respond(fmt, "service_requests", [render.token_row(appeal_id, value)])


@csrf_exempt
def unknown(request: HttpRequest) -> HttpResponse:
    """Anything else under /open311/v2/: a 404 in the specification's error format."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return render.errors(
        fmt,
        404,
        [
            _("There is no such resource. Start from %(url)s.")
            % {
                "url": request.build_absolute_uri(
                    reverse("open311:discovery", kwargs={"format": "xml"})
                )
            }
        ],
    )
