"""Care pages of the roster and the plans (特殊困难老年人探访):

- ``care:plans`` (the care section's front page): a grid worker's visits of this month, soonest
  due first, each with a big "Record a visit" button; and for everyone who oversees more than
  their own visits, every plan of a month with filters, the month's counts and, for those who
  plan (``care.plan``), a reassignment form per open plan.
- ``care:roster``: the care roster with filters, refreshed in place by htmx; risk levels are
  changed here (``care.plan``).
- ``care:rate``: the monthly visit rate (月探访率) of an area and of its child areas, with a bar
  chart, the trend of the last 12 months and the people not yet visited. The tables are always
  on the page; ``care/rate.js`` draws the charts from a JSON block.
- ``care:policy``: the county's visit policy table (``care.policy``).
- ``care:runs``: the plan generations and a form to make a month's plan again (``care.plan``);
  runs waiting or running are polled by htmx.

Each view parses, calls queries or one action, and renders; the rules live in ``actions`` and
``queries``. Every form works without JavaScript; a refused action is shown beside its form.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.appeals.queries import area_names
from linli.core import queries as core_queries
from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, filter_errors, is_htmx, paginate

from .. import actions, queries
from ..forms import PolicyForm, ReassignForm, RiskForm, RunForm
from ..models import Plan, Policy, Risk, Run, month_start

PAGE = 50
PAGE_ELDERLY = 20
RUN_PAGE = 20
TREND_MONTHS = 12
# A search for a full ID or phone number is never put in an address (logs keep addresses).
LONG_NUMBER = re.compile(r"\d{5,}")
NUMBER_SEARCH = gettext_lazy("Search the roster by name. Look a number up in the registry.")
PLAN_FILTERS = ("month", "area", "status", "worker", "unassigned")
ROSTER_FILTERS = ("area", "kind", "risk", "q", "worker", "ended")
RATE_FILTERS = ("month", "area", "list")
# Areas this small list their people not yet visited with the page; a county's list (tens of
# thousands) is read only when asked for, so the rate page itself stays fast.
LIST_AT_ONCE = Level.TOWN
WORKER_PICKER_LEVELS = (Level.COMMUNITY, Level.GRID)  # a town has too many workers to list
RUNNING = (Run.Status.QUEUED, Run.Status.RUNNING)
RUN_COUNTS = [
    ("added", gettext_lazy("added to the roster")),
    ("updated", gettext_lazy("roster entries updated")),
    ("ended", gettext_lazy("left the roster")),
    ("plans_created", gettext_lazy("plans made")),
    ("plans_reassigned", gettext_lazy("plans reassigned")),
    ("plans_updated", gettext_lazy("plans updated")),
    ("plans_dropped", gettext_lazy("plans dropped")),
]


# --- shared --------------------------------------------------------------------------------------


def require_cap(request, cap: str = Cap.CARE_VIEW) -> None:
    """Care pages are for those who hold ``cap`` somewhere."""
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied


def has_page(name: str) -> bool:
    """Is the page ``name`` (built by another part of care) there to link to?"""
    try:
        reverse(name, args=[1])
    except NoReverseMatch:
        return False
    return True


def page_size(request) -> int:
    return PAGE_ELDERLY if getattr(request, "elderly_mode", False) else PAGE


def _values(source, names) -> dict[str, str]:
    return {
        key: " ".join(str(source.get(key, "")).replace("\x00", "").split())[:50] for key in names
    }


def _flag(value: str) -> str:
    return "1" if value in ("1", "on", "true") else ""


def _kept(values: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


def _url(name: str, values: dict[str, str]) -> str:
    query = urlencode(_kept(values))
    return reverse(name) + (f"?{query}" if query else "")


def _back(request, name: str) -> str:
    """Where a row form returns to: the list it was sent from (``back`` holds its query)."""
    query = QueryDict(request.POST.get("back", ""))
    return reverse(name) + (f"?{query.urlencode()}" if query else "")


def _month(values: dict[str, str], errors: dict) -> dt.date:
    """The month asked for (default: this month); a bad one is reported and replaced."""
    this_month = month_start(timezone.localdate())
    if not values.get("month"):
        return this_month
    try:
        return queries.parse_month(values["month"])
    except ActionError as exc:
        errors.update(filter_errors(exc))
        values["month"] = ""
        return this_month


def _tag_names() -> dict[str, str]:
    """Group names by code, for the groups that put someone on the roster (vocabulary only)."""
    return {tag.code: tag.name for tag in queries.policy_tags()}


def _groups(codes, names: dict[str, str]) -> list[str]:
    return [names.get(code, code) for code in codes or ()]


def _area_label(code: str, names: dict[str, str]) -> str:
    """A row's place: its grid's (or community's) name."""
    return names.get(code) or names.get(code[:12].ljust(12, "0")) or code


def _pick(actor, value: str, errors: dict, *, field: str = "area"):
    """The area a list is narrowed to (None: all of the actor's), with the areas one level
    below it offered in the picker. A code outside the actor's areas is reported, not used."""
    try:
        area = queries.visible_area(actor, value or None)
    except ActionError as exc:  # not theirs, or no area code at all
        if not value:
            return None, [], ""
        errors.update({field: [str(exc.message)]})
        return _pick(actor, "", errors, field=field)
    children = []
    if area.level < Level.GRID:
        children = list(
            core_queries.area_list(actor=actor, level=area.level + 1, under=area.code)[:400]
        )
    return area, children, value


def _worker_choices(actor, area) -> list:
    """The care workers of an area small enough to list (a community or a grid)."""
    if area is None or area.level not in WORKER_PICKER_LEVELS:
        return []
    found = queries.care_workers(actor=actor, area_codes=[area.code], under=area.prefix)
    return sorted(found.everyone(), key=lambda w: (w.name, w.pk))


# --- who may take a visit ------------------------------------------------------------------------
#
# The grid workers on duty in a grid and the community's care staff, as care_plan_reassign
# accepts them. Read here for the pickers until the care queries offer it (see the module's
# report): two queries for a whole page of plans, whatever their places.


# --- plans ---------------------------------------------------------------------------------------


def _plan_values(source) -> dict[str, str]:
    values = _values(source, PLAN_FILTERS)
    if values["status"] not in Plan.Status.values:
        values["status"] = ""
    if not values["worker"].isdigit():
        values["worker"] = ""
    values["unassigned"] = _flag(values["unassigned"])
    view = str(source.get("view", ""))
    values["view"] = view if view in ("mine", "all") else ""
    return values


def _default_view(actor) -> str:
    """Grid workers start from their own visits; those who plan, from the whole list."""
    if scoping.has_cap(actor, Cap.CARE_VISIT) and not scoping.has_cap(actor, Cap.CARE_PLAN):
        return "mine"
    return "all"


def _with_places(plans, tag_names: dict[str, str]) -> list:
    plans = list(plans)
    names = area_names({p.area_code for p in plans} | {p.area_code[:12] for p in plans})
    for plan in plans:
        plan.groups = _groups(plan.subject.tags, tag_names)
        plan.place = _area_label(plan.area_code, names)
    return plans


def _mine_context(request) -> dict:
    actor = request.user
    today = timezone.localdate()
    due = queries.plans_due(actor=actor, today=today)
    prefetch_related_objects(due, "resident__household")
    due = _with_places(due, _tag_names())
    for plan in due:
        plan.left = plan.days_left(today)
        plan.late = max(-plan.left, 0)
    return {"due": due, "due_visits": sum(max(p.required - p.done, 0) for p in due)}


def _all_context(request, values: dict[str, str], *, reassign=None) -> dict:
    """The plans of a month the actor oversees; ``reassign`` is ``(plan_id, bound form)`` of a
    reassignment that was refused, shown again beside its plan."""
    actor = request.user
    errors: dict = {}
    month = _month(values, errors)
    try:
        table = queries.visit_rate(actor=actor, month=month, area_code=values["area"] or None)
    except ActionError as exc:  # not theirs, or no area code at all
        errors.update({"area": [str(exc.message)]})
        values["area"] = ""
        table = queries.visit_rate(actor=actor, month=month)
    try:
        rows = queries.plans(
            actor=actor,
            month=month,
            area_code=values["area"] or None,
            status=values["status"] or None,
            worker_id=values["worker"] or None,
            unassigned=bool(values["unassigned"]),
        )
    except ActionError as exc:
        errors.update(filter_errors(exc))
        rows = queries.plans(actor=actor, month=month).none()
    rows = rows.select_related("resident__household")
    keep = _kept(values) if request.method == "POST" else None
    page_obj = paginate(request, rows, per_page=page_size(request), keep=keep)
    plans = _with_places(page_obj.object_list, _tag_names())
    can_plan = [p for p in plans if p.status == Plan.Status.OPEN and _plans_here(actor, p)]
    if can_plan:
        found = queries.care_workers(actor=actor, area_codes=[p.area_code for p in can_plan])
        for plan in can_plan:
            choices = [
                (w.pk, w.name) for w in found.for_place(plan.area_code) if w.pk != plan.worker_id
            ]
            plan.reassign_form = ReassignForm(workers=choices, auto_id=f"r{plan.pk}-%s")
    if reassign is not None:
        _show_failed(plans, reassign, "reassign_form", errors)
    page_obj.object_list = plans
    area = table.area
    return {
        "values": values,
        "month": month,
        "table": table,
        "page_obj": page_obj,
        "errors": errors,
        "filtered": any(values[k] for k in PLAN_FILTERS if k != "month"),
        "statuses": Plan.Status.choices,
        "areas": [row for row in table.rows if row.area is not None],
        "workers": _worker_choices(actor, area),
        "query": urlencode(_kept(values)),
    }


def _show_failed(rows, failed, attr: str, errors: dict) -> None:
    """Put a refused row form back beside its row; when the row is not on the page (the list's
    filters no longer show it), its messages go above the list."""
    failed_id, form = failed
    for row in rows:
        if row.pk == failed_id:
            setattr(row, attr, form)
            return
    messages = [str(m) for found in form.errors.values() for m in found]
    if messages:
        errors.setdefault("__all__", []).extend(messages)


def _plans_here(actor, plan) -> bool:
    return scoping.has_cap(actor, Cap.CARE_PLAN, plan.area_code)


def _plans_page(request, values: dict[str, str], *, reassign=None, status: int = 200):
    actor = request.user
    can_visit = scoping.has_cap(actor, Cap.CARE_VISIT)
    view = values["view"] or _default_view(actor)
    if view == "mine" and not can_visit:
        view = "all"
    values["view"] = view
    context = {
        "view": view,
        "can_visit": can_visit,
        "can_plan": scoping.has_cap(actor, Cap.CARE_PLAN),
        "visit_page": has_page("care:visit_new"),
        "subject_page": has_page("care:subject"),
        "today": timezone.localdate(),
        "tabs": [
            {"key": key, "label": label, "url": _url("care:plans", {"view": key})}
            for key, label in (
                ("mine", _("My visits")),
                ("all", _("All plans")),
            )
            if key != "mine" or can_visit
        ],
    }
    if view == "mine":
        context.update(_mine_context(request))
        template = "care/plans.html"
    else:
        context.update(_all_context(request, values, reassign=reassign))
        if context["errors"] and not is_htmx(request):
            status = max(status, 400)
        template = "care/plans.html#results" if is_htmx(request) else "care/plans.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def plans(request):
    require_cap(request)
    return _plans_page(request, _plan_values(request.GET))


@login_required
@require_POST
def plan_reassign(request, plan_id: int):
    """Give an open plan to another worker who serves the person's place."""
    require_cap(request, Cap.CARE_PLAN)
    actor = request.user
    try:
        plan = queries.plan_get(actor=actor, plan_id=plan_id)
    except NotFound:
        raise Http404 from None
    found = queries.care_workers(actor=actor, area_codes=[plan.area_code])
    choices = [(w.pk, w.name) for w in found.for_place(plan.area_code)]
    form = ReassignForm(request.POST, workers=choices, auto_id=f"r{plan.pk}-%s")
    status = 400
    if form.is_valid():
        try:
            plan = actions.care_plan_reassign(
                actor=actor, plan_id=plan.pk, worker_id=form.cleaned_data["worker_id"]
            )
        except Forbidden:
            raise PermissionDenied from None
        except NotFound:
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc)
            status = exc.status
        else:
            messages.success(
                request,
                _("The visit to %(name)s this month is now %(worker)s's.")
                % {"name": plan.resident.name, "worker": plan.worker.get_full_name()},
            )
            return redirect(_back(request, "care:plans"))
    values = _plan_values(QueryDict(request.POST.get("back", "")))
    values["view"] = "all"
    return _plans_page(request, values, reassign=(plan.pk, form), status=status)


