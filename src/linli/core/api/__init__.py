"""The core app's API routers, one module per family, mounted under /api/v1/."""

from ninja import Router

from . import accounts, areas, audit, system

router = Router()
router.add_router("", system.router)
router.add_router("", areas.router)
router.add_router("", accounts.router)
router.add_router("", audit.router)
