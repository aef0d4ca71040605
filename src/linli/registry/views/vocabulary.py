"""Registry pages: the group vocabulary (特殊人群标签), for those who configure the platform.

The system administrator adds a county's own groups and takes groups out of use; the page
shows no person and no count of people (三员分立: configuration without personal data).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.errors import ActionError, Forbidden
from linli.core.roles import Role
from linli.core.views.glue import apply_errors, paginate

from .. import actions, queries
from ..forms import GroupTagForm


def _vocabulary(request):
    try:
        return queries.group_tag_vocabulary(actor=request.user)
    except Forbidden:
        raise PermissionDenied from None


@login_required
@require_http_methods(["GET", "POST"])
def group_tags(request):
    tags = _vocabulary(request)
    parents = [t for t in tags if t.parent_id is None]
    form = GroupTagForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tag = actions.group_tag_create(actor=request.user, **data)
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The group “%(name)s” is added.") % {"name": tag.name})
            return redirect("registry:group_tags")
    status = 400 if request.method == "POST" else 200
    context = {
        "page_obj": paginate(request, tags, per_page=50),
        "form": form,
        "roles": Role.choices,
    }
    return render(request, "registry/group_tags.html", context, status=status)


@login_required
@require_POST
def group_tag_toggle(request):
    _vocabulary(request)
    try:
        tag = actions.group_tag_set_active(
            actor=request.user,
            code=request.POST.get("code", ""),
            active=request.POST.get("active") == "1",
        )
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        message = _("“%(name)s” is in use.") if tag.active else _("“%(name)s” is out of use.")
        messages.success(request, message % {"name": tag.name})
    return redirect("registry:group_tags")


urlpatterns = [
    path("groups/", group_tags, name="group_tags"),
    path("groups/use/", group_tag_toggle, name="group_tag_toggle"),
]