# --- the roster ----------------------------------------------------------------------------------


def _roster_values(source) -> dict[str, str]:
    values = _values(source, ROSTER_FILTERS)
    if values["kind"] not in Policy.Kind.values:
        values["kind"] = ""
    if values["risk"] not in Risk.values:
        values["risk"] = ""
    if not values["worker"].isdigit():
        values["worker"] = ""
    values["ended"] = _flag(values["ended"])
    return values


def _roster_context(request, values: dict[str, str], *, risk=None) -> dict:
    """The roster; ``risk`` is ``(subject_id, bound form)`` of a refused risk change."""
    actor = request.user
    errors: dict = {}
    area, children, values["area"] = _pick(actor, values["area"], errors)
    try:
        rows = queries.subjects(
            actor=actor,
            area_code=values["area"] or None,
            kind=values["kind"] or None,
            risk=values["risk"] or None,
            q=values["q"] or None,
            worker_id=values["worker"] or None,
            include_ended=bool(values["ended"]),
        )
    except ActionError as exc:
        errors.update(filter_errors(exc))
        rows = queries.subjects(actor=actor).none()
    rows = rows.select_related("resident__household")
    keep = _kept(values) if request.method == "POST" else None
    page_obj = paginate(request, rows, per_page=page_size(request), keep=keep)
    tag_names = _tag_names()
    people = list(page_obj.object_list)
    names = area_names({s.area_code for s in people} | {s.area_code[:12] for s in people})
    for subject in people:
        subject.groups = _groups(subject.tags, tag_names)
        subject.place = _area_label(subject.area_code, names)
        if subject.ended_on is None and scoping.has_cap(actor, Cap.CARE_PLAN, subject.area_code):
            subject.risk_form = RiskForm(
                initial={"risk": subject.risk}, auto_id=f"k{subject.pk}-%s"
            )
    if risk is not None:
        _show_failed(people, risk, "risk_form", errors)
    page_obj.object_list = people
    return {
        "values": values,
        "page_obj": page_obj,
        "errors": errors,
        "filtered": any(values.values()),
        "area": area,
        "children": children,
        "kinds": Policy.Kind.choices,
        "risks": Risk.choices,
        "workers": _worker_choices(actor, area),
        "subject_page": has_page("care:subject"),
        "query": urlencode(_kept(values)),
    }


