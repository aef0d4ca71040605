"""The records pages: "my hours" on a phone, spending points, carrying records; the hours sheet
of an activity; the staff list, one record, corrections, a record without an activity, the
time bank and the recompute. Every form works without JavaScript."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.volunteers.actions import records as actions
from linli.volunteers.models import Offer, PointsEntry, ServiceRecord, Transfer

from .fixtures_records import *  # noqa: F403 (the fixtures)
from .fixtures_records import counts, record_manually, volunteer_row

pytestmark = pytest.mark.django_db

ME = "/volunteers/me/hours/"


@pytest.fixture
def served(users, volunteer_a1):
    """Two records of volunteer_a1 (3 h and 2 h), the first corrected by -1 h."""
    first = record_manually(users["worker_a1"], volunteer_a1, hours="3")
    record_manually(users["worker_a1"], volunteer_a1, hours="2", activity_name="义诊服务")
    actions.record_correct(
        actor=users["worker_a1"], record_id=first.pk, hours="-1", reason="含路途时间"
    )
    return first


# --- the volunteer ------------------------------------------------------------------------------


def test_my_hours_shows_the_total_stars_records_with_corrections_and_points(
    login, users, served, haircut
):
    page = login(users["resident_a1"]).get(ME)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="hours-total">4</dd>' in html
    assert "No star level yet" in html and 'value="4"' in html
    assert "96 more hours to 1 star" in html
    assert "义诊服务" in html and "含路途时间" in html
    assert "Recorded as 3 h, then corrected:" in html
    assert 'data-testid="points-balance">40<' in html
    assert "理发" in html and f"/volunteers/me/offers/{haircut.pk}/" in html
    assert "Taken back by a correction" in html


def test_my_hours_reads_the_same_number_of_queries_for_more_records(
    login, users, volunteer_a1, served, django_assert_num_queries
):
    client = login(users["resident_a1"])
    client.get(ME)
    with django_assert_num_queries(14) as first:
        client.get(ME)
    for n in range(5):
        extra = record_manually(
            users["worker_a1"], volunteer_a1, hours="1", activity_name=f"服务{n}"
        )
        actions.record_correct(
            actor=users["worker_a1"], record_id=extra.pk, hours="0.5", reason="x"
        )
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(ME)


def test_someone_not_registered_is_invited_to_register(login, users):
    page = login(users["resident_a2"]).get(ME)
    assert page.status_code == 200 and b'data-testid="not-registered"' in page.content


def test_a_volunteer_spends_points_once_on_the_offers_page(login, users, served, haircut):
    client = login(users["resident_a1"])
    url = f"/volunteers/me/offers/{haircut.pk}/"
    assert b'data-testid="spend-form"' in client.get(url).content
    key = str(uuid.uuid4())
    done = client.post(url, {"client_key": key})
    assert done.status_code == 302 and done["Location"] == ME + "#points"
    again = client.post(url, {"client_key": key})
    assert again.status_code == 302
    assert PointsEntry.objects.filter(kind="spent").count() == 1
    assert volunteer_row(served.volunteer).points_balance == 10
    short = client.get(url)
    assert b'data-testid="not-enough"' in short.content
    refused = client.post(url, {"client_key": str(uuid.uuid4())})
    assert refused.status_code == 409 and "Not enough points" in refused.content.decode()


def test_an_offer_of_another_community_is_not_found(login, users, tree, served):
    elsewhere = Offer.objects.create(area=tree["a2"], area_code=tree["a2"].code, name="x", points=1)
    assert (
        login(users["resident_a1"]).get(f"/volunteers/me/offers/{elsewhere.pk}/").status_code == 404
    )


def test_a_volunteer_carries_their_records(login, users, served, town_association):
    client = login(users["resident_a1"])
    form = client.get("/volunteers/me/transfer/")
    assert "仙城街道志愿者协会" in form.content.decode()
    refused = client.post("/volunteers/me/transfer/", {"to_organisation_id": town_association.pk})
    assert refused.status_code == 400 and not Transfer.objects.exists()
    done = client.post(
        "/volunteers/me/transfer/", {"to_organisation_id": town_association.pk, "consent": "on"}
    )
    assert done.status_code == 302
    assert Transfer.objects.get().to_organisation == town_association


# --- the organiser's sheet ----------------------------------------------------------------------


def _sheet_data(came, **rows):
    data = {
        "activity_name": "独居老人助餐送餐",
        "place": "社区长者食堂",
        "beneficiaries": "社区独居老人",
        "content": "送餐",
        "leader_name": "赵队长",
    }
    for name, hours in rows.items():
        pk = came[name].pk
        data |= {f"record-{pk}": "on", f"hours-{pk}": hours, f"quality-{pk}": "good"}
    return data


def test_the_organiser_records_the_sheet_and_a_resubmit_writes_nothing(
    login, users, activity_a1, came
):
    client = login(users["resident_a1"])  # the team's leader, on a phone
    url = f"/volunteers/records/activity/{activity_a1.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and "李志强" in page.content.decode()
    data = _sheet_data(came, a1_morning="2", neighbour_afternoon="1.5")
    done = client.post(url, data, follow=True)
    assert "Recorded the hours of 2 volunteers." in done.content.decode()
    assert b'data-testid="nothing-to-record"' in done.content
    again = client.post(url, data, follow=True)
    assert "2 volunteers were recorded already" in again.content.decode()
    assert counts() == (2, 2)


def test_a_bad_sheet_comes_back_with_the_errors_and_writes_nothing(login, users, activity_a1, came):
    client = login(users["worker_a1"])
    url = f"/volunteers/records/activity/{activity_a1.pk}/"
    bad = client.post(url, _sheet_data(came, a1_morning="3", neighbour_afternoon="1"))
    assert bad.status_code == 400
    assert "At most 2 hours: the length of the shift, without travel." in bad.content.decode()
    none = client.post(url, _sheet_data(came))
    assert none.status_code == 400 and "Tick at least one volunteer" in none.content.decode()
    assert counts() == (0, 0)


@pytest.mark.parametrize("who", ["worker_a2", "town_b", "resident_a2"])
def test_others_find_no_sheet(login, users, activity_a1, came, who):
    client = login(users[who])
    url = f"/volunteers/records/activity/{activity_a1.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, _sheet_data(came, a1_morning="2")).status_code == 404
    assert counts() == (0, 0)


# --- staff --------------------------------------------------------------------------------------


def test_staff_list_filter_and_open_records(login, users, served):
    client = login(users["worker_a1"])
    listed = client.get("/volunteers/records/")
    html = listed.content.decode()
    assert listed.status_code == 200 and "义诊服务" in html and "王秀兰" in html
    assert 'data-testid="record-count">3 records' in html
    only = client.get("/volunteers/records/", {"kind": "correction"}).content.decode()
    assert "1 record<" in only
    bad = client.get("/volunteers/records/", {"date_from": "soon", "kind": "x"})
    assert bad.status_code == 400 and "Enter a date as YYYY-MM-DD." in bad.content.decode()
    htmx = client.get("/volunteers/records/", {"date_from": "soon"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    detail = client.get(f"/volunteers/records/{served.pk}/").content.decode()
    assert "2204**********0021" in detail and "220403195503150021" not in detail
    assert "Counted now: 2 hours" in detail and 'data-testid="correct-link"' in detail


def test_neighbours_see_no_records(login, users, served):
    for who in ("worker_a2", "town_b"):
        client = login(users[who])
        assert b'data-testid="no-records"' in client.get("/volunteers/records/").content
        assert client.get(f"/volunteers/records/{served.pk}/").status_code == 404
        assert client.get(f"/volunteers/records/{served.pk}/correct/").status_code == 404
    assert login(users["resident_a2"]).get("/volunteers/records/").status_code == 403


def test_staff_correct_a_record_through_the_form(login, users, served):
    client = login(users["worker_a1"])
    url = f"/volunteers/records/{served.pk}/correct/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"hours": "-5", "reason": "x"})
    assert bad.status_code == 400
    assert "At most 2 hours can be removed" in bad.content.decode()
    done = client.post(url, {"hours": "0.5", "reason": "补记整理时间"})
    assert done.status_code == 302 and done["Location"] == f"/volunteers/records/{served.pk}/"
    assert ServiceRecord.objects.filter(corrects=served).count() == 2


def test_staff_record_service_without_an_activity(login, users, volunteer_a1):
    client = login(users["worker_a1"])
    page = client.get("/volunteers/records/new/", {"volunteer": volunteer_a1.pk})
    assert volunteer_a1.number in page.content.decode()
    data = {
        "volunteer_number": volunteer_a1.number.lower(),
        "activity_name": "入户探访",
        "served_on": timezone.localdate().isoformat(),
        "place": "3号楼",
        "beneficiaries": "独居老人",
        "content": "陪伴聊天",
        "hours": "1.5",
        "quality": "excellent",
        "leader_name": "赵队长",
        "organisation_id": "",
    }
    done = client.post("/volunteers/records/new/", data)
    assert done.status_code == 302
    assert ServiceRecord.objects.get().hours == 1.5
    unknown = client.post("/volunteers/records/new/", data | {"volunteer_number": "T99999999"})
    assert unknown.status_code == 400
    assert "No volunteer of the areas you manage has this number." in unknown.content.decode()
    assert login(users["resident_a1"]).get("/volunteers/records/new/").status_code == 403


def test_staff_carry_records_with_signed_consent(login, users, volunteer_a1, town_association):
    client = login(users["worker_a1"])
    url = f"/volunteers/records/transfer/{volunteer_a1.pk}/"
    assert client.get(url).status_code == 200
    done = client.post(
        url,
        {
            "to_organisation_id": town_association.pk,
            "consent": "on",
            "consent_on": timezone.localdate().isoformat(),
        },
    )
    assert done.status_code == 302 and Transfer.objects.count() == 1
    assert login(users["worker_a2"]).get(url).status_code == 404


def test_the_export_is_in_the_national_field_order_masked_and_audited(login, users, served):
    import io

    from openpyxl import load_workbook

    response = login(users["town_a"]).get("/volunteers/records/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[0]) == actions.HEADER
    assert len(rows) == 4
    correction = next(r for r in rows[1:] if r[12] == "更正")
    assert correction[0] == "王秀兰" and correction[1] == "2204**********0021"
    assert correction[7] == "-1" and correction[13] == "含路途时间"
    event = AuditEvent.objects.get(action="service_record.export")
    assert event.extra["rows"] == 3 and event.extra["masked"] is True


def test_the_time_bank_pages(login, users, tree, served, haircut):
    client = login(users["worker_a1"])
    assert "理发" in client.get("/volunteers/timebank/").content.decode()
    made = client.post(
        "/volunteers/timebank/new/",
        {"area_code": tree["a1"].code, "name": "修自行车", "points": "20", "stock": ""},
    )
    assert made.status_code == 302
    bike = Offer.objects.get(name="修自行车")
    bad = client.post(f"/volunteers/timebank/{bike.pk}/", {"name": "修自行车", "points": "0"})
    assert bad.status_code == 400 and "Give a number from 1 to 100000." in bad.content.decode()
    client.post(f"/volunteers/timebank/{bike.pk}/", {"name": "修自行车", "points": "25"})
    bike.refresh_from_db()
    assert bike.points == 25 and bike.active is False  # the box was not ticked
    ledger = f"/volunteers/timebank/volunteer/{served.volunteer_id}/"
    assert b'data-testid="desk-spend-form"' in client.get(ledger).content
    spent = client.post(
        ledger + "spend/", {"offer_id": haircut.pk, "client_key": str(uuid.uuid4())}
    )
    assert spent.status_code == 302
    adjusted = client.post(ledger + "adjust/", {"delta": "-5", "reason": "核对"})
    assert adjusted.status_code == 302
    assert volunteer_row(served.volunteer).points_balance == 5
    refused = client.post(ledger + "adjust/", {"delta": "-50", "reason": "x"})
    assert refused.status_code == 400
    assert login(users["worker_a2"]).get(ledger).status_code == 404
    assert login(users["worker_a2"]).get(f"/volunteers/timebank/{bike.pk}/").status_code == 404


def test_the_county_recomputes_every_total(
    login, users, served, django_capture_on_commit_callbacks
):
    type(served.volunteer).objects.filter(pk=served.volunteer_id).update(hours_total=0)
    client = login(users["county"])
    assert client.get("/volunteers/records/recompute/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/volunteers/records/recompute/")
    assert done.status_code == 302
    assert volunteer_row(served.volunteer).hours_total == 4
    page = client.get("/volunteers/records/recompute/").content.decode()
    assert "1 volunteer in" in page
    assert AuditEvent.objects.filter(action="volunteer.totals_recomputed").count() == 1
    for who in ("worker_a1", "town_a", "resident_a1"):
        assert login(users[who]).post("/volunteers/records/recompute/").status_code == 403
