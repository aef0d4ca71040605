"""facilities API: capacity."""

from ninja import Router

router = Router()
