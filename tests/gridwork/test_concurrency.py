"""What holds when grid work happens at once: a log form sent twice together writes one entry,
a task is done once, the built-in list is loaded once.

The races run on PostgreSQL only (row locks and concurrent connections)."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from linli.core import audit
from linli.core.errors import Conflict
from linli.core.scoping import SYSTEM
from linli.gridwork import actions
from linli.gridwork.actions import logs as log_actions
from linli.gridwork.defaults import WORK_ITEMS
from linli.gridwork.models import Log, Task, WorkItem
from tests.appeals.test_concurrency import _audit_unguarded, race, races, slow  # noqa: F401


@races
def test_the_same_log_form_sent_twice_at_once_writes_one_entry(users, tree, monkeypatch):
    # Both requests pass the "written already?" look-up before either has written.
    monkeypatch.setattr(log_actions, "_check_day", slow(log_actions._check_day))
    key = uuid.uuid4()

    def send():
        return actions.log_write(
            actor=users["grid_a1"],
            area_code=tree["grid_a1"].code,
            day=timezone.localdate(),
            saw="楼道灯不亮",
            client_key=key,
        )

    results = race(send, send)
    assert not any(isinstance(r, Exception) for r in results), results
    assert results[0].pk == results[1].pk
    assert sorted(r.written_now for r in results) == [False, True]
    assert Log.objects.count() == 1


@races
def test_a_task_is_done_once(users, tree, monkeypatch):
    actions.workitem_defaults(actor=SYSTEM, county_code=tree["county"].code)
    item = WorkItem.objects.get(code="XZ-10")
    task = actions.task_assign(
        actor=users["county"], item_id=item.pk, area_codes=[tree["grid_a1"].code], title="消防检查"
    )[0]
    monkeypatch.setattr(audit, "record", slow(audit.record))
    results = race(
        lambda: actions.task_done(actor=users["grid_a1"], task_id=task.pk, result="甲"),
        lambda: actions.task_done(actor=users["worker_a1"], task_id=task.pk, result="乙"),
    )
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(losses) == 1 and isinstance(losses[0], Conflict), results
    task.refresh_from_db()
    assert task.status == "done" and task.result in ("甲", "乙")
    assert Task.objects.count() == 1


@races
def test_the_built_in_list_is_loaded_once(users, tree, monkeypatch):
    monkeypatch.setattr(audit, "record", slow(audit.record))
    results = race(
        lambda: actions.workitem_defaults(actor=users["county"], county_code="220403"),
        lambda: actions.workitem_defaults(actor=users["county"], county_code="220403"),
    )
    added = [r for r in results if not isinstance(r, Exception)]
    assert len(WORK_ITEMS) in added, results
    assert all(r == 0 or r == len(WORK_ITEMS) or isinstance(r, Conflict) for r in results)
    assert WorkItem.objects.count() == len(WORK_ITEMS)


@pytest.mark.django_db
def test_the_database_keeps_one_entry_per_form_and_one_number_per_county(users, tree):
    from django.db import IntegrityError, transaction

    key = uuid.uuid4()
    Log.objects.create(
        area_code=tree["grid_a1"].code,
        author=users["grid_a1"],
        day=timezone.localdate(),
        saw="x",
        client_key=key,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Log.objects.create(
            area_code=tree["grid_a1"].code,
            author=users["grid_a1"],
            day=timezone.localdate(),
            saw="y",
            client_key=key,
        )
    actions.workitem_defaults(actor=SYSTEM, county_code="220403")
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkItem.objects.create(
            county=tree["county"], area_code="220403000000", code="XZ-01", name="x", department="y"
        )
