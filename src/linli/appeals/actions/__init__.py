"""Every write of the appeals app: ``appeal_<verb>(*, actor, …)``, one transaction each."""

from .catalogue import appeal_defaults_load, tiers_ensure
from .feedback import appeal_callback, appeal_rate
from .intake import appeal_submit
from .lifecycle import (
    appeal_accept,
    appeal_close,
    appeal_confirm,
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
from .supervision import appeal_supervise, appeals_sweep

__all__ = [
    "appeal_accept",
    "appeal_callback",
    "appeal_close",
    "appeal_confirm",
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
]
