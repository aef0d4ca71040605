"""``linli sweep`` keeps plan values fresh and reminds the areas of progress reports due."""

from __future__ import annotations

import json

from django.core.management import call_command

from linli.plans.actions import catalogue
from linli.plans.models import Measurement, Plan, Recompute


def _sweep(capsys) -> dict:
    call_command("sweep")
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_the_sweep_computes_a_plan_in_force_once(users, tree, capsys, monkeypatch):
    # the command closes stale connections between passes; in a test that would be the test's
    monkeypatch.setattr("django.db.close_old_connections", lambda: None)
    template = Plan.objects.get(is_template=True, template_key="xian_qu")
    plan = catalogue.plan_adopt(
        actor=users["county"], template_id=template.pk, area_code=tree["county"].code
    )
    assert _sweep(capsys)["plan_values"] == 0  # a draft is not measured
    catalogue.plan_activate(actor=users["county"], plan_id=plan.pk)

    found = _sweep(capsys)

    assert found["plan_values"] == 1
    assert "plan_reminders" in found
    run = Recompute.objects.get(plan=plan)
    assert run.status == Recompute.Status.DONE
    codes = set(Measurement.objects.filter(plan=plan).values_list("area_code", flat=True))
    assert {tree["county"].code, tree["town_a"].code, tree["a1"].code} <= codes
    assert _sweep(capsys)["plan_values"] == 0  # fresh: nothing to do
    assert Recompute.objects.filter(plan=plan).count() == 1
