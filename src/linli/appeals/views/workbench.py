"""The staff workbench of appeals (接诉即办): the inbox, one appeal with every step the actor may
take now, intake for a resident (帮办: window, phone, patrol, care visit) and the photos.

Each view parses, calls one query or action, and renders; the rules live in ``actions`` and
``queries``, which still enforce them whatever a page offers. The contact's phone number appears
masked; "show in full" is a POST that calls the audited ``actions.appeal_contact_reveal`` and answers
with the page itself (``no-store``), so a full number never travels in an address, a redirect or
the session. Every form works without JavaScript; htmx only refreshes the inbox list and the
intake's resident search and duplicate check in place.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import areacodes, scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area
from linli.core.pii import mask_name, mask_phone
from linli.core.roles import Cap
from linli.registry import queries as registry_queries
from linli.registry.forms import apply_errors
from linli.registry.views.people import filter_errors, is_htmx, paginate

from .. import actions, queries
from ..forms.workbench import (
    AcceptForm,
    BulkDispatchForm,
    CallbackForm,
    CloseForm,
    DispatchForm,
    DuplicateCheckForm,
    IntakeForm,
    MergeForm,
    ProgressForm,
    RateForm,
    RejectForm,
    ResolveForm,
    ReturnForm,
    StartForm,
    SuperviseForm,
    TransferForm,
    category_choices,
)
from ..models import (
    OPEN_STATES,
    Category,
    Channel,
    Photo,
    ResponseTemplate,
    State,
    Unit,
)

INBOX_PAGE = 50
INBOX_PAGE_ELDERLY = 20
CHOICES_MAX = 400  # units, areas or categories offered in one <select>
RESIDENT_MATCHES = 10
OFFICE_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.PROVIDER)
KIND_ORDER = {
    kind: n for n, kind in enumerate(("grid", "community", "town", "county", *OFFICE_KINDS))
}
RATEABLE = (State.RESOLVED, State.CONFIRMED, State.CLOSED)
FILTERS = ("state", "category", "unit", "area", "channel", "q", "mine", "overdue", "due_soon")
FLAGS = ("mine", "overdue", "due_soon")

# The inbox's tabs: (key, label, filters). "open" is the default; counts come from
# queries.inbox_counts under the same keys.
BUCKETS = [
    ("open", gettext_lazy("All open"), {"state": "open"}),
    ("to_dispatch", gettext_lazy("To dispatch"), {"state": State.SUBMITTED}),
    ("to_accept", gettext_lazy("To accept"), {"state": State.DISPATCHED}),
    ("in_hand", gettext_lazy("In hand"), {"state": [State.ACCEPTED, State.IN_PROGRESS]}),
    ("overdue", gettext_lazy("Overdue"), {"state": "open", "overdue": "1"}),
    ("due_soon", gettext_lazy("Due soon"), {"state": "open", "due_soon": "1"}),
    ("escalated", gettext_lazy("Supervised"), {"state": "open", "escalated": "1"}),
    ("callbacks", gettext_lazy("Callbacks due"), {"callback": "1"}),
    ("awaiting_resident", gettext_lazy("Awaiting the resident"), {"state": State.RESOLVED}),
    ("all", gettext_lazy("All"), {}),
]
BUCKET_FILTERS = {key: filters for key, _label, filters in BUCKETS}
STATE_CHOICES = [
    ("open", gettext_lazy("Open")),
    ("done", gettext_lazy("Resolved or confirmed")),
    ("ended", gettext_lazy("Ended")),
    *State.choices,
]


def require_staff(request) -> None:
    if not scoping.has_cap(request.user, Cap.STAFF_HOME):
        raise PermissionDenied


# --- small reads of configuration rows (units, categories, templates, area names) -------------
# They read only rows of the actor's counties; they belong in ``queries.units`` in time.


def _units_over(actor, cap: str, *, members: bool = False) -> list[Unit]:
    units = queries.unit_choices(actor=actor, cap=cap, members=members)
    return sorted(units, key=lambda u: (KIND_ORDER.get(u.kind, 9), u.area_code, u.name))


def _handoff_units(appeal) -> list[Unit]:
    return queries.handoff_units(appeal.area_code)


def _categories(prefixes: list[str]) -> list[Category]:
    """The categories of the counties under (or over) ``prefixes``."""
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(area_code__startswith=prefix[:6])
    return list(
        Category.objects.filter(q, active=True).order_by("area_code", "sort", "id")[:CHOICES_MAX]
    )


def _response_templates(appeal) -> dict[str, list[ResponseTemplate]]:
    """The county's answers in use for this category (or its parent, or any), by step."""
    categories = [appeal.category_id, appeal.category.parent_id]
    rows = ResponseTemplate.objects.filter(
        Q(category__isnull=True) | Q(category_id__in=[c for c in categories if c]),
        area_code=queries.county_code(appeal.area_code),
        active=True,
    ).order_by("step", "title")
    found: dict[str, list[ResponseTemplate]] = {}
    for row in rows:
        found.setdefault(row.step, []).append(row)
    return found


