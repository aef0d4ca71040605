"""What the staff workbench reads besides the appeals themselves (queries.workbench): the
categories of the inbox's filter and of intake, the intake areas, the county's response
templates for one appeal, likely duplicates the actor may see, and photos.

Fixtures: ``catalogue`` loads the county 220403's starting categories and response templates;
``submit`` has resident_a1 report noise in community A1 (tests/appeals/conftest.py).
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from linli.appeals import queries
from linli.appeals.models import Category, Photo, ResponseTemplate
from linli.core.errors import NotFound
from tests.conftest import make_area

OTHER_COUNTY = "220402"


def photo_file() -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def elsewhere(catalogue):
    """A category of another county, and an inactive one of 220403."""
    make_area(OTHER_COUNTY, "龙山区")
    tier = catalogue["noise"].tier
    other = Category.objects.create(area_code=OTHER_COUNTY, name="龙山区噪音", tier=tier)
    retired = Category.objects.create(
        area_code=catalogue["noise"].area_code, name="已停用类别", tier=tier, active=False
    )
    return other, retired


def pks(categories) -> set[int]:
    return {c.pk for c in categories}


# --- categories --------------------------------------------------------------------------------


def test_inbox_categories_are_the_active_ones_of_the_actors_counties(users, catalogue, elsewhere):
    other, retired = elsewhere
    county = {c.pk for c in catalogue.values() if c.active}
    for name in ("worker_a1", "town_b", "county"):
        assert pks(queries.inbox_categories(actor=users[name])) == county, name
    found = queries.inbox_categories(actor=users["worker_a1"])
    assert other.pk not in pks(found) and retired.pk not in pks(found)
    assert [(c.area_code, c.sort, c.pk) for c in found] == sorted(
        (c.area_code, c.sort, c.pk) for c in found
    )


def test_inbox_categories_of_a_unit_member_without_appeal_view(users, catalogue, office):
    # dept holds no appeal.view: the categories come from the area of the unit they belong to
    county = {c.pk for c in catalogue.values() if c.active}
    assert pks(queries.inbox_categories(actor=users["dept"])) == county
    assert queries.inbox_categories(actor=users["resident_a1"]) == []
    assert queries.inbox_categories(actor=users["auditor"]) == []


def test_intake_areas_group_grids_under_their_community(users, tree):
    with translation.override("en"):
        assert queries.intake_areas(actor=users["worker_a1"]) == [
            (
                "仙城社区",
                [
                    ("220403001001", "仙城社区 (whole community)"),
                    ("220403001001001", "仙城社区第1网格"),
                ],
            )
        ]
        town = queries.intake_areas(actor=users["town_a"])
    assert [label for label, _options in town] == ["仙城社区", "新兴社区"]
    assert [code for code, _name in town[1][1]] == ["220403001002"]
    grid = queries.intake_areas(actor=users["grid_a1"])
    assert [options for _label, options in grid] == [[("220403001001001", "仙城社区第1网格")]]
    for name in ("resident_a1", "dept", "auditor"):
        assert queries.intake_areas(actor=users[name]) == [], name


def test_intake_categories_follow_the_intake_areas(users, catalogue, elsewhere):
    county = {c.pk for c in catalogue.values() if c.active}
    worker = users["worker_a1"]
    assert pks(queries.intake_categories(actor=worker)) == county
    areas = queries.intake_areas(actor=worker)
    with CaptureQueriesContext(connection) as read:
        found = queries.intake_categories(actor=worker, areas=areas)
    assert pks(found) == county
    assert len(read.captured_queries) == 1  # the areas already read are not read again
    assert queries.intake_categories(actor=users["resident_a1"]) == []
    assert queries.intake_categories(actor=users["dept"]) == []


# --- response templates ------------------------------------------------------------------------


def test_response_templates_of_the_category_its_parent_and_any(submit, catalogue, elsewhere):
    drains = catalogue["environment.drains"]
    appeal = submit(category_id=drains.pk, description="小区雨水井堵塞，下雨就积水")
    county = drains.area_code
    general = set(
        ResponseTemplate.objects.filter(area_code=county, category__isnull=True).values_list(
            "pk", flat=True
        )
    )
    assert general  # the county's starting answers, for any category

    def make(title, *, step="resolve", category=None, area_code=county, active=True):
        return ResponseTemplate.objects.create(
            area_code=area_code,
            category=category,
            step=step,
            title=title,
            text=f"{title}的答复",
            active=active,
        )

    own = make("B 管道疏通完毕", category=drains)
    parent = make("A 环境问题已处理", category=drains.parent)
    accept = make("已受理，安排疏通", step="accept", category=drains)
    make("噪音已处理", category=catalogue["noise"])
    make("停用的答复", category=drains, active=False)
    make("另一区的答复", area_code=OTHER_COUNTY)

    found = queries.appeal_response_templates(appeal=appeal)
    assert {t.pk for rows in found.values() for t in rows} == general | {
        own.pk,
        parent.pk,
        accept.pk,
    }
    assert all(t.step == step for step, rows in found.items() for t in rows)
    resolve = [t.title for t in found["resolve"]]
    assert resolve.index(parent.title) < resolve.index(own.title)  # by title: "A …" before "B …"
    assert accept in found["accept"]


# --- duplicates --------------------------------------------------------------------------------


def test_visible_duplicates_leave_out_what_the_actor_may_not_see(users, tree, submit):
    first = submit()
    where = {"area_code": tree["a1"].code, "category_id": first.category_id}
    # found across areas, whoever asks …
    assert [a.pk for a in queries.appeal_duplicates(**where)] == [first.pk]
    # … but only those the actor sees come back
    for name in ("worker_a1", "town_a", "county", "resident_a1"):
        assert [a.pk for a in queries.visible_duplicates(actor=users[name], **where)] == [
            first.pk
        ], name
    for name in ("worker_a2", "town_b", "resident_a2"):
        assert queries.visible_duplicates(actor=users[name], **where) == [], name
    second = submit()
    worker = users["worker_a1"]
    assert [a.pk for a in queries.visible_duplicates(actor=worker, **where)] == [
        second.pk,
        first.pk,
    ]
    assert [
        a.pk for a in queries.visible_duplicates(actor=worker, exclude_id=second.pk, **where)
    ] == [first.pk]


def test_no_duplicates_asks_nothing_more(users, tree, catalogue):
    where = {"area_code": tree["a1"].code, "category_id": catalogue["noise"].pk}
    with CaptureQueriesContext(connection) as read:
        assert queries.visible_duplicates(actor=users["worker_a1"], **where) == []
    assert len(read.captured_queries) == 1


# --- photos ------------------------------------------------------------------------------------


def test_photo_get_only_for_those_who_see_the_appeal(users, submit, media):
    appeal = submit(photos=[photo_file()])
    photo = Photo.objects.get(appeal=appeal)
    for name in ("worker_a1", "resident_a1", "town_a", "county"):
        found = queries.photo_get(actor=users[name], photo_id=photo.pk)
        assert found.pk == photo.pk and found.appeal_id == appeal.pk, name
    for name in ("worker_a2", "resident_a2", "town_b", "dept"):
        with pytest.raises(NotFound):
            queries.photo_get(actor=users[name], photo_id=photo.pk)
    with pytest.raises(NotFound):
        queries.photo_get(actor=users["worker_a1"], photo_id=photo.pk + 1000)
