"""Every write of the records family: service hours (:mod:`.hours`), corrections
(:mod:`.corrections`), transfers of records (:mod:`.transfers`), the time bank
(:mod:`.points`), the bulk recompute of totals (:mod:`.totals`) and the export
(:mod:`.exports`). Functions are ``<entity>_<verb>(*, actor, …)``."""

from ._rules import POINTS_PER_HOUR, points_for, stars_text
from .corrections import may_correct, record_correct
from .exports import EXPORT_MAX, HEADER, Export, records_export
from .hours import HoursResult, activity_hours_record, hours_text, record_create
from .points import POINTS_MAX, Spent, offer_create, offer_update, points_adjust, points_spend
from .totals import county_prefixes, refresh_scope, totals_recompute, totals_recompute_run
from .transfers import transfer_create

__all__ = [
    "EXPORT_MAX",
    "HEADER",
    "POINTS_MAX",
    "POINTS_PER_HOUR",
    "Export",
    "HoursResult",
    "Spent",
    "activity_hours_record",
    "county_prefixes",
    "hours_text",
    "may_correct",
    "offer_create",
    "offer_update",
    "points_adjust",
    "points_for",
    "points_spend",
    "record_correct",
    "record_create",
    "records_export",
    "refresh_scope",
    "stars_text",
    "totals_recompute",
    "totals_recompute_run",
    "transfer_create",
]