def _visible(actor, appeals: list) -> list:
    """Those of ``appeals`` (likely duplicates, found across areas) the actor may see."""
    if not appeals:
        return []
    pks = [appeal.pk for appeal in appeals]
    seen = set(queries.appeal_list(actor=actor).filter(pk__in=pks).values_list("pk", flat=True))
    return [appeal for appeal in appeals if appeal.pk in seen]


def _area_names(codes) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _intake_areas(actor) -> list:
    """Communities and grids where the actor takes appeals in, grouped for a <select>."""
    rows = (
        Area.objects.filter(level__in=(areacodes.Level.COMMUNITY, areacodes.Level.GRID))
        .filter(scoping.prefix_q(scoping.prefixes(actor, Cap.APPEAL_INTAKE), "code"))
        .order_by("code")
        .values_list("code", "name", "level")[:CHOICES_MAX]
    )
    groups: dict[str, list] = {}
    labels: dict[str, str] = {}
    for code, name, level in rows:
        community = code[:12]
        if level == areacodes.Level.COMMUNITY:
            labels[community] = name
            groups.setdefault(community, []).insert(
                0, (code, _("%(name)s (whole community)") % {"name": name})
            )
        else:
            groups.setdefault(community, []).append((code, name))
    return [(labels.get(code, code), options) for code, options in groups.items()]


# --- the inbox ---------------------------------------------------------------------------------


def _inbox_values(source) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:50] for key in FILTERS}
    for key in ("category", "unit"):
        if not values[key].isdigit():
            values[key] = ""
    for key in FLAGS:
        values[key] = "1" if values[key] in ("1", "on", "true") else ""
    tab = str(source.get("tab", ""))
    values["tab"] = tab if tab in BUCKET_FILTERS else "open"
    return values


def _kept(values: dict[str, str]) -> dict[str, str]:
    """The filters worth an address: set, and not the default tab."""
    return {k: v for k, v in values.items() if v and not (k == "tab" and v == "open")}


def _inbox_url(values: dict[str, str]) -> str:
    query = urlencode(_kept(values))
    return reverse("appeals:inbox") + (f"?{query}" if query else "")


