"""The demo jurisdiction loads, is idempotent, and gives a working account for every role."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from collections import defaultdict

from django.core.management import call_command

from linli.core import demo
from linli.core.areacodes import Level
from linli.core.models import Area, AuditEvent, ReportedFigure, RoleAssignment, User
from linli.core.roles import Role
from linli.facilities.queries.capacity import capacity_figures


def test_demo_loads_every_role_and_the_real_county(db):
    call_command("load_demo", "--residents", "0", stdout=io.StringIO())
    county = Area.objects.get(code="220403000000")
    assert county.name == "西安区"
    towns = Area.objects.filter(parent=county).order_by("code")
    assert [t.name for t in towns] == [
        "仙城街道",
        "东山街道",
        "先锋街道",
        "福寿街道",
        "富国街道",
        "安家街道",
        "灯塔镇",
    ]
    assert all(t.is_demo for t in towns)
    villages = Area.objects.filter(parent__code="220403100000")
    assert villages.exists() and all(v.urban_rural == "220" for v in villages)
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    user = User.objects.get(username="county")
    assert user.check_password(demo.DEMO_PASSWORD)
    assert user.phone == "13800000010"


def test_demo_is_idempotent(db):
    call_command("load_demo", "--residents", "0", stdout=io.StringIO())

    def counts():
        return (
            Area.objects.count(),
            User.objects.count(),
            RoleAssignment.objects.count(),
            list(ReportedFigure.objects.values_list("area_id", "kind", "as_of", "value")),
        )

    before = counts()
    events = AuditEvent.objects.exclude(action="area.import").count()
    call_command("load_demo", "--residents", "0", stdout=io.StringIO())
    assert counts() == before
    assert AuditEvent.objects.exclude(action="area.import").count() == events


def test_figures_reported_at_each_year_end(db):
    """Every community has its population and households as of the end of each of the last
    three years: most shrink a little every year, those with new estates grow."""
    demo.load_core_demo()
    communities = Area.objects.filter(code__startswith="220403", level=Level.COMMUNITY)
    found = defaultdict(dict)
    for figure in ReportedFigure.objects.filter(area__in=communities):
        found[figure.area_id].setdefault(figure.as_of, {})[figure.kind] = figure.value
    days = sorted(dt.date.fromisoformat(day) for day in demo.FIGURES_AS_OF)
    assert days[-1] == dt.date(2025, 12, 31) and days[0] == dt.date(2023, 12, 31)
    assert set(found) == set(communities.values_list("code", flat=True))
    for code, by_day in found.items():
        assert sorted(by_day) == days
        people = [by_day[day]["population"] for day in days]
        households = [by_day[day]["households"] for day in days]
        assert all(2 * h < p < 4 * h for p, h in zip(people, households, strict=True))
        for before, after in zip(people, people[1:], strict=False):
            change = (after - before) / before
            if code in demo.ESTATES:
                assert 0.03 < change < 0.1
            else:
                assert -0.04 < change < 0
    # The latest figures are those the other demo data are sized against.
    assert found["220403001001"][days[-1]] == {"population": 3720, "households": 1377}


def test_past_years_use_the_figures_reported_by_then(db):
    """Community workers per 10,000 urban residents on a past date divide by the latest
    population reported by that day, not by the registry's residents."""
    demo.load_core_demo()
    county = User.objects.get(username="county")
    urban = [
        c.code
        for c in Area.objects.filter(code__startswith="220403", level=Level.COMMUNITY)
        if c.urban_rural.startswith("1")
    ]

    def reported(day: str) -> int:
        rows = ReportedFigure.objects.filter(area_id__in=urban, kind="population", as_of=day)
        assert rows.count() == len(urban)
        return sum(rows.values_list("value", flat=True))

    latest, last, first = demo.FIGURES_AS_OF
    for read_on, day in [
        (dt.date(2023, 12, 31), first),
        (dt.date(2024, 12, 31), last),
        (dt.date(2025, 6, 30), last),
        (dt.date(2025, 12, 31), latest),
        (None, latest),  # today
    ]:
        figure = capacity_figures(
            actor=county, area_code="220403000000", as_of=read_on, keys=["workers_per_10k_urban"]
        )["workers_per_10k_urban"]
        assert {row.extra["population_source"] for row in figure.rows} == {"reported"}
        assert figure.denominator == reported(day), read_on
    assert len({reported(day) for day in demo.FIGURES_AS_OF}) == 3


def test_gen_keys_prints_loadable_keys():
    result = subprocess.run(
        [sys.executable, "-m", "linli.cli", "gen-keys"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    env = dict(line.split("=", 1) for line in result.stdout.strip().splitlines())
    assert set(env) == {"LINLI_SECRET_KEY", "LINLI_PII_KEYS", "LINLI_PII_INDEX_KEY"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    check = subprocess.run(
        [sys.executable, "-c", "import linli.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
