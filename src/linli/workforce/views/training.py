"""workforce pages: training of community workers.

- ``workforce:training`` (?area=&as_of=): the training coverage (培训覆盖率) of an area and of
  each child area, as a table and a bar chart (``workforce/training.js``), with links down.
- ``workforce:training_due`` (?area=&status=&community=&kind=&q=&as_of=&page=): who is due,
  overdue or never trained.
- ``workforce:courses``, ``course``, ``course_new``, ``course_edit``, ``course_remove``: courses.
- ``workforce:session_new``, ``session``, ``session_edit``, ``session_remove``: sessions; the
  session page carries the attendance sheet (a checkbox per worker, saved in one go;
  ``attendance_remove`` takes a mark off).
- ``workforce:training_worker``: one worker's training record.
- ``workforce:training_rules`` (?area=), ``training_rule_remove``: the training cycles.

Pages read with ``workforce.view``; the forms are shown to those who hold ``training.manage``
where it counts, and every write goes through :mod:`linli.workforce.actions.training`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import areacodes, scoping
from linli.core.errors import ActionError, Forbidden
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors, page_size, paginate, read, submit
from linli.web.navigation import HOME_SECTIONS, HomeSection

from ..actions import training as actions
from ..forms_training import CourseForm, RuleForm, SessionForm, SheetForm
from ..models import Course, TrainingRule
from ..queries import training as queries
from ..queries.training_due import (
    DUE_SOON_DAYS,
    STATUS_LABELS,
    STATUSES,
    training_status,
    worker_training,
)

SHEET_PAGE = 50
DUE_FILTERS = ("area", "status", "community", "kind", "q", "as_of")


def _require(request) -> None:
    if not queries.training_readable(request.user):
        raise PermissionDenied


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args or None)
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(kept)}" if kept else url


# --- coverage -----------------------------------------------------------------------------------


def chart_data(table) -> dict:
    """What training.js draws; the table on the page shows the same numbers."""
    shown = [row for row in table.rows if row.workers]
    return {
        "labels": {"rate": _("Training coverage (%)")},
        "names": [row.name for row in shown],
        "rates": [row.percent for row in shown],
    }


@login_required
@require_GET
def training(request):
    _require(request)
    actor = request.user
    errors: dict = {}
    try:
        as_of = queries.as_of_day(request.GET.get("as_of"))
    except ActionError as exc:
        errors, as_of = filter_errors(exc), queries.as_of_day()
    table = read(
        queries.training_coverage, actor=actor, area_code=request.GET.get("area"), as_of=as_of
    )
    area = table.area
    up = ""
    if area.parent_id and scoping.has_cap(actor, Cap.WORKFORCE_VIEW, area.parent_id):
        up = _url("workforce:training", area=area.parent_id, as_of=request.GET.get("as_of"))
    context = {
        "table": table,
        "as_of": as_of,
        "errors": errors,
        "up": up,
        "chart_data": chart_data(table),
        "due_url": _url("workforce:training_due", area=area.code, status="untrained"),
        "rules_url": _url("workforce:training_rules", area=area.code),
        "due_soon_days": DUE_SOON_DAYS,
        "can_manage": bool(queries.training_course_areas(actor=actor)),
    }
    return render(request, "workforce/training.html", context, status=400 if errors else 200)


def officer_block(request) -> dict | None:
    """The home page's block names only where to load from: the coverage reads every worker of
    the officer's area, so it fills itself after the page (htmx); without JavaScript it is a
    link to the coverage page."""
    if not scoping.has_cap(request.user, Cap.WORKFORCE_VIEW):
        return None
    return {"lazy": True, "block_url": reverse("workforce:training_home")}


@login_required
@require_GET
def training_home(request):
    """The officer home's training block, filled (htmx)."""
    section = officer_coverage(request)
    if section is None:
        raise PermissionDenied
    return render(request, "workforce/training_home.html", {"section": section})


def officer_coverage(request) -> dict | None:
    """The officer home's block: today's training coverage of their widest area."""
    user = request.user
    if not scoping.has_cap(user, Cap.WORKFORCE_VIEW):
        return None
    try:
        area = queries.training_area(user)
    except ActionError:
        return None
    counts = queries.trained_counts(prefix=area.prefix, as_of=queries.as_of_day())
    trained = sum(pair[0] for pair in counts.values())
    workers = sum(pair[1] for pair in counts.values())
    return {
        "area": area,
        "trained": trained,
        "workers": workers,
        "percent": round(trained * 100 / workers, 1) if workers else None,
        "url": reverse("workforce:training"),
    }


