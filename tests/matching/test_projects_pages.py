"""The staff pages of livelihood projects: the list with its totals and filters, one project,
the forms (add, change, milestones, progress update, needs, cancel, publish, remove) working as
plain POSTs, the summary per area with its chart data — and who may open which."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from linli.matching.models import LivelihoodProject, ProjectUpdate

from .fixtures_projects import *  # noqa: F403 (the fixtures)
from .fixtures_projects import PROJECT, counts

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def test_the_list_shows_totals_rows_and_filters(
    login, users, a1_project, town_project, hidden_project
):
    client = login(users["town_a"])
    page = client.get(reverse("matching:projects"))
    body = _text(page)
    assert page.status_code == 200
    assert a1_project.name in body and town_project.name in body and hidden_project.name in body
    assert 'data-testid="total-count">3<' in body
    assert 'data-testid="total-budget">929,000.50<' in body
    assert f'data-testid="overdue-{a1_project.pk}"' in body
    assert 'data-testid="project-new"' in body
    filtered = _text(client.get(reverse("matching:projects"), {"funding": "lottery"}))
    assert town_project.name in filtered and a1_project.name not in filtered
    assert 'data-testid="total-count">1<' in filtered
    bad = client.get(reverse("matching:projects"), {"status": "lost"})
    assert bad.status_code == 400 and "Choose one of the options." in _text(bad)
    part = client.get(reverse("matching:projects"), {"q": "街道"}, HTTP_HX_REQUEST="true")
    assert part.status_code == 200 and town_project.name in _text(part)


def test_who_may_open_the_staff_pages(login, users, a1_project):
    url = reverse("matching:project", args=[a1_project.pk])
    assert login(users["resident_a1"]).get(reverse("matching:projects")).status_code == 403
    assert login(users["worker_a2"]).get(url).status_code == 404
    assert login(users["town_b"]).get(url).status_code == 404
    viewer = login(users["worker_a1"])
    seen = viewer.get(url)
    assert seen.status_code == 200 and 'data-testid="project-actions"' not in _text(seen)
    for name in ("project_edit", "project_report", "project_milestones", "project_needs"):
        assert viewer.get(reverse(f"matching:{name}", args=[a1_project.pk])).status_code == 403
    assert viewer.get(reverse("matching:project_new")).status_code == 403
    assert viewer.post(reverse("matching:project_publish", args=[a1_project.pk])).status_code == 403
    assert login(users["worker_a2"]).get(
        reverse("matching:project_edit", args=[a1_project.pk])
    ).status_code in (403, 404)


def test_one_project_page(login, users, a1_project, a1_need):
    from linli.matching.actions import projects as actions

    actions.project_need_link(actor=users["head_a1"], project_id=a1_project.pk, need_id=a1_need.pk)
    body = _text(login(users["head_a1"]).get(reverse("matching:project", args=[a1_project.pk])))
    assert "30% done" in body and 'value="30"' in body
    assert "内部记录：与施工方对接。" in body and "staff only" in body  # staff see every update
    assert a1_need.title in body and "overdue" in body
    assert 'data-testid="unpublish"' in body
    assert reverse("matching:public_project", args=[a1_project.pk]) in body


def test_adding_a_project_through_the_form(login, users, tree):
    client = login(users["head_a1"])
    page = client.get(reverse("matching:project_new"))
    assert page.status_code == 200 and tree["a1"].code in _text(page)
    before = counts()
    bad = client.post(
        reverse("matching:project_new"),
        PROJECT | {"area_code": tree["a1"].code, "budget": "1.234", "ends_on": "2026-01-01"},
    )
    assert bad.status_code == 400
    assert "At most two decimals (fen), please." in _text(bad)
    assert "The end cannot come before the start." in _text(bad)
    assert counts() == before
    done = client.post(reverse("matching:project_new"), PROJECT | {"area_code": tree["a1"].code})
    project = LivelihoodProject.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("matching:project_milestones", args=[project.pk])


def test_changing_a_project_through_the_form(login, users, a1_project):
    client = login(users["head_a1"])
    url = reverse("matching:project_edit", args=[a1_project.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'value="120000.50"' in _text(page)
    assert 'name="area_code"' not in _text(page)
    done = client.post(url, PROJECT | {"lead_unit": "仙城街道社区服务中心"})
    assert done.status_code == 302
    a1_project.refresh_from_db()
    assert a1_project.lead_unit == "仙城街道社区服务中心"


def test_milestones_page_adds_completes_and_removes(login, users, hidden_project):
    client = login(users["head_a1"])
    url = reverse("matching:project_milestones", args=[hidden_project.pk])
    assert client.get(url).status_code == 200
    too_much = client.post(url, {"title": "全部", "weight": "120"})
    assert too_much.status_code == 400 and "Enter a whole number from 0 to 100." in _text(too_much)
    assert (
        client.post(url, {"title": "设计", "weight": "40", "due_on": "2026-05-01"}).status_code
        == 302
    )
    milestone = hidden_project.milestones.get()
    done_url = reverse("matching:project_milestone_done", args=[hidden_project.pk, milestone.pk])
    client.post(done_url, {"done": "1", "done_on": "", "back": "milestones"})
    milestone.refresh_from_db()
    assert milestone.done_on is not None
    page = _text(client.get(url))
    assert "Shares given: 40%; still free: 60%." in page
    edit = reverse("matching:project_milestone_edit", args=[hidden_project.pk, milestone.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"title": "设计方案", "weight": "45"}).status_code == 302
    remove = reverse("matching:project_milestone_remove", args=[hidden_project.pk, milestone.pk])
    assert client.post(remove).status_code == 302
    assert not hidden_project.milestones.exists()


def test_the_update_form_offers_the_milestones_progress(login, users, a1_project):
    client = login(users["head_a1"])
    url = reverse("matching:project_report", args=[a1_project.pk])
    build = a1_project.milestones.get(title="装修和设备采购")
    client.post(reverse("matching:project_milestone_done", args=[a1_project.pk, build.pk]))
    page = _text(client.get(url))
    assert 'data-testid="suggested"' in page and 'name="progress" value="80"' in page
    lower = client.post(url, {"text": "返工", "status": "under_way", "progress": "10"})
    assert lower.status_code == 400 and "tick “progress goes down”" in _text(lower)
    done = client.post(
        url, {"text": "装修完成。", "status": "under_way", "progress": "80", "published": "on"}
    )
    assert done.status_code == 302
    a1_project.refresh_from_db()
    assert a1_project.progress == 80
    assert ProjectUpdate.objects.filter(project=a1_project).first().published


def test_publish_cancel_and_remove_buttons(login, users, a1_project, hidden_project):
    client = login(users["head_a1"])
    client.post(reverse("matching:project_publish", args=[hidden_project.pk]), {"published": "1"})
    hidden_project.refresh_from_db()
    assert hidden_project.published
    again = client.post(
        reverse("matching:project_publish", args=[hidden_project.pk]),
        {"published": "1"},
        follow=True,
    )
    assert "Residents can see this project already." in _text(again)
    url = reverse("matching:project_cancel", args=[a1_project.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "资金未到位。"}).status_code == 302
    a1_project.refresh_from_db()
    assert a1_project.status == "cancelled"
    assert client.get(reverse("matching:project_report", args=[a1_project.pk])).status_code == 302
    client.post(reverse("matching:project_publish", args=[hidden_project.pk]), {"published": "0"})
    gone = client.post(reverse("matching:project_delete", args=[hidden_project.pk]))
    assert gone.status_code == 302 and gone["Location"] == reverse("matching:projects")
    assert not LivelihoodProject.objects.filter(pk=hidden_project.pk).exists()


def test_linking_needs_on_the_needs_page(login, users, a1_project, a1_need, a2_need):
    client = login(users["head_a1"])
    url = reverse("matching:project_needs", args=[a1_project.pk])
    page = _text(client.get(url))
    assert a1_need.title in page and a2_need.title not in page
    assert client.post(url, {"need_id": a1_need.pk}).status_code == 302
    assert list(a1_project.needs.all()) == [a1_need]
    refused = client.post(url, {"need_id": a2_need.pk}, follow=True)
    assert "There is no such need among those you may see." in _text(refused)
    unlink = reverse("matching:project_need_unlink", args=[a1_project.pk, a1_need.pk])
    assert client.post(unlink).status_code == 302 and not a1_project.needs.exists()


def test_the_summary_page_with_its_chart_data(login, users, a1_project, town_project):
    client = login(users["town_a"])
    page = client.get(reverse("matching:project_summary"))
    body = _text(page)
    assert page.status_code == 200 and 'data-row="220403001001"' in body
    data = json.loads(re.search(r'id="summary-data"[^>]*>(.*?)</script>', body, re.S).group(1))
    assert data["names"][0] == "仙城街道 itself" and data["progress"][:2] == [0, 30]
    assert "projects_summary.js" in body and "echarts.min.js" in body
    bad = client.get(reverse("matching:project_summary"), {"area": "220403002"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in _text(bad)
    county = _text(login(users["county"]).get(reverse("matching:project_summary")))
    assert 'data-row="220403001000"' in county and "?area=220403001000" in county
    assert login(users["resident_a1"]).get(reverse("matching:project_summary")).status_code == 403
