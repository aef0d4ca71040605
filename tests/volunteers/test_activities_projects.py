"""Projects and the project library: create, change, open, close; the county's or town's
library seen by the communities below, filtered by whom it serves; a community copies a
library project once."""

from __future__ import annotations

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.volunteers.actions import activities as actions
from linli.volunteers.models import Project
from linli.volunteers.queries import activities as q

from .fixtures_activities import *  # noqa: F403 (the fixtures)

pytestmark = pytest.mark.django_db


def _project(actor, area, **more) -> Project:
    data = {
        "name": "银龄陪伴",
        "summary": "志愿者每周探访独居老人，陪伴聊天、代购代办。",
        "target_groups": ["elderly_alone"],
        "skills": ["elderly_care"],
    }
    data.update(more)
    return actions.project_create(actor=actor, area_code=area.code, **data)


@pytest.fixture
def library(users, tree):
    """Open library projects of the county (for older people living alone) and of town B (for
    left-behind children); a draft of the county."""
    county = _project(users["county"], tree["county"], in_library=True)
    actions.project_open(actor=users["county"], project_id=county.pk)
    town_b = _project(
        users["town_b"],
        tree["town_b"],
        name="童伴计划",
        target_groups=["left_behind_children"],
        in_library=True,
    )
    actions.project_open(actor=users["town_b"], project_id=town_b.pk)
    draft = _project(users["county"], tree["county"], name="助残出行", in_library=True)
    return {"county": county, "town_b": town_b, "draft": draft}


def test_a_community_worker_creates_a_project(users, tree, team_a1, org_a1):
    project = _project(
        users["worker_a1"],
        tree["a1"],
        team_id=team_a1.pk,
        organisation_id=org_a1.pk,
        starts_on="2026-03-01",
        ends_on="2026-12-31",
        target_groups=["elderly", "elderly_alone", "elderly"],
    )
    assert project.status == "draft" and project.area_code == tree["a1"].code
    assert project.target_groups == ["elderly_alone", "elderly"]  # in the list's order, once
    assert project.team == team_a1 and project.organisation == org_a1
    assert AuditEvent.objects.get(action="volunteer_project.create").target_id == str(project.pk)


def test_bad_project_input_names_every_field_and_writes_nothing(users, tree, counts):
    before = counts()
    with pytest.raises(ActionError) as refused:
        _project(
            users["worker_a1"],
            tree["a1"],
            name="",
            summary="",
            target_groups=[],
            skills=["flying"],
            starts_on="2026-05-01",
            ends_on="2026-04-01",
            in_library=True,
        )
    errors = refused.value.errors
    assert errors["name"] == ["Please fill this in."]
    assert errors["summary"] == ["Please write something here."]
    assert errors["target_groups"] == ["Choose at least one."]
    assert errors["skills"] == ["Choose from the list."]
    assert errors["ends_on"] == ["The end cannot come before the start."]
    assert errors["in_library"] == [
        "Only a county or a town puts projects in the library; a community copies them."
    ]
    assert counts() == before


def test_others_cannot_create_change_or_open_projects_here(users, tree, counts):
    project = _project(users["worker_a1"], tree["a1"])
    before = counts()
    for actor in (users["worker_a2"], users["town_b"], users["resident_a1"]):
        with pytest.raises(Forbidden):
            _project(actor, tree["a1"])
        with pytest.raises((NotFound, Forbidden)):
            actions.project_update(actor=actor, project_id=project.pk, name="改名")
        with pytest.raises((NotFound, Forbidden)):
            actions.project_open(actor=actor, project_id=project.pk)
    assert counts() == before


def test_open_change_close(users, tree):
    project = _project(users["worker_a1"], tree["a1"])
    actions.project_open(actor=users["worker_a1"], project_id=project.pk)
    changed = actions.project_update(actor=users["head_a1"], project_id=project.pk, name="银龄同行")
    assert changed.name == "银龄同行" and changed.summary == project.summary
    actions.project_close(actor=users["worker_a1"], project_id=project.pk)
    with pytest.raises(Conflict):
        actions.project_update(actor=users["worker_a1"], project_id=project.pk, name="再改")
    with pytest.raises(Conflict):
        actions.project_open(actor=users["worker_a1"], project_id=project.pk)
    assert Project.objects.get(pk=project.pk).status == "closed"


