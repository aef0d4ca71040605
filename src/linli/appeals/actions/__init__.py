"""Every write of the appeals app: ``appeal_<verb>(*, actor, …)``, one transaction each."""

from .calendar import (
    holiday_delete,
    holiday_set,
    holidays_import,
    tier_create,
    tier_delete,
    tier_update,
)
from .catalogue import appeal_defaults_load, tiers_ensure
from .categories import category_create, category_update
from .feedback import appeal_callback, appeal_rate
from .intake import appeal_submit
from .lifecycle import (
    appeal_accept,
    appeal_close,
    appeal_confirm,
    appeal_contact_reveal,
    appeal_dispatch,
    appeal_merge,
    appeal_photo_add,
    appeal_progress,
    appeal_reject,
    appeal_resolve,
    appeal_return,
    appeal_start,
    appeal_transfer,
    appeals_dispatch_bulk,
)
from .metrics import appeal_metrics_export
from .open311_keys import open311_client_create, open311_client_revoke
from .policy import policy_update
from .response_templates import template_create, template_delete, template_update
from .routing import (
    routing_rule_create,
    routing_rule_delete,
    unit_create,
    unit_member_add,
    unit_member_remove,
    unit_member_set_supervisor,
    unit_update,
)
from .supervision import appeal_supervise, appeals_sweep

__all__ = [
    "appeal_accept",
    "appeal_callback",
    "appeal_close",
    "appeal_confirm",
    "appeal_contact_reveal",
    "appeal_defaults_load",
    "appeal_dispatch",
    "appeal_merge",
    "appeal_photo_add",
    "appeal_progress",
    "appeal_rate",
    "appeal_reject",
    "appeal_resolve",
    "appeal_return",
    "appeal_start",
    "appeal_submit",
    "appeal_supervise",
    "appeal_transfer",
    "appeals_dispatch_bulk",
    "appeals_sweep",
    "tiers_ensure",
    "category_create",
    "category_update",
    "holiday_delete",
    "holiday_set",
    "holidays_import",
    "open311_client_create",
    "open311_client_revoke",
    "policy_update",
    "routing_rule_create",
    "routing_rule_delete",
    "template_create",
    "template_delete",
    "template_update",
    "tier_create",
    "tier_delete",
    "tier_update",
    "unit_create",
    "unit_member_add",
    "unit_member_remove",
    "unit_member_set_supervisor",
    "unit_update",
    "appeal_metrics_export",
]
