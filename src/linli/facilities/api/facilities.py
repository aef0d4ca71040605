"""facilities API: facilities."""

from ninja import Router

router = Router()
