"""The values pages: recompute and its status, snapshots, reported values and their evidence."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from linli.core.models import AuditEvent
from linli.plans.models import Indicator, Recompute, ReportedValue, Snapshot

from .engine_fixtures import *  # noqa: F403 (fixtures)
from .engine_fixtures import A1, A2, COUNTY, TOWN_A, YEAR, make_plan

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _surveys() -> Indicator:
    return Indicator.objects.get(area_code="", key="satisfaction_survey_coverage")


# --- recompute -----------------------------------------------------------------------------------


def test_recompute_button_queues_and_goes_back(
    plan, users, login, django_capture_on_commit_callbacks
):
    client = login(users["county"])
    back = reverse("plans:dashboard", args=[plan.pk]) + f"?year={YEAR}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("plans:recompute", args=[plan.pk]), {"year": YEAR, "next": back}
        )
    assert response.status_code == 302 and response["Location"] == back
    assert Recompute.objects.get(plan=plan, year=YEAR).status == Recompute.Status.DONE
    outside = client.post(
        reverse("plans:recompute", args=[plan.pk]), {"year": YEAR, "next": "https://evil.example/"}
    )
    assert outside["Location"].startswith(reverse("plans:recompute_status", args=[plan.pk]))


def test_recompute_refused_and_not_found(plan, users, login, capacity_world):
    url = reverse("plans:recompute", args=[plan.pk])
    assert login(users["town_a"]).post(url, {"year": YEAR}).status_code == 403
    assert login(capacity_world["neighbour"]).post(url, {"year": YEAR}).status_code == 404
    assert login(users["county"]).get(url).status_code == 405
    assert not Recompute.objects.exists()


def test_recompute_bad_year_says_so(plan, users, login):
    client = login(users["county"])
    response = client.post(reverse("plans:recompute", args=[plan.pk]), {"year": 1999}, follow=True)
    assert response.status_code == 200
    assert "Choose a year of the plan." in response.content.decode()
    assert not Recompute.objects.exists()


def test_status_fragment_polls_while_queued(plan, users, login):
    client = login(users["county"])
    url = reverse("plans:recompute_status", args=[plan.pk])
    never = client.get(url, **HTMX)
    assert never.status_code == 200 and b"Never computed." in never.content
    assert b"<html" not in never.content
    client.post(reverse("plans:recompute", args=[plan.pk]))  # queued, not run (no commit)
    queued = client.get(url, **HTMX).content.decode()
    assert 'data-status="queued"' in queued and 'hx-trigger="every 2s"' in queued
    page = client.get(url)
    assert page.status_code == 200 and b"<html" in page.content
    assert b'http-equiv="refresh"' in page.content  # without JavaScript it reloads itself


def test_status_after_a_run(measured, users, login, plan, capacity_world):
    client = login(users["county"])
    url = reverse("plans:recompute_status", args=[plan.pk]) + f"?year={YEAR}"
    found = client.get(url, **HTMX).content.decode()
    assert 'data-status="done"' in found and "hx-trigger" not in found
    assert "for 8 areas" in found
    assert login(capacity_world["neighbour"]).get(url).status_code == 404


# --- snapshots -----------------------------------------------------------------------------------


def test_snapshots_page_take_and_remove(measured, users, login, plan):
    client = login(users["county"])
    page = client.get(reverse("plans:snapshots", args=[plan.pk]))
    assert page.status_code == 200 and b'data-testid="snapshot-form"' in page.content
    assert b'data-testid="no-snapshots"' in page.content
    response = client.post(
        reverse("plans:snapshot_new", args=[plan.pk]),
        {"label": "2026年1—10月", "year": YEAR, "note": "报市局"},
    )
    assert response.status_code == 302
    snapshot = Snapshot.objects.get(plan=plan)
    listed = client.get(reverse("plans:snapshots", args=[plan.pk])).content.decode()
    assert "2026年1—10月" in listed and f"?snapshot={snapshot.pk}" in listed
    again = client.post(
        reverse("plans:snapshot_new", args=[plan.pk]), {"label": "2026年1—10月", "year": YEAR}
    )
    assert again.status_code == 409 and "already has a snapshot" in again.content.decode()
    empty = client.post(reverse("plans:snapshot_new", args=[plan.pk]), {"label": "", "year": YEAR})
    assert empty.status_code == 400
    assert Snapshot.objects.count() == 1
    removed = client.post(reverse("plans:snapshot_remove", args=[plan.pk, snapshot.pk]))
    assert removed.status_code == 302 and not Snapshot.objects.exists()


def test_snapshots_readers_and_strangers(measured, users, login, plan, capacity_world):
    from linli.plans.actions.measure import snapshot_take

    snapshot = snapshot_take(actor=users["county"], plan_id=plan.pk, label="一", year=YEAR)
    town = login(users["town_a"])
    page = town.get(reverse("plans:snapshots", args=[plan.pk]))
    assert page.status_code == 200 and b"snapshot-form" not in page.content
    assert "一" in page.content.decode()
    assert (
        town.post(reverse("plans:snapshot_new", args=[plan.pk]), {"label": "镇"}).status_code == 403
    )
    remove = reverse("plans:snapshot_remove", args=[plan.pk, snapshot.pk])
    assert town.post(remove).status_code == 403
    neighbour = login(capacity_world["neighbour"])
    assert neighbour.get(reverse("plans:snapshots", args=[plan.pk])).status_code == 404
    assert neighbour.post(remove).status_code == 404
    other = make_plan(title="另一个")
    wrong = reverse("plans:snapshot_remove", args=[other.pk, snapshot.pk])
    assert login(users["county"]).post(wrong).status_code == 404
    assert Snapshot.objects.filter(pk=snapshot.pk).exists()


# --- reported values -----------------------------------------------------------------------------


def test_reported_page_lists_the_area_and_its_children(plan, reported, users, login):
    client = login(users["county"])
    page = client.get(reverse("plans:reported", args=[plan.pk]), {"year": YEAR})
    assert page.status_code == 200
    text = page.content.decode()
    for code in (COUNTY, TOWN_A, "220403002000"):
        assert f'data-testid="reported-{code}"' in text
    assert 'data-testid="reported-form-220403002000"' in text
    assert "统计年报" in text
    town = client.get(
        reverse("plans:reported", args=[plan.pk]),
        {"year": YEAR, "area": TOWN_A, "indicator": _surveys().pk},
    ).content.decode()
    assert f'data-testid="reported-{A1}"' in town and f'data-testid="reported-{A2}"' in town
    assert f'value="{A1}"' in town


def test_a_community_head_reports_for_their_community(plan, users, login, media):
    client = login(users["head_a1"])
    page = client.get(reverse("plans:reported", args=[plan.pk]), {"year": YEAR})
    assert page.status_code == 200
    assert f'data-testid="reported-form-{A1}"' in page.content.decode()
    response = client.post(
        reverse("plans:reported_set", args=[plan.pk]),
        {
            "indicator": _surveys().pk,
            "area_code": A1,
            "year": YEAR,
            "numerator": "1",
            "denominator": "1",
            "note": "社区台账",
            "evidence": SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf"),
            "page_indicator": _surveys().pk,
            "page_year": YEAR,
            "page_area": A1,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("plans:reported", args=[plan.pk])
        + f"?indicator={_surveys().pk}&year={YEAR}&area={A1}"
    )
    row = ReportedValue.objects.get(area_code=A1)
    assert row.evidence_name == "台账.pdf"
    download = client.get(reverse("plans:evidence_file", args=[row.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="plans.reported.evidence").count() == 1


def test_reported_errors_show_next_to_the_fields(plan, users, login):
    client = login(users["head_a1"])
    response = client.post(
        reverse("plans:reported_set", args=[plan.pk]),
        {
            "indicator": _surveys().pk,
            "area_code": A1,
            "year": YEAR,
            "numerator": "5",
            "denominator": "2",
            "page_year": YEAR,
        },
    )
    assert response.status_code == 400
    assert "cannot exceed its denominator" in response.content.decode()
    assert not ReportedValue.objects.exists()
    missing = client.post(
        reverse("plans:reported_set", args=[plan.pk]),
        {"indicator": _surveys().pk, "area_code": A1, "year": YEAR, "numerator": ""},
    )
    assert missing.status_code == 400


def test_reported_refused_and_not_found(plan, reported, users, login, capacity_world, media):
    data = {
        "indicator": _surveys().pk,
        "area_code": A2,
        "year": YEAR,
        "numerator": "1",
        "denominator": "1",
    }
    head = login(users["head_a1"])
    assert head.post(reverse("plans:reported_set", args=[plan.pk]), data).status_code == 404
    neighbour = login(capacity_world["neighbour"])
    assert neighbour.get(reverse("plans:reported", args=[plan.pk])).status_code == 404
    row = ReportedValue.objects.get(area_code=A2, year=YEAR, indicator=_surveys())
    remove = reverse("plans:reported_remove", args=[plan.pk, row.pk])
    assert neighbour.post(remove).status_code == 404
    assert head.post(remove).status_code == 404
    assert login(users["town_a"]).post(remove, {"page_area": TOWN_A}).status_code == 302
    assert not ReportedValue.objects.filter(pk=row.pk).exists()
    other = reported[0]
    assert neighbour.get(reverse("plans:evidence_file", args=[other.pk])).status_code == 404
    # no file kept with it
    assert (
        login(users["county"]).get(reverse("plans:evidence_file", args=[other.pk])).status_code
        == 404
    )


def test_a_plan_without_reported_indicators(users, login, capacity_world):
    from .engine_fixtures import indicator, target

    plan = make_plan(title="只有计算指标")
    target(plan, indicator("facility_coverage"), "=", 100)
    page = login(users["county"]).get(reverse("plans:reported", args=[plan.pk]))
    assert page.status_code == 200 and b'data-testid="no-reported"' in page.content
