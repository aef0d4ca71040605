"""The plan dashboard pages: the tiles of an area, the matrix of the areas below, the drill-down
of one target to the communities and their records, the trend, the big screen and the officer
home block — for the county, a town (its own only), a community head; hidden from a neighbour
county and refused without plan.view.

The values are written as a recompute leaves them (one Measurement row per area, the cells in
their JSON form), so these tests read exactly the figures of the fixture below.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.core import areacodes
from linli.core.models import Area
from linli.core.roles import Role
from linli.plans.models import Indicator, Measurement, Plan, Snapshot, SnapshotValue, Target
from linli.plans.queries.status import Cell, cell_to_json
from tests.conftest import make_area, make_user

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
COUNTY, TOWN_A, TOWN_B = "220403000000", "220403001000", "220403002000"
A1, A2, B1 = "220403001001", "220403001002", "220403002001"


def cell(n, d, v, counted=None, below=None, source="computed") -> Cell:
    dec = lambda x: None if x is None else Decimal(str(x))  # noqa: E731
    return Cell(dec(n), dec(d), dec(v), source=source, counted=counted, below=below)


# What each area measures: (coverage, area per 100 households, workers per 10,000).
#
#   area      coverage (= 100%, binding)   m² per 100 households (≥ 30,   workers per 10k (≥ 18)
#                                           each community)
#   西安区     2/3   66.7  not met, 1 below   1,700/4,000 42.5  at risk (1)   7/4,000 17.5  at risk
#   仙城街道   2/2  100.0  met                  700/2,000 35.0  at risk (1)   4/2,000 20.0  met
#   东山街道   0/1    0.0  not met, 1 below     450/1,000 45.0  met           3/2,000 15.0  not met
#   仙城社区   1/1  100.0  met                  500/1,000 50.0  met           2/1,000 20.0  met
#   新兴社区   1/1  100.0  met                  200/1,000 20.0  not met       2/1,000 20.0  met
#   东山社区   0/1    0.0  not met              450/1,000 45.0  met           3/2,000 15.0  not met
#
# The reported volunteer-team coverage has no value anywhere: no data.
FIGURES = {
    COUNTY: (cell(2, 3, "66.6667", 3, 1), cell(1700, 4000, 42.5, 3, 1), cell(7, 4000, 17.5, 3, 0)),
    TOWN_A: (cell(2, 2, 100, 2, 0), cell(700, 2000, 35, 2, 1), cell(4, 2000, 20, 2, 0)),
    TOWN_B: (cell(0, 1, 0, 1, 1), cell(450, 1000, 45, 1, 0), cell(3, 2000, 15, 1, 1)),
    A1: (cell(1, 1, 100, 1, 0), cell(500, 1000, 50, 1, 0), cell(2, 1000, 20, 1, 0)),
    A2: (cell(1, 1, 100, 1, 0), cell(200, 1000, 20, 1, 1), cell(2, 1000, 20, 1, 0)),
    B1: (cell(0, 1, 0, 1, 1), cell(450, 1000, 45, 1, 0), cell(3, 2000, 15, 1, 1)),
}
KEYS = ("xq_coverage", "xq_area_per_100", "xq_workers_10k")


def make_plan(area_code: str = COUNTY, title: str = "西安区城乡社区服务体系建设规划") -> dict:
    """The county's plan with four targets over its own indicators (three computed by the
    capacity functions, one reported)."""
    kinds = {
        "xq_coverage": ("综合服务设施覆盖率", "percent", "computed", "facility_coverage"),
        "xq_area_per_100": (
            "每百户设施面积", "square_metres", "computed", "facility_area_per_100_households"
        ),
        "xq_workers_10k": ("每万人社区工作者", "persons", "computed", "workers_per_10k_urban"),
        "xq_volunteers": ("志愿服务队覆盖率", "percent", "reported", ""),
    }  # fmt: skip
    indicators = {
        key: Indicator.objects.get_or_create(
            area_code=area_code,
            key=key,
            defaults={"name": name, "unit": unit, "source": source, "function": function},
        )[0]
        for key, (name, unit, source, function) in kinds.items()
    }
    plan = Plan.objects.create(
        area_code=area_code,
        title=title,
        start_year=YEAR - 1,
        end_year=YEAR + 4,
        status=Plan.Status.ACTIVE,
    )
    targets = {
        "xq_coverage": Target(op="=", value=100, binding=True, position=1),
        "xq_area_per_100": Target(op=">=", value=30, per_community=True, position=2),
        "xq_workers_10k": Target(op=">=", value=18, position=3),
        "xq_volunteers": Target(op="=", value=100, position=4),
    }
    for key, target in targets.items():
        target.plan = plan
        target.indicator = indicators[key]
        target.save()
    return {"plan": plan, "targets": targets, "indicators": indicators}


def measure(plan: Plan, figures: dict, *, year: int = YEAR, at=None) -> None:
    """Measurement rows as a recompute writes them: one per area, cells in their JSON form."""
    at = at or timezone.now()
    names = dict(Area.objects.filter(code__in=list(figures)).values_list("code", "name"))
    Measurement.objects.bulk_create(
        Measurement(
            plan=plan,
            year=year,
            area_code=code,
            parent_code=areacodes.parent_code(code) or "",
            level=areacodes.level_of(code),
            name=names[code],
            values={key: cell_to_json(c) for key, c in zip(KEYS, cells, strict=True)},
            computed_at=at,
        )
        for code, cells in figures.items()
    )


def build_dashboard_world() -> dict:
    """The county of tests/conftest.py (two towns, three communities) with its plan measured."""
    make_area("220403", "西安区")
    make_area("220403001", "仙城街道")
    make_area("220403002", "东山街道")
    make_area(A1, "仙城社区", "111")
    make_area(A2, "新兴社区", "111")
    make_area(B1, "东山社区", "111")
    world = make_plan()
    measure(world["plan"], FIGURES)
    return world


@pytest.fixture
def world(tree):
    found = make_plan()
    measure(found["plan"], FIGURES)
    return found


@pytest.fixture
def neighbour(tree):
    return make_user("county_b", Role.COUNTY_OFFICER, make_area("220402", "龙山区"))


def url(name: str, *args, **query) -> str:
    address = reverse(f"plans:{name}", args=args)
    if query:
        address += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return address


def tile(body: str, key: str) -> str:
    """The HTML of one tile."""
    start = body.index(f'data-testid="tile-{key}"')
    return body[start : body.index("</article>", start)]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the dashboard -------------------------------------------------------------------------------


def test_county_dashboard_shows_each_target_as_a_tile_with_its_status_in_words(world, users, login):
    plan, targets = world["plan"], world["targets"]
    response = login(users["county"]).get(url("dashboard", plan.pk))
    assert response.status_code == 200
    assert response.context["area"].code == COUNTY
    body = response.content.decode()

    coverage = tile(body, "xq_coverage")
    assert 'data-testid="value-xq_coverage">66.7%<' in coverage
    assert "not met" in text(coverage)
    assert "✗" in coverage
    assert "= 100%" in text(coverage)
    assert 'data-testid="gap-xq_coverage">33.3%<' in coverage
    assert "binding" in text(coverage)
    assert "1 community below target" in text(coverage)
    below = url("drill", plan.pk, targets["xq_coverage"].pk, area=COUNTY, year=YEAR, below=1)
    assert f'href="{below.replace("&", "&amp;")}"' in coverage

    area = tile(body, "xq_area_per_100")
    assert "42.5 m²" in text(area) and "≥ 30 m²" in text(area)
    assert "at risk" in text(area) and "binding" not in text(area)
    assert 'data-testid="gap-xq_area_per_100"' not in area  # met as a whole: no gap
    assert "1 community below target" in text(area)

    workers = tile(body, "xq_workers_10k")
    assert "17.5 persons" in text(workers) and "at risk" in text(workers)
    assert "0.5 persons" in text(workers)

    volunteers = tile(body, "xq_volunteers")
    assert "no data" in text(volunteers) and "—" in text(volunteers)

    counts = {c["key"]: c["count"] for c in response.context["counts"]}
    assert counts == {"met": 0, "at_risk": 2, "not_met": 1, "no_data": 1}
    assert "Live values as of" in body
    assert "西安区" in text(body[body.index('data-testid="plan-crumbs"') :])


def test_town_officer_sees_their_town_and_its_communities_only(world, users, login):
    plan = world["plan"]
    client = login(users["town_a"])
    response = client.get(url("dashboard", plan.pk))
    assert response.status_code == 200
    assert response.context["area"].code == TOWN_A
    body = response.content.decode()
    assert 'data-testid="value-xq_coverage">100.0%<' in body
    assert "met" in text(tile(body, "xq_coverage"))
    assert client.get(url("dashboard", plan.pk, area=A2)).status_code == 200
    assert client.get(url("dashboard", plan.pk, area=TOWN_B)).status_code == 404
    assert client.get(url("dashboard", plan.pk, area=B1)).status_code == 404
    assert client.get(url("dashboard", plan.pk, area=COUNTY)).status_code == 404
    assert client.get(url("children", plan.pk, area=TOWN_B)).status_code == 404
    target = world["targets"]["xq_coverage"].pk
    assert client.get(url("drill", plan.pk, target, area=TOWN_B)).status_code == 404
    assert client.get(url("trend", plan.pk, area=TOWN_B)).status_code == 404
    # the breadcrumbs start at the town: the county is not theirs to open
    crumbs = response.context["crumbs"]
    assert [c["name"] for c in crumbs] == ["仙城街道"]


def test_community_head_sees_their_community(world, users, login):
    response = login(users["head_a1"]).get(url("dashboard", world["plan"].pk))
    assert response.status_code == 200
    assert response.context["area"].code == A1
    body = response.content.decode()
    assert 'data-testid="value-xq_area_per_100">50.0 m²<' in body
    assert "below target" not in body  # a community has no communities below it


def test_neighbour_county_finds_nothing(world, neighbour, login):
    client = login(neighbour)
    plan = world["plan"]
    target = world["targets"]["xq_coverage"].pk
    for address in (
        url("dashboard", plan.pk),
        url("dashboard", plan.pk, area=COUNTY),
        url("dashboard", plan.pk, screen=1),
        url("children", plan.pk),
        url("drill", plan.pk, target),
        url("trend", plan.pk),
    ):
        assert client.get(address).status_code == 404, address


def test_without_plan_view_the_pages_are_refused(world, users, login, client):
    plan = world["plan"]
    target = world["targets"]["xq_coverage"].pk
    pages = [
        url("dashboard", plan.pk),
        url("children", plan.pk),
        url("drill", plan.pk, target),
        url("trend", plan.pk),
        reverse("plans:dashboard_home"),
    ]
    worker = login(users["worker_a1"])  # community workers hold no plan capability
    for address in pages:
        assert worker.get(address).status_code == 403, address
    worker.logout()
    for address in pages:
        assert client.get(address).status_code == 302, address


def test_unknown_plan_or_target_is_not_found(world, users, login):
    client = login(users["county"])
    plan = world["plan"]
    assert client.get(url("dashboard", plan.pk + 1000)).status_code == 404
    assert client.get(url("drill", plan.pk, 999999)).status_code == 404
    other = make_plan(area_code="220402000000", title="龙山区规划")
    assert client.get(url("dashboard", other["plan"].pk)).status_code == 404


def test_a_bad_year_is_shown_and_the_newest_year_is_read(world, users, login):
    client = login(users["county"])
    plan = world["plan"]
    response = client.get(url("dashboard", plan.pk, year=YEAR + 10))
    assert response.status_code == 400
    assert response.context["year"] == YEAR
    assert "Choose a year of the plan." in response.content.decode()
    response = client.get(url("dashboard", plan.pk, year="last"))
    assert response.status_code == 400
    assert response.context["board"].year == YEAR
    years = [y["value"] for y in response.context["years"]]
    assert years == [YEAR, YEAR - 1]


def test_never_computed_says_so_and_offers_the_recompute_to_managers(tree, users, login):
    plan = make_plan()["plan"]
    response = login(users["county"]).get(url("dashboard", plan.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="plan-never"' in body
    assert "never been computed" in body
    recompute = response.context["live"]["recompute_url"]
    expected = reverse("plans:recompute", args=[plan.pk])
    assert recompute == expected
    assert f'action="{expected}"' in body
    status = f"{reverse('plans:recompute_status', args=[plan.pk])}?year={YEAR}"
    assert f'hx-get="{status}"' in body
    counts = {c["key"]: c["count"] for c in response.context["counts"]}
    assert counts == {"met": 0, "at_risk": 0, "not_met": 0, "no_data": 4}

    town = login(users["town_a"]).get(url("dashboard", plan.pk))
    assert town.context["live"]["recompute_url"] is None  # town officers do not manage plans
    assert 'data-testid="recompute-form"' not in town.content.decode()


def test_a_snapshot_shows_its_own_values(world, users, login):
    plan = world["plan"]
    snapshot = Snapshot.objects.create(
        plan=plan, year=YEAR, label="年中", measured_at=timezone.now() - dt.timedelta(days=9)
    )
    SnapshotValue.objects.create(
        snapshot=snapshot,
        area_code=COUNTY,
        parent_code="220400000000",
        level=3,
        name="西安区",
        values={"xq_coverage": cell_to_json(cell(1, 3, "33.3333", 3, 2))},
    )
    response = login(users["county"]).get(url("dashboard", plan.pk, snapshot=snapshot.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="value-xq_coverage">33.3%<' in body
    assert "2 communities below target" in text(tile(body, "xq_coverage"))
    assert 'data-testid="plan-snapshot"' in body and "年中" in body
    assert f'value="{snapshot.pk}" selected' in body
    assert 'data-testid="recompute-form"' not in body  # a snapshot is not recomputed


# --- the areas below -----------------------------------------------------------------------------


def test_children_matrix_colours_each_town_by_status_and_links_down(world, users, login):
    plan, targets = world["plan"], world["targets"]
    response = login(users["county"]).get(url("children", plan.pk))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["code"], r["name"]) for r in rows] == [(TOWN_A, "仙城街道"), (TOWN_B, "东山街道")]
    a, b = rows
    assert [c["status"]["key"] for c in a["cells"]] == ["met", "at_risk", "met", "no_data"]
    assert [c["status"]["key"] for c in b["cells"]] == ["not_met", "met", "not_met", "no_data"]
    assert a["worst"]["key"] == "at_risk" and b["worst"]["key"] == "not_met"
    assert a["counts"] == {"met": 2, "at_risk": 1, "not_met": 0, "no_data": 1}
    body = response.content.decode()
    town_a = url("dashboard", plan.pk, area=TOWN_A, year=YEAR).replace("&", "&amp;")
    assert f'href="{town_a}"' in body
    drill = url("drill", plan.pk, targets["xq_coverage"].pk, area=COUNTY, year=YEAR)
    assert f'href="{drill.replace("&", "&amp;")}"' in body
    matrix = body[body.index('data-testid="children-matrix"') :]
    assert "not met" in text(matrix) and "✗" in matrix  # words and icon, not colour alone
    data = response.context["chart_data"]
    assert data["names"] == ["仙城街道", "东山街道"]
    by_status = {s["key"]: s["values"] for s in data["statuses"]}
    assert by_status == {"met": [2, 1], "at_risk": [1, 0], "not_met": [0, 2], "no_data": [1, 1]}
    assert 'id="plans-chart-data"' in body and "plans/dashboard.js" in body


def test_children_of_a_community_are_none(world, users, login):
    response = login(users["county"]).get(url("children", world["plan"].pk, area=A1))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert 'data-testid="children-none"' in response.content.decode()


# --- one target down to the records ------------------------------------------------------------


def test_drill_lists_exactly_the_child_areas(world, users, login):
    plan, target = world["plan"], world["targets"]["xq_coverage"]
    client = login(users["county"])
    response = client.get(url("drill", plan.pk, target.pk))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["code"] for r in rows] == [TOWN_A, TOWN_B]
    assert [r["value"] for r in rows] == ["100.0%", "0.0%"]
    assert [(r["numerator"], r["denominator"]) for r in rows] == [("2", "2"), ("0", "1")]
    assert [r["status"]["key"] for r in rows] == ["met", "not_met"]
    assert [r["gap"] for r in rows] == ["", "100.0%"]
    # a town opens the same target one level down
    assert rows[1]["url"] == url("drill", plan.pk, target.pk, area=TOWN_B, year=YEAR)
    assert response.context["total"]["value"] == "66.7%"
    data = response.context["chart_data"]
    assert data["values"] == [100.0, 0.0] and data["target"] == 100.0

    below = client.get(url("drill", plan.pk, target.pk, below=1))
    assert [r["code"] for r in below.context["rows"]] == [TOWN_B]

    town = client.get(url("drill", plan.pk, target.pk, area=TOWN_A))
    assert [r["code"] for r in town.context["rows"]] == [A1, A2]
    assert [c["name"] for c in town.context["crumbs"]] == ["西安区", "仙城街道"]
    assert town.context["crumbs"][0]["url"] == url(
        "drill", plan.pk, target.pk, area=COUNTY, year=YEAR
    )


def test_drill_to_communities_links_their_records(world, users, login):
    plan, target = world["plan"], world["targets"]["xq_coverage"]
    response = login(users["county"]).get(url("drill", plan.pk, target.pk, area=TOWN_B, below=1))
    rows = response.context["rows"]
    assert [r["code"] for r in rows] == [B1]
    (row,) = rows
    assert row["is_community"]
    records = row["records_url"]
    assert records.startswith(reverse("facilities:list")) and f"area={B1}" in records
    body = response.content.decode()
    assert f'data-testid="records-{B1}"' in body


def test_drill_sorts_by_value(world, users, login):
    plan, target = world["plan"], world["targets"]["xq_area_per_100"]
    client = login(users["county"])
    up = client.get(url("drill", plan.pk, target.pk, area=TOWN_A, sort="value"))
    assert [r["code"] for r in up.context["rows"]] == [A2, A1]
    down = client.get(url("drill", plan.pk, target.pk, area=TOWN_A, sort="-value"))
    assert [r["code"] for r in down.context["rows"]] == [A1, A2]
    assert 'aria-sort="descending"' in down.content.decode()
    assert [r["status"]["key"] for r in up.context["rows"]] == ["not_met", "met"]
    assert up.context["rows"][0]["gap"] == "10.0 m²"


# --- the trend -----------------------------------------------------------------------------------


def test_trend_joins_the_snapshots_and_the_live_values(world, users, login):
    plan = world["plan"]
    snapshot = Snapshot.objects.create(
        plan=plan, year=YEAR, label="一季度", measured_at=timezone.now() - dt.timedelta(days=200)
    )
    SnapshotValue.objects.create(
        snapshot=snapshot, area_code=COUNTY, parent_code="220400000000", level=3, name="西安区",
        values={"xq_coverage": cell_to_json(cell(1, 3, "33.3333", 3, 2))},
    )  # fmt: skip
    response = login(users["county"]).get(url("trend", plan.pk))
    assert response.status_code == 200
    data = response.context["chart_data"]
    assert len(data["labels"]) == 2 and data["labels"][0] == "一季度"
    coverage = next(t for t in data["targets"] if t["label"] == "综合服务设施覆盖率")
    assert coverage["values"] == [33.3, 66.7]
    assert coverage["target"] == 100.0
    body = response.content.decode()
    assert 'data-testid="trend-table"' in body and "33.3%" in body and "66.7%" in body


# --- the big screen ------------------------------------------------------------------------------


def test_big_screen_renders_without_navigation_and_refreshes_its_tiles(world, users, login):
    plan = world["plan"]
    client = login(users["county"])
    response = client.get(url("dashboard", plan.pk, screen=1))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="pl-screen"' in body
    assert "site-nav" not in body and "site-header" not in body and "site-footer" not in body
    assert 'hx-trigger="every 300s"' in body
    assert 'data-testid="value-xq_coverage">66.7%<' in body
    assert "not met" in text(tile(body, "xq_coverage"))

    partial = client.get(url("dashboard", plan.pk, screen=1), headers={"HX-Request": "true"})
    assert partial.status_code == 200
    html = partial.content.decode()
    assert "<html" not in html and html.strip().startswith('<div id="pl-board"')
    assert 'hx-trigger="every 300s"' in html  # the refreshed board keeps refreshing
    assert 'data-testid="value-xq_coverage">66.7%<' in html


def test_the_dashboard_links_to_the_big_screen_and_other_views(world, users, login):
    plan = world["plan"]
    body = login(users["county"]).get(url("dashboard", plan.pk)).content.decode()
    assert (
        f"{reverse('plans:dashboard', args=[plan.pk])}?area={COUNTY}&amp;year={YEAR}&amp;screen=1"
        in body
    )
    assert f'href="{reverse("plans:trend", args=[plan.pk])}?area={COUNTY}"' in body


# --- query counts --------------------------------------------------------------------------------


def _grow(plan: Plan, n: int) -> None:
    """``n`` more communities in 仙城街道, measured."""
    more = {}
    for i in range(3, 3 + n):
        code = f"220403001{i:03d}"
        make_area(code, f"社区{i}", "111")
        more[code] = FIGURES[A1]
    measure(plan, more)


@pytest.mark.parametrize("page", ["dashboard", "children", "drill", "trend", "screen"])
def test_query_count_does_not_grow_with_the_tree(
    page, world, users, login, django_assert_num_queries
):
    plan, target = world["plan"], world["targets"]["xq_coverage"]
    client = login(users["county"])
    if page == "drill":
        address = url("drill", plan.pk, target.pk, area=TOWN_A)
    elif page == "screen":
        address = url("dashboard", plan.pk, screen=1)
    else:
        address = url(page, plan.pk, area=TOWN_A)
    client.get(address)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get(address).status_code == 200
    _grow(plan, 12)
    with django_assert_num_queries(len(small)):
        response = client.get(address)
    assert response.status_code == 200
    if page == "children":
        assert len(response.context["rows"]) == 14
    if page == "drill":
        assert len(response.context["rows"]) == 14


# --- the officer home ----------------------------------------------------------------------------


def test_officer_home_loads_the_plan_block_after_the_page(world, users, login):
    client = login(users["county"])
    home = client.get("/")
    body = home.content.decode()
    assert 'data-testid="home-plans-lazy"' in body
    assert f'hx-get="{reverse("plans:dashboard_home")}"' in body

    block = client.get(reverse("plans:dashboard_home"))
    assert block.status_code == 200
    html = block.content.decode()
    assert 'data-testid="home-plans"' in html and world["plan"].title in html
    (item,) = block.context["section"]["plans"]
    counts = {c["key"]: c["count"] for c in item["counts"]}
    assert counts == {"met": 0, "at_risk": 2, "not_met": 1, "no_data": 1}
    assert item["url"] == reverse("plans:dashboard", args=[world["plan"].pk])


def test_officer_home_block_for_a_town_counts_the_town(world, users, login):
    block = login(users["town_a"]).get(reverse("plans:dashboard_home"))
    (item,) = block.context["section"]["plans"]
    assert item["area"].code == TOWN_A
    counts = {c["key"]: c["count"] for c in item["counts"]}
    assert counts == {"met": 2, "at_risk": 1, "not_met": 0, "no_data": 1}


def test_officer_home_block_leaves_out_drafts_and_other_counties(world, neighbour, users, login):
    make_plan(area_code="220402000000", title="龙山区规划")
    draft = make_plan(title="草稿规划")["plan"]
    draft.status = Plan.Status.DRAFT
    draft.save(update_fields=["status"])
    block = login(users["county"]).get(reverse("plans:dashboard_home"))
    titles = [item["plan"].title for item in block.context["section"]["plans"]]
    assert titles == [world["plan"].title]
    mine = login(neighbour).get(reverse("plans:dashboard_home"))
    assert [item["plan"].title for item in mine.context["section"]["plans"]] == ["龙山区规划"]
    assert "never been computed" in mine.content.decode()


def test_residents_and_community_staff_get_no_plan_block(world, users, login):
    body = login(users["worker_a1"]).get("/").content.decode()
    assert "home-plans" not in body


def test_officer_home_block_costs_the_home_page_no_query(world, users, login, monkeypatch):
    from linli.web import navigation

    client = login(users["county"])
    client.get("/")  # warm up
    with CaptureQueriesContext(connection) as with_block:
        assert 'data-testid="home-plans-lazy"' in client.get("/").content.decode()
    others = [
        s for s in navigation.HOME_SECTIONS if s.template != "plans/dashboard/home_block.html"
    ]
    monkeypatch.setattr(navigation, "HOME_SECTIONS", others)
    with CaptureQueriesContext(connection) as without:
        assert "home-plans" not in client.get("/").content.decode()
    assert len(with_block) == len(without)


# --- plans that cannot be shown ------------------------------------------------------------------


def test_a_plan_that_starts_next_year_says_so(tree, users, login):
    plan = make_plan(title="明年的规划")["plan"]
    plan.start_year, plan.end_year = YEAR + 1, YEAR + 5
    plan.save(update_fields=["start_year", "end_year"])
    response = login(users["county"]).get(url("dashboard", plan.pk))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="plan-unavailable"' in body and str(YEAR + 1) in body
    assert login(users["town_b"]).get(url("children", plan.pk)).status_code == 400
    neighbour = make_user("county_b", Role.COUNTY_OFFICER, make_area("220402", "龙山区"))
    assert login(neighbour).get(url("dashboard", plan.pk)).status_code == 404


def test_a_template_is_measured_nowhere(tree, users, login):
    found = make_plan(title="模板")
    template = found["plan"]
    template.is_template, template.template_key = True, "dashboard_test"
    template.save(update_fields=["is_template", "template_key"])
    assert login(users["county"]).get(url("dashboard", template.pk)).status_code == 404


def test_the_recompute_form_computes_the_values_and_comes_back(
    tree, users, login, django_capture_on_commit_callbacks
):
    plan = make_plan()["plan"]
    client = login(users["county"])
    address = url("dashboard", plan.pk)
    page = client.get(address)
    live = page.context["live"]
    assert live["recompute_url"] == reverse("plans:recompute", args=[plan.pk])
    form = page.content.decode().split('data-testid="recompute-form"')[1].split("</form>")[0]
    fields = dict(re.findall(r'name="(year|next)" value="([^"]*)"', form))
    assert fields == {"year": str(YEAR), "next": address}
    with django_capture_on_commit_callbacks(execute=True):  # the task runs after the commit
        response = client.post(live["recompute_url"], fields)
    assert response.status_code == 302 and response["Location"] == address
    after = client.get(address)
    assert after.context["live"]["never"] is False
    assert 'data-testid="plan-live-when"' in after.content.decode()
    assert Measurement.objects.filter(plan=plan, year=YEAR, area_code=COUNTY).exists()
