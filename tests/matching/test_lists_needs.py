"""The residents' needs list: listing a need (entered, from an appeal, from a care visit, in
bulk), changing, closing and meeting it, and who sees which needs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.matching.actions import lists as actions
from linli.matching.models import Need
from linli.matching.queries import lists as queries
from tests.matching.fixtures_lists import (  # noqa: F401 (fixtures)
    appeal_a1_fixture,
    care_need_a1_fixture,
    catalogue_fixture,
    counts,
    elderly_a1_fixture,
    elderly_b1_fixture,
    english_fixture,
    make_appeal,
    make_care_need,
    need,
)

# --- entered by a worker -----------------------------------------------------------------------


def test_a_worker_lists_a_need_of_their_community(users, tree, elderly_a1):
    found = need(
        users["worker_a1"],
        tree["grid_a1"],
        times=["sat_pm", "sat_am", "sat_am"],
        resident_id=elderly_a1.pk,
        wanted_from=timezone.localdate(),
        urgency="urgent",
    )
    assert found.area_code == tree["grid_a1"].code and found.source == "entered"
    assert found.status == "open" and found.times == ["sat_am", "sat_pm"]
    assert found.resident == elderly_a1 and found.created_by == users["worker_a1"]
    event = AuditEvent.objects.get(action="need.create")
    assert event.target_id == str(found.pk) and event.extra["resident"] == elderly_a1.pk
    assert "李桂芝" not in str(event.extra)


@pytest.mark.parametrize("who", ["worker_a2", "town_b", "resident_a1", "grid_a1", "dept"])
def test_others_may_not_list_a_need_in_a1(users, tree, who):
    before = counts()
    with pytest.raises(Forbidden):
        need(users[who], tree["a1"])
    assert counts() == before


def test_bad_input_names_every_field_and_writes_nothing(users, tree, elderly_b1):
    before = counts()
    with pytest.raises(ActionError) as caught:
        actions.need_create(
            actor=users["worker_a1"],
            area_code=tree["a1"].code,
            category="plumbing",
            title="",
            who="电话13812345678",
            times=["someday"],
            people=0,
            urgency="soon",
            wanted_from="2026-05-02",
            wanted_until="2026-05-01",
            resident_id=elderly_b1.pk,
        )
    errors = caught.value.errors
    assert {"category", "title", "who", "times", "people", "urgency", "wanted_until"} <= set(errors)
    assert "resident_id" in errors  # a resident of another community
    assert errors["who"] == ["Do not write phone or ID numbers here."]
    assert counts() == before


def test_a_need_is_in_a_community_or_grid(users, tree):
    with pytest.raises(ActionError) as caught:
        need(users["town_a"], tree["town_a"])
    assert "area_code" in caught.value.errors


def test_the_persons_name_stays_out_of_the_list(users, tree, elderly_a1):
    with pytest.raises(ActionError) as caught:
        need(users["worker_a1"], tree["a1"], who="李桂芝老人", resident_id=elderly_a1.pk)
    assert "who" in caught.value.errors
    assert not Need.objects.exists()


def test_change_close_and_meet(users, tree):
    found = need(users["worker_a1"], tree["a1"])
    changed = actions.need_update(
        actor=users["head_a1"], need_id=found.pk, people=2, times=["sun_pm"]
    )
    assert changed.people == 2 and changed.times == ["sun_pm"] and changed.title == found.title
    with pytest.raises(NotFound):
        actions.need_update(actor=users["town_b"], need_id=found.pk)
    with pytest.raises(ActionError) as caught:
        actions.need_close(actor=users["worker_a1"], need_id=found.pk, reason=" ")
    assert "reason" in caught.value.errors
    closed = actions.need_close(actor=users["worker_a1"], need_id=found.pk, reason="已搬走")
    assert closed.status == "closed" and closed.closed_reason == "已搬走"
    with pytest.raises(Conflict):
        actions.need_update(actor=users["worker_a1"], need_id=found.pk, people=3)
    with pytest.raises(Conflict):
        actions.need_mark_met(actor=users["worker_a1"], need_id=found.pk)
    other = need(users["worker_a1"], tree["a1"])
    met = actions.need_mark_met(actor=users["worker_a1"], need_id=other.pk)
    assert met.status == "met" and met.met_at is not None


def test_neighbours_cannot_reach_a_need(users, tree):
    found = need(users["worker_a1"], tree["a1"])
    with pytest.raises(NotFound):
        actions.need_close(actor=users["worker_a2"], need_id=found.pk, reason="x")
    with pytest.raises(Forbidden):  # sees it (match.view) but may not change it
        actions.need_close(actor=users["dept"], need_id=found.pk, reason="x")
    in_grid = need(users["worker_a1"], tree["grid_a1"])
    with pytest.raises(Forbidden):  # the grid worker sees the needs of the grid only
        actions.need_close(actor=users["grid_a1"], need_id=in_grid.pk, reason="x")
    with pytest.raises(NotFound):
        actions.need_close(actor=users["grid_a1"], need_id=found.pk, reason="x")
    assert set(Need.objects.values_list("status", flat=True)) == {"open"}


# --- from appeals and care visits ------------------------------------------------------------


def test_an_appeal_is_listed_once(users, appeal_a1):
    listed = actions.need_from_appeal(actor=users["worker_a1"], appeal_id=appeal_a1.pk)
    assert listed.created and listed.source == "appeal" and listed.appeal == appeal_a1
    assert listed.category == "elderly_care" and listed.area_code == appeal_a1.area_code
    assert appeal_a1.number in listed.title
    assert listed.description == "" and "买菜" not in listed.title  # no text of the appeal
    again = actions.need_from_appeal(actor=users["head_a1"], appeal_id=appeal_a1.pk)
    assert again.pk == listed.pk and not again.created
    assert Need.objects.count() == 1
    assert AuditEvent.objects.filter(action="need.from_appeal").count() == 1


def test_an_appeal_of_a_neighbour_is_not_found(users, appeal_a1):
    before = counts()
    with pytest.raises(NotFound):
        actions.need_from_appeal(actor=users["worker_a2"], appeal_id=appeal_a1.pk)
    with pytest.raises(NotFound):
        actions.need_from_appeal(actor=users["worker_a1"], appeal_id="abc")
    with pytest.raises(NotFound):  # lists needs, but reads no appeals
        actions.need_from_appeal(actor=users["dept"], appeal_id=appeal_a1.pk)
    assert counts() == before


def test_a_care_visit_need_is_listed_once(users, care_need_a1):
    listed = actions.need_from_care_need(actor=users["worker_a1"], care_need_id=care_need_a1.pk)
    assert listed.created and listed.source == "care_visit" and listed.category == "meals"
    assert listed.resident_id == care_need_a1.resident_id and listed.description == ""
    assert listed.who == "an older person on the care roster"
    again = actions.need_from_care_need(actor=users["town_a"], care_need_id=care_need_a1.pk)
    assert again.pk == listed.pk and not again.created


def test_a_met_care_need_or_a_neighbours_is_not_listed(users, care_need_a1):
    with pytest.raises(NotFound):
        actions.need_from_care_need(actor=users["town_b"], care_need_id=care_need_a1.pk)
    care_need_a1.met_on = timezone.localdate()
    care_need_a1.save()
    with pytest.raises(Conflict):
        actions.need_from_care_need(actor=users["worker_a1"], care_need_id=care_need_a1.pk)
    assert not Need.objects.exists()


def test_care_kinds_map_to_categories(users, elderly_a1):
    company = make_care_need(elderly_a1, kind="company", urgency="urgent")
    listed = actions.need_from_care_need(actor=users["worker_a1"], care_need_id=company.pk)
    assert listed.category == "elderly_care" and listed.urgency == "urgent"


def test_bulk_listing_is_idempotent(users, tree, catalogue, elderly_a1, elderly_b1):
    make_care_need(elderly_a1)
    make_care_need(elderly_b1)
    met = make_care_need(elderly_a1, kind="housing")
    met.met_on = timezone.localdate()
    met.save()
    make_appeal(users["resident_a1"], tree["a1"], catalogue["assistance"])
    make_appeal(users["resident_a1"], tree["a1"], catalogue["noise"])  # not help for a person
    make_appeal(users["resident_a2"], tree["a2"], catalogue["health"])
    first = actions.needs_import(actor=users["town_a"], area_code=tree["town_a"].code)
    assert (first.from_appeals, first.from_care_visits, first.more) == (2, 1, False)
    assert set(Need.objects.values_list("category", flat=True)) == {"finance", "health", "meals"}
    second = actions.needs_import(actor=users["town_a"], area_code=tree["town_a"].code)
    assert second.total == 0 and Need.objects.count() == 3
    with pytest.raises(Forbidden):
        actions.needs_import(actor=users["worker_a2"], area_code=tree["a1"].code)
    event = AuditEvent.objects.filter(action="need.import").order_by("id").first()
    assert event.extra == {"from_appeals": 2, "from_care_visits": 1, "more": False}


# --- reading ---------------------------------------------------------------------------------


def test_who_sees_which_needs(users, tree):
    need(users["worker_a1"], tree["a1"], title="助餐送餐")
    need(users["worker_a1"], tree["grid_a1"], urgency="urgent", title="陪同就医")
    need(users["worker_a2"], tree["a2"])

    def titles(who, **filters):
        return {n.title for n in queries.need_list(actor=users[who], filters=filters)}

    assert titles("worker_a1") == {"助餐送餐", "陪同就医"}
    assert titles("grid_a1") == {"陪同就医"}
    assert len(titles("town_a")) == 3 and len(titles("county")) == 3 and len(titles("dept")) == 3
    assert titles("town_b") == set() and titles("resident_a1") == set()
    assert titles("town_a", area=tree["a1"].code, urgency="urgent") == {"陪同就医"}
    listed = list(queries.need_list(actor=users["town_a"], filters={"status": "open"}))
    assert listed[0].title == "陪同就医" and listed[0].area_name == "仙城社区第1网格"
    with pytest.raises(ActionError):
        queries.need_list(actor=users["town_a"], filters={"status": "lost"})
    with pytest.raises(NotFound):
        queries.need_get(actor=users["worker_a2"], need_id=listed[0].pk)


def test_the_list_takes_a_fixed_number_of_queries(users, tree, django_assert_num_queries):
    for index in range(6):
        need(users["worker_a1"], tree["a1" if index % 2 else "grid_a1"], title=f"需求{index}")
    actor = users["town_a"]
    queries.need_list(actor=actor)  # the actor's grants, read once a request
    with django_assert_num_queries(1):
        rows = list(queries.need_list(actor=actor, filters={"status": "open"}))
        assert len(rows) == 6 and all(r.area_name for r in rows)


def test_unmatched_needs_are_visible_to_the_town(users, tree, django_assert_num_queries):
    old = need(users["worker_a1"], tree["grid_a1"], urgency="urgent")
    Need.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=9))
    need(users["worker_a1"], tree["a1"])
    need(users["worker_a2"], tree["a2"])
    matched = need(users["worker_a2"], tree["a2"])
    Need.objects.filter(pk=matched.pk).update(status="matched")
    queries.need_list(actor=users["town_a"])
    with django_assert_num_queries(3):
        waiting = queries.needs_waiting(actor=users["town_a"], area_code=tree["town_a"].code)
    assert [(r.name, r.open, r.urgent) for r in waiting.rows] == [
        ("仙城社区", 2, 1),
        ("新兴社区", 1, 0),
    ]
    assert waiting.total == 3 and waiting.rows[0].days == 9
    county = queries.needs_waiting(actor=users["county"])
    assert [(r.name, r.open) for r in county.rows] == [("仙城街道", 3)]
    with pytest.raises(NotFound):
        queries.needs_waiting(actor=users["town_b"], area_code=tree["town_a"].code)
    assert queries.needs_waiting(actor=users["town_b"]).rows == []
