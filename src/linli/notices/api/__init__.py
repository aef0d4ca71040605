"""The notices API at /api/v1/notices/."""

from ninja import Router

from .alerts import router as alerts_router
from .notices import router as notices_router

router = Router(tags=["notices"])
router.add_router("/", notices_router)
router.add_router("/", alerts_router)
