"""Every write of the registry. Functions are ``<entity>_<verb>(*, actor, ...)``."""

from .grids import (
    grid_assign,
    grid_release,
    grid_staff_assign,
    grid_staff_end,
    group_tag_create,
    group_tag_set_active,
)
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
)

__all__ = [
    "building_create",
    "grid_assign",
    "grid_release",
    "grid_staff_assign",
    "grid_staff_end",
    "group_tag_create",
    "group_tag_set_active",
    "household_create",
    "household_set_head",
    "resident_add",
    "resident_move",
    "resident_move_out",
    "resident_record_death",
    "resident_tag_add",
    "resident_tag_end",
    "resident_update",
]

# Imports and exports of households and residents (.xlsx/.csv) live in ..imports, which uses
# the actions above; they are re-exported lazily so that either module may be imported first.
_IMPORTS = (
    "registry_export",
    "registry_import_restart",
    "registry_import_run",
    "registry_import_start",
)
__all__ += list(_IMPORTS)


def __getattr__(name):
    if name in _IMPORTS:
        from .. import imports

        return getattr(imports, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
