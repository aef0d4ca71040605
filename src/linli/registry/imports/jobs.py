"""Import jobs: start, run (the task's body), restart, look at, and the error report."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.roles import Cap

from ..models import (
    ImportJob,
)
from .checking import _Checker, _plan
from .columns import KEYS, LABELS
from .files import _printable, _seal, _unseal, estimate_rows, read_table, write_xlsx
from .writing import _Progress, _Rejected, _Stale, _write

log = logging.getLogger(__name__)

IMPORT_MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
STORED_ERROR_ROWS = 1_000  # rows whose messages the job keeps for its page; the report has all
STALE_AFTER = dt.timedelta(minutes=5)  # no sign of life for this long: the worker has stopped
KEEP_FILES_FOR = dt.timedelta(days=7)  # uploads and reports of finished jobs are then dropped
PROGRESS_EVERY = 5_000  # rows between progress updates


# --- jobs -------------------------------------------------------------------------------------


def _refuse_outsiders(actor) -> None:
    if not scoping.has_cap(actor, Cap.REGISTRY_EDIT):
        raise Forbidden(_("You do not have permission to do this here."))


def _purge_old_files() -> None:
    """Drop the uploads and reports of jobs finished long ago (personal data kept no longer
    than needed)."""
    ImportJob.objects.filter(
        finished_at__lt=timezone.now() - KEEP_FILES_FOR, data__isnull=False
    ).update(data=None, report=None)


def registry_import_start(
    *, actor, filename: str, data: bytes, on_duplicate: str = ImportJob.OnDuplicate.REPORT
) -> ImportJob:
    """Accept an upload and queue its import; the file's headers are checked at once."""
    _refuse_outsiders(actor)
    if on_duplicate not in ImportJob.OnDuplicate.values:
        raise ActionError(
            _("Choose what to do with residents already registered."), field="on_duplicate"
        )
    filename = os.path.basename(str(filename or "")).strip()[-200:]
    if len(data) > IMPORT_MAX_BYTES:
        raise ActionError(
            _("The file is larger than %(mb)d MB; split it into parts.")
            % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    try:
        rows = read_table(filename, data)
        next(rows, None)
    except ActionError as exc:
        raise ActionError(exc.message, field="file") from None
    with transaction.atomic():
        _purge_old_files()
        job = ImportJob.objects.create(
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            filename=filename,
            size=len(data),
            data=_seal(data),
            on_duplicate=on_duplicate,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        _queue(job)
    return job


def _queue(job: ImportJob) -> None:
    from ..tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job.pk))


def import_is_stale(job: ImportJob, now=None) -> bool:
    now = now or timezone.now()
    last = job.heartbeat_at or job.created_at
    return (
        job.status
        in (ImportJob.Status.QUEUED, ImportJob.Status.VALIDATING, ImportJob.Status.WRITING)
        and now - last > STALE_AFTER
    )


def import_can_restart(job: ImportJob) -> bool:
    """A job stopped by a failure, or one whose worker has gone quiet, may run again."""
    has_file = job.has_file if hasattr(job, "has_file") else job.data is not None
    return has_file and (job.status == ImportJob.Status.FAILED or import_is_stale(job))


def registry_import_restart(*, actor, job_id: int) -> ImportJob:
    """Queue a failed or stalled job again. Its previous run wrote nothing (one transaction)."""
    job = import_job_get(actor=actor, job_id=job_id)
    if not import_can_restart(job):
        raise Conflict(_("This import is not stopped: it cannot be restarted."))
    with transaction.atomic():
        updated = ImportJob.objects.filter(
            pk=job.pk, attempt=job.attempt, status=job.status
        ).update(status=ImportJob.Status.QUEUED, message="", heartbeat_at=timezone.now())
        if not updated:
            raise Conflict(_("This import changed meanwhile; look at it again."))
        _queue(job)
    return import_job_get(actor=actor, job_id=job.pk)


def import_job_get(*, actor, job_id) -> ImportJob:
    """One of the actor's own imports (an import's rows are its uploader's to see), without
    its file and report; ``has_file`` and ``has_report`` say whether they are kept."""
    if not getattr(actor, "is_authenticated", False):
        raise NotFound(_("No such import among yours."))
    job = (
        ImportJob.objects.defer("data", "report")
        .annotate(
            has_file=ExpressionWrapper(Q(data__isnull=False), output_field=BooleanField()),
            has_report=ExpressionWrapper(Q(report__isnull=False), output_field=BooleanField()),
        )
        .filter(pk=job_id, created_by_id=actor.pk)
        .first()
    )
    if job is None:
        raise NotFound(_("No such import among yours."))
    return job


def import_job_list(*, actor, limit: int = 20):
    if not getattr(actor, "is_authenticated", False):
        return ImportJob.objects.none()
    return ImportJob.objects.defer("data", "report", "errors").filter(created_by=actor)[:limit]


