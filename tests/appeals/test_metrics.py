"""Appeal figures (接诉即办): the rates on a small constructed month, the county's policy,
scoping, bounded queries, the page with its charts and tables, the .xlsx export and the API.

The month is March 2026 (Asia/Shanghai), counted on 10 April. Appeals (all built with the ORM,
with the states and timestamps their actions would leave):

    #  where  unit        state        responded  resolved on time  accept  resolve  rating
    1  A1     A1          closed       yes        yes               1 h     24 h     5 (Mar)
    2  A1     A1          confirmed*   yes        no                3 h     72 h     —
    3  A1     A1          in progress  no         — (overdue)       30 h    —        —
    4  A1     —           rejected
    5  A2     —           merged into 1
    6  A2     A2          dispatched   —          — (not yet due)   —       —        —
    7  A2     office      closed       yes        yes               2 h     48 h     3 (Mar)
    8  B1     B1          closed       yes        yes               5 h     10 h     4 (Mar)
    *  confirmed automatically; 1, 3 and 4 share a contact phone. A February appeal in A1 is
       rated 2 in March (a rating counts in the month it is given).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from linli.appeals import actions, queries
from linli.appeals.models import Appeal, Policy, Rating, State, Unit
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.scoping import SYSTEM


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read messages and sheet names in English (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 4, 10, 12, tzinfo=TZ)
MARCH = "2026-03"
COUNTY = "220403000000"
PHONE = "13811112222"


def at(day: int, hour: int = 9, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


@pytest.fixture
def units(tree, office):
    def area_unit(key):
        area = tree[key]
        return Unit.objects.create(
            kind=Unit.Kind.COMMUNITY, name=f"{area.name}居委会", area=area, area_code=area.code
        )

    return {"a1": area_unit("a1"), "a2": area_unit("a2"), "b1": area_unit("b1"), "office": office}


def _appeal(catalogue, area, *, state, unit=None, submitted, phone="", key="noise", **fields):
    category = catalogue[key]
    submitted_at = submitted
    return Appeal.objects.create(
        area_code=area.code,
        category=category,
        tier=category.tier,
        title="测试诉求",
        description="测试诉求的内容",
        channel="online",
        token=Appeal.new_token(),
        state=state,
        unit=unit,
        contact_phone=phone or None,
        submitted_at=submitted_at,
        state_changed_at=submitted_at,
        respond_due=submitted_at + dt.timedelta(days=1),
        resolve_due=fields.pop("resolve_due", submitted_at + dt.timedelta(days=9)),
        **fields,
    )


def _rate(appeal, level, when, *, round_=0, efficiency=None, attitude=None, result=None):
    return Rating.objects.create(
        appeal=appeal,
        round=round_,
        level=level,
        efficiency=efficiency or level,
        attitude=attitude or level,
        result=result or level,
        unit=appeal.unit,
        area_code=appeal.area_code,
        at=when,
    )


@pytest.fixture
def month(tree, catalogue, units):
    """The appeals of the module docstring, by number."""
    a1, a2, b1 = tree["a1"], tree["a2"], tree["b1"]
    h = dt.timedelta(hours=1)
    made = {}
    s = at(2)
    made[1] = _appeal(
        catalogue, a1, state=State.CLOSED, unit=units["a1"], submitted=s, phone=PHONE,
        responded_on_time=True, resolved_on_time=True, first_accepted_at=s + h,
        resolved_at=s + 24 * h, rating=5, key="property.leak",
    )  # fmt: skip
    s = at(3)
    made[2] = _appeal(
        catalogue, a1, state=State.CONFIRMED, unit=units["a1"], submitted=s, auto_confirmed=True,
        responded_on_time=True, resolved_on_time=False, first_accepted_at=s + 3 * h,
        resolved_at=s + 72 * h,
    )  # fmt: skip
    s = at(5)
    made[3] = _appeal(
        catalogue, a1, state=State.IN_PROGRESS, unit=units["a1"], submitted=s, phone=PHONE,
        responded_on_time=False, first_accepted_at=s + 30 * h, resolve_due=at(20),
    )  # fmt: skip
    made[4] = _appeal(catalogue, a1, state=State.REJECTED, submitted=at(6), phone=PHONE)
    made[5] = _appeal(
        catalogue, a2, state=State.MERGED, submitted=at(7), merged_into=made[1]
    )  # fmt: skip
    made[6] = _appeal(
        catalogue, a2, state=State.DISPATCHED, unit=units["a2"], submitted=at(31, 20),
        resolve_due=at(25, month=4),
    )  # fmt: skip
    s = at(10)
    made[7] = _appeal(
        catalogue, a2, state=State.CLOSED, unit=units["office"], submitted=s,
        responded_on_time=True, resolved_on_time=True, first_accepted_at=s + 2 * h,
        resolved_at=s + 48 * h, rating=3, key="property.leak",
    )  # fmt: skip
    s = at(12)
    made[8] = _appeal(
        catalogue, b1, state=State.CLOSED, unit=units["b1"], submitted=s,
        responded_on_time=True, resolved_on_time=True, first_accepted_at=s + 5 * h,
        resolved_at=s + 10 * h, rating=4,
    )  # fmt: skip
    february = _appeal(
        catalogue, a1, state=State.IN_PROGRESS, unit=units["a1"], submitted=at(20, month=2),
        responded_on_time=True, first_accepted_at=at(20, 12, month=2), rating=2,
    )  # fmt: skip
    _rate(made[1], 5, at(4), efficiency=4, attitude=5, result=5)
    _rate(made[7], 3, at(14), efficiency=2, attitude=4, result=3)
    _rate(made[8], 4, at(13))
    _rate(february, 2, at(1, 8), efficiency=1, attitude=3, result=2)
    _appeal(catalogue, a1, state=State.SUBMITTED, submitted=at(1, 0, month=4))  # April
    return made


def figures(actor, area=None, period=MARCH, **kwargs):
    scope = queries.metrics_scope(actor=actor, area=area, period=period, now=NOW, **kwargs)
    return queries.metrics_figures(scope=scope)


def pair(rate) -> tuple[int, int]:
    return rate.numerator, rate.denominator


# --- the numbers ------------------------------------------------------------------------------


def test_county_month_rates_are_exact(users, month):
    f = figures(users["county"])
    h = f.headline
    assert h.received == 8
    assert (h.rejected, h.merged) == (1, 1)
    assert pair(h.rates["response"]) == (4, 6)
    assert pair(h.rates["resolution"]) == (4, 6)
    assert pair(h.rates["satisfaction"]) == (3, 4)
    assert pair(h.rates["on_time"]) == (3, 5)
    assert pair(h.rates["repeat"]) == (2, 6)
    assert h.repeat_callers == 1
    assert h.rates["response"].value == pytest.approx(0.6667)
    assert h.rates["response"].percent == "66.7%"
    assert [r.key for r in f.three] == ["response", "resolution", "satisfaction"]
    assert h.accept_hours == 3.0  # 1, 2, 3, 5, 30 hours
    assert h.resolve_hours == 36.0  # 10, 24, 48, 72 hours
    assert h.ratings == 4
    assert h.scores == {"level": 3.5, "efficiency": 2.75, "attitude": 4.0, "result": 3.5}


def test_the_three_rates_alone_match(users, month):
    scope = queries.metrics_scope(actor=users["county"], period=MARCH, now=NOW)
    rates = queries.metrics_rates(scope=scope)
    assert {k: pair(r) for k, r in rates.items()} == {
        "response": (4, 6),
        "resolution": (4, 6),
        "satisfaction": (3, 4),
        "on_time": (3, 5),
    }


def test_breakdowns_by_unit_area_month_and_category(users, units, month, tree):
    f = figures(users["county"])
    by_unit = {row.key: row for row in f.by_unit}
    a1 = by_unit[str(units["a1"].pk)]
    assert a1.received == 3
    assert pair(a1.rates["response"]) == (2, 3)
    assert pair(a1.rates["resolution"]) == (2, 3)
    # ratings follow Rating.unit: the February appeal's and #1's
    assert pair(a1.rates["satisfaction"]) == (1, 2)
    office = by_unit[str(units["office"].pk)]
    assert (office.received, pair(office.rates["satisfaction"])) == (1, (1, 1))
    unassigned = by_unit[""]
    assert unassigned.received == 2  # the rejected and the merged appeal
    assert pair(unassigned.rates["response"]) == (0, 0)

    by_area = {row.key: row for row in f.by_area}
    assert set(by_area) == {tree["town_a"].code, tree["town_b"].code}
    town_a = by_area[tree["town_a"].code]
    assert town_a.name == "仙城街道"
    assert (town_a.received, pair(town_a.rates["response"])) == (7, (3, 5))
    assert pair(town_a.rates["satisfaction"]) == (2, 3)
    assert pair(by_area[tree["town_b"].code].rates["resolution"]) == (1, 1)

    assert [row.key for row in f.trend] == [f"2025-{m:02d}" for m in range(4, 13)] + [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    february, march = f.trend[-2], f.trend[-1]
    assert (february.received, march.received) == (1, 8)
    assert pair(march.rates["satisfaction"]) == (3, 4)
    assert pair(february.rates["satisfaction"]) == (0, 0)

    categories = {row.key: row for row in f.categories}
    property_id = str(month[1].category.parent_id)
    assert categories[property_id].received == 2  # both leaks, under their top-level category
    assert f.categories[0].received == 6  # noise
    hot = f.hotspots
    assert hot.categories[0].key == str(month[2].category_id)
    assert dict(hot.places)[tree["a1"].code] == "仙城社区"
    row = {r.key: counts for r, counts in hot.rows}
    places = [code for code, _name in hot.places]
    assert row[property_id][places.index(tree["a1"].code)] == 1
    assert row[property_id][places.index(tree["a2"].code)] == 1


def test_town_breakdown_lists_every_community_even_without_appeals(users, month, tree):
    from tests.conftest import make_area

    make_area("220403001003", "空社区")
    f = figures(users["town_a"], area=tree["town_a"].code)
    assert [(row.key, row.received) for row in f.by_area] == [
        (tree["a1"].code, 4),
        (tree["a2"].code, 3),
        ("220403001003", 0),
    ]


def test_policy_changes_the_figures(users, month):
    Policy.objects.update_or_create(
        area_code=COUNTY, defaults={"satisfied_from": 4, "auto_confirmed_resolved": False}
    )
    f = figures(users["county"])
    h = f.headline
    # #2 was confirmed automatically and never rated: no longer resolved
    assert pair(h.rates["resolution"]) == (3, 6)
    assert pair(h.rates["satisfaction"]) == (2, 4)  # only levels 4 and 5
    assert h.resolve_hours == 24.0  # 10, 24, 48
    with translation.override("en"):
        texts = {t.key: t for t in queries.metrics_figures(scope=f.scope).formulas}
    assert "4" in texts["satisfaction"].numerator
    assert "only once it is rated 4" in texts["resolution"].note
    # rated at the satisfied level, an auto-confirmed appeal counts as resolved again
    Appeal.objects.filter(pk=month[2].pk).update(rating=4)
    assert pair(figures(users["county"]).headline.rates["resolution"]) == (4, 6)


def test_counties_above_keep_their_own_policies(users, month):
    from tests.conftest import make_area

    make_area("220402", "龙山区")
    Policy.objects.update_or_create(area_code=COUNTY, defaults={"satisfied_from": 4})
    scope = queries.metrics_scope(actor=SYSTEM, area="2204", period=MARCH, now=NOW)
    assert not scope.rules.uniform
    rates = queries.metrics_rates(scope=scope)
    assert pair(rates["satisfaction"]) == (2, 4)
    with translation.override("en"):
        notes = {t.key: t.note for t in queries.metrics_figures(scope=scope).formulas}
    assert notes["satisfaction"] == "Each county counts this by its own appeal policy."


def test_formulas_drive_the_text_and_the_counting(db):
    keys = set(queries.FORMULAS)
    assert {"response", "resolution", "satisfaction", "on_time", "repeat"} <= keys
    assert {"accept_time", "resolve_time", "scores", "volume", "hotspots"} <= keys
    with translation.override("en"):
        texts = {t.key: t for t in queries.metrics.formula_texts(queries.metrics.rules_for(""))}
    assert texts["response"].numerator == "appeals accepted within their response deadline"
    assert texts["response"].denominator.startswith("appeals submitted in the period")
    assert "3" in texts["satisfaction"].numerator


# --- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last", "code"),
    [
        ("2026-03", dt.date(2026, 3, 1), dt.date(2026, 3, 31), "2026-03"),
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2026-Q1"),
        ("2026q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026-Q4"),
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026"),
        ("2026-03-05..2026-03-09", dt.date(2026, 3, 5), dt.date(2026, 3, 9), None),
        ("2026-02-27/2026-03-02", dt.date(2026, 2, 27), dt.date(2026, 3, 2), None),
    ],
)
def test_periods(text, first, last, code):
    period = queries.parse_period(text)
    assert (period.first, period.last) == (first, last)
    if code:
        assert period.code == code
    assert period.start.utcoffset() == dt.timedelta(hours=8)
    assert period.end - period.start == dt.timedelta(days=(last - first).days + 1)


def test_default_period_is_the_current_month():
    period = queries.parse_period("", today=dt.date(2026, 11, 22))
    assert period.code == "2026-11"
    assert period.trend_months()[0] == dt.date(2025, 12, 1)


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "1999",
        "2026-Q5",
        "yesterday",
        "2026-03-09..2026-03-01",
        "2026-02-30..2026-03-01",
        "2020-01-01..2026-01-01",
    ],
)
def test_bad_periods_name_the_field(text):
    with pytest.raises(ActionError) as caught:
        queries.parse_period(text)
    assert "period" in caught.value.errors


def test_a_range_counts_whole_local_days(users, month):
    f = figures(users["county"], period="2026-03-31..2026-03-31")
    assert f.headline.received == 1  # #6 at 20:00 local time on the 31st
    f = figures(users["county"], period="2026-Q1")
    assert f.headline.received == 9  # with the February appeal


# --- scope ------------------------------------------------------------------------------------


def test_neighbouring_town_sees_nothing_of_town_a(users, month, tree):
    f = figures(users["town_b"])
    assert f.scope.area == tree["town_b"]
    h = f.headline
    assert h.received == 1
    assert pair(h.rates["satisfaction"]) == (1, 1)
    assert [row.key for row in f.by_area] == [tree["b1"].code]
    assert all(row.name != "仙城社区居委会" for row in f.by_unit)
    with pytest.raises(NotFound):
        figures(users["town_b"], area=tree["town_a"].code)
    with pytest.raises(NotFound):
        figures(users["town_b"], area=COUNTY)
    choices = [area.code for area, _depth in queries.metrics_area_choices(actor=users["town_b"])]
    assert choices == [tree["town_b"].code, tree["b1"].code]


def test_community_worker_sees_their_community(users, month, tree):
    f = figures(users["worker_a2"])
    assert f.scope.area == tree["a2"]
    assert f.headline.received == 3  # 5, 6, 7
    assert pair(f.headline.rates["satisfaction"]) == (1, 1)


def test_unit_member_sees_only_their_unit(users, units, month):
    f = figures(users["dept"])  # member of the office, no appeal.view
    assert f.scope.area.code == COUNTY
    assert not f.scope.whole_area
    assert f.headline.received == 1
    assert pair(f.headline.rates["response"]) == (1, 1)
    assert pair(f.headline.rates["satisfaction"]) == (1, 1)
    assert [row.key for row in f.by_unit] == [str(units["office"].pk)]
    choices = [area.code for area, _depth in queries.metrics_area_choices(actor=users["dept"])]
    assert choices == [COUNTY]


def test_unit_kind_filter(users, units, month):
    f = figures(users["county"], unit_kind="department")
    assert f.headline.received == 1
    assert pair(f.headline.rates["satisfaction"]) == (1, 1)
    with pytest.raises(ActionError) as caught:
        figures(users["county"], unit_kind="police")
    assert "unit_kind" in caught.value.errors


@pytest.mark.parametrize("who", ["resident_a1", "auditor", "sysadmin", "secadmin"])
def test_no_figures_for_those_without_appeals(users, month, who):
    assert not queries.metrics_allowed(users[who])
    with pytest.raises(Forbidden):
        figures(users[who])


def test_bounded_queries(users, month, tree, catalogue, units, django_assert_num_queries):
    county = users["county"]
    figures(county)  # warm the caches a request would also fill once (grants, units)
    expected = 16 if connection.vendor == "postgresql" else 19
    with django_assert_num_queries(expected):
        figures(county)
    for i in range(12):
        _appeal(
            catalogue, tree["b1" if i % 2 else "a2"], state=State.CLOSED, unit=units["b1"],
            submitted=at(15 + i), responded_on_time=True, first_accepted_at=at(15 + i, 11),
            resolved_at=at(15 + i, 15), key=("fire", "roads", "elderly")[i % 3],
        )  # fmt: skip
    with django_assert_num_queries(expected):
        assert figures(county).headline.received == 20


def test_appeals_through_the_actions_are_counted(users, submit, catalogue, tree):
    """The default period (this month): an appeal submitted, accepted, resolved and rated."""
    appeal = submit()
    other = submit()
    actions.appeal_merge(actor=users["head_a1"], appeal_id=other.pk, into_id=appeal.pk)
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    actions.appeal_resolve(actor=users["worker_a1"], appeal_id=appeal.pk, resolution="已处理")
    actions.appeal_rate(actor=users["resident_a1"], appeal_id=appeal.pk, level=5)
    scope = queries.metrics_scope(actor=users["town_a"])
    rates = queries.metrics_rates(scope=scope)
    assert pair(rates["response"]) == (1, 1)
    assert pair(rates["resolution"]) == (1, 1)
    assert pair(rates["satisfaction"]) == (1, 1)
    assert pair(rates["on_time"]) == (1, 1)
    assert queries.metrics_figures(scope=scope).headline.merged == 1
    neighbour = queries.metrics_scope(actor=users["town_b"])
    assert pair(queries.metrics_rates(scope=neighbour)["response"]) == (0, 0)


# --- the page ---------------------------------------------------------------------------------


def _page(client, **params):
    return client.get(reverse("appeals:metrics"), {"period": MARCH, **params})


def test_page_shows_rates_charts_data_and_tables(login, users, month, tree):
    response = _page(login(users["county"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="rate-response">66.7%<' in body
    assert 'data-testid="rate-satisfaction">75.0%<' in body
    data = json.loads(
        re.search(
            r'<script id="appeal-figures-data" type="application/json">(.*?)</script>', body, re.S
        ).group(1)
    )
    assert data["trend"]["months"][-1] == "2026-03"
    assert data["trend"]["received"][-1] == 8
    assert data["categories"]["received"][0] == 6
    assert data["hotspots"]["max"] == 3  # noise in A1
    assert len(data["units"]["names"]) == 4  # the unassigned appeals are in the table only
    # tables are in the page itself, inside <details>, for readers without scripts
    for table in ("units", "areas", "trend", "categories", "hotspots"):
        assert f'data-testid="table-{table}"' in body
    assert "仙城街道" in body and "东山街道" in body
    assert 'data-formula="response"' in body
    nonce = re.search(r'<script src="[^"]*echarts\.min\.js" nonce="([^"]+)"', body).group(1)
    assert f'appeals/metrics.js" nonce="{nonce}"' in body
    assert "style=" not in body.split('id="main"')[1]


def test_page_in_english_shows_the_formula_beside_the_rate(login, users, month):
    client = login(users["county"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = _page(client).content.decode()
    assert "4 of 6" in body
    assert "appeals accepted within their response deadline ÷ appeals submitted" in body


def test_page_without_figures_is_forbidden(login, users, month):
    assert _page(login(users["resident_a1"])).status_code == 403


def test_page_area_outside_is_not_found(login, users, month, tree):
    assert _page(login(users["town_b"]), area=tree["a1"].code).status_code == 404


def test_page_of_the_neighbouring_town_shows_nothing_of_town_a(login, users, month, tree):
    body = _page(login(users["town_b"])).content.decode()
    for text in ("仙城", "新兴社区", tree["a1"].code, tree["town_a"].code):
        assert text not in body


def test_bad_period_is_shown_beside_the_field(login, users, month):
    client = login(users["county"])
    response = client.get(reverse("appeals:metrics"), {"period": "range", "since": "2026-03-09"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="m-period-error"' in body
    response = _page(client, unit_kind="police")
    assert 'id="m-kind-error"' in response.content.decode()


def test_page_for_days_and_for_a_unit_member(login, users, month):
    client = login(users["county"])
    response = client.get(
        reverse("appeals:metrics"),
        {"period": "range", "since": "2026-03-31", "until": "2026-03-31"},
    )
    assert response.context["figures"].headline.received == 1
    assert 'value="2026-03-31"' in response.content.decode()
    response = _page(login(users["dept"]))
    assert response.status_code == 200
    assert response.context["figures"].headline.received == 1


# --- export -----------------------------------------------------------------------------------


def test_export_opens_with_the_rates_and_is_audited(login, users, month):
    client = login(users["county"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("appeals:metrics_export"), {"period": MARCH})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Rates",
        "By unit",
        "By area",
        "By month",
        "By category",
        "Hotspots",
        "How these are counted",
    ]
    rows = {r[0]: r[1:4] for r in book["Rates"].iter_rows(values_only=True) if r and r[0]}
    assert rows["Response rate"] == (4, 6, 66.7)
    assert rows["Resolution rate"] == (4, 6, 66.7)
    assert rows["Satisfaction rate"] == (3, 4, 75.0)
    areas = [r[0] for r in book["By area"].iter_rows(min_row=2, values_only=True)]
    assert areas == ["仙城街道", "东山街道"]
    event = AuditEvent.objects.get(action="appeal.metrics_export")
    assert event.actor == users["county"]
    assert event.area_code == COUNTY
    assert event.extra["period"] == MARCH
    assert event.extra["appeals"] == 8


def test_export_refused_to_a_resident(login, users, month):
    response = login(users["resident_a1"]).get(reverse("appeals:metrics_export"))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="appeal.metrics_export").exists()


def test_export_cells_are_never_formulas(users, month, units):
    Unit.objects.filter(pk=units["a1"].pk).update(name="=HYPERLINK(1)")
    scope = queries.metrics_scope(actor=users["county"], period=MARCH, now=NOW)
    book = load_workbook(io.BytesIO(queries.figures_xlsx(queries.metrics_figures(scope=scope))))
    cell = next(c for row in book["By unit"].iter_rows() for c in row if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"


# --- API --------------------------------------------------------------------------------------

API = "/api/v1/appeals/figures/"


def test_api_answers_the_same_figures(login, users, month, tree):
    response = login(users["county"]).get(API, {"period": MARCH})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["area"]["code"] == COUNTY
    assert body["period"]["first"] == "2026-03-01"
    rates = body["rates"]
    assert (rates["response"]["numerator"], rates["response"]["denominator"]) == (4, 6)
    assert (rates["resolution"]["numerator"], rates["resolution"]["denominator"]) == (4, 6)
    assert (rates["satisfaction"]["numerator"], rates["satisfaction"]["denominator"]) == (3, 4)
    assert rates["satisfaction"]["value"] == 0.75
    assert body["headline"]["accept_hours"] == 3.0
    assert [r["key"] for r in body["by_area"]] == [tree["town_a"].code, tree["town_b"].code]
    assert len(body["trend"]) == 12
    assert {f["key"] for f in body["formulas"]} >= {"response", "resolution", "satisfaction"}
    town = login(users["town_a"]).get(API, {"period": MARCH, "area": tree["a1"].code}).json()
    assert town["headline"]["received"] == 4


def test_api_refuses_a_resident_and_foreign_areas(login, users, month, tree):
    response = login(users["resident_a1"]).get(API)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    client = login(users["town_b"])
    assert client.get(API, {"area": tree["town_a"].code}).status_code == 404
    response = client.get(API, {"period": "2026-13"})
    assert response.status_code == 400
    assert "period" in response.json()["errors"]


def test_api_is_described_in_openapi(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"][API]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"area", "period", "unit_kind"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/FiguresOut")
