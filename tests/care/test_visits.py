"""Care visits: recording a visit at the door and what it counts for, the needs it finds, a need
turned into an appeal, the notes of a care archive, and the reads that show them — each for the
happy path, the refused actor (the neighbouring community, another town, a resident) and bad
input (a clear error, nothing written). The race of one form sent twice at once runs on
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from linli.appeals.models import Channel
from linli.care import actions, queries
from linli.care.models import Need, Plan, Subject, Visit, VisitPhoto
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.scoping import SYSTEM
from tests.care.visits_fixtures import *  # noqa: F403
from tests.care.visits_fixtures import png

# --- recording a visit ---------------------------------------------------------------------------


def test_a_visit_is_recorded_and_meets_the_plan(users, care, visit_data):
    data = visit_data(
        needs=[{"kind": "meals", "description": "做饭困难，需要助餐", "urgency": "urgent"}]
    )
    visit = actions.visit_record(actor=users["grid_a1"], **data)

    assert visit.replayed is False
    assert visit.subject_id == care["subjects"]["li"].pk
    assert visit.area_code == care["subjects"]["li"].area_code == "220403001001001"
    assert visit.worker == users["grid_a1"]
    assert visit.concerns == 2
    assert visit.checks == {
        "health": "ok",
        "safety_gas": "concern",
        "food": "na",
        "mood": "concern",
    }
    assert visit.plan_id == care["plans"]["li"].pk
    plan = Plan.objects.get(pk=care["plans"]["li"].pk)
    assert (plan.done, plan.status) == (1, Plan.Status.DONE)
    assert plan.last_visit_at == visit.visited_at
    need = Need.objects.get(visit=visit)
    assert (need.kind, need.urgency, need.area_code) == ("meals", "urgent", visit.area_code)
    assert need.subject_id == visit.subject_id and need.created_by == users["grid_a1"]
    # The notes are encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM care_visit WHERE id = %s", [visit.pk])
        stored = cursor.fetchone()[0]
    assert "血压" not in stored
    assert Visit.objects.get(pk=visit.pk).notes == "血压偏高，按时服药"

    event = AuditEvent.objects.get(action="care.visit.record")
    assert event.target_id == str(visit.pk) and event.area_code == visit.area_code
    assert event.extra == {
        "subject": visit.subject_id,
        "plan": plan.pk,
        "counted": True,
        "mode": "home",
        "concerns": 2,
        "needs": [need.pk],
        "photos": 0,
    }


def test_a_plan_of_two_visits_is_met_by_the_second(users, care, visit_data):
    plan = care["plans"]["wang"]
    first = actions.visit_record(actor=users["worker_a1"], **visit_data("wang"))
    plan.refresh_from_db()
    assert (plan.done, plan.status) == (1, Plan.Status.OPEN)
    earlier = first.visited_at - dt.timedelta(minutes=30)
    actions.visit_record(actor=users["worker_a1"], **visit_data("wang", visited_at=earlier))
    plan.refresh_from_db()
    assert (plan.done, plan.status) == (2, Plan.Status.DONE)
    # A visit recorded late for an earlier time does not move the last visit back.
    assert plan.last_visit_at == first.visited_at


def test_nobody_at_home_is_an_attempt_not_a_visit_of_the_plan(users, care, visit_data):
    visit = actions.visit_record(
        actor=users["grid_a1"], **visit_data(saw="nobody", checks={}, notes="敲门无人应答")
    )
    assert visit.pk and visit.plan_id is None
    plan = Plan.objects.get(pk=care["plans"]["li"].pk)
    assert (plan.done, plan.status) == (0, Plan.Status.OPEN)
    assert AuditEvent.objects.get(action="care.visit.record").extra["counted"] is False
    # Nobody answering the telephone is no visit either; reaching a relative by video is.
    actions.visit_record(actor=users["grid_a1"], **visit_data(mode="phone", saw="nobody"))
    plan.refresh_from_db()
    assert plan.done == 0
    actions.visit_record(actor=users["grid_a1"], **visit_data(mode="video", saw="family"))
    plan.refresh_from_db()
    assert (plan.done, plan.status) == (1, Plan.Status.DONE)


def test_a_person_without_a_plan_that_month_still_gets_the_visit(users, care, visit_data):
    last_month = care["month"] - dt.timedelta(days=1)
    when = timezone.make_aware(dt.datetime.combine(last_month, dt.time(10, 0)))
    if timezone.now() - when > dt.timedelta(days=60):  # pragma: no cover - never at month end
        pytest.skip("last month is out of the recording window")
    visit = actions.visit_record(actor=users["grid_a1"], **visit_data(visited_at=when))
    assert visit.plan_id is None
    assert Plan.objects.get(pk=care["plans"]["li"].pk).done == 0
    assert queries.visit_get(actor=users["grid_a1"], visit_id=visit.pk) == visit


def test_a_dropped_plan_counts_a_visit_made_before_the_drop(users, care, visit_data):
    plan = care["plans"]["li"]
    Plan.objects.filter(pk=plan.pk).update(
        status=Plan.Status.DROPPED, dropped_on=timezone.localdate(), drop_reason="moved"
    )
    actions.visit_record(actor=users["grid_a1"], **visit_data())
    plan.refresh_from_db()
    assert (plan.done, plan.status) == (1, Plan.Status.DROPPED)


def test_the_same_form_sent_twice_records_one_visit(users, care, visit_data, table_counts):
    data = visit_data(needs=[{"kind": "health", "description": "需要上门体检"}])
    first = actions.visit_record(actor=users["grid_a1"], **data)
    before = table_counts()
    again = actions.visit_record(actor=users["grid_a1"], **{**data, "notes": "changed"})
    assert again.pk == first.pk and again.replayed is True
    assert again.notes == "血压偏高，按时服药"  # unchanged
    assert table_counts() == before
    assert Plan.objects.get(pk=care["plans"]["li"].pk).done == 1
    # The same key from another worker is another form.
    other = actions.visit_record(actor=users["worker_a1"], **data)
    assert other.pk != first.pk
    # The same key for someone else is refused, not silently answered with the wrong visit.
    with pytest.raises(Conflict) as caught:
        actions.visit_record(
            actor=users["worker_a1"], **{**data, "subject_id": care["subjects"]["wang"].pk}
        )
    assert "client_key" in caught.value.errors


def test_the_database_refuses_a_second_visit_with_the_same_key(users, care):
    subject = care["subjects"]["li"]
    row = {
        "subject": subject,
        "resident_id": subject.resident_id,
        "area_code": subject.area_code,
        "worker": users["grid_a1"],
        "visited_at": timezone.now(),
        "mode": "home",
        "saw": "person",
        "client_key": uuid.uuid4(),
    }
    Visit.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(**row)


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        ("worker_a2", NotFound),  # the neighbouring community
        ("town_b", NotFound),  # another town
        ("resident_a1", NotFound),  # a resident
        ("town_a", Forbidden),  # sees the roster, does not visit
        ("county", Forbidden),
    ],
)
def test_who_may_not_record_a_visit(users, care, visit_data, table_counts, actor, error):
    before = table_counts()
    with pytest.raises(error):
        actions.visit_record(actor=users[actor], **visit_data())
    assert table_counts() == before


def test_a_grid_worker_records_only_in_their_grid(users, care, visit_data):
    with pytest.raises(NotFound):
        actions.visit_record(actor=users["grid_a1"], **visit_data("wang"))  # A1, in no grid
    assert actions.visit_record(actor=users["head_a1"], **visit_data("wang")).pk


def test_the_platform_itself_records_no_visits(care, visit_data):
    with pytest.raises(Forbidden):
        actions.visit_record(actor=SYSTEM, **visit_data())


def _future():
    return timezone.now() + dt.timedelta(minutes=30)


def _too_old():
    return timezone.now() - dt.timedelta(days=61)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"visited_at": _future}, "visited_at"),
        ({"visited_at": _too_old}, "visited_at"),
        ({"visited_at": "yesterday"}, "visited_at"),
        ({"visited_at": None}, "visited_at"),
        ({"mode": "letter"}, "mode"),
        ({"saw": "someone"}, "saw"),
        ({"checks": {"garden": "ok"}}, "checks"),
        ({"checks": {"health": "bad"}}, "checks.health"),
        ({"checks": ["health"]}, "checks"),
        ({"notes": "长" * 2001}, "notes"),
        ({"needs": [{"kind": "money", "description": "x"}]}, "needs.0.kind"),
        ({"needs": [{"kind": "meals", "description": "  "}]}, "needs.0.description"),
        ({"needs": [{"kind": "meals", "description": "x" * 1001}]}, "needs.0.description"),
        (
            {"needs": [{"kind": "meals", "description": "助餐", "urgency": "now"}]},
            "needs.0.urgency",
        ),
        ({"needs": ["助餐"]}, "needs.0"),
        ({"needs": [{"kind": "meals", "description": "助餐"}] * 11}, "needs"),
        ({"client_key": "not-a-uuid"}, "client_key"),
        ({"client_key": ""}, "client_key"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    users, care, visit_data, table_counts, overrides, field
):
    overrides = {k: (v() if callable(v) else v) for k, v in overrides.items()}
    before = table_counts()
    with pytest.raises(ActionError) as caught:
        actions.visit_record(actor=users["grid_a1"], **visit_data(**overrides))
    assert field in caught.value.errors, caught.value.errors
    assert table_counts() == before


def test_a_visit_allows_ten_minutes_of_clock_difference(users, care, visit_data):
    soon = timezone.now() + dt.timedelta(minutes=9)
    assert actions.visit_record(actor=users["grid_a1"], **visit_data(visited_at=soon)).pk
    naive = timezone.localtime().replace(tzinfo=None) - dt.timedelta(hours=1)
    visit = actions.visit_record(actor=users["grid_a1"], **visit_data(visited_at=naive))
    assert timezone.localtime(visit.visited_at).replace(tzinfo=None) == naive


def test_no_visit_after_the_person_left_the_roster(users, care, visit_data, table_counts):
    subject = care["subjects"]["li"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Subject.objects.filter(pk=subject.pk).update(ended_on=yesterday, end_reason="died")
    before = table_counts()
    with pytest.raises(ActionError) as caught:
        actions.visit_record(actor=users["grid_a1"], **visit_data())
    assert "visited_at" in caught.value.errors
    assert table_counts() == before
    # A visit made before that day may still be written down.
    when = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(9, 0)))
    assert actions.visit_record(actor=users["grid_a1"], **visit_data(visited_at=when)).pk


def test_photos_are_re_encoded_and_bad_files_refused(users, care, visit_data, media, table_counts):
    visit = actions.visit_record(
        actor=users["grid_a1"], **visit_data(photos=[png(), png("b.png", (3000, 2000))])
    )
    photos = list(VisitPhoto.objects.filter(visit=visit).order_by("id"))
    assert len(photos) == 2
    assert photos[1].width == 1600 and photos[1].height == 1067
    assert photos[0].file.read(3) == b"\xff\xd8\xff"  # a JPEG
    assert AuditEvent.objects.get(action="care.visit.record").extra["photos"] == 2

    before = table_counts()
    text = SimpleUploadedFile("notes.txt", b"not a photo", content_type="image/png")
    with pytest.raises(ActionError) as caught:
        actions.visit_record(actor=users["grid_a1"], **visit_data(photos=[text]))
    assert "photos" in caught.value.errors
    assert table_counts() == before


def test_photos_added_after_the_visit(users, care, visit_data, media):
    visit = actions.visit_record(actor=users["grid_a1"], **visit_data(photos=[png()]))
    rows = actions.visit_photo_add(actor=users["grid_a1"], visit_id=visit.pk, photos=[png()] * 2)
    assert len(rows) == 2 and visit.photos.count() == 3
    with pytest.raises(ActionError) as caught:
        actions.visit_photo_add(actor=users["grid_a1"], visit_id=visit.pk, photos=[png()] * 4)
    assert "photos" in caught.value.errors and visit.photos.count() == 3
    with pytest.raises(ActionError):
        actions.visit_photo_add(actor=users["grid_a1"], visit_id=visit.pk, photos=[])
    # Another worker of the community sees the visit but its photos are the visitor's to add.
    with pytest.raises(Forbidden):
        actions.visit_photo_add(actor=users["worker_a1"], visit_id=visit.pk, photos=[png()])
    with pytest.raises(NotFound):
        actions.visit_photo_add(actor=users["worker_a2"], visit_id=visit.pk, photos=[png()])
    assert AuditEvent.objects.filter(action="care.visit.photos").count() == 1


# --- needs ---------------------------------------------------------------------------------------


def test_a_need_is_added_for_a_person_and_marked_met(users, care, visit_data):
    visit = actions.visit_record(actor=users["grid_a1"], **visit_data())
    need = actions.need_add(
        actor=users["grid_a1"],
        subject_id=care["subjects"]["li"].pk,
        kind="housing",
        description="卫生间扶手松动",
        visit_id=visit.pk,
    )
    assert need.visit == visit and need.urgency == "normal"
    assert AuditEvent.objects.get(action="care.need.add").extra["visit"] == visit.pk

    met = actions.need_met(actor=users["grid_a1"], need_id=need.pk)
    assert met.met_on == timezone.localdate()
    assert Need.objects.get(pk=need.pk).met_on == timezone.localdate()
    with pytest.raises(Conflict):
        actions.need_met(actor=users["grid_a1"], need_id=need.pk)


def test_needs_refuse_bad_input_and_other_areas(users, care, visit_data, table_counts):
    li, wang = care["subjects"]["li"], care["subjects"]["wang"]
    wangs_visit = actions.visit_record(actor=users["worker_a1"], **visit_data("wang"))
    before = table_counts()
    cases = [
        ({"kind": "money", "description": "补贴"}, "kind"),
        ({"kind": "finance", "description": ""}, "description"),
        ({"kind": "finance", "description": "补贴", "urgency": "high"}, "urgency"),
        ({"kind": "finance", "description": "补贴", "visit_id": wangs_visit.pk}, "visit_id"),
        ({"kind": "finance", "description": "补贴", "visit_id": "x"}, "visit_id"),
    ]
    for data, field in cases:
        with pytest.raises(ActionError) as caught:
            actions.need_add(actor=users["worker_a1"], subject_id=li.pk, **data)
        assert field in caught.value.errors, data
    with pytest.raises(NotFound):
        actions.need_add(
            actor=users["worker_a2"], subject_id=wang.pk, kind="meals", description="x"
        )
    with pytest.raises(Forbidden):
        actions.need_add(actor=users["town_a"], subject_id=wang.pk, kind="meals", description="x")
    assert table_counts() == before


def test_meeting_a_need_checks_the_date_and_the_actor(users, care):
    need = actions.need_add(
        actor=users["head_a1"],
        subject_id=care["subjects"]["wang"].pk,
        kind="meals",
        description="助餐",
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ActionError) as caught:
        actions.need_met(actor=users["head_a1"], need_id=need.pk, met_on=tomorrow)
    assert "met_on" in caught.value.errors
    with pytest.raises(ActionError):
        actions.need_met(actor=users["head_a1"], need_id=need.pk, met_on="2020-01-01")
    with pytest.raises(ActionError):
        actions.need_met(actor=users["head_a1"], need_id=need.pk, met_on="soon")
    with pytest.raises(NotFound):
        actions.need_met(actor=users["worker_a2"], need_id=need.pk)
    with pytest.raises(Forbidden):
        actions.need_met(actor=users["town_a"], need_id=need.pk)
    assert Need.objects.get(pk=need.pk).met_on is None


# --- a need becomes an appeal ------------------------------------------------------------------


@pytest.fixture
def need(users, care, visit_data):
    visit = actions.visit_record(
        actor=users["grid_a1"],
        **visit_data(needs=[{"kind": "daily_care", "description": "行动不便，需要助浴服务"}]),
    )
    return visit.needs.get()


def test_a_need_becomes_an_appeal_in_one_step(users, care, need, catalogue):
    appeal = actions.need_to_appeal(actor=users["grid_a1"], need_id=need.pk)

    assert appeal.channel == Channel.CARE_VISIT
    assert appeal.resident_id == care["people"]["li"].pk
    assert appeal.area_code == need.area_code
    assert appeal.category == catalogue["elderly"]
    assert "行动不便，需要助浴服务" in appeal.description
    assert appeal.address == care["people"]["li"].household.address
    assert appeal.contact_name == "李四"
    assert appeal.entered_by == users["grid_a1"]
    assert "李四" not in appeal.title
    need.refresh_from_db()
    assert need.appeal == appeal
    event = AuditEvent.objects.get(action="care.need.appeal")
    assert event.extra == {
        "subject": need.subject_id,
        "appeal": appeal.pk,
        "category": appeal.category_id,
    }
    assert AuditEvent.objects.filter(action="appeal.submit", target_id=str(appeal.pk)).exists()

    with pytest.raises(Conflict) as caught:
        actions.need_to_appeal(actor=users["grid_a1"], need_id=need.pk)
    assert caught.value.code == "need-has-appeal" and appeal.number in caught.value.message


def test_the_default_category_follows_the_need_and_the_person(users, care, catalogue):
    wang = care["subjects"]["wang"]  # a person with a disability: not the elderly-care desk
    meals = actions.need_add(
        actor=users["head_a1"], subject_id=wang.pk, kind="meals", description="需要助餐服务"
    )
    legal = actions.need_add(
        actor=users["head_a1"], subject_id=wang.pk, kind="legal", description="遗产纠纷咨询"
    )
    assert (
        actions.need_to_appeal(actor=users["head_a1"], need_id=meals.pk).category
        == catalogue["assistance"]
    )
    assert (
        actions.need_to_appeal(actor=users["head_a1"], need_id=legal.pk).category
        == catalogue["policy"]
    )
    # A category that the county closed falls back to "something else".
    catalogue["health"].active = False
    catalogue["health"].save()
    health = actions.need_add(
        actor=users["head_a1"], subject_id=wang.pk, kind="health", description="需要家庭医生"
    )
    assert (
        actions.need_to_appeal(actor=users["head_a1"], need_id=health.pk).category
        == catalogue["other"]
    )


def test_a_chosen_category_is_used(users, need, catalogue):
    appeal = actions.need_to_appeal(
        actor=users["grid_a1"], need_id=need.pk, category_id=catalogue["assistance"].pk
    )
    assert appeal.category == catalogue["assistance"]


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        ("worker_a2", NotFound),
        ("town_b", NotFound),
        ("resident_a1", NotFound),
        ("town_a", Forbidden),
    ],
)
def test_who_may_not_turn_a_need_into_an_appeal(users, need, catalogue, table_counts, actor, error):
    before = table_counts()
    with pytest.raises(error):
        actions.need_to_appeal(actor=users[actor], need_id=need.pk)
    assert table_counts() == before


def test_an_appeal_needs_a_category_and_an_open_need(users, need, table_counts, catalogue):
    before = table_counts()
    with pytest.raises(ActionError) as caught:
        actions.need_to_appeal(actor=users["grid_a1"], need_id=need.pk, category_id=999999)
    assert "category" in caught.value.errors
    assert table_counts() == before
    actions.need_met(actor=users["grid_a1"], need_id=need.pk)
    with pytest.raises(Conflict):
        actions.need_to_appeal(actor=users["grid_a1"], need_id=need.pk)


def test_without_a_catalogue_the_worker_is_asked_for_a_category(users, need, table_counts):
    before = table_counts()
    with pytest.raises(ActionError) as caught:
        actions.need_to_appeal(actor=users["grid_a1"], need_id=need.pk)
    assert "category" in caught.value.errors
    assert table_counts() == before


# --- the notes of the archive --------------------------------------------------------------------


def test_notes_are_written_and_read_with_an_audit_row_each(users, care):
    li = care["subjects"]["li"]
    actions.subject_notes_update(
        actor=users["grid_a1"],
        subject_id=li.pk,
        health_notes="高血压，糖尿病",
        living_notes="独居，女儿每周来一次",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT health_notes FROM care_subject WHERE id = %s", [li.pk])
        assert "高血压" not in cursor.fetchone()[0]
    update = AuditEvent.objects.get(action="care.notes.update")
    assert update.extra == {"resident": li.resident_id, "health": True, "living": True}

    notes = actions.subject_notes_reveal(actor=users["head_a1"], subject_id=li.pk)
    assert notes["health_notes"] == "高血压，糖尿病"
    assert notes["living_notes"] == "独居，女儿每周来一次"
    assert notes["updated_by"] == "grid_a1" and notes["updated_at"] is not None
    reveal = AuditEvent.objects.get(action="care.notes.reveal")
    assert reveal.actor == users["head_a1"] and reveal.target_id == str(li.pk)
    assert reveal.extra == {"resident": li.resident_id}

    actions.subject_notes_update(
        actor=users["grid_a1"],
        subject_id=li.pk,
        health_notes="",
        living_notes="独居，女儿每周来一次",
    )
    li.refresh_from_db()
    assert li.health_notes is None
    assert (
        AuditEvent.objects.filter(action="care.notes.update").order_by("id").last().extra["living"]
        is False
    )


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        ("worker_a2", NotFound),
        ("town_b", NotFound),
        ("resident_a1", NotFound),
        ("town_a", Forbidden),
        ("county", Forbidden),
    ],
)
def test_who_may_not_read_or_write_notes(users, care, actor, error):
    li = care["subjects"]["li"]
    with pytest.raises(error):
        actions.subject_notes_reveal(actor=users[actor], subject_id=li.pk)
    with pytest.raises(error):
        actions.subject_notes_update(
            actor=users[actor], subject_id=li.pk, health_notes="x", living_notes=""
        )
    assert not AuditEvent.objects.filter(action__startswith="care.notes").exists()


def test_notes_too_long_are_refused(users, care):
    li = care["subjects"]["li"]
    with pytest.raises(ActionError) as caught:
        actions.subject_notes_update(
            actor=users["grid_a1"], subject_id=li.pk, health_notes="x" * 2001, living_notes=""
        )
    assert "health_notes" in caught.value.errors
    li.refresh_from_db()
    assert li.health_notes is None and li.notes_updated_at is None


# --- reading ---------------------------------------------------------------------------------------


def test_lists_are_scoped_to_the_actors_areas(users, care, visit_data):
    li = actions.visit_record(
        actor=users["grid_a1"], **visit_data(needs=[{"kind": "meals", "description": "助餐"}])
    )
    zhao = actions.visit_record(
        actor=users["worker_a2"],
        **visit_data("zhao", needs=[{"kind": "company", "description": "陪聊"}]),
    )
    ids = lambda page: [row.pk for row in page.object_list]  # noqa: E731
    assert ids(queries.visit_list(actor=users["worker_a1"])) == [li.pk]
    assert ids(queries.visit_list(actor=users["worker_a2"])) == [zhao.pk]
    assert ids(queries.visit_list(actor=users["town_b"])) == []
    assert sorted(ids(queries.visit_list(actor=users["county"]))) == sorted([li.pk, zhao.pk])
    assert [n.visit_id for n in queries.need_list(actor=users["worker_a2"]).object_list] == [
        zhao.pk
    ]
    for actor in ("worker_a2", "town_b", "resident_a1"):
        with pytest.raises(NotFound):
            queries.visit_get(actor=users[actor], visit_id=li.pk)
        with pytest.raises(NotFound):
            queries.subject_archive(actor=users[actor], subject_id=care["subjects"]["li"].pk)
        with pytest.raises(NotFound):
            queries.need_get(actor=users[actor], need_id=li.needs.get().pk)


def test_visit_filters(users, care, visit_data):
    mine = actions.visit_record(actor=users["grid_a1"], **visit_data(checks={"mood": "ok"}))
    theirs = actions.visit_record(actor=users["head_a1"], **visit_data("wang"))
    head = users["head_a1"]
    rows = lambda **f: [v.pk for v in queries.visit_search(actor=head, **f)]  # noqa: E731
    assert rows(worker_id=users["grid_a1"].pk) == [mine.pk]
    assert rows(concerns_only=True) == [theirs.pk]
    assert sorted(rows(month=care["month"].strftime("%Y-%m"))) == sorted([mine.pk, theirs.pk])
    assert rows(month="2001-01") == []
    assert rows(area_code="220403001001001") == [mine.pk]
    assert rows(subject_id=care["subjects"]["wang"].pk) == [theirs.pk]
    with pytest.raises(ActionError):
        rows(month="January")
    with pytest.raises(ActionError):
        rows(area_code="22x")
    row = queries.visit_search(actor=head).get(pk=theirs.pk)
    assert (row.photo_count, row.need_count) == (0, 0)


def test_open_needs_come_urgent_first_then_oldest(users, care):
    wang = care["subjects"]["wang"].pk
    add = lambda kind, urgency="normal": actions.need_add(  # noqa: E731
        actor=users["head_a1"], subject_id=wang, kind=kind, description="说明", urgency=urgency
    )
    old, urgent, met = add("meals"), add("health", "urgent"), add("company")
    actions.need_met(actor=users["head_a1"], need_id=met.pk)
    open_ids = [n.pk for n in queries.need_list(actor=users["head_a1"]).object_list]
    assert open_ids == [urgent.pk, old.pk]
    every = [n.pk for n in queries.need_list(actor=users["head_a1"], open_only=False).object_list]
    assert every == [met.pk, urgent.pk, old.pk]


def test_the_archive_shows_twelve_months_and_the_plan(users, care, visit_data):
    li = care["subjects"]["li"]
    month = care["month"]
    two_back = (month - dt.timedelta(days=40)).replace(day=1)
    from tests.care.visits_fixtures import _plan

    missed = _plan(li, two_back, users["grid_a1"])
    actions.visit_record(actor=users["grid_a1"], **visit_data())
    archive = queries.subject_archive(actor=users["grid_a1"], subject_id=li.pk)

    assert len(archive.months) == 12 and archive.months[-1].month == month
    assert archive.months[-1].state == "met" and archive.months[-1].plan.done == 1
    by_month = {cell.month: cell.state for cell in archive.months}
    assert by_month[two_back] == "missed" and missed.pk
    assert list(by_month.values()).count("none") == 10
    assert archive.plan.pk == care["plans"]["li"].pk and archive.worker == users["grid_a1"]
    assert archive.days_left == care["plans"]["li"].days_left()
    assert archive.phone_masked == "136****5432"
    assert [tag.code for tag in archive.groups] == ["special_elderly.living_alone"]
    assert archive.visits.paginator.count == 1
    assert archive.can_visit and archive.can_read_notes and archive.can_raise_appeal
    town = queries.subject_archive(actor=users["town_a"], subject_id=li.pk)
    assert not town.can_visit and not town.can_read_notes and not town.can_raise_appeal


# --- the race (PostgreSQL) -------------------------------------------------------------------------

from tests.appeals.test_concurrency import (  # noqa: E402, F401 (a fixture)
    _audit_unguarded,
    postgres_only,
    race,
    slow,
)


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_audit_unguarded")
def test_one_form_sent_twice_at_once_records_one_visit(users, care, visit_data, monkeypatch):
    from linli.care.actions import visits as visit_actions

    data = visit_data(needs=[{"kind": "meals", "description": "助餐"}])
    # Each request lingers after its check for an earlier visit, so all of them pass it and
    # meet at the insert, where the unique (worker, client_key) lets one through.
    passed = []
    lingering = slow(visit_actions.clean_photos)

    def clean_photos(*args, **kwargs):
        passed.append(1)
        return lingering(*args, **kwargs)

    monkeypatch.setattr(visit_actions, "clean_photos", clean_photos)
    results = race(
        lambda: actions.visit_record(actor=users["grid_a1"], **data),
        lambda: actions.visit_record(actor=users["grid_a1"], **data),
        lambda: actions.visit_record(actor=users["grid_a1"], **data),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert len(passed) == 3
    assert len({r.pk for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False, True, True]
    assert Visit.objects.count() == 1 and Need.objects.count() == 1
    assert Plan.objects.get(pk=care["plans"]["li"].pk).done == 1
    assert AuditEvent.objects.filter(action="care.visit.record").count() == 1
