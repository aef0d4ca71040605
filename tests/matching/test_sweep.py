"""``linli sweep`` brings each county's volunteer teams and venues into the service resources
list once a day."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.matching.actions import lists as actions
from linli.matching.actions.lists import resources_daily
from linli.matching.models import Resource
from linli.volunteers.models import Team
from tests.conftest import make_area
from tests.matching.fixtures_lists import (  # noqa: F401 (fixtures)
    english_fixture,
    hall_a1_fixture,
    make_team,
    team_a1_fixture,
    team_b1_fixture,
)


@pytest.fixture(autouse=True)
def _same_connection(monkeypatch):
    # the command closes stale connections between passes; in a test that would be the test's
    monkeypatch.setattr("django.db.close_old_connections", lambda: None)


def _sweep(capsys) -> dict:
    call_command("sweep")
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def _syncs() -> list[tuple[str, str]]:
    rows = AuditEvent.objects.filter(action="resource.sync").order_by("at", "id")
    return list(rows.values_list("actor_label", "area_code"))


def test_the_sweep_lists_the_teams_and_venues_once_a_day(
    users, tree, team_a1, team_b1, hall_a1, capsys
):
    found = _sweep(capsys)

    assert found["resources"] == {"counties": 1, "created": 3, "updated": 0, "stopped": 0}
    listed = Resource.objects.all()
    assert {r.team_id for r in listed if r.team_id} == {team_a1.pk, team_b1.pk}
    assert [r.venue_id for r in listed if r.venue_id] == [hall_a1.pk]
    assert _syncs() == [("system", tree["county"].code)]

    # Later the same day: nothing to do, whatever changed meanwhile.
    Team.objects.filter(pk=team_b1.pk).update(active=False)
    assert _sweep(capsys)["resources"]["counties"] == 0
    assert len(_syncs()) == 1
    assert Resource.objects.get(team=team_b1).active

    # The next day the change is picked up.
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert resources_daily(now=tomorrow) == {
        "counties": 1,
        "created": 0,
        "updated": 1,
        "stopped": 1,
    }
    assert not Resource.objects.get(team=team_b1).active
    assert len(_syncs()) == 2


def test_a_county_synced_by_an_officer_today_waits_for_tomorrow(users, tree, team_a1):
    actions.resources_sync(actor=users["county"], area_code=tree["county"].code)
    assert resources_daily()["counties"] == 0
    assert _syncs() == [("county", tree["county"].code)]


def test_a_town_synced_today_does_not_count_for_its_county(users, tree, team_a1, team_b1):
    actions.resources_sync(actor=users["town_a"], area_code=tree["town_a"].code)
    assert Resource.objects.count() == 1

    found = resources_daily()

    assert found["counties"] == 1 and found["created"] == 1  # B1's team; A1's was listed
    assert Resource.objects.count() == 2


def test_each_county_with_teams_or_venues_and_none_without(users, tree, team_a1):
    other = make_area("220402001001", "龙山区某社区", "111")
    make_team(other, "龙山助老队", skills=["elderly_care"], members=[["sat_am"]])
    make_area("220404001001", "无队伍的社区", "111")  # a county with nothing to list

    found = resources_daily()

    assert found["counties"] == 2
    assert sorted(code for _who, code in _syncs()) == ["220402000000", "220403000000"]
    assert Resource.objects.filter(area_code__startswith="220402").count() == 1


def test_nothing_to_list_nothing_synced(tree, capsys):
    assert _sweep(capsys)["resources"] == {
        "counties": 0,
        "created": 0,
        "updated": 0,
        "stopped": 0,
    }
    assert _syncs() == []
