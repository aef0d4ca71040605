"""The JSON API at /api/v1/: one NinjaAPI, a router per app, RFC 9457 problem+json errors."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from linli.core.errors import ActionError
from linli.core.models import ApiToken

PROBLEM = "application/problem+json"


def problem(
    request: HttpRequest, status: int, title: str, *, code: str = "", detail: str = "", errors=None
):
    body = {
        "type": f"https://linli.example/problems/{code or status}",
        "title": str(title),
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    if getattr(request, "request_id", None):
        body["request_id"] = request.request_id
    return JsonResponse(
        body, status=status, content_type=PROBLEM, json_dumps_params={"ensure_ascii": False}
    )


def _token_user(token: str):
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if row is None or (row.expires_at and row.expires_at < now) or not row.user.is_active:
        return None
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        if not token:
            return None
        user = _token_user(token)
        if user is not None:
            request.user = user
        return user


class TokenHeader(APIKeyHeader):
    param_name = "X-API-Token"

    def authenticate(self, request, key):
        if not key:
            return None
        user = _token_user(key)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """Session cookie (with CSRF for unsafe methods), as the pages use."""


AUTH = [BearerToken(), TokenHeader(), Session()]


def _reject_surrogates(value) -> None:
    """Lone UTF-16 surrogates (``"\\ud800"``) decode from JSON but cannot be stored or shown."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_surrogates(key)
            _reject_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _reject_surrogates(item)


class StrictJsonParser(Parser):
    """JSON bodies that are valid UTF-8 text throughout; anything else is a 400."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body)
            _reject_surrogates(data)
        except ValueError:  # JSONDecodeError and UnicodeError are both ValueErrors
            request.linli_unparsable_body = True  # ninja turns this into a 400 HttpError
            raise
        return data


api = NinjaAPI(
    title="Linli API",
    version="1",
    description=(
        "The JSON API of Linli (邻里), the urban-rural community service platform. "
        "Authenticate with a personal token (`Authorization: Bearer lnl_…`) or the site session. "
        "Errors are RFC 9457 problem details (`application/problem+json`)."
    ),
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    parser=StrictJsonParser(),
)


@api.exception_handler(ActionError)
def _action_error(request, exc: ActionError):
    return problem(request, exc.status, exc.message, code=exc.code, errors=exc.errors or None)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "query", "path", "payload")]
        errors.setdefault(".".join(loc) or "__all__", []).append(item.get("msg", ""))
    return problem(request, 422, _("The request is not valid."), code="validation", errors=errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return problem(
        request,
        401,
        _("Authentication required: log in or send a valid API token."),
        code="unauthenticated",
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400 and getattr(request, "linli_unparsable_body", False):
        return problem(
            request,
            400,
            _("The request body is not valid JSON text in UTF-8."),
            code="unparsable-body",
        )
    return problem(request, exc.status_code, str(exc), code=str(exc.status_code))


@api.exception_handler(Exception)
def _server_error(request, exc):
    if settings.DEBUG:
        raise exc
    import logging

    logging.getLogger("linli.api").exception(
        "unhandled API error", extra={"request_id": getattr(request, "request_id", "")}
    )
    return problem(
        request,
        500,
        _("Something went wrong on our side. The error has been logged."),
        code="server",
    )


from linli.core.api import router as core_router  # noqa: E402

api.add_router("/", core_router)

from linli.registry.api import router as registry_router  # noqa: E402

api.add_router("/registry/", registry_router)

from linli.appeals.api import router as appeals_router  # noqa: E402

api.add_router("/appeals/", appeals_router)

from linli.care.api import router as care_router  # noqa: E402

api.add_router("/care/", care_router)

from linli.gridwork.api import router as gridwork_router  # noqa: E402

api.add_router("/grid/", gridwork_router)

from linli.notices.api import router as notices_router  # noqa: E402

api.add_router("/notices/", notices_router)

from linli.facilities.api import router as facilities_router  # noqa: E402

api.add_router("/facilities/", facilities_router)

from linli.workforce.api import router as workforce_router  # noqa: E402

api.add_router("/workforce/", workforce_router)

from linli.plans.api import router as plans_router  # noqa: E402

api.add_router("/plans/", plans_router)

from linli.volunteers.api import router as volunteers_router  # noqa: E402

api.add_router("/volunteers/", volunteers_router)

from linli.matching.api import router as matching_router  # noqa: E402

api.add_router("/matching/", matching_router)
