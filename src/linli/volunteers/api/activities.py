"""The volunteers API: activities."""

from ninja import Router

router = Router()
