"""What pages do around actions and queries: a posted form's action ends in a message and a
redirect, or the form comes back with the action's errors and its status; a refusal is the 403
page (or an error on the form); a query's "not yours" is the 404 page; lists are cut into pages
whatever page number the address carries."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.views.glue import (
    apply_errors,
    filter_errors,
    is_htmx,
    page_size,
    paginate,
    read,
    submit,
)


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)
    area_code = forms.CharField(required=False)


def _request(method="post", path="/", **data):
    request = getattr(RequestFactory(), method)(path, data=data)
    request._messages = CookieStorage(request)
    return request


def _said(request) -> list[str]:
    return [str(m) for m in get_messages(request)]


def _raises(exc):
    def act(data):
        raise exc

    return act


# --- submit ----------------------------------------------------------------------------------------


def test_a_valid_form_runs_the_action_and_redirects_with_the_message():
    request = _request(name="Hall")
    form = NameForm(request.POST)
    seen = []

    def act(data):
        seen.append(data["name"])
        return SimpleNamespace(pk=7, name=data["name"])

    response, status = submit(
        request,
        form,
        act,
        message=lambda made: f"{made.name} is saved.",
        to=lambda made: f"/rooms/{made.pk}/",
    )

    assert seen == ["Hall"]
    assert status == 302
    assert response.status_code == 302
    assert response["Location"] == "/rooms/7/"
    assert _said(request) == ["Hall is saved."]


def test_a_text_message_and_address_are_used_as_they_are():
    request = _request(name="Hall")
    response, status = submit(
        request, NameForm(request.POST), lambda data: None, message="Saved.", to="/rooms/"
    )
    assert (response["Location"], status) == ("/rooms/", 302)
    assert _said(request) == ["Saved."]


def test_an_invalid_form_is_a_400_and_the_action_does_not_run():
    request = _request(name="")
    form = NameForm(request.POST)
    called = []
    response, status = submit(request, form, called.append, message="Saved.", to="/rooms/")
    assert (response, status) == (None, 400)
    assert called == []
    assert "name" in form.errors
    assert _said(request) == []


def test_the_actions_errors_go_on_the_form_with_the_actions_status():
    request = _request(name="Hall")
    form = NameForm(request.POST)
    response, status = submit(
        request,
        form,
        _raises(Conflict("That name is taken.", field="name")),
        message="Saved.",
        to="/rooms/",
    )
    assert (response, status) == (None, 409)
    assert form.errors["name"] == ["That name is taken."]
    assert _said(request) == []


def test_aliases_put_an_actions_field_on_the_forms_own_field():
    request = _request(name="Hall")
    form = NameForm(request.POST)
    _, status = submit(
        request,
        form,
        _raises(ActionError("Not a community.", field="area")),
        message="Saved.",
        to="/rooms/",
        aliases={"area": "area_code"},
    )
    assert status == 400
    assert form.errors["area_code"] == ["Not a community."]


def test_a_refusal_is_the_403_page():
    request = _request(name="Hall")
    with pytest.raises(PermissionDenied):
        submit(
            request,
            NameForm(request.POST),
            _raises(Forbidden("Not yours.")),
            message="Saved.",
            to="/rooms/",
        )
    assert _said(request) == []


def test_a_refusal_can_be_an_error_on_the_form_instead():
    request = _request(name="Hall")
    form = NameForm(request.POST)
    response, status = submit(
        request,
        form,
        _raises(Forbidden("You may not add rooms here.")),
        message="Saved.",
        to="/rooms/",
        refused_page=False,
    )
    assert (response, status) == (None, 403)
    assert form.non_field_errors() == ["You may not add rooms here."]


def test_a_row_that_is_gone_is_a_form_error_or_the_404_page():
    request = _request(name="Hall")
    form = NameForm(request.POST)
    gone = _raises(NotFound("That room is gone."))
    _, status = submit(request, form, gone, message="Saved.", to="/rooms/")
    assert status == 404
    assert form.non_field_errors() == ["That room is gone."]

    with pytest.raises(Http404):
        submit(
            request,
            NameForm(request.POST),
            gone,
            message="Saved.",
            to="/rooms/",
            missing_page=True,
        )


# --- errors ------------------------------------------------------------------------------------------


def test_errors_of_an_unknown_field_or_none_go_above_the_form():
    form = NameForm({"name": "Hall"})
    assert form.is_valid()
    apply_errors(form, ActionError("Bad.", errors={"other": ["Other is bad."], "name": ["No."]}))
    assert form.non_field_errors() == ["Other is bad."]
    assert form.errors["name"] == ["No."]

    form = NameForm({"name": "Hall"})
    assert form.is_valid()
    apply_errors(form, ActionError("Something is wrong."))
    assert form.non_field_errors() == ["Something is wrong."]


def test_filter_errors_name_their_field_or_all():
    assert filter_errors(ActionError("Bad year.", field="year")) == {"year": ["Bad year."]}
    assert filter_errors(ActionError("Bad request.")) == {"__all__": ["Bad request."]}


# --- read --------------------------------------------------------------------------------------------


def test_read_answers_the_querys_value():
    assert read(lambda *, plan_id: plan_id * 2, plan_id=21) == 42


@pytest.mark.parametrize(
    ("raised", "page"),
    [
        (NotFound("No such plan."), Http404),
        (ActionError("Not a number."), Http404),
        (Forbidden("Not yours."), PermissionDenied),
    ],
)
def test_read_turns_refusals_and_missing_rows_into_pages(raised, page):
    def query(**kwargs):
        raise raised

    with pytest.raises(page):
        read(query, plan_id=1)


# --- lists -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "shown"), [("abc", 1), ("", 1), ("2", 2), ("999", 4), ("0", 4), ("-3", 4)]
)
def test_paginate_gives_the_nearest_page_for_a_bad_number(asked, shown):
    request = _request("get", page=asked, q="hall")
    page = paginate(request, list(range(100)))
    assert page.number == shown
    assert page.paginator.num_pages == 4
    assert all("q=hall" in link["url"] for link in page.links if "url" in link)


def test_paginate_links_keep_the_other_parameters_or_what_is_kept():
    page = paginate(_request("get", page="2", q="hall"), list(range(100)))
    assert page.prev_url == "?page=1&q=hall"
    assert page.next_url == "?page=3&q=hall"
    assert [link.get("current") for link in page.links if "number" in link].count(True) == 1

    page = paginate(_request("post"), list(range(100)), keep={"status": "open"})
    assert page.next_url == "?status=open&page=2"
    assert page.prev_url == ""


def test_elderly_mode_shows_fewer_rows_a_page():
    request = _request("get")
    assert page_size(request) == 25
    assert len(paginate(request, list(range(100))).object_list) == 25
    request.elderly_mode = True
    assert page_size(request) == 12
    assert len(paginate(request, list(range(100))).object_list) == 12


def test_is_htmx_reads_the_htmx_header():
    factory = RequestFactory()
    assert is_htmx(factory.get("/", headers={"HX-Request": "true"}))
    assert not is_htmx(factory.get("/"))