def _inbox_context(request, values: dict[str, str], *, bulk_form=None) -> dict:
    actor = request.user
    filters = dict(BUCKET_FILTERS[values["tab"]])
    filters.update({key: values[key] for key in FILTERS if values[key]})
    errors: dict = {}
    try:
        rows = queries.appeal_list(actor=actor, filters=filters)
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = queries.appeal_list(actor=actor).none()
    per_page = INBOX_PAGE_ELDERLY if getattr(request, "elderly_mode", False) else INBOX_PAGE
    keep = _kept(values) if request.method == "POST" else None
    rows = rows.select_related("category", "unit")
    page_obj = paginate(request, rows, per_page=per_page, keep=keep)
    appeals = list(page_obj.object_list)
    names = _area_names(a.area_code for a in appeals)
    for appeal in appeals:
        appeal.category_name = queries.category_label(appeal.category)
        appeal.area_name = names.get(appeal.area_code, appeal.area_code)
    page_obj.object_list = appeals
    can_dispatch = scoping.has_cap(actor, Cap.APPEAL_DISPATCH)
    show_bulk = can_dispatch and (
        bulk_form is not None
        or values["tab"] == "to_dispatch"
        or values["state"] == State.SUBMITTED
    )
    if show_bulk and bulk_form is None:
        bulk_form = BulkDispatchForm(
            units=_units_over(actor, Cap.APPEAL_DISPATCH), auto_id="bulk-%s"
        )
    counts = queries.inbox_counts(actor=actor)
    tabs = []
    for key, label, _filters in BUCKETS:
        # A tab keeps the other filters; its bucket says which states it lists.
        tabs.append(
            {
                "key": key,
                "label": label,
                "count": counts.get(key),
                "url": _inbox_url({**values, "tab": key, "state": ""}),
                "current": key == values["tab"],
                "alert": key in ("overdue", "escalated", "callbacks"),
            }
        )
    context = {
        "values": values,
        "tabs": tabs,
        "page_obj": page_obj,
        "errors": errors,
        "filtered": any(values[k] for k in FILTERS),
        "states": STATE_CHOICES,
        "channels": Channel.choices,
        "categories": category_choices(
            _categories(
                scoping.prefixes(actor, Cap.APPEAL_VIEW)
                + [u.area_code for u in Unit.objects.filter(pk__in=queries.member_unit_ids(actor))]
            ),
            queries.category_label,
        ),
        "units": _units_over(actor, Cap.APPEAL_VIEW, members=True),
        "show_bulk": show_bulk,
        "bulk_form": bulk_form,
        "can_intake": scoping.has_cap(actor, Cap.APPEAL_INTAKE),
        "query": urlencode(_kept(values)),
        "htmx": is_htmx(request),
        "chosen": {str(pk) for pk in (bulk_form["appeals"].value() or [])} if bulk_form else set(),
    }
    return context


@login_required
@require_GET
def inbox(request):
    require_staff(request)
    values = _inbox_values(request.GET)
    context = _inbox_context(request, values)
    status = 400 if context["errors"] and not is_htmx(request) else 200
    template = "appeals/workbench/inbox.html"
    if is_htmx(request):
        template += "#results"
    return render(request, template, context, status=status)


@login_required
@require_POST
def bulk_dispatch(request):
    """Several appeals awaiting dispatch to one unit: all of them, or none."""
    require_staff(request)
    actor = request.user
    if not scoping.has_cap(actor, Cap.APPEAL_DISPATCH):
        raise PermissionDenied
    values = _inbox_values(QueryDict(request.POST.get("back", "")))
    units = _units_over(actor, Cap.APPEAL_DISPATCH)
    form = BulkDispatchForm(request.POST, units=units, auto_id="bulk-%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            count = actions.appeals_dispatch_bulk(
                actor=actor, appeal_ids=data["appeals"], unit_id=data["unit"], note=data["note"]
            )
        except ActionError as exc:
            apply_errors(form, exc)
            status = exc.status
        else:
            unit = next((u.name for u in units if u.pk == data["unit"]), "")
            messages.success(
                request,
                ngettext(
                    "%(count)d appeal was dispatched to %(unit)s.",
                    "%(count)d appeals were dispatched to %(unit)s.",
                    count,
                )
                % {"count": count, "unit": unit},
            )
            return redirect(_inbox_url(values))
    context = _inbox_context(request, values, bulk_form=form)
    return render(request, "appeals/workbench/inbox.html", context, status=status)


# --- one appeal ----------------------------------------------------------------------------------


def _appeal(request, appeal_id: int):
    require_staff(request)
    try:
        appeal = queries.appeal_get(actor=request.user, appeal_id=appeal_id)
    except NotFound:
        raise Http404 from None
    if not queries.is_staff_viewer(request.user, appeal):
        raise Http404
    return appeal


