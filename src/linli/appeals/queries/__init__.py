"""Every read of the appeals app, scoped to what the actor may see."""

from .appeals import (
    appeal_duplicates,
    appeal_get,
    appeal_list,
    appeal_timeline,
    appeals_mine,
    inbox_counts,
    is_staff_viewer,
    visible_q,
)
from .units import (
    acting_unit_ids,
    can_act_for,
    category_label,
    county_code,
    dispatcher_recipients,
    member_unit_ids,
    route,
    supervised_unit_ids,
    supervising_code,
    supervisor_recipients,
    unit_for_area,
    unit_recipients,
)

__all__ = [
    "acting_unit_ids",
    "appeal_duplicates",
    "appeal_get",
    "appeal_list",
    "appeal_timeline",
    "appeals_mine",
    "can_act_for",
    "category_label",
    "county_code",
    "dispatcher_recipients",
    "inbox_counts",
    "is_staff_viewer",
    "member_unit_ids",
    "route",
    "supervised_unit_ids",
    "supervising_code",
    "supervisor_recipients",
    "unit_for_area",
    "unit_recipients",
    "visible_q",
]
