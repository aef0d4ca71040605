"""The staff workbench of appeals: the inbox, one appeal's page and its steps, intake, photos.

Fixtures (tests/appeals/conftest.py): ``submit`` has resident_a1 report noise in A1, which
routing sends straight to A1's community unit (dispatched); ``dept_category`` is handled by a
department office that a dispatcher must choose, so its appeals wait for dispatch; ``office``
is 区住建局 with ``dept`` as member.
"""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from linli.appeals import actions, queries
from linli.appeals.models import Appeal, Callback, Event, Photo, State, Supervision, Unit
from linli.core.middleware import ELDERLY_COOKIE
from linli.core.models import AuditEvent
from linli.core.roles import Role
from tests.conftest import make_user
from tests.registry.conftest import homes  # noqa: F401  (registry people, as a fixture)

PHONE = "13900000001"  # resident_a1's mobile, used as the contact of their appeals


@pytest.fixture(autouse=True)
def _english(client):
    """Pages and messages in English, whatever the site's default language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def text(response) -> str:
    return response.content.decode()


def detail_url(appeal) -> str:
    return reverse("appeals:detail", args=[appeal.pk])


def act_url(appeal, verb: str) -> str:
    return reverse(f"appeals:appeal_{verb}", args=[appeal.pk])


def fresh(appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


def row_ids(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-testid="appeal-row-(\d+)"', text(response))}


def bucket_counts(response) -> dict[str, int]:
    found = re.findall(r'data-testid="count-([a-z_]+)">(\d+)<', text(response))
    return {key: int(value) for key, value in found}


def photo_file(name: str = "photo.png") -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def dispatched(submit):
    """resident_a1's noise appeal, with A1's community unit, not yet accepted."""
    appeal = submit()
    assert appeal.state == State.DISPATCHED
    return appeal


@pytest.fixture
def waiting(submit, dept_category):
    """An appeal in A1 that waits for a dispatcher."""
    appeal = submit(category_id=dept_category.pk, description="工地夜间施工扬尘很大，影响休息")
    assert appeal.state == State.SUBMITTED
    return appeal


@pytest.fixture
def accepted(dispatched, users):
    return actions.appeal_accept(actor=users["worker_a1"], appeal_id=dispatched.pk)


# --- who may open the workbench --------------------------------------------------------------


def test_the_inbox_needs_a_staff_login(client, login, users, dispatched):
    response = client.get(reverse("appeals:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert login(users["resident_a1"]).get(reverse("appeals:inbox")).status_code == 403
    assert client.get(detail_url(dispatched)).status_code == 403
    assert client.get(reverse("appeals:intake")).status_code == 403


def test_a_neighbouring_worker_sees_nothing_of_a1(login, users, dispatched):
    client = login(users["worker_a2"])
    response = client.get(reverse("appeals:inbox") + "?tab=all")
    assert response.status_code == 200
    assert dispatched.pk not in row_ids(response)
    assert client.get(detail_url(dispatched)).status_code == 404
    assert client.post(act_url(dispatched, "accept")).status_code == 404
    assert client.post(reverse("appeals:appeal_reveal", args=[dispatched.pk])).status_code == 404
    assert fresh(dispatched).state == State.DISPATCHED


# --- the inbox -------------------------------------------------------------------------------


def test_buckets_count_and_list_what_waits(login, users, dispatched, waiting):
    client = login(users["town_a"])
    response = client.get(reverse("appeals:inbox"))
    assert response.status_code == 200
    counts = bucket_counts(response)
    assert counts["to_dispatch"] == 1 and counts["to_accept"] == 1 and counts["in_hand"] == 0
    assert row_ids(response) == {dispatched.pk, waiting.pk}  # "all open" by default

    assert row_ids(client.get(reverse("appeals:inbox") + "?tab=to_dispatch")) == {waiting.pk}
    assert row_ids(client.get(reverse("appeals:inbox") + "?tab=to_accept")) == {dispatched.pk}
    assert row_ids(client.get(reverse("appeals:inbox") + "?tab=in_hand")) == set()

    actions.appeal_accept(actor=users["worker_a1"], appeal_id=dispatched.pk)
    response = client.get(reverse("appeals:inbox") + "?tab=in_hand")
    assert row_ids(response) == {dispatched.pk}
    assert bucket_counts(response)["in_hand"] == 1


def test_rows_show_number_category_area_unit_state_and_clock(login, users, dispatched):
    page = text(login(users["worker_a1"]).get(reverse("appeals:inbox")))
    row = re.search(
        rf'data-testid="appeal-row-{dispatched.pk}".*?</tr>', page, flags=re.DOTALL
    ).group(0)
    assert dispatched.number in row
    assert "Noise" in row  # the built-in category, in the reader's language
    assert "仙城社区" in row  # the area and its unit
    assert "Dispatched" in row
    assert 'data-testid="clock"' in row and " left" in row


def test_overdue_appeals_are_highlighted_and_counted(login, users, dispatched):
    Appeal.objects.filter(pk=dispatched.pk).update(
        due_at=dispatched.submitted_at.replace(year=2020), escalation_level=1
    )
    response = login(users["worker_a1"]).get(reverse("appeals:inbox") + "?tab=overdue")
    page = text(response)
    assert row_ids(response) == {dispatched.pk}
    assert bucket_counts(response)["overdue"] == 1 and bucket_counts(response)["escalated"] == 1
    assert 'class="is-overdue"' in page and "overdue by" in page
    assert 'data-testid="escalated"' in page


def test_filters_narrow_the_list(login, users, submit, catalogue, tree, dispatched):
    lift = submit(
        category_id=catalogue["property.lift"].pk,
        description="3号楼电梯停在五楼不动了",
        title="电梯故障",
        attributes={"trapped": "no"},
    )
    client = login(users["town_a"])
    inbox = reverse("appeals:inbox")
    assert row_ids(client.get(inbox, {"q": lift.number})) == {lift.pk}
    assert row_ids(client.get(inbox, {"q": str(dispatched.pk)})) == {dispatched.pk}
    assert row_ids(client.get(inbox, {"q": "电梯"})) == {lift.pk}
    # A parent category covers its children.
    assert row_ids(client.get(inbox, {"category": catalogue["property"].pk})) == {lift.pk}
    assert row_ids(client.get(inbox, {"channel": "online"})) == {lift.pk, dispatched.pk}
    assert row_ids(client.get(inbox, {"channel": "phone"})) == set()
    assert row_ids(client.get(inbox, {"area": tree["a1"].code})) == {lift.pk, dispatched.pk}
    assert row_ids(client.get(inbox, {"area": tree["a2"].code})) == set()
    assert row_ids(client.get(inbox, {"unit": dispatched.unit_id})) == {lift.pk, dispatched.pk}
    assert row_ids(client.get(inbox, {"state": "resolved"})) == set()
    # "My unit only": the town officer does not act for A1's community unit.
    assert row_ids(client.get(inbox, {"mine": "1"})) == set()
    assert row_ids(login(users["worker_a1"]).get(inbox, {"mine": "1"})) == {lift.pk, dispatched.pk}
    bad = client.get(inbox, {"area": "仙城"})
    assert bad.status_code == 400 and "An area is given by its code." in text(bad)


def test_htmx_refreshes_only_the_list(login, users, dispatched):
    response = login(users["worker_a1"]).get(
        reverse("appeals:inbox"), {"q": "装修"}, HTTP_HX_REQUEST="true"
    )
    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page and 'data-testid="appeal-table"' in page
    assert row_ids(response) == {dispatched.pk}
    # The tabs come along (out of band), so that they keep the new filters.
    assert 'id="inbox-tabs"' in page and 'hx-swap-oob="true"' in page
    assert "?q=%E8%A3%85%E4%BF%AE&amp;tab=to_accept" in page


def test_the_inbox_reads_a_fixed_number_of_queries(
    login, users, submit, catalogue, django_assert_num_queries
):
    for n in range(3):
        submit(description=f"楼上装修噪音第{n}天，一直不停")
    client = login(users["town_a"])
    url = reverse("appeals:inbox") + "?tab=all"
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(12):
        submit(
            category_id=catalogue["property.leak"].pk if n % 2 else catalogue["noise"].pk,
            description=f"第{n}户楼顶漏水，墙面发霉",
        )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(row_ids(response)) == 15


def test_elderly_mode_shows_fewer_rows(login, users, submit):
    for n in range(22):
        submit(description=f"楼上装修噪音第{n}天，一直不停")
    client = login(users["worker_a1"])
    assert len(row_ids(client.get(reverse("appeals:inbox")))) == 22
    client.cookies[ELDERLY_COOKIE] = "1"
    response = client.get(reverse("appeals:inbox"))
    assert len(row_ids(response)) == 20
    assert "?page=2" in text(response)


def test_department_members_see_their_units_appeals(login, users, office, waiting):
    client = login(users["dept"])
    assert row_ids(client.get(reverse("appeals:inbox"))) == set()
    actions.appeal_dispatch(actor=users["town_a"], appeal_id=waiting.pk, unit_id=office.pk)
    response = client.get(reverse("appeals:inbox") + "?tab=to_accept")
    assert row_ids(response) == {waiting.pk}
    response = client.post(act_url(waiting, "accept"), follow=True)
    assert response.status_code == 200
    appeal = fresh(waiting)
    assert appeal.state == State.ACCEPTED and appeal.accepted_by_id == users["dept"].pk


# --- bulk dispatch ---------------------------------------------------------------------------


def test_bulk_dispatch_is_for_dispatchers(login, users, waiting, office):
    page = text(login(users["worker_a1"]).get(reverse("appeals:inbox") + "?tab=to_dispatch"))
    assert 'data-testid="bulk-form"' not in page
    response = login(users["worker_a1"]).post(
        reverse("appeals:bulk_dispatch"), {"appeals": [waiting.pk], "unit": office.pk}
    )
    assert response.status_code == 403
    assert fresh(waiting).state == State.SUBMITTED


def test_bulk_dispatch_is_all_or_nothing(login, users, submit, dept_category, office, tree):
    first = submit(category_id=dept_category.pk, description="工地夜间施工扬尘很大一")
    second = submit(category_id=dept_category.pk, description="工地夜间施工扬尘很大二")
    elsewhere = submit(
        actor=make_user("resident_b1", Role.RESIDENT, tree["b1"]),
        category_id=dept_category.pk,
        area_code=tree["b1"].code,
        description="东山工地扬尘很大",
    )
    client = login(users["town_a"])
    page = text(client.get(reverse("appeals:inbox") + "?tab=to_dispatch"))
    assert 'data-testid="bulk-form"' in page and f'value="{office.pk}"' in page
    # One of them is outside town A: nothing is dispatched, and the page says so.
    response = client.post(
        reverse("appeals:bulk_dispatch"),
        {
            "appeals": [first.pk, second.pk, elsewhere.pk],
            "unit": office.pk,
            "back": "tab=to_dispatch",
        },
    )
    assert response.status_code == 404
    assert "no such appeal" in text(response).lower()
    assert {fresh(a).state for a in (first, second, elsewhere)} == {State.SUBMITTED}
    response = client.post(
        reverse("appeals:bulk_dispatch"),
        {"appeals": [first.pk, second.pk], "unit": office.pk, "back": "tab=to_dispatch"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?tab=to_dispatch")
    for appeal in (first, second):
        appeal = fresh(appeal)
        assert appeal.state == State.DISPATCHED and appeal.unit_id == office.pk
    followed = client.get(response["Location"])
    assert "2 appeals were dispatched to 区住建局." in text(followed)
    nothing = client.post(reverse("appeals:bulk_dispatch"), {"unit": office.pk})
    assert nothing.status_code == 400 and "Choose at least one appeal." in text(nothing)


# --- one appeal ------------------------------------------------------------------------------


def test_staff_see_internal_notes_and_a_masked_phone(login, users, dispatched):
    actions.appeal_progress(
        actor=users["worker_a1"], appeal_id=dispatched.pk, note="住户白天不在家，晚上再去"
    )
    response = login(users["worker_a1"]).get(detail_url(dispatched))
    page = text(response)
    assert response.status_code == 200
    assert "楼上每天深夜装修，电钻声音很大" in page
    assert "住户白天不在家，晚上再去" in page
    assert re.search(r'class="internal" data-testid="event-note"', page)
    assert 'data-testid="internal-note"' in page
    assert "139****0001" in page and PHONE not in page
    assert 'data-testid="reveal-button"' in page
    assert "王秀兰" in page  # the unit acting on it sees the contact's name


def test_the_contact_name_is_masked_for_those_who_cannot_act_or_reveal(
    login, users, office, waiting, tree
):
    """区住建局 accepted the appeal (and so answers for it), then passed it to A1: its member
    still sees the appeal, but neither acts on it now nor may reveal personal data."""
    actions.appeal_dispatch(actor=users["town_a"], appeal_id=waiting.pk, unit_id=office.pk)
    actions.appeal_accept(actor=users["dept"], appeal_id=waiting.pk)
    community = queries.unit_for_area(tree["a1"].code, Unit.Kind.COMMUNITY)
    actions.appeal_transfer(
        actor=users["dept"], appeal_id=waiting.pk, unit_id=community.pk, reason="属社区协调"
    )
    page = text(login(users["dept"]).get(detail_url(waiting)))
    assert "王秀兰" not in page and "王**" in page
    assert 'data-testid="reveal-button"' not in page and "139****0001" in page
    assert PHONE not in page
    # A town officer acts for A1's unit and sees the name, but reveals no numbers.
    page = text(login(users["town_a"]).get(detail_url(waiting)))
    assert "王秀兰" in page and 'data-testid="reveal-button"' not in page


def test_showing_the_phone_in_full_is_audited(login, users, dispatched):
    client = login(users["worker_a1"])
    url = reverse("appeals:appeal_reveal", args=[dispatched.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200
    assert f'href="tel:{PHONE}"' in text(response)
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.target_id == str(dispatched.pk)
    assert event.extra == {"field": "contact_phone", "as_unit": True}
    assert event.actor_id == users["worker_a1"].pk
    assert PHONE not in str(event.extra)
    # A town officer oversees the unit but is not its staff, and may not reveal numbers.
    assert login(users["town_a"]).post(url).status_code == 403
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 1


def test_staff_of_the_area_without_registry_rights_see_no_resident_link(login, users, dispatched):
    page = text(login(users["worker_a1"]).get(detail_url(dispatched)))
    assert 'data-testid="resident-link"' not in page


def test_only_the_legal_and_allowed_steps_are_offered(login, users, dispatched, waiting):
    def offered(user, appeal) -> set[str]:
        page = text(login(user).get(detail_url(appeal)))
        return set(re.findall(r'data-testid="action-([a-z]+)"', page))

    assert offered(users["worker_a1"], dispatched) == {"accept", "return", "transfer", "progress"}
    assert offered(users["town_a"], dispatched) == {
        "accept",
        "return",
        "transfer",
        "progress",
        "merge",
        "supervise",
    }
    assert offered(users["county"], dispatched) == {"transfer", "progress", "merge", "supervise"}
    assert offered(users["worker_a1"], waiting) == {"progress"}
    assert offered(users["town_a"], waiting) == {
        "dispatch",
        "progress",
        "merge",
        "reject",
        "supervise",
    }


def test_accept_and_resolve_with_a_template(login, users, dispatched):
    client = login(users["worker_a1"])
    page = text(client.get(detail_url(dispatched)))
    assert 'data-testid="template-accept-message"' in page  # the county's answers on offer
    response = client.post(act_url(dispatched, "accept"), {"message": ""})
    assert response.status_code == 302 and response["Location"] == detail_url(dispatched)
    appeal = fresh(dispatched)
    assert appeal.state == State.ACCEPTED and appeal.accepted_by_id == users["worker_a1"].pk
    page = text(client.get(detail_url(dispatched)))
    assert f"You accepted appeal {appeal.number}" in page
    assert 'data-testid="template-resolve-resolution"' in page
    assert "The fault has been repaired and checked." in page or "故障已修复" in page

    empty = client.post(act_url(dispatched, "resolve"), {"resolution": "  "})
    assert empty.status_code == 400
    assert 'data-testid="error-resolve"' in text(empty)
    assert fresh(dispatched).state == State.ACCEPTED

    response = client.post(
        act_url(dispatched, "resolve"), {"resolution": "已上门劝说，装修改在白天"}
    )
    assert response.status_code == 302
    appeal = fresh(dispatched)
    assert appeal.state == State.RESOLVED and appeal.resolution == "已上门劝说，装修改在白天"


def test_someone_else_accepting_first_is_shown_clearly(login, users, dispatched):
    actions.appeal_accept(actor=users["head_a1"], appeal_id=dispatched.pk)
    response = login(users["worker_a1"]).post(act_url(dispatched, "accept"))
    assert response.status_code == 409
    page = text(response)
    assert 'data-testid="action-error"' in page
    assert "already been accepted" in page
    assert fresh(dispatched).accepted_by_id == users["head_a1"].pk


def test_a_refused_actor_gets_403_and_nothing_changes(login, users, dispatched, counts):
    before = counts()
    response = login(users["county"]).post(act_url(dispatched, "accept"))
    assert response.status_code == 403
    assert "Only the unit handling this appeal can do this." in text(response)
    assert counts() == before
    assert (
        login(users["worker_a1"])
        .post(act_url(dispatched, "supervise"), {"note": "请尽快办理"})
        .status_code
        == 403
    )
    assert counts() == before


def test_progress_message_note_and_photo(login, users, accepted, media):
    client = login(users["worker_a1"])
    response = client.post(
        act_url(accepted, "progress"),
        {"message": "已联系施工方", "note": "施工方负责人电话已记下", "photos": [photo_file()]},
    )
    assert response.status_code == 302
    event = Event.objects.filter(appeal=accepted, kind=Event.Kind.PROGRESS).get()
    assert (
        event.public and event.message == "已联系施工方" and event.note == "施工方负责人电话已记下"
    )
    photo = Photo.objects.get(appeal=accepted)
    assert photo.by_staff
    page = text(client.get(detail_url(accepted)))
    assert reverse("appeals:photo", args=[photo.pk]) in page
    nothing = client.post(act_url(accepted, "progress"), {"message": "", "note": ""})
    assert nothing.status_code == 400 and "Write a message or a note" in text(nothing)


def test_return_with_a_reason(login, users, dispatched):
    client = login(users["worker_a1"])
    response = client.post(act_url(dispatched, "return"), {"reason": ""})
    assert response.status_code == 400 and fresh(dispatched).state == State.DISPATCHED
    response = client.post(act_url(dispatched, "return"), {"reason": "属于住建局职责"})
    assert response.status_code == 302
    appeal = fresh(dispatched)
    assert appeal.state == State.SUBMITTED and appeal.unit_id is None
    assert Event.objects.get(appeal=appeal, kind=Event.Kind.RETURNED).note == "属于住建局职责"


def test_transfer_to_an_office_and_the_member_loses_nothing(login, users, accepted, office):
    client = login(users["worker_a1"])
    page = text(client.get(detail_url(accepted)))
    assert f'<option value="{office.pk}">区住建局</option>' in page
    response = client.post(
        act_url(accepted, "transfer"), {"unit": office.pk, "reason": "涉及违规施工，请住建局处理"}
    )
    assert response.status_code == 302 and response["Location"] == detail_url(accepted)
    appeal = fresh(accepted)
    assert appeal.state == State.DISPATCHED and appeal.unit_id == office.pk
    # The office returns it: it no longer sees it, and lands back on its inbox.
    response = login(users["dept"]).post(act_url(accepted, "return"), {"reason": "不属于本局"})
    assert response.status_code == 302 and response["Location"] == reverse("appeals:inbox")


def test_illegal_steps_are_refused_with_a_message(login, users, dispatched):
    client = login(users["town_a"])
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=dispatched.pk)
    response = client.post(act_url(dispatched, "reject"), {"reason": "不属于受理范围"})
    assert response.status_code == 409
    assert 'data-testid="action-error"' in text(response)
    assert fresh(dispatched).state == State.ACCEPTED
    response = client.post(act_url(dispatched, "close"), {"note": ""})
    assert response.status_code == 409
    assert "cannot be" in text(response)
    assert fresh(dispatched).state == State.ACCEPTED


def test_dispatch_a_waiting_appeal(login, users, waiting, office):
    client = login(users["town_a"])
    page = text(client.get(detail_url(waiting)))
    assert f'<option value="{office.pk}">区住建局</option>' in page
    response = client.post(act_url(waiting, "dispatch"), {"unit": "", "note": ""})
    assert response.status_code == 400
    response = client.post(act_url(waiting, "dispatch"), {"unit": office.pk, "note": "请核查"})
    assert response.status_code == 302
    appeal = fresh(waiting)
    assert appeal.state == State.DISPATCHED and appeal.unit_id == office.pk


def test_merge_a_duplicate_by_number_or_from_the_list(login, users, submit):
    main = submit()
    repeat = submit(description="楼上装修电钻声很吵，晚上也不停")
    client = login(users["town_a"])
    page = text(client.get(detail_url(repeat)))
    assert 'data-testid="duplicates"' in page and f'data-testid="merge-into-{main.pk}"' in page
    bad = client.post(act_url(repeat, "merge"), {"into": "not a number"})
    assert bad.status_code == 400 and fresh(repeat).state == State.DISPATCHED
    itself = client.post(act_url(repeat, "merge"), {"into": repeat.number})
    assert itself.status_code == 400 and "cannot repeat itself" in text(itself)
    response = client.post(act_url(repeat, "merge"), {"into": main.number, "reason": "同一施工"})
    assert response.status_code == 302
    appeal = fresh(repeat)
    assert appeal.state == State.MERGED and appeal.merged_into_id == main.pk
    assert (
        login(users["worker_a1"]).post(act_url(main, "merge"), {"into": repeat.pk}).status_code
        == 403
    )


def test_reject_with_a_public_reason(login, users, waiting):
    assert (
        login(users["worker_a1"])
        .post(act_url(waiting, "reject"), {"reason": "请拨打110"})
        .status_code
        == 403
    )
    response = login(users["town_a"]).post(act_url(waiting, "reject"), {"reason": "请拨打110"})
    assert response.status_code == 302
    appeal = fresh(waiting)
    assert appeal.state == State.REJECTED
    assert Event.objects.get(appeal=appeal, kind=Event.Kind.REJECTED).message == "请拨打110"


def test_supervise_raises_the_level(login, users, dispatched):
    client = login(users["town_a"])
    response = client.post(act_url(dispatched, "supervise"), {"note": "今天内必须联系居民"})
    assert response.status_code == 302
    assert fresh(dispatched).escalation_level == 1
    supervision = Supervision.objects.get(appeal=dispatched)
    assert supervision.note == "今天内必须联系居民" and supervision.by_id == users["town_a"].pk
    page = text(client.get(detail_url(dispatched)))
    assert 'data-testid="supervisions"' in page and "今天内必须联系居民" in page


def test_rating_on_behalf_then_a_callback(login, users, accepted):
    actions.appeal_resolve(actor=users["worker_a1"], appeal_id=accepted.pk, resolution="已劝说")
    client = login(users["town_a"])
    page = text(client.get(detail_url(accepted)))
    assert 'data-testid="action-rate"' in page
    bad = client.post(act_url(accepted, "rate"), {"level": "1", "comment": ""})
    assert bad.status_code == 400 and fresh(accepted).rating is None
    response = client.post(act_url(accepted, "rate"), {"level": "1", "comment": "晚上还是很吵"})
    assert response.status_code == 302
    appeal = fresh(accepted)
    assert appeal.rating == 1 and appeal.state == State.IN_PROGRESS and appeal.callback_due
    page = text(client.get(detail_url(accepted)))
    assert 'data-testid="ratings"' in page and "晚上还是很吵" in page
    assert "recorded by town_a" in page

    assert (
        login(users["worker_a1"])
        .post(act_url(accepted, "callback"), {"outcome": "satisfied", "note": "已回访"})
        .status_code
        == 403
    )
    client = login(users["town_a"])
    response = client.post(act_url(accepted, "callback"), {"outcome": "", "note": "已回访"})
    assert response.status_code == 400
    response = client.post(
        act_url(accepted, "callback"), {"outcome": "satisfied", "note": "居民表示已改善"}
    )
    assert response.status_code == 302
    assert not fresh(accepted).callback_due
    assert Callback.objects.get(appeal=accepted).outcome == Callback.Outcome.SATISFIED


def test_close_a_confirmed_appeal(login, users, accepted):
    actions.appeal_resolve(actor=users["worker_a1"], appeal_id=accepted.pk, resolution="已劝说")
    actions.appeal_confirm(actor=users["resident_a1"], appeal_id=accepted.pk, solved=True)
    client = login(users["town_a"])
    assert 'data-testid="action-close"' in text(client.get(detail_url(accepted)))
    response = client.post(act_url(accepted, "close"), {"note": ""})
    assert response.status_code == 302 and fresh(accepted).state == State.CLOSED


def test_unknown_steps_are_not_found(login, users, dispatched):
    client = login(users["worker_a1"])
    assert client.post(f"/appeals/{dispatched.pk}/explode/").status_code == 404
    assert client.get(act_url(dispatched, "accept")).status_code == 405


# --- photos ----------------------------------------------------------------------------------


def test_photos_are_served_only_to_those_who_see_the_appeal(client, login, users, submit, media):
    appeal = submit(photos=[photo_file()])
    photo = Photo.objects.get(appeal=appeal)
    url = reverse("appeals:photo", args=[photo.pk])
    for name in ("worker_a1", "resident_a1", "town_a"):
        response = login(users[name]).get(url)
        assert response.status_code == 200, name
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, max-age=3600"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    for name in ("worker_a2", "resident_a2", "town_b"):
        assert login(users[name]).get(url).status_code == 404, name
    assert (
        login(users["worker_a1"]).get(reverse("appeals:photo", args=[photo.pk + 1000])).status_code
        == 404
    )


# --- intake ----------------------------------------------------------------------------------


def intake_data(tree, catalogue, **overrides) -> dict:
    data = {
        "channel": "window",
        "area_code": tree["a1"].code,
        "category": catalogue["environment.rubbish"].pk,
        "description": "小区东门垃圾桶三天没有清运",
        "contact_name": "刘大爷",
        "contact_phone": "13811112222",
    }
    data.update(overrides)
    return data


def test_a_worker_takes_an_appeal_in_at_the_window(login, users, tree, catalogue):
    client = login(users["worker_a1"])
    page = text(client.get(reverse("appeals:intake")))
    assert 'name="channel" value="care_visit"' in page
    assert f'<option value="{tree["grid_a1"].code}">' in page
    response = client.post(reverse("appeals:intake"), intake_data(tree, catalogue))
    assert response.status_code == 302
    appeal = Appeal.objects.get(category=catalogue["environment.rubbish"])
    assert response["Location"] == detail_url(appeal)
    assert appeal.channel == "window" and appeal.entered_by_id == users["worker_a1"].pk
    assert appeal.contact_phone == "13811112222" and appeal.contact_name == "刘大爷"
    page = text(client.get(response["Location"]))
    assert f"Appeal {appeal.number} is taken in." in page
    assert "138****2222" in page


def test_intake_shows_likely_duplicates_before_saving(login, users, tree, catalogue, submit):
    earlier = submit(
        category_id=catalogue["environment.rubbish"].pk, description="东门垃圾没人清运"
    )
    client = login(users["worker_a1"])
    data = intake_data(tree, catalogue, channel="phone")
    response = client.post(reverse("appeals:intake"), data)
    page = text(response)
    assert response.status_code == 200
    assert 'data-testid="duplicates"' in page and earlier.number in page
    assert Appeal.objects.count() == 1
    assert 'value="小区东门垃圾桶三天没有清运"' in page or "小区东门垃圾桶三天没有清运" in page
    response = client.post(reverse("appeals:intake"), {**data, "duplicates_seen": "1"})
    assert response.status_code == 302
    assert Appeal.objects.filter(channel="phone").count() == 1


def test_the_live_duplicate_check(login, users, tree, catalogue, submit):
    earlier = submit(
        category_id=catalogue["environment.rubbish"].pk, description="东门垃圾没人清运"
    )
    client = login(users["worker_a1"])
    url = reverse("appeals:intake_duplicates")
    found = client.get(
        url, {"area_code": tree["a1"].code, "category": catalogue["environment.rubbish"].pk}
    )
    assert earlier.number in text(found) and 'name="duplicates_seen"' in text(found)
    none = client.get(url, {"area_code": tree["a1"].code, "category": catalogue["noise"].pk})
    assert earlier.number not in text(none)
    assert client.get(url, {"area_code": "x", "category": "y"}).status_code == 200
    # Not in another community's area.
    other = login(users["worker_a2"]).get(
        url, {"area_code": tree["a1"].code, "category": catalogue["environment.rubbish"].pk}
    )
    assert other.status_code == 200 and earlier.number not in text(other)


def test_intake_errors_are_shown_beside_the_fields(login, users, tree, catalogue):
    client = login(users["worker_a1"])
    response = client.post(
        reverse("appeals:intake"),
        intake_data(tree, catalogue, description="太短", contact_phone="12345"),
    )
    assert response.status_code == 400
    page = text(response)
    assert "at least 5 characters" in page or "Enter an 11-digit mobile number" in page
    lift = catalogue["property.lift"]
    response = client.post(
        reverse("appeals:intake"),
        intake_data(tree, catalogue, category=lift.pk, description="3号楼电梯停在五楼不动了"),
    )
    assert response.status_code == 400 and "Please answer this question." in text(response)
    response = client.post(
        reverse("appeals:intake"),
        {
            **intake_data(tree, catalogue, category=lift.pk, description="3号楼电梯停在五楼不动了"),
            f"attr-{lift.pk}-trapped": "yes",
        },
    )
    assert response.status_code == 302
    assert Appeal.objects.get(category=lift).attributes == {"trapped": "yes"}
    assert Appeal.objects.count() == 1


def test_intake_outside_ones_areas_is_refused(login, users, tree, catalogue):
    client = login(users["worker_a1"])
    response = client.post(
        reverse("appeals:intake"), intake_data(tree, catalogue, area_code=tree["a2"].code)
    )
    assert response.status_code == 400
    assert not Appeal.objects.exists()
    assert login(users["dept"]).get(reverse("appeals:intake")).status_code == 403


def test_intake_links_a_registry_resident(login, users, tree, catalogue, homes):  # noqa: F811
    li = homes["people"]["li"]
    client = login(users["worker_a1"])
    found = client.post(
        reverse("appeals:intake"), {"step": "find", "rq": "ls"}, HTTP_HX_REQUEST="true"
    )
    page = text(found)
    assert "<html" not in page and "李四" in page and f'value="{li.pk}"' in page
    assert li.phone not in page and "136****5432" in page
    # A full phone number is searched by POST and never put in an address.
    by_number = client.post(reverse("appeals:intake"), {"step": "find", "rq": li.phone})
    assert by_number.status_code == 200 and "李四" in text(by_number)
    assert by_number["Cache-Control"] == "no-store"
    response = client.post(
        reverse("appeals:intake"),
        intake_data(tree, catalogue, contact_name="", contact_phone="", resident_id=li.pk),
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.resident_id == li.pk and appeal.contact_name == "李四"
    page = text(client.get(detail_url(appeal)))
    assert f'href="{reverse("registry:resident_detail", args=[li.pk])}"' in page


def test_a_resident_sees_their_appeal_but_not_the_workbench(login, users, dispatched):
    client = login(users["resident_a1"])
    assert client.get(detail_url(dispatched)).status_code == 403
    assert client.post(act_url(dispatched, "accept")).status_code == 403
    assert fresh(dispatched).state == State.DISPATCHED