def _abilities(actor, appeal) -> dict[str, bool]:
    """What the actor may do now: legal for the state and allowed for them (as the actions check)."""
    state = appeal.state
    acting = queries.can_act_for(actor, appeal.unit)
    dispatcher = scoping.has_cap(actor, Cap.APPEAL_DISPATCH, appeal.area_code)
    supervisor = scoping.has_cap(actor, Cap.APPEAL_SUPERVISE, appeal.area_code) or (
        appeal.unit_id is not None and appeal.unit_id in queries.supervised_unit_ids(actor)
    )
    rated = appeal.ratings.filter(round=appeal.reopen_count).exists()
    ended = state in (State.REJECTED, State.MERGED)
    return {
        "acting": acting,
        "dispatcher": dispatcher,
        "supervisor": supervisor,
        "accept": acting and state == State.DISPATCHED,
        "start": acting and state == State.ACCEPTED,
        "progress": not ended,
        "resolve": acting and state in (State.ACCEPTED, State.IN_PROGRESS),
        "dispatch": dispatcher and state == State.SUBMITTED,
        "return": acting and state == State.DISPATCHED,
        "transfer": (acting or dispatcher)
        and state in (State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS),
        "merge": dispatcher and state in (State.SUBMITTED, State.DISPATCHED),
        "reject": dispatcher and state == State.SUBMITTED,
        "close": (dispatcher or supervisor)
        and state == State.CONFIRMED
        and not appeal.callback_due,
        "supervise": supervisor and state in OPEN_STATES,
        "callback": supervisor
        and not ended
        and (appeal.callback_due or appeal.rating is not None or state in RATEABLE),
        "rate": supervisor and state in RATEABLE and not rated,
        "reveal": bool(appeal.contact_phone)
        and (
            appeal.unit_id in queries.acting_unit_ids(actor)
            or scoping.has_cap(actor, Cap.PII_REVEAL, appeal.area_code)
        ),
        "full_name": acting or scoping.has_cap(actor, Cap.PII_REVEAL, appeal.area_code),
    }


# verb: (form class, panel title, button label, response-template step and field)
VERBS = {
    "accept": (
        AcceptForm,
        pgettext_lazy("appeal action", "Accept the appeal"),
        pgettext_lazy("appeal action", "Accept"),
        ("accept", "message"),
    ),
    "start": (
        StartForm,
        pgettext_lazy("appeal action", "Start the work"),
        pgettext_lazy("appeal action", "Start"),
        None,
    ),
    "progress": (
        ProgressForm,
        pgettext_lazy("appeal action", "Progress or internal note"),
        pgettext_lazy("appeal action", "Add"),
        ("progress", "message"),
    ),
    "resolve": (
        ResolveForm,
        pgettext_lazy("appeal action", "Resolve"),
        pgettext_lazy("appeal action", "Resolve"),
        ("resolve", "resolution"),
    ),
    "dispatch": (
        DispatchForm,
        pgettext_lazy("appeal action", "Dispatch"),
        pgettext_lazy("appeal action", "Dispatch"),
        None,
    ),
    "return": (
        ReturnForm,
        pgettext_lazy("appeal action", "Return to the dispatcher"),
        pgettext_lazy("appeal action", "Return"),
        ("return", "reason"),
    ),
    "transfer": (
        TransferForm,
        pgettext_lazy("appeal action", "Transfer to another unit"),
        pgettext_lazy("appeal action", "Transfer"),
        None,
    ),
    "merge": (
        MergeForm,
        pgettext_lazy("appeal action", "Merge as a duplicate"),
        pgettext_lazy("appeal action", "Merge"),
        None,
    ),
    "reject": (
        RejectForm,
        pgettext_lazy("appeal action", "Reject"),
        pgettext_lazy("appeal action", "Reject"),
        ("reject", "reason"),
    ),
    "close": (
        CloseForm,
        pgettext_lazy("appeal action", "Close"),
        pgettext_lazy("appeal action", "Close"),
        None,
    ),
    "supervise": (
        SuperviseForm,
        pgettext_lazy("appeal action", "Supervise"),
        pgettext_lazy("appeal action", "Supervise"),
        None,
    ),
    "callback": (
        CallbackForm,
        pgettext_lazy("appeal action", "Record a callback"),
        pgettext_lazy("appeal action", "Record"),
        None,
    ),
    "rate": (
        RateForm,
        pgettext_lazy("appeal action", "Record the resident's rating"),
        pgettext_lazy("appeal action", "Record"),
        None,
    ),
}
PRIMARY = ("accept", "start", "resolve", "dispatch")
DANGER = ("reject", "merge", "return")
WITH_UNITS = ("dispatch", "transfer")


