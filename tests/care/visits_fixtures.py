"""Fixtures of the care visit tests: people on the care roster with this month's plans, built
directly in the tables (the roster refresh has its own tests), the county's appeal catalogue,
photos, and counts that show a refused action wrote nothing.

On top of the homes of tests/registry/conftest.py (``homes``):

    李四 (A1, grid 220403001001001)  elderly, monthly (1 visit),      worker grid_a1
    王五 (A1, 2号楼, in no grid)      disability, fortnightly (2 visits), no worker
    赵六 (A2 新兴社区)                elderly, monthly (1 visit),      worker worker_a2

Import what a test module uses: ``from tests.care.visits_fixtures import *  # noqa: F403``.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from linli.care.models import (
    VISITS_PER_MONTH,
    Frequency,
    Plan,
    Subject,
    month_end,
    month_start,
)
from tests.appeals.conftest import catalogue, media  # noqa: F401
from tests.registry.conftest import homes  # noqa: F401

__all__ = [
    "care",
    "catalogue",
    "english",
    "homes",
    "key",
    "media",
    "png",
    "table_counts",
    "visit_data",
]


@pytest.fixture(autouse=True)
def english(settings):
    """The visit tests read messages in English (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _subject(resident, *, kind: str, tags: list[str], frequency: str) -> Subject:
    return Subject.objects.create(
        resident=resident,
        area_code=resident.area_code,
        kind=kind,
        tags=tags,
        frequency=frequency,
        started_on=dt.date(2024, 1, 1),
    )


def _plan(subject: Subject, month, worker=None) -> Plan:
    return Plan.objects.create(
        subject=subject,
        resident_id=subject.resident_id,
        area_code=subject.area_code,
        month=month,
        due_on=month_end(month),
        frequency=subject.frequency,
        required=VISITS_PER_MONTH[Frequency(subject.frequency)],
        worker=worker,
    )


@pytest.fixture
def care(homes, users):  # noqa: F811
    """``{"month", "people", "subjects": {name: Subject}, "plans": {name: Plan}}`` for 李四
    ``li``, 王五 ``wang`` and 赵六 ``zhao``, with plans for the current month."""
    people = homes["people"]
    month = month_start(timezone.localdate())
    subjects = {
        "li": _subject(
            people["li"],
            kind="elderly",
            tags=["special_elderly.living_alone"],
            frequency=Frequency.MONTHLY,
        ),
        "wang": _subject(
            people["wang"], kind="disability", tags=["disability"], frequency=Frequency.FORTNIGHTLY
        ),
        "zhao": _subject(
            people["zhao"],
            kind="elderly",
            tags=["special_elderly.advanced_age"],
            frequency=Frequency.MONTHLY,
        ),
    }
    workers = {"li": users["grid_a1"], "wang": None, "zhao": users["worker_a2"]}
    plans = {name: _plan(subject, month, workers[name]) for name, subject in subjects.items()}
    return {"month": month, "people": people, "subjects": subjects, "plans": plans}


@pytest.fixture
def key():
    """``key()``: a fresh form key (client_key)."""
    return lambda: str(uuid.uuid4())


@pytest.fixture
def visit_data(care, key):
    """``visit_data(name="li", **overrides)``: the keyword arguments of a visit to one person
    that everyone's happy path uses (made just now, at home, seen in person)."""

    def _data(name: str = "li", **overrides) -> dict:
        data = {
            "subject_id": care["subjects"][name].pk,
            "visited_at": timezone.now(),
            "mode": "home",
            "saw": "person",
            "checks": {"health": "ok", "safety_gas": "concern", "mood": "concern", "food": "na"},
            "notes": "血压偏高，按时服药",
            "needs": [],
            "client_key": key(),
        }
        data.update(overrides)
        return data

    return _data


def png(name: str = "photo.png", size=(60, 40), colour=(30, 120, 200)) -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def table_counts(db):
    """``table_counts()``: rows in each care table, appeals and the audit log."""
    from linli.appeals.models import Appeal
    from linli.care import models as m
    from linli.core.models import AuditEvent

    tables = {
        "visit": m.Visit,
        "photo": m.VisitPhoto,
        "need": m.Need,
        "appeal": Appeal,
        "audit": AuditEvent,
    }

    def _counts() -> dict:
        counts = {name: model.objects.count() for name, model in tables.items()}
        counts["plans_done"] = sum(m.Plan.objects.values_list("done", flat=True))
        return counts

    return _counts
