"""Audit trail pages: the filtered list, one event, and the .csv/.xlsx exports.

Only audit administrators (capability ``audit.view``; exports ``audit.export``) open them;
everyone else gets the 403 page, visitors who are not signed in the login page.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import scoping
from ..actions.personal import XLSX_MAX_ROWS, audit_export
from ..errors import ActionError, Forbidden, NotFound
from ..queries import auditlog
from ..roles import Cap

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# form field → AuditFilters attribute (the page and the API use the same query names)
_FIELD_TO_FILTER = {
    "since": "since",
    "until": "until",
    "action": "action",
    "actor": "actor_name",
    "target_type": "target_type",
    "target_id": "target_id",
    "area_code": "area_code",
    "request_id": "request_id",
}
_FILTER_TO_FIELD = {v: k for k, v in _FIELD_TO_FILTER.items()}


class AuditFilterForm(forms.Form):
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=60,
        help_text=_("The start is enough: “account.” finds every account action."),
    )
    actor = forms.CharField(label=_("Account (username)"), required=False, max_length=150)
    target_type = forms.CharField(
        label=_("Target type"),
        required=False,
        max_length=60,
        help_text=_("For example core.user"),
    )
    target_id = forms.CharField(label=_("Target id"), required=False, max_length=64)
    area_code = forms.CharField(
        label=_("Area code"),
        required=False,
        max_length=15,
        help_text=_("The first digits of the area code."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*"}),
    )
    request_id = forms.CharField(label=_("Request id"), required=False, max_length=36)

    def filters(self) -> auditlog.AuditFilters:
        data = self.cleaned_data
        return auditlog.AuditFilters(
            **{
                attr: data.get(name) or ("" if name not in ("since", "until") else None)
                for name, attr in _FIELD_TO_FILTER.items()
            }
        )

    def apply_errors(self, exc: ActionError) -> None:
        for name, messages in (exc.errors or {}).items():
            field = _FILTER_TO_FIELD.get(name)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        if not exc.errors:
            self.add_error(None, exc.message)


def _parse(request) -> tuple[AuditFilterForm, auditlog.AuditFilters | None]:
    """The filter form bound to the query string, and its filters when they are valid."""
    form = AuditFilterForm(request.GET)
    valid = form.is_valid()
    try:
        # the fields that parsed are checked too, so every error shows at once
        filters = form.filters().cleaned()
    except ActionError as exc:
        form.apply_errors(exc)
        return form, None
    return form, (filters if valid else None)


def _require(request, cap: str) -> None:
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied


@login_required
@require_GET
@never_cache
def audit_list(request):
    actor = request.user
    _require(request, Cap.AUDIT_VIEW)
    form, filters = _parse(request)
    page_obj = None
    area_names: dict[str, str] = {}
    if filters is not None:
        try:
            events = auditlog.audit_events(actor=actor, filters=filters)
        except Forbidden:
            raise PermissionDenied from None
        page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        area_names = auditlog.audit_area_names(actor=actor, events=page_obj.object_list)
        for event in page_obj.object_list:
            event.area_name = area_names.get(event.area_code, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit/list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "filtered": any(request.GET.get(name) for name in _FIELD_TO_FILTER),
            "export_query": query.urlencode(),
            "can_export": scoping.has_cap(actor, Cap.AUDIT_EXPORT),
            "xlsx_max_rows": XLSX_MAX_ROWS,
        },
    )


@login_required
@require_GET
@never_cache
def audit_detail(request, event_id: int):
    _require(request, Cap.AUDIT_VIEW)
    try:
        event = auditlog.audit_get(actor=request.user, event_id=event_id)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    area_names = auditlog.audit_area_names(actor=request.user, events=[event])
    return render(
        request,
        "core/audit/detail.html",
        {
            "event": event,
            "area_name": area_names.get(event.area_code, ""),
            "extra_json": json.dumps(event.extra or {}, ensure_ascii=False, indent=2),
        },
    )


@login_required
@require_GET
def audit_export_view(request, fmt: str):
    actor = request.user
    _require(request, Cap.AUDIT_EXPORT)
    form, filters = _parse(request)
    if filters is None:
        # The list shows the same query string with the errors next to the fields.
        return redirect(f"{reverse('core:audit_list')}?{request.GET.urlencode()}")
    try:
        export = audit_export(actor=actor, filters=filters, fmt=fmt)
    except Forbidden:
        raise PermissionDenied from None
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    filename = f"audit-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            auditlog.csv_chunks(export.events), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(auditlog.xlsx_bytes(export.events), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Export-Rows"] = str(export.rows)
    response["X-Export-Matched"] = str(export.matched)
    return response


urlpatterns = [
    path("audit/", audit_list, name="audit_list"),
    re_path(r"^audit/export\.(?P<fmt>csv|xlsx)$", audit_export_view, name="audit_export"),
    path("audit/<int:event_id>/", audit_detail, name="audit_detail"),
]
