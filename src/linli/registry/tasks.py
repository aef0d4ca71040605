"""Background jobs of the registry: thin wrappers around actions (arguments are ids only)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> str:
    """Check and write one resident import (see ``imports.registry_import_run``)."""
    from .actions import registry_import_run

    job = registry_import_run(job_id=job_id)
    return job.status if job is not None else "skipped"
