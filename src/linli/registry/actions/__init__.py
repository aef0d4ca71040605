"""Every write of the registry. Functions are ``<entity>_<verb>(*, actor, ...)``."""

from .grids import grid_assign, grid_release, grid_staff_assign, grid_staff_end, group_tag_create
from .people import (
    building_create,
    household_create,
    household_set_head,
    resident_add,
    resident_move,
    resident_move_out,
    resident_record_death,
    resident_tag_add,
    resident_tag_end,
    resident_update,
    tag_visible_to,
)

__all__ = [
    "building_create",
    "grid_assign",
    "grid_release",
    "grid_staff_assign",
    "grid_staff_end",
    "group_tag_create",
    "household_create",
    "household_set_head",
    "resident_add",
    "resident_move",
    "resident_move_out",
    "resident_record_death",
    "resident_tag_add",
    "resident_tag_end",
    "resident_update",
    "tag_visible_to",
]
