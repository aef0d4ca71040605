"""care actions: the county's visit policy and the care roster.

The roster is derived from the registry, never typed. A resident living here (status active)
is on it when one of their open group memberships is covered by an active row of their county's
policy table (:class:`~linli.care.models.Policy`): a row for a group covers its kinds too, and a
row for a kind wins over its parent's (so an inactive kind row keeps that kind off the roster);
a row with grades covers only memberships of those grades (see :mod:`linli.care.defaults`).

Someone covered by several rows is visited at the most frequent of their frequencies (at their
risk level) and gets the visit kind of the row giving it (elderly before disability before
child when rows tie). The refresh is set-based: a few queries for a whole county, whatever its
size, then bulk writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, audit, scoping
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.pii import EncryptedField
from linli.core.roles import Cap
from linli.registry.models import GroupTag, Resident, ResidentTag

from .. import queries
from ..defaults import BUILTIN_POLICY, grade_matches
from ..models import (
    FREQUENCY_RANK,
    VISITS_PER_MONTH,
    Frequency,
    Plan,
    Policy,
    Risk,
    Subject,
    month_start,
)
from ..queries.roster import NOTES

KIND_RANK = {Policy.Kind.ELDERLY: 2, Policy.Kind.DISABILITY: 1, Policy.Kind.CHILD: 0}
GRADES_MAX = 20
GRADE_LENGTH = 50
BATCH = 1000
CHUNK = 900  # ids in one IN (…) list: within every database's parameter limit
LOOKUPS = 10  # up to this many IN (…) lookups, else one scan


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _county(actor, county_code, *, field: str = "county_code") -> Area:
    """The county ``county_code`` if it exists; 404 if the actor works nowhere in it."""
    return queries.policy_county(actor, county_code, field=field)


def lock_counties(prefix: str) -> None:
    """Serialise roster and plan writes per county: two refreshes of overlapping areas of a
    county never interleave (the county's area row is the lock)."""
    codes = [queries.county_of(prefix)] if len(prefix) >= 6 else None
    qs = Area.objects.select_for_update().filter(level=areacodes.Level.COUNTY)
    qs = qs.filter(code__in=codes) if codes else qs.filter(code__startswith=prefix)
    list(qs.order_by("code").values_list("code", flat=True))


# --- the policy table ----------------------------------------------------------------------------


def care_policy_defaults(*, actor, county_code) -> int:
    """Give a county the built-in policy rows it lacks (see :mod:`linli.care.defaults`).
    Idempotent: rows the county has, as it edited them, are kept. Returns how many were added."""
    county = _county(actor, county_code)
    with transaction.atomic():
        scoping.require(actor, Cap.CARE_POLICY, county.code)
        Area.objects.select_for_update().filter(code=county.code).first()
        have = set(Policy.objects.filter(county=county).values_list("tag_id", flat=True))
        tags = set(
            GroupTag.objects.filter(code__in=[row[0] for row in BUILTIN_POLICY]).values_list(
                "code", flat=True
            )
        )
        now = timezone.now()
        rows = [
            Policy(
                county=county,
                area_code=county.code,
                tag_id=code,
                kind=kind,
                frequency=frequency,
                high_risk_frequency=high,
                grades=list(grades),
                updated_by=_user(actor),
                updated_at=now,
            )
            for code, kind, frequency, high, grades in BUILTIN_POLICY
            if code in tags and code not in have
        ]
        Policy.objects.bulk_create(rows)
        if rows:
            audit.record(
                actor,
                "care.policy_defaults",
                county,
                area_code=county.code,
                extra={"added": len(rows), "tags": [row.tag_id for row in rows]},
            )
    return len(rows)


def _clean_grades(grades, tag: GroupTag | None) -> list[str]:
    if grades is None:
        grades = ()
    if isinstance(grades, str):
        grades = grades.replace("，", ",").split(",")
    try:
        items = list(grades)
    except TypeError:
        raise ActionError(_("List the grades, one per line."), field="grades") from None
    cleaned: list[str] = []
    for item in items:
        text = " ".join(str(item or "").replace("\x00", "").split())
        if not text:
            continue
        if len(text) > GRADE_LENGTH:
            raise ActionError(
                _("A grade has at most %(n)d characters.") % {"n": GRADE_LENGTH}, field="grades"
            )
        if text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > GRADES_MAX:
        raise ActionError(_("At most %(n)d grades.") % {"n": GRADES_MAX}, field="grades")
    if cleaned and tag is not None:
        graded = tag.has_grade or GroupTag.objects.filter(parent=tag, has_grade=True).exists()
        if not graded:
            raise ActionError(_("This group records no grades."), field="grades")
    return cleaned


def care_policy_set(
    *,
    actor,
    county_code,
    tag_code,
    kind,
    frequency,
    high_risk_frequency,
    grades=(),
    active=True,
) -> Policy:
    """Add or change a county's policy row for one group (or kind of a group). The roster
    follows at the next refresh or plan generation."""
    county = _county(actor, county_code)
    code = str(tag_code or "").replace("\x00", "").strip()[:40]
    tag = GroupTag.objects.filter(code=code, active=True).first() if code else None
    if tag is None:
        raise ActionError(_("Choose a group from the list."), field="tag_code")
    if kind not in Policy.Kind.values:
        raise ActionError(_("Choose a visit kind from the list."), field="kind")
    if frequency not in Frequency.values:
        raise ActionError(_("Choose a visit frequency from the list."), field="frequency")
    if high_risk_frequency not in Frequency.values:
        raise ActionError(_("Choose a visit frequency from the list."), field="high_risk_frequency")
    if FREQUENCY_RANK[high_risk_frequency] < FREQUENCY_RANK[frequency]:
        raise ActionError(
            _("People at high risk are visited at least as often as the others."),
            field="high_risk_frequency",
        )
    if not isinstance(active, bool):
        raise ActionError(_("Answer yes or no."), field="active")
    grades = _clean_grades(grades, tag)
    with transaction.atomic():
        scoping.require(actor, Cap.CARE_POLICY, county.code)
        Area.objects.select_for_update().filter(code=county.code).first()
        policy = Policy.objects.filter(county=county, tag=tag).first()
        created = policy is None
        if created:
            policy = Policy(county=county, area_code=county.code, tag=tag)
        values = {
            "kind": kind,
            "frequency": frequency,
            "high_risk_frequency": high_risk_frequency,
            "grades": grades,
            "active": active,
        }
        changed = sorted(k for k, v in values.items() if created or getattr(policy, k) != v)
        for key, value in values.items():
            setattr(policy, key, value)
        policy.updated_by = _user(actor)
        policy.updated_at = timezone.now()
        policy.save()
        audit.record(
            actor,
            "care.policy_set",
            policy,
            extra={
                "tag": tag.code,
                "created": created,
                "changed": changed,
                "kind": kind,
                "frequency": frequency,
                "high_risk_frequency": high_risk_frequency,
                "grades": grades,
                "active": active,
            },
        )
    return policy


# --- who is on the roster ------------------------------------------------------------------------


def rules_for(prefix: str) -> dict[str, dict[str, Policy]]:
    """``{county (6 digits): {tag code: the active policy row covering it}}`` for the counties
    an area prefix touches. A kind's own row wins over its parent's, active or not."""
    qs = Policy.objects.all()
    if prefix:
        qs = qs.filter(area_code__startswith=prefix[:6])
    rows = list(qs)
    if not rows:
        return {}
    kinds = list(
        GroupTag.objects.filter(parent_id__in={p.tag_id for p in rows}).values_list(
            "code", "parent_id"
        )
    )
    tables: dict[str, dict[str, Policy]] = defaultdict(dict)
    for policy in rows:
        tables[policy.area_code[:6]][policy.tag_id] = policy
    rules: dict[str, dict[str, Policy]] = {}
    for county, table in tables.items():
        resolved = dict(table)
        for code, parent in kinds:
            if code not in table and parent in table:
                resolved[code] = table[parent]
        rules[county] = {code: p for code, p in resolved.items() if p.active}
    return rules


def choose(policies, risk: str) -> tuple[str, str]:
    """``(kind, frequency)`` for someone covered by ``policies`` at ``risk``: the most frequent
    frequency, with the kind of the row giving it (elderly, then disability, then child)."""
    best = max(policies, key=lambda p: (FREQUENCY_RANK[p.frequency_for(risk)], KIND_RANK[p.kind]))
    return best.kind, best.frequency_for(risk)


@dataclass
class _Wanted:
    area_code: str = ""
    started_on: dt.date | None = None
    tags: set = field(default_factory=set)
    policies: list = field(default_factory=list)


def _open_tag_q(today: dt.date) -> Q:
    return Q(started_on__lte=today) & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))