HOME_SECTIONS.append(
    HomeSection(
        home="officer", template="workforce/training_home.html", context=officer_block, order=40
    )
)


# --- who is due ---------------------------------------------------------------------------------


@login_required
@require_GET
def training_due(request):
    _require(request)
    actor = request.user
    values = {key: str(request.GET.get(key, "")).strip()[:40] for key in DUE_FILTERS}
    area = read(queries.training_area, actor=actor, value=values["area"] or None)
    errors: dict = {}
    try:
        listed = training_status(
            actor=actor, area_code=area.code, as_of=values["as_of"] or None, filters=values
        )
        page_obj = paginate(request, listed, per_page=page_size(request))
    except ActionError as exc:
        errors, page_obj = filter_errors(exc), None
    communities = queries.training_communities(actor=actor, prefix=area.prefix)
    context = {
        "area": area,
        "values": values,
        "errors": errors,
        "general_errors": [m for k, found in errors.items() if k not in DUE_FILTERS for m in found],
        "page_obj": page_obj,
        "communities": communities,
        "statuses": [(k, STATUS_LABELS[k]) for k in STATUSES],
        "kinds": TrainingRule.AppliesTo.choices,
        "coverage_url": _url("workforce:training", area=area.code, as_of=values["as_of"]),
        "due_soon_days": DUE_SOON_DAYS,
    }
    return render(request, "workforce/training_due.html", context, status=400 if errors else 200)


@login_required
@require_GET
def training_worker(request, worker_id: int):
    _require(request)
    found = read(worker_training, actor=request.user, worker_id=worker_id)
    return render(
        request,
        "workforce/training_worker.html",
        {
            "history": found,
            "worker": found.worker,
            "status": found.status,
            "due_url": _url("workforce:training_due", area=found.worker.area_code),
        },
    )


# --- courses ------------------------------------------------------------------------------------


@login_required
@require_GET
def courses(request):
    _require(request)
    actor = request.user
    values = {key: str(request.GET.get(key, "")).strip()[:40] for key in ("q", "mode", "area")}
    errors: dict = {}
    try:
        page_obj = paginate(
            request, queries.course_list(actor=actor, filters=values), per_page=page_size(request)
        )
    except ActionError as exc:
        errors, page_obj = filter_errors(exc), None
    context = {
        "values": values,
        "errors": errors,
        "page_obj": page_obj,
        "modes": Course.Mode.choices,
        "can_add": bool(queries.training_course_areas(actor=actor)),
    }
    return render(request, "workforce/courses.html", context, status=400 if errors else 200)


def _course_initial(course: Course) -> dict:
    return {
        "title": course.title,
        "organiser": course.organiser,
        "area_code": course.area_code,
        "mode": course.mode,
        "hours": course.hours,
        "description": course.description,
    }


def _course_form_page(request, form, *, course=None, status=200):
    return render(
        request, "workforce/course_form.html", {"form": form, "course": course}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_new(request):
    actor = request.user
    areas = queries.training_course_areas(actor=actor)
    if not areas:
        raise PermissionDenied
    form = CourseForm(request.POST or None, areas=areas, auto_id="course-%s")
    if request.method == "GET":
        return _course_form_page(request, form)
    done, status = submit(
        request,
        form,
        lambda data: actions.course_save(actor=actor, **data),
        message=_("The course is saved: add its sessions."),
        to=lambda course: reverse("workforce:course", args=[course.pk]),
    )
    return done or _course_form_page(request, form, status=status)


def _managed_course(request, course_id: int) -> Course:
    _require(request)
    course = read(queries.course_get, actor=request.user, course_id=course_id)
    if not queries.training_manageable(request.user, course.area_code):
        raise PermissionDenied
    return course


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, course_id: int):
    actor = request.user
    course = _managed_course(request, course_id)
    areas = queries.training_course_areas(actor=actor)
    if course.area_code not in {a.code for a in areas}:
        areas = [course.area, *areas]
    form = CourseForm(
        request.POST or None, initial=_course_initial(course), areas=areas, auto_id="course-%s"
    )
    if request.method == "GET":
        return _course_form_page(request, form, course=course)
    done, status = submit(
        request,
        form,
        lambda data: actions.course_save(actor=actor, course_id=course.pk, **data),
        message=_("The course is saved."),
        to=reverse("workforce:course", args=[course.pk]),
    )
    return done or _course_form_page(request, form, course=course, status=status)


