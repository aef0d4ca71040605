"""The signed-in person's notifications: the list, "mark all read", and opening one.

Opening one is a POST: it marks the notification read, then goes to the page it is about.
Only an address on this site (a path starting with a single "/") is followed; anything else
stays on the list, so a notification can never send someone to another site.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import actions, queries
from ..errors import NotFound

PAGE_SIZE = 20


def is_local_path(request, url: str) -> bool:
    """A path on this site: "/appeals/mine/1/" yes; "//evil.example", "/\\evil", "https://…" no."""
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return False
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
@never_cache
@require_GET
def notification_list(request):
    per_page = PAGE_SIZE // 2 if getattr(request, "elderly_mode", False) else PAGE_SIZE
    items = queries.notification_list(actor=request.user)
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    unread = queries.notification_unread_count(actor=request.user)
    return render(
        request,
        "core/notifications.html",
        {"page": page, "unread": unread, "notifications": list(page.object_list)},
    )


@login_required
@require_POST
def notifications_read(request):
    count = actions.notification_read(actor=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                count,
            )
            % {"count": count},
        )
    return redirect("core:notifications")


@login_required
@require_POST
def notification_open(request, notification_id: int):
    item = queries.notification_list(actor=request.user).filter(pk=notification_id).first()
    if item is None:
        raise Http404
    try:
        actions.notification_read(actor=request.user, notification_id=item.pk)
    except NotFound:
        raise Http404 from None
    if item.url and is_local_path(request, item.url):
        return redirect(item.url)
    if item.url:
        messages.warning(
            request, _("That notification points outside this site; it was not opened.")
        )
    return redirect("core:notifications")


urlpatterns = [
    path("notifications/", notification_list, name="notifications"),
    path("notifications/read/", notifications_read, name="notifications_read"),
    path("notifications/<int:notification_id>/open/", notification_open, name="notification_open"),
]
