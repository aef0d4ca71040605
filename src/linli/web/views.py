"""Site shell pages: home per role, the elderly-mode switch, error pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_POST

from linli.core import actions, scoping
from linli.core.middleware import ELDERLY_COOKIE
from linli.core.roles import ADMIN_ROLES, Cap, Role

from . import queries
from .navigation import home_sections


def optional_url(name: str, *args) -> str | None:
    """The URL of ``name``, or None while no app provides that page."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return None


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "web/landing.html")
    if scoping.has_cap(user, Cap.OFFICER_HOME):
        return _officer_home(request)
    if scoping.has_cap(user, Cap.STAFF_HOME):
        return _staff_home(request)
    if scoping.roles(user) & ADMIN_ROLES:
        return _admin_home(request)
    return _resident_home(request)


def _area_tree_url(user) -> str | None:
    return optional_url("core:area_tree") if scoping.has_cap(user, Cap.AREA_VIEW) else None


def _area_link(user, code: str) -> str | None:
    if not scoping.has_cap(user, Cap.AREA_VIEW, code):
        return None
    return optional_url("core:area_detail", code)


def _resident_home(request):
    return render(
        request,
        "web/home_resident.html",
        {
            "place": queries.home_place(actor=request.user),
            "profile_url": optional_url("core:profile"),
            "sections": home_sections(request, "resident"),
        },
    )


def _staff_home(request):
    user = request.user
    places = [
        {"assignment": assignment, "url": _area_link(user, assignment.area_id)}
        for assignment in queries.my_assignments(actor=user)
    ]
    return render(
        request,
        "web/home_staff.html",
        {
            "places": places,
            "area_tree_url": _area_tree_url(user),
            "profile_url": optional_url("core:profile"),
            "sections": home_sections(request, "staff"),
        },
    )


def _officer_home(request):
    user = request.user
    summaries = [
        {"summary": summary, "url": _area_link(user, summary.area.code)}
        for summary in queries.overseen_areas(actor=user)
    ]
    roles = sorted({Role(role).label for role in scoping.roles(user) if role in Role.values})
    return render(
        request,
        "web/home_officer.html",
        {
            "summaries": summaries,
            "role_labels": roles,
            "area_tree_url": _area_tree_url(user),
            "profile_url": optional_url("core:profile"),
            "sections": home_sections(request, "officer"),
        },
    )


def _admin_home(request):
    user = request.user
    held = scoping.roles(user)
    tools = []
    if scoping.has_cap(user, Cap.ACCOUNT_MANAGE):
        tools.append(
            {
                "title": _("Accounts and roles"),
                "text": _(
                    "Create and disable accounts, reset passwords, assign roles within your area."
                ),
                "url": optional_url("core:user_list"),
            }
        )
    if scoping.has_cap(user, Cap.AUDIT_VIEW):
        tools.append(
            {
                "title": _("Audit log"),
                "text": _("Who did what and when, including every view of personal data."),
                "url": optional_url("core:audit_list"),
            }
        )
    if Role.SYSTEM_ADMIN in held:
        tools.append(
            {
                "title": _("System configuration"),
                "text": _(
                    "Vocabularies, calendars and other settings, in the administration site."
                ),
                "url": optional_url("admin:index"),
            }
        )
    return render(
        request,
        "web/home_admin.html",
        {
            "tools": tools,
            "role_labels": sorted(Role(role).label for role in held if role in ADMIN_ROLES),
            "area_tree_url": _area_tree_url(user),
            "profile_url": optional_url("core:profile"),
        },
    )


@require_POST
def toggle_elderly(request):
    enabled = request.POST.get("elderly") == "1"
    if request.user.is_authenticated:
        actions.preferences_update(actor=request.user, elderly_mode=enabled)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        ELDERLY_COOKIE,
        "1" if enabled else "0",
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


# --- error pages ---------------------------------------------------------------------------------


@requires_csrf_token
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """Rendered without context processors: nothing here may touch the database or session."""
    html = loader.get_template("500.html").render({})
    return HttpResponseServerError(html)
