"""The volunteers API: certificates."""

from ninja import Router

router = Router()