def _form(verb: str, appeal, able: dict, data=None, files=None, *, units=None):
    form_class = VERBS[verb][0]
    kwargs: dict = {"auto_id": f"{verb}-%s"}
    if verb in WITH_UNITS:
        units = units if units is not None else _handoff_units(appeal)
        kwargs["units"] = [u for u in units if not (verb == "transfer" and u.pk == appeal.unit_id)]
    if verb == "progress":
        kwargs["may_message"] = able["acting"] or able["dispatcher"]
    return form_class(data, files, **kwargs)


def _run(verb: str, actor, appeal, data: dict):
    pk = appeal.pk
    calls = {
        "accept": lambda: actions.appeal_accept(actor=actor, appeal_id=pk, message=data["message"]),
        "start": lambda: actions.appeal_start(actor=actor, appeal_id=pk, message=data["message"]),
        "progress": lambda: actions.appeal_progress(
            actor=actor,
            appeal_id=pk,
            message=data.get("message", ""),
            note=data["note"],
            photos=data["photos"],
        ),
        "resolve": lambda: actions.appeal_resolve(
            actor=actor, appeal_id=pk, resolution=data["resolution"], photos=data["photos"]
        ),
        "dispatch": lambda: actions.appeal_dispatch(
            actor=actor, appeal_id=pk, unit_id=data["unit"], note=data["note"]
        ),
        "return": lambda: actions.appeal_return(actor=actor, appeal_id=pk, reason=data["reason"]),
        "transfer": lambda: actions.appeal_transfer(
            actor=actor, appeal_id=pk, unit_id=data["unit"], reason=data["reason"]
        ),
        "merge": lambda: actions.appeal_merge(
            actor=actor, appeal_id=pk, into_id=data["into"], reason=data["reason"]
        ),
        "reject": lambda: actions.appeal_reject(actor=actor, appeal_id=pk, reason=data["reason"]),
        "close": lambda: actions.appeal_close(actor=actor, appeal_id=pk, note=data["note"]),
        "supervise": lambda: actions.appeal_supervise(actor=actor, appeal_id=pk, note=data["note"]),
        "callback": lambda: actions.appeal_callback(
            actor=actor, appeal_id=pk, outcome=data["outcome"], note=data["note"]
        ),
        "rate": lambda: actions.appeal_rate(
            actor=actor,
            appeal_id=pk,
            level=data["level"],
            efficiency=data["efficiency"],
            attitude=data["attitude"],
            result=data["result"],
            comment=data["comment"],
            on_behalf=True,
        ),
    }
    return calls[verb]()


def _done_message(verb: str, appeal, result) -> str:
    number = appeal.number
    unit = getattr(getattr(result, "unit", None), "name", "")
    texts = {
        "accept": _("You accepted appeal %(number)s; its resolution clock is running."),
        "start": _("Work on appeal %(number)s has started."),
        "progress": _("Your update is added to the history of appeal %(number)s."),
        "resolve": _(
            "Appeal %(number)s is resolved; the resident is asked to confirm and rate it."
        ),
        "dispatch": _("Appeal %(number)s was dispatched to %(unit)s."),
        "return": _("Appeal %(number)s was returned to the dispatcher."),
        "transfer": _("Appeal %(number)s was transferred to %(unit)s."),
        "merge": _("Appeal %(number)s was merged as a duplicate."),
        "reject": _("Appeal %(number)s was rejected; the resident sees the reason."),
        "close": _("Appeal %(number)s is closed."),
        "supervise": _("Appeal %(number)s is raised for supervision."),
        "callback": _("The callback on appeal %(number)s is recorded."),
        "rate": _("The rating of appeal %(number)s is recorded."),
    }
    return texts[verb] % {"number": number, "unit": unit}


def _answers(appeal) -> list[tuple[str, str]]:
    """The category's questions and the answers given, in the category's order."""
    found = []
    answers = appeal.attributes or {}
    for question in appeal.category.attributes or []:
        if question.get("code") not in answers:
            continue
        value = str(answers[question["code"]])
        names = {v["key"]: v["name"] for v in question.get("values", [])}
        shown = ", ".join(names.get(part, part) for part in value.split(",")) if names else value
        found.append((question.get("description") or question["code"], shown))
    return found


