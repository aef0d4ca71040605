"""Downloading the appeal figures: the workbook is built by the query, the download is an audit
event naming the area, the period and the unit kind."""

from __future__ import annotations

from django.db import transaction

from linli.core import audit

from .. import queries
from ..queries.metrics import MetricsExport, Scope


def appeal_metrics_export(*, actor, scope: Scope) -> MetricsExport:
    """The figures of ``scope`` (resolved for ``actor`` by ``queries.metrics_scope``) as an
    .xlsx workbook, recorded as ``appeal.metrics_export``. Forbidden for a scope drawn for
    someone else or for anyone who may not see figures."""
    with transaction.atomic():
        export = queries.metrics_export(actor=actor, scope=scope)
        code = scope.area.code if scope.area is not None else ""
        audit.record(
            actor,
            "appeal.metrics_export",
            target_type="appeals.figures",
            target_id=scope.period.code,
            area_code=code,
            extra={
                "area": code,
                "period": scope.period.code,
                "unit_kind": scope.unit_kind,
                "whole_area": scope.whole_area,
                "appeals": export.appeals,
            },
        )
    return export
