"""The roster pages: the list with its summary, a worker's page, the forms, revealing, the
ladder page, the import journey and the export, for the people who may and may not."""

from __future__ import annotations

import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from linli.core.models import AuditEvent
from linli.core.roles import Role
from linli.workforce.models import Attendance, Certificate, Course, PostLevel, Session, Worker
from tests.conftest import make_user
from tests.registry.conftest import make_id
from tests.workforce.worker_fixtures import (  # noqa: F401 (fixtures)
    LI_ID,
    LI_PHONE,
    PREFECTURE,
    ladder_fixture,
    pref_officer_fixture,
    prefecture_fixture,
    roster_fixture,
    sheet,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, **kwargs):
    return reverse(f"workforce:{name}", kwargs=kwargs or None)


# --- the roster ---------------------------------------------------------------------------------


def test_roster_lists_ones_own_workers_masked_with_a_summary(login, users, roster):
    client = login(users["worker_a1"])
    response = client.get(_url("workers"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "张书记" in body and "李网格" in body and "赵主任" not in body
    assert LI_PHONE not in body and "138****5678" in body
    assert 'data-testid="roster-summary"' in body and 'data-testid="summary-live">3<' in body
    # A community worker neither adds nor imports workers.
    assert _url("worker_new") not in body and _url("workers_import") not in body


def test_roster_filters_and_htmx(login, users, roster):
    client = login(users["county"])
    response = client.get(_url("workers"), {"post": "committee", "area": "220403001"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "张书记" in body and "赵主任" in body and "孙委员" not in body and "李网格" not in body
    response = client.get(_url("workers"), {"status": "gone"})
    assert response.status_code == 400 and "Choose a status" in response.content.decode()


def test_the_summary_of_a_town_lists_its_communities(login, users, roster, tree):
    client = login(users["town_a"])
    body = client.get(_url("workers"), {"area": tree["town_a"].code}).content.decode()
    assert "仙城社区" in body and "新兴社区" in body and "东山社区" not in body
    assert f'href="?area={tree["a1"].code}"' in body


def test_roster_is_refused_to_residents_and_hides_neighbours(login, users, roster):
    assert login(users["resident_a1"]).get(_url("workers")).status_code == 403
    body = login(users["town_b"]).get(_url("workers")).content.decode()
    assert "张书记" not in body and "孙委员" in body


# --- one worker ---------------------------------------------------------------------------------


def test_worker_page_shows_post_certificates_and_masks(login, users, roster):
    zhang = roster["张书记"]
    client = login(users["worker_a1"])
    response = client.get(_url("worker", worker_id=zhang.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "一岗三级" in body and "social worker" in body and "party secretary" in body
    assert zhang.id_number not in body
    assert 'data-testid="reveal-id_number-button"' in body
    assert _url("worker_edit", worker_id=zhang.pk) not in body  # view only
    assert login(users["worker_a2"]).get(_url("worker", worker_id=zhang.pk)).status_code == 404


def test_reveal_shows_the_number_once_and_audits_it(login, users, roster):
    li = roster["李网格"]
    client = login(users["worker_a1"])
    response = client.post(_url("worker_reveal", worker_id=li.pk), {"field": "phone"})
    assert response.status_code == 200
    assert LI_PHONE in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="pii.reveal", target_id=str(li.pk)).count() == 1
    assert client.post(_url("worker_reveal", worker_id=li.pk), {"field": "name"}).status_code == 404
    town = login(users["town_a"])
    assert town.post(_url("worker_reveal", worker_id=li.pk), {"field": "phone"}).status_code == 403
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 1


def test_training_attended_is_listed(login, users, roster, tree):
    wang = roster["王社工"]
    course = Course.objects.create(
        area=tree["county"],
        area_code=tree["county"].code,
        title="社区治理能力提升班",
        organiser="西安区民政局",
        mode="in_person",
        hours=Decimal("16"),
    )
    session = Session.objects.create(
        course=course,
        area_code=course.area_code,
        starts_on="2024-05-06",
        ends_on="2024-05-07",
        hours=Decimal("16"),
    )
    Attendance.objects.create(
        session=session,
        worker=wang,
        area_code=wang.area_code,
        hours=Decimal("16"),
        trained_on="2024-05-07",
    )
    body = login(users["worker_a1"]).get(_url("worker", worker_id=wang.pk)).content.decode()
    assert "社区治理能力提升班" in body and "2024-05-07" in body


def test_head_adds_a_worker_through_the_form(login, users, roster, ladder, tree):
    client = login(users["head_a1"])
    page = client.get(_url("worker_new"))
    assert page.status_code == 200 and "三岗一级" in page.content.decode()
    number = make_id("19930303", 51)
    response = client.post(
        _url("worker_new"),
        {
            "community_code": tree["a1"].code,
            "name": "孔新",
            "id_number": number,
            "phone": "13955556666",
            "post": "grid",
            "level_id": str(ladder["3-1"].pk),
            "education": "college",
            "party_member": "on",
            "hired_on": "2024-01-02",
        },
    )
    worker = Worker.objects.get(name="孔新")
    assert response.status_code == 302 and response["Location"] == _url(
        "worker", worker_id=worker.pk
    )
    assert worker.party_member and worker.level == ladder["3-1"] and worker.id_number == number


def test_worker_form_shows_the_actions_errors(login, users, roster, tree):
    client = login(users["head_a1"])
    before = Worker.objects.count()
    response = client.post(
        _url("worker_new"),
        {
            "community_code": tree["a1"].code,
            "name": "钱新",
            "post": "committee",
            "committee_role": "secretary",
            "hired_on": "2024-01-02",
            "id_number": "123",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "18 characters" in body
    assert Worker.objects.count() == before
    response = client.post(
        _url("worker_new"),
        {
            "community_code": tree["a1"].code,
            "name": "钱新",
            "post": "committee",
            "committee_role": "secretary",
            "hired_on": "2024-01-02",
        },
    )
    assert response.status_code == 400 and "张书记 is already" in response.content.decode()
    assert login(users["worker_a1"]).get(_url("worker_new")).status_code == 403


def test_edit_keeps_the_numbers_unless_typed(login, users, roster):
    li = roster["李网格"]
    client = login(users["head_a1"])
    page = client.get(_url("worker_edit", worker_id=li.pk)).content.decode()
    assert LI_ID not in page and LI_PHONE not in page
    response = client.post(
        _url("worker_edit", worker_id=li.pk),
        {"name": "李网格", "post": "grid", "hired_on": "2020-03-01", "education": "bachelor"},
    )
    assert response.status_code == 302
    li.refresh_from_db()
    assert li.education == "bachelor" and li.id_number == LI_ID and li.phone == LI_PHONE
    assert login(users["worker_a1"]).get(_url("worker_edit", worker_id=li.pk)).status_code == 403


def test_leave_link_and_certificates_from_the_pages(login, users, roster, tree):
    wang = roster["王社工"]
    client = login(users["head_a1"])
    make_user("wang_acc", Role.COMMUNITY_WORKER, tree["a1"])
    response = client.post(_url("worker_link", worker_id=wang.pk), {"login": "wang_acc"})
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.user.username == "wang_acc"
    response = client.post(_url("worker_link", worker_id=wang.pk), {"login": "worker_a2"})
    assert (
        response.status_code == 400 and "has a role in this community" in response.content.decode()
    )
    assert client.post(_url("worker_unlink", worker_id=wang.pk)).status_code == 302
    response = client.post(
        _url("certificate_add", worker_id=wang.pk),
        {"level": "social_worker", "number": "S-1", "obtained_on": "2024-06-01"},
    )
    assert response.status_code == 302 and wang.certificates.count() == 2
    response = client.post(
        _url("certificate_add", worker_id=wang.pk),
        {"level": "social_worker", "obtained_on": "2024-06-01"},
    )
    assert response.status_code == 400 and "already holds" in response.content.decode()
    cert = wang.certificates.get(level="social_worker")
    other = roster["张书记"].certificates.get()
    assert (
        client.post(
            _url("certificate_remove", worker_id=wang.pk), {"certificate_id": other.pk}
        ).status_code
        == 404
    )
    assert (
        client.post(
            _url("certificate_remove", worker_id=wang.pk), {"certificate_id": cert.pk}
        ).status_code
        == 302
    )
    assert not Certificate.objects.filter(pk=cert.pk).exists()
    page = client.get(_url("worker_leave", worker_id=wang.pk))
    assert page.status_code == 200
    response = client.post(_url("worker_leave", worker_id=wang.pk), {"reason": ""})
    assert response.status_code == 400
    response = client.post(
        _url("worker_leave", worker_id=wang.pk), {"left_on": "2024-12-31", "reason": "辞职"}
    )
    assert response.status_code == 302
    wang.refresh_from_db()
    assert str(wang.left_on) == "2024-12-31"
    assert client.get(_url("worker_leave", worker_id=wang.pk)).status_code == 404


# --- the ladder ---------------------------------------------------------------------------------


def test_ladder_page_reads_for_workers_and_installs_for_the_prefecture(
    login, users, pref_officer, prefecture
):
    body = login(users["worker_a1"]).get(_url("levels")).content.decode()
    assert "No ladder is set here" in body and "defaults-form" not in body
    client = login(pref_officer)
    page = client.get(_url("levels"), {"area": PREFECTURE}).content.decode()
    assert 'data-testid="defaults-form"' in page
    response = client.post(_url("levels_defaults"), {"area": PREFECTURE})
    assert response.status_code == 302 and PostLevel.objects.count() == 18
    response = client.post(_url("levels_defaults"), {"area": PREFECTURE})
    assert PostLevel.objects.count() == 18
    body = client.get(response["Location"]).content.decode()
    assert "0 levels added" in body and "三岗六级" in body
    response = client.post(_url("level_save"), {"area": PREFECTURE, "code": "1-1", "name": "重复"})
    assert response.status_code == 400 and "already has a level" in response.content.decode()
    level = PostLevel.objects.get(code="3-6")
    response = client.post(
        _url("level_save"),
        {
            "area": PREFECTURE,
            "level_id": level.pk,
            "code": "3-6",
            "name": "三岗六级（高）",
            "sort": "180",
        },
    )
    assert response.status_code == 302
    assert (
        client.post(_url("level_remove"), {"area": PREFECTURE, "level_id": level.pk}).status_code
        == 302
    )
    assert PostLevel.objects.count() == 17
    worker = login(users["head_a1"])
    assert worker.post(_url("levels_defaults"), {"area": PREFECTURE}).status_code == 403
    assert login(users["resident_a1"]).get(_url("levels")).status_code == 403


# --- the import and the export ------------------------------------------------------------------


def _import_rows(tree):
    return [
        {
            "name": "冯新",
            "community_code": tree["a1"].code,
            "post": "网格员",
            "hired_on": "2023-03-01",
        },
        {
            "name": "陈新",
            "community_code": tree["a1"].code,
            "post": "其他",
            "hired_on": "2023-03-01",
        },
    ]


def test_import_journey_check_then_confirm(login, users, roster, tree):
    client = login(users["head_a1"])
    assert client.get(_url("workers_import")).status_code == 200
    response = client.post(_url("workers_import"), {"file": sheet(_import_rows(tree))})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    body = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="count-created">2<' in body
    assert Worker.objects.filter(name="冯新").count() == 0
    import_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    done = client.post(_url("workers_import_confirm", import_id=import_id))
    assert done.status_code == 302 and done["Location"] == _url("workers")
    assert Worker.objects.filter(name__in=["冯新", "陈新"]).count() == 2
    # The upload is gone once imported: confirming again imports nothing.
    again = client.post(_url("workers_import_confirm", import_id=import_id))
    assert again.status_code == 302 and again["Location"] == _url("workers_import")
    assert Worker.objects.filter(name="冯新").count() == 1


def test_import_with_bad_rows_lists_them_and_offers_the_report(login, users, roster, tree):
    client = login(users["head_a1"])
    rows = _import_rows(tree)
    rows[1]["post"] = "司机"
    response = client.post(_url("workers_import"), {"file": sheet(rows)})
    import_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    body = client.get(response["Location"]).content.decode()
    assert "Not imported" in body and "岗位类型" in body
    report = client.get(_url("workers_import_errors", import_id=import_id))
    assert report.status_code == 200 and "no-store" in report["Cache-Control"]
    book = load_workbook(io.BytesIO(report.content))
    cells = [c.value for c in book.worksheets[0][3]]
    assert cells[0] == 3 and "岗位类型" in cells[1]
    client.post(_url("workers_import_confirm", import_id=import_id))
    assert not Worker.objects.filter(name="冯新").exists()
    assert client.post(_url("workers_import_cancel", import_id=import_id)).status_code == 302
    assert client.get(_url("workers_import_preview", import_id=import_id)).status_code == 302


def test_import_refuses_unreadable_files_and_view_only_users(login, users, roster):
    client = login(users["head_a1"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(_url("workers_import"), {"file": SimpleUploadedFile("a.txt", b"x")})
    assert (
        response.status_code == 400 and "Upload a .xlsx or .csv file" in response.content.decode()
    )
    assert login(users["worker_a1"]).get(_url("workers_import")).status_code == 403
    assert (
        login(users["worker_a1"]).get(_url("workers_import_preview", import_id="0")).status_code
        == 403
    )


def test_template_and_export(login, users, roster):
    client = login(users["worker_a1"])
    template = client.get(_url("workers_template"))
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.content)).worksheets[0]["A1"].value == "姓名*"
    export = login(users["town_a"]).get(_url("workers_export"), {"post": "grid"})
    assert export.status_code == 200 and export["Cache-Control"] == "no-store"
    data = b"".join(export.streaming_content)
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["李网格"] and rows[1][2] == "138****5678"
    event = AuditEvent.objects.get(action="worker.export")
    assert event.extra["masked"] is True and event.extra["post"] == "grid"
    assert login(users["resident_a1"]).get(_url("workers_export")).status_code == 403


# --- neighbours see nothing of A1 ----------------------------------------------------------------


def test_neighbours_find_nothing_of_a1_on_any_roster_page_or_api(client, users, roster, tree):
    """Every roster URL (pages and API), requested with A1's ids by A2's worker and resident,
    town B's officer and a visitor, names none of A1's workers or numbers."""
    from django.urls import URLPattern

    from linli.workforce.views import workers as worker_views

    a1 = [w for w in roster.values() if w.area_code == tree["a1"].code]
    secrets = [w.name for w in a1] + [LI_ID, LI_PHONE, tree["a1"].name]
    cert = roster["张书记"].certificates.get()
    level = roster["张书记"].level
    values = {"worker_id": a1[0].pk, "import_id": "0"}
    urls = []
    for pattern in worker_views.urlpatterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {k: values[k] for k in pattern.pattern.converters}
        urls.append(reverse(f"workforce:{pattern.name}", kwargs=kwargs or None))
    api = "/api/v1/workforce/"
    urls += [
        api + "workers",
        api + f"workers/{a1[0].pk}",
        api + f"certificates/{cert.pk}",
        api + f"levels/{level.pk}",
        api + "workers-summary?area=" + tree["a1"].code,
        api + "workers-export.xlsx",
        api + "levels?area=" + tree["a1"].code,
    ]
    query = {"area": tree["a1"].code, "q": "张"}
    for who in ("worker_a2", "resident_a2", "town_b", None):
        if who:
            client.force_login(users[who], backend="linli.core.auth.PhoneOrUsernameBackend")
        else:
            client.logout()
        for url in urls:
            response = client.get(url, query)
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            if url.endswith(".xlsx") and response.status_code == 200:
                book = load_workbook(io.BytesIO(content))
                content = str(list(book.worksheets[0].iter_rows(values_only=True))).encode()
            text = content.decode("utf-8", "replace")
            leaked = [s for s in secrets if s in text]
            assert not leaked, (who, url, response.status_code, leaked)
