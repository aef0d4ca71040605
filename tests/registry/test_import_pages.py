"""The import journey in pages and the API: upload → progress → result, reports, restarts,
templates, and exports of the resident list."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from linli.core.models import AuditEvent
from linli.registry.models import ImportJob, Resident

from .conftest import make_id
from .test_import import A1, good_rows, xlsx


@pytest.fixture(autouse=True)
def _english(client):
    """Pages and messages in English, whatever the site's default language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def upload(client, data, name="people.xlsx", on_duplicate="report", capture=None):
    file = io.BytesIO(data)
    file.name = name
    with capture(execute=True):
        return client.post(
            reverse("registry:resident_import"), {"file": file, "on_duplicate": on_duplicate}
        )


def test_upload_page_lists_columns_templates_and_the_actors_communities(homes, users, login):
    client = login(users["worker_a1"])
    response = client.get(reverse("registry:resident_import"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "社区代码" in body and "身份证号" in body
    assert reverse("registry:resident_import_template", args=["xlsx"]) in body
    assert A1 in body and "220403001002" not in body  # only the actor's own communities


def test_only_registry_editors_may_import(homes, users, login):
    for name in ("town_a", "resident_a1", "dept"):
        client = login(users[name])
        assert client.get(reverse("registry:resident_import")).status_code == 403


def test_templates_download(homes, users, login):
    client = login(users["worker_a1"])
    response = client.get(reverse("registry:resident_import_template", args=["xlsx"]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.worksheets[0]["A1"].value == "社区代码*"
    response = client.get(reverse("registry:resident_import_template", args=["csv"]))
    assert response.content.decode("utf-8-sig").startswith("社区代码*,楼栋")


def test_upload_runs_and_shows_counts(homes, users, login, django_capture_on_commit_callbacks):
    client = login(users["worker_a1"])
    response = upload(client, xlsx(good_rows()), capture=django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:resident_import_job", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-status="done"' in body
    assert 'data-testid="count-residents_created">5<' in body
    assert 'hx-trigger="every 2s"' not in body  # finished: no more polling
    assert Resident.objects.filter(name="陈一").exists()


def test_a_running_job_polls_and_refreshes_without_javascript(homes, users, login):
    client = login(users["worker_a1"])
    job = ImportJob.objects.create(
        created_by=users["worker_a1"],
        filename="p.xlsx",
        status="validating",
        rows_total=1000,
        rows_checked=500,
        heartbeat_at=timezone.now(),
        data=b"sealed",
    )
    url = reverse("registry:resident_import_job", args=[job.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert '<progress max="100" value="25"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="import-status"')
    assert "<html" not in partial


def test_rejected_import_lists_errors_and_serves_the_report(
    homes, users, login, django_capture_on_commit_callbacks
):
    rows = good_rows()
    rows[1] = rows[1][:8] + ("12345",) + rows[1][9:]
    client = login(users["worker_a1"])
    response = upload(client, xlsx(rows), capture=django_capture_on_commit_callbacks)
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="rejected"' in page
    assert 'data-testid="import-errors"' in page and "手机号" in page
    job = ImportJob.objects.get()
    report = client.get(reverse("registry:resident_import_errors", args=[job.pk]))
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0]
    third = [c.value for c in sheet[3]]
    assert third[0] == 3 and third[1].startswith("手机号")
    assert not Resident.objects.filter(name="陈一").exists()


def test_bad_file_is_refused_on_the_form(homes, users, login, django_capture_on_commit_callbacks):
    client = login(users["worker_a1"])
    response = upload(
        client, "姓名\n张\n".encode(), name="p.csv", capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert "Missing required columns" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_stalled_job_can_be_restarted_from_its_page(
    homes, users, login, django_capture_on_commit_callbacks
):
    from linli.registry import actions

    job = actions.registry_import_start(
        actor=users["worker_a1"], filename="p.xlsx", data=xlsx(good_rows())
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status="writing", attempt=1, heartbeat_at=timezone.now() - timezone.timedelta(hours=1)
    )
    client = login(users["worker_a1"])
    url = reverse("registry:resident_import_job", args=[job.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="import-restart"' in page and "Stopped" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:resident_import_restart", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.attempt) == ("done", 2)


def test_other_people_cannot_see_a_job(homes, users, login, django_capture_on_commit_callbacks):
    client = login(users["worker_a1"])
    upload(client, xlsx(good_rows()), capture=django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    for name in ("head_a1", "worker_a2"):
        other = login(users[name])
        assert other.get(reverse("registry:resident_import_job", args=[job.pk])).status_code == 404
        assert (
            other.get(reverse("registry:resident_import_errors", args=[job.pk])).status_code == 404
        )
        assert (
            other.post(reverse("registry:resident_import_restart", args=[job.pk])).status_code
            == 404
        )


# --- export ----------------------------------------------------------------------------------


def test_export_page_downloads_filtered_csv_and_xlsx(homes, users, login):
    client = login(users["worker_a1"])
    response = client.get(reverse("registry:resident_export"), {"format": "csv", "q": "张"})
    assert response.status_code == 200
    assert response["X-Masked"] == "0"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {r[6] for r in rows[1:]} == {"张三", "张小明"}
    event = AuditEvent.objects.get(action="registry.export")
    assert event.extra["search"] is True and "张" not in str(event.extra)
    response = client.get(reverse("registry:resident_export"), {"area": A1, "masked": "1"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    ids = [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(ids) == 5 and all("*" * 10 in i for i in ids)


def test_export_by_a_neighbour_holds_nothing_of_a1(homes, users, login):
    client = login(users["worker_a2"])
    response = client.get(reverse("registry:resident_export"), {"format": "csv", "area": A1})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["X-Rows"] == "0"
    assert "张三" not in body and homes["people"]["zhang"].id_number not in body


# --- API -------------------------------------------------------------------------------------


def test_api_upload_status_report_and_export(
    homes, users, login, django_capture_on_commit_callbacks
):
    client = login(users["worker_a1"])
    bad = good_rows()
    bad[0] = bad[0][:7] + (make_id("19700101", 11)[:-1] + "Y",) + bad[0][8:]
    file = io.BytesIO(xlsx(bad))
    file.name = "p.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/registry/imports", {"file": file, "on_duplicate": "merge"})
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    status = client.get(f"/api/v1/registry/imports/{job_id}").json()
    assert status["status"] == "rejected" and status["error_rows"] == 1
    assert list(status["errors"]) == ["2"]
    report = client.get(f"/api/v1/registry/imports/{job_id}/report.xlsx")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    listing = client.get("/api/v1/registry/imports").json()
    assert [item["id"] for item in listing["items"]] == [job_id]
    restart = client.post(f"/api/v1/registry/imports/{job_id}/restart")
    assert restart.status_code == 409
    export = client.get("/api/v1/registry/residents-export", {"format": "csv", "area": A1})
    assert export.status_code == 200 and export["X-Rows"] == "5"
    template = client.get("/api/v1/registry/imports/template.xlsx")
    assert template.status_code == 200
    other = login(users["worker_a2"])
    assert other.get(f"/api/v1/registry/imports/{job_id}").status_code == 404
    assert other.get(f"/api/v1/registry/imports/{job_id}/report.xlsx").status_code == 404