@login_required
@require_GET
def roster(request):
    require_cap(request)
    values = _roster_values(request.GET)
    number = bool(LONG_NUMBER.search(values["q"]))
    if number:
        # A full ID or phone number typed into the search: never searched here, nor kept in
        # an address (the page would echo it).
        values["q"] = ""
        if not is_htmx(request):
            messages.warning(request, NUMBER_SEARCH)
            return redirect(_url("care:roster", values))
    context = _roster_context(request, values)
    if number:
        context["errors"].setdefault("q", []).append(str(NUMBER_SEARCH))
    status = 400 if context["errors"] and not is_htmx(request) else 200
    template = "care/roster.html#results" if is_htmx(request) else "care/roster.html"
    response = render(request, template, context, status=status)
    if is_htmx(request):
        response["HX-Push-Url"] = _url("care:roster", _kept(values))
    return response


@login_required
@require_POST
def subject_risk(request, subject_id: int):
    """Mark someone at high risk (or back to normal)."""
    require_cap(request, Cap.CARE_PLAN)
    actor = request.user
    form = RiskForm(request.POST, auto_id=f"k{subject_id}-%s")
    status = 400
    if form.is_valid():
        try:
            subject = actions.care_subject_set_risk(
                actor=actor, subject_id=subject_id, risk=form.cleaned_data["risk"]
            )
        except Forbidden:
            raise PermissionDenied from None
        except NotFound:
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc)
            status = exc.status
        else:
            messages.success(
                request,
                _("%(name)s: risk set to “%(risk)s”, visited %(frequency)s.")
                % {
                    "name": subject.resident.name,
                    "risk": subject.get_risk_display(),
                    "frequency": subject.get_frequency_display(),
                },
            )
            return redirect(_back(request, "care:roster"))
    else:
        try:  # a bad choice for someone the actor may not see is still "not found"
            queries.subject_get(actor=actor, subject_id=subject_id)
        except NotFound:
            raise Http404 from None
    values = _roster_values(QueryDict(request.POST.get("back", "")))
    context = _roster_context(request, values, risk=(subject_id, form))
    return render(request, "care/roster.html", context, status=status)


