"""The grid-work API at /api/v1/grid/."""

from ninja import Router

from .gridwork import router as gridwork_router

router = Router(tags=["grid work"])
router.add_router("/", gridwork_router)
