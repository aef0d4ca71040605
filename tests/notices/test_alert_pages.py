"""The alert pages through the Django test client: the list, issuing, the live page (and its
htmx refresh), ending, the grid worker's check list with the audited phone reveal and the
one-button checks, the resident's page with its two buttons, the information officers, and the
home-page blocks — each refusing those it is not for, with query counts that do not grow with
the rows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.models import AuditEvent, Notification
from linli.notices.models import Alert, AlertRecipient, InfoOfficer

from .test_alerts import A1, A2, GRID, TOWN_A, _english, due, issue, rows, world  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = "/notices/alerts/"
NEW = "/notices/alerts/new/"
CHECKS = "/notices/alerts/checks/"
OFFICERS = "/notices/officers/"


@pytest.fixture
def as_(client, world):  # noqa: F811
    """``as_(name)``: the test client signed in as that user of the world."""
    people = {**world["users"], **world["accounts"]}

    def _as(name: str):
        client.force_login(people[name], backend="linli.core.auth.PhoneOrUsernameBackend")
        return client

    return _as


def text(response) -> str:
    return response.content.decode()


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200
    return len(captured)


# --- the list and issuing ---------------------------------------------------------------------


def test_the_list_shows_what_each_may_see(as_, issue, client):  # noqa: F811
    alert = issue()
    page = text(as_("town_a").get(LIST))
    assert "暴雨红色预警" in page and 'data-testid="issue-link"' in page
    assert f"/notices/alerts/{alert.pk}/" in page
    page = text(as_("worker_a1").get(LIST))
    assert "暴雨红色预警" in page and 'data-testid="checks-link"' in page
    assert 'data-testid="issue-link"' not in page
    page = text(as_("li").get(LIST))
    assert f"/notices/alerts/{alert.pk}/mine/" in page
    assert "暴雨红色预警" not in text(as_("town_b").get(LIST))
    client.logout()
    assert client.get(LIST).status_code == 302


def test_the_list_does_not_grow_its_queries_with_the_alerts(as_, issue, django_assert_num_queries):  # noqa: F811
    issue()
    client = as_("town_a")
    one = queries_of(lambda: client.get(LIST))
    issue(title="第二条")
    issue(area_code=TOWN_A, title="第三条")
    with django_assert_num_queries(one):
        response = client.get(LIST)
    assert len(re.findall(r'data-testid="alert-\d+"', text(response))) == 3


def test_issuing_from_the_form(as_, django_capture_on_commit_callbacks):
    client = as_("town_a")
    page = text(client.get(NEW))
    assert f'value="{A1}"' in page and f'value="{TOWN_A}"' in page
    assert "220403002001" not in page  # town B's community is not offered
    data = {
        "area_code": A1,
        "kind": "fire",
        "severity": "orange",
        "title": "火灾预警",
        "instructions": "远离火场。",
        "shelters": "仙城小学 — 仙城路8号\n社区广场",
        "check_after": "20",
        "ends_at": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, data)
    alert = Alert.objects.get()
    assert response.status_code == 302 and response.url == f"/notices/alerts/{alert.pk}/"
    assert alert.shelters == [
        {"name": "仙城小学", "address": "仙城路8号"},
        {"name": "社区广场", "address": ""},
    ]
    assert alert.check_after == 20 and alert.recipients_done == 5


def test_the_form_names_bad_input_and_refuses_others(as_):
    client = as_("town_a")
    response = client.post(
        NEW,
        {
            "area_code": A1,
            "kind": "fire",
            "severity": "red",
            "title": "火灾",
            "instructions": "撤离",
            "check_after": "20",
            "shelters": "\n".join(f"点{i}" for i in range(51)),
        },
    )
    assert response.status_code == 400
    assert "At most 50 shelters" in text(response)
    assert not Alert.objects.exists()
    assert as_("worker_a1").get(NEW).status_code == 403
    assert as_("li").get(NEW).status_code == 403


# --- the live page ------------------------------------------------------------------------------


def test_the_live_page_counts_per_community_and_refreshes(as_, issue, world):  # noqa: F811
    alert = due(issue(area_code=TOWN_A))
    client = as_("town_a")
    page = text(client.get(f"/notices/alerts/{alert.pk}/"))
    assert f'data-testid="live-row-{A1}"' in page and f'data-testid="live-row-{A2}"' in page
    assert 'hx-trigger="every 15s"' in page
    assert "李四" in page and "136****5432" in page and "13698765432" not in page
    partial = client.get(f"/notices/alerts/{alert.pk}/", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in text(partial) and 'id="alert-live"' in text(partial)
    drilled = text(client.get(f"/notices/alerts/{alert.pk}/", {"area": A1}))
    assert f'data-testid="live-row-{GRID}"' in drilled
    assert "Homes outside any grid" in drilled
    assert as_("town_b").get(f"/notices/alerts/{alert.pk}/").status_code == 404
    assert as_("worker_a2").get(f"/notices/alerts/{alert.pk}/", {"area": A1}).status_code == 404
    resident = as_("li").get(f"/notices/alerts/{alert.pk}/")
    assert resident.status_code == 302 and resident.url.endswith("/mine/")


def test_the_live_page_shows_the_fanout_while_sending(as_, world):  # noqa: F811
    from linli.notices.actions import alerts as actions

    alert = actions.alert_issue(
        actor=world["users"]["town_a"],
        area_code=A1,
        kind="gas",
        severity="yellow",
        title="燃气",
        instructions="关阀。",
    )
    page = text(as_("town_a").get(f"/notices/alerts/{alert.pk}/"))
    assert 'data-testid="fanout-progress"' in page


def test_the_live_page_queries_do_not_grow_with_the_areas(as_, issue, django_assert_num_queries):  # noqa: F811
    alert = due(issue(area_code=TOWN_A))
    client = as_("county")
    url = f"/notices/alerts/{alert.pk}/"
    one = queries_of(lambda: client.get(url, {"area": A1}))
    with django_assert_num_queries(one):
        client.get(url, {"area": TOWN_A})


def test_ending_from_the_live_page(as_, issue):  # noqa: F811
    alert = issue()
    assert as_("worker_a1").post(f"/notices/alerts/{alert.pk}/end/").status_code == 403
    assert as_("town_b").post(f"/notices/alerts/{alert.pk}/end/").status_code == 404
    response = as_("town_a").post(f"/notices/alerts/{alert.pk}/end/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ENDED
    page = text(as_("town_a").get(f"/notices/alerts/{alert.pk}/"))
    assert "hx-trigger" not in page and 'data-testid="end-alert"' not in page


# --- the check list ------------------------------------------------------------------------------


def test_the_check_list_on_the_phone(as_, issue):  # noqa: F811
    alert = due(issue())
    client = as_("grid_a1")
    page = text(client.get(CHECKS))
    li = rows(alert)["李四"]
    assert f'data-testid="check-{li.pk}"' in page
    assert "136****5432" in page and "13698765432" not in page
    assert "王五" not in page  # outside the grid worker's grid
    revealed = client.post(CHECKS, {"reveal": li.pk})
    assert revealed.status_code == 200
    assert 'href="tel:13698765432"' in text(revealed)
    assert "no-store" in revealed["Cache-Control"]
    assert AuditEvent.objects.filter(action="pii.reveal", target_id=str(li.resident_id)).exists()
    wang = rows(alert)["王五"]
    assert client.post(CHECKS, {"reveal": wang.pk}).status_code == 404
    assert "王五" in text(as_("worker_a1").get(CHECKS))
    assert "李四" not in text(as_("worker_a2").get(CHECKS))
    assert as_("town_a").get(CHECKS).status_code == 403


def test_one_button_records_the_check(as_, issue):  # noqa: F811
    alert = due(issue())
    li = rows(alert)["李四"]
    url = f"/notices/alerts/checks/{li.pk}/"
    assert as_("worker_a2").post(url, {"result": "safe"}).status_code == 404
    response = as_("grid_a1").post(url, {"result": "nowhere", "alert": alert.pk})
    assert response.status_code == 302
    assert AlertRecipient.objects.get(pk=li.pk).checked == ""
    response = as_("grid_a1").post(url, {"result": "safe", "note": "已电话确认", "alert": alert.pk})
    assert response.status_code == 302 and response.url == f"{CHECKS}?alert={alert.pk}"
    li.refresh_from_db()
    assert (li.checked, li.check_note) == ("safe", "已电话确认")
    assert "李四" not in text(as_("grid_a1").get(CHECKS))


def test_the_check_list_queries_do_not_grow_with_the_people(as_, issue, django_assert_num_queries):  # noqa: F811
    alert = due(issue())
    client = as_("worker_a1")
    one = queries_of(lambda: client.get(CHECKS))
    AlertRecipient.objects.filter(alert=alert).update(vulnerable=True)
    with django_assert_num_queries(one):
        response = client.get(CHECKS)
    assert len(re.findall(r'data-testid="check-\d+"', text(response))) == 5


# --- the resident's page -----------------------------------------------------------------------


def test_the_resident_reads_the_alert_and_answers(as_, issue, world):  # noqa: F811
    alert = issue()
    client = as_("li")
    page = text(client.get(f"/notices/alerts/{alert.pk}/mine/"))
    assert "请立即转移到安全地带" in page and "仙城小学体育馆" in page
    assert 'data-testid="ack-known"' in page and 'data-testid="ack-help"' in page
    response = client.post(f"/notices/alerts/{alert.pk}/mine/", {"answer": "help"})
    assert response.status_code == 302
    assert AlertRecipient.objects.get(alert=alert, user=world["accounts"]["li"]).ack == "help"
    assert Notification.objects.filter(kind="alert.help", user=world["users"]["grid_a1"]).exists()
    assert client.post(f"/notices/alerts/{alert.pk}/mine/", {"answer": "?"}).status_code == 400
    assert as_("zhao").get(f"/notices/alerts/{alert.pk}/mine/").status_code == 404
    assert (
        as_("zhao").post(f"/notices/alerts/{alert.pk}/mine/", {"answer": "known"}).status_code
        == 404
    )


def test_the_home_pages_show_alerts_first(as_, issue):  # noqa: F811
    alert = due(issue())
    home = text(as_("li").get("/"))
    block = home.index(f'data-testid="home-alert-{alert.pk}"')
    assert block < home.index('data-testid="home-place"')  # above everything else
    assert 'data-testid="ack-help"' in home
    assert 'data-testid="home-alerts"' not in text(as_("zhao").get("/"))
    staff = text(as_("worker_a1").get("/"))
    assert f'data-testid="home-check-count-{alert.pk}"' in staff and "2 to check" in staff
    officer = text(as_("town_a").get("/"))
    assert f'data-testid="home-alert-{alert.pk}"' in officer
    assert "2 communities have no disaster information officer." in officer


# --- information officers ----------------------------------------------------------------------


def test_the_officers_page(as_, world):  # noqa: F811
    client = as_("town_a")
    page = text(client.get(OFFICERS))
    assert f'data-testid="missing-{A1}"' in page and f'data-testid="missing-{A2}"' in page
    bad = client.post(OFFICERS, {"community_code": A1, "name": "陈明", "phone": "12"})
    assert bad.status_code == 400 and not InfoOfficer.objects.exists()
    response = client.post(
        OFFICERS,
        {"community_code": A1, "name": "陈明", "phone": "13812345678", "trained_on": "2025-03-15"},
    )
    assert response.status_code == 302
    officer = InfoOfficer.objects.get()
    page = text(client.get(OFFICERS))
    assert f'data-testid="missing-{A1}"' not in page
    assert "138****5678" in page and "13812345678" not in page
    worker_page = text(as_("worker_a1").get(OFFICERS))
    assert "陈明" in worker_page and 'data-testid="officer-form"' not in worker_page
    assert as_("worker_a1").post(OFFICERS, {"community_code": A1}).status_code == 403
    assert "陈明" not in text(as_("town_b").get(OFFICERS))
    assert as_("li").get(OFFICERS).status_code == 403
    assert as_("town_b").post(f"/notices/officers/{officer.pk}/end/").status_code == 404
    assert as_("head_a1").post(f"/notices/officers/{officer.pk}/end/").status_code == 302
    officer.refresh_from_db()
    assert officer.ended_on is not None
