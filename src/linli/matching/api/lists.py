"""The matching API: lists."""

from ninja import Router

router = Router()
