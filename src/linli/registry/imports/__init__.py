"""Import and export of households and residents as .xlsx or .csv.

An import is an :class:`~linli.registry.models.ImportJob`: :func:`registry_import_start` keeps
the upload sealed (AES-GCM) and queues ``tasks.run_import`` on commit; the task calls
:func:`registry_import_run`, which

1. checks every row on its own (the same rules as the registry's forms: ID number, phone,
   names, ethnic group, relationship, dates, group tags; the actor's ``registry.edit`` over the
   row's community; duplicates inside the file), counting progress as it goes;
2. inside one transaction, looks every household and ID number up in the registry, decides
   per row created / updated / moved / unchanged (or an error), and only if no row anywhere
   has an error writes everything with bulk operations and one audit event.

A row error anywhere means nothing is written and the job keeps an error report (the file's
rows with their errors beside them). A worker killed part-way leaves nothing behind: the
transaction rolls back, and the job page offers to run it again. Re-running a file that was
imported changes nothing: every row is reported unchanged.

The package's modules: ``columns`` (columns, vocabularies, templates), ``files`` (sealing,
reading .xlsx/.csv, writing .xlsx), ``checking`` (rows, then the file against the registry),
``writing`` (the bulk write), ``jobs`` (the actions around an ImportJob), ``export``.

Exports (:func:`registry_export`) write any filtered resident list in the import's columns,
masked unless the exporter may reveal personal data for every row, and are audited.
"""

from __future__ import annotations

from .columns import COLUMNS, columns, template_csv, template_xlsx
from .export import Export, registry_export
from .files import XLSX, read_table, write_xlsx
from .jobs import (
    IMPORT_MAX_BYTES,
    MAX_ROWS,
    import_can_restart,
    import_is_stale,
    import_job_get,
    import_job_list,
    import_report,
    registry_import_restart,
    registry_import_run,
    registry_import_start,
)

__all__ = [
    "COLUMNS",
    "IMPORT_MAX_BYTES",
    "MAX_ROWS",
    "XLSX",
    "Export",
    "columns",
    "import_can_restart",
    "import_is_stale",
    "import_job_get",
    "import_job_list",
    "import_report",
    "read_table",
    "registry_export",
    "registry_import_restart",
    "registry_import_run",
    "registry_import_start",
    "template_csv",
    "template_xlsx",
    "write_xlsx",
]
