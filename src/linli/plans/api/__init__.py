"""The plans API at /api/v1/plans/."""

from ninja import Router

from .catalogue import router as catalogue_router
from .ledger import router as ledger_router
from .reports import router as reports_router
from .values import router as values_router

router = Router(tags=["plans"])
router.add_router("/", catalogue_router)
router.add_router("/", values_router)
router.add_router("/", ledger_router)
router.add_router("/", reports_router)
