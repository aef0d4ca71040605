"""Reading livelihood projects: scoping (neighbours see none of A1's), the list's filters and
its budget totals summed by the database, one project, the summary per child area, what
residents and visitors see, the home block — each in a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import RequestFactory

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import User
from linli.matching.actions import projects as actions
from linli.matching.queries import projects as queries
from linli.matching.views.projects.public import home_block

from .fixtures_projects import *  # noqa: F403 (the fixtures)
from .fixtures_projects import make_need, make_project

pytestmark = pytest.mark.django_db


def _names(qs) -> set[str]:
    return {row.name for row in qs}


def test_each_sees_the_projects_of_their_own_areas(
    users, a1_project, town_project, b1_project, hidden_project
):
    every = {a1_project.name, town_project.name, b1_project.name, hidden_project.name}
    assert _names(queries.project_list(actor=users["county"])) == every
    assert _names(queries.project_list(actor=users["dept"])) == every
    assert _names(queries.project_list(actor=users["town_a"])) == every - {b1_project.name}
    a1 = {a1_project.name, hidden_project.name}
    assert _names(queries.project_list(actor=users["worker_a1"])) == a1
    assert _names(queries.project_list(actor=users["head_a1"])) == a1
    # Neighbours and residents see none of A1's rows.
    assert _names(queries.project_list(actor=users["worker_a2"])) == set()
    assert _names(queries.project_list(actor=users["town_b"])) == {b1_project.name}
    assert _names(queries.project_list(actor=users["resident_a1"])) == set()
    for who in ("worker_a2", "town_b", "resident_a1"):
        with pytest.raises(NotFound):
            queries.project_get(actor=users[who], project_id=a1_project.pk)
        assert queries.project_totals(actor=users[who]).count == (1 if who == "town_b" else 0)


def test_the_list_filters(users, a1_project, town_project, b1_project, hidden_project):
    county = users["county"]

    def listed(**filters):
        return _names(queries.project_list(actor=county, filters=filters))

    assert listed(area="220403001") == {a1_project.name, town_project.name, hidden_project.name}
    assert listed(area="220403002001") == {b1_project.name}
    assert listed(status="under_way") == {a1_project.name}
    assert listed(category="children") == {b1_project.name}
    assert listed(funding="lottery") == {town_project.name}
    assert listed(published="0") == {hidden_project.name}
    assert listed(published=True) == {a1_project.name, town_project.name, b1_project.name}
    assert listed(q="居委会") == {a1_project.name, b1_project.name, hidden_project.name}
    for bad in ({"status": "lost"}, {"area": "xx"}, {"published": "maybe"}, {"funding": "x"}):
        with pytest.raises(ActionError) as refused:
            queries.project_list(actor=county, filters=bad)
        assert set(refused.value.errors) == set(bad)


def test_the_list_counts_milestones_done_and_overdue(users, a1_project, hidden_project):
    rows = {row.pk: row for row in queries.project_list(actor=users["head_a1"])}
    assert (rows[a1_project.pk].milestones_total, rows[a1_project.pk].milestones_done) == (3, 1)
    assert rows[a1_project.pk].milestones_overdue == 1
    assert rows[a1_project.pk].area_name == "仙城社区"
    assert rows[hidden_project.pk].milestones_total == 0


def test_budget_totals_per_status_and_funding(
    users, a1_project, town_project, b1_project, hidden_project
):
    totals = queries.project_totals(actor=users["county"])
    assert totals.count == 4
    assert totals.budget == Decimal("120000.50") + Decimal("800000") + Decimal("50000") + 9000
    by_status = {row.key: (row.count, row.budget) for row in totals.by_status}
    assert by_status["under_way"] == (1, Decimal("120000.50"))
    assert by_status["planned"] == (3, Decimal("859000.00"))
    assert by_status["done"] == (0, Decimal("0.00"))
    by_funding = {row.key: (row.count, row.budget) for row in totals.by_funding}
    assert by_funding == {
        "fiscal": (1, Decimal("120000.50")),
        "lottery": (1, Decimal("800000.00")),
        "donation": (1, Decimal("50000.00")),
        "community_fund": (1, Decimal("9000.00")),
    }
    town = queries.project_totals(actor=users["town_a"], filters={"published": "1"})
    assert (town.count, town.budget) == (2, Decimal("920000.50"))


def test_list_and_totals_take_a_fixed_number_of_queries(
    users, tree, a1_project, django_assert_num_queries
):
    actor = User.objects.get(pk=users["county"].pk)
    queries.project_list(actor=actor)  # roles read once a request

    def run():
        list(queries.project_list(actor=actor, filters={"area": "220403"}))
        queries.project_totals(actor=actor)

    with django_assert_num_queries(2):
        run()
    for n in range(5):
        project = make_project(users["county"], tree["a2"], name=f"项目{n}")
        actions.milestone_add(actor=users["county"], project_id=project.pk, title="一", weight=10)
    with django_assert_num_queries(2):
        run()


def test_one_project_in_four_queries(users, a1_project, a1_need, django_assert_num_queries):
    actions.project_need_link(actor=users["head_a1"], project_id=a1_project.pk, need_id=a1_need.pk)
    actor = User.objects.get(pk=users["head_a1"].pk)
    queries.project_list(actor=actor)
    with django_assert_num_queries(4):
        found = queries.project_get(actor=actor, project_id=a1_project.pk)
        assert [row.title for row in found.milestone_rows] == [
            "选址和设计",
            "装修和设备采购",
            "试运营",
        ]
        assert [row.overdue for row in found.milestone_rows] == [False, True, False]
        assert found.suggested_progress == 30 and found.shares == 100
        assert [u.by.username for u in found.updates.all()] == ["head_a1", "head_a1"]
        assert [n.area_name for n in found.needs.all()] == ["仙城社区"]


def test_needs_that_may_be_linked(users, tree, a1_project, a1_need, a2_need):
    closed = make_need(tree["a1"], title="已关闭需求", status="closed")
    choices = queries.project_need_choices(actor=users["head_a1"], project=a1_project)
    assert [n.pk for n in choices] == [a1_need.pk]
    actions.project_need_link(actor=users["head_a1"], project_id=a1_project.pk, need_id=a1_need.pk)
    assert queries.project_need_choices(actor=users["head_a1"], project=a1_project) == []
    assert closed.pk not in [
        n.pk for n in queries.project_need_choices(actor=users["county"], project=a1_project)
    ]


# --- the summary per area ----------------------------------------------------------------------


def test_a_towns_summary_has_its_communities_and_itself(
    users, a1_project, town_project, hidden_project
):
    actions.project_cancel(actor=users["head_a1"], project_id=hidden_project.pk, reason="重复")
    found = queries.project_summary(actor=users["town_a"])
    assert found.area.code == "220403001000" and found.up is None
    rows = {(row.code, row.own): row for row in found.rows}
    itself = rows[("220403001000", True)]
    assert (itself.count, itself.budget, itself.progress) == (1, Decimal("800000.00"), 0)
    a1 = rows[("220403001001", False)]
    assert (a1.count, a1.cancelled, a1.progress, a1.overdue) == (1, 1, 30, 1)
    assert a1.budget == Decimal("120000.50")
    a2 = rows[("220403001002", False)]
    assert (a2.count, a2.progress, a2.overdue) == (0, None, 0)
    assert (found.total.count, found.total.overdue, found.total.progress) == (2, 1, 15)


def test_a_countys_summary_has_its_towns(users, a1_project, town_project, b1_project):
    found = queries.project_summary(actor=users["county"])
    assert found.area.code == "220403000000"
    rows = {row.code: row for row in found.rows if not row.own}
    assert set(rows) == {"220403001000", "220403002000"}
    assert rows["220403001000"].count == 2 and rows["220403001000"].drill
    assert rows["220403002000"].budget == Decimal("50000.00")
    down = queries.project_summary(actor=users["county"], area_code="220403001")
    assert down.up == "220403000000"


def test_the_summary_is_scoped(users, a1_project, b1_project, django_assert_num_queries):
    with pytest.raises(ActionError):
        queries.project_summary(actor=users["town_b"], area_code="220403001")
    with pytest.raises(ActionError):
        queries.project_summary(actor=users["worker_a2"], area_code="220403001001")
    with pytest.raises(Forbidden):
        queries.project_summary(actor=users["resident_a1"])
    b = queries.project_summary(actor=users["town_b"])
    assert b.total.count == 1 and all(row.code.startswith("220403002") for row in b.rows)
    actor = User.objects.get(pk=users["county"].pk)
    queries.project_list(actor=actor)
    with django_assert_num_queries(4):  # the area, its children, projects, milestones
        queries.project_summary(actor=actor, area_code="220403")


# --- what residents and visitors see -------------------------------------------------------------


def test_residents_see_published_projects_of_their_place_and_above(
    users, tree, a1_project, town_project, b1_project, hidden_project
):
    a1 = _names(queries.public_project_list(area=tree["a1"]))
    assert a1 == {a1_project.name, town_project.name}
    assert _names(queries.public_project_list(area=tree["a2"])) == {town_project.name}
    county = _names(queries.public_project_list(area=tree["county"]))
    assert county == {a1_project.name, town_project.name, b1_project.name}
    assert _names(queries.public_project_list(area=tree["b1"])) == {b1_project.name}
    assert _names(queries.public_project_list(area=tree["a1"], status="planned")) == {
        town_project.name
    }
    counts = queries.public_counts(area=tree["county"])
    assert (counts.total, counts.under_way, counts.planned, counts.progress) == (3, 1, 2, 10)
    with pytest.raises(NotFound):
        queries.public_project_get(project_id=hidden_project.pk)


def test_the_public_list_shows_only_published_updates(
    users, tree, a1_project, django_assert_num_queries
):
    with django_assert_num_queries(3):
        found = list(queries.public_project_list(area=tree["a1"]))
        assert [u.text for u in found[0].recent_updates] == ["选址已完成。"]
        assert len(found[0].milestones.all()) == 3


def test_one_public_project_counts_the_needs_it_answers(users, tree, a1_project, a1_need):
    met = make_need(tree["a1"], title="另一个需求", status="met")
    for need in (a1_need, met):
        actions.project_need_link(actor=users["head_a1"], project_id=a1_project.pk, need_id=need.pk)
    found = queries.public_project_get(project_id=a1_project.pk)
    assert found.asked == [
        {"category": "meals", "status": "met", "n": 1},
        {"category": "meals", "status": "open", "n": 1},
    ]
    assert [u.text for u in found.shown_updates] == ["选址已完成。"]


def test_places_and_where_the_list_starts(users, tree):
    # A visitor starts at the first county of the table: here 龙山区 (220402), the one the
    # security admin sits on.
    assert queries.default_area(None).code == "220402000000"
    assert queries.default_area(users["resident_a1"]).code == tree["a1"].code
    assert queries.public_area("220403001001001").code == tree["a1"].code  # a grid's community
    with pytest.raises(ActionError):
        queries.public_area("99")
    place = queries.public_place(tree["town_a"])
    assert [a.code for a in place.path] == ["220403000000", "220403001000"]
    assert [a.code for a in place.children] == ["220403001001", "220403001002"]


def test_the_home_block_in_two_queries(
    users, tree, a1_project, town_project, b1_project, django_assert_max_num_queries
):
    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=users["resident_a1"].pk)
    with django_assert_max_num_queries(2):
        block = home_block(request)
    assert [p.name for p in block["projects"]] == [town_project.name, a1_project.name]
    request.user = User.objects.get(pk=users["resident_a2"].pk)
    assert [p.name for p in home_block(request)["projects"]] == [town_project.name]
    request.user = User.objects.get(pk=users["worker_a1"].pk)
    assert home_block(request) is None
