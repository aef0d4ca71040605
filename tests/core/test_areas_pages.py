"""Area pages: the tree and search, one area's page, the import journey."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from linli.core.models import Area, AuditEvent, ReportedFigure
from tests.conftest import make_area

HEADER = "区划代码,名称,层级,上级代码,城乡分类代码,常住人口,户数,统计日期,数据来源"
GOOD = f"{HEADER}\n220403001009,新兴南社区,社区,,112,2100,800,2026-01-01,年报\n220403001009001,新兴南社区第1网格,,,,,,,"


@pytest.fixture(autouse=True)
def _english(client):
    """Pages and messages in English, whatever the site's default language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def upload(text: str, name: str = "areas.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


# --- tree and search -------------------------------------------------------------------------


def test_tree_starts_at_the_users_area_and_shows_the_path(users, login):
    response = login(users["worker_a1"]).get("/areas/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "仙城社区" in page and "仙城街道" in page  # their community, the path above
    assert 'href="/areas/220403001001/"' in page  # without JS a node is a link
    assert 'hx-get="/areas/?node=220403001001"' in page
    assert "新兴社区" not in page and "东山" not in page
    assert "Import towns, communities and grids" not in page  # no area.manage


def test_tree_shows_level_urban_rural_and_demo_badges(users, login, tree):
    Area.objects.filter(code="220403001002").update(urban_rural="220", is_demo=True)
    page = login(users["town_a"]).get("/areas/?node=220403001", HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert "community or village" in text
    assert ">Community<" in text and ">Village<" in text and ">Demo<" in text


def test_anonymous_visitors_are_sent_to_log_in(client, tree):
    response = client.get("/areas/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_htmx_loads_the_children_of_a_node_inline(users, login):
    client = login(users["town_a"])
    response = client.get("/areas/?node=220403001", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text and "<li" in text
    assert "仙城社区" in text and "新兴社区" in text and "1 area below" in text
    # Without htmx the same link leads to the area's page.
    plain = client.get("/areas/?node=220403001")
    assert plain.status_code == 302 and plain["Location"] == "/areas/220403001/"
    assert client.get("/areas/?node=1")["Location"] == "/areas/"
    assert client.get("/areas/?node=1", HTTP_HX_REQUEST="true").status_code == 404
    # The other town's children are not found.
    other = client.get("/areas/?node=220403002", HTTP_HX_REQUEST="true")
    assert other.status_code == 404


def test_search_by_name_shows_hits_with_their_path(users, login):
    response = login(users["town_a"]).get("/areas/", {"q": "社区"})
    text = response.content.decode()
    assert "3 areas found" in text
    assert "仙城社区" in text and "新兴社区" in text and "东山社区" not in text
    # The grid's hit shows its path down to its community.
    assert '<a href="/areas/220403001001/">仙城社区</a><span aria-hidden="true"> › </span>' in text


def test_search_by_code_prefix_and_level(users, login):
    client = login(users["town_a"])
    by_code = client.get("/areas/", {"q": "220403001002"}).content.decode()
    assert "1 area found" in by_code and "新兴社区" in by_code
    grids = client.get("/areas/", {"level": "6"}).content.decode()
    assert "1 area found" in grids and "仙城社区第1网格" in grids
    nothing = client.get("/areas/", {"q": "东山"}).content.decode()
    assert "No area you can see matches" in nothing


def test_search_with_htmx_returns_the_results_only(users, login):
    response = login(users["town_a"]).get("/areas/", {"q": "新兴"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "<html" not in text and "1 area found" in text and "新兴社区" in text


def test_search_is_paginated(users, login, tree):
    for number in range(3, 43):
        make_area(f"220403001{number:03d}", f"测试社区{number}", "111")
    client = login(users["town_a"])
    first = client.get("/areas/", {"q": "测试社区"}).content.decode()
    assert "40 areas found" in first and "Page 1 of 2" in first
    assert "测试社区32" in first and "测试社区33" not in first
    second = client.get("/areas/", {"q": "测试社区", "page": 2}).content.decode()
    assert "测试社区33" in second and "测试社区42" in second


def test_list_pages_run_a_fixed_number_of_queries(users, login, tree, django_assert_num_queries):
    client = login(users["town_a"])
    client.get("/areas/")  # warm up the session

    def count_queries(url, params):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, params).status_code == 200
        return len(ctx.captured_queries)

    small = {
        "tree": count_queries("/areas/", {}),
        "search": count_queries("/areas/", {"q": "社区"}),
        "detail": count_queries("/areas/220403001/", {}),
    }
    for number in range(3, 33):
        town_child = make_area(f"220403001{number:03d}", f"社区{number}", "111")
        make_area(f"{town_child.code}001", f"社区{number}第1网格")
        ReportedFigure.objects.create(
            area=town_child, kind="population", value=number, as_of=dt.date(2025, 1, 1), source="x"
        )
    with django_assert_num_queries(small["tree"]):
        client.get("/areas/")
    with django_assert_num_queries(small["search"]):
        client.get("/areas/", {"q": "社区"})
    with django_assert_num_queries(small["detail"]):
        response = client.get("/areas/220403001/")
    assert "社区30" in response.content.decode()  # 30 areas a page
    assert "社区31" not in response.content.decode()
    assert small["detail"] <= 15


# --- one area -------------------------------------------------------------------------------


def test_detail_shows_breadcrumbs_children_and_figures(users, login, tree):
    ReportedFigure.objects.create(
        area=tree["a1"], kind="population", value=3120, as_of=dt.date(2025, 12, 31), source="年报"
    )
    ReportedFigure.objects.create(
        area=tree["a1"], kind="population", value=3000, as_of=dt.date(2024, 12, 31), source="年报"
    )
    ReportedFigure.objects.create(
        area=tree["a1"], kind="households", value=1100, as_of=dt.date(2025, 12, 31), source="普查"
    )
    response = login(users["worker_a1"]).get("/areas/220403001001/")
    assert response.status_code == 200
    text = response.content.decode()
    crumbs = text[
        text.index('class="breadcrumbs"') : text.index("</nav>", text.index("breadcrumbs"))
    ]
    assert "西安区" in crumbs and "仙城街道" in crumbs and 'aria-current="page">仙城社区' in crumbs
    assert "仙城社区第1网格" in text  # the child grid
    assert "3,120" in text and "as of 2025-12-31 · source: 年报" in text
    assert "1,100" in text and "3,000" in text  # history keeps the older figure
    assert "Record a reported figure" not in text  # a worker does not manage the area


def test_the_neighbouring_community_is_not_found(users, login):
    client = login(users["worker_a1"])
    assert client.get("/areas/220403001002/").status_code == 404
    assert client.get("/areas/220403002001/").status_code == 404
    assert client.get("/areas/220403002/").status_code == 404


def test_an_area_above_is_shown_for_navigation_only(users, login, tree):
    ReportedFigure.objects.create(
        area=tree["town_a"], kind="population", value=98765, as_of=dt.date(2025, 1, 1), source="x"
    )
    text = login(users["worker_a1"]).get("/areas/220403001/").content.decode()
    assert 'data-testid="path-only"' in text
    assert "仙城社区" in text and "新兴社区" not in text
    assert "98,765" not in text and "Record a reported figure" not in text


def test_a_manager_records_a_figure(users, login, tree):
    client = login(users["head_a1"])
    page = client.get("/areas/220403001001/").content.decode()
    assert "Record a reported figure" in page
    response = client.post(
        "/areas/220403001001/",
        {"kind": "population", "value": "3300", "as_of": "2026-01-01", "source": "入户调查"},
    )
    assert response.status_code == 302
    figure = ReportedFigure.objects.get(area=tree["a1"])
    assert (figure.kind, figure.value, figure.recorded_by) == ("population", 3300, users["head_a1"])
    followed = client.get(response["Location"]).content.decode()
    assert "Recorded: resident population 3300 as of 2026-01-01." in followed
    assert "3,300" in followed


def test_figure_errors_are_shown_beside_the_fields(users, login, tree):
    client = login(users["head_a1"])
    response = client.post(
        "/areas/220403001001/",
        {"kind": "population", "value": "-4", "as_of": "2099-01-01", "source": "x"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'id="id_value_error"' in text and "between 0 and" in text
    assert 'id="id_as_of_error"' in text and "cannot be in the future" in text
    unparsable = client.post(
        "/areas/220403001001/", {"kind": "population", "value": "many", "as_of": "", "source": ""}
    )
    assert unparsable.status_code == 400
    assert 'id="id_value_error"' in unparsable.content.decode()
    assert not ReportedFigure.objects.exists()


def test_only_managers_may_post_figures(users, login, tree):
    response = login(users["worker_a1"]).post(
        "/areas/220403001001/",
        {"kind": "population", "value": "3", "as_of": "2026-01-01", "source": "x"},
    )
    assert response.status_code == 403
    assert not ReportedFigure.objects.exists()


# --- import ---------------------------------------------------------------------------------


def test_import_journey_preview_confirm_and_no_second_apply(users, login, tree):
    client = login(users["town_a"])
    form = client.get("/areas/import/")
    assert form.status_code == 200 and "区划代码" in form.content.decode()
    response = client.post("/areas/import/", {"file": upload(GOOD, encoding="gb18030")})
    assert response.status_code == 302
    preview_url = response["Location"]
    assert preview_url.startswith("/areas/import/")
    assert not Area.objects.filter(code="220403001009").exists()  # nothing written yet

    preview = client.get(preview_url).content.decode()
    assert 'data-testid="count-created">2<' in preview
    assert 'data-testid="count-figures">2<' in preview
    assert 'data-testid="count-errors">0<' in preview
    assert "Confirm the import" in preview and "新兴南社区" in preview

    confirm_url = preview_url + "confirm/"
    done = client.post(confirm_url)
    assert done.status_code == 302 and done["Location"] == "/areas/"
    assert Area.objects.get(code="220403001009").urban_rural == "112"
    assert Area.objects.get(code="220403001009001").parent_id == "220403001009"
    message = client.get("/areas/").content.decode()
    assert "Imported: 2 new, 0 updated, 0 unchanged areas; 2 figures recorded." in message

    events = AuditEvent.objects.count()
    again = client.post(confirm_url)
    assert again.status_code == 302 and again["Location"] == "/areas/import/"
    assert AuditEvent.objects.count() == events
    assert "already imported" in client.get("/areas/import/").content.decode()
    assert client.get(preview_url).status_code == 302


def test_import_with_errors_lists_them_offers_the_report_and_cannot_be_confirmed(
    users, login, tree
):
    text = f"{HEADER}\n220403001009,新社区,,,111,,,,\n220403001008001,孤儿网格,,,,,,,\nabc,坏代码,,,,,,,"
    client = login(users["town_a"])
    preview_url = client.post("/areas/import/", {"file": upload(text)})["Location"]
    preview = client.get(preview_url).content.decode()
    assert 'data-testid="count-errors">2<' in preview
    assert '<th scope="row">3</th>' in preview and "Unknown parent" in preview
    assert '<th scope="row">4</th>' in preview and "Bad code abc" in preview
    assert "Confirm the import" not in preview

    report = client.get(preview_url + "errors.xlsx")
    assert report.status_code == 200
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "Unknown parent" in rows[3][1] and rows[3][3] == "孤儿网格"
    assert not rows[2][1]

    before = Area.objects.count()
    refused = client.post(preview_url + "confirm/")
    assert refused.status_code == 302 and refused["Location"] == preview_url
    assert Area.objects.count() == before


def test_error_report_survives_control_characters(users, login, tree):
    client = login(users["town_a"])
    text = f"{HEADER}\n2204\x0003001009,坏\x01社区,,,,,,,"
    preview_url = client.post("/areas/import/", {"file": upload(text)})["Location"]
    assert "Bad code" in client.get(preview_url).content.decode()
    report = client.get(preview_url + "errors.xlsx")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    assert sheet["D2"].value == "坏社区"


def test_import_rejects_unreadable_files_on_the_form(users, login, tree):
    client = login(users["town_a"])
    response = client.post("/areas/import/", {"file": upload("hello", "areas.txt")})
    assert response.status_code == 400
    assert "Upload a .xlsx or .csv file." in response.content.decode()
    missing = client.post("/areas/import/", {"file": upload("名称\n某社区\n")})
    assert "Missing required columns" in missing.content.decode()
    big = client.post(
        "/areas/import/", {"file": upload(HEADER + "\n" + "x" * (2 * 1024 * 1024 + 10))}
    )
    assert big.status_code == 400 and "larger than 2 MB" in big.content.decode()


def test_import_can_be_cancelled(users, login, tree):
    client = login(users["town_a"])
    preview_url = client.post("/areas/import/", {"file": upload(GOOD)})["Location"]
    client.post(preview_url + "cancel/")
    assert client.post(preview_url + "confirm/")["Location"] == "/areas/import/"
    assert not Area.objects.filter(code="220403001009").exists()


def test_another_users_upload_is_not_reachable(users, login, tree, client):
    login(users["town_a"])
    preview_url = client.post("/areas/import/", {"file": upload(GOOD)})["Location"]
    login(users["county"])  # a new session for another account
    assert client.post(preview_url + "confirm/")["Location"] == "/areas/import/"
    assert not Area.objects.filter(code="220403001009").exists()


def test_import_pages_need_area_manage(users, login):
    client = login(users["worker_a1"])
    assert client.get("/areas/import/").status_code == 403
    assert client.post("/areas/import/", {"file": upload(GOOD)}).status_code == 403


def test_template_download(users, login):
    response = login(users["town_a"]).get("/areas/import/template.xlsx")
    assert response.status_code == 200
    assert "linli-areas-template.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]][:2] == ["区划代码*", "名称*"]