def _wanted(rows, rules) -> dict[int, _Wanted]:
    wanted: dict[int, _Wanted] = {}
    for resident_id, tag_id, grade, area_code, started_on in rows:
        rule = rules.get(area_code[:6], {}).get(tag_id)
        if rule is None or not grade_matches(grade, rule.grades):
            continue
        item = wanted.setdefault(resident_id, _Wanted(area_code=area_code))
        if item.started_on is None or started_on < item.started_on:
            item.started_on = started_on
        item.tags.add(tag_id)
        if all(p is not rule for p in item.policies):
            item.policies.append(rule)
    return wanted


_TAG_ROW = ("resident_id", "tag_id", "grade", "resident__area_code", "started_on")
_SUBJECT_ROW = (
    "pk",
    "resident_id",
    "area_code",
    "kind",
    "tags_text",
    "frequency",
    "risk",
    "started_on",
    "resident__status",
    "resident__area_code",
    "resident__deceased_on",
    "resident__moved_out_on",
)


def _tags(row: dict) -> list:
    return json.loads(row["tags_text"] or "[]")


def refresh(prefix: str, today: dt.date) -> dict[str, int]:
    """Bring the roster of the areas under ``prefix`` in line with the registry and the policy.

    Adds whoever is newly covered, updates those whose place, groups or frequency changed,
    ends those no longer covered with the reason (died, moved away, no longer in a care group,
    the county no longer visits their group) and drops their plans from the month they left.
    The caller holds the transaction.
    """
    now = timezone.now()
    rules = rules_for(prefix)
    codes = sorted({code for table in rules.values() for code in table})
    current = Q(resident__status=Resident.Status.ACTIVE) & _open_tag_q(today)
    rows = (
        list(
            ResidentTag.objects.filter(
                current, tag_id__in=codes, resident__area_code__startswith=prefix
            ).values_list(*_TAG_ROW)
        )
        if codes
        else []
    )
    # The groups as stored text: decoding fifty thousand JSON lists costs more than comparing.
    open_subjects = Subject.objects.filter(ended_on__isnull=True).annotate(
        tags_text=Cast("tags", models.TextField())
    )
    existing = list(open_subjects.filter(area_code__startswith=prefix).values(*_SUBJECT_ROW))
    if prefix:
        # People who moved out of these areas within their county are still theirs to judge.
        away = [
            s["resident_id"]
            for s in existing
            if s["resident__status"] == Resident.Status.ACTIVE
            and not s["resident__area_code"].startswith(prefix)
            and s["resident__area_code"][:6] == s["area_code"][:6]
        ]
        if away and codes:  # ``rules`` covers whole counties
            rows += list(
                ResidentTag.objects.filter(
                    current, tag_id__in=codes, resident_id__in=away
                ).values_list(*_TAG_ROW)
            )
    wanted = _wanted(rows, rules)
    if prefix:
        # People who moved into these areas from elsewhere: their old entry moves (or ends).
        known = {s["resident_id"] for s in existing}
        newcomers = [rid for rid in wanted if rid not in known]
        if len(newcomers) > LOOKUPS * CHUNK:  # a first refresh: one query beats many lookups
            existing += list(
                open_subjects.filter(resident__area_code__startswith=prefix)
                .exclude(area_code__startswith=prefix)
                .values(*_SUBJECT_ROW)
            )
        else:
            for start in range(0, len(newcomers), CHUNK):
                chunk = newcomers[start : start + CHUNK]
                existing += list(open_subjects.filter(resident_id__in=chunk).values(*_SUBJECT_ROW))

    ending: list[tuple[dict, str, dt.date]] = []
    updates: list[tuple] = []
    kept: set[int] = set()
    maybe_policy: list[dict] = []
    for s in existing:
        status, home = s["resident__status"], s["resident__area_code"]
        want = wanted.get(s["resident_id"])
        if status == Resident.Status.DECEASED:
            ending.append((s, Subject.EndReason.DIED, s["resident__deceased_on"] or today))
        elif status == Resident.Status.MOVED_OUT:
            ending.append((s, Subject.EndReason.MOVED, s["resident__moved_out_on"] or today))
        elif home[:6] != s["area_code"][:6]:
            ending.append((s, Subject.EndReason.MOVED, today))
        elif want is None:
            maybe_policy.append(s)
        else:
            kept.add(s["resident_id"])
            kind, frequency = choose(want.policies, s["risk"])
            tags = sorted(want.tags)
            same_tags = s["tags_text"] == json.dumps(tags) or _tags(s) == tags
            if not same_tags or (s["area_code"], s["kind"], s["frequency"]) != (
                want.area_code,
                kind,
                frequency,
            ):
                updates.append((s["pk"], want.area_code, kind, tags, frequency, now))
    if maybe_policy:
        # Still in one of the groups that put them here: the policy changed, not the person.
        held = set(
            ResidentTag.objects.filter(
                _open_tag_q(today),
                resident_id__in=[s["resident_id"] for s in maybe_policy],
            ).values_list("resident_id", "tag_id")
        )
        for s in maybe_policy:
            still = any((s["resident_id"], code) in held for code in _tags(s))
            reason = Subject.EndReason.POLICY if still else Subject.EndReason.TAG_ENDED
            ending.append((s, reason, today))

    ended_rows = [
        Subject(
            pk=s["pk"],
            ended_on=max(on, s["started_on"]),
            end_reason=reason,
            updated_at=now,
        )
        for s, reason, on in ending
    ]
    update_rows(
        Subject,
        ("ended_on", "end_reason", "updated_at"),
        [(e.pk, e.ended_on, e.end_reason, e.updated_at) for e in ended_rows],
    )
    update_rows(Subject, ("area_code", "kind", "tags", "frequency", "updated_at"), updates)
    dropped = drop_plans(ended_rows)

    added = []
    for resident_id, want in wanted.items():
        if resident_id in kept or not want.area_code.startswith(prefix):
            continue
        kind, frequency = choose(want.policies, Risk.NORMAL)
        added.append(
            (resident_id, want.area_code, kind, sorted(want.tags), frequency, Risk.NORMAL,
             want.started_on or today, now, now)
        )  # fmt: skip
    insert_rows(Subject, _NEW_SUBJECT, added)
    return {
        "added": len(added),
        "updated": len(updates),
        "ended": len(ended_rows),
        "plans_dropped": dropped,
    }