# --- the visit rate ------------------------------------------------------------------------------


def chart_data(table, trend) -> dict:
    """What rate.js draws; the tables on the page show the same numbers."""
    return {
        "labels": {
            "rate": _("Visit rate (%)"),
            "visited": _("Visited"),
            "roster": _("On the roster"),
        },
        "areas": {
            "names": [row.name for row in table.rows if row.denominator],
            "rates": [row.percent for row in table.rows if row.denominator],
        },
        "trend": {
            "months": [f"{point.month:%Y-%m}" for point in trend],
            "rates": [point.percent for point in trend],
            "visited": [point.numerator for point in trend],
            "roster": [point.denominator for point in trend],
        },
    }


class _Counted:
    """A queryset whose length is known already (the rate table counted it in its aggregate),
    so that paging it reads one page and no count."""

    ordered = True

    def __init__(self, rows, count: int):
        self.rows, self.known = rows, count

    def count(self) -> int:
        return self.known

    def __len__(self) -> int:
        return self.known

    def __getitem__(self, key):
        return self.rows[key]


def _not_visited(request, table, month):
    """The people of the rate's area still short of their visits, fewest days left first."""
    rows = queries.not_visited_plans(actor=request.user, month=month, area_code=table.area.code)
    rows = rows.select_related("resident__household")
    page_obj = paginate(
        request, _Counted(rows, table.total.not_visited), per_page=page_size(request)
    )
    today = timezone.localdate()
    missing = list(page_obj.object_list)
    names = area_names({p.area_code for p in missing} | {p.area_code[:12] for p in missing})
    for plan in missing:
        plan.left = plan.days_left(today)
        plan.late = max(-plan.left, 0)
        plan.place = _area_label(plan.area_code, names)
    page_obj.object_list = missing
    return page_obj


