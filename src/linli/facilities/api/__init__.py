"""The facilities API at /api/v1/facilities/."""

from ninja import Router

from .bookings import router as bookings_router
from .capacity import router as capacity_router
from .facilities import router as facilities_router

router = Router(tags=["facilities"])
router.add_router("/", facilities_router)
router.add_router("/", bookings_router)
router.add_router("/", capacity_router)
