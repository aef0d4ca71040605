"""The ledger's pages, as plain forms without JavaScript: the ledger, a task, the task and
milestone forms, writing a report from a phone with its files, the report with the approver's
forms, the approval queue, the rates with their chart, and the home block."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from linli.core.models import AuditEvent
from linli.plans.models import Evidence, Milestone, PlanTask, ProgressReport
from linli.plans.views import ledger as views
from tests.plans.ledger_fixtures import (  # noqa: F401 (fixtures)
    at,
    clock_fixture,
    fake,
    ledger_fixture,
    make_report,
    media_fixture,
    pdf,
)

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def test_ledger_page_for_a_community_head(login, ledger, tree):
    client = login(ledger["head_a1"])
    response = client.get(reverse("plans:ledger"))
    assert response.status_code == 200
    page = body(response)
    assert f'data-testid="duty-{ledger["community_task"].pk}-{tree["a1"].code}-2025"' in page
    assert 'data-testid="task-table"' in page and "开展社区工作者培训" in page
    assert 'data-testid="task-add"' not in page
    filtered = client.get(
        reverse("plans:ledger"), {"plan": ledger["plan"].pk, "group": "重点任务二"}
    )
    assert "建设城乡社区综合服务设施" not in body(filtered).split('data-testid="task-table"')[1]
    bad = client.get(reverse("plans:ledger"), {"plan": ledger["plan"].pk, "status": "lost"})
    assert bad.status_code == 400 and "Choose a status" in body(bad)


def test_ledger_page_refuses_and_hides(login, ledger):
    assert login(ledger["resident"]).get(reverse("plans:ledger")).status_code == 403
    other = login(ledger["other_county"])
    assert other.get(reverse("plans:ledger"), {"plan": ledger["plan"].pk}).status_code == 404
    assert "建设城乡社区综合服务设施" not in body(other.get(reverse("plans:ledger")))


def test_task_pages_for_the_county(login, ledger, tree):
    client = login(ledger["county"])
    task = ledger["community_task"]
    make_report(task, tree["a1"], "2026", ProgressReport.Status.SUBMITTED)
    page = body(client.get(reverse("plans:task", args=[task.pk])))
    assert f'data-row="{tree["b1"].code}"' in page and 'data-status="submitted"' in page
    assert "each year on 10-31" in page and 'data-testid="task-edit"' in page
    assert client.get(reverse("plans:task", args=[task.pk]), {"period": "2031"}).status_code == 404
    assert (
        login(ledger["other_county"]).get(reverse("plans:task", args=[task.pk])).status_code == 404
    )


def test_task_new_edit_remove(login, ledger):
    plan = ledger["plan"]
    assert login(ledger["town_a"]).get(reverse("plans:task_new", args=[plan.pk])).status_code == 403
    client = login(ledger["county"])
    form = client.get(reverse("plans:task_new", args=[plan.pk]))
    assert form.status_code == 200 and 'data-testid="task-form"' in body(form)
    data = {
        "number": "3.1",
        "title": "建设社区志愿服务站",
        "lead_units": "区民政局",
        "report_level": "5",
        "frequency": "quarter",
        "due_month": "12",
        "due_day": "10",
        "first_year": "2026",
        "last_year": "2027",
    }
    bad = client.post(
        reverse("plans:task_new", args=[plan.pk]), {**data, "due_month": "2", "due_day": "30"}
    )
    assert bad.status_code == 400 and "does not have that day" in body(bad)
    made = client.post(reverse("plans:task_new", args=[plan.pk]), data)
    task = PlanTask.objects.get(plan=plan, number="3.1")
    assert made.status_code == 302 and made["Location"] == reverse("plans:task", args=[task.pk])
    edited = client.post(
        reverse("plans:task_edit", args=[task.pk]), {**data, "title": "志愿服务站全覆盖"}
    )
    assert edited.status_code == 302
    task.refresh_from_db()
    assert task.title == "志愿服务站全覆盖"
    milestone = client.post(
        reverse("plans:milestone_new", args=[task.pk]),
        {"year": "2026", "title": "完成选址", "due_on": "2026-09-30"},
    )
    assert milestone.status_code == 302 and Milestone.objects.filter(task=task).count() == 1
    gone = client.post(reverse("plans:milestone_remove", args=[Milestone.objects.get().pk]))
    assert gone.status_code == 302 and not Milestone.objects.exists()
    assert client.get(reverse("plans:task_remove", args=[task.pk])).status_code == 405
    removed = client.post(reverse("plans:task_remove", args=[task.pk]))
    assert removed.status_code == 302 and not PlanTask.objects.filter(pk=task.pk).exists()


def test_task_with_reports_is_not_removed(login, ledger, tree):
    task = ledger["community_task"]
    make_report(task, tree["a1"], "2026")
    client = login(ledger["county"])
    response = client.post(reverse("plans:task_remove", args=[task.pk]), follow=True)
    assert "cannot be removed" in body(response)
    assert PlanTask.objects.filter(pk=task.pk).exists()


def test_write_save_attach_and_submit_from_a_phone(login, ledger, tree, media):
    client = login(ledger["head_a1"])
    task = ledger["community_task"]
    url = reverse("plans:report_edit", args=[task.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="report-form"' in body(page)
    assert "Save the draft first" in body(page)  # no file before the first save
    bad = client.post(
        url,
        {
            "area": tree["a1"].code,
            "period": "2026",
            "text": "x",
            "percent": "150",
            "action": "save",
        },
    )
    assert bad.status_code == 400 and not ProgressReport.objects.exists()
    saved = client.post(
        url,
        {
            "area": tree["a1"].code,
            "period": "2026",
            "text": "议事厅已改造",
            "percent": "70",
            "action": "save",
        },
    )
    assert saved.status_code == 302
    report = ProgressReport.objects.get()
    assert (report.status, report.percent) == ("draft", 70)
    page = client.get(saved["Location"])
    assert 'data-testid="evidence-form"' in body(page)
    attached = client.post(
        reverse("plans:evidence_new", args=[report.pk]), {"file": pdf()}, follow=True
    )
    assert "The file is attached." in body(attached)
    refused = client.post(
        reverse("plans:evidence_new", args=[report.pk]), {"file": fake()}, follow=True
    )
    assert "cannot be attached" in body(refused)
    row = Evidence.objects.get()
    download = client.get(reverse("plans:ledger_evidence", args=[row.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="plans.evidence.download").count() == 1
    assert (
        login(ledger["head_b1"]).get(reverse("plans:ledger_evidence", args=[row.pk])).status_code
        == 404
    )
    client = login(ledger["head_a1"])
    submitted = client.post(
        url,
        {
            "area": tree["a1"].code,
            "period": "2026",
            "text": "议事厅已投入使用",
            "percent": "100",
            "action": "submit",
        },
    )
    assert submitted.status_code == 302
    assert submitted["Location"] == reverse("plans:ledger_report", args=[report.pk])
    report.refresh_from_db()
    assert report.status == "submitted" and report.text == "议事厅已投入使用"
    locked = client.get(url, {"area": tree["a1"].code, "period": "2026"})
    assert 'data-testid="report-form"' not in body(locked)
    assert client.get(url, {"area": tree["b1"].code}).status_code == 404
    assert client.get(url, {"period": "2030"}).status_code == 404


def test_report_page_and_decisions(login, ledger, tree):
    task = ledger["community_task"]
    report = make_report(task, tree["a1"], "2026", ProgressReport.Status.SUBMITTED)
    head = body(login(ledger["head_a1"]).get(reverse("plans:ledger_report", args=[report.pk])))
    assert 'data-testid="decide"' not in head
    client = login(ledger["town_a"])
    page = body(client.get(reverse("plans:ledger_report", args=[report.pk])))
    assert 'data-testid="decide"' in page and 'data-testid="history"' in page
    decide = reverse("plans:report_decide", args=[report.pk])
    empty = client.post(decide, {"decision": "return", "reason": ""}, follow=True)
    assert "Give the reason." in body(empty)
    client.post(decide, {"decision": "approve"})
    report.refresh_from_db()
    assert report.status == "approved"
    page = body(client.get(reverse("plans:ledger_report", args=[report.pk])))
    assert 'data-testid="reopen"' in page and 'data-action="plans.report.approve"' in page
    client.post(decide, {"decision": "reopen", "reason": "请补充照片"})
    report.refresh_from_db()
    assert (report.status, report.decision_note) == ("returned", "请补充照片")
    refused = login(ledger["head_a1"]).post(decide, {"decision": "approve"})
    assert refused.status_code == 403
    hidden = login(ledger["town_b"]).get(reverse("plans:ledger_report", args=[report.pk]))
    assert hidden.status_code == 404


def test_approvals_page(login, ledger, tree):
    report = make_report(
        ledger["community_task"], tree["a2"], "2026", ProgressReport.Status.SUBMITTED
    )
    client = login(ledger["town_a"])
    page = body(client.get(reverse("plans:approvals")))
    assert f'data-testid="approval-{report.pk}"' in page
    approved = client.post(
        reverse("plans:report_decide", args=[report.pk]),
        {"decision": "approve", "next": "approvals"},
    )
    assert approved["Location"] == reverse("plans:approvals")
    assert login(ledger["head_a1"]).get(reverse("plans:approvals")).status_code == 403


def test_rates_page_with_table_and_chart_data(login, ledger, tree):
    make_report(
        ledger["community_task"],
        tree["a1"],
        "2026",
        ProgressReport.Status.APPROVED,
        submitted_at=at(2026, 6, 1),
    )
    client = login(ledger["county"])
    url = reverse("plans:ledger_rates", args=[ledger["plan"].pk])
    page = body(client.get(url))
    assert (
        'data-testid="total-expected">7<' in page and 'data-testid="total-reporting">14.3%<' in page
    )
    assert 'id="ledger-rates-data"' in page and "plans/ledger.js" in page
    assert "<script>" not in page  # no inline script
    assert f"?area={tree['town_a'].code}&amp;period=2026" in page
    down = body(client.get(url, {"area": tree["town_a"].code}))
    assert 'data-testid="rates-up"' in down and "(own reports)" in down
    bad = client.get(url, {"period": "20x6"})
    assert bad.status_code == 400 and "Choose a year" in body(bad)
    assert login(ledger["other_county"]).get(url).status_code == 404


def test_home_block_is_filled_after_the_page(login, ledger, django_assert_max_num_queries):
    client = login(ledger["head_a1"])
    home = body(client.get(reverse("web:home")))
    assert 'data-testid="home-ledger-lazy"' in home and reverse("plans:ledger_home") in home
    block = body(client.get(reverse("plans:ledger_home"), HTTP_HX_REQUEST="true"))
    assert 'data-testid="home-ledger-count">2<' in block
    assert 'data-testid="home-ledger-overdue">1<' in block
    request = RequestFactory().get("/")
    request.user = type(ledger["head_a1"]).objects.get(pk=ledger["head_a1"].pk)
    with django_assert_max_num_queries(2):
        assert views.home_block(request)["lazy"]
    officer = body(login(ledger["town_a"]).get(reverse("web:home")))
    assert 'data-testid="home-ledger-lazy"' in officer
    assert login(ledger["resident"]).get(reverse("plans:ledger_home")).status_code == 403
