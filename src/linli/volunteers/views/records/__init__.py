"""volunteers pages: records — service hours, corrections, transfers, the time bank, exports.

URL names (namespace ``volunteers``): the volunteer's ``my_hours``, ``my_offer`` (offer_id),
``my_transfer``; the organiser's ``activity_hours`` (activity_id); staff ``records``,
``records_export``, ``record`` and ``record_correct`` (record_id), ``record_new``,
``volunteer_transfer`` (volunteer_id), ``totals_recompute``, ``offers``, ``offer_new``,
``offer_edit`` (offer_id), ``volunteer_points``, ``volunteer_points_adjust`` and
``volunteer_points_spend`` (volunteer_id)."""

from . import hours, mine, staff, timebank

urlpatterns = [
    *mine.urlpatterns,
    *hours.urlpatterns,
    *staff.urlpatterns,
    *timebank.urlpatterns,
]

__all__ = ["urlpatterns"]
