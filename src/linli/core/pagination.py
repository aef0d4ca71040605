"""API pagination: ``?limit=&offset=``, answers ``{count, limit, offset, items}``.

The count and the page are two SQL queries; nothing is loaded beyond the page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import PaginationBase

OFFSET_MAX = 1_000_000_000


class Page(PaginationBase):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=200, description="page size, at most 200")
        # Bounded so offset + limit stays a 64-bit integer for the database.
        offset: int = Field(0, ge=0, le=OFFSET_MAX)

    class Output(Schema):
        count: int
        limit: int
        offset: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        limit = min(pagination.limit, settings.API_PAGE_SIZE_MAX)
        offset = pagination.offset
        count = len(queryset) if isinstance(queryset, list) else queryset.count()
        return {
            "count": count,
            "limit": limit,
            "offset": offset,
            "items": list(queryset[offset : offset + limit]),
        }
