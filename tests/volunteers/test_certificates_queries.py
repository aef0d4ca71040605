"""Reading certificates: who sees which (by the issuing organisation's area, and the holder
their own), the list's filters in a constant number of queries, the public check by number,
and the service an organisation may certify."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.volunteers.models import Certificate
from linli.volunteers.queries import certificates as q

from .conftest import make_volunteer
from .fixtures_certificates import *  # noqa: F403 (the fixtures)
from .fixtures_certificates import A1_HOURS, A1_RECORDS, days_ago, make_certificate, transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(tree, users, org_a1, org_a2, station_b1, volunteer_a1):
    """Two certificates of A1's station (one revoked), one of A2's, one of B1's station."""
    neighbour = make_volunteer(tree["a2"], user=users["resident_a2"], name="陈建国")
    eastern = make_volunteer(tree["b1"], name="刘东山")
    return {
        "a1": make_certificate(volunteer_a1, org_a1, hours="12.5"),
        "a1_revoked": make_certificate(volunteer_a1, org_a1, status="revoked"),
        "a2": make_certificate(neighbour, org_a2),
        "b1": make_certificate(eastern, station_b1),
    }


def seen(actor, **filters) -> set[str]:
    return {c.number for c in q.certificate_list(actor=actor, filters=filters)}


def numbers(spread, *names) -> set[str]:
    return {spread[name].number for name in names}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("worker_a1", ("a1", "a1_revoked")),
        ("head_a1", ("a1", "a1_revoked")),
        ("worker_a2", ("a2",)),
        ("town_a", ("a1", "a1_revoked", "a2")),
        ("town_b", ("b1",)),
        ("county", ("a1", "a1_revoked", "a2", "b1")),
        ("grid_a1", ()),  # a grid's worker reads the grid's volunteers, not the station's papers
    ],
)
def test_staff_see_the_certificates_of_their_areas(users, spread, who, expected):
    assert seen(users[who]) == numbers(spread, *expected)


@pytest.mark.parametrize("who", ["resident_a1", "dept", "auditor"])
def test_people_without_volunteer_view_read_no_list(users, spread, who):
    with pytest.raises(Forbidden):
        q.certificate_list(actor=users[who])


def test_the_filters(users, spread, org_a1, org_a2, volunteer_a1):
    county = users["county"]
    assert seen(county, status="revoked") == numbers(spread, "a1_revoked")
    assert seen(county, status="valid", organisation=org_a1.pk) == numbers(spread, "a1")
    assert seen(county, organisation=str(org_a2.pk)) == numbers(spread, "a2")
    assert seen(county, volunteer=volunteer_a1.pk) == numbers(spread, "a1", "a1_revoked")
    assert seen(county, volunteer_number=volunteer_a1.number) == numbers(spread, "a1", "a1_revoked")
    # a neighbour's filter on A1's organisation finds nothing of A1's
    assert seen(users["worker_a2"], organisation=org_a1.pk) == set()
    for name, value in (("status", "lost"), ("organisation", "x"), ("volunteer", "-3")):
        with pytest.raises(ActionError) as caught:
            q.certificate_list(actor=county, filters={name: value})
        assert list(caught.value.errors) == [name]


def test_the_list_reads_in_one_query_whatever_its_length(users, spread, org_a1, volunteer_a1):
    county = users["county"]
    q.certificate_list(actor=county)  # the actor's grants, read once a request

    def rows():
        with CaptureQueriesContext(connection) as ctx:
            found = [
                (c.number, c.organisation.name, c.volunteer.name)
                for c in q.certificate_list(actor=county)
            ]
        return len(found), len(ctx.captured_queries)

    few, first = rows()
    for _ in range(6):
        make_certificate(volunteer_a1, org_a1)
    many, second = rows()
    assert (few, many) == (4, 10)
    assert first == second == 1


def test_the_holder_reads_their_own_and_nobody_elses(users, spread):
    mine = q.my_certificates(actor=users["resident_a1"])
    assert {c.number for c in mine} == numbers(spread, "a1", "a1_revoked")
    assert {c.number for c in q.my_certificates(actor=users["resident_a2"])} == numbers(
        spread, "a2"
    )
    assert list(q.my_certificates(actor=users["worker_a1"])) == []
    own = q.certificate_get(actor=users["resident_a1"], certificate_id=spread["a1"].pk)
    assert own.pk == spread["a1"].pk
    for who, name in (
        ("resident_a2", "a1"),
        ("worker_a2", "a1"),
        ("town_b", "a2"),
        ("grid_a1", "a1"),
    ):
        with pytest.raises(NotFound):
            q.certificate_get(actor=users[who], certificate_id=spread[name].pk)
    with pytest.raises(NotFound):
        q.certificate_get(actor=users["county"], certificate_id="nope")


