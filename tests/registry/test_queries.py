"""Registry reads: search, filters, scoping, sensitive groups, counts — in SQL, no N+1."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from linli.core.errors import ActionError, NotFound
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.registry import actions, queries
from linli.registry.queries import HouseholdFilters, ResidentFilters

from .conftest import make_id


def names(qs) -> set[str]:
    return {r.name for r in qs}


def search(actor, text="", **filters):
    return names(queries.resident_list(actor=actor, filters=ResidentFilters(q=text, **filters)))


def test_worker_sees_own_community_only(users, homes):
    assert search(users["worker_a1"]) == {"张三", "刘芳", "张小明", "李四", "王五"}
    assert search(users["worker_a2"]) == {"赵六"}
    assert search(users["town_a"]) == {"张三", "刘芳", "张小明", "李四", "王五", "赵六"}
    assert search(users["county"]) >= {"孙七", "赵六"}


def test_grid_worker_sees_own_grid_only(users, homes):
    assert search(users["grid_a1"]) == {"张三", "刘芳", "张小明", "李四"}


@pytest.mark.parametrize("role", ["resident_a1", "dept", "secadmin", "auditor", "sysadmin"])
def test_roles_without_registry_view_see_nobody(users, homes, role):
    assert search(users[role]) == set()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("张", {"张三", "张小明"}),
        ("李四", {"李四"}),
        ("zs", {"张三"}),
        ("ZX", {"张小明"}),
        ("lisi", {"李四"}),
        ("zhang", {"张三", "张小明"}),
        ("5678", {"张三"}),  # phone tail
        ("仙城路2号", {"王五"}),  # address
        ("13698765432", {"李四"}),  # full phone, via the blind index
    ],
)
def test_search_box(users, homes, text, found):
    assert search(users["worker_a1"], text) == found


def test_search_by_id_tail_and_full_id(users, homes):
    li = homes["people"]["li"]
    assert search(users["worker_a1"], li.id_number) == {"李四"}
    assert "李四" in search(users["worker_a1"], li.id_number[-4:])
    # someone else's full ID finds nothing here, whoever it belongs to
    assert search(users["worker_a2"], li.id_number) == set()


def test_age_bands(users, homes):
    assert search(users["worker_a1"], age_band="80+") == {"李四"}
    assert search(users["worker_a1"], age_band="0-17") == {"张小明"}
    assert search(users["worker_a1"], age_band="60+") == {"李四", "王五"}


def test_birthday_boundary_of_an_age_band(users, homes, tree):
    today = dt.date.today()
    born = today.replace(year=today.year - 60)
    household = homes["households"]["wang"]
    actions.resident_add(
        actor=SYSTEM,
        household_id=household.pk,
        name="寿星",
        id_number=make_id(born.strftime("%Y%m%d"), 77),
    )
    assert "寿星" in search(users["worker_a1"], age_band="60-69")
    assert "寿星" not in search(users["worker_a1"], age_band="18-59")


def test_tag_filter_includes_kinds(users, homes):
    assert search(users["worker_a1"], tag="special_elderly") == {"李四"}
    assert search(users["worker_a1"], tag="dibao") == {"王五"}


def test_sensitive_tags_follow_roles(users, homes, tree):
    from tests.conftest import make_user

    # community_correction: heads and officers, not workers or grid workers
    assert search(users["county"], tag="community_correction") == {"孙七"}
    worker_b1 = make_user("worker_b1", Role.COMMUNITY_WORKER, tree["b1"])
    assert search(worker_b1, tag="community_correction") == set()
    sun = homes["people"]["sun"]
    assert queries.resident_tags(actor=worker_b1, resident=sun) == []
    assert [t.tag_id for t in queries.resident_tags(actor=users["county"], resident=sun)] == [
        "community_correction"
    ]
    assert "community_correction" not in {t.code for t in queries.visible_tags(worker_b1)}
    assert "community_correction" in {t.code for t in queries.visible_tags(users["county"])}


def test_status_filter_and_moved_out(users, homes):
    actions.resident_move_out(actor=users["worker_a1"], resident_id=homes["people"]["wang"].pk)
    assert "王五" not in search(users["worker_a1"])
    assert search(users["worker_a1"], status="moved_out") == {"王五"}
    assert "王五" in search(users["worker_a1"], status="all")


def test_bad_filters_are_refused(users, homes):
    with translation.override("en"):
        for bad in (
            {"age_band": "ancient"},
            {"status": "gone"},
            {"area": "xx"},
        ):
            with pytest.raises(ActionError):
                queries.resident_list(actor=users["worker_a1"], filters=ResidentFilters(**bad))


def test_list_masks_in_the_documented_format(users, homes, django_assert_num_queries):
    people = list(
        queries.resident_list(actor=users["worker_a1"], filters=ResidentFilters(q="李四"))
    )
    with django_assert_num_queries(0):
        masked = queries.masked_id(people[0]), queries.masked_phone(people[0])
    number = homes["people"]["li"].id_number
    assert masked == (number[:4] + "*" * 10 + number[-4:], "136****5432")


def test_history_hides_stays_outside_ones_areas(users, homes):
    li = homes["people"]["li"]
    actions.resident_move(
        actor=SYSTEM, resident_id=li.pk, household_id=homes["households"]["zhao"].pk
    )
    li.refresh_from_db()
    assert len(queries.resident_history(actor=users["town_a"], resident=li)) == 2
    assert len(queries.resident_history(actor=users["worker_a2"], resident=li)) == 1


def test_members_list_the_head_first(users, homes):
    members = queries.household_members(
        actor=users["worker_a1"], household=homes["households"]["zhang"]
    )
    assert [m.name for m in members] == ["张三", "刘芳", "张小明"]


def test_filters_drop_nul_characters(users, homes):
    assert search(users["worker_a1"], "李\x00四") == {"李四"}
    assert queries.grid_coverage(actor=users["worker_a1"], community_code="220403001001\x00")


def test_tags_for_a_page_take_one_query(users, homes, django_assert_num_queries):
    people = list(queries.resident_list(actor=users["worker_a1"]))
    with django_assert_num_queries(2):  # the sensitive-tag vocabulary, then the memberships
        found = queries.tags_by_resident(
            actor=users["worker_a1"], resident_ids=[p.pk for p in people]
        )
    assert {t.tag_id for rows in found.values() for t in rows} == {
        "special_elderly.living_alone",
        "dibao",
    }


def test_resident_get_is_scoped(users, homes):
    li = homes["people"]["li"]
    assert queries.resident_get(actor=users["grid_a1"], resident_id=li.pk) == li
    with pytest.raises(NotFound):
        queries.resident_get(actor=users["worker_a2"], resident_id=li.pk)


def test_households_with_member_counts_and_unassigned(users, homes):
    rows = list(queries.household_list(actor=users["worker_a1"]))
    counts = {h.pk: h.member_count for h in rows}
    assert counts[homes["households"]["zhang"].pk] == 3
    assert counts[homes["households"]["li"].pk] == 1
    unassigned = list(
        queries.household_list(actor=users["worker_a1"], filters=HouseholdFilters(unassigned=True))
    )
    assert [h.pk for h in unassigned] == [homes["households"]["wang"].pk]
    with pytest.raises(NotFound):
        queries.household_get(actor=users["worker_a2"], household_id=homes["households"]["li"].pk)


def test_grid_view_and_coverage(users, homes, tree):
    view = queries.grid_view(actor=users["grid_a1"], grid_code=tree["grid_a1"].code)
    assert [b.name for b in view.buildings] == ["1号楼"]
    assert view.buildings[0].household_count == 2
    assert (view.households, view.residents, view.tagged) == (2, 4, 1)
    assert queries.grid_coverage(actor=users["worker_a1"], community_code=tree["a1"].code) == {
        "total": 3,
        "in_grid": 2,
    }
    with pytest.raises(NotFound):
        queries.grid_view(actor=users["worker_a2"], grid_code=tree["grid_a1"].code)
    assert [a.code for a in queries.my_grids(actor=users["grid_a1"])] == [tree["grid_a1"].code]


def test_registry_counts(users, homes, tree):
    counts = queries.registry_counts(actor=users["town_a"], area_code=tree["town_a"].code)
    assert counts["residents"] == 6
    assert counts["households"] == 4 and counts["occupied_households"] == 4
    assert counts["urban_residents"] == 6
    assert counts["age"]["band_80plus"] == 1 and counts["age"]["band_0_17"] == 1
    assert sum(v for k, v in counts["age"].items() if k.startswith("band_")) == 6
    with pytest.raises(NotFound):
        queries.registry_counts(actor=users["worker_a2"], area_code=tree["a1"].code)


def test_registry_counts_take_a_fixed_number_of_queries(
    users, homes, tree, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        queries.registry_counts(actor=users["county"], area_code=tree["county"].code)


def test_filters_refuse_values_that_are_no_code_or_group(users, homes):
    # A phone-like "area" or "tag" is refused before it could reach a query or an audit row.
    for bad in ({"area": "13812345678"}, {"tag": "13812345678"}, {"tag": "no_such_group"}):
        with pytest.raises(ActionError):
            queries.resident_list(actor=users["worker_a1"], filters=ResidentFilters(**bad))
    with pytest.raises(ActionError):
        queries.household_list(actor=users["worker_a1"], filters=HouseholdFilters(area="1381234"))


def test_export_with_phone_like_filters_is_a_clear_error(login, users, homes):
    client = login(users["county"])
    for params in ({"tag": "13812345678"}, {"area": "13812345678"}):
        response = client.get("/api/v1/registry/residents-export", params)
        assert response.status_code == 400, response.content


def test_broad_searches_are_capped(users, homes, monkeypatch):
    monkeypatch.setattr(queries, "SEARCH_CAP", 1)
    search = queries.resident_search(actor=users["worker_a1"], filters=ResidentFilters(q="张"))
    assert search.capped
    rows = list(search.rows)
    assert len(rows) == 1 and rows[0].name in {"张三", "张小明"}
    assert search.rows.count() == 1
    narrow = queries.resident_search(actor=users["worker_a1"], filters=ResidentFilters(q="张三"))
    assert not narrow.capped and [r.name for r in narrow.rows] == ["张三"]
    # without a search nothing is capped
    assert not queries.resident_search(actor=users["worker_a1"]).capped


def test_capped_search_is_said_on_the_page(login, users, homes, monkeypatch):
    monkeypatch.setattr(queries, "SEARCH_CAP", 1)
    page = login(users["worker_a1"]).get("/registry/people/", {"q": "张"}).content.decode()
    assert 'data-testid="search-capped"' in page
