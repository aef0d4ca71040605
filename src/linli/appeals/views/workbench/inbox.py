"""The inbox: the appeals the actor may see, by tab (bucket) and filters, and the bulk dispatch
of appeals awaiting it. htmx refreshes the list in place; without JavaScript the filters are a
plain GET form."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from linli.core import scoping
from linli.core.errors import ActionError
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, filter_errors, is_htmx, paginate

from ... import actions, queries
from ...forms.workbench import BulkDispatchForm, category_choices
from ...models import Channel, State
from ._shared import _units_over, require_staff

INBOX_PAGE = 50
INBOX_PAGE_ELDERLY = 20
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
    ("open", pgettext_lazy("appeal state filter", "Open")),
    ("done", gettext_lazy("Resolved or confirmed")),
    ("ended", gettext_lazy("Ended")),
    *State.choices,
]


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
    names = queries.area_names(a.area_code for a in appeals)
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
            queries.inbox_categories(actor=actor), queries.category_label
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
