"""Who reads which record: where the service was done, which organisation wrote it, and the
transfer rule; the filters; the time bank's reads; the bulk recompute of totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.volunteers.actions import _common as common
from linli.volunteers.actions import records as actions
from linli.volunteers.actions._common import refresh_totals
from linli.volunteers.models import Transfer, Volunteer
from linli.volunteers.queries import records as q

from .conftest import make_volunteer
from .fixtures_records import *  # noqa: F403 (the fixtures)
from .fixtures_records import volunteer_row, write_record

pytestmark = pytest.mark.django_db


def test_a_record_is_read_where_it_was_done_and_by_its_organisations_area(
    users, tree, volunteer_a1, org_a1, org_b1
):
    here = write_record(volunteer_a1, users["worker_a1"], organisation=org_a1)
    # Service done in B1 (a citywide event), recorded by B1's station.
    away = write_record(
        volunteer_a1, users["worker_a1"], area_code=tree["b1"].code, organisation=org_b1
    )
    # Service done in A2, written by A1's station.
    lent = write_record(
        volunteer_a1, users["worker_a1"], area_code=tree["a2"].code, organisation=org_a1
    )
    seen = {who: set(q.records_seen(users[who]).values_list("pk", flat=True)) for who in users}
    assert seen["worker_a1"] == {here.pk, lent.pk}
    assert seen["worker_a2"] == {lent.pk}
    assert seen["town_b"] == {away.pk}
    assert seen["town_a"] == {here.pk, lent.pk}
    assert seen["county"] == {here.pk, away.pk, lent.pk}
    for nobody in ("resident_a1", "resident_a2", "dept", "secadmin", "auditor", "sysadmin"):
        assert seen[nobody] == set()


def test_the_receiving_organisation_reads_every_record_of_the_volunteer(
    users, tree, volunteer_a1, org_a1, org_b1
):
    write_record(volunteer_a1, users["worker_a1"], organisation=org_a1)
    write_record(volunteer_a1, users["worker_a1"], organisation=org_a1)
    assert not q.volunteer_records_seen(users["town_b"], volunteer_a1)
    Transfer.objects.create(
        volunteer=volunteer_a1,
        area_code=org_b1.area_code,
        from_organisation=org_a1,
        to_organisation=org_b1,
        hours=4,
        records=2,
        consent_at=volunteer_a1.consent_at,
    )
    # A transfer row alone is not enough: the volunteer must belong to that organisation.
    assert q.records_seen(users["town_b"]).count() == 0
    Volunteer.objects.filter(pk=volunteer_a1.pk).update(organisation=org_b1)
    volunteer_a1.refresh_from_db()
    assert q.records_seen(users["town_b"]).count() == 2
    assert q.volunteer_records_seen(users["town_b"], volunteer_a1)
    assert q.records_seen(users["worker_a2"]).count() == 0


def test_the_list_filters(users, tree, volunteer_a1, org_a1, activity_a1):
    import datetime as dt

    old = write_record(volunteer_a1, users["worker_a1"], served_on=dt.date(2025, 3, 1))
    new = write_record(
        volunteer_a1,
        users["worker_a1"],
        served_on=dt.date(2026, 3, 1),
        organisation=org_a1,
        activity=activity_a1,
    )
    other = make_volunteer(tree["a1"], name="赵六")
    theirs = write_record(other, users["worker_a1"], served_on=dt.date(2026, 3, 2))

    def listed(**filters):
        found = q.record_list(actor=users["worker_a1"], filters=q.RecordFilters(**filters))
        return [r.pk for r in found]

    assert listed() == [theirs.pk, new.pk, old.pk]
    assert listed(date_from="2026-01-01") == [theirs.pk, new.pk]
    assert listed(date_to="2025-12-31") == [old.pk]
    assert listed(organisation=str(org_a1.pk)) == [new.pk]
    assert listed(activity=str(activity_a1.pk)) == [new.pk]
    assert listed(volunteer=str(other.pk)) == [theirs.pk]
    assert listed(kind="correction") == []
    with pytest.raises(ActionError) as refused:
        listed(date_from="2026-02-01", date_to="2026-01-01", volunteer="x", kind="y")
    assert refused.value.errors == {
        "date_to": ["The end of the period comes before its start."],
        "volunteer": ["Choose one from the list."],
        "kind": ["Choose service or correction."],
    }


def test_the_list_is_one_query_a_page_whatever_its_length(
    users, volunteer_a1, org_a1, django_assert_num_queries
):
    for _ in range(3):
        write_record(volunteer_a1, users["worker_a1"], organisation=org_a1)
    actor = users["town_a"]
    q.record_list(actor=actor)  # the grants are read once a request
    with django_assert_num_queries(1):
        rows = list(q.record_list(actor=actor)[:25])
    for row in rows:
        assert row.volunteer.name and row.organisation.name
    with django_assert_num_queries(0):
        [(r.volunteer.number, r.organisation.name) for r in rows]


def test_offers_and_ledgers_are_read_in_the_actors_areas(users, tree, volunteer_a1, haircut):
    assert [o.pk for o in q.offer_list(actor=users["worker_a1"])] == [haircut.pk]
    assert list(q.offer_list(actor=users["worker_a2"])) == []
    with pytest.raises(NotFound):
        q.offer_get(actor=users["town_b"], offer_id=haircut.pk)
    with pytest.raises(ActionError):
        q.offer_list(actor=users["worker_a1"], active="maybe")
    assert q.volunteer_ledger(actor=users["town_a"], volunteer_id=volunteer_a1.pk)
    with pytest.raises(NotFound):
        q.volunteer_ledger(actor=users["worker_a2"], volunteer_id=volunteer_a1.pk)
    assert [o.pk for o in q.offers_for(volunteer_a1)] == [haircut.pk]
    assert q.my_hours(actor=users["resident_a2"]) is None


# --- the bulk recompute ---------------------------------------------------------------------------


def test_the_recompute_sets_totals_and_stars_of_the_county(
    users, tree, volunteer_a1, django_capture_on_commit_callbacks
):
    for _ in range(5):
        write_record(volunteer_a1, users["worker_a1"], hours="24")
    other = make_volunteer(tree["b1"], name="钱七")
    write_record(other, users["worker_a1"], hours="1.5")
    assert volunteer_row(volunteer_a1).hours_total == 0  # written around the actions
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.totals_recompute(actor=users["county"]) == 2
    row = volunteer_row(volunteer_a1)
    assert (row.hours_total, row.star) == (Decimal("120.00"), 1)
    assert volunteer_row(other).hours_total == Decimal("1.50")
    runs = q.recompute_runs(actor=users["county"])
    assert [run.done for run in runs] == [True, False] and runs[0].volunteers == 2


def test_only_county_officers_recompute(users):
    for who in ("town_a", "worker_a1", "head_a1", "resident_a1"):
        with pytest.raises(Forbidden):
            actions.totals_recompute(actor=users[who])


def test_refresh_scope_touches_only_the_areas_given(users, tree, volunteer_a1):
    other = make_volunteer(tree["b1"], name="钱七")
    write_record(volunteer_a1, users["worker_a1"], hours="2")
    write_record(other, users["worker_a1"], hours="3")
    assert actions.refresh_scope(["220403001"]) == 1  # only the totals that differ
    assert actions.refresh_scope(["220403001"]) == 0
    assert volunteer_row(volunteer_a1).hours_total == 2
    assert volunteer_row(other).hours_total == 0
    refresh_totals()
    assert volunteer_row(other).hours_total == 3


@pytest.fixture(params=["update_from", "correlated"])
def statement(request, monkeypatch):
    """Both forms of the refresh: UPDATE … FROM, and sub-queries for SQLite before 3.33."""
    if request.param == "correlated":
        monkeypatch.setattr(common, "_update_from_supported", lambda: False)
    return request.param


def _totals(*volunteers) -> list[tuple[Decimal, int]]:
    return [(row.hours_total, row.star) for row in map(volunteer_row, volunteers)]


def test_refresh_totals_writes_only_the_totals_that_differ(
    statement, users, tree, volunteer_a1, volunteer_a2
):
    worker = users["worker_a1"]
    idle = make_volunteer(tree["b1"], name="钱七")
    for _ in range(4):
        write_record(volunteer_a1, worker, hours="24")
    first = write_record(volunteer_a1, worker, hours="4.5")
    write_record(
        volunteer_a1, worker, hours="-0.25", kind="correction", corrects=first, reason="含路途"
    )
    write_record(volunteer_a2, worker, hours="1.75")
    assert refresh_totals() == 2  # the volunteer without records was right already
    assert _totals(volunteer_a1, volunteer_a2, idle) == [
        (Decimal("100.25"), 1),
        (Decimal("1.75"), 0),
        (Decimal("0.00"), 0),
    ]
    stamped = Volunteer.objects.get(pk=volunteer_a2.pk).updated_at
    assert refresh_totals() == 0
    # A drifted star level alone, drifted hours alone, a total without records: each repaired.
    Volunteer.objects.filter(pk=volunteer_a1.pk).update(star=3)
    Volunteer.objects.filter(pk=idle.pk).update(hours_total=Decimal("7"))
    assert refresh_totals() == 2
    assert _totals(volunteer_a1, idle) == [(Decimal("100.25"), 1), (Decimal("0.00"), 0)]
    assert Volunteer.objects.get(pk=volunteer_a2.pk).updated_at == stamped  # not rewritten
    # By ids and by areas: only the volunteers asked for.
    Volunteer.objects.update(hours_total=Decimal("9"))
    assert refresh_totals([volunteer_a2.pk, volunteer_a2.pk]) == 1
    assert refresh_totals([]) == 0
    assert refresh_totals(prefixes=["220403002"]) == 1  # B1's idle volunteer
    assert refresh_totals(prefixes=[]) == 0
    assert refresh_totals([volunteer_a1.pk, idle.pk], prefixes=["220403001"]) == 1
    assert _totals(volunteer_a1, volunteer_a2, idle) == [
        (Decimal("100.25"), 1),
        (Decimal("1.75"), 0),
        (Decimal("0.00"), 0),
    ]
    assert refresh_totals(prefixes=[""]) == 0


def test_refresh_totals_is_one_statement_whatever_the_number_of_volunteers(
    statement, users, tree, volunteer_a1, django_assert_num_queries
):
    worker = users["worker_a1"]
    crowd = [make_volunteer(tree["a2"], name=f"志愿者{n}") for n in range(12)]
    for volunteer in [volunteer_a1, *crowd]:
        write_record(volunteer, worker, hours="1.5")
    with django_assert_num_queries(1):
        assert refresh_totals([volunteer_a1.pk]) == 1
    with django_assert_num_queries(1):
        assert refresh_totals(v.pk for v in crowd) == len(crowd)
    Volunteer.objects.update(hours_total=0)
    with django_assert_num_queries(1):
        assert refresh_totals() == 1 + len(crowd)
    Volunteer.objects.update(hours_total=0)
    with django_assert_num_queries(1):
        assert actions.refresh_scope(["220403"]) == 1 + len(crowd)
    with django_assert_num_queries(0):
        assert refresh_totals([]) == 0
        assert actions.refresh_scope([]) == 0
