"""Shared fixtures: a small county with two neighbouring communities and users of every kind.

Tree (all synthetic):
    220403            西安区 (county, from the national table)
    220403001         仙城街道 (town A)
      220403001001    A1 社区, grid 220403001001001
      220403001002    A2 社区 (A1's neighbour)
    220403002         东山街道 (town B)
      220403002001    B1 社区
"""

from __future__ import annotations

import os

os.environ.setdefault("LINLI_TESTING", "1")

import pytest  # noqa: E402

from linli.core import areacodes, sms  # noqa: E402
from linli.core.models import Area, RoleAssignment, User  # noqa: E402
from linli.core.roles import Role  # noqa: E402

PASSWORD = "Sup3r-Secret-pw"

# When `linli test` runs the suite on SQLite and on PostgreSQL (LINLI_TEST_SPLIT=1), these
# tests run in one pass only: they drive pages, the API schema or files the same way on either
# database, and running them twice would only double the time. Alone, a pass runs them all.
ONE_DATABASE = {
    "tests/browser/": "sqlite",
    "tests/test_openapi.py": "sqlite",
    "tests/test_translations.py": "postgresql",  # no database: in the lighter pass
    "tests/test_docs.py": "sqlite",
    "tests/test_access_walk.py": "postgresql",
    # The demo loaders write through the ORM and the actions alike on either database: each
    # app's demo test runs once, shared out so that the two passes take about as long.
    "tests/appeals/test_demo.py": "postgresql",
    "tests/care/test_demo.py": "postgresql",
    "tests/matching/test_demo.py": "postgresql",
    "tests/plans/test_demo.py": "postgresql",
    "tests/registry/test_demo.py": "postgresql",
    "tests/core/test_demo.py": "sqlite",
    "tests/facilities/test_demo.py": "sqlite",
    "tests/gridwork/test_demo.py": "sqlite",
    "tests/notices/test_demo.py": "sqlite",
    "tests/workforce/test_demo.py": "sqlite",
}


def _vendor() -> str:
    url = os.environ.get("LINLI_DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("LINLI_TEST_SPLIT") != "1":
        return
    vendor = _vendor()
    root = str(config.rootpath)
    kept, dropped = [], []
    for item in items:
        path = os.path.relpath(str(item.path), root).replace(os.sep, "/")
        only = next((db for prefix, db in ONE_DATABASE.items() if path.startswith(prefix)), None)
        (dropped if only not in (None, vendor) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def make_area(code: str, name: str, urban_rural: str = "") -> Area:
    code = areacodes.normalize(code)
    parent = areacodes.parent_code(code)
    if parent and not Area.objects.filter(code=parent).exists():
        make_area(parent, f"区划{parent}")
    area, _ = Area.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": areacodes.level_of(code),
            "parent_id": parent,
            "prefix": areacodes.prefix_of(code),
            "urban_rural": urban_rural,
        },
    )
    return area


def make_user(
    username: str,
    role: str | None = None,
    area: Area | None = None,
    *,
    phone: str | None = None,
    full_name: str = "",
) -> User:
    user = User(username=username, full_name=full_name or username, phone=phone)
    user.set_password(PASSWORD)
    user.save()
    if role is not None and area is not None:
        RoleAssignment.objects.create(user=user, role=role, area=area, area_code=area.code)
    return user


@pytest.fixture(autouse=True)
def _group_vocabulary(request):
    """Tests with real transactions (races, browser journeys) run after the others and each
    ends with a flush, which empties the group vocabulary that a migration loads and the
    built-in plans that migrate installs: put them back before each such test, as a fresh
    database has them."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if not transactional and not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    from linli.registry.models import GroupTag
    from linli.registry.vocabulary import builtin_rows

    missing = [
        row for row in builtin_rows() if not GroupTag.objects.filter(code=row["code"]).exists()
    ]
    for row in missing:  # parents come first in builtin_rows
        GroupTag.objects.create(**row)
    from linli.plans.actions.catalogue import catalogue_install
    from linli.plans.models import Plan

    if not Plan.objects.filter(is_template=True).exists():
        catalogue_install()  # the built-in plans, as migrate leaves them


@pytest.fixture(autouse=True)
def _clear_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def tree(db):
    """The area tree of the module docstring, as a dict of Area rows."""
    return {
        "county": make_area("220403", "西安区"),
        "town_a": make_area("220403001", "仙城街道"),
        "town_b": make_area("220403002", "东山街道"),
        "a1": make_area("220403001001", "仙城社区", "111"),
        "a2": make_area("220403001002", "新兴社区", "111"),
        "b1": make_area("220403002001", "东山社区", "111"),
        "grid_a1": make_area("220403001001001", "仙城社区第1网格"),
    }


@pytest.fixture
def users(tree):
    """One user per role that the access tests need, named by where they sit."""
    return {
        "resident_a1": make_user(
            "resident_a1", Role.RESIDENT, tree["a1"], phone="13900000001", full_name="王秀兰"
        ),
        "resident_a2": make_user("resident_a2", Role.RESIDENT, tree["a2"], phone="13900000002"),
        "grid_a1": make_user("grid_a1", Role.GRID_WORKER, tree["grid_a1"]),
        "worker_a1": make_user("worker_a1", Role.COMMUNITY_WORKER, tree["a1"]),
        "worker_a2": make_user("worker_a2", Role.COMMUNITY_WORKER, tree["a2"]),
        "head_a1": make_user("head_a1", Role.COMMUNITY_HEAD, tree["a1"]),
        "town_a": make_user("town_a", Role.TOWN_OFFICER, tree["town_a"]),
        "town_b": make_user("town_b", Role.TOWN_OFFICER, tree["town_b"]),
        "county": make_user("county", Role.COUNTY_OFFICER, tree["county"]),
        "dept": make_user("dept", Role.DEPARTMENT_OFFICER, tree["county"]),
        "secadmin": make_user("secadmin", Role.SECURITY_ADMIN, tree["county"]),
        "secadmin_a": make_user("secadmin_a", Role.SECURITY_ADMIN, make_area("220402", "龙山区")),
        "auditor": make_user("auditor", Role.AUDIT_ADMIN, tree["county"]),
        "sysadmin": make_user("sysadmin", Role.SYSTEM_ADMIN, tree["county"]),
    }


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as ``user`` and returns the client."""

    def _login(user):
        client.force_login(user, backend="linli.core.auth.PhoneOrUsernameBackend")
        return client

    return _login
