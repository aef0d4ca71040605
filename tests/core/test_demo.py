"""The demo jurisdiction loads, is idempotent, and gives a working account for every role."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from django.core.management import call_command

from linli.core import demo
from linli.core.models import Area, AuditEvent, RoleAssignment, User
from linli.core.roles import Role


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
    counts = (Area.objects.count(), User.objects.count(), RoleAssignment.objects.count())
    events = AuditEvent.objects.exclude(action="area.import").count()
    call_command("load_demo", "--residents", "0", stdout=io.StringIO())
    assert (Area.objects.count(), User.objects.count(), RoleAssignment.objects.count()) == counts
    assert AuditEvent.objects.exclude(action="area.import").count() == events


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
