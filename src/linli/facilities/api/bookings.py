"""facilities API: bookings."""

from ninja import Router

router = Router()
