"""Staff pages of service records: the list with its filters and the export, one record with
its corrections, the correction form, a record without an activity, carrying a volunteer's
records with their signed consent, and the county's recompute of every total.

Each view parses, calls one query or action, and renders. The list refreshes in place with
htmx; every form works without JavaScript. ID numbers appear masked.
"""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.pii import mask_id_number
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, filter_errors, is_htmx, paginate, read

from ...actions import records as actions
from ...forms.records import CorrectionForm, RecordForm, TransferForm
from ...models import ServiceRecord
from ...queries import records as q
from ._common import filter_values, kept, require_manage, require_view, to_filters, url_with


@login_required
@require_GET
def records(request):
    require_view(request)
    actor = request.user
    values = filter_values(request.GET)
    errors: dict = {}
    try:
        rows = q.record_list(actor=actor, filters=to_filters(values))
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = ServiceRecord.objects.none()
    page = paginate(request, rows)
    context = {
        "values": values,
        "errors": errors,
        "page_obj": page,
        "filtered": any(values.values()),
        "kinds": ServiceRecord.Kind.choices,
        "organisations": q.record_organisations(actor=actor),
        "export_url": url_with("volunteers:records_export", kept(values)),
        "manages": scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE),
        "recomputes": bool(actions.county_prefixes(actor)),
    }
    status = 400 if errors and not is_htmx(request) else 200
    return render(request, "volunteers/records/records.html", context, status=status)


@login_required
@require_GET
def records_export(request):
    """The filtered list as .xlsx in the national field order (masked unless one may reveal
    every row); audited."""
    require_view(request)
    values = filter_values(request.GET)
    try:
        export = actions.records_export(actor=request.user, filters=to_filters(values))
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        for found in filter_errors(exc).values():
            for message in found:
                messages.error(request, message)
        return redirect(url_with("volunteers:records", kept(values)))
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def record(request, record_id: int):
    actor = request.user
    found = read(q.record_for_correction, actor=actor, record_id=record_id)
    head = found.corrects if found.kind == ServiceRecord.Kind.CORRECTION else found
    return render(
        request,
        "volunteers/records/record.html",
        {
            "record": found,
            "head": head,
            "id_masked": mask_id_number(found.volunteer.id_number),
            "may_correct": actions.may_correct(actor, head),
            "points_per_hour": actions.POINTS_PER_HOUR,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_correct(request, record_id: int):
    actor = request.user
    found = read(q.record_for_correction, actor=actor, record_id=record_id)
    if found.kind != ServiceRecord.Kind.SERVICE:
        return redirect("volunteers:record_correct", found.corrects_id)
    if not actions.may_correct(actor, found):
        raise PermissionDenied
    form = CorrectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.record_correct(actor=actor, record_id=found.pk, **form.cleaned_data)
            except (Forbidden, NotFound):
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The correction is recorded."))
                return redirect("volunteers:record", found.pk)
        else:
            status = 400
    return render(
        request,
        "volunteers/records/record_correct.html",
        {"record": found, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request):
    """A record of service that did not go through an activity."""
    require_manage(request)
    actor = request.user
    initial = {"served_on": timezone.localdate()}
    if request.GET.get("volunteer"):  # from a volunteer's page
        with contextlib.suppress(NotFound):
            initial["volunteer_number"] = q.transfer_volunteer(
                actor=actor, volunteer_id=request.GET["volunteer"]
            ).number
    form = RecordForm(
        request.POST or None, initial=initial, organisations=q.organisations_managed(actor=actor)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            volunteer = q.volunteer_by_number(
                actor=actor, number=form.cleaned_data["volunteer_number"]
            )
            if volunteer is None:
                form.add_error(
                    "volunteer_number", _("No volunteer of the areas you manage has this number.")
                )
                status = 400
            else:
                data = {k: v for k, v in form.cleaned_data.items() if k != "volunteer_number"}
                try:
                    written = actions.record_create(actor=actor, volunteer_id=volunteer.pk, **data)
                except Forbidden:
                    raise PermissionDenied from None
                except ActionError as exc:
                    apply_errors(form, exc, aliases={"volunteer_id": "volunteer_number"})
                    status = exc.status
                else:
                    messages.success(
                        request,
                        _("Recorded: %(hours)s hours for %(name)s.")
                        % {"hours": actions.hours_text(written.hours), "name": volunteer.name},
                    )
                    return redirect("volunteers:record", written.pk)
        else:
            status = 400
    return render(request, "volunteers/records/record_new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_transfer(request, volunteer_id: int):
    """A worker records the volunteer's signed consent and carries their records."""
    require_manage(request)
    actor = request.user
    volunteer = read(q.transfer_volunteer, actor=actor, volunteer_id=volunteer_id)
    form = TransferForm(
        request.POST or None,
        initial={"consent_on": timezone.localdate()},
        organisations=list(q.transfer_targets(volunteer, actor)),
        by_self=False,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                transfer = actions.transfer_create(
                    actor=actor, volunteer_id=volunteer.pk, **form.cleaned_data
                )
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("The records of %(name)s are now kept by %(organisation)s.")
                    % {"name": volunteer.name, "organisation": transfer.to_organisation.name},
                )
                return redirect(url_with("volunteers:records", {"volunteer": volunteer.pk}))
        else:
            status = 400
    return render(
        request,
        "volunteers/records/volunteer_transfer.html",
        {"volunteer": volunteer, "form": form, "transfers": q.transfers_of(volunteer)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def totals_recompute(request):
    """The county's recompute of every volunteer's hours and star level (a background task)."""
    require_manage(request)
    actor = request.user
    if not actions.county_prefixes(actor):
        raise PermissionDenied
    if request.method == "POST":
        try:
            count = actions.totals_recompute(actor=actor)
        except Forbidden:
            raise PermissionDenied from None
        messages.success(
            request,
            _("The totals of %(count)d volunteers are being recomputed.") % {"count": count},
        )
        return redirect("volunteers:totals_recompute")
    return render(
        request,
        "volunteers/records/recompute.html",
        {"runs": q.recompute_runs(actor=actor)},
    )


urlpatterns = [
    path("records/", records, name="records"),
    path("records/export.xlsx", records_export, name="records_export"),
    path("records/new/", record_new, name="record_new"),
    path("records/<int:record_id>/", record, name="record"),
    path("records/<int:record_id>/correct/", record_correct, name="record_correct"),
    path("records/transfer/<int:volunteer_id>/", volunteer_transfer, name="volunteer_transfer"),
    path("records/recompute/", totals_recompute, name="totals_recompute"),
]
