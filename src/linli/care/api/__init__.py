"""The care API at /api/v1/care/."""

from ninja import Router

from .roster import router as roster_router
from .visits import router as visits_router

router = Router(tags=["care"])
router.add_router("/", roster_router)
router.add_router("/", visits_router)
