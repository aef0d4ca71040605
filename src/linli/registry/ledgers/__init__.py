"""Ledgers (台账) generated from the registry, never typed: who, where, since when.

A ledger lists the active residents with an open membership (``ended_on IS NULL``) of its
groups under one area — a grid, community, town or county the actor may read — in the column
layout of a civil-affairs form, one row per person (a person in two of its groups, say 独居 and
高龄, is one row naming both). The built-in ledgers are those the offices keep (特殊困难老年人,
残疾人, 低保/特困, 留守儿童, 退役军人); any other top-level group marked ``ledger`` gets a plain one.

Reads are scoped twice: the area must lie under the actor's ``registry.view`` grants, and the
memberships go through :func:`queries._tag_q`, so sensitive groups show only to their roles.
Rows are built in one SQL query with joins (``values_list(...).iterator()``), never one query a
row; identity and phone numbers are decrypted only for an unmasked export, which needs
``pii.reveal`` over the whole area. Pages and the API always show them masked. Every download
is an audit event (``registry.ledger_export``) with counts and codes, nothing personal.

Modules: ``definitions`` (the ledgers, their groups and columns), ``queries`` (scope, counts,
rows, pages), ``exports`` (the audited .xlsx/.csv downloads), ``xlsx`` (the streaming writer).
"""

from .definitions import BUILTIN_LEDGERS, ROW_FIELDS, Column, Ledger, LedgerDef
from .exports import EXPORT_FORMATS, LedgerExport, csv_chunks, ledger_export, xlsx_bytes
from .queries import (
    PAGE_SIZE,
    LedgerPage,
    LedgerScope,
    Overview,
    Summary,
    area_choices,
    area_names,
    area_title,
    cell_picker,
    cells,
    ledger_overview,
    ledger_page,
    ledger_people,
    ledger_rows,
    ledger_scope,
    ledger_slice,
    ledger_summary,
)
from .xlsx import XlsxStream

__all__ = [
    "BUILTIN_LEDGERS",
    "EXPORT_FORMATS",
    "PAGE_SIZE",
    "ROW_FIELDS",
    "Column",
    "Ledger",
    "LedgerDef",
    "LedgerExport",
    "LedgerPage",
    "LedgerScope",
    "Overview",
    "Summary",
    "XlsxStream",
    "area_choices",
    "area_names",
    "area_title",
    "cell_picker",
    "cells",
    "csv_chunks",
    "ledger_export",
    "ledger_overview",
    "ledger_page",
    "ledger_people",
    "ledger_rows",
    "ledger_scope",
    "ledger_slice",
    "ledger_summary",
    "xlsx_bytes",
]
