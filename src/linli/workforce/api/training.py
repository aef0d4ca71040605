"""workforce API: training."""

from ninja import Router

router = Router()
