"""The plans API: reports."""

from ninja import Router

router = Router()
