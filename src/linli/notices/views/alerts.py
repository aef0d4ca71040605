"""Emergency alert pages under /notices/alerts/ and the information officers under
/notices/officers/.

- Officers issue an alert (a form that works without JavaScript) and follow it live: the
  fan-out's progress while it reaches residents, then per area of theirs who acknowledged, asked
  for help, was checked or could not be reached, refreshed by htmx every 15 seconds, with the
  people not yet accounted for listed below.
- Grid and community workers work through their check list on the phone: one big button per
  result; a phone number is shown in full (a ``tel:`` link) only after an audited reveal.
- A resident reads the alert (what to do, where the shelters are) and answers with one of two
  big buttons; the home page shows alerts in force above everything else.

Each view parses, calls one query or action, and renders; the actions enforce the rules.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import actions as core_actions
from linli.core import pii, scoping
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, is_htmx, paginate
from linli.web.navigation import HOME_SECTIONS, HomeSection

from ..actions import alerts as actions
from ..forms_alerts import AckForm, AlertForm, CheckForm, OfficerForm
from ..models import Alert, AlertRecipient
from ..queries import alerts as queries

LIST_PAGE = 20
PEOPLE_PAGE = 25
POLL_SECONDS = 15


def _follows(user) -> bool:
    return scoping.has_cap(user, Cap.ALERT_VIEW) or scoping.has_cap(user, Cap.ALERT_ISSUE)


def _can_officers(user) -> bool:
    return scoping.has_cap(user, Cap.ALERT_OFFICERS) or scoping.has_cap(user, Cap.ALERT_VIEW)


class _Counted:
    """A queryset whose count is already known (from the live counts): the paginator does
    not count it again."""

    def __init__(self, qs, count: int):
        self.qs, self._count = qs, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return queries.people_of(self.qs, index)


def _with_phone(rows, revealed: dict | None = None) -> list:
    rows = list(rows)
    revealed = revealed or {}
    for row in rows:
        row.phone_masked = pii.mask_phone(row.resident.phone)
        row.phone_full = revealed.get(row.pk, "")
    return rows


# --- the list and issuing ---------------------------------------------------------------------


@login_required
@require_GET
def alert_list(request):
    """Alerts the user follows or received; in force first by default."""
    user = request.user
    status = request.GET.get("status", "in_force")
    if status not in ("in_force", "all", *Alert.Status.values):
        status = "in_force"
    qs = queries.alert_list(actor=user, filters={"status": "" if status == "all" else status})
    page_obj = paginate(request, qs, per_page=LIST_PAGE)
    staff = _follows(user)
    tabs = [
        {
            "key": key,
            "label": label,
            "url": "?" + urlencode({"status": key}),
            "current": key == status,
        }
        for key, label in (
            ("in_force", _("In force")),
            ("ended", _("Ended")),
            ("all", _("All")),
        )
    ]
    context = {
        "page_obj": page_obj,
        "tabs": tabs,
        "staff": staff,
        "can_issue": scoping.has_cap(user, Cap.ALERT_ISSUE),
        "can_check": scoping.has_cap(user, Cap.ALERT_CHECK),
        "can_officers": _can_officers(user),
    }
    return render(request, "notices/alert_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def alert_new(request):
    """Issue an alert: it is written at once and reaches the residents in the background."""
    user = request.user
    if not scoping.has_cap(user, Cap.ALERT_ISSUE):
        raise PermissionDenied
    areas = queries.alert_area_choices(actor=user)
    form = AlertForm(request.POST or None, areas=areas)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                alert = actions.alert_issue(actor=user, **form.action_kwargs())
            except Forbidden as exc:
                form.add_error("area_code", exc.message)
            except ActionError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The alert is issued. It is reaching the residents of the area now."),
                )
                return redirect("notices:alert", alert_id=alert.pk)
        status = 400
    return render(request, "notices/alert_form.html", {"form": form}, status=status)


# --- following an alert live ------------------------------------------------------------------


def _live_context(request, alert_id: int) -> dict:
    user = request.user
    area = request.GET.get("area", "").strip() or None
    try:
        live = queries.alert_live(actor=user, alert_id=alert_id, area_code=area)
        people = queries.alert_unaccounted(actor=user, alert_id=alert_id, live=live)
    except NotFound:
        raise Http404 from None
    people_page = paginate(request, _Counted(people, live.unaccounted), per_page=PEOPLE_PAGE)
    people_page.object_list = _with_phone(people_page.object_list)
    alert = live.alert
    percent = (
        round(100 * alert.recipients_done / alert.recipients_total) if alert.recipients_total else 0
    )
    chart = {
        "names": [str(row.name) for row in live.rows],
        "series": [
            {"key": key, "label": str(label), "data": [getattr(row, key) for row in live.rows]}
            for key, label in (
                ("checked_safe", _("Checked: safe")),
                ("checked_help", _("Checked: needs help")),
                ("not_reached", _("Not reached")),
                ("awaiting", _("Awaiting a check")),
            )
        ],
    }
    return {
        "alert": alert,
        "live": live,
        "people_page": people_page,
        "percent": percent,
        "in_force": alert.status != Alert.Status.ENDED,
        "poll_seconds": POLL_SECONDS,
        "poll_url": request.get_full_path(),
        "chart": chart,
        "can_end": alert.status != Alert.Status.ENDED
        and scoping.has_cap(user, Cap.ALERT_ISSUE, alert.area_code),
        "can_check": scoping.has_cap(user, Cap.ALERT_CHECK),
    }


@login_required
@require_GET
def alert_detail(request, alert_id: int):
    """The live page of one alert (a resident who received it is sent to their own page)."""
    if not _follows(request.user):
        try:
            queries.alert_recipient_for_resident(actor=request.user, alert_id=alert_id)
        except NotFound:
            raise Http404 from None
        return redirect("notices:alert_resident", alert_id=alert_id)
    context = _live_context(request, alert_id)
    if is_htmx(request):
        return render(request, "notices/alert_detail.html#live", context)
    return render(request, "notices/alert_detail.html", context)


@login_required
@require_POST
def alert_end(request, alert_id: int):
    try:
        actions.alert_end(actor=request.user, alert_id=alert_id)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except Conflict as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(request, _("The alert has ended."))
    return redirect("notices:alert", alert_id=alert_id)


# --- the grid worker's check list ---------------------------------------------------------------


def _alert_filter(request) -> int | None:
    raw = (request.POST.get("alert") or request.GET.get("alert") or "").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**63 else None


@login_required
@require_http_methods(["GET", "POST"])
def alert_checks(request):
    """Residents awaiting my check, help first; POST shows one person's number in full
    (audited) and answers with the page itself, never stored."""
    user = request.user
    if not scoping.has_cap(user, Cap.ALERT_CHECK):
        raise PermissionDenied
    alert_id = _alert_filter(request)
    try:
        rows = queries.check_list(actor=user, alert_id=alert_id)
    except NotFound:
        raise Http404 from None
    revealed: dict[int, str] = {}
    error = ""
    if request.method == "POST":
        raw = request.POST.get("reveal", "")
        row = rows.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 19 else None
        if row is None:
            raise Http404
        try:
            revealed[row.pk] = core_actions.pii_reveal(
                actor=user, instance=row.resident, field_name="phone"
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            error = exc.message
    keep = {"alert": alert_id} if alert_id else None
    page_obj = paginate(request, rows, per_page=PEOPLE_PAGE, keep=keep)
    page_obj.object_list = _with_phone(page_obj.object_list, revealed)
    context = {
        "page_obj": page_obj,
        "alerts": queries.alerts_for_checking(actor=user),
        "alert_id": alert_id,
        "error": error,
        "can_reveal": scoping.has_cap(user, Cap.PII_REVEAL),
        "form": CheckForm(),
    }
    response = render(request, "notices/alert_checks.html", context, status=400 if error else 200)
    if request.method == "POST":
        add_never_cache_headers(response)
    return response


@login_required
@require_POST
def alert_check(request, recipient_id: int):
    """Record one check (one big button per result) and go back to the list."""
    form = CheckForm(request.POST)
    alert_id = _alert_filter(request)
    back = reverse("notices:alert_checks") + (f"?alert={alert_id}" if alert_id else "")
    if not form.is_valid():
        messages.error(request, _("Choose safe, needs help or could not be reached."))
        return redirect(back)
    try:
        row = actions.alert_check(
            actor=request.user,
            recipient_id=recipient_id,
            result=form.cleaned_data["result"],
            note=form.cleaned_data["note"],
        )
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if row.checked == AlertRecipient.CheckResult.HELP and row.appeal_id:
        messages.success(request, _("Recorded: needs help. An urgent appeal was raised for them."))
    else:
        messages.success(
            request,
            _("Recorded: %(result)s.") % {"result": row.get_checked_display()},
        )
    return redirect(back)


# --- the resident's page -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def alert_resident(request, alert_id: int):
    """An alert that reached me: what to do, where to go, and my answer."""
    user = request.user
    try:
        row = queries.alert_recipient_for_resident(actor=user, alert_id=alert_id)
    except NotFound:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        form = AckForm(request.POST)
        if form.is_valid():
            try:
                row = actions.alert_ack(
                    actor=user, alert_id=alert_id, answer=form.cleaned_data["answer"]
                )
            except NotFound:
                raise Http404 from None
            except ActionError as exc:
                error = exc.message
            else:
                if row.ack == AlertRecipient.Ack.HELP:
                    messages.warning(
                        request,
                        _("Your grid worker has been told and will contact you soon."),
                    )
                else:
                    messages.success(request, _("Thank you. Stay safe."))
                return redirect("notices:alert_resident", alert_id=alert_id)
        else:
            error = _("Choose one of the two buttons.")
    context = {"row": row, "alert": row.alert, "error": error}
    return render(request, "notices/alert_resident.html", context, status=400 if error else 200)


# --- information officers ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def officers(request):
    """Each community's disaster information officer (灾害信息员), those without one first;
    designating one replaces the previous."""
    user = request.user
    if not _can_officers(user):
        raise PermissionDenied
    can_set = scoping.has_cap(user, Cap.ALERT_OFFICERS)
    communities = queries.alert_officer_communities(actor=user) if can_set else []
    initial = {"community_code": request.GET.get("community", "")}
    form = OfficerForm(request.POST or None, communities=communities, initial=initial)
    status = 200
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied
        if form.is_valid():
            try:
                officer = actions.info_officer_set(actor=user, **form.cleaned_data)
            except Forbidden as exc:
                form.add_error("community_code", exc.message)
            except ActionError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s is now the information officer of %(community)s.")
                    % {"name": officer.name, "community": officer.community.name},
                )
                return redirect("notices:officers")
        status = 400
    missing = paginate(request, queries.officers_missing(actor=user), param="mpage", per_page=50)
    current = paginate(request, queries.officer_list(actor=user), param="page", per_page=50)
    for officer in current.object_list:
        officer.phone_masked = pii.mask_phone(officer.phone)
    context = {
        "form": form,
        "can_set": can_set,
        "missing": missing,
        "current": current,
    }
    return render(request, "notices/officers.html", context, status=status)


@login_required
@require_POST
def officer_end(request, officer_id: int):
    try:
        officer = actions.info_officer_end(actor=request.user, officer_id=officer_id)
    except NotFound:
        raise Http404 from None
    except Conflict as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s has stepped down: %(community)s has no information officer now.")
            % {"name": officer.name, "community": officer.community.name},
        )
    return redirect("notices:officers")


# --- home-page blocks ---------------------------------------------------------------------------


def _resident_block(request) -> dict | None:
    rows = queries.active_alerts_for_resident(actor=request.user)
    return {"rows": rows} if rows else None


def _staff_block(request) -> dict | None:
    user = request.user
    if not scoping.has_cap(user, Cap.ALERT_CHECK):
        return None
    counts = queries.check_counts(actor=user)
    if not counts:
        return None
    return {"items": [{"alert": a, "count": n} for a, n in counts], "follows": _follows(user)}


def _officer_block(request) -> dict | None:
    user = request.user
    if not _follows(user):
        return None
    alerts = queries.alerts_overview(actor=user)
    missing = queries.officers_missing(actor=user).count() if _can_officers(user) else 0
    if not alerts and not missing:
        return None
    return {
        "alerts": alerts,
        "missing": missing,
        "can_issue": scoping.has_cap(user, Cap.ALERT_ISSUE),
    }


_BLOCKS = [
    HomeSection(
        home="resident", template="notices/_home_alert.html", context=_resident_block, order=0
    ),
    HomeSection(
        home="staff", template="notices/_home_alert_staff.html", context=_staff_block, order=0
    ),
    HomeSection(
        home="officer", template="notices/_home_alert_officer.html", context=_officer_block, order=0
    ),
]
_KNOWN = {section.template for section in HOME_SECTIONS}
HOME_SECTIONS.extend(block for block in _BLOCKS if block.template not in _KNOWN)


urlpatterns = [
    path("alerts/", alert_list, name="alerts"),
    path("alerts/new/", alert_new, name="alert_new"),
    path("alerts/checks/", alert_checks, name="alert_checks"),
    path("alerts/checks/<int:recipient_id>/", alert_check, name="alert_check"),
    path("alerts/<int:alert_id>/", alert_detail, name="alert"),
    path("alerts/<int:alert_id>/end/", alert_end, name="alert_end"),
    path("alerts/<int:alert_id>/mine/", alert_resident, name="alert_resident"),
    path("officers/", officers, name="officers"),
    path("officers/<int:officer_id>/end/", officer_end, name="officer_end"),
]