@login_required
@require_GET
def rate(request):
    require_cap(request)
    actor = request.user
    values = _values(request.GET, RATE_FILTERS)
    values["list"] = _flag(values["list"])
    errors: dict = {}
    month = _month(values, errors)
    try:
        table = queries.visit_rate(actor=actor, month=month, area_code=values["area"] or None)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError:  # an area not theirs, or no area code at all
        raise Http404 from None
    listed = table.area.level >= LIST_AT_ONCE or values["list"] == "1"
    page_obj = _not_visited(request, table, month) if listed else None
    if is_htmx(request) and listed:  # the list of a large area, asked for after the page
        return render(
            request,
            "care/rate.html#missing",
            {
                "table": table,
                "page_obj": page_obj,
                "listed": True,
                "values": values,
                "subject_page": has_page("care:subject"),
            },
        )
    trend = queries.visit_rate_trend(
        actor=actor,
        area_code=table.area.code,
        months=TREND_MONTHS,
        until=month,
        latest=table.total,
    )
    area = table.area
    parent = area.parent_id if area.parent_id else ""
    up = ""
    if parent and scoping.has_cap(actor, Cap.CARE_VIEW, parent):
        up = _url("care:rate", {"area": parent, "month": values["month"]})
    drill = urlencode(_kept({"month": values["month"]}))
    return render(
        request,
        "care/rate.html",
        {
            "values": values,
            "month": month,
            "table": table,
            "trend": list(reversed(trend)),
            "page_obj": page_obj,
            "listed": listed,
            "list_url": _url("care:rate", {**values, "area": table.area.code, "list": "1"}),
            "errors": errors,
            "up": up,
            "subject_page": has_page("care:subject"),
            "drill": drill,
            "chart_data": chart_data(table, trend),
            "plans_url": _url(
                "care:plans", {"view": "all", "area": area.code, "month": values["month"]}
            ),
        },
        status=400 if errors else 200,
    )


