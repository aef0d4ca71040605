"""The care visit pages: a person's archive (notes only after the audited "Show notes"), the
visit form at the door (plain POST without JavaScript, the same form twice records one visit,
errors beside the fields, a JSON answer for the page's script), one visit, the lists, a need
turned into an appeal in one tap, and nothing of A1 for the neighbouring community."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.care import actions
from linli.care.models import Need, Plan, Visit, VisitPhoto
from linli.core.models import AuditEvent
from tests.care.visits_fixtures import *  # noqa: F403
from tests.care.visits_fixtures import png


def text(response) -> str:
    return response.content.decode()


def archive_url(care, name: str = "li") -> str:
    return f"/care/people/{care['subjects'][name].pk}/"


def form_url(care, name: str = "li") -> str:
    return f"/care/people/{care['subjects'][name].pk}/visit/"


def client_key(page: str) -> str:
    return re.search(r'name="client_key" value="([0-9a-f-]{36})"', page).group(1)


def visit_post(key: str, **overrides) -> dict:
    now = timezone.localtime().replace(second=0, microsecond=0)
    data = {
        "client_key": key,
        "visited_at": now.strftime("%Y-%m-%dT%H:%M"),
        "mode": "home",
        "saw": "person",
        "check_health": "ok",
        "check_mood": "concern",
        "check_food": "na",
        "notes": "精神不错",
        "need_0_kind": "",
        "need_0_description": "",
    }
    data.update(overrides)
    return data


# --- the archive -----------------------------------------------------------------------------------


def test_the_archive_shows_the_person_and_the_plan_but_not_the_notes(login, users, care):
    li = care["subjects"]["li"]
    actions.subject_notes_update(
        actor=users["grid_a1"], subject_id=li.pk, health_notes="心脏搭桥术后", living_notes="独居"
    )
    response = login(users["grid_a1"]).get(archive_url(care))
    page = text(response)
    assert response.status_code == 200
    assert "李四" in page and "136****5432" in page and "13698765432" not in page
    assert "独居老人" in page  # the care group
    assert care["people"]["li"].household.address in page
    assert "Record a visit" in page and "Show notes" in page
    assert "心脏搭桥术后" not in page
    assert 'data-testid="months"' in page and page.count('class="month-cell') == 12
    assert "0 / 1" in page  # visits made this month
    assert not AuditEvent.objects.filter(action="care.notes.reveal").exists()


def test_those_who_only_oversee_see_no_visit_button_nor_notes(login, users, care):
    page = text(login(users["town_a"]).get(archive_url(care)))
    assert "李四" in page
    assert "Record a visit" not in page and "Show notes" not in page


def test_the_archive_is_not_found_outside_ones_areas(login, users, care, client):
    assert login(users["worker_a2"]).get(archive_url(care)).status_code == 404
    assert login(users["town_b"]).get(archive_url(care)).status_code == 404
    assert login(users["grid_a1"]).get(archive_url(care, "wang")).status_code == 404
    assert login(users["resident_a1"]).get(archive_url(care)).status_code == 403
    client.logout()
    assert client.get(archive_url(care)).status_code == 302


def test_show_notes_is_audited_and_never_cached(login, users, care):
    li = care["subjects"]["li"]
    actions.subject_notes_update(
        actor=users["head_a1"], subject_id=li.pk, health_notes="心脏搭桥术后", living_notes="独居"
    )
    client = login(users["grid_a1"])
    response = client.post(f"/care/people/{li.pk}/notes/", {"op": "reveal"})
    assert response.status_code == 200
    assert "心脏搭桥术后" in text(response) and "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="care.notes.reveal")
    assert event.actor == users["grid_a1"] and event.target_id == str(li.pk)
    # Someone who oversees without the notes capability is refused.
    refused = login(users["town_a"]).post(f"/care/people/{li.pk}/notes/", {"op": "reveal"})
    assert refused.status_code == 403
    assert (
        login(users["worker_a2"]).post(f"/care/people/{li.pk}/notes/", {"op": "reveal"}).status_code
        == 404
    )
    assert AuditEvent.objects.filter(action="care.notes.reveal").count() == 1


def test_notes_are_saved_from_the_archive(login, users, care):
    li = care["subjects"]["li"]
    client = login(users["grid_a1"])
    url = f"/care/people/{li.pk}/notes/"
    response = client.post(
        url, {"op": "save", "health_notes": "糖尿病", "living_notes": "女儿每周来"}
    )
    assert response.status_code == 302 and response["Location"] == archive_url(care)
    li.refresh_from_db()
    assert (li.health_notes, li.living_notes) == ("糖尿病", "女儿每周来")
    too_long = client.post(url, {"op": "save", "health_notes": "长" * 2001, "living_notes": ""})
    assert too_long.status_code == 400
    assert "2000 characters" in text(too_long)
    li.refresh_from_db()
    assert li.health_notes == "糖尿病"


def test_the_archive_runs_a_fixed_number_of_queries(
    login, users, care, visit_data, catalogue, django_assert_num_queries
):
    client = login(users["grid_a1"])
    url = archive_url(care)
    actions.visit_record(
        actor=users["grid_a1"], **visit_data(needs=[{"kind": "meals", "description": "助餐"}])
    )
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(6):
        visit = actions.visit_record(
            actor=users["grid_a1"],
            **visit_data(
                visited_at=timezone.now() - dt.timedelta(hours=number + 1),
                needs=[{"kind": "daily_care", "description": f"需要帮助{number}"}],
            ),
        )
        need = visit.needs.get()
        if number % 2:
            actions.need_to_appeal(actor=users["grid_a1"], need_id=need.pk)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    page = text(response)
    assert page.count('data-testid="visit-') >= 7
    assert page.count("Raise an appeal") == 4  # the needs without an appeal


# --- the visit form ----------------------------------------------------------------------------


def test_the_form_carries_its_own_key_and_records_a_visit_without_javascript(login, users, care):
    client = login(users["grid_a1"])
    page = client.get(form_url(care))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    body = text(page)
    assert 'type="datetime-local"' in body and "care/visit.js" in body
    key = client_key(body)
    assert client_key(text(client.get(form_url(care)))) != key  # each form its own

    response = client.post(
        form_url(care),
        visit_post(key, need_0_kind="meals", need_0_description="做饭困难", need_0_urgent="on"),
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/care/visits/{visit.pk}/"
    assert str(visit.client_key) == key
    assert visit.checks == {"health": "ok", "food": "na", "mood": "concern"} and visit.concerns == 1
    need = visit.needs.get()
    assert (need.kind, need.urgency, need.description) == ("meals", "urgent", "做饭困难")
    assert Plan.objects.get(pk=care["plans"]["li"].pk).done == 1
    assert "The visit is recorded." in text(client.get(response["Location"]))

    # The same form sent again (a double tap, a retry) records nothing more.
    again = client.post(form_url(care), visit_post(key))
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert Visit.objects.count() == 1 and Plan.objects.get(pk=care["plans"]["li"].pk).done == 1
    assert "already recorded" in text(client.get(again["Location"]))


def test_errors_are_shown_in_the_form_and_nothing_is_written(login, users, care):
    client = login(users["grid_a1"])
    key = client_key(text(client.get(form_url(care))))
    future = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        form_url(care), visit_post(key, visited_at=future, need_1_description="只写了说明")
    )
    page = text(response)
    assert response.status_code == 400
    assert "The visit cannot be in the future." in page
    assert client_key(page) == key  # the same form, so a later success records one visit
    assert "只写了说明" in page and Visit.objects.count() == 0
    # A need without its kind is named beside its own slot.
    response = client.post(form_url(care), visit_post(key, need_1_description="只写了说明"))
    page = text(response)
    assert response.status_code == 400 and "Choose what kind of need it is." in page
    assert re.search(r'id="id_need_1_kind_error"|need_1_kind[^>]*aria-invalid', page)
    assert Visit.objects.count() == 0
    # Missing choices are refused by the form itself.
    response = client.post(form_url(care), visit_post(key, mode="", saw=""))
    assert response.status_code == 400 and Visit.objects.count() == 0


def test_the_pages_script_gets_a_json_answer(login, users, care):
    client = login(users["grid_a1"])
    key = client_key(text(client.get(form_url(care))))
    first = client.post(form_url(care), visit_post(key), headers={"Accept": "application/json"})
    visit = Visit.objects.get()
    assert first.status_code == 201
    assert first.json() == {
        "visit_id": visit.pk,
        "url": f"/care/visits/{visit.pk}/",
        "replayed": False,
    }
    again = client.post(form_url(care), visit_post(key), headers={"Accept": "application/json"})
    assert again.status_code == 200 and again.json()["replayed"] is True
    bad = client.post(
        form_url(care), visit_post(key, mode="letter"), headers={"Accept": "application/json"}
    )
    assert bad.status_code == 400 and bad["Content-Type"].startswith("text/html")


def test_nobody_at_home_is_recorded_as_an_attempt(login, users, care):
    client = login(users["grid_a1"])
    key = client_key(text(client.get(form_url(care))))
    response = client.post(form_url(care), visit_post(key, saw="nobody"), follow=True)
    page = text(response)
    assert "The attempt is recorded." in page and "does not count" in page
    assert Plan.objects.get(pk=care["plans"]["li"].pk).done == 0


def test_photos_go_with_the_form(login, users, care, media):
    client = login(users["grid_a1"])
    key = client_key(text(client.get(form_url(care))))
    response = client.post(form_url(care), {**visit_post(key), "photos": [png(), png("b.png")]})
    assert response.status_code == 302
    photo = VisitPhoto.objects.order_by("id").first()
    assert VisitPhoto.objects.count() == 2
    image = client.get(f"/care/visits/photos/{photo.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert login(users["worker_a2"]).get(f"/care/visits/photos/{photo.pk}/").status_code == 404


def test_who_may_open_the_visit_form(login, users, care):
    assert login(users["town_a"]).get(form_url(care)).status_code == 403  # no care.visit
    assert login(users["worker_a2"]).get(form_url(care)).status_code == 404
    assert login(users["worker_a2"]).post(form_url(care), visit_post("x")).status_code == 404
    assert login(users["grid_a1"]).get(form_url(care, "wang")).status_code == 404
    assert Visit.objects.count() == 0


# --- one visit, the lists -------------------------------------------------------------------------


def test_one_visit_shows_its_checklist_needs_and_notes_to_workers(login, users, care, visit_data):
    visit = actions.visit_record(
        actor=users["grid_a1"], **visit_data(needs=[{"kind": "meals", "description": "需要助餐"}])
    )
    page = text(login(users["grid_a1"]).get(f"/care/visits/{visit.pk}/"))
    assert "Gas safety" in page and "a concern" in page
    assert "血压偏高，按时服药" in page  # the visit's notes, for those who keep care notes
    assert "需要助餐" in page and "Raise an appeal" in page and "Mark as met" in page
    overseer = text(login(users["town_a"]).get(f"/care/visits/{visit.pk}/"))
    assert (
        "需要助餐" in overseer and "血压偏高" not in overseer and "Raise an appeal" not in overseer
    )
    assert login(users["worker_a2"]).get(f"/care/visits/{visit.pk}/").status_code == 404


def test_the_lists_of_visits_and_needs(login, users, care, visit_data):
    mine = actions.visit_record(
        actor=users["grid_a1"], **visit_data(needs=[{"kind": "meals", "description": "需要助餐"}])
    )
    other = actions.visit_record(actor=users["head_a1"], **visit_data("wang", checks={}))
    a2 = actions.visit_record(actor=users["worker_a2"], **visit_data("zhao"))
    client = login(users["head_a1"])
    page = text(client.get("/care/visits/"))
    assert f'data-testid="visit-{mine.pk}"' in page and f'data-testid="visit-{other.pk}"' in page
    assert f'data-testid="visit-{a2.pk}"' not in page and "赵六" not in page
    assert f'data-testid="visit-{mine.pk}"' not in text(client.get("/care/visits/?mine=on"))
    concerns = text(client.get("/care/visits/?concerns=on"))
    assert (
        f'data-testid="visit-{mine.pk}"' in concerns
        and f'data-testid="visit-{other.pk}"' not in concerns
    )
    assert "Give a month as YYYY-MM." in text(client.get("/care/visits/?month=soon"))
    needs = text(client.get("/care/needs/"))
    assert "需要助餐" in needs and "李四" in needs
    assert "需要助餐" not in text(login(users["worker_a2"]).get("/care/needs/"))
    assert login(users["resident_a1"]).get("/care/visits/").status_code == 403


# --- one tap: a need becomes an appeal --------------------------------------------------------------


def test_a_need_becomes_an_appeal_in_one_tap(login, users, care, visit_data, catalogue):
    visit = actions.visit_record(
        actor=users["grid_a1"], **visit_data(needs=[{"kind": "housing", "description": "屋顶漏雨"}])
    )
    need = visit.needs.get()
    client = login(users["grid_a1"])
    back = f"/care/visits/{visit.pk}/"
    response = client.post(f"/care/needs/{need.pk}/appeal/", {"next": back})
    need.refresh_from_db()
    assert need.appeal is not None and need.appeal.channel == "care_visit"
    assert response.status_code == 302 and response["Location"] == f"/appeals/{need.appeal_id}/"
    assert need.appeal.number in text(client.get(response["Location"]))
    # A second tap is refused with a message, back where it came from.
    again = client.post(f"/care/needs/{need.pk}/appeal/", {"next": back}, follow=True)
    assert again.redirect_chain[-1][0] == back
    assert "already an appeal" in text(again)
    page = text(client.get(back))
    assert need.appeal.number in page and "Raise an appeal" not in page


def test_one_tap_refusals(login, users, care, visit_data, catalogue):
    visit = actions.visit_record(
        actor=users["grid_a1"], **visit_data(needs=[{"kind": "housing", "description": "屋顶漏雨"}])
    )
    need = visit.needs.get()
    assert login(users["worker_a2"]).post(f"/care/needs/{need.pk}/appeal/").status_code == 404
    assert login(users["town_a"]).post(f"/care/needs/{need.pk}/appeal/").status_code == 403
    assert login(users["grid_a1"]).get(f"/care/needs/{need.pk}/appeal/").status_code == 405
    # An address elsewhere is not followed back.
    response = login(users["grid_a1"]).post(
        f"/care/needs/{need.pk}/met/", {"next": "https://example.com/"}
    )
    assert response["Location"] == archive_url(care)
    assert Need.objects.get(pk=need.pk).met_on == timezone.localdate()
    assert Need.objects.get(pk=need.pk).appeal_id is None


def test_a_need_is_marked_met(login, users, care, visit_data):
    visit = actions.visit_record(
        actor=users["grid_a1"],
        **visit_data(needs=[{"kind": "company", "description": "想有人陪聊"}]),
    )
    need = visit.needs.get()
    client = login(users["grid_a1"])
    response = client.post(f"/care/needs/{need.pk}/met/", {"next": archive_url(care)}, follow=True)
    assert "The need is marked as met." in text(response)
    again = client.post(f"/care/needs/{need.pk}/met/", {"next": archive_url(care)}, follow=True)
    assert "already met" in text(again)
    assert login(users["worker_a2"]).post(f"/care/needs/{need.pk}/met/").status_code == 404


@pytest.mark.parametrize("path", ["/care/visits/", "/care/needs/"])
def test_list_pages_read_a_fixed_number_of_queries(
    login, users, care, visit_data, path, django_assert_num_queries
):
    client = login(users["head_a1"])
    actions.visit_record(
        actor=users["grid_a1"], **visit_data(needs=[{"kind": "meals", "description": "助餐"}])
    )
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for number in range(5):
        actions.visit_record(
            actor=users["head_a1"],
            **visit_data("wang", needs=[{"kind": "meals", "description": f"助餐{number}"}]),
        )
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(path).status_code == 200


def test_ids_that_name_no_row_are_not_found(login, users, care):
    client = login(users["head_a1"])
    huge = "9" * 20
    for path in (
        f"/care/people/{huge}/",
        f"/care/people/{huge}/visit/",
        f"/care/visits/{huge}/",
        f"/care/visits/photos/{huge}/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/care/needs/{huge}/met/").status_code == 404
    assert client.post(f"/care/needs/{huge}/appeal/").status_code == 404
    assert client.post(f"/care/people/{huge}/notes/", {"op": "reveal"}).status_code == 404