_NEW_SUBJECT = (
    "resident",
    "area_code",
    "kind",
    "tags",
    "frequency",
    "risk",
    "started_on",
    "created_at",
    "updated_at",
)
_PREPARED = (models.JSONField, models.DateField, EncryptedField)


def insert_rows(model, names: tuple[str, ...], rows: list) -> int:
    """Insert many rows of plain values, fast: the roster and plans of a county are tens of
    thousands of rows, and ``bulk_create`` builds and prepares a model instance per row, which
    alone costs more than the time budget. Columns not named take their field's default.

    On PostgreSQL the rows are streamed with ``COPY`` inside the current transaction; elsewhere
    they go in multi-row ``VALUES`` statements, each value through its field's preparation
    (computed once per distinct value: dates and times repeat).
    """
    if not rows:
        return 0
    named = [model._meta.get_field(name) for name in names]
    others = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in names and f.attname not in names
    ]
    fields = named + others
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql":
        _copy_rows(table, columns, named, others, rows)
        return len(rows)
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in others]
    prepared = [(i, f, {}) for i, f in enumerate(named) if isinstance(f, _PREPARED)]
    limit = 999
    try:
        import sqlite3

        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, TypeError):
        pass
    per_statement = max(1, min(1_000, limit // len(fields)))
    head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 - names from the model
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params: list = []
            for row in chunk:
                found = list(row)
                for i, column, seen in prepared:
                    value = found[i]
                    key = repr(value) if isinstance(value, list | dict) else value
                    if key not in seen:
                        seen[key] = column.get_db_prep_save(value, connection)
                    found[i] = seen[key]
                params.extend(found)
                params.extend(defaults)
            cursor.execute(head + ", ".join([one] * len(chunk)), params)
    return len(rows)


def _copy_rows(table: str, columns: str, named, others, rows) -> None:
    """``COPY`` rows into a PostgreSQL table (JSON written as its text)."""

    def plain(field, value):
        if isinstance(field, models.JSONField) and value is not None:
            return json.dumps(value, cls=field.encoder)
        return value

    defaults = tuple(plain(f, f.get_default()) for f in others)
    json_at = [i for i, f in enumerate(named) if isinstance(f, models.JSONField)]
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            if json_at:
                row = list(row)
                for i in json_at:
                    row[i] = plain(named[i], row[i])
            copy.write_row((*row, *defaults))


def update_rows(model, names: tuple[str, ...], rows: list) -> int:
    """Set ``names`` on many rows at once; each row is ``(pk, value, …)``.

    On PostgreSQL one ``UPDATE … FROM unnest(…)`` per ten thousand rows, an array per column
    (``bulk_update`` builds a ``CASE`` expression per row and field, which for a few thousand
    rows costs seconds of CPU); elsewhere ``bulk_update``.
    """
    if not rows:
        return 0
    fields = [model._meta.get_field(name) for name in names]
    if connection.vendor != "postgresql":
        objects = []
        for pk, *values in rows:
            obj = model(pk=pk)
            for field, value in zip(fields, values, strict=True):
                setattr(obj, field.attname, value)
            objects.append(obj)
        model.objects.bulk_update(objects, [f.name for f in fields], batch_size=BATCH)
        return len(rows)
    quote = connection.ops.quote_name
    pk = model._meta.pk
    json_at = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
    arrays = [f"%s::{pk.db_type(connection)}[]"] + [
        "%s::text[]" if i in json_at else f"%s::{f.db_type(connection)}[]"
        for i, f in enumerate(fields)
    ]
    names_sql = ", ".join(quote(f"v{i}") for i in range(len(fields) + 1))
    sets = ", ".join(
        f"{quote(f.column)} = {quote(f'v{i + 1}')}" + ("::jsonb" if i in json_at else "")
        for i, f in enumerate(fields)
    )
    table = quote(model._meta.db_table)
    # Table and column names come from the model, quoted; every value is a parameter.
    sql = (
        f"UPDATE {table} SET {sets} FROM unnest({', '.join(arrays)}) AS v({names_sql}) "  # noqa: S608
        f"WHERE {table}.{quote(pk.column)} = v.{quote('v0')}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10_000):
            chunk = rows[start : start + 10_000]
            columns = [list(column) for column in zip(*chunk, strict=True)]
            for i in json_at:
                field = fields[i]
                columns[i + 1] = [
                    None if v is None else json.dumps(v, cls=field.encoder) for v in columns[i + 1]
                ]
            cursor.execute(sql, columns)
    return len(rows)


def drop_plans(ended: list[Subject]) -> int:
    """Drop the open plans of people who left the roster, from the month they left on (earlier
    months stay as they were: they were on the roster then)."""
    by_day: dict[tuple[dt.date, str], list[int]] = defaultdict(list)
    for subject in ended:
        by_day[(subject.ended_on, subject.end_reason)].append(subject.pk)
    dropped = 0
    for (day, reason), ids in by_day.items():
        for start in range(0, len(ids), BATCH):
            dropped += Plan.objects.filter(
                subject_id__in=ids[start : start + BATCH],
                status=Plan.Status.OPEN,
                month__gte=month_start(day),
            ).update(status=Plan.Status.DROPPED, drop_reason=reason, dropped_on=day)
    return dropped


def care_roster_refresh(*, actor, area_code, today=None) -> dict[str, int]:
    """Refresh the care roster of an area from the registry (see :func:`refresh`). Returns the
    counts ``added``, ``updated``, ``ended`` and ``plans_dropped``."""
    area = queries.visible_area(actor, area_code, cap=Cap.CARE_PLAN)
    today = today or timezone.localdate()
    with transaction.atomic():
        scoping.require(actor, Cap.CARE_PLAN, area.code)
        lock_counties(area.prefix)
        counts = refresh(area.prefix, today)
        audit.record(actor, "care.roster_refresh", area, area_code=area.code, extra=counts)
    return counts


# --- risk ----------------------------------------------------------------------------------------


def frequency_of(subject: Subject, risk: str) -> str:
    """The frequency ``subject`` is visited at ``risk`` under their county's policy today (their
    current frequency when no row covers them any more)."""
    table = rules_for(subject.area_code[:6]).get(subject.area_code[:6], {})
    policies = [table[code] for code in subject.tags or () if code in table]
    if not policies:
        return subject.frequency
    return choose(policies, risk)[1]


def apply_frequency(plan: Plan, frequency: str) -> bool:
    """Set an open plan's frequency; it is met at once if it already has the visits."""
    required = VISITS_PER_MONTH[Frequency(frequency)]
    if plan.frequency == frequency and plan.required == required:
        return False
    plan.frequency = frequency
    plan.required = required
    if plan.done >= required:
        plan.status = Plan.Status.DONE
    return True


def care_subject_set_risk(*, actor, subject_id, risk) -> Subject:
    """Mark someone at high risk (or back to normal): their frequency follows the county's
    policy, and this month's open plan asks for that many visits from now on."""
    if risk not in Risk.values:
        raise ActionError(_("Choose a risk level from the list."), field="risk")
    with transaction.atomic():
        subject = (
            scoping.scope(Subject.objects.all(), actor, Cap.CARE_VIEW)
            .select_for_update()
            .defer(*NOTES)
            .filter(pk=_pk(subject_id))
            .first()
        )
        if subject is None:
            raise NotFound(_("No such person on the care roster among yours."))
        scoping.require(actor, Cap.CARE_PLAN, subject.area_code)
        if subject.ended_on is not None:
            raise ActionError(_("This person has left the care roster."), field="subject_id")
        if subject.risk == risk:
            return subject
        before = subject.risk
        subject.risk = risk
        subject.frequency = frequency_of(subject, risk)
        subject.updated_at = timezone.now()
        subject.save(update_fields=["risk", "frequency", "updated_at"])
        plan = (
            Plan.objects.select_for_update()
            .filter(
                subject=subject,
                month=month_start(timezone.localdate()),
                status=Plan.Status.OPEN,
            )
            .first()
        )
        if plan is not None and apply_frequency(plan, subject.frequency):
            plan.save(update_fields=["frequency", "required", "status"])
        audit.record(
            actor,
            "care.subject_risk",
            subject,
            extra={
                "from": before,
                "to": risk,
                "frequency": subject.frequency,
                "plan": plan.pk if plan else None,
            },
        )
    return subject


def _pk(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number <= 2**63 - 1 else 0


__all__ = [
    "care_policy_defaults",
    "care_policy_set",
    "care_roster_refresh",
    "care_subject_set_risk",
]
