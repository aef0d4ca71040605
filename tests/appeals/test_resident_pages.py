"""The resident's appeal pages and the notifications page, through the Django test client.

A resident of A1 asks for help, is shown similar appeals first when there are any, follows the
appeal, says whether it is solved and rates it; bad input comes back beside the field with
nothing written; nobody else's appeal is reachable; notifications open only pages of this site.
"""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from linli.appeals import actions
from linli.appeals.models import Appeal, Event, Photo, Rating, Rectification, State
from linli.core.models import Notification

from ..conftest import make_user

pytestmark = pytest.mark.django_db

SUBMIT = "/appeals/new/"
MINE = "/appeals/mine/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def photo(name="p.png", size=(40, 30), colour=(200, 60, 60)) -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form_data(catalogue, tree, **overrides) -> dict:
    data = {
        "category": str(catalogue["noise"].pk),
        "area_code": tree["a1"].code,
        "description": "楼上每天深夜装修，电钻声音很大",
        "address": "仙城路1号1号楼",
        "contact_phone": "13900000001",
    }
    data.update(overrides)
    return data


def detail_url(appeal) -> str:
    return reverse("appeals:my_detail", args=[appeal.pk])


def resolved(submit, users, **kwargs) -> Appeal:
    """A1's resident's appeal, accepted and resolved by A1's community worker."""
    appeal = submit(**kwargs)
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    actions.appeal_resolve(
        actor=users["worker_a1"], appeal_id=appeal.pk, resolution="已上门劝导，装修时间已调整"
    )
    appeal.refresh_from_db()
    assert appeal.state == State.RESOLVED
    return appeal


# --- signing in ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SUBMIT, MINE, "/appeals/mine/1/", "/notifications/"])
def test_pages_send_visitors_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


# --- asking for help -------------------------------------------------------------------------


def test_the_form_offers_the_county_catalogue_and_prefills_home_and_phone(
    users, tree, catalogue, login
):
    client = english(login(users["resident_a1"]))
    response = client.get(SUBMIT)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{catalogue["noise"].pk}"' in html
    assert f'value="{catalogue["property.lift"].pk}"' in html
    # a kind with sub-kinds is a group; the kind itself stays choosable as "something else"
    assert 'optgroup label="Property and repairs"' in html
    assert "Property and repairs: something else" in html
    # the home community is chosen, the others of the county offered, grouped by town
    assert re.search(rf'<option value="{tree["a1"].code}" selected>', html)
    assert f'value="{tree["b1"].code}"' in html and 'optgroup label="东山街道"' in html
    assert 'value="13900000001"' in html
    assert "no-store" in response["Cache-Control"]  # the phone number is on it


def test_a_resident_submits_and_lands_on_the_appeal(users, tree, catalogue, login):
    client = login(users["resident_a1"])
    data = form_data(catalogue, tree, title="楼上深夜装修", anonymous="on", public="on")
    data["photos"] = [photo("a.png"), photo("b.png", colour=(10, 120, 10))]
    response = client.post(SUBMIT, data)
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(appeal)
    assert appeal.submitter == users["resident_a1"]
    assert appeal.channel == "online"
    assert appeal.area_code == tree["a1"].code
    assert appeal.title == "楼上深夜装修"
    assert appeal.anonymous and appeal.public
    assert appeal.contact_phone == "13900000001"
    assert Photo.objects.filter(appeal=appeal).count() == 2

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert appeal.number in html  # in the success message and the heading
    assert [str(m) for m in page.context["messages"]][0].count(appeal.number) == 1
    assert "楼上深夜装修" in html
    assert appeal.unit.name in html  # who handles it
    assert html.count(reverse("appeals:photo", args=[appeal.photos.first().pk])) >= 1