def _linked_resident(actor, appeal):
    if appeal.resident_id is None or not scoping.has_cap(actor, Cap.REGISTRY_VIEW):
        return None
    try:
        return registry_queries.resident_get(actor=actor, resident_id=appeal.resident_id)
    except ActionError:
        return None


def _render_detail(
    request,
    appeal,
    *,
    failed: str = "",
    failed_form=None,
    error: str = "",
    revealed: str = "",
    reveal_error: str = "",
    status: int = 200,
):
    actor = request.user
    able = _abilities(actor, appeal)
    templates = _response_templates(appeal)
    units = _handoff_units(appeal) if (able["dispatch"] or able["transfer"]) else []
    panels = []
    for verb, (_form_class, title, button, fill) in VERBS.items():
        if not able.get(verb):
            continue
        form = failed_form if verb == failed else _form(verb, appeal, able, units=units)
        step, field = fill or ("", "")
        panels.append(
            {
                "verb": verb,
                "url": reverse(f"appeals:appeal_{verb}", args=[appeal.pk]),
                "title": title,
                "button": button,
                "form": form,
                "open": verb == failed or verb in ("accept", "dispatch"),
                "primary": verb in PRIMARY,
                "danger": verb in DANGER,
                "multipart": verb in ("progress", "resolve"),
                "templates": templates.get(step, []),
                "fill": f"{verb}-{field}" if field else "",
            }
        )
    shown = {p["verb"] for p in panels}
    duplicates = _visible(
        actor,
        queries.appeal_duplicates(
            area_code=appeal.area_code,
            category_id=appeal.category_id,
            lat=appeal.lat,
            lng=appeal.lng,
            exclude_id=appeal.pk,
        ),
    )
    context = {
        "appeal": appeal,
        "category_name": queries.category_label(appeal.category),
        "area_name": _area_names([appeal.area_code]).get(appeal.area_code, appeal.area_code),
        "able": able,
        "panels": panels,
        "action_error": error if failed and failed not in shown else "",
        "answers": _answers(appeal),
        "contact_name": appeal.contact_name
        if able["full_name"]
        else mask_name(appeal.contact_name),
        "phone_masked": mask_phone(appeal.contact_phone),
        "revealed": revealed,
        "reveal_error": reveal_error,
        "resident": _linked_resident(actor, appeal),
        "photos": list(appeal.photos.all()),
        "timeline": queries.appeal_timeline(actor=actor, appeal=appeal),
        "dispatches": list(
            appeal.dispatches.select_related("unit", "accepted_by", "dispatched_by")
        ),
        "supervisions": list(appeal.supervisions.select_related("by", "unit").order_by("at")),
        "ratings": list(appeal.ratings.select_related("by")),
        "rectifications": list(appeal.rectifications.all()),
        "callbacks": list(appeal.callbacks.select_related("by")),
        "duplicates": duplicates,
        "merge_duplicates": able["merge"],
    }
    response = render(request, "appeals/workbench/detail.html", context, status=status)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def detail(request, appeal_id: int):
    return _render_detail(request, _appeal(request, appeal_id))


@login_required
@require_POST
def act(request, appeal_id: int, verb: str):
    """One step of the appeal: the action decides; its refusal is shown beside the form."""
    if verb not in VERBS:
        raise Http404
    actor = request.user
    appeal = _appeal(request, appeal_id)
    able = _abilities(actor, appeal)
    form = _form(verb, appeal, able, request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            result = _run(verb, actor, appeal, form.cleaned_data)
        except NotFound:
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc)
            status = exc.status
        else:
            messages.success(request, _done_message(verb, appeal, result))
            try:
                queries.appeal_get(actor=actor, appeal_id=appeal.pk)
            except NotFound:  # handed to a unit the actor does not see
                return redirect("appeals:inbox")
            return redirect("appeals:detail", appeal_id=appeal.pk)
    error = "; ".join(str(m) for found in form.errors.values() for m in found)
    appeal = _appeal(request, appeal_id)  # as it is now (someone may have moved it on)
    return _render_detail(
        request, appeal, failed=verb, failed_form=form, error=error, status=status
    )


