"""The volunteers API at /api/v1/volunteers/."""

from ninja import Router

from .activities import router as activities_router
from .certificates import router as certificates_router
from .people import router as people_router
from .records import router as records_router

router = Router(tags=["volunteers"])
router.add_router("/", people_router)
router.add_router("/", activities_router)
router.add_router("/", records_router)
router.add_router("/", certificates_router)
