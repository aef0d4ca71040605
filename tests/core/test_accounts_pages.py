"""Account pages: registration without JavaScript, the profile, the security admin's pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core import sms
from linli.core.middleware import ELDERLY_COOKIE
from linli.core.models import OneTimeCode, RoleAssignment, User
from linli.core.roles import Role
from tests.conftest import PASSWORD, make_area, make_user

A1 = "220403001001"
A2 = "220403001002"
TOWN_A = "220403001000"
COUNTY = "220403000000"
NEW_PASSWORD = "Quiet-River-2026"
REGISTER = reverse("core:register")


@pytest.fixture
def client():
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user, backend="linli.core.auth.PhoneOrUsernameBackend")
        return client

    return _login


def text(response) -> str:
    return response.content.decode()


def field_errors(response, field: str) -> str:
    """The text of the error list rendered next to ``field``."""
    found = re.search(
        rf'<ul class="errorlist" id="(?:id_)?{field}_error">(.*?)</ul>', text(response), re.S
    )
    return found.group(1) if found else ""


def select_options(response, name: str) -> list[str]:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', text(response), re.S)
    if not found:
        found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', text(response), re.S)
    assert found, f"no select {name}"
    return re.findall(r'<option value="([^"]+)"', found.group(1))


# --- registration -----------------------------------------------------------------------------------


def send_code(client, django_capture_on_commit_callbacks, phone="137 1234 5678"):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER, {"step": "send", "phone": phone})
    return response


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[-1][1]).group(1)


def test_registration_journey_without_javascript(client, tree, django_capture_on_commit_callbacks):
    page = client.get(REGISTER)
    assert page.status_code == 200 and 'name="phone"' in text(page)

    response = send_code(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert sms.outbox[-1][0] == "13712345678"
    stored = str(dict(client.session))
    assert "13712345678" not in stored  # the number is kept encrypted between the steps

    step2 = client.get(REGISTER)
    assert step2.status_code == 200
    assert "137****5678" in text(step2)
    # the only county with communities is chosen already; the towns are listed
    assert select_options(step2, "county") == [COUNTY]
    assert TOWN_A in select_options(step2, "town")
    assert select_options(step2, "community_code") == []

    chosen = client.get(REGISTER, {"county": COUNTY, "town": TOWN_A})
    assert select_options(chosen, "community_code") == [A1, A2]
    searched = client.get(REGISTER, {"q": "新兴"})
    assert select_options(searched, "community_code") == [A2]

    done = client.post(
        f"{REGISTER}?county={COUNTY}&town={TOWN_A}",
        {
            "step": "register",
            "code": last_code(),
            "full_name": "赵大妈",
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "community_code": A2,
        },
    )
    assert done.status_code == 302 and done["Location"] == reverse("web:home")
    user = User.objects.get(full_name="赵大妈")
    assert user.home_area_id == A2 and user.language == "en"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert done.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert done.cookies[ELDERLY_COOKIE].value == "0"
    assert client.get(REGISTER).status_code == 302  # signed in: no second registration


def test_step_one_shows_a_clear_error_for_a_bad_number(
    client, tree, django_capture_on_commit_callbacks
):
    response = send_code(client, django_capture_on_commit_callbacks, phone="12345")
    assert response.status_code == 400
    assert "11-digit" in field_errors(response, "phone")
    assert sms.outbox == [] and not OneTimeCode.objects.exists()


def test_step_two_shows_errors_next_to_the_fields_and_creates_nothing(
    client, tree, django_capture_on_commit_callbacks
):
    send_code(client, django_capture_on_commit_callbacks)
    response = client.post(
        REGISTER,
        {
            "step": "register",
            "code": "000000" if last_code() != "000000" else "111111",
            "full_name": "赵大妈",
            "password": "12345678",
            "password2": "12345678",
            "community_code": A1,
        },
    )
    assert response.status_code == 400
    assert "numeric" in field_errors(response, "password")
    assert not User.objects.filter(full_name="赵大妈").exists()
    # the chosen community stays chosen, with its town's communities listed
    assert A1 in select_options(response, "community_code")
    assert 'value="220403001001" selected' in text(response)

    wrong = client.post(
        REGISTER,
        {
            "step": "register",
            "code": "000000" if last_code() != "000000" else "111111",
            "full_name": "赵大妈",
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "community_code": A1,
        },
    )
    assert wrong.status_code == 400
    assert "not correct" in field_errors(wrong, "code")
    mismatch = client.post(
        REGISTER,
        {
            "step": "register",
            "code": last_code(),
            "full_name": "赵",
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD + "x",
            "community_code": A1,
        },
    )
    assert "differ" in field_errors(mismatch, "password2")
    assert not User.objects.filter(home_area_id=A1, full_name__startswith="赵").exists()


def test_resend_only_after_the_wait(client, tree, django_capture_on_commit_callbacks):
    send_code(client, django_capture_on_commit_callbacks)
    page = client.get(REGISTER)
    assert 'data-wait-seconds="' in text(page) and "You can ask for a new code in" in text(page)
    with django_capture_on_commit_callbacks(execute=True):
        early = client.post(REGISTER, {"step": "resend"}, follow=True)
    assert "You can ask for a new one in" in text(early)
    assert len(sms.outbox) == 1
    OneTimeCode.objects.update(
        created_at=OneTimeCode.objects.get().created_at - dt.timedelta(minutes=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        later = client.post(REGISTER, {"step": "resend"}, follow=True)
    assert "A new code is on its way" in text(later)
    assert len(sms.outbox) == 2


def test_a_forgotten_registration_starts_again(client, tree, django_capture_on_commit_callbacks):
    send_code(client, django_capture_on_commit_callbacks)
    session = client.session
    state = session["linli.register"]
    state["at"] -= 3600
    session["linli.register"] = state
    session.save()
    response = client.post(REGISTER, {"step": "register", "code": last_code()}, follow=True)
    assert "waiting too long" in text(response) and 'name="phone"' in text(response)
    assert not User.objects.filter(phone_bidx__isnull=False, username__startswith="r").exists()


def test_use_another_number_starts_again(client, tree, django_capture_on_commit_callbacks):
    send_code(client, django_capture_on_commit_callbacks)
    response = client.post(REGISTER, {"step": "restart"}, follow=True)
    assert 'name="phone"' in text(response) and "137****5678" not in text(response)


# --- profile ----------------------------------------------------------------------------------------------


def test_profile_shows_name_masked_phone_and_roles(login, users):
    response = login(users["resident_a1"]).get(reverse("core:profile"))
    assert response.status_code == 200
    page = text(response)
    assert "王秀兰" in page and "139****0001" in page and "13900000001" not in page
    assert "Resident" in page and "仙城社区" in page


def test_profile_requires_login(client, db):
    response = client.get(reverse("core:profile"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_profile_preferences_are_saved_and_set_the_cookies(login, users):
    client = login(users["resident_a1"])
    response = client.post(
        reverse("core:profile"), {"form": "preferences", "language": "ug", "elderly_mode": "on"}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ug"
    assert response.cookies[ELDERLY_COOKIE].value == "1"
    users["resident_a1"].refresh_from_db()
    assert users["resident_a1"].language == "ug" and users["resident_a1"].elderly_mode
    bad = client.post(reverse("core:profile"), {"form": "preferences", "language": "xx"})
    assert bad.status_code == 400


def test_profile_password_change(login, users):
    client = login(users["worker_a1"])
    wrong = client.post(
        reverse("core:profile"),
        {
            "form": "password",
            "old_password": "nope",
            "new_password": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 400
    assert "not correct" in field_errors(wrong, "old_password")
    weak = client.post(
        reverse("core:profile"),
        {
            "form": "password",
            "old_password": PASSWORD,
            "new_password": "12345678",
            "new_password2": "12345678",
        },
    )
    assert "numeric" in field_errors(weak, "new_password")
    ok = client.post(
        reverse("core:profile"),
        {
            "form": "password",
            "old_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert ok.status_code == 302
    assert client.get(reverse("core:profile")).status_code == 200  # still signed in here
    users["worker_a1"].refresh_from_db()
    assert users["worker_a1"].check_password(NEW_PASSWORD)


# --- the security admin's pages --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sysadmin", "auditor", "worker_a1", "county", "resident_a1"])
def test_account_pages_are_for_security_admins_only(login, users, who):
    client = login(users[who])
    target = users["worker_a1"].pk
    for url in (
        reverse("core:user_list"),
        reverse("core:user_create"),
        reverse("core:user_detail", args=[target]),
        reverse("core:role_list"),
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("core:user_set_active", args=[target]), {"active": "0"}).status_code
        == 403
    )
    users["worker_a1"].refresh_from_db()
    assert users["worker_a1"].is_active


def test_user_list_shows_the_county_accounts_with_masked_phones(login, users):
    response = login(users["secadmin"]).get(reverse("core:user_list"))
    assert response.status_code == 200
    page = text(response)
    assert "worker_a1" in page and "resident_a2" in page
    assert "139****0001" in page and "13900000001" not in page
    assert "secadmin_a" not in page


def test_user_list_filters(login, users):
    client = login(users["secadmin"])
    by_name = text(client.get(reverse("core:user_list"), {"q": "王秀"}))
    assert "resident_a1" in by_name and "worker_a1" not in by_name
    by_phone = text(client.get(reverse("core:user_list"), {"q": "139 0000 0002"}))
    assert "resident_a2" in by_phone and "resident_a1" not in by_phone
    by_role = text(client.get(reverse("core:user_list"), {"role": Role.COMMUNITY_WORKER}))
    assert "worker_a1" in by_role and "worker_a2" in by_role and "resident_a1" not in by_role
    by_area = text(client.get(reverse("core:user_list"), {"area": A2}))
    assert "worker_a2" in by_area and "worker_a1" not in by_area
    bad = client.get(reverse("core:user_list"), {"role": "mayor"})
    assert bad.status_code == 400 and "Unknown role" in text(bad)


def test_other_county_admin_sees_none_of_these_accounts(login, users):
    client = login(users["secadmin_a"])
    page = text(client.get(reverse("core:user_list")))
    assert "worker_a1" not in page and "resident_a1" not in page
    assert client.get(reverse("core:user_detail", args=[users["worker_a1"].pk])).status_code == 404
    assert (
        client.post(
            reverse("core:user_set_active", args=[users["worker_a1"].pk]), {"active": "0"}
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse(
                "core:user_role_revoke",
                args=[users["worker_a1"].pk, users["worker_a1"].assignments.get().pk],
            )
        ).status_code
        == 404
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_user_list_queries_do_not_grow_with_the_page(
    login, users, tree, django_assert_max_num_queries
):
    client = login(users["secadmin"])
    url = reverse("core:user_list")
    few = count_queries(client, url)
    for n in range(40):
        user = make_user(f"bulk{n:02d}", Role.RESIDENT, tree["a1"], phone=f"1370000{n:04d}")
        RoleAssignment.objects.create(
            user=user, role=Role.BUILDING_HEAD, area=tree["grid_a1"], area_code=tree["grid_a1"].code
        )
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200
    assert "Page 1 of 2" in text(response)
    with django_assert_max_num_queries(15):
        client.get(url, {"page": 2, "role": Role.RESIDENT})


def test_user_create_page(login, users):
    client = login(users["secadmin"])
    page = client.get(reverse("core:user_create"))
    assert page.status_code == 200
    options = select_options(page, "area_code")
    assert COUNTY in options and A1 in options and "220402000000" not in options
    county_roles = client.get(reverse("core:user_create"), {"role": Role.COUNTY_OFFICER})
    assert select_options(county_roles, "area_code") == [COUNTY]

    bad = client.post(
        reverse("core:user_create"),
        {
            "role": Role.COUNTY_OFFICER,
            "area_code": A1,
            "username": "worker_a1",
            "full_name": "",
            "phone": "123",
            "password": "Quiet-River-2026",
            "password2": "Quiet-River-2026",
        },
    )
    assert bad.status_code == 400
    assert "required" in field_errors(bad, "full_name")
    bad2 = client.post(
        reverse("core:user_create"),
        {
            "role": Role.COUNTY_OFFICER,
            "area_code": A1,
            "username": "worker_a1",
            "full_name": "李",
            "phone": "123",
            "password": "Quiet-River-2026",
            "password2": "Quiet-River-2026",
        },
    )
    assert "taken" in field_errors(bad2, "username")
    assert "11-digit" in field_errors(bad2, "phone")
    assert "level" in field_errors(bad2, "area_code")

    ok = client.post(
        reverse("core:user_create"),
        {
            "role": Role.COMMUNITY_WORKER,
            "area_code": A1,
            "username": "li.ming",
            "full_name": "李明",
            "phone": "",
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    user = User.objects.get(username="li.ming")
    assert ok.status_code == 302 and ok["Location"] == reverse("core:user_detail", args=[user.pk])


def test_user_detail_assign_and_revoke_with_confirmation(login, users):
    client = login(users["secadmin"])
    resident = users["resident_a1"]
    url = reverse("core:user_detail", args=[resident.pk])
    page = client.get(url)
    assert page.status_code == 200 and "139****0001" in text(page)
    assert 'data-testid="assign-form"' in text(page)

    bad = client.post(
        reverse("core:user_role_assign", args=[resident.pk]),
        {"role": Role.TOWN_OFFICER, "area_code": A1},
    )
    assert bad.status_code == 400
    assert "level" in field_errors(bad, "assign_area_code")
    ok = client.post(
        reverse("core:user_role_assign", args=[resident.pk]),
        {"role": Role.GRID_WORKER, "area_code": "220403001001001"},
    )
    assert ok.status_code == 302
    added = resident.assignments.get(role=Role.GRID_WORKER)

    revoke_url = reverse("core:user_role_revoke", args=[resident.pk, added.pk])
    confirm = client.get(revoke_url)
    assert confirm.status_code == 200 and "Revoke the role" in text(confirm)
    assert resident.assignments.filter(pk=added.pk).exists()  # nothing happens on GET
    assert client.post(revoke_url).status_code == 302
    assert not resident.assignments.filter(pk=added.pk).exists()

    last = resident.assignments.get()
    refused = client.post(reverse("core:user_role_revoke", args=[resident.pk, last.pk]))
    assert refused.status_code == 400 and "only role" in text(refused)


def test_user_detail_enable_disable_and_reset_password(login, users):
    client = login(users["secadmin"])
    worker = users["worker_a1"]
    assert (
        client.post(reverse("core:user_set_active", args=[worker.pk]), {"active": "0"}).status_code
        == 302
    )
    worker.refresh_from_db()
    assert not worker.is_active
    assert 'data-testid="disabled-badge"' in text(
        client.get(reverse("core:user_detail", args=[worker.pk]))
    )
    client.post(reverse("core:user_set_active", args=[worker.pk]), {"active": "1"})
    worker.refresh_from_db()
    assert worker.is_active

    mismatch = client.post(
        reverse("core:user_reset_password", args=[worker.pk]),
        {"password": NEW_PASSWORD, "password2": "other"},
    )
    assert mismatch.status_code == 400 and "differ" in field_errors(mismatch, "reset_password2")
    ok = client.post(
        reverse("core:user_reset_password", args=[worker.pk]),
        {"password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert ok.status_code == 302
    worker.refresh_from_db()
    assert worker.check_password(NEW_PASSWORD)


def test_own_account_and_accounts_working_elsewhere_are_read_only(login, users, tree):
    client = login(users["secadmin"])
    own = text(client.get(reverse("core:user_detail", args=[users["secadmin"].pk])))
    assert 'data-testid="refusal"' in own and 'data-testid="assign-form"' not in own
    assert (
        client.post(
            reverse("core:user_set_active", args=[users["secadmin"].pk]), {"active": "0"}
        ).status_code
        == 403
    )

    both = make_user("both", Role.COMMUNITY_WORKER, tree["a1"])
    elsewhere = make_area("220402001001", "龙山社区")
    RoleAssignment.objects.create(
        user=both, role=Role.RESIDENT, area=elsewhere, area_code=elsewhere.code
    )
    page = text(client.get(reverse("core:user_detail", args=[both.pk])))
    assert "outside the areas you manage" in page and "龙山社区" not in page
    assert 'data-testid="reset-form"' not in page


def test_role_list_counts_accounts_in_the_subtree(login, users):
    response = login(users["secadmin"]).get(reverse("core:role_list"))
    assert response.status_code == 200
    page = text(response)
    assert re.search(r'data-role="community_worker">2<', page)
    assert re.search(r'data-role="security_admin">1<', page)  # not the other county's
