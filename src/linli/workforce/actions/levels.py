"""Keeping post ladders (岗位等级): the steps of a province's or prefecture's pay ladder for
community workers, such as the 三岗十八级 ladder (three posts of six grades each).

A ladder is set on a province or a prefecture; the nearest one up the tree applies to a
community. Changing one needs ``workforce.manage`` over that province or prefecture. A step
that worker records name cannot be removed.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.cleaning import Errors, line, normal_code, row_id
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from .. import queries
from ..models import PostLevel, Worker

CODE_MAX = PostLevel._meta.get_field("code").max_length
NAME_MAX = PostLevel._meta.get_field("name").max_length
SORT_STEP = 10
SORT_MAX = 32767

# The built-in ladder 三岗十八级: three posts (一岗 the heads, 二岗 the deputies, 三岗 everyone
# else), six grades each, first grade lowest.
POSTS = ("一岗", "二岗", "三岗")
GRADES = ("一级", "二级", "三级", "四级", "五级", "六级")
DEFAULT_LADDER = [
    (f"{p + 1}-{g + 1}", f"{post}{grade}", (p * len(GRADES) + g + 1) * SORT_STEP)
    for p, post in enumerate(POSTS)
    for g, grade in enumerate(GRADES)
]


def _ladder_area(actor, value, *, field: str = "area_code") -> Area:
    """A province or prefecture over which the actor holds ``workforce.manage``."""
    code = normal_code(value)
    area = Area.objects.filter(code=code).first() if code else None
    if area is None or not queries.can_read_ladder(actor, area.code):
        raise NotFound(_("No such area among yours."), field=field)
    if area.level not in queries.LADDER_LEVELS:
        raise ActionError(_("A post ladder is set for a province or a prefecture."), field=field)
    scoping.require(actor, Cap.WORKFORCE_MANAGE, area.code)
    return area


def _level(actor, level_id) -> PostLevel:
    pk = row_id(level_id)
    level = PostLevel.objects.filter(pk=pk).first() if pk else None
    if level is None or not queries.can_read_ladder(actor, level.area_code):
        raise NotFound(_("There is no such post level among yours."))
    scoping.require(actor, Cap.WORKFORCE_MANAGE, level.area_code)
    return level


def postlevel_save(*, actor, area_code, code, name, sort=None, level_id=None) -> PostLevel:
    """Add a step to a province's or prefecture's ladder (``level_id`` None) or change one.
    The code is unique in the ladder; ``sort`` orders the ladder (after the last by default)."""
    area = _ladder_area(actor, area_code)
    existing = _level(actor, level_id) if level_id is not None else None
    if existing is not None and existing.area_code != area.code:
        raise ActionError(_("A post level stays in the ladder it belongs to."), field="area_code")
    errors = Errors()
    code = line(errors, "code", code, max_length=CODE_MAX, required=True)
    if code and " " in code:
        errors.add("code", _("A code has no spaces."))
    name = line(errors, "name", name, max_length=NAME_MAX, required=True)
    order = None
    if sort not in (None, ""):
        try:
            order = int(str(sort).strip())
        except ValueError:
            errors.add("sort", _("Enter a whole number."))
        else:
            if not 0 <= order <= SORT_MAX:
                errors.add("sort", _("Between 0 and %(max)d.") % {"max": SORT_MAX})
    errors.raise_if_any(_("The post level was not saved."))
    taken = PostLevel.objects.filter(area=area, code=code)
    if existing is not None:
        taken = taken.exclude(pk=existing.pk)
    if taken.exists():
        raise Conflict(_("This ladder already has a level with this code."), field="code")
    try:
        with transaction.atomic():
            if existing is None:
                last = PostLevel.objects.filter(area=area).aggregate(top=Max("sort"))["top"]
                level = PostLevel(area=area, area_code=area.code)
                if order is None:
                    order = min((last or 0) + SORT_STEP, SORT_MAX)
            else:
                level = PostLevel.objects.select_for_update().get(pk=existing.pk)
            level.code = code
            level.name = name
            if order is not None:
                level.sort = order
            level.save()
            audit.record(
                actor,
                "postlevel.create" if existing is None else "postlevel.update",
                level,
                extra={"code": level.code, "sort": level.sort},
            )
    except IntegrityError:
        raise Conflict(_("This ladder already has a level with this code."), field="code") from None
    return level


def postlevel_remove(*, actor, level_id) -> None:
    """Remove a step no worker record names."""
    level = _level(actor, level_id)
    with transaction.atomic():
        used = Worker.objects.filter(level=level).count()
        if used:
            raise Conflict(
                _("%(n)d worker records name this level: give them another level first.")
                % {"n": used}
            )
        audit.record(actor, "postlevel.remove", level, extra={"code": level.code})
        level.delete()


def postlevel_defaults(*, actor, area_code) -> int:
    """Give a province or prefecture the built-in 三岗十八级 ladder. Idempotent: steps whose
    code the ladder already has are left as they are; returns how many were added."""
    area = _ladder_area(actor, area_code)
    try:
        with transaction.atomic():
            have = set(PostLevel.objects.filter(area=area).values_list("code", flat=True))
            rows = [
                PostLevel(area=area, area_code=area.code, code=code, name=name, sort=sort)
                for code, name, sort in DEFAULT_LADDER
                if code not in have
            ]
            PostLevel.objects.bulk_create(rows)
            audit.record(
                actor,
                "postlevel.defaults_load",
                target_type="core.area",
                target_id=area.code,
                area_code=area.code,
                extra={"created": len(rows)},
            )
    except IntegrityError:
        raise Conflict(_("Someone else loaded the ladder just now: reload the page.")) from None
    return len(rows)


__all__ = ["DEFAULT_LADDER", "postlevel_defaults", "postlevel_remove", "postlevel_save"]
