"""workforce API: workers."""

from ninja import Router

router = Router()
