"""The gridwork API at /api/v1/gridwork/."""

from ninja import Router

from .gridwork import router as gridwork_router

router = Router(tags=["gridwork"])
router.add_router("/", gridwork_router)