@login_required
@require_GET
def course(request, course_id: int):
    _require(request)
    found = read(queries.course_get, actor=request.user, course_id=course_id)
    sessions = list(found.sessions.all())
    context = {
        "course": found,
        "sessions": sessions,
        "attended": sum(s.attended for s in sessions),
        "can_manage": queries.training_manageable(request.user, found.area_code),
    }
    return render(request, "workforce/course.html", context)


@login_required
@require_POST
def course_remove(request, course_id: int):
    course = _managed_course(request, course_id)
    try:
        actions.course_remove(actor=request.user, course_id=course.pk)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("workforce:course", course.pk)
    messages.success(request, _("The course is removed."))
    return redirect("workforce:courses")


# --- sessions -----------------------------------------------------------------------------------


def _session_form_page(request, form, *, course, session=None, status=200):
    context = {"form": form, "course": course, "session": session}
    return render(request, "workforce/session_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request, course_id: int):
    actor = request.user
    course = _managed_course(request, course_id)
    form = SessionForm(request.POST or None, auto_id="session-%s")
    if request.method == "GET":
        return _session_form_page(request, form, course=course)
    done, status = submit(
        request,
        form,
        lambda data: actions.session_save(actor=actor, course_id=course.pk, **data),
        message=_("The session is saved."),
        to=lambda session: reverse("workforce:session", args=[session.pk]),
    )
    return done or _session_form_page(request, form, course=course, status=status)


def _managed_session(request, session_id: int):
    _require(request)
    found = read(queries.session_get, actor=request.user, session_id=session_id)
    if not queries.training_manageable(request.user, found.area_code):
        raise PermissionDenied
    return found


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, session_id: int):
    actor = request.user
    found = _managed_session(request, session_id)
    initial = {
        "starts_on": found.starts_on.isoformat(),
        "ends_on": found.ends_on.isoformat(),
        "place": found.place,
        "hours": found.hours,
    }
    form = SessionForm(request.POST or None, initial=initial, auto_id="session-%s")
    if request.method == "GET":
        return _session_form_page(request, form, course=found.course, session=found)
    done, status = submit(
        request,
        form,
        lambda data: actions.session_save(actor=actor, session_id=found.pk, **data),
        message=_("The session is saved."),
        to=reverse("workforce:session", args=[found.pk]),
    )
    return done or _session_form_page(
        request, form, course=found.course, session=found, status=status
    )


@login_required
@require_POST
def session_remove(request, session_id: int):
    found = _managed_session(request, session_id)
    try:
        actions.session_remove(actor=request.user, session_id=found.pk)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("workforce:session", found.pk)
    messages.success(request, _("The session is removed."))
    return redirect("workforce:course", found.course_id)


