"""The fan-out of an alert to every active resident of its subtree, in set-based batches.

Each batch is one ``INSERT … SELECT`` of recipients for a range of resident ids, with the in-app
notifications of the batch in the same transaction. Each batch commits with its notifications,
so a rerun resumes after the last resident written and never notifies anyone twice.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.core import areacodes, audit, scoping
from linli.core.errors import NotFound
from linli.core.models import Notification, User
from linli.registry.models import Resident, ResidentTag

from ...models import Alert, AlertRecipient

# Residents in these groups (or their kinds, e.g. special_elderly.living_alone), or on the care
# roster, are vulnerable: a grid worker checks on them when they have not answered in time.
ALERT_VULNERABLE_TAGS = (
    "special_elderly",
    "disability",
    "left_behind_child",
    "child_in_difficulty",
)
FANOUT_BATCH = 20_000
ANALYZE_AFTER = 10_000  # recipients written by one fan-out


def _vulnerable_sql() -> tuple[str, list]:
    """SQL true when resident ``r`` is on the care roster or in a vulnerable group (open)."""
    from linli.care.models import Subject

    roots = list(ALERT_VULNERABLE_TAGS)
    marks = ", ".join(["%s"] * len(roots))
    kinds = " OR ".join(["t.tag_id LIKE %s"] * len(roots))
    sql = (
        f"(EXISTS (SELECT 1 FROM {Subject._meta.db_table} s"  # noqa: S608 - names from the models
        " WHERE s.resident_id = r.id AND s.ended_on IS NULL)"
        f" OR EXISTS (SELECT 1 FROM {ResidentTag._meta.db_table} t"
        " WHERE t.resident_id = r.id AND t.ended_on IS NULL"
        f" AND (t.tag_id IN ({marks}) OR {kinds})))"
    )
    return sql, [*roots, *(f"{root}.%" for root in roots)]


def _batch_starts(prefix: str, after: int, batch: int) -> tuple[list[int], int, int]:
    """The first resident id of each batch of ``batch`` active residents under ``prefix`` with
    ids above ``after``; the last such id; how many there are."""
    table = Resident._meta.db_table
    where = "status = %s AND area_code LIKE %s AND id > %s"
    params = [Resident.Status.ACTIVE, f"{prefix}%", after]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(id) FROM {table} WHERE {where}", params)  # noqa: S608 - names from the models
        count, last = cursor.fetchone()
        if not count:
            return [], 0, 0
        cursor.execute(
            "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n"  # noqa: S608 - names from the models
            f" FROM {table} WHERE {where}) numbered WHERE (n - 1) %% %s = 0 ORDER BY id",
            [*params, batch],
        )
        starts = [row[0] for row in cursor.fetchall()]
    return starts, last, count


def _texts_by_language(alert: Alert) -> tuple[list[tuple[str, str]], str]:
    """The notification text in each site language, and in the default one."""

    def render() -> str:
        return _("Emergency alert (%(severity)s): %(title)s") % {
            "severity": Alert.Severity(alert.severity).label,
            "title": alert.title,
        }

    max_len = Notification._meta.get_field("text").max_length
    texts = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.append((code, render()[:max_len]))
    with translation.override(settings.LANGUAGE_CODE):
        default = render()[:max_len]
    return texts, default


def _insert_batch(
    alert: Alert, prefix: str, lo: int, hi: int, now, texts, default
) -> tuple[int, int]:
    """Write one batch of recipients and their notifications; returns (recipients, notified)."""
    vulnerable, vulnerable_params = _vulnerable_sql()
    recipients = AlertRecipient._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A batch lost in a crash is written again by the rerun (it resumes after the last
            # resident written), so its commit need not wait for the disk; and these plain
            # statements gain nothing from compiling their expressions.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute("SET LOCAL jit TO OFF")
        cursor.execute(
            f"INSERT INTO {recipients} (alert_id, resident_id, user_id, area_code, vulnerable,"  # noqa: S608 - names from the models
            " ack, ack_at, checked, checked_by_id, checked_at, check_note, appeal_id)"
            f" SELECT %s, r.id, r.account_id, r.area_code, {vulnerable},"
            " '', NULL, '', NULL, NULL, '', NULL"
            f" FROM {Resident._meta.db_table} r"
            " WHERE r.status = %s AND r.area_code LIKE %s AND r.id BETWEEN %s AND %s"
            " ON CONFLICT DO NOTHING",
            [alert.pk, *vulnerable_params, Resident.Status.ACTIVE, f"{prefix}%", lo, hi],
        )
        written = max(cursor.rowcount, 0)
        cases = " ".join(["WHEN %s THEN %s"] * len(texts))
        cursor.execute(
            f"INSERT INTO {Notification._meta.db_table}"  # noqa: S608 - names from the models
            " (user_id, at, kind, text, url, target_type, target_id, read_at)"
            f" SELECT x.user_id, %s, %s, CASE u.language {cases} ELSE %s END, %s, %s, %s, NULL"
            f" FROM {recipients} x JOIN {User._meta.db_table} u ON u.id = x.user_id"
            " WHERE x.alert_id = %s AND x.resident_id BETWEEN %s AND %s AND u.is_active",
            [
                connection.ops.adapt_datetimefield_value(now),
                "alert.issued",
                *[item for pair in texts for item in pair],
                default,
                reverse("notices:alert_resident", args=[alert.pk]),
                Alert._meta.label_lower,
                str(alert.pk),
                alert.pk,
                lo,
                hi,
            ],
        )
        notified = max(cursor.rowcount, 0)
    return written, notified


def alert_fanout(*, alert_id: int, batch: int = FANOUT_BATCH) -> dict:
    """Reach every active resident of the alert's subtree (the background task's work).

    Batches of ``batch`` residents by ascending id, each one ``INSERT … SELECT`` with its
    notifications in one transaction; ``recipients_done`` moves after each. Idempotent: a rerun
    resumes after the highest resident already reached. Stops if the alert is ended meanwhile.
    """
    started = time.perf_counter()
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        raise NotFound(_("There is no such alert."))
    if alert.status == Alert.Status.ENDED:
        return {
            "alert": alert.pk,
            "status": alert.status,
            "recipients": alert.recipients_done,
            "written": 0,
            "notified": 0,
            "seconds": round(time.perf_counter() - started, 3),
        }
    prefix = areacodes.prefix_of(alert.area_code)
    texts, default = _texts_by_language(alert)
    with transaction.atomic():
        Alert.objects.select_for_update().filter(pk=alert.pk).first()
        done_before = AlertRecipient.objects.filter(alert_id=alert.pk).aggregate(
            n=Count("id"), last=Max("resident_id")
        )
        starts, last, remaining = _batch_starts(prefix, done_before["last"] or 0, batch)
        changes = {"recipients_total": done_before["n"] + remaining}
        if alert.fanout_started_at is None:
            changes["fanout_started_at"] = timezone.now()
        Alert.objects.filter(pk=alert.pk).update(**changes)
    written = notified = 0
    for index, start in enumerate(starts):
        end = starts[index + 1] - 1 if index + 1 < len(starts) else last
        with transaction.atomic():
            status = (
                Alert.objects.select_for_update()
                .filter(pk=alert.pk)
                .values_list("status", flat=True)
            ).first()
            if status != Alert.Status.SENDING:
                break
            # Another run may have gone further meanwhile: start after what it wrote.
            reached = (
                AlertRecipient.objects.filter(alert_id=alert.pk).aggregate(last=Max("resident_id"))[
                    "last"
                ]
                or 0
            )
            lo = max(start, reached + 1)
            if lo <= end:
                batch_written, batch_notified = _insert_batch(
                    alert, prefix, lo, end, timezone.now(), texts, default
                )
                written += batch_written
                notified += batch_notified
            Alert.objects.filter(pk=alert.pk).update(recipients_done=done_before["n"] + written)
    with transaction.atomic():
        current = Alert.objects.select_for_update().get(pk=alert.pk)
        total = AlertRecipient.objects.filter(alert_id=alert.pk).count()
        finishing = current.status == Alert.Status.SENDING
        if finishing:
            current.status = Alert.Status.ACTIVE
            current.fanout_finished_at = timezone.now()
        current.recipients_done = total
        if finishing:
            current.recipients_total = total
        current.save(
            update_fields=["status", "fanout_finished_at", "recipients_done", "recipients_total"]
        )
        if finishing or written:
            audit.record(
                scoping.SYSTEM,
                "alert.fanout",
                current,
                extra={"recipients": total, "written": written, "notified": notified},
            )
    if written >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # The live page counts these rows at once: give the planner their numbers now rather
        # than when autovacuum comes by.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {AlertRecipient._meta.db_table}")
    return {
        "alert": alert.pk,
        "status": current.status,
        "recipients": total,
        "written": written,
        "notified": notified,
        "seconds": round(time.perf_counter() - started, 3),
    }
