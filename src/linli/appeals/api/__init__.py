"""The appeals API at /api/v1/appeals/: one router made of the families' routers."""

from ninja import Router

from .appeals import router as appeals_router
from .config import router as config_router
from .metrics import router as metrics_router

router = Router(tags=["appeals"])
router.add_router("/settings/", config_router)
router.add_router("/figures/", metrics_router)
router.add_router("/", appeals_router)
