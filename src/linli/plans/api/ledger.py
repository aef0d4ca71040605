"""The plans API: ledger."""

from ninja import Router

router = Router()