def test_questions_of_the_category_are_asked_and_answers_kept(users, tree, catalogue, login):
    client = login(users["resident_a1"])
    lift = catalogue["property.lift"]
    part = client.get(reverse("appeals:submit_questions"), {"category": lift.pk})
    assert part.status_code == 200
    assert 'name="attr_trapped"' in part.content.decode()

    response = client.post(
        SUBMIT,
        form_data(catalogue, tree, category=str(lift.pk), description="电梯停在三楼不动了"),
    )
    assert response.status_code == 400
    assert "attr_trapped" in response.context["form"].errors
    assert Appeal.objects.count() == 0

    response = client.post(
        SUBMIT,
        form_data(
            catalogue,
            tree,
            category=str(lift.pk),
            description="电梯停在三楼不动了",
            attr_trapped="no",
        ),
    )
    assert response.status_code == 302
    assert Appeal.objects.get().attributes == {"trapped": "no"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "太吵"),  # too short to act on
        ("contact_phone", "12345"),
        ("area_code", "220403002"),  # a town, not a community
        ("category", "999999"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_written(
    users, tree, catalogue, login, field, value
):
    client = login(users["resident_a1"])
    response = client.post(SUBMIT, form_data(catalogue, tree, **{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert Appeal.objects.count() == 0 and Event.objects.count() == 0


def test_a_file_that_is_no_photo_is_refused_with_nothing_written(users, tree, catalogue, login):
    client = login(users["resident_a1"])
    data = form_data(catalogue, tree)
    data["photos"] = [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")]
    response = client.post(SUBMIT, data)
    assert response.status_code == 400
    assert "photos" in response.context["form"].errors
    assert response.context["photos_dropped"] is True  # the page asks to choose them again
    assert Appeal.objects.count() == 0 and Photo.objects.count() == 0


def test_a_community_of_another_county_is_refused(users, tree, catalogue, login):
    from ..conftest import make_area

    make_area("220402001001", "外区社区", "111")
    client = login(users["resident_a1"])
    response = client.post(SUBMIT, form_data(catalogue, tree, area_code="220402001001"))
    assert response.status_code == 400
    assert "area_code" in response.context["form"].errors
    assert Appeal.objects.count() == 0


def test_an_account_without_a_community_is_told_how_to_get_one(users, catalogue, login):
    client = login(make_user("stranger"))
    response = client.get(SUBMIT)
    assert response.status_code == 200
    assert response.context["form"] is None and not response.context["no_catalogue"]
    assert 'data-testid="county-choice"' in response.content.decode()
    assert client.post(SUBMIT, {"category": "1"}).status_code == 200
    assert Appeal.objects.count() == 0


def test_a_county_without_a_catalogue_says_so(users, catalogue, login):
    from linli.core.roles import Role

    from ..conftest import make_area

    elsewhere = make_area("220402001001", "外区社区", "111")
    client = login(make_user("far_away", Role.RESIDENT, elsewhere))
    response = client.get(SUBMIT)
    assert response.context["form"] is None and response.context["no_catalogue"]


def test_staff_ask_for_themselves_in_the_county_of_their_role(users, tree, catalogue, login):
    client = login(users["worker_a1"])
    page = client.get(SUBMIT)
    assert page.status_code == 200 and page.context["form"] is not None
    assert page.context["form"]["area_code"].value() == ""  # no home: they choose
    response = client.post(SUBMIT, form_data(catalogue, tree, contact_phone=""))
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.submitter == users["worker_a1"] and appeal.channel == "online"


# --- similar appeals first ---------------------------------------------------------------------


def test_similar_appeals_are_shown_before_submitting_and_then_submit_anyway(
    users, tree, catalogue, login, submit
):
    earlier = submit(actor=users["resident_a2"], title="三号楼夜间装修", public=True)
    private = submit(actor=users["resident_a2"], title="邻居家的私事", public=False)
    client = english(login(users["resident_a1"]))
    data = form_data(catalogue, tree)
    data["photos"] = [photo()]
    response = client.post(SUBMIT, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["duplicates_step"] is True
    assert 'data-testid="similar"' in html and "Is it one of these?" in html
    assert "三号楼夜间装修" in html and earlier.number in html
    assert private.number in html and "邻居家的私事" not in html  # not public: no title
    assert 'data-testid="photos-dropped"' in html  # photos must be chosen again
    assert 'data-testid="submit-anyway"' in html
    assert Appeal.objects.count() == 2  # nothing written yet

    # the form comes back filled in, with the similar appeals marked as seen
    form = response.context["form"]
    assert form["description"].value() == data["description"]
    seen = re.findall(r'name="seen" value="(\d+)"', html)
    assert sorted(map(int, seen)) == sorted([earlier.pk, private.pk])

    again = form_data(catalogue, tree)
    again["seen"] = seen
    response = client.post(SUBMIT, again)
    assert response.status_code == 302
    assert Appeal.objects.filter(submitter=users["resident_a1"]).count() == 1


def test_an_error_keeps_the_similar_list_and_what_was_seen(users, tree, catalogue, login, submit):
    earlier = submit(actor=users["resident_a2"], title="三号楼夜间装修", public=True)
    client = login(users["resident_a1"])
    response = client.post(SUBMIT, form_data(catalogue, tree, description="吵"))
    html = response.content.decode()
    assert response.status_code == 400
    assert response.context["duplicates_step"] is False
    assert "description" in response.context["form"].errors
    assert "三号楼夜间装修" in html and f'name="seen" value="{earlier.pk}"' in html
    assert 'data-testid="submit-anyway"' not in html


def test_the_similar_list_is_fetched_while_filling_in(users, tree, catalogue, login, submit):
    earlier = submit(actor=users["resident_a2"], title="三号楼夜间装修", public=True)
    client = login(users["resident_a1"])
    url = reverse("appeals:submit_similar")
    response = client.get(url, {"category": catalogue["noise"].pk, "area_code": tree["a1"].code})
    assert response.status_code == 200
    assert "三号楼夜间装修" in response.content.decode()
    assert f'name="seen" value="{earlier.pk}"' in response.content.decode()
    # another kind, or another community: nothing similar
    other = client.get(url, {"category": catalogue["order"].pk, "area_code": tree["a1"].code})
    assert "三号楼夜间装修" not in other.content.decode()
    away = client.get(url, {"category": catalogue["noise"].pk, "area_code": tree["b1"].code})
    assert "三号楼夜间装修" not in away.content.decode()


def test_the_residents_own_earlier_appeal_is_shown_as_theirs(users, tree, catalogue, login, submit):
    mine = submit(title="我之前报过的噪音")
    client = login(users["resident_a1"])
    response = client.post(SUBMIT, form_data(catalogue, tree))
    html = response.content.decode()
    assert response.context["duplicates_step"] is True
    assert "我之前报过的噪音" in html and f'href="{detail_url(mine)}"' in html


# --- my appeals --------------------------------------------------------------------------------


def test_my_appeals_lists_mine_with_state_and_deadline(users, tree, catalogue, login, submit):
    first = submit(title="第一件事")
    second = resolved(submit, users, title="第二件事")
    submit(actor=users["resident_a2"], title="别人的事")
    client = english(login(users["resident_a1"]))
    response = client.get(MINE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "第一件事" in html and "第二件事" in html and "别人的事" not in html
    assert first.number in html and second.number in html
    assert "Reply due by" in html  # the first waits to be taken on
    assert "Waits for you: is it solved?" in html  # the second was resolved
    assert detail_url(first) in html and detail_url(second) in html


def test_my_appeals_are_paginated(users, tree, catalogue, login, submit):
    for n in range(12):
        submit(title=f"第{n}件事", category_id=catalogue["order"].pk, area_code=tree["a2"].code)
    client = login(users["resident_a1"])
    first = client.get(MINE)
    assert len(first.context["rows"]) == 10
    assert "page=2" in first.content.decode()
    second = client.get(MINE, {"page": 2})
    assert len(second.context["rows"]) == 2


def test_overdue_appeals_are_marked(users, tree, catalogue, login, submit):
    import datetime as dt

    from django.utils import timezone

    appeal = submit()
    Appeal.objects.filter(pk=appeal.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client = english(login(users["resident_a1"]))
    assert "Overdue" in client.get(MINE).content.decode()
    assert "Overdue" in client.get(detail_url(appeal)).content.decode()


# --- one appeal ----------------------------------------------------------------------------------


def test_the_detail_shows_the_public_timeline_only(users, tree, catalogue, login, submit):
    appeal = submit()
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    actions.appeal_progress(
        actor=users["worker_a1"],
        appeal_id=appeal.pk,
        message="明天上午上门查看",
        note="该住户曾多次投诉，内部备注",
    )
    client = english(login(users["resident_a1"]))
    html = client.get(detail_url(appeal)).content.decode()
    assert "明天上午上门查看" in html
    assert "内部备注" not in html
    assert "To be resolved by" in html
    appeal.refresh_from_db()
    assert appeal.accountable_unit.name in html


def test_another_resident_gets_404_everywhere(users, tree, catalogue, login, submit):
    appeal = resolved(submit, users, title="王阿姨家楼上噪音")
    client = login(users["resident_a2"])
    for url in (
        detail_url(appeal),
        reverse("appeals:confirm", args=[appeal.pk]),
        reverse("appeals:rate", args=[appeal.pk]),
        reverse("appeals:photos_add", args=[appeal.pk]),
    ):
        response = client.get(url) if url == detail_url(appeal) else client.post(url, {})
        assert response.status_code == 404, url
        assert "王阿姨家楼上噪音" not in response.content.decode()
    response = client.post(reverse("appeals:rate", args=[appeal.pk]), {"level": "5"})
    assert response.status_code == 404
    response = client.post(reverse("appeals:confirm", args=[appeal.pk]), {"solved": "yes"})
    assert response.status_code == 404
    appeal.refresh_from_db()
    assert appeal.state == State.RESOLVED and not Rating.objects.exists()


def test_staff_who_open_the_resident_page_go_to_the_workbench(users, login, submit):
    appeal = submit()
    response = login(users["worker_a1"]).get(detail_url(appeal))
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:detail", args=[appeal.pk])
    stranger = make_user("stranger")
    assert login(stranger).get(detail_url(appeal)).status_code == 404


def test_confirm_solved(users, login, submit):
    appeal = resolved(submit, users)
    client = login(users["resident_a1"])
    page = client.get(detail_url(appeal)).content.decode()
    assert 'data-testid="confirm"' in page and 'data-testid="rate"' in page
    assert "已上门劝导" in page  # what was done
    response = client.post(reverse("appeals:confirm", args=[appeal.pk]), {"solved": "yes"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == State.CONFIRMED
    page = client.get(detail_url(appeal)).content.decode()
    assert 'data-testid="confirm"' not in page and 'data-testid="rate"' in page


def test_not_solved_needs_a_reason_and_then_goes_back(users, login, submit):
    appeal = resolved(submit, users)
    client = login(users["resident_a1"])
    url = reverse("appeals:confirm", args=[appeal.pk])
    response = client.post(url, {"solved": "no", "comment": ""})
    assert response.status_code == 400
    assert "comment" in response.context["confirm_form"].errors
    assert 'id="confirm_comment_error"' in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == State.RESOLVED

    response = client.post(url, {"solved": "no", "comment": "晚上还是很吵"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == State.IN_PROGRESS and appeal.reopen_count == 1


def test_a_satisfied_rating_closes_it(users, login, submit):
    appeal = resolved(submit, users)
    client = english(login(users["resident_a1"]))
    response = client.post(
        reverse("appeals:rate", args=[appeal.pk]),
        {"level": "4", "efficiency": "5", "attitude": "4", "result": "4", "comment": ""},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == State.CLOSED
    rating = Rating.objects.get(appeal=appeal)
    assert (rating.level, rating.efficiency, rating.attitude, rating.result) == (4, 5, 4, 4)
    page = client.get(detail_url(appeal)).content.decode()
    assert 'data-testid="rate"' not in page
    assert "It is closed." in page


def test_a_bad_rating_needs_a_comment_and_then_goes_back_for_rectification(users, login, submit):
    appeal = resolved(submit, users)
    client = english(login(users["resident_a1"]))
    page = client.get(detail_url(appeal)).content.decode()
    assert "a supervisor will call you" in page
    url = reverse("appeals:rate", args=[appeal.pk])
    response = client.post(url, {"level": "1"})
    assert response.status_code == 400
    assert "comment" in response.context["rate_form"].errors
    assert not Rating.objects.exists()

    response = client.post(url, {"level": "1", "comment": "根本没人来过"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == State.IN_PROGRESS and appeal.callback_due
    assert Rectification.objects.filter(appeal=appeal).count() == 1
    followed = client.get(response["Location"])
    assert "supervisor will call you" in str(list(followed.context["messages"])[0])


def test_a_rating_without_a_level_is_refused(users, login, submit):
    appeal = resolved(submit, users)
    client = login(users["resident_a1"])
    response = client.post(reverse("appeals:rate", args=[appeal.pk]), {"comment": "好"})
    assert response.status_code == 400
    assert "level" in response.context["rate_form"].errors
    assert not Rating.objects.exists()


def test_photos_can_be_added_while_open_and_not_after(users, login, submit):
    appeal = submit()
    client = login(users["resident_a1"])
    url = reverse("appeals:photos_add", args=[appeal.pk])
    response = client.post(url, {"photos": [photo(), photo("c.png")]})
    assert response.status_code == 302
    assert Photo.objects.filter(appeal=appeal, by_staff=False).count() == 2

    response = client.post(url, {})
    assert response.status_code == 400
    assert "photos" in response.context["photo_form"].errors

    bad = SimpleUploadedFile("x.jpg", b"text", content_type="image/jpeg")
    response = client.post(url, {"photos": [bad]})
    assert response.status_code == 400 and "photos" in response.context["photo_form"].errors
    assert Photo.objects.filter(appeal=appeal).count() == 2

    Appeal.objects.filter(pk=appeal.pk).update(state=State.CLOSED)
    assert 'data-testid="photo-form"' not in client.get(detail_url(appeal)).content.decode()
    response = client.post(url, {"photos": [photo()]})
    assert response.status_code == 400
    assert Photo.objects.filter(appeal=appeal).count() == 2


# --- notifications -------------------------------------------------------------------------------


def test_notifications_list_opens_and_marks_read(users, login, submit):
    appeal = submit()
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    note = Notification.objects.get(user=users["resident_a1"])
    client = login(users["resident_a1"])
    home = client.get("/").content.decode()
    assert 'data-testid="unread-badge"' in home

    page = client.get(reverse("core:notifications"))
    assert page.status_code == 200
    assert note.text in page.content.decode()
    assert page.context["unread"] == 1

    response = client.post(reverse("core:notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == detail_url(appeal)
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-testid="unread-badge"' not in client.get("/").content.decode()


def test_mark_all_read(users, login):
    user = users["resident_a1"]
    for n in range(3):
        Notification.objects.create(user=user, kind="test", text=f"消息{n}", url="/")
    other = Notification.objects.create(user=users["resident_a2"], kind="test", text="别人的")
    client = login(user)
    response = client.post(reverse("core:notifications_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_a_notification_never_sends_anyone_off_the_site(users, login, url):
    note = Notification.objects.create(user=users["resident_a1"], kind="test", text="看", url=url)
    response = login(users["resident_a1"]).post(reverse("core:notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:notifications")
    note.refresh_from_db()
    assert note.read_at is not None


def test_nobody_opens_anothers_notification(users, login):
    note = Notification.objects.create(
        user=users["resident_a2"], kind="test", text="别人的", url="/"
    )
    client = login(users["resident_a1"])
    assert client.post(reverse("core:notification_open", args=[note.pk])).status_code == 404
    assert "别人的" not in client.get(reverse("core:notifications")).content.decode()
    note.refresh_from_db()
    assert note.read_at is None


def test_staff_see_their_notifications_too(users, login, submit):
    submit()  # dispatched to A1's community unit: its workers are told
    worker = users["worker_a1"]
    note = Notification.objects.get(user=worker)
    response = login(worker).get(reverse("core:notifications"))
    assert note.text in response.content.decode()