def _sheet_page(request, found, *, form=None, status=200):
    actor = request.user
    community = str(request.GET.get("community", "")).strip()[:15]
    prefix = areacodes.prefix_of(found.area_code)
    communities = queries.training_communities(actor=actor, prefix=prefix)
    if community and community not in {c.code for c in communities}:
        community = ""
    workers = queries.attendance_sheet(actor=actor, session=found, community=community)
    page_obj = paginate(request, workers, per_page=min(page_size(request), SHEET_PAGE))
    rows = list(page_obj.object_list)
    for worker in rows:
        worker.editable = queries.training_manageable(actor, worker.area_code)
    page_obj.object_list = rows
    names = queries.area_names(w.community_id for w in rows)
    for worker in rows:
        worker.community_name = names.get(worker.community_id, worker.community_id)
    context = {
        "session": found,
        "course": found.course,
        "page_obj": page_obj,
        "rows": rows,
        "community": community,
        "communities": communities,
        "form": form or SheetForm(auto_id="sheet-%s"),
        "can_manage": queries.training_manageable(actor, found.area_code),
        "can_mark": any(worker.editable for worker in rows),
        "started": found.starts_on <= queries.as_of_day(),
        "back": request.get_full_path(),
    }
    return render(request, "workforce/session.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session(request, session_id: int):
    _require(request)
    actor = request.user
    found = read(queries.session_get, actor=actor, session_id=session_id)
    if request.method == "GET":
        return _sheet_page(request, found)
    if not queries.training_manageable(actor):
        raise PermissionDenied
    form = SheetForm(request.POST, auto_id="sheet-%s")
    back = _safe_back(request, reverse("workforce:session", args=[found.pk]))
    done, status = submit(
        request,
        form,
        lambda data: actions.attendance_sheet_save(
            actor=actor,
            session_id=found.pk,
            worker_ids=request.POST.getlist("shown")[: actions.WORKERS_MAX + 1],
            present_ids=request.POST.getlist("present")[: actions.WORKERS_MAX + 1],
            hours=data["hours"] or None,
        ),
        message=_("The attendance is saved."),
        to=back,
    )
    if done:
        return done
    return _sheet_page(request, found, form=form, status=status)


def _safe_back(request, default: str) -> str:
    """The sheet's own address (with its community and page) to come back to."""
    back = str(request.POST.get("back", ""))
    return back if back.startswith(default) and "//" not in back else default


@login_required
@require_POST
def attendance_remove(request, session_id: int, worker_id: int):
    _require(request)
    found = read(queries.session_get, actor=request.user, session_id=session_id)
    try:
        actions.attendance_remove(actor=request.user, session_id=found.pk, worker_id=worker_id)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The mark is taken off."))
    return redirect(_safe_back(request, reverse("workforce:session", args=[found.pk])))


# --- rules --------------------------------------------------------------------------------------


def _rules_page(request, found, *, form=None, status=200):
    context = {
        "found": found,
        "area": found.area,
        "cycles": [
            (cycle, found.sources.get(cycle.area_code or "", "")) for cycle in found.cycles.values()
        ],
        "rules": [
            (rule, found.sources.get(rule.area_code, rule.area_code)) for rule in found.rules
        ],
        "form": (form or RuleForm(auto_id="rule-%s")) if found.can_manage else None,
        "rule_areas": queries.training_rule_areas(actor=request.user),
        "coverage_url": _url("workforce:training", area=found.area.code),
    }
    return render(request, "workforce/rules.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def training_rules(request):
    _require(request)
    actor = request.user
    source = request.POST if request.method == "POST" else request.GET
    found = read(queries.training_rules, actor=actor, area_code=source.get("area") or None)
    if request.method == "GET":
        return _rules_page(request, found)
    if not found.can_manage:
        raise PermissionDenied
    form = RuleForm(request.POST, auto_id="rule-%s")
    done, status = submit(
        request,
        form,
        lambda data: actions.training_rule_save(
            actor=actor,
            area_code=found.area.code,
            applies_to=data["applies_to"],
            cycle_months=data["cycle_months"],
            min_hours=data["min_hours"] or 0,
        ),
        message=_("The training rule is saved."),
        to=_url("workforce:training_rules", area=found.area.code),
    )
    return done or _rules_page(request, found, form=form, status=status)


@login_required
@require_POST
def training_rule_remove(request, rule_id: int):
    _require(request)
    rule = read(queries.training_rule_get, actor=request.user, rule_id=rule_id)
    try:
        actions.training_rule_remove(actor=request.user, rule_id=rule.pk)
    except Forbidden:
        raise PermissionDenied from None
    messages.success(request, _("The rule is removed: the next rule up applies."))
    return redirect(_url("workforce:training_rules", area=rule.area_code))


urlpatterns = [
    path("training/", training, name="training"),
    path("training/due/", training_due, name="training_due"),
    path("training/home-block/", training_home, name="training_home"),
    path("training/workers/<int:worker_id>/", training_worker, name="training_worker"),
    path("training/courses/", courses, name="courses"),
    path("training/courses/new/", course_new, name="course_new"),
    path("training/courses/<int:course_id>/", course, name="course"),
    path("training/courses/<int:course_id>/edit/", course_edit, name="course_edit"),
    path("training/courses/<int:course_id>/remove/", course_remove, name="course_remove"),
    path("training/courses/<int:course_id>/sessions/new/", session_new, name="session_new"),
    path("training/sessions/<int:session_id>/", session, name="session"),
    path("training/sessions/<int:session_id>/edit/", session_edit, name="session_edit"),
    path("training/sessions/<int:session_id>/remove/", session_remove, name="session_remove"),
    path(
        "training/sessions/<int:session_id>/attendance/<int:worker_id>/remove/",
        attendance_remove,
        name="attendance_remove",
    ),
    path("training/rules/", training_rules, name="training_rules"),
    path("training/rules/<int:rule_id>/remove/", training_rule_remove, name="training_rule_remove"),
]
