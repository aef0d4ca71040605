"""Site shell pages: home per role, the elderly-mode switch, error pages."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from linli.core import actions, scoping
from linli.core.middleware import ELDERLY_COOKIE
from linli.core.roles import Cap


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "web/landing.html")
    if scoping.has_cap(user, Cap.OFFICER_HOME):
        template = "web/home_officer.html"
    elif scoping.has_cap(user, Cap.STAFF_HOME):
        template = "web/home_staff.html"
    elif scoping.roles(user) & {"security_admin", "audit_admin", "system_admin"}:
        template = "web/home_admin.html"
    else:
        template = "web/home_resident.html"
    return render(request, template, {})


@require_POST
def toggle_elderly(request):
    enabled = request.POST.get("elderly") == "1"
    if request.user.is_authenticated:
        actions.preferences_update(actor=request.user, elderly_mode=enabled)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        ELDERLY_COOKIE,
        "1" if enabled else "0",
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
    )
    return response


def _error(request, status: int, template: str):
    return render(request, template, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "400.html")


def permission_denied(request, exception=None):
    return _error(request, 403, "403.html")


def page_not_found(request, exception=None):
    return _error(request, 404, "404.html")


def server_error(request):
    return _error(request, 500, "500.html")