def test_numbers_as_people_type_them(spread):
    number = spread["a1"].number
    typed = [
        number,
        number.lower(),
        number.replace("-", ""),
        f"  {number[:6]} {number[7:11]} {number[12:]}  ",
    ]
    for text in typed:
        assert q.normal_number(text) == number
        assert q.certificate_verify(number=text).pk == spread["a1"].pk
    for wrong in (
        "",
        "ZY2026",
        "ZY2026-AAAA-BBBB",
        "XX2026-AAAA-BBBB-CCCC",
        "ZY2026-AAAA-BBBB-CCC!",
    ):
        assert q.normal_number(wrong) is None
        with pytest.raises(NotFound) as caught:
            q.certificate_verify(number=wrong)
        assert str(caught.value.message) == "There is no certificate with this number."
    with pytest.raises(NotFound):
        q.certificate_verify(number="ZY2026-2345-6789-ABCD")  # well formed, never issued


def test_the_check_reads_the_printed_fields_in_one_query(spread):
    with CaptureQueriesContext(connection) as ctx:
        found = q.certificate_verify(number=spread["a1_revoked"].number)
        printed = (
            found.number,
            found.status,
            found.revoked_at,
            found.holder_name,
            found.holder_id_masked,
            found.period_from,
            found.period_to,
            found.hours,
            found.content,
            found.issued_on,
            found.organisation.name,
        )
    assert len(ctx.captured_queries) == 1 and printed[1] == "revoked"
    sql = ctx.captured_queries[0]["sql"]
    assert "revoke_reason" not in sql and "id_number" not in sql and "phone" not in sql


# --- what an organisation certifies --------------------------------------------------------------


def test_the_summary_of_a_stations_records(served_a1, org_a1, org_a2):
    today = days_ago(0)
    own = q.service_summary(
        served_a1.pk, org_a1.pk, all_records=False, period_from=None, period_to=today
    )
    assert own.hours == A1_HOURS and own.records == A1_RECORDS and own.activity_count == 4
    assert [name for name, _hours in own.activities] == [
        "探访独居老人",
        "社区环境清洁",
        "防诈骗宣传",
    ]
    assert own.activities[1][1] == Decimal("2")  # 2.5 h corrected by −0.5 h
    assert own.groups == ["elderly_alone", "all", "elderly"]
    everything = q.service_summary(
        served_a1.pk, org_a1.pk, all_records=True, period_from=None, period_to=today
    )
    assert everything.hours == A1_HOURS + 3
    assert q.record_sources(served_a1.pk, org_a1.pk) == (True, False)
    assert q.record_sources(served_a1.pk, org_a2.pk) == (True, False)


def test_organisations_and_volunteers_offered_to_the_issuer(
    users, tree, served_a1, org_a1, org_a2, station_b1
):
    assert q.organisations_for(users["head_a1"], served_a1.pk) == [org_a1]
    assert q.organisations_for(users["town_a"], served_a1.pk) == [org_a1, org_a2]
    assert q.organisations_for(users["town_b"], served_a1.pk) == []
    assert [v.pk for v in q.issue_candidates(actor=users["head_a1"], search="秀兰")] == [
        served_a1.pk
    ]
    assert q.issue_candidates(actor=users["town_b"], search="王秀兰") == []
    transfer(served_a1, org_a1, station_b1, users["worker_a1"])
    assert q.organisations_for(users["town_b"], served_a1.pk) == [station_b1]
    assert [v.pk for v in q.issue_candidates(actor=users["town_b"], search=served_a1.number)] == [
        served_a1.pk
    ]
    with pytest.raises(Forbidden):
        q.issue_candidates(actor=users["worker_a1"], search="王")
    with pytest.raises(NotFound):
        q.issue_volunteer(
            actor=users["head_a1"], volunteer_id=make_volunteer(tree["b1"], name="刘东山").pk
        )


def test_the_station_of_the_community_issues_when_the_volunteer_has_no_organisation(
    tree, org_a1, org_a2
):
    person = make_volunteer(tree["a2"], name="陈建国")
    assert q.home_organisation(person) == org_a2
    person.organisation = org_a1
    assert q.home_organisation(person) == org_a1
    org_a1.active = False
    assert q.home_organisation(person) == org_a2
    assert q.home_organisation(make_volunteer(tree["b1"], name="刘东山")) is None


def test_hours_as_printed():
    assert [q.hours_text(v) for v in ("16.50", "100", "0.25", 3, None)] == [
        "16.5",
        "100",
        "0.25",
        "3",
        "0",
    ]
    assert Certificate.Status.values == list(q.STATUSES)
