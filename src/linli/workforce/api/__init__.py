"""The workforce API at /api/v1/workforce/."""

from ninja import Router

from .training import router as training_router
from .workers import router as workers_router

router = Router(tags=["workforce"])
router.add_router("/", workers_router)
router.add_router("/", training_router)