# --- the policy table ----------------------------------------------------------------------------


def _policy_counties(actor) -> list:
    """The counties whose policy the actor may set."""
    counties = []
    for prefix in scoping.prefixes(actor, Cap.CARE_POLICY):
        if len(prefix) >= 6:
            code = prefix[:6].ljust(12, "0")
            counties.extend(core_queries.area_list(actor=actor, level=Level.COUNTY, under=code))
        elif prefix:
            counties.extend(
                core_queries.area_list(
                    actor=actor, level=Level.COUNTY, under=prefix.ljust(12, "0")
                )[:400]
            )
    return counties


def _policy_context(request, county_code: str, *, failed=None) -> dict:
    """The policy page of a county; ``failed`` is ``(tag code or "", bound form)``."""
    actor = request.user
    counties = _policy_counties(actor)
    if not counties:
        raise Http404
    county = next((c for c in counties if c.code == county_code), None)
    if county is None:
        if county_code:
            raise Http404
        county = counties[0]
    try:
        rows = queries.policy_list(actor=actor, county_code=county.code)
    except NotFound:
        raise Http404 from None
    tags = queries.policy_tags()
    failed_code, failed_form = failed or (None, None)
    for row in rows:
        if row.tag_id == failed_code:
            row.form = failed_form
        else:
            row.form = PolicyForm(
                tags=tags,
                auto_id=f"p-{row.pk}-%s",
                initial={
                    "tag_code": row.tag_id,
                    "kind": row.kind,
                    "frequency": row.frequency,
                    "high_risk_frequency": row.high_risk_frequency,
                    "grades": ", ".join(row.grades or ()),
                    "active": row.active,
                },
            )
    add_form = failed_form if failed_code == "" else PolicyForm(tags=tags, auto_id="new-%s")
    used = {row.tag_id for row in rows}
    add_form.fields["tag_code"].choices = [
        choice for choice in add_form.fields["tag_code"].choices if choice[0] not in used
    ]
    return {
        "county": county,
        "counties": counties,
        "rows": rows,
        "add_form": add_form,
    }


@login_required
@require_http_methods(["GET", "POST"])
def policy(request):
    """The county's policy table; POST sets one row (an existing one or a new group)."""
    require_cap(request, Cap.CARE_POLICY)
    actor = request.user
    if request.method == "GET":
        context = _policy_context(request, request.GET.get("county", "").strip()[:12])
        return render(request, "care/policy.html", context)
    county_code = request.POST.get("county", "").strip()[:12]
    existing = request.POST.get("row") == "1"
    form = PolicyForm(
        request.POST,
        tags=queries.policy_tags(),
        auto_id=("p-%s" if existing else "new-%s"),
    )
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = actions.care_policy_set(
                actor=actor,
                county_code=county_code,
                tag_code=data["tag_code"],
                kind=data["kind"],
                frequency=data["frequency"],
                high_risk_frequency=data["high_risk_frequency"],
                grades=data["grades"],
                active=data["active"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except NotFound:
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc, aliases={"county_code": "tag_code"})
            status = exc.status
        else:
            messages.success(
                request,
                _(
                    "The visit policy for “%(group)s” is saved. The roster follows at the next plan run."
                )
                % {"group": row.tag.name},
            )
            return redirect(_url("care:policy", {"county": row.area_code}))
    failed_code = request.POST.get("tag_code", "") if existing else ""
    context = _policy_context(request, county_code, failed=(failed_code, form))
    return render(request, "care/policy.html", context, status=status)


@login_required
@require_POST
def policy_defaults(request):
    """Give the county the built-in rows it lacks."""
    require_cap(request, Cap.CARE_POLICY)
    county_code = request.POST.get("county", "").strip()[:12]
    try:
        added = actions.care_policy_defaults(actor=request.user, county_code=county_code)
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d row of the built-in policy was added.",
                "%(count)d rows of the built-in policy were added.",
                added,
            )
            % {"count": added}
            if added
            else _("The county already has every row of the built-in policy."),
        )
    return redirect(_url("care:policy", {"county": county_code}))


