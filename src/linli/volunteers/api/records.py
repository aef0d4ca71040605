"""The volunteers API: records."""

from ninja import Router

router = Router()
