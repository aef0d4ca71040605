"""volunteers pages: certificates (志愿服务证明).

- ``volunteers:my_certificates`` (a volunteer, phone first): their certificates with status and
  the PDF, and "ask for a certificate of all my hours" (POST), with what it would say.
- ``volunteers:certificates`` (``volunteer.view``): the certificates of the actor's areas,
  filtered by status, organisation and volunteer number, paginated (htmx swaps the results).
- ``volunteers:certificate_issue`` (``volunteer.certify``): find the volunteer (``?q=``),
  choose the organisation and period, preview the hours (``?volunteer=&organisation=
  &period_from=&period_to=&preview=1``), then issue (POST).
- ``volunteers:certificate`` <certificate_id>: what it prints, its status, the download, and
  revoking with a reason; ``volunteers:certificate_revoke`` <certificate_id> (POST);
  ``volunteers:certificate_pdf`` <certificate_id> (audited).
- ``volunteers:verify_form`` and ``volunteers:verify`` <number>: the public check, no login,
  not indexed; an unknown number is a 404 page that says so.

Every form works without JavaScript; the views parse, call one action or query, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.cleaning import row_id
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, filter_errors, is_htmx, paginate, read, submit

from ..actions import certificates as actions
from ..forms.certificates import ISSUE_ALIASES, IssueForm, RevokeForm, VerifyForm
from ..models import Certificate, star_for
from ..queries import certificates as q
from ..queries._common import own_volunteer

FILTERS = ("status", "organisation", "volunteer_number")
NO_INDEX = "noindex, nofollow"


def _printed(hours) -> dict:
    """The hours as printed and the star level they reach."""
    level = star_for(hours)
    return {"hours": q.hours_text(hours), "stars": {"level": level, "marks": "★" * level}}


def _verify_url(request, number: str) -> str:
    return request.build_absolute_uri(reverse("volunteers:verify", args=[number]))


# --- the volunteer -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_certificates(request):
    actor = request.user
    if request.method == "POST":
        try:
            certificate = actions.certificate_request(actor=actor)
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            messages.error(request, str(exc.message))
            return redirect("volunteers:my_certificates")
        if certificate.written_now:
            messages.success(request, _("Your certificate is ready: download it below."))
        else:
            messages.info(
                request, _("Nothing has changed since your last certificate: here it is again.")
            )
        return redirect(f"{reverse('volunteers:my_certificates')}#certificate-{certificate.pk}")
    volunteer = own_volunteer(actor)
    preview, refusal = None, ""
    if volunteer is not None:
        try:
            preview = actions.certificate_request_check(actor=actor)
        except ActionError as exc:
            refusal = str(exc.message)
    page = paginate(request, q.my_certificates(actor=actor))
    return render(
        request,
        "volunteers/certificates/mine.html",
        {
            "volunteer": volunteer,
            "preview": preview,
            **(_printed(preview.hours) if preview else {}),
            "refusal": refusal,
            "page_obj": page,
        },
    )


# --- staff ---------------------------------------------------------------------------------------


def _values(source) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:20] for key in FILTERS}
    if values["status"] not in Certificate.Status.values:
        values["status"] = ""
    return values


@login_required
@require_GET
def certificates(request):
    actor = request.user
    if not scoping.has_cap(actor, Cap.VOLUNTEER_VIEW):
        raise PermissionDenied
    values = _values(request.GET)
    errors: dict = {}
    try:
        rows = q.certificate_list(actor=actor, filters={k: v for k, v in values.items() if v})
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Certificate.objects.none()
    htmx = is_htmx(request)
    return render(
        request,
        "volunteers/certificates/list.html",
        {
            "values": values,
            "errors": errors,
            "page_obj": paginate(request, rows),
            "statuses": Certificate.Status.choices,
            "organisations": q.listed_organisations(actor=actor),
            "may_issue": scoping.has_cap(actor, Cap.VOLUNTEER_CERTIFY),
        },
        status=400 if errors and not htmx else 200,
    )


def _issue_page(request, *, form=None, volunteer=None, organisations=(), status=200, **more):
    htmx = is_htmx(request)
    context = {
        "htmx": htmx,
        "search": " ".join(str(request.GET.get("q", "")).split())[:50],
        "candidates": [],
        "form": form,
        "volunteer": volunteer,
        "organisations": organisations,
        "preview": None,
        "error": "",
        **more,
    }
    if htmx and request.method == "GET" and 400 <= status < 500:
        status = 200  # htmx swaps only successful answers; the errors are in the part it takes
    return render(request, "volunteers/certificates/issue.html", context, status=status)


def _issue_args(actor, data) -> dict:
    return {
        "actor": actor,
        "volunteer_id": data["volunteer"],
        "organisation_id": data["organisation"],
        "period_from": data.get("period_from"),
        "period_to": data.get("period_to"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def certificate_issue(request):
    actor = request.user
    if not scoping.has_cap(actor, Cap.VOLUNTEER_CERTIFY):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    chosen = row_id(source.get("volunteer"))
    if chosen is None:
        if request.method == "POST":
            return _issue_page(request, status=400, error=_("Choose the volunteer."))
        search = request.GET.get("q", "")
        return _issue_page(request, candidates=q.issue_candidates(actor=actor, search=search))
    try:
        volunteer = q.issue_volunteer(actor=actor, volunteer_id=chosen)
    except NotFound:
        return _issue_page(request, status=404, error=_("No such volunteer."))
    organisations = q.organisations_for(actor, volunteer.pk)
    page = {"volunteer": volunteer, "organisations": organisations}
    if request.method == "POST":
        form = IssueForm(request.POST, organisations=organisations)
        done, status = submit(
            request,
            form,
            lambda data: actions.certificate_issue(**_issue_args(actor, data)),
            message=_("The certificate is issued."),
            to=lambda certificate: reverse("volunteers:certificate", args=[certificate.pk]),
            aliases=ISSUE_ALIASES,
            refused_page=False,
        )
        return done or _issue_page(request, form=form, status=status, **page)
    initial = {"volunteer": volunteer.pk}
    if len(organisations) == 1:
        initial["organisation"] = organisations[0].pk
    if source.get("preview") != "1":
        return _issue_page(
            request, form=IssueForm(initial=initial, organisations=organisations), **page
        )
    form = IssueForm(request.GET, organisations=organisations)
    if not form.is_valid():
        return _issue_page(request, form=form, status=400, **page)
    try:
        preview = actions.certificate_check(**_issue_args(actor, form.cleaned_data))
    except ActionError as exc:
        apply_errors(form, exc, ISSUE_ALIASES)
        return _issue_page(request, form=form, status=exc.status, **page)
    return _issue_page(request, form=form, preview=preview, **_printed(preview.hours), **page)


# --- one certificate -----------------------------------------------------------------------------


def _detail(request, certificate: Certificate, *, form=None, status: int = 200):
    actor = request.user
    valid = certificate.status == Certificate.Status.VALID
    verify_url = _verify_url(request, certificate.number)
    return render(
        request,
        "volunteers/certificates/detail.html",
        {
            "certificate": certificate,
            **_printed(certificate.hours),
            "staff": scoping.has_cap(actor, Cap.VOLUNTEER_VIEW, certificate.area_code),
            "mine": certificate.volunteer.user_id == actor.pk,
            "self_service": certificate.issued_by_id is not None
            and certificate.issued_by_id == certificate.volunteer.user_id,
            "may_revoke": valid and q.may_certify(actor, certificate.area_code),
            "form": form or RevokeForm(),
            "verify_url": verify_url,
            "qr": mark_safe(actions.qr_svg(verify_url)) if valid else "",  # noqa: S308
        },
        status=status,
    )


@login_required
@require_GET
def certificate(request, certificate_id: int):
    found = read(q.certificate_get, actor=request.user, certificate_id=certificate_id)
    return _detail(request, found)


@login_required
@require_POST
def certificate_revoke(request, certificate_id: int):
    actor = request.user
    found = read(q.certificate_get, actor=actor, certificate_id=certificate_id)
    form = RevokeForm(request.POST)
    done, status = submit(
        request,
        form,
        lambda data: actions.certificate_revoke(
            actor=actor, certificate_id=found.pk, reason=data["reason"]
        ),
        message=_("The certificate is revoked; its holder is told."),
        to=reverse("volunteers:certificate", args=[found.pk]),
        missing_page=True,
    )
    return done or _detail(request, found, form=form, status=status)


@login_required
@require_GET
def certificate_pdf(request, certificate_id: int):
    try:
        filename, content = actions.certificate_pdf(
            actor=request.user,
            certificate_id=certificate_id,
            absolute_url=request.build_absolute_uri,
        )
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:  # revoked: the certificate's page says so
        messages.error(request, str(exc.message))
        return redirect("volunteers:certificate", certificate_id)
    response = HttpResponse(content, content_type=actions.PDF)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


# --- anyone --------------------------------------------------------------------------------------


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = NO_INDEX
    response["Cache-Control"] = "no-store"
    return response


def _verify_page(request, form, *, status: int, missing: bool = False):
    return _public(
        render(
            request,
            "volunteers/certificates/verify_form.html",
            {"form": form, "missing": missing},
            status=status,
        )
    )


@require_GET
def verify_form(request):
    if "number" not in request.GET:
        return _verify_page(request, VerifyForm(), status=200)
    form = VerifyForm(request.GET)
    if not form.is_valid():
        return _verify_page(request, form, status=400)
    number = q.normal_number(form.cleaned_data["number"])
    if number is None:
        form.add_error(
            "number",
            _(
                "This is not a certificate number: it looks like ZY2026-7KQ4-MZ8D-2XHA "
                "(letters and digits, without 0, 1, I, L or O)."
            ),
        )
        return _verify_page(request, form, status=400)
    return redirect("volunteers:verify", number)


@require_GET
def verify(request, number: str):
    normal = q.normal_number(number)
    if normal is not None and normal != number:
        return redirect("volunteers:verify", normal)
    try:
        found = q.certificate_verify(number=number)
    except NotFound:
        form = VerifyForm(initial={"number": number[:40]})
        return _verify_page(request, form, status=404, missing=True)
    return _public(
        render(
            request,
            "volunteers/certificates/verify.html",
            {"certificate": found, **_printed(found.hours)},
        )
    )


urlpatterns = [
    path("me/certificates/", my_certificates, name="my_certificates"),
    path("certificates/", certificates, name="certificates"),
    path("certificates/issue/", certificate_issue, name="certificate_issue"),
    path("certificates/<int:certificate_id>/", certificate, name="certificate"),
    path(
        "certificates/<int:certificate_id>/revoke/", certificate_revoke, name="certificate_revoke"
    ),
    path("certificates/<int:certificate_id>.pdf", certificate_pdf, name="certificate_pdf"),
    path("verify/", verify_form, name="verify_form"),
    path("verify/<str:number>/", verify, name="verify"),
]

__all__ = ["urlpatterns"]