@never_cache
@login_required
@require_POST
def reveal(request, appeal_id: int):
    """The contact's phone number in full: audited; answered with the page, never redirected."""
    appeal = _appeal(request, appeal_id)
    try:
        value = actions.appeal_contact_reveal(actor=request.user, appeal_id=appeal.pk)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        return _render_detail(request, appeal, reveal_error=exc.message, status=400)
    return _render_detail(request, appeal, revealed=value)


@login_required
@require_GET
def photo(request, photo_id: int):
    """A photo of an appeal the actor may see (residents see their own appeals' photos)."""
    appeal_id = Photo.objects.filter(pk=photo_id).values_list("appeal_id", flat=True).first()
    if appeal_id is None:
        raise Http404
    try:
        appeal = queries.appeal_get(actor=request.user, appeal_id=appeal_id)
    except NotFound:
        raise Http404 from None
    row = appeal.photos.get(pk=photo_id)
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="appeal-{appeal.pk}-{row.pk}.jpg"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- intake (帮办) -------------------------------------------------------------------------------


def _questions(categories, source, errors: dict) -> list[dict]:
    """The categories' questions as fields named ``attr-<category>-<code>``."""
    found = []
    for category in categories:
        fields = []
        for question in category.attributes or []:
            name = f"attr-{category.pk}-{question['code']}"
            fields.append(
                {
                    **question,
                    "name": name,
                    "value": source.getlist(name),
                    "errors": errors.get(question["code"], []),
                }
            )
        if fields:
            label = queries.category_label(category)
            found.append({"category": category, "label": label, "fields": fields})
    return found


def _chosen_answers(category_id, categories, source) -> dict:
    category = next((c for c in categories if c.pk == category_id), None)
    answers = {}
    for question in (category.attributes or []) if category else []:
        value = source.getlist(f"attr-{category.pk}-{question['code']}")
        text = ",".join(v.strip() for v in value if v.strip())
        if text:
            answers[question["code"]] = text
    return answers


def _residents(actor, text: str) -> tuple[list, str]:
    """A few registry residents matching ``text`` (masked), for those who may read the registry."""
    if not text or not scoping.has_cap(actor, Cap.REGISTRY_VIEW):
        return [], ""
    try:
        search = registry_queries.resident_search(
            actor=actor, filters=registry_queries.ResidentFilters(q=text)
        )
    except ActionError as exc:
        return [], str(exc.message)
    rows = list(search.rows[:RESIDENT_MATCHES])
    for resident in rows:
        resident.phone_masked = registry_queries.masked_phone(resident)
    return rows, ""


def _render_intake(request, form, *, categories, partial="", status=200, **extra):
    actor = request.user
    source = request.POST if request.method == "POST" else request.GET
    text = " ".join(source.get("rq", "").split())[: registry_queries.SEARCH_MAX_LENGTH]
    residents, search_error = _residents(actor, text)
    chosen_id = str(form["resident_id"].value() or "")
    chosen = None
    if chosen_id.isdigit() and not any(str(r.pk) == chosen_id for r in residents):
        try:
            chosen = registry_queries.resident_get(actor=actor, resident_id=int(chosen_id))
        except ActionError:
            chosen_id = ""
        else:
            chosen.phone_masked = registry_queries.masked_phone(chosen)
    context = {
        "form": form,
        "questions": _questions(categories, source, extra.pop("attr_errors", {})),
        "can_search": scoping.has_cap(actor, Cap.REGISTRY_VIEW),
        "rq": text,
        "searched": bool(text),
        "residents": residents,
        "search_error": search_error,
        "chosen": chosen,
        "chosen_id": chosen_id,
        **extra,
    }
    template = "appeals/workbench/intake.html" + (f"#{partial}" if partial else "")
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"  # a typed phone number is echoed back
    return response


def _intake_setup(request):
    actor = request.user
    require_staff(request)
    if not scoping.has_cap(actor, Cap.APPEAL_INTAKE):
        raise PermissionDenied
    areas = _intake_areas(actor)
    if not areas:
        raise PermissionDenied
    codes = [code for _label, options in areas for code, _name in options]
    categories = _categories(sorted({code[:6] for code in codes}))
    return areas, categories, category_choices(categories, queries.category_label)


