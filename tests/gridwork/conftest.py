"""Grid-work fixtures: the county's built-in work-item list, a grid worker on duty in A1's grid,
a neighbouring county with its own list, and helpers to assign tasks and count rows.

On top of tests/conftest.py (county 220403 with A1, its grid, A2 and B1):

    220402 龙山区, community 220402001001 (another county, with its own list)
    ``grid_a1`` on duty as the full-time grid worker of A1's grid
    ``prefecture``: a civil-affairs officer of the prefecture 2204 (both counties)
"""

from __future__ import annotations

import pytest
from django.utils import translation

from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.gridwork import actions
from linli.gridwork.models import WorkItem
from linli.registry import actions as registry_actions
from linli.registry.models import GridStaff

from ..conftest import make_area, make_user


@pytest.fixture(autouse=True)
def _english(settings):
    """Grid-work tests read messages in English (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def items(tree) -> dict[str, WorkItem]:
    """County 220403's built-in list, by number."""
    actions.workitem_defaults(actor=SYSTEM, county_code=tree["county"].code)
    return {item.code: item for item in WorkItem.objects.filter(area_code=tree["county"].code)}


@pytest.fixture
def other_county(tree):
    """County 220402 with one community and one item on its own list."""
    county = make_area("220402", "龙山区")
    community = make_area("220402001001", "龙山社区", "111")
    item = actions.workitem_save(
        actor=SYSTEM,
        county_code=county.code,
        code="XZ-01",
        name="龙山区探访关爱",
        department="龙山区民政局",
    )
    return {"county": county, "community": community, "item": item}


@pytest.fixture
def prefecture(tree):
    return make_user("prefecture", Role.COUNTY_OFFICER, make_area("2204", "四平市"))


@pytest.fixture
def duty(tree, users) -> GridStaff:
    """``users["grid_a1"]`` on duty as the full-time grid worker of A1's grid."""
    return registry_actions.grid_staff_assign(
        actor=SYSTEM,
        grid_code=tree["grid_a1"].code,
        duty=GridStaff.Duty.GRID_WORKER,
        user_id=users["grid_a1"].pk,
    )


@pytest.fixture
def assign(tree, users, items):
    """``assign(actor=county, item="XZ-01", areas=[grid_a1], **more)``: assign a task."""

    def _assign(actor=None, item="XZ-01", areas=None, **more):
        data = {"title": "入户核查独居老人燃气安全", "due_on": None}
        data.update(more)
        return actions.task_assign(
            actor=actor or users["county"],
            item_id=items[item].pk if isinstance(item, str) else item,
            area_codes=areas if areas is not None else [tree["grid_a1"].code],
            **data,
        )

    return _assign


@pytest.fixture
def counts(db):
    """``counts()``: rows of each grid-work table, the audit log and notifications, to show that
    a refused action wrote nothing."""
    from linli.core.models import AuditEvent, Notification
    from linli.gridwork.models import Log, Task

    tables = {
        "item": WorkItem,
        "task": Task,
        "log": Log,
        "audit": AuditEvent,
        "notification": Notification,
    }

    def _counts() -> dict[str, int]:
        return {name: model.objects.count() for name, model in tables.items()}

    return _counts
