"""The time bank: offers put up by staff, points spent by the volunteer or at the desk (once
per form, never below zero, never past the stock), adjustments with a reason; the ledger's
balance after each line."""

from __future__ import annotations

import uuid

import pytest

from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import AuditEvent
from linli.volunteers.actions import records as actions
from linli.volunteers.models import Offer, PointsEntry

from .fixtures_records import *  # noqa: F403 (the fixtures)
from .fixtures_records import record_manually, spend, volunteer_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich(users, volunteer_a1):
    """volunteer_a1 with 70 points (7 hours of service)."""
    record_manually(users["worker_a1"], volunteer_a1, hours="7")
    return volunteer_a1


# --- offers -------------------------------------------------------------------------------------


def test_staff_put_up_and_change_offers(users, tree):
    offer = actions.offer_create(
        actor=users["worker_a1"],
        area_code=tree["a1"].code,
        name="上门修理小家电",
        description="每月第一个周六",
        points=50,
        stock="",
    )
    assert (offer.area_code, offer.points, offer.stock, offer.active) == (
        tree["a1"].code,
        50,
        None,
        True,
    )
    changed = actions.offer_update(
        actor=users["head_a1"], offer_id=offer.pk, stock=10, active=False
    )
    assert (changed.stock, changed.active) == (10, False)
    assert AuditEvent.objects.get(action="offer.update").extra == {"fields": ["active", "stock"]}
    town = actions.offer_create(
        actor=users["town_a"], area_code=tree["town_a"].code, name="健康体检", points=100
    )
    assert town.area_code == tree["town_a"].code


def test_offers_are_put_up_only_where_one_manages(users, tree, haircut):
    places = (("worker_a2", "a1"), ("town_b", "a1"), ("worker_a1", "town_a"), ("grid_a1", "a1"))
    for who, code in (*places, ("resident_a1", "a1")):
        with pytest.raises(ActionError) as refused:
            actions.offer_create(actor=users[who], area_code=tree[code].code, name="x", points=1)
        assert refused.value.errors == {
            "area_code": ["Choose a county, town or community of yours."]
        }
    for who in ("worker_a2", "town_b", "resident_a1"):
        with pytest.raises(NotFound):
            actions.offer_update(actor=users[who], offer_id=haircut.pk, points=1)
    assert Offer.objects.count() == 1 and Offer.objects.get().points == 30


def test_an_offer_with_bad_fields_names_each(users, tree):
    with pytest.raises(ActionError) as refused:
        actions.offer_create(
            actor=users["worker_a1"], area_code="1234", name="", points=0, stock="-1"
        )
    assert refused.value.errors == {
        "area_code": ["Choose a county, town or community of yours."],
        "name": ["Please fill this in."],
        "points": ["Give a number from 1 to 100000."],
        "stock": ["Give a number from 0 to 1000000."],
    }
    assert not Offer.objects.exists()


# --- spending -----------------------------------------------------------------------------------


def test_a_volunteer_spends_points_at_the_offers_page(users, rich, haircut):
    spent = spend(users["resident_a1"], haircut)
    assert spent.written_now
    line = spent.entry
    assert (line.kind, line.delta, line.balance, line.offer) == ("spent", -30, 40, haircut)
    assert volunteer_row(rich).points_balance == 40
    haircut.refresh_from_db()
    assert haircut.stock == 2
    event = AuditEvent.objects.get(action="points.spend")
    assert event.extra == {
        "volunteer": rich.pk,
        "offer": haircut.pk,
        "points": 30,
        "by_volunteer": True,
    }


def test_the_same_form_sent_twice_spends_once(users, rich, haircut):
    key = uuid.uuid4()
    first = spend(users["resident_a1"], haircut, key=key)
    again = spend(users["resident_a1"], haircut, key=key)
    assert again.entry.pk == first.entry.pk and not again.written_now
    assert volunteer_row(rich).points_balance == 40
    assert PointsEntry.objects.filter(kind="spent").count() == 1


