"""Post ladders (岗位等级): the built-in 三岗十八级 ladder, keeping a ladder, which ladder applies
to a community, and who may change one."""

from __future__ import annotations

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.scoping import SYSTEM
from linli.workforce import actions, queries
from linli.workforce.models import PostLevel
from tests.workforce.worker_fixtures import (  # noqa: F401 (fixtures)
    PREFECTURE,
    PROVINCE,
    ladder_fixture,
    pref_officer_fixture,
    prefecture_fixture,
    province_fixture,
    roster_fixture,
    save,
)


def test_the_built_in_ladder_has_three_posts_of_six_grades():
    codes = [code for code, _name, _sort in actions.DEFAULT_LADDER]
    names = [name for _code, name, _sort in actions.DEFAULT_LADDER]
    sorts = [sort for _code, _name, sort in actions.DEFAULT_LADDER]
    assert len(codes) == len(set(codes)) == 18
    assert names[0] == "一岗一级" and names[5] == "一岗六级" and names[-1] == "三岗六级"
    assert sorts == sorted(sorts)
    for code, name, _sort in actions.DEFAULT_LADDER:
        assert len(code) <= PostLevel._meta.get_field("code").max_length
        assert len(name) <= PostLevel._meta.get_field("name").max_length


def test_prefecture_officer_installs_the_ladder_once(tree, pref_officer, prefecture):
    assert actions.postlevel_defaults(actor=pref_officer, area_code="2204") == 18
    rows = PostLevel.objects.filter(area=prefecture)
    assert rows.count() == 18 and {r.area_code for r in rows} == {PREFECTURE}
    event = AuditEvent.objects.get(action="postlevel.defaults_load")
    assert event.target_id == PREFECTURE and event.extra == {"created": 18}
    # Again: nothing added; a renamed level is kept as renamed, a removed one comes back.
    renamed = rows.get(code="1-1")
    actions.postlevel_save(
        actor=pref_officer, area_code=PREFECTURE, level_id=renamed.pk, code="1-1", name="正职一级"
    )
    actions.postlevel_remove(actor=pref_officer, level_id=rows.get(code="3-6").pk)
    assert actions.postlevel_defaults(actor=pref_officer, area_code=PREFECTURE) == 1
    assert PostLevel.objects.get(area=prefecture, code="1-1").name == "正职一级"
    assert PostLevel.objects.filter(area=prefecture).count() == 18


def test_only_managers_of_the_province_or_prefecture_change_a_ladder(tree, users, prefecture):
    for actor in (users["county"], users["head_a1"], users["worker_a1"]):
        with pytest.raises(Forbidden):
            actions.postlevel_defaults(actor=actor, area_code=PREFECTURE)
    with pytest.raises(NotFound):
        actions.postlevel_defaults(actor=users["resident_a1"], area_code=PREFECTURE)
    with pytest.raises(ActionError) as caught:
        actions.postlevel_defaults(actor=SYSTEM, area_code=tree["county"].code)
    assert "province or a prefecture" in caught.value.message
    assert not PostLevel.objects.exists()


def test_save_checks_codes_and_order(tree, pref_officer, ladder):
    added = actions.postlevel_save(
        actor=pref_officer, area_code=PREFECTURE, code="4-1", name="见习"
    )
    assert added.sort == 190  # after the last
    with pytest.raises(Conflict):
        actions.postlevel_save(actor=pref_officer, area_code=PREFECTURE, code="1-1", name="重复")
    with pytest.raises(ActionError) as caught:
        actions.postlevel_save(
            actor=pref_officer, area_code=PREFECTURE, code="a b", name="", sort="-1"
        )
    assert set(caught.value.errors) == {"code", "name", "sort"}
    assert PostLevel.objects.count() == 19


def test_a_level_in_use_is_not_removed(tree, pref_officer, roster, ladder):
    with pytest.raises(Conflict) as caught:
        actions.postlevel_remove(actor=pref_officer, level_id=ladder["1-3"].pk)
    assert "1 worker records" in caught.value.message
    assert PostLevel.objects.filter(pk=ladder["1-3"].pk).exists()
    actions.postlevel_remove(actor=pref_officer, level_id=ladder["1-4"].pk)
    assert AuditEvent.objects.filter(action="postlevel.remove").count() == 1


def test_the_nearest_ladder_applies(tree, province, prefecture):
    assert queries.ladder_for(tree["a1"].code) == []
    actions.postlevel_defaults(actor=SYSTEM, area_code=PROVINCE)
    applied = queries.ladder_for(tree["a1"].code)
    assert len(applied) == 18 and applied[0].area_code == PROVINCE
    PostLevel.objects.create(area=prefecture, area_code=PREFECTURE, code="p1", name="市级一级")
    applied = queries.ladder_for(tree["a1"].code)
    assert [s.name for s in applied] == ["市级一级"]
    assert queries.ladder_source(tree["b1"].code) == PREFECTURE


def test_who_reads_a_ladder(tree, users, ladder, pref_officer):
    assert queries.can_read_ladder(users["worker_a1"], PREFECTURE)
    assert queries.can_read_ladder(pref_officer, PREFECTURE)
    assert not queries.can_read_ladder(users["resident_a1"], PREFECTURE)
    assert not queries.can_read_ladder(users["worker_a1"], "230100000000")
    assert [a.code for a in queries.ladder_areas(actor=users["worker_a1"])] == [
        "220000000000",
        PREFECTURE,
    ]
    assert len(queries.level_list(actor=users["worker_a1"], area_code=PREFECTURE)) == 18
    with pytest.raises(NotFound):
        queries.level_list(actor=users["resident_a1"], area_code=PREFECTURE)
    with pytest.raises(NotFound):
        queries.level_get(actor=users["secadmin"], level_id=ladder["1-1"].pk)
