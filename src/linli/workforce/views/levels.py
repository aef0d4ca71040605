"""The post ladder page (岗位等级): the steps a province or prefecture set, read by everyone on
the roster beneath it; kept by ``workforce.manage`` holders over that province or prefecture,
who may also install the built-in 三岗十八级 ladder in one step."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors

from .. import actions, queries
from ..forms import LevelForm


def _require_view(request) -> None:
    if not scoping.has_cap(request.user, Cap.WORKFORCE_VIEW):
        raise PermissionDenied


def _levels_url(area_code: str) -> str:
    return f"{reverse('workforce:levels')}?{urlencode({'area': area_code})}"


def _area(request, source):
    """The province or prefecture chosen (``area``), or the nearest above the actor."""
    _require_view(request)
    actor = request.user
    areas = queries.ladder_areas(actor=actor)
    wanted = str(source.get("area", "")).strip()[:15]
    if wanted:
        try:
            return queries.ladder_area(actor=actor, area_code=wanted), areas
        except NotFound:
            raise Http404 from None
    if not areas:
        raise PermissionDenied
    tops = queries.roster_areas(actor=actor)
    nearest = queries.ladder_codes(tops[0].code) if tops else []
    by_code = {a.code: a for a in areas}
    for code in nearest:
        if code in by_code:
            return by_code[code], areas
    return areas[-1], areas


def _page(request, area, areas, *, form=None, editing: int | None = None, status: int = 200):
    actor = request.user
    manage = queries.can_manage_ladder(actor, area.code)
    steps = list(queries.level_list(actor=actor, area_code=area.code))
    usage = queries.level_usage([s.pk for s in steps])
    for step in steps:
        step.workers = usage.get(step.pk, 0)
        step.form = None
        if manage:
            step.form = (
                form
                if editing == step.pk
                else LevelForm(
                    initial={"code": step.code, "name": step.name, "sort": step.sort},
                    auto_id=f"level-{step.pk}-%s",
                )
            )
    add_form = None
    if manage:
        add_form = form if editing is None and form is not None else LevelForm(auto_id="new-%s")
    context = {
        "area": area,
        "areas": areas,
        "steps": steps,
        "can_manage": manage,
        "add_form": add_form,
        "open_add": editing is None and form is not None,
        "editing": editing,
        "defaults_count": len(actions.DEFAULT_LADDER),
        # Which ladder a community below this area follows, when it is not this one.
        "source": queries.ladder_source(area.code),
    }
    return render(request, "workforce/levels.html", context, status=status)


@login_required
@require_GET
def levels(request):
    area, areas = _area(request, request.GET)
    return _page(request, area, areas)


@login_required
@require_POST
def level_save(request):
    area, areas = _area(request, request.POST)
    if not queries.can_manage_ladder(request.user, area.code):
        raise PermissionDenied
    raw_id = str(request.POST.get("level_id", ""))
    editing = int(raw_id) if raw_id.isdigit() and len(raw_id) < 19 else None
    if raw_id and editing is None:
        raise Http404
    auto_id = f"level-{editing}-%s" if editing else "new-%s"
    form = LevelForm(request.POST, auto_id=auto_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = actions.postlevel_save(
                actor=request.user,
                area_code=area.code,
                level_id=editing,
                code=data["code"],
                name=data["name"],
                sort=data["sort"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except NotFound:
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("“%(name)s” is saved.") % {"name": saved.name})
            return redirect(_levels_url(area.code))
    return _page(request, area, areas, form=form, editing=editing, status=400)


@login_required
@require_POST
def level_remove(request):
    area, _areas = _area(request, request.POST)
    try:
        actions.postlevel_remove(actor=request.user, level_id=request.POST.get("level_id", ""))
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The level is removed from the ladder."))
    return redirect(_levels_url(area.code))


@login_required
@require_POST
def levels_defaults(request):
    area, _areas = _area(request, request.POST)
    try:
        created = actions.postlevel_defaults(actor=request.user, area_code=area.code)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "The 三岗十八级 ladder is installed: %(count)d level added.",
                "The 三岗十八级 ladder is installed: %(count)d levels added.",
                created,
            )
            % {"count": created},
        )
    return redirect(_levels_url(area.code))


urlpatterns = [
    path("levels/", levels, name="levels"),
    path("levels/save/", level_save, name="level_save"),
    path("levels/remove/", level_remove, name="level_remove"),
    path("levels/defaults/", levels_defaults, name="levels_defaults"),
]
