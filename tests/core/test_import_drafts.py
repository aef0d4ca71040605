"""The shared import draft: kept sealed in the uploader's session, found only by its id and its
user, taken out before it is applied (a second confirm applies nothing), put back when the
import fails; the upload check and the error report."""

from __future__ import annotations

import io
from dataclasses import dataclass
from types import SimpleNamespace

import openpyxl
import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import translation

from linli.core import tabular
from linli.core.errors import ActionError, Forbidden
from linli.core.views.import_drafts import Change, Drafts, RowErrors, error_report

DATA = "身份证号\n220403199001011234\n".encode()


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@dataclass
class Result:
    ok: bool
    created: int = 0
    unchanged: int = 0


class UploadForm(forms.Form):
    file = forms.FileField()


def _request(method="get", user_pk=1, session=None, **data):
    request = getattr(RequestFactory(), method)("/", data=data)
    SessionMiddleware(lambda r: None).process_request(request)
    if session is not None:
        request.session.update(session)
    request._messages = default_storage(request)
    request.user = SimpleNamespace(pk=user_pk)
    return request


def _texts(request) -> list[str]:
    return [str(m) for m in get_messages(request)]


@pytest.fixture
def drafts():
    return Drafts("core.area_import", url="core:area_import", max_bytes=100)


def test_a_draft_is_sealed_and_found_only_by_its_id_and_user(db, drafts):
    request = _request()
    import_id = drafts.keep(request, "人员.csv", DATA)
    stored = request.session["core.area_import"]
    assert "220403199001011234" not in str(stored) and "data" not in stored
    draft = drafts.find(request, import_id)
    assert (draft.id, draft.name, draft.data) == (import_id, "人员.csv", DATA)
    assert draft.file().read() == DATA
    assert drafts.find(request, "another-id") is None
    other = _request(user_pk=2, session=dict(request.session))
    assert drafts.find(other, import_id) is None


def test_a_draft_that_cannot_be_read_is_dropped(db, drafts):
    request = _request(session={"core.area_import": {"id": "x", "user": 1, "data": "QQ=="}})
    assert drafts.find(request, "x") is None
    assert "core.area_import" not in request.session
    sealed = {"id": "y", "user": 1, "name": "a.csv", "sealed": "nokey$QQ=="}
    request = _request(session={"core.area_import": sealed})
    assert drafts.find(request, "y") is None
    assert "core.area_import" not in request.session


def test_confirm_takes_the_draft_out_first_and_applies_it_once(db, drafts):
    request = _request("post")
    import_id = drafts.keep(request, "a.csv", DATA)
    seen = []

    def apply(draft):
        seen.append((draft.data, "core.area_import" in request.session))
        return Result(ok=True, created=2)

    done = drafts.confirm(
        request, import_id, apply, done="%(created)d new, %(unchanged)d same", to="core:area_tree"
    )
    assert done.status_code == 302 and done["Location"] == "/areas/"
    assert seen == [(DATA, False)] and _texts(request) == ["2 new, 0 same"]
    again = drafts.confirm(request, import_id, apply, done="Imported.", to="core:area_tree")
    assert again["Location"] == "/areas/import/" and len(seen) == 1
    assert "already imported" in _texts(request)[-1]


@pytest.mark.parametrize("outcome", ["refused", "error"])
def test_a_failed_import_puts_the_draft_back(db, drafts, outcome):
    request = _request("post")
    import_id = drafts.keep(request, "a.csv", DATA)

    def apply(draft):
        if outcome == "error":
            raise ActionError("Try again.")
        return Result(ok=False)

    back = drafts.confirm(request, import_id, apply, done="Imported.", to="core:area_tree")
    assert back["Location"] == f"/areas/import/{import_id}/"
    assert drafts.find(request, import_id).data == DATA
    assert _texts(request) == (["Try again."] if outcome == "error" else [])


def test_the_preview_context_links_the_draft_and_shows_the_first_changes(db, drafts):
    request = _request()
    draft = drafts.find(request, drafts.keep(request, "a.csv", DATA))
    changes = [Change(row, "created", (("Code", str(row)),)) for row in range(2, 603)]
    errors = [RowErrors(2, "", ("Bad code",))]
    context = drafts.preview(draft, Result(ok=True, created=601), errors=errors, changes=changes)
    assert context["draft"] is draft and context["errors"] == errors
    assert len(context["changes"]) == 500 and context["more_changes"] == 101
    assert context["has_changes"]
    assert context["confirm_url"] == f"/areas/import/{draft.id}/confirm/"
    assert context["errors_url"] == f"/areas/import/{draft.id}/errors.xlsx"
    assert context["cancel_url"] == f"/areas/import/{draft.id}/cancel/"
    assert context["upload_url"] == "/areas/import/"
    unchanged = drafts.preview(draft, Result(ok=True, unchanged=3), errors=[], changes=[])
    assert not unchanged["has_changes"] and unchanged["more_changes"] == 0


def test_cancel_drops_only_the_named_draft(db, drafts):
    request = _request("post")
    import_id = drafts.keep(request, "a.csv", DATA)
    assert drafts.cancel(request, "other")["Location"] == "/areas/import/"
    assert drafts.find(request, import_id) is not None
    drafts.cancel(request, import_id)
    assert "core.area_import" not in request.session


def test_receive_checks_the_file_before_keeping_it(db, drafts):
    def post(content: bytes, check):
        request = _request("post")
        form = UploadForm({}, {"file": SimpleUploadedFile("a.csv", content)})
        return request, form, drafts.receive(request, form, check=check)

    request, form, kept = post(DATA, lambda name, data: None)
    import_id = kept["Location"].split("/")[-2]
    assert drafts.find(request, import_id).data == DATA
    _, form, kept = post(b"x" * 101, lambda name, data: None)
    assert kept is None and "larger than 0 MB" in form.errors["file"][0]

    def refuse(name, data):
        raise ActionError("Missing required columns: 名称")

    request, form, kept = post(DATA, refuse)
    assert kept is None and form.errors["file"] == ["Missing required columns: 名称"]
    assert "core.area_import" not in request.session

    def forbid(name, data):
        raise Forbidden("no")

    with pytest.raises(PermissionDenied):
        post(DATA, forbid)
    assert drafts.receive(_request(), UploadForm(), check=refuse) is None


def test_the_error_report_holds_printable_rows_and_is_not_cached():
    columns = [tabular.Column("name", "名称")]
    rows = [{"_row": "2", "name": "坏\x01社区\x7f"}, {"_row": 3, "name": "好"}]
    response = error_report(columns, rows, {2: ["Bad name"]}, "linli-x-errors.xlsx")
    assert response["Cache-Control"] == "no-store"
    assert 'filename="linli-x-errors.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]] == [2, "Bad name", "坏社区"]
    assert [c.value for c in sheet[3]] == [3, None, "好"]
