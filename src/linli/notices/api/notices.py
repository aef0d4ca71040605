"""notices API: notices."""

from __future__ import annotations

from ninja import Router

router = Router()
