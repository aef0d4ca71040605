"""The capacity pages: figures with their tiles, chart data and table; the rows of one figure;
the gap finder and its audited download; the officer home block."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from linli.core.models import AuditEvent

from .capacity_fixtures import *  # noqa: F403 (the capacity_world fixture)
from .capacity_fixtures import AS_OF, R1, X
from .test_capacity_figures import A1, A2, B1

pytestmark = pytest.mark.django_db

DAY = AS_OF.isoformat()


def _get(client, name, *args, **query):
    return client.get(reverse(f"facilities:{name}", args=args or None), query)


def test_capacity_page_shows_every_figure(capacity_world, users, login):
    client = login(users["county"])
    response = _get(client, "capacity", area="220403", as_of=DAY)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="value-facility_coverage">60.0%<' in body
    assert 'data-testid="value-facility_area_per_100_households">94.0 m²<' in body
    assert 'data-testid="value-facility_daily_open_hours">6.00 h<' in body
    assert "3 / 5" in body
    assert "Plan target ≥ 30 m²" in body
    assert "2 of 4 communities reach it" in body
    assert "仙城街道" in body and "东山街道" in body  # the towns, to drill into
    assert "?area=220403001000" in body
    data = response.context["chart_data"]
    assert data["names"] == ["仙城街道", "东山街道"]
    assert data["values"]["facility_coverage"] == [100.0, 33.3]
    assert data["targets"]["facility_area_per_100_households"] == 30.0
    assert 'id="capacity-data"' in body
    assert "facilities/capacity.js" in body
    json.loads(body.split('id="capacity-data" type="application/json">')[1].split("</script>")[0])


def test_capacity_page_defaults_to_the_users_area_and_today(capacity_world, users, login):
    response = _get(login(users["town_a"]), "capacity")
    assert response.status_code == 200
    assert response.context["area"].code == "220403001000"
    assert [c["child"].area_code for c in response.context["children"]] == [A1, A2]
    assert "东山" not in response.content.decode()


def test_capacity_page_bad_date_is_shown(capacity_world, users, login):
    response = _get(login(users["county"]), "capacity", area="220403", as_of="2026-02-30")
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in response.content.decode()
    assert response.context["area"].code == "220403000000"


def test_capacity_pages_refuse_and_hide(capacity_world, users, login):
    assert _get(login(users["worker_a1"]), "capacity").status_code == 403
    client = login(users["town_b"])
    assert _get(client, "capacity", area=A1).status_code == 404
    assert _get(client, "capacity_figure", "facility_coverage", area=A1).status_code == 404
    assert _get(client, "capacity_gaps", area=A1, lacks="day_care").status_code == 404
    assert _get(client, "capacity_gaps_export", area=A1, lacks="day_care").status_code == 404
    assert _get(client, "capacity_figure", "nonsense").status_code == 404
    client.logout()
    assert _get(client, "capacity").status_code == 302


def test_up_link_only_within_reach(capacity_world, users, login):
    town = _get(login(users["town_a"]), "capacity")
    assert town.context["up"] == ""
    county = _get(login(users["county"]), "capacity", area="220403001")
    assert "area=220403000000" in county.context["up"]


def test_figure_page_lists_below_target_first(capacity_world, users, login):
    client = login(users["county"])
    response = _get(
        client, "capacity_figure", "facility_area_per_100_households", area="220403", as_of=DAY
    )
    assert response.status_code == 200
    rows = [item["row"].area_code for item in response.context["page_obj"].object_list]
    assert rows[:2] == [B1, A2]  # below the target, lowest first
    assert set(rows) == {A1, A2, B1, R1, X}
    body = response.content.decode()
    assert "(registry)" in body and "(reported)" in body
    assert "2 of 4 communities whose households are known reach the target (50.0%)." in body
    by_name = _get(
        client,
        "capacity_figure",
        "facility_area_per_100_households",
        area="220403",
        as_of=DAY,
        sort="-value",
    )
    first = by_name.context["page_obj"].object_list[0]["row"]
    assert first.area_code == A1


def test_figure_page_threshold(capacity_world, users, login):
    client = login(users["county"])
    response = _get(
        client, "capacity_figure", "facility_daily_open_hours", area="220403", as_of=DAY,
        threshold="6",
    )  # fmt: skip
    assert response.context["fig"].extra["below"] == 0
    bad = _get(
        client, "capacity_figure", "facility_daily_open_hours", area="220403", as_of=DAY,
        threshold="99",
    )  # fmt: skip
    assert bad.status_code == 400
    assert "at most 24" in bad.content.decode()
    assert bad.context["fig"].extra["below"] == 1  # the default target applies


def test_station_figure_lists_towns(capacity_world, users, login):
    response = _get(
        login(users["county"]), "capacity_figure", "social_work_station_coverage", as_of=DAY
    )
    rows = [item["row"].area_code for item in response.context["page_obj"].object_list]
    assert rows == ["220403001000", "220403002000"]
    assert "Town or street" in response.content.decode()


def test_gap_finder_opens_with_the_done_when_question(capacity_world, users, login):
    response = _get(login(users["county"]), "capacity_gaps", as_of=DAY)
    assert response.status_code == 200
    report = response.context["report"]
    assert [c.key for c in report.conditions] == [
        "lacks:day_care",
        "area_per_100_below",
        "hours_below",
    ]
    body = response.content.decode()
    assert 'name="lacks" value="day_care" checked' in body


def test_gap_finder_with_chosen_conditions(capacity_world, users, login):
    client = login(users["county"])
    response = _get(
        client, "capacity_gaps", go="1", as_of=DAY, lacks="day_care", area_below="30",
        workers_below="18",
    )  # fmt: skip
    assert response.status_code == 200
    codes = [row.area_code for row in response.context["page_obj"].object_list]
    assert codes[0] == A2 and set(codes) == {A1, A2, B1, R1, X}
    body = response.content.decode()
    assert "5 of 5 communities fail at least one condition." in body
    assert 'data-failure="workers_per_10k_below"' in body
    assert "export.xlsx" in response.context["export_url"]
    none = _get(client, "capacity_gaps", go="1", as_of=DAY, lacks="police", scope="urban")
    assert none.context["report"].rows  # no police room anywhere
    empty = _get(client, "capacity_gaps", go="1", as_of=DAY)
    assert empty.status_code == 400
    assert "Choose at least one condition." in empty.content.decode()
    bad = _get(client, "capacity_gaps", go="1", as_of=DAY, hours_below="30")
    assert bad.status_code == 400


def test_gap_export_is_an_audited_workbook(capacity_world, users, login):
    client = login(users["county"])
    response = _get(
        client, "capacity_gaps_export", area="220403", as_of=DAY, go="1", lacks="day_care",
        no_officer="1",
    )  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:4] == ("Code", "Community", "Town", "Urban-rural class")
    codes = [r[0] for r in rows[3:] if r and r[0] and str(r[0]).isdigit()]
    assert set(codes) == {A2, B1, R1, X}
    event = AuditEvent.objects.get(action="facilities.capacity_gaps_export")
    assert event.actor == users["county"]
    assert event.extra["conditions"] == ["lacks:day_care", "no_officer"]
    assert event.extra["rows"] == 4 and event.area_code == "220403000000"
    bad = _get(client, "capacity_gaps_export", go="1")
    assert bad.status_code == 303
    assert AuditEvent.objects.filter(action="facilities.capacity_gaps_export").count() == 1


def _home_block(client) -> str:
    """The officer home's capacity block as the browser gets it: the home page names where
    the block loads from, and htmx fetches it."""
    home = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="home-capacity-lazy"' in home
    assert reverse("facilities:capacity_home") in home
    return client.get(reverse("facilities:capacity_home"), HTTP_HX_REQUEST="true").content.decode()


def test_officer_home_shows_the_worst_gaps(capacity_world, users, login):
    body = _home_block(login(users["county"]))
    assert 'data-testid="home-capacity-gaps"' in body
    block = body.split('data-testid="home-capacity-gaps"')[1].split("</section>")[0]
    assert "新兴社区" in block and "东山社区" in block
    assert "See all 4 communities with gaps (of 5)" in block


def test_officer_home_block_stays_in_the_town(capacity_world, users, login):
    body = _home_block(login(users["town_b"]))
    block = body.split('data-testid="home-capacity-gaps"')[1].split("</section>")[0]
    assert "仙城" not in block and "新兴" not in block
    assert "东山社区" in block


def test_no_block_without_the_capability(capacity_world, users, login):
    client = login(users["worker_a1"])
    body = client.get(reverse("web:home")).content.decode()
    assert "home-capacity" not in body
    assert client.get(reverse("facilities:capacity_home")).status_code == 403
