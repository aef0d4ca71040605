"""The matching API at /api/v1/matching/."""

from ninja import Router

from .lists import router as lists_router
from .projects import router as projects_router

router = Router(tags=["matching"])
router.add_router("/", lists_router)
router.add_router("/", projects_router)