# --- plan runs -----------------------------------------------------------------------------------


def _run_areas(actor) -> list[tuple[str, str]]:
    """Where the actor may make a plan: their areas for ``care.plan`` and the areas below."""
    choices: list[tuple[str, str]] = []
    for prefix in scoping.prefixes(actor, Cap.CARE_PLAN):
        if not prefix:
            continue
        code = prefix if len(prefix) in (12, 15) else prefix.ljust(12, "0")
        try:
            area = queries.visible_area(actor, code, cap=Cap.CARE_PLAN)
        except ActionError:
            continue
        choices.append((area.code, area.name))
        if area.level < Level.COMMUNITY:
            for child in core_queries.area_list(actor=actor, level=area.level + 1, under=area.code)[
                :400
            ]:
                choices.append((child.code, f"\u3000{child.name}"))
    return choices


def _runs_context(request, *, form=None) -> dict:
    actor = request.user
    page_obj = paginate(request, queries.runs(actor=actor), per_page=RUN_PAGE)
    runs = list(page_obj.object_list)
    names = area_names({run.area_code for run in runs})
    for run in runs:
        run.area_name = names.get(run.area_code, run.area_code)
        run.count_list = [
            (label, run.counts.get(key, 0)) for key, label in RUN_COUNTS if run.counts
        ]
        run.changed = any(n for _label, n in run.count_list)
    page_obj.object_list = runs
    can_plan = scoping.has_cap(actor, Cap.CARE_PLAN)
    if can_plan and form is None:
        areas = _run_areas(actor)
        form = RunForm(
            areas=areas,
            initial={
                "area_code": areas[0][0] if areas else "",
                "month": f"{month_start(timezone.localdate()):%Y-%m}",
            },
            auto_id="run-%s",
        )
    return {
        "page_obj": page_obj,
        "running": any(run.status in RUNNING for run in runs),
        "can_plan": can_plan,
        "form": form,
    }


@login_required
@require_http_methods(["GET", "POST"])
def runs(request):
    """The plan generations; POST asks for a month's plan of an area to be made again."""
    require_cap(request)
    actor = request.user
    if request.method == "GET":
        template = "care/runs.html#runs" if is_htmx(request) else "care/runs.html"
        return render(request, template, _runs_context(request))
    if not scoping.has_cap(actor, Cap.CARE_PLAN):
        raise PermissionDenied
    form = RunForm(request.POST, areas=_run_areas(actor), auto_id="run-%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.care_plan_request(actor=actor, area_code=data["area_code"], month=data["month"])
        except Forbidden:
            raise PermissionDenied from None
        except NotFound as exc:
            apply_errors(form, exc)
            status = 404
        except ActionError as exc:
            apply_errors(form, exc)
            status = exc.status
        else:
            messages.success(
                request,
                _("The plan is being made. This page shows when it is done."),
            )
            return redirect("care:runs")
    return render(request, "care/runs.html", _runs_context(request, form=form), status=status)


urlpatterns = [
    path("", plans, name="plans"),
    path("plans/<int:plan_id>/reassign/", plan_reassign, name="plan_reassign"),
    path("roster/", roster, name="roster"),
    path("roster/<int:subject_id>/risk/", subject_risk, name="subject_risk"),
    path("rate/", rate, name="rate"),
    path("policy/", policy, name="policy"),
    path("policy/defaults/", policy_defaults, name="policy_defaults"),
    path("runs/", runs, name="runs"),
]
