"""Writes to one project queue on its row (PostgreSQL only): two people adding milestones at
once cannot take more than 100 % of the work between them, and two progress updates at once
leave the project at the later one's figures, not a mix."""

from __future__ import annotations

from linli.core.errors import ActionError
from linli.matching.actions import projects as actions
from linli.matching.actions.projects import _clean
from linli.matching.models import LivelihoodProject, ProjectMilestone
from tests.appeals.test_concurrency import (  # noqa: F401 (a fixture)
    _audit_unguarded,
    race,
    races,
    slow,
)

from .fixtures_projects import *  # noqa: F403 (the fixtures)
from .fixtures_projects import make_project


@races
def test_two_milestones_at_once_cannot_overshoot_100(users, tree, monkeypatch):
    project = make_project(users["head_a1"], tree["a1"])
    actions.milestone_add(actor=users["head_a1"], project_id=project.pk, title="设计", weight=40)
    monkeypatch.setattr(_clean, "locked", slow(_clean.locked))
    results = race(
        lambda: actions.milestone_add(
            actor=users["head_a1"], project_id=project.pk, title="施工", weight=50
        ),
        lambda: actions.milestone_add(
            actor=users["town_a"], project_id=project.pk, title="验收", weight=30
        ),
    )
    won = [r for r in results if isinstance(r, ProjectMilestone)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], ActionError) and "weight" in lost[0].errors
    shares = sum(ProjectMilestone.objects.filter(project=project).values_list("weight", flat=True))
    assert shares <= 100 and ProjectMilestone.objects.filter(project=project).count() == 2


@races
def test_an_update_and_a_lower_one_at_once_never_lower_silently(users, tree, monkeypatch):
    project = make_project(users["head_a1"], tree["a1"])
    actions.project_report(
        actor=users["head_a1"], project_id=project.pk, progress=40, status="under_way", text="开工"
    )
    monkeypatch.setattr(_clean, "locked", slow(_clean.locked))
    results = race(
        lambda: actions.project_report(
            actor=users["head_a1"],
            project_id=project.pk,
            progress=70,
            status="under_way",
            text="进展顺利",
        ),
        lambda: actions.project_report(
            actor=users["town_a"],
            project_id=project.pk,
            progress=50,
            status="under_way",
            text="按计划推进",
        ),
    )
    project = LivelihoodProject.objects.get(pk=project.pk)
    updates = list(project.updates.order_by("at", "id"))
    # Whichever came second: 50 after 70 is refused (it would lower without saying so); 70
    # after 50 goes through. Either way the project shows its latest update.
    assert project.progress == updates[-1].progress
    if any(isinstance(r, Exception) for r in results):
        assert project.progress == 70 and len(updates) == 2
    else:
        assert [u.progress for u in updates] == [40, 50, 70]