@login_required
@require_http_methods(["GET", "POST"])
def intake(request):
    """Take an appeal in for a resident: find them in the registry (optional), write it down,
    see likely duplicates, then save it."""
    actor = request.user
    areas, categories, choices = _intake_setup(request)
    kwargs = {"areas": areas, "categories": choices, "auto_id": "in-%s"}
    if request.method == "GET":
        options = [code for _label, group in areas for code, _name in group]
        initial = {"area_code": options[0]} if len(options) == 1 else {}
        return _render_intake(request, IntakeForm(initial=initial, **kwargs), categories=categories)
    if request.POST.get("step") == "find":
        form = IntakeForm(initial=request.POST.dict(), **kwargs)
        partial = "residents" if is_htmx(request) else ""
        return _render_intake(request, form, categories=categories, partial=partial)
    form = IntakeForm(request.POST, request.FILES, **kwargs)
    attr_errors: dict = {}
    if form.is_valid():
        data = form.cleaned_data
        if request.POST.get("duplicates_seen") != "1":
            duplicates = _visible(
                actor,
                queries.appeal_duplicates(
                    area_code=data["area_code"],
                    category_id=data["category"],
                    lat=data["lat"] if data["lng"] is not None else None,
                    lng=data["lng"] if data["lat"] is not None else None,
                ),
            )
            if duplicates:
                return _render_intake(
                    request,
                    form,
                    categories=categories,
                    duplicates=duplicates,
                    photos_dropped=bool(data["photos"]),
                )
        try:
            appeal = actions.appeal_submit(
                actor=actor,
                channel=data["channel"],
                area_code=data["area_code"],
                category_id=data["category"],
                title=data["title"],
                description=data["description"],
                address=data["address"],
                lat=data["lat"],
                lng=data["lng"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                public=data["public"],
                attributes=_chosen_answers(data["category"], categories, request.POST),
                resident_id=data["resident_id"],
                photos=data["photos"],
            )
        except ActionError as exc:
            found = dict(exc.errors)
            for name in [n for n in found if n.startswith("attributes.")]:
                attr_errors[name.split(".", 1)[1]] = found.pop(name)
            if found or not attr_errors:
                exc.errors = found
                apply_errors(form, exc, aliases={"resident": "resident_id", "attributes": None})
        else:
            messages.success(
                request,
                _("Appeal %(number)s is taken in. Tell the resident this number.")
                % {"number": appeal.number},
            )
            return redirect("appeals:detail", appeal_id=appeal.pk)
    return _render_intake(request, form, categories=categories, attr_errors=attr_errors, status=400)


@login_required
@require_GET
def intake_duplicates(request):
    """Likely duplicates of what is being taken in (htmx, while the form is filled in): only
    in the actor's own intake areas, and only appeals they may see."""
    areas = _intake_setup(request)[0]
    form = DuplicateCheckForm(request.GET)
    duplicates = []
    codes = {code for _label, options in areas for code, _name in options}
    if form.is_valid() and form.cleaned_data["area_code"] in codes:
        data = form.cleaned_data
        found = queries.appeal_duplicates(
            area_code=data["area_code"],
            category_id=data["category"],
            lat=data["lat"] if data["lng"] is not None else None,
            lng=data["lng"] if data["lat"] is not None else None,
        )
        duplicates = _visible(request.user, found)
    context = {"duplicates": duplicates, "live": True}
    return render(request, "appeals/workbench/intake.html#duplicates", context)


urlpatterns = [
    path("", inbox, name="inbox"),
    path("intake/", intake, name="intake"),
    path("intake/duplicates/", intake_duplicates, name="intake_duplicates"),
    path("bulk-dispatch/", bulk_dispatch, name="bulk_dispatch"),
    path("photos/<int:photo_id>/", photo, name="photo"),
    path("<int:appeal_id>/", detail, name="detail"),
    path("<int:appeal_id>/reveal/", reveal, name="appeal_reveal"),
    *[
        path(f"<int:appeal_id>/{verb}/", act, {"verb": verb}, name=f"appeal_{verb}")
        for verb in VERBS
    ],
]
