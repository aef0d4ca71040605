"""One appeal: its page with every step the actor may take now, the step POSTs (the action
decides; a refusal is shown beside its form), showing the contact's phone in full, and the
appeal's photos."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.pii import mask_name, mask_phone
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors
from linli.registry import queries as registry_queries

from ... import actions, queries
from ...forms.workbench import (
    AcceptForm,
    CallbackForm,
    CloseForm,
    DispatchForm,
    MergeForm,
    ProgressForm,
    RateForm,
    RejectForm,
    ResolveForm,
    ReturnForm,
    StartForm,
    SuperviseForm,
    TransferForm,
)
from ...models import OPEN_STATES, State
from ._shared import _handoff_units, require_staff

RATEABLE = (State.RESOLVED, State.CONFIRMED, State.CLOSED)


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


def _needs_list(actor, appeal) -> dict:
    """The appeal on the residents' needs list: the need it is listed as (for readers of the
    list), else whether the actor may list it (``match.manage`` over its area, an open appeal
    of a community or grid). One query, and none for those who do not read the list."""
    if not scoping.has_cap(actor, Cap.MATCH_VIEW, appeal.area_code):
        return {}
    from linli.matching.queries import lists as matching_queries

    listed = (
        matching_queries.needs_visible(actor)
        .filter(appeal_id=appeal.pk)
        .values_list("pk", flat=True)
        .first()
    )
    may_list = (
        listed is None
        and appeal.state in OPEN_STATES
        and len(appeal.area_code) >= 12
        and not appeal.area_code.endswith("000")
        and scoping.has_cap(actor, Cap.MATCH_MANAGE, appeal.area_code)
    )
    return {"need_id": listed, "may_list": may_list}


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
    templates = queries.appeal_response_templates(appeal=appeal)
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
    duplicates = queries.visible_duplicates(
        actor=actor,
        area_code=appeal.area_code,
        category_id=appeal.category_id,
        lat=appeal.lat,
        lng=appeal.lng,
        exclude_id=appeal.pk,
    )
    context = {
        "appeal": appeal,
        "category_name": queries.category_label(appeal.category),
        "area_name": queries.area_names([appeal.area_code]).get(appeal.area_code, appeal.area_code),
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
        "needs_list": _needs_list(actor, appeal),
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
    try:
        row = queries.photo_get(actor=request.user, photo_id=photo_id)
    except NotFound:
        raise Http404 from None
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="appeal-{row.appeal_id}-{row.pk}.jpg"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
