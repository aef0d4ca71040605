"""Intake for a resident (帮办: window, phone, patrol, care visit): find them in the registry
(optional), write the appeal down, see likely duplicates, then save it. htmx refreshes the
resident search and the duplicate check in place; without JavaScript they are form steps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from linli.core import scoping
from linli.core.errors import ActionError
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, is_htmx
from linli.registry import queries as registry_queries

from ... import actions, queries
from ...forms.workbench import DuplicateCheckForm, IntakeForm, category_choices
from ._shared import require_staff

RESIDENT_MATCHES = 10


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
    areas = queries.intake_areas(actor=actor)
    if not areas:
        raise PermissionDenied
    categories = queries.intake_categories(actor=actor, areas=areas)
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
            duplicates = queries.visible_duplicates(
                actor=actor,
                area_code=data["area_code"],
                category_id=data["category"],
                lat=data["lat"] if data["lng"] is not None else None,
                lng=data["lng"] if data["lat"] is not None else None,
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
        duplicates = queries.visible_duplicates(
            actor=request.user,
            area_code=data["area_code"],
            category_id=data["category"],
            lat=data["lat"] if data["lng"] is not None else None,
            lng=data["lng"] if data["lat"] is not None else None,
        )
    context = {"duplicates": duplicates, "live": True}
    return render(request, "appeals/workbench/intake.html#duplicates", context)
