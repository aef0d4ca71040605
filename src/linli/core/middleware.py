"""Request context for audit rows, and the user's display preferences (language, elderly mode)."""

from __future__ import annotations

import re
import uuid

from django.conf import settings

from . import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-]{8,36}$")
ELDERLY_COOKIE = "linli_elderly"


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else str(uuid.uuid4())
        request.request_id = request_id
        token = context.bind(
            context.RequestContext(request_id=request_id, ip=request.META.get("REMOTE_ADDR"))
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class PreferencesMiddleware:
    """Elderly mode comes from the account when signed in, else from a cookie.

    Runs before LocaleMiddleware: a signed-in user's saved language becomes the language cookie
    value for this request unless the browser already chose one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.elderly_mode = request.COOKIES.get(ELDERLY_COOKIE) == "1"
        response = self.get_response(request)
        return response


def apply_user_preferences(request, user) -> None:
    """Called after login: copy the account's saved preferences into this browser."""
    request.elderly_mode = bool(user.elderly_mode)
    if user.language and user.language in dict(settings.LANGUAGES):
        request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = user.language