def test_the_library_shows_open_projects_from_above_filtered_by_group(users, library):
    seen = list(q.library_list(actor=users["worker_a1"]))
    assert [p.pk for p in seen] == [library["county"].pk]  # town B's is not above A1
    assert (
        list(q.library_list(actor=users["worker_a1"], filters={"target_group": "disabled"})) == []
    )
    town_b_sees = q.library_list(actor=users["town_b"])
    assert {p.pk for p in town_b_sees} == {library["county"].pk, library["town_b"].pk}
    county_view = {p.pk for p in q.library_list(actor=users["county"])}
    assert library["draft"].pk in county_view  # its makers see their drafts
    only_children = q.library_list(
        actor=users["town_b"], filters={"target_group": "left_behind_children"}
    )
    assert [p.pk for p in only_children] == [library["town_b"].pk]
    with pytest.raises(ActionError):
        list(q.library_list(actor=users["town_b"], filters={"target_group": "martians"}))


def test_a_community_copies_a_library_project_once(users, tree, library, counts):
    source = library["county"]
    copy = actions.project_copy(
        actor=users["worker_a1"], project_id=source.pk, area_code=tree["a1"].code
    )
    assert copy.copied_from == source and copy.area_code == tree["a1"].code
    assert copy.status == "draft" and copy.in_library is False
    assert copy.name == source.name and copy.target_groups == source.target_groups
    row = next(p for p in q.library_list(actor=users["worker_a1"]) if p.pk == source.pk)
    assert row.copied_here == copy.pk and row.copy_count == 1
    before = counts()
    with pytest.raises(Conflict) as refused:
        actions.project_copy(
            actor=users["head_a1"], project_id=source.pk, area_code=tree["a1"].code
        )
    assert refused.value.code == "copied"
    assert counts() == before
    # a closed copy no longer blocks a new one
    actions.project_close(actor=users["worker_a1"], project_id=copy.pk)
    again = actions.project_copy(
        actor=users["head_a1"], project_id=source.pk, area_code=tree["a1"].code
    )
    assert again.pk != copy.pk


def test_copies_are_refused_outside_the_library_and_its_area(users, tree, library, counts):
    own = _project(users["worker_a1"], tree["a1"])
    before = counts()
    with pytest.raises(NotFound):  # town B's library is not above A1
        actions.project_copy(
            actor=users["worker_a1"], project_id=library["town_b"].pk, area_code=tree["a1"].code
        )
    with pytest.raises(NotFound):  # a draft is not offered
        actions.project_copy(
            actor=users["worker_a1"], project_id=library["draft"].pk, area_code=tree["a1"].code
        )
    with pytest.raises(Forbidden):  # not the worker's community
        actions.project_copy(
            actor=users["worker_a1"], project_id=library["county"].pk, area_code=tree["a2"].code
        )
    with pytest.raises(NotFound):  # not a library project
        actions.project_copy(actor=users["worker_a1"], project_id=own.pk, area_code=tree["a1"].code)
    assert counts() == before


def test_project_lists_are_scoped(users, tree, library):
    mine = _project(users["worker_a1"], tree["a1"])
    assert [p.pk for p in q.project_list(actor=users["worker_a1"])] == [mine.pk]
    assert list(q.project_list(actor=users["worker_a2"])) == []
    assert mine.pk not in {p.pk for p in q.project_list(actor=users["town_b"])}
    with pytest.raises(NotFound):
        q.project_get(actor=users["worker_a2"], project_id=mine.pk)
    assert q.project_get(actor=users["worker_a2"], project_id=library["county"].pk)


def test_project_lists_cost_the_same_whatever_their_length(
    users, tree, library, django_assert_num_queries
):
    def run():
        return list(q.library_list(actor=users["worker_a1"]))

    for n in range(3):
        source = _project(users["county"], tree["county"], name=f"项目{n}", in_library=True)
        actions.project_open(actor=users["county"], project_id=source.pk)
    run()  # the actor's grants are cached on the first call
    with django_assert_num_queries(1):
        rows = run()
    assert len(rows) == 4
    with django_assert_num_queries(1):
        assert len(list(q.project_list(actor=users["county"]))) == 6
