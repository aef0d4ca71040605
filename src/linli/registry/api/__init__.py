"""The registry's API routers, one module per family, mounted under /api/v1/registry/."""

from ninja import Router

from . import imports, ledgers, people

router = Router()
router.add_router("", people.router)
router.add_router("", imports.router)
router.add_router("", ledgers.router)
