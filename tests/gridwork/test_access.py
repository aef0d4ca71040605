"""Grid work keeps a1's tasks and daily log from its neighbours: every grid-work page and API
address, and the home pages that carry grid-work blocks, are requested by a worker and a resident
of a2, the officer of town B and a visitor, with a1's ids and codes, and must show nothing of a1.

The walk's machinery (a1's world, the markers, the walkers' checks) is the project-wide one of
tests/test_access_walk.py; here a1 also has grid work: tasks the county gave its grid and
community (one done), and its grid worker's log entry.
"""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.utils import timezone

from linli.core.scoping import SYSTEM
from linli.gridwork import actions
from linli.gridwork.models import WorkItem
from tests.test_access_walk import (  # noqa: F401 (a1_world is a fixture)
    A1,
    GRID_A1,
    _client,
    _urls_of,
    a1_world,
    ids,
    leaks,
    query_variants,
    response_text,
    walk_patterns,
)
from tests.test_access_walk import PARAMS as PROJECT_PARAMS

GRID_PARAMS = {"item_id": ids("item_id"), "task_id": ids("task_id"), "log_id": ids("log_id")}
TASK_TITLE = "仙城网格燃气入户核查"
TASK_RESULT = "仙城网格已核查十二户"
LOG_TEXT = "仙城网格三号楼楼道堆放纸箱"


@pytest.fixture
def grid_world(a1_world, users, tree):  # noqa: F811
    actions.workitem_defaults(actor=SYSTEM, county_code=tree["county"].code)
    item = WorkItem.objects.get(area_code=tree["county"].code, code="XZ-01")
    # The county's list is configuration every community of the county reads: not a1 data.
    a1_world.add("item_id", item.pk)
    tasks = actions.task_assign(
        actor=users["county"], item_id=item.pk, area_codes=[A1, GRID_A1], title=TASK_TITLE
    )
    a1_world.add("task_id", *[task.pk for task in tasks])
    actions.task_done(actor=users["grid_a1"], task_id=tasks[1].pk, result=TASK_RESULT)
    entry = actions.log_write(
        actor=users["grid_a1"],
        area_code=GRID_A1,
        day=timezone.localdate(),
        saw=LOG_TEXT,
        client_key=uuid.uuid4(),
    )
    a1_world.add("log_id", entry.pk)
    a1_world.markers.extend([TASK_TITLE, TASK_RESULT, LOG_TEXT])
    return a1_world


def _grid_routes():
    return [
        route
        for route in walk_patterns()
        if route.text.startswith(("grid/", "api/v1/grid/")) or route.name == "home"
    ]


def test_grid_work_shows_nothing_of_a1_to_its_neighbours(users, grid_world, monkeypatch):
    monkeypatch.setitem(PROJECT_PARAMS, "item_id", GRID_PARAMS["item_id"])
    monkeypatch.setitem(PROJECT_PARAMS, "task_id", GRID_PARAMS["task_id"])
    monkeypatch.setitem(PROJECT_PARAMS, "log_id", GRID_PARAMS["log_id"])
    routes = _grid_routes()
    assert {p for r in routes for p in r.params} == {"item_id", "task_id", "log_id"}
    walkers = {
        "worker_a2": _client(users["worker_a2"]),
        "resident_a2": _client(users["resident_a2"]),
        "town_b": _client(users["town_b"]),
        "visitor": _client(None),
    }
    markers = grid_world.people + grid_world.markers
    variants = query_variants(grid_world)
    found, errors, log, requested = [], [], [], set()
    for route in routes:
        urls = [url for url in _urls_of(route, grid_world, log) if url not in requested]
        requested.update(urls)
        for url, (who, client) in itertools.product(urls, walkers.items()):
            for query in [{}, *variants]:
                response = client.get(url, query)
                if response.status_code >= 500:
                    errors.append(f"{response.status_code} {who} GET {url}")
                hits = leaks(response_text(response), markers)
                if hits:
                    found.append(f"{who} GET {url} {query} → {response.status_code}: {hits}")
    assert len(requested) >= 20, log
    assert not errors, errors
    assert not found, "a1 data reached users outside a1:\n" + "\n".join(found)


def test_the_walk_sees_a1_grid_work_where_it_may(users, grid_world):
    """The same checks find a1's grid work on the pages of its own people: the walk can fail."""
    task_id = grid_world.values["task_id"][1]
    log_id = grid_world.values["log_id"][0]
    grid = _client(users["grid_a1"])
    task_page = response_text(grid.get(f"/grid/tasks/{task_id}/"))
    assert leaks(task_page, [TASK_TITLE, TASK_RESULT]) == [TASK_TITLE, TASK_RESULT]
    # The community-wide task is open on the day of the community's worker.
    assert TASK_TITLE in response_text(_client(users["worker_a1"]).get("/grid/"))
    assert leaks(response_text(grid.get(f"/api/v1/grid/logs/{log_id}")), [LOG_TEXT])
    town_a = response_text(_client(users["town_a"]).get("/api/v1/grid/tasks"))
    assert leaks(town_a, [TASK_TITLE])  # JSON escapes Chinese: found all the same
