"""workforce queries: who is due for training — each live worker's training status on a day
(trained, due soon, short of hours, overdue, never trained), their due date, and one worker's
training record.

Reading needs ``workforce.view`` over the worker. The status comes from the same SQL rule as
:func:`~linli.workforce.queries.training.trained_counts` (see :mod:`linli.workforce.rules`), so
the list of who is due and the coverage figure cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import scoping
from linli.core.cleaning import normal_code
from linli.core.errors import ActionError, NotFound
from linli.core.roles import Cap

from .. import rules
from ..models import Attendance, TrainingRule, Worker
from ..rules import Cycle, RuleBook, kind_of
from .training import SEARCH_MAX, _worker_sql, area_names, as_of_day, live_q, training_area

DUE_SOON_DAYS = 60
HEADS = TrainingRule.AppliesTo.HEADS

STATUS_LABELS = {
    "ok": gettext_lazy("trained"),
    "due_soon": gettext_lazy("due soon"),
    "short": gettext_lazy("not enough hours"),
    "overdue": gettext_lazy("overdue"),
    "never": gettext_lazy("never trained"),
}
STATUSES = tuple(STATUS_LABELS)
TRAINED = ("ok", "due_soon")
# "untrained": every status that does not count as trained (the complement of the figure).
STATUS_FILTERS = (*STATUSES, "untrained")


def _day(value) -> dt.date | None:
    """A date read by a raw query (SQLite answers text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# --- who is due ---------------------------------------------------------------------------------


@dataclass
class WorkerStatus:
    """One worker's training on a day: their cycle, last training, hours in the cycle, due
    date (the last day they stay trained without another training) and status."""

    worker: Worker
    community_name: str
    kind: str
    cycle: Cycle
    last_on: dt.date | None
    hours: Decimal
    due_on: dt.date | None
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def kind_label(self) -> str:
        return str(TrainingRule.AppliesTo(self.kind).label)

    @property
    def trained(self) -> bool:
        return self.status in TRAINED


_FIELDS = ("id", "name", "community_id", "area_code", "committee_role")
_ORDER = [f.attname for f in Worker._meta.concrete_fields if f.attname in _FIELDS]


class StatusList:
    """Workers with their training status, one page at a time: ``count()`` and slicing, so the
    pages' paginator and the API's read only what they show (one query each)."""

    def __init__(self, qs: QuerySet[Worker], book: RuleBook, as_of: dt.date, status: str = ""):
        self.book, self.as_of = book, as_of
        soon = as_of + dt.timedelta(days=DUE_SOON_DAYS + 1)
        self.sql, self.params = rules.status_sql(book, *_worker_sql(qs), as_of, soon)
        self.where, self.where_params = "", []
        if status == "untrained":
            self.where = " WHERE s.status NOT IN (%s, %s)"
            self.where_params = list(TRAINED)
        elif status:
            self.where, self.where_params = " WHERE s.status = %s", [status]

    def _fetch(self, sql: str, params) -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count(self) -> int:
        sql = f"SELECT COUNT(*) FROM ({self.sql}) s{self.where}"  # noqa: S608 - parameters
        return self._fetch(sql, [*self.params, *self.where_params])[0][0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1][0]
        start = max(index.start or 0, 0)
        stop = index.stop if index.stop is not None else start + 2**31
        if stop <= start:
            return []
        sql = (
            f"SELECT s.* FROM ({self.sql}) s{self.where}"  # noqa: S608 - parameters
            f" ORDER BY {rules.rank_sql()}, CASE WHEN s.last_on IS NULL THEN 0 ELSE 1 END,"
            " s.last_on, s.area_code, s.name, s.id LIMIT %s OFFSET %s"
        )
        found = self._fetch(sql, [*self.params, *self.where_params, stop - start, start])
        return self.shape(found)

    def shape(self, found: list) -> list[WorkerStatus]:
        """Rows of the status SQL as :class:`WorkerStatus` (two queries: names and, when a
        rule asks for hours, the trainings that keep the page's workers trained)."""
        db = connection.alias
        rows = []
        for record in found:
            data = dict(zip(_FIELDS, record, strict=False))
            worker = Worker.from_db(db, _ORDER, [data[name] for name in _ORDER])
            last_on, status, tenths = record[len(_FIELDS) :]
            worker.last_on, worker.status = _day(last_on), status
            worker.hours = Decimal(int(tenths or 0)) / 10
            rows.append(worker)
        names = area_names(w.community_id for w in rows)
        due = rules.due_dates(rows, self.book, self.as_of)
        out = []
        for worker in rows:
            kind = kind_of(worker.committee_role)
            out.append(
                WorkerStatus(
                    worker=worker,
                    community_name=names.get(worker.community_id, worker.community_id),
                    kind=kind,
                    cycle=self.book.cycle(worker.area_code, kind),
                    last_on=worker.last_on,
                    hours=worker.hours,
                    due_on=due.get(worker.pk),
                    status=worker.status,
                )
            )
        return out


def training_status(
    *, actor, area_code=None, as_of=None, filters: dict | None = None
) -> StatusList:
    """The live workers of an area with their training status on ``as_of`` (default today),
    the most urgent first (overdue, never trained, short of hours, due soon, trained). Filters:
    ``status`` (one of :data:`STATUS_FILTERS`), ``community`` (a community's code), ``kind``
    (``heads`` or ``others``), ``q`` (words of the name)."""
    filters = filters or {}
    area = training_area(actor, area_code)
    as_of = as_of_day(as_of)
    qs = scoping.scope(Worker.objects.filter(live_q(as_of)), actor, Cap.WORKFORCE_VIEW)
    if area.prefix:
        qs = qs.filter(area_code__startswith=area.prefix)
    community = str(filters.get("community") or "").strip()
    if community:
        code = normal_code(community) or ""
        if len(code) != 12 or not code.startswith(area.prefix):
            raise ActionError(_("Choose a community of this area."), field="community")
        qs = qs.filter(community_id=code)
    kind = str(filters.get("kind") or "")
    if kind == HEADS:
        qs = qs.filter(committee_role__in=list(Worker.HEADS))
    elif kind == TrainingRule.AppliesTo.OTHERS:
        qs = qs.exclude(committee_role__in=list(Worker.HEADS))
    elif kind:
        raise ActionError(_("Choose heads or other workers."), field="kind")
    words = " ".join(str(filters.get("q") or "").split())[:SEARCH_MAX]
    if words:
        qs = qs.filter(name__icontains=words)
    status = str(filters.get("status") or "")
    if status and status not in STATUS_FILTERS:
        raise ActionError(_("Choose a status from the list."), field="status")
    return StatusList(qs, RuleBook.under(area.prefix), as_of, status)


# --- one worker's training ----------------------------------------------------------------------


@dataclass
class WorkerHistory:
    worker: Worker
    status: WorkerStatus | None  # None when the worker is not live on the day
    attendances: list[Attendance]


def worker_training(*, actor, worker_id, as_of=None) -> WorkerHistory:
    """A worker's training record: every session marked, newest first, and their status."""
    as_of = as_of_day(as_of)
    worker = (
        scoping.scope(Worker.objects.all(), actor, Cap.WORKFORCE_VIEW)
        .filter(pk=worker_id)
        .select_related("community")
        .first()
    )
    if worker is None:
        raise NotFound(_("There is no such worker among yours."))
    live = Worker.objects.filter(live_q(as_of), pk=worker.pk)
    found = StatusList(live, RuleBook.under(worker.area_code), as_of)[0:1]
    status = found[0] if found else None
    attendances = list(
        worker.attendances.select_related("session__course").order_by("-trained_on", "-session_id")
    )
    return WorkerHistory(worker=worker, status=status, attendances=attendances)


__all__ = [
    "StatusList",
    "WorkerHistory",
    "WorkerStatus",
    "training_status",
    "worker_training",
]
