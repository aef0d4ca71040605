"""The plans API: values."""

from ninja import Router

router = Router()