def import_report(*, actor, job_id) -> bytes:
    """The error report (.xlsx) of a rejected import."""
    import_job_get(actor=actor, job_id=job_id)
    sealed = ImportJob.objects.filter(pk=job_id).values_list("report", flat=True).first()
    if not sealed:
        raise NotFound(_("This import has no error report."))
    return _unseal(sealed)


def _common_area(codes: set[str]) -> str:
    """The code of the lowest area above every community of the file."""
    if not codes:
        return ""
    if len(codes) == 1:
        return next(iter(codes))
    prefix = os.path.commonprefix(sorted(codes))
    for length in (9, 6, 4, 2):
        if len(prefix) >= length:
            return prefix[:length].ljust(12, "0")
    return ""


def registry_import_run(*, job_id: int) -> ImportJob | None:
    """Run a queued import (the task's body). Returns the job, or None if it was not queued."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.VALIDATING,
        attempt=F("attempt") + 1,
        started_at=now,
        heartbeat_at=now,
        rows_total=0,
        rows_checked=0,
        rows_written=0,
        message="",
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    progress = _Progress(job)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            _run(job, progress)
    except Exception:
        log.exception("import %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(
            status=ImportJob.Status.FAILED,
            message=_("The import stopped with an unexpected error; nothing was written."),
            finished_at=timezone.now(),
        )
        raise
    finally:
        progress.close()
    job.refresh_from_db()
    return job


def _finish(job: ImportJob, **fields) -> None:
    fields.setdefault("finished_at", timezone.now())
    fields.setdefault("heartbeat_at", timezone.now())
    ImportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(**fields)


def _run(job: ImportJob, progress: _Progress) -> None:
    actor = job.created_by
    if actor is None or not actor.is_active or not scoping.has_cap(actor, Cap.REGISTRY_EDIT):
        _finish(
            job, status=ImportJob.Status.FAILED, message=_("The uploader may no longer import.")
        )
        return
    data = _unseal(job.data)
    progress(rows_total=estimate_rows(job.filename, data))
    try:
        rows = read_table(job.filename, data)
        checker = _Checker(actor)
        total = 0
        for number, cells in rows:
            total += 1
            if total > MAX_ROWS:
                raise ActionError(
                    _("The file has more than %(n)d rows; split it.") % {"n": MAX_ROWS}
                )
            checker.check(number, cells)
            if total % PROGRESS_EVERY == 0:
                progress(rows_checked=total)
        if total == 0:
            raise ActionError(_("The file has headers but no data rows."))
    except ActionError as exc:
        _finish(job, status=ImportJob.Status.FAILED, message=str(exc.message), data=None)
        return
    del rows
    area_code = _common_area({h.community for h in checker.households.values()})
    progress(rows_checked=total, rows_total=total)
    ImportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(
        status=ImportJob.Status.WRITING, area_code=area_code, rows_total=total, rows_checked=total
    )
    try:
        with transaction.atomic():
            plan = _plan(checker, job.on_duplicate)
            if checker.errors:
                raise _Rejected
            counts = _write(job, actor, checker, plan, progress)
            counts["rows"] = total
            audit.record(
                actor,
                "registry.import",
                job,
                area_code=area_code,
                extra={"on_duplicate": job.on_duplicate, **counts},
            )
            done = ImportJob.objects.filter(
                pk=job.pk, attempt=job.attempt, status=ImportJob.Status.WRITING
            ).update(
                status=ImportJob.Status.DONE,
                counts=counts,
                rows_written=total,
                data=None,
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
            if not done:
                raise _Stale
    except _Rejected:
        errors = checker.errors
        report = _error_report(job.filename, data, errors)
        kept = dict(sorted(errors.items())[:STORED_ERROR_ROWS])
        _finish(
            job,
            status=ImportJob.Status.REJECTED,
            error_rows=len(errors),
            errors={str(k): v for k, v in kept.items()},
            report=_seal(report),
            counts={"rows": total, "error_rows": len(errors)},
        )
    except _Stale:
        log.warning("import %s: taken over by another run; this run rolled back", job.pk)
    except IntegrityError:
        log.warning("import %s: the registry changed while writing", job.pk, exc_info=True)
        _finish(
            job,
            status=ImportJob.Status.FAILED,
            message=_("The registry changed while the file was being imported; run it again."),
        )


def _error_report(filename: str, data: bytes, errors: dict[int, list[str]]) -> bytes:
    """The file's rows with their errors beside them (row number, errors, then the columns)."""

    def rows():
        for number, cells in read_table(filename, data):
            messages = errors.get(number)
            values = [number, "；".join(messages) if messages else ""]
            values += [_printable(cells.get(key, "")) for key in KEYS]
            yield values, 2 if messages else 0

    out = io.BytesIO()
    write_xlsx(out, _("Errors"), [_("Row"), _("Errors"), *LABELS.values()], rows())
    return out.getvalue()