def test_no_spending_past_the_balance_or_the_stock(users, rich, haircut):
    spend(users["resident_a1"], haircut)
    spend(users["resident_a1"], haircut)  # 10 left
    with pytest.raises(Conflict) as refused:
        spend(users["resident_a1"], haircut)
    assert refused.value.code == "balance"
    assert str(refused.value.message) == "Not enough points: 理发 costs 30, the balance is 10."
    Offer.objects.filter(pk=haircut.pk).update(stock=0, points=5)
    with pytest.raises(Conflict) as refused:
        spend(users["resident_a1"], haircut)
    assert refused.value.code == "stock"
    Offer.objects.filter(pk=haircut.pk).update(active=False, stock=None)
    with pytest.raises(NotFound):  # no longer on the volunteer's list
        spend(users["resident_a1"], haircut)
    assert volunteer_row(rich).points_balance == 10
    assert PointsEntry.objects.filter(kind="spent").count() == 2


def test_a_form_without_its_key_spends_nothing(users, rich, haircut):
    with pytest.raises(ActionError) as refused:
        actions.points_spend(actor=users["resident_a1"], offer_id=haircut.pk, client_key="nope")
    assert refused.value.errors == {"client_key": ["This form has lost its key: open it again."]}
    assert volunteer_row(rich).points_balance == 70


def test_offers_of_other_communities_are_not_for_the_volunteer(users, tree, rich):
    elsewhere = Offer.objects.create(area=tree["a2"], area_code=tree["a2"].code, name="x", points=1)
    town = Offer.objects.create(
        area=tree["town_a"], area_code=tree["town_a"].code, name="健康体检", points=10
    )
    with pytest.raises(NotFound):
        spend(users["resident_a1"], elsewhere)
    assert spend(users["resident_a1"], town).entry.balance == 60  # the town's are
    with pytest.raises(NotFound):  # not registered as a volunteer
        spend(users["resident_a2"], elsewhere)


def test_a_worker_spends_at_the_desk_for_a_volunteer(users, rich, haircut):
    spent = spend(users["worker_a1"], haircut, volunteer=rich)
    assert spent.entry.by == users["worker_a1"] and spent.entry.balance == 40
    assert AuditEvent.objects.get(action="points.spend").extra["by_volunteer"] is False
    for who in ("worker_a2", "town_b", "resident_a2"):
        with pytest.raises(NotFound):
            spend(users[who], haircut, volunteer=rich)
    assert volunteer_row(rich).points_balance == 40


# --- adjustments --------------------------------------------------------------------------------


def test_staff_adjust_points_with_a_reason(users, rich):
    entry = actions.points_adjust(
        actor=users["worker_a1"], volunteer_id=rich.pk, delta="-20", reason="重复记分更正"
    )
    assert (entry.kind, entry.delta, entry.balance, entry.note) == (
        "adjusted",
        -20,
        50,
        "重复记分更正",
    )
    assert volunteer_row(rich).points_balance == 50
    assert AuditEvent.objects.get(action="points.adjust").extra == {
        "volunteer": rich.pk,
        "delta": -20,
    }


def test_an_adjustment_never_leaves_a_negative_balance(users, rich):
    with pytest.raises(ActionError) as refused:
        actions.points_adjust(actor=users["worker_a1"], volunteer_id=rich.pk, delta=-71, reason="x")
    assert refused.value.errors == {
        "delta": ["The balance is 70: at most that many points can be taken."]
    }
    with pytest.raises(ActionError) as refused:
        actions.points_adjust(actor=users["worker_a1"], volunteer_id=rich.pk, delta=0, reason="")
    assert refused.value.errors == {
        "delta": ["Add or take some points: not 0."],
        "reason": ["Please fill this in."],
    }
    assert volunteer_row(rich).points_balance == 70
    assert PointsEntry.objects.count() == 1


def test_only_workers_of_the_volunteers_community_adjust(users, rich):
    for who in ("worker_a2", "town_b", "resident_a1", "resident_a2"):
        with pytest.raises(NotFound):
            actions.points_adjust(actor=users[who], volunteer_id=rich.pk, delta=5, reason="x")
    assert volunteer_row(rich).points_balance == 70
