"""The volunteers API: people."""

from ninja import Router

router = Router()
