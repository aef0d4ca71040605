"""Recomputing a plan's values, the sweep, snapshots and reported values: happy paths, refused
actors, bad input with nothing written, and the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.scoping import SYSTEM
from linli.plans.actions import measure as actions
from linli.plans.models import (
    Indicator,
    Measurement,
    Plan,
    Recompute,
    ReportedValue,
    Snapshot,
    SnapshotValue,
)
from linli.plans.queries import values as q

from .engine_fixtures import *  # noqa: F403 (fixtures)
from .engine_fixtures import A1, A2, AS_OF, B1, COUNTY, TOWN_A, YEAR, make_plan

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _counts() -> dict:
    return {
        "recompute": Recompute.objects.count(),
        "measurement": Measurement.objects.count(),
        "snapshot": Snapshot.objects.count(),
        "snapshot_value": SnapshotValue.objects.count(),
        "reported": ReportedValue.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def _actions(prefix: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith=prefix)
        .order_by("id")
        .values_list("action", flat=True)
    )


def _year() -> int:
    return timezone.localdate().year


# --- recompute -----------------------------------------------------------------------------------


def test_recompute_writes_every_area_once(plan, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = actions.plan_recompute(actor=users["county"], plan_id=plan.pk)
    run.refresh_from_db()
    assert run.status == Recompute.Status.DONE and run.year == _year()
    assert run.areas == 8 and run.duration_ms is not None and run.requested_by == users["county"]
    rows = Measurement.objects.filter(plan=plan, year=run.year)
    assert rows.count() == 8
    county = rows.get(area_code=COUNTY)
    assert county.level == 3 and county.name == "西安区"
    assert rows.get(area_code=A1).parent_code == TOWN_A
    assert set(county.values) >= {"facility_coverage", "special_elderly_monthly_visit_rate"}
    assert _actions("plans.recompute") == ["plans.recompute.request", "plans.recompute.done"]
    done = AuditEvent.objects.get(action="plans.recompute.done")
    assert done.extra["areas"] == 8 and done.area_code == COUNTY


def test_recompute_is_idempotent(plan, visits, reported, users):
    first = Recompute.objects.create(plan=plan, year=YEAR)
    actions.recompute_run(first.pk, today=AS_OF)
    before = dict(Measurement.objects.filter(plan=plan).values_list("area_code", "values"))
    second = Recompute.objects.create(plan=plan, year=YEAR)
    actions.recompute_run(second.pk, today=AS_OF)
    after = dict(Measurement.objects.filter(plan=plan).values_list("area_code", "values"))
    assert after == before and Measurement.objects.filter(plan=plan).count() == 8
    # A run already done is not run again.
    finished = Recompute.objects.get(pk=second.pk).finished_at
    again = actions.recompute_run(second.pk, today=AS_OF)
    assert again.status == Recompute.Status.DONE and again.finished_at == finished


def test_a_second_request_gets_the_one_under_way(plan, users):
    first = actions.plan_recompute(actor=users["county"], plan_id=plan.pk)
    second = actions.plan_recompute(actor=users["county"], plan_id=plan.pk)
    assert second.pk == first.pk and Recompute.objects.count() == 1
    assert first.status == Recompute.Status.QUEUED
    other = actions.plan_recompute(actor=users["county"], plan_id=plan.pk, year=2021)
    assert other.pk != first.pk  # another year is another recompute


def test_a_lost_recompute_does_not_block_a_new_one(plan, users):
    lost = actions.plan_recompute(actor=users["county"], plan_id=plan.pk)
    Recompute.objects.filter(pk=lost.pk).update(
        requested_at=timezone.now() - actions.ABANDONED_AFTER - dt.timedelta(minutes=1)
    )
    fresh = actions.plan_recompute(actor=users["county"], plan_id=plan.pk)
    assert fresh.pk != lost.pk
    lost.refresh_from_db()
    assert lost.status == Recompute.Status.FAILED and lost.error


@pytest.mark.parametrize("who", ["town_a", "dept", "head_a1"])
def test_recompute_is_refused_without_plan_manage(plan, users, who):
    before = _counts()
    with pytest.raises(Forbidden):
        actions.plan_recompute(actor=users[who], plan_id=plan.pk)
    assert _counts() == before


def test_recompute_of_a_plan_not_yours_is_not_found(plan, users, capacity_world):
    before = _counts()
    for actor in (capacity_world["neighbour"], users["resident_a1"]):
        with pytest.raises(NotFound):
            actions.plan_recompute(actor=actor, plan_id=plan.pk)
    assert _counts() == before


def test_a_county_officer_may_not_recompute_the_prefectures_plan(users, capacity_world):
    prefecture = make_plan(area_code="220400000000", title="辽源市规划")
    with pytest.raises(Forbidden):
        actions.plan_recompute(actor=users["county"], plan_id=prefecture.pk)


def test_recompute_bad_input_writes_nothing(plan, users, capacity_world):
    template = make_plan(is_template=True, template_key="xian_qu_measure_test")
    orphan = make_plan(area_code="220499000000", title="无区划")
    before = _counts()
    for plan_id, year, field in (
        (plan.pk, 2020, "year"),
        (plan.pk, 2099, "year"),
        (plan.pk, "x", "year"),
        (template.pk, None, "plan"),
        (orphan.pk, None, "plan"),
    ):
        with pytest.raises(ActionError) as caught:
            actions.plan_recompute(actor=SYSTEM, plan_id=plan_id, year=year)
        assert field in caught.value.errors
    assert _counts() == before


def test_a_failed_recompute_keeps_the_values_and_says_why(plan, users, monkeypatch):
    first = Recompute.objects.create(plan=plan, year=YEAR)
    actions.recompute_run(first.pk, today=AS_OF)
    before = dict(Measurement.objects.filter(plan=plan).values_list("area_code", "values"))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("linli.plans.actions.measure.recompute.compute", broken)
    run = Recompute.objects.create(plan=plan, year=YEAR, requested_by=users["county"])
    found = actions.recompute_run(run.pk)
    assert found.status == Recompute.Status.FAILED and "unexpected error" in found.error
    assert dict(Measurement.objects.filter(plan=plan).values_list("area_code", "values")) == before
    assert AuditEvent.objects.filter(action="plans.recompute.fail", actor=users["county"]).exists()


# --- the sweep -----------------------------------------------------------------------------------


def test_refresh_recomputes_the_stale_plans_in_force(plan, users, settings):
    settings.LINLI_PLAN_STALE_MINUTES = 60
    draft = make_plan(title="草稿", status=Plan.Status.DRAFT)
    make_plan(is_template=True, template_key="xian_qu_refresh_test", title="模板")
    assert actions.plans_refresh() == 1  # never computed
    assert Measurement.objects.filter(plan=plan, year=_year()).count() == 8
    assert not Measurement.objects.filter(plan=draft).exists()
    assert actions.plans_refresh() == 0  # fresh
    later = timezone.now() + dt.timedelta(minutes=61)
    assert actions.plans_refresh(now=later) == 1
    run = Recompute.objects.filter(plan=plan).first()
    assert run.requested_by is None and run.status == Recompute.Status.DONE


def test_refresh_skips_a_plan_being_recomputed(plan, users):
    actions.plan_recompute(actor=users["county"], plan_id=plan.pk)  # queued, not run
    assert actions.plans_refresh() == 0


# --- snapshots -----------------------------------------------------------------------------------


def test_snapshot_copies_the_years_values(measured, users, plan):
    snapshot = actions.snapshot_take(
        actor=users["county"], plan_id=plan.pk, label=" 2026年 1—10月 ", year=YEAR, note="报市局"
    )
    assert snapshot.label == "2026年 1—10月" and snapshot.year == YEAR
    assert snapshot.note == "报市局" and snapshot.taken_by == users["county"]
    assert snapshot.measured_at == Measurement.objects.filter(plan=plan).first().computed_at
    rows = SnapshotValue.objects.filter(snapshot=snapshot)
    assert rows.count() == 8
    a1 = rows.get(area_code=A1)
    live = Measurement.objects.get(plan=plan, year=YEAR, area_code=A1)
    assert (a1.parent_code, a1.level, a1.name, a1.values) == (
        live.parent_code,
        live.level,
        live.name,
        live.values,
    )
    assert _actions("plans.snapshot") == ["plans.snapshot.take"]
    # Read-only: recomputing changes the live values, never the snapshot's.
    Measurement.objects.filter(plan=plan).update(values={})
    assert SnapshotValue.objects.get(snapshot=snapshot, area_code=A1).values == live.values


def test_snapshot_bad_input_writes_nothing(measured, users, plan):
    actions.snapshot_take(actor=users["county"], plan_id=plan.pk, label="一", year=YEAR)
    before = _counts()
    with pytest.raises(Conflict) as caught:
        actions.snapshot_take(actor=users["county"], plan_id=plan.pk, label="一", year=YEAR)
    assert "label" in caught.value.errors
    for label, note, year, field in (
        ("", "", YEAR, "label"),
        ("   ", "", YEAR, "label"),
        ("长" * 61, "", YEAR, "label"),
        ("二", "注" * 301, YEAR, "note"),
        ("二", "", 2020, "year"),
        ("二", "", 2022, "year"),  # never computed
    ):
        with pytest.raises(ActionError) as caught:
            actions.snapshot_take(
                actor=users["county"], plan_id=plan.pk, label=label, year=year, note=note
            )
        assert field in caught.value.errors, (label, year)
    assert _counts() == before


def test_snapshot_refused_actors(measured, users, plan, capacity_world):
    before = _counts()
    with pytest.raises(Forbidden):
        actions.snapshot_take(actor=users["town_a"], plan_id=plan.pk, label="镇", year=YEAR)
    with pytest.raises(NotFound):
        actions.snapshot_take(
            actor=capacity_world["neighbour"], plan_id=plan.pk, label="邻", year=YEAR
        )
    assert _counts() == before


def test_snapshot_remove(measured, users, plan, capacity_world):
    snapshot = actions.snapshot_take(actor=users["county"], plan_id=plan.pk, label="一", year=YEAR)
    with pytest.raises(Forbidden):
        actions.snapshot_remove(actor=users["town_a"], snapshot_id=snapshot.pk)
    with pytest.raises(NotFound):
        actions.snapshot_remove(actor=capacity_world["neighbour"], snapshot_id=snapshot.pk)
    other = make_plan(title="另一个")
    with pytest.raises(NotFound):
        actions.snapshot_remove(actor=users["county"], snapshot_id=snapshot.pk, plan_id=other.pk)
    assert Snapshot.objects.filter(pk=snapshot.pk).exists()
    actions.snapshot_remove(actor=users["county"], snapshot_id=snapshot.pk, plan_id=plan.pk)
    assert not Snapshot.objects.exists() and not SnapshotValue.objects.exists()
    event = AuditEvent.objects.get(action="plans.snapshot.remove")
    assert event.target_id == str(snapshot.pk) and event.actor == users["county"]


# --- reported values -----------------------------------------------------------------------------


def _surveys() -> Indicator:
    return Indicator.objects.get(area_code="", key="satisfaction_survey_coverage")


def _paths() -> Indicator:
    return Indicator.objects.get(area_code=COUNTY, key="fitness_paths_km")


def test_report_a_value_with_evidence(plan, users, media):
    row = actions.reported_value_set(
        actor=users["head_a1"],
        indicator_id=_surveys().pk,
        area_code=A1,
        year=YEAR,
        numerator="1",
        denominator="1",
        note="社区台账",
        evidence=SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf"),
    )
    assert (row.numerator, row.denominator, row.note) == (Decimal(1), Decimal(1), "社区台账")
    assert row.entered_by == users["head_a1"] and row.evidence_name == "台账.pdf"
    assert row.evidence.name.startswith("plans/")
    stored = media / row.evidence.name
    assert stored.read_bytes() == PDF
    # Replaced without a file: the kept file stays.
    again = actions.reported_value_set(
        actor=users["town_a"], indicator_id=_surveys().pk, area_code=A1, year=YEAR,
        numerator=0, denominator=1,
    )  # fmt: skip
    assert again.pk == row.pk and again.numerator == 0 and again.evidence_name == "台账.pdf"
    assert again.entered_by == users["town_a"]
    events = AuditEvent.objects.filter(action="plans.reported.set").order_by("id")
    assert [e.extra["created"] for e in events] == [True, False]
    assert events[0].area_code == A1


def test_a_total_and_a_countys_own_indicator(plan, users):
    row = actions.reported_value_set(
        actor=users["county"], indicator_id=_paths().pk, area_code=TOWN_A, year=YEAR,
        numerator="12.25",
    )  # fmt: skip
    assert row.numerator == Decimal("12.25") and row.denominator is None


def test_reported_bad_input_writes_nothing(plan, users, media):
    before = _counts()
    surveys, paths = _surveys().pk, _paths().pk
    computed = Indicator.objects.get(area_code="", key="facility_coverage").pk
    teams = Indicator.objects.get(area_code="", key="volunteer_team_coverage").pk
    cases = [
        ({"indicator_id": computed}, "indicator"),
        ({"indicator_id": teams}, "indicator"),  # computed from the volunteer teams
        ({"numerator": ""}, "numerator"),
        ({"numerator": "abc"}, "numerator"),
        ({"numerator": "-1"}, "numerator"),
        ({"numerator": "NaN"}, "numerator"),
        ({"numerator": "1.00001"}, "numerator"),
        ({"numerator": "1e20"}, "numerator"),
        ({"denominator": ""}, "denominator"),
        ({"denominator": "0"}, "denominator"),
        ({"numerator": "3", "denominator": "2"}, "numerator"),  # a percentage above 100
        ({"indicator_id": paths, "denominator": "2"}, "denominator"),
        ({"year": _year() + 1}, "year"),
        ({"year": 1999}, "year"),
        ({"year": "x"}, "year"),
        ({"area_code": "22040300100"}, "area_code"),
        ({"area_code": "220403001001001"}, "area_code"),  # a grid
        ({"note": "注" * 301}, "note"),
        ({"evidence": SimpleUploadedFile("a.txt", b"hello")}, "evidence"),
    ]
    for change, field in cases:
        data = {
            "indicator_id": surveys,
            "area_code": A1,
            "year": YEAR,
            "numerator": "1",
            "denominator": "2",
            **change,
        }
        with pytest.raises(ActionError) as caught:
            actions.reported_value_set(actor=users["county"], **data)
        assert field in caught.value.errors, change
    assert _counts() == before
    assert not list(media.rglob("*.*")) if media.exists() else True


def test_reported_refused_actors(plan, users, capacity_world):
    before = _counts()
    data = {"indicator_id": _surveys().pk, "year": YEAR, "numerator": 1, "denominator": 1}
    with pytest.raises(NotFound):  # not theirs to see
        actions.reported_value_set(actor=users["town_a"], area_code=B1, **data)
    with pytest.raises(NotFound):
        actions.reported_value_set(actor=users["head_a1"], area_code=A2, **data)
    with pytest.raises(NotFound):
        actions.reported_value_set(actor=capacity_world["neighbour"], area_code=A1, **data)
    with pytest.raises(NotFound):
        actions.reported_value_set(actor=users["resident_a1"], area_code=A1, **data)
    with pytest.raises(NotFound):  # a county's own indicator is the county's
        actions.reported_value_set(
            actor=capacity_world["neighbour"],
            indicator_id=_paths().pk,
            area_code="220402001001",
            year=YEAR,
            numerator=1,
        )
    with pytest.raises(NotFound):  # an indicator the plan does not measure
        other = make_plan(title="另一个")
        actions.reported_value_set(actor=users["county"], area_code=A1, plan_id=other.pk, **data)
    assert _counts() == before


def test_another_jurisdictions_indicator_is_refused(plan, users, capacity_world):
    from .engine_fixtures import indicator

    theirs = indicator(
        "neighbour_paths", area_code="220402000000", source=Indicator.Source.REPORTED,
        aggregation=Indicator.Aggregation.TOTAL,
    )  # fmt: skip
    with pytest.raises(ActionError) as caught:
        actions.reported_value_set(
            actor=users["county"], indicator_id=theirs.pk, area_code=A1, year=YEAR, numerator=1
        )
    assert "indicator" in caught.value.errors


def test_a_reported_value_recomputes_the_plans_measuring_it(
    plan, users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.reported_value_set(
            actor=users["head_a1"], indicator_id=_surveys().pk, area_code=A1,
            year=_year(), numerator=1, denominator=1,
        )  # fmt: skip
    run = Recompute.objects.get(plan=plan)
    assert run.requested_by is None and run.status == Recompute.Status.DONE
    board = q.plan_board(actor=users["head_a1"], plan_id=plan.pk)
    item = next(i for i in board.items if i.indicator.key == "satisfaction_survey_coverage")
    assert item.cell.value == Decimal(100) and item.cell.source == "reported"


def test_a_draft_plan_is_not_recomputed_on_report(plan, users):
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.DRAFT)
    actions.reported_value_set(
        actor=users["head_a1"], indicator_id=_surveys().pk, area_code=A1,
        year=YEAR, numerator=1, denominator=1,
    )  # fmt: skip
    assert not Recompute.objects.exists()


def test_remove_a_reported_value(plan, users, media):
    row = actions.reported_value_set(
        actor=users["head_a1"], indicator_id=_surveys().pk, area_code=A1, year=YEAR,
        numerator=1, denominator=1,
        evidence=SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    with pytest.raises(NotFound):
        actions.reported_value_remove(actor=users["town_b"], reported_id=row.pk)
    with pytest.raises(NotFound):
        actions.reported_value_remove(actor=users["worker_a1"], reported_id=row.pk)
    other = make_plan(title="另一个")
    with pytest.raises(NotFound):
        actions.reported_value_remove(actor=users["county"], reported_id=row.pk, plan_id=other.pk)
    assert ReportedValue.objects.filter(pk=row.pk).exists()
    actions.reported_value_remove(actor=users["town_a"], reported_id=row.pk)
    assert not ReportedValue.objects.exists()
    assert AuditEvent.objects.filter(action="plans.reported.remove").count() == 1


def test_evidence_is_handed_out_with_an_audit_event(plan, users, media, capacity_world):
    row = actions.reported_value_set(
        actor=users["head_a1"], indicator_id=_surveys().pk, area_code=A1, year=YEAR,
        numerator=1, denominator=1,
        evidence=SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    found = actions.reported_evidence(actor=users["town_a"], reported_id=row.pk)
    mine = actions.reported_evidence(actor=users["head_a1"], reported_id=row.pk)
    assert mine.pk == row.pk
    assert found.pk == row.pk
    events = AuditEvent.objects.filter(action="plans.reported.evidence").order_by("id")
    assert [e.actor for e in events] == [users["town_a"], users["head_a1"]]
    assert events[0].target_id == str(row.pk)
    for actor in (users["town_b"], users["worker_a1"]):
        with pytest.raises(NotFound):
            actions.reported_evidence(actor=actor, reported_id=row.pk)
    with pytest.raises(NotFound):
        actions.reported_evidence(actor=capacity_world["neighbour"], reported_id=row.pk)
    bare = actions.reported_value_set(
        actor=users["head_a1"], indicator_id=_surveys().pk, area_code=A1, year=YEAR - 1,
        numerator=1, denominator=1,
    )  # fmt: skip
    with pytest.raises(NotFound):
        actions.reported_evidence(actor=users["county"], reported_id=bare.pk)
