"""Registering volunteers (by themselves with a verified phone, by a worker on paper consent),
correcting them, their status, withdrawing consent and revealing a number."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from linli.core import sms
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, OneTimeCode
from linli.volunteers.actions import people as actions
from linli.volunteers.models import Membership, Organisation, Team, Volunteer

from .fixtures_people import *  # noqa: F403 (the fixtures)
from .fixtures_people import join_args, make_id, staff_args

pytestmark = pytest.mark.django_db


def _events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- the resident registers ----------------------------------------------------------------------


def test_a_resident_with_a_verified_account_registers_without_a_code(
    users, tree, verified_account, org_a1, registry_person
):
    volunteer = actions.volunteer_join(actor=verified_account, **join_args())
    assert volunteer.number == "220403000001"
    assert volunteer.user == verified_account and volunteer.area == tree["a1"]
    assert volunteer.source == Volunteer.Source.SELF and volunteer.registered_by == verified_account
    assert volunteer.consent_version == actions.CONSENT_VERSION and volunteer.consent_at
    assert volunteer.phone == "13900000001" and volunteer.phone_verified_at is not None
    assert volunteer.skills == ["elderly_care", "digital"]
    assert volunteer.languages == ["zh", "dialect"]
    assert volunteer.availability == ["mon_am", "sat_pm"]
    assert volunteer.service_areas == [tree["a1"].code] and volunteer.party_member
    assert volunteer.organisation == org_a1  # the community's station
    assert volunteer.resident_id == registry_person.pk  # the registry's person of this ID
    event = AuditEvent.objects.get(action="volunteer.register")
    assert event.target_id == str(volunteer.pk) and event.area_code == tree["a1"].code
    assert event.extra["source"] == "self" and event.extra["resident"] == registry_person.pk
    assert "13900000001" not in str(event.extra) and volunteer.id_number not in str(event.extra)
    assert sms.outbox == []


def test_another_phone_is_verified_with_a_code(users, tree, send_code):
    resident = users["resident_a1"]  # account not opened with a code: its phone is unverified
    args = join_args(phone="139 0000 0001")
    with pytest.raises(ActionError) as missing:
        actions.volunteer_join(actor=resident, **args)
    assert missing.value.errors == {"code": ["Enter the 6-digit code from the text message."]}
    assert Volunteer.objects.count() == 0

    code = send_code(resident, "13900000001")
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ActionError) as refused:
        actions.volunteer_join(actor=resident, **args, code=wrong)
    assert refused.value.errors == {"code": ["The code is not correct. 4 tries left."]}
    assert Volunteer.objects.count() == 0
    assert OneTimeCode.objects.get(purpose="volunteer").attempts == 1  # kept though refused

    volunteer = actions.volunteer_join(actor=resident, **args, code=code)
    assert volunteer.phone == "13900000001" and volunteer.phone_verified_at is not None
    assert OneTimeCode.objects.get(purpose="volunteer").used_at is not None
    event = AuditEvent.objects.get(action="otp.send")
    assert event.extra == {"purpose": "volunteer"} and "1390000" not in str(event.extra)


def test_a_code_is_not_sent_twice_in_a_minute_nor_to_a_bad_number(users, send_code):
    resident = users["resident_a1"]
    with pytest.raises(ActionError) as bad:
        actions.volunteer_code_send(actor=resident, phone="12345")
    assert "11-digit" in bad.value.errors["phone"][0]
    send_code(resident, "13800000008")
    with pytest.raises(ActionError) as soon:
        actions.volunteer_code_send(actor=resident, phone="13800000008")
    assert soon.value.code == "too_soon" and len(sms.outbox) == 1
    with pytest.raises(Forbidden):
        actions.volunteer_code_send(actor=AnonymousUser(), phone="13800000008")


def test_bad_registration_names_every_field_and_writes_nothing(users, verified_account):
    before = AuditEvent.objects.count()
    with pytest.raises(ActionError) as caught:
        actions.volunteer_join(
            actor=verified_account,
            name="  ",
            id_number="220403196003150001",
            phone="1234",
            skills=["flying"],
            languages=["latin"],
            availability=["mon_night"],
            service_areas=["220403002001"],
            consent=False,
        )
    errors = caught.value.errors
    assert set(errors) == {
        "name",
        "id_number",
        "phone",
        "skills",
        "languages",
        "availability",
        "service_areas",
        "consent",
    }
    assert "last character" in errors["id_number"][0]
    assert Volunteer.objects.count() == 0 and AuditEvent.objects.count() == before


def test_minors_register_at_the_hall_and_staff_may_register_them(users, tree, verified_account):
    child = make_id("20150601", 4)
    with pytest.raises(ActionError) as caught:
        actions.volunteer_join(actor=verified_account, **join_args(id_number=child))
    assert "parent or guardian" in caught.value.errors["id_number"][0]
    volunteer = actions.volunteer_register(
        actor=users["worker_a1"], **staff_args(tree, id_number=child, name="小明", phone="")
    )
    assert volunteer.phone is None and volunteer.source == Volunteer.Source.STAFF
    with pytest.raises(ActionError) as toddler:
        actions.volunteer_register(
            actor=users["worker_a1"], **staff_args(tree, id_number=make_id("20230101", 5))
        )
    assert "at least 8" in toddler.value.errors["id_number"][0]


def test_one_record_per_person_and_per_account(users, tree, verified_account, registered_b):
    first = actions.volunteer_join(actor=verified_account, **join_args())
    with pytest.raises(Conflict) as twice:
        actions.volunteer_join(actor=verified_account, **join_args())
    assert twice.value.code == "registered"
    # someone else's account with the same ID number
    with pytest.raises(Conflict) as other:
        actions.volunteer_join(
            actor=users["resident_a2"],
            **join_args(id_number=first.id_number, phone="13900000002", code="123456"),
        )
    assert other.value.errors["id_number"][0].startswith("This ID number is already registered")
    with pytest.raises(Conflict) as staff:
        actions.volunteer_register(
            actor=users["worker_a1"], **staff_args(tree, id_number=first.id_number)
        )
    # the worker reads a1: told which record; B's volunteer is named to nobody of A
    assert staff.value.message.endswith(f"number {first.number}, 仙城社区.")
    with pytest.raises(Conflict) as elsewhere:
        actions.volunteer_register(
            actor=users["worker_a1"], **staff_args(tree, id_number=registered_b.id_number)
        )
    assert elsewhere.value.message == "This person is already registered as a volunteer."
    assert Volunteer.objects.count() == 2


def test_refused_without_a_community_or_a_login(users):
    with pytest.raises(ActionError) as caught:
        actions.volunteer_join(actor=users["town_a"], **join_args())
    assert caught.value.code == "no_community"
    with pytest.raises(Forbidden):
        actions.volunteer_join(actor=AnonymousUser(), **join_args())
    assert Volunteer.objects.count() == 0


def test_a_record_made_at_the_hall_is_claimed_with_its_phone(users, tree, send_code):
    made = actions.volunteer_register(
        actor=users["worker_a1"],
        **staff_args(tree, name="新兴居民", id_number=make_id("19800101", 2), phone="13900000002"),
    )
    resident = users["resident_a2"]
    code = send_code(resident, "13900000002")
    claimed = actions.volunteer_join(
        actor=resident,
        **join_args(
            name="新兴居民",
            id_number=make_id("19800101", 2),
            phone="13900000002",
            code=code,
        ),
    )
    assert claimed.pk == made.pk and claimed.user == resident
    assert claimed.phone_verified_at is not None and Volunteer.objects.count() == 1
    assert _events("volunteer.claim") == 1


def test_numbers_follow_each_other_per_county(users, tree):
    first = actions.volunteer_register(actor=users["worker_a1"], **staff_args(tree))
    second = actions.volunteer_register(
        actor=users["head_a1"], **staff_args(tree, id_number=make_id("19530202", 6))
    )
    assert (first.number, second.number) == ("220403000001", "220403000002")


# --- a worker registers someone ------------------------------------------------------------------


def test_a_worker_registers_with_paper_consent_and_links_the_account(users, tree, org_a1):
    volunteer = actions.volunteer_register(
        actor=users["worker_a1"],
        **staff_args(
            tree,
            phone="13900000001",
            login="resident_a1",
            service_areas=[
                tree["a1"].code,
                tree["town_a"].code,
            ],
        ),
    )
    assert volunteer.user == users["resident_a1"] and volunteer.registered_by == users["worker_a1"]
    assert volunteer.source == Volunteer.Source.STAFF and volunteer.organisation == org_a1
    assert volunteer.phone_verified_at is None  # a number typed by a worker is not verified
    assert volunteer.service_areas == [tree["a1"].code, tree["town_a"].code]


def test_staff_registration_is_refused_outside_the_workers_areas(users, tree):
    for who in ("worker_a2", "town_b", "resident_a1", "grid_a1", "dept"):
        with pytest.raises(NotFound):
            actions.volunteer_register(actor=users[who], **staff_args(tree))
    assert Volunteer.objects.count() == 0


def test_staff_registration_bad_input(users, tree, org_a2):
    with pytest.raises(ActionError) as caught:
        actions.volunteer_register(
            actor=users["worker_a1"],
            **staff_args(tree, consent=False, login="nobody", organisation_id=org_a2.pk, phone="x"),
        )
    assert set(caught.value.errors) == {"consent", "login", "organisation_id", "phone"}
    assert "paper consent form" in caught.value.errors["consent"][0]
    assert Volunteer.objects.count() == 0


# --- corrections and preferences -----------------------------------------------------------------


def test_a_volunteer_changes_their_preferences(users, tree, volunteer_a1):
    actor = users["resident_a1"]
    saved = actions.volunteer_update_own(
        actor=actor,
        skills=["repair"],
        availability=["sun_eve"],
        service_areas=[tree["a1"].code, tree["town_a"].code],
    )
    assert saved.skills == ["repair"] and saved.availability == ["sun_eve"]
    assert saved.languages == [] and saved.party_member is False  # left out: kept
    assert saved.service_areas == [tree["a1"].code, tree["town_a"].code]
    event = AuditEvent.objects.get(action="volunteer.update")
    assert event.extra["fields"] == ["availability", "service_areas", "skills"]


def test_a_new_phone_of_ones_own_needs_a_code(users, volunteer_a1, send_code):
    actor = users["resident_a1"]
    with pytest.raises(ActionError) as caught:
        actions.volunteer_update_own(actor=actor, phone="13811112222")
    assert "code" in caught.value.errors
    code = send_code(actor, "13811112222")
    saved = actions.volunteer_update_own(actor=actor, phone="13811112222", code=code)
    assert saved.phone == "13811112222" and saved.phone_verified_at is not None


def test_preferences_bad_input_and_no_record(users, volunteer_a1):
    with pytest.raises(ActionError) as caught:
        actions.volunteer_update_own(actor=users["resident_a1"], skills=["x"], languages="y")
    assert set(caught.value.errors) == {"skills", "languages"}
    volunteer_a1.refresh_from_db()
    assert volunteer_a1.skills == ["elderly_care"]
    with pytest.raises(NotFound):
        actions.volunteer_update_own(actor=users["resident_a2"], skills=["repair"])


def test_a_worker_corrects_a_record(users, tree, volunteer_a1):
    saved = actions.volunteer_update(
        actor=users["worker_a1"],
        volunteer_id=volunteer_a1.pk,
        name="王秀蘭",
        phone="13700001111",
        login="",
    )
    assert saved.name == "王秀蘭" and saved.phone == "13700001111"
    assert saved.phone_verified_at is None and saved.user is None
    with pytest.raises(NotFound):
        actions.volunteer_update(actor=users["worker_a2"], volunteer_id=volunteer_a1.pk, name="x")
    with pytest.raises(NotFound):  # a grid's worker reads the volunteers of the grid only
        actions.volunteer_update(actor=users["grid_a1"], volunteer_id=volunteer_a1.pk, name="x")
    with pytest.raises(ActionError) as bad:
        actions.volunteer_update(
            actor=users["worker_a1"], volunteer_id=volunteer_a1.pk, name="", id_number="123"
        )
    assert set(bad.value.errors) == {"name", "id_number"}
    volunteer_a1.refresh_from_db()
    assert volunteer_a1.name == "王秀蘭"


# --- status, withdrawal, reveal ------------------------------------------------------------------


def test_pause_leave_and_return(users, volunteer_a1, team_a1):
    actor = users["resident_a1"]
    assert actions.volunteer_set_own_status(actor=actor, status="paused").status == "paused"
    with pytest.raises(Conflict):
        actions.volunteer_set_own_status(actor=actor, status="paused")
    left = actions.volunteer_set_own_status(actor=actor, status="left")
    assert left.status == "left"
    assert not Membership.objects.filter(volunteer=left, left_on__isnull=True).exists()
    team_a1.refresh_from_db()
    assert team_a1.leader is None
    with pytest.raises(ActionError) as caught:
        actions.volunteer_set_own_status(actor=actor, status="active")
    assert "consent" in caught.value.errors
    back = actions.volunteer_set_own_status(actor=actor, status="active", consent=True)
    assert back.status == "active" and back.consent_version == actions.CONSENT_VERSION
    with pytest.raises(ActionError):
        actions.volunteer_set_own_status(actor=actor, status="retired")


def test_a_worker_records_a_status_and_neighbours_cannot(users, volunteer_a1):
    saved = actions.volunteer_set_status(
        actor=users["worker_a1"], volunteer_id=volunteer_a1.pk, status="paused"
    )
    assert saved.status == "paused"
    event = AuditEvent.objects.get(action="volunteer.status")
    assert event.extra == {"from": "active", "to": "paused", "memberships_ended": 0}
    for who in ("worker_a2", "town_b"):
        with pytest.raises(NotFound):
            actions.volunteer_set_status(
                actor=users[who], volunteer_id=volunteer_a1.pk, status="left"
            )
    volunteer_a1.refresh_from_db()
    assert volunteer_a1.status == "paused"


def test_withdrawing_consent_erases_the_phone_and_keeps_what_the_rules_require(
    users, volunteer_a1, team_a1
):
    gone = actions.volunteer_withdraw(actor=users["resident_a1"])
    gone.refresh_from_db()
    assert gone.status == "left" and gone.phone is None and gone.phone_bidx is None
    assert gone.skills == [] and gone.availability == [] and gone.service_areas == []
    assert gone.name == "王秀兰" and gone.id_number == "220403195503150021"
    assert not Membership.objects.filter(volunteer=gone, left_on__isnull=True).exists()
    assert Team.objects.get(pk=team_a1.pk).leader is None
    assert AuditEvent.objects.get(action="volunteer.withdraw").extra["self"] is True
    with pytest.raises(Conflict):
        actions.volunteer_withdraw(actor=users["resident_a1"])
    with pytest.raises(NotFound):
        actions.volunteer_withdraw(actor=users["resident_a2"])


def test_reveal_is_audited_and_needs_the_capability(users, volunteer_a1):
    phone = actions.volunteer_reveal(
        actor=users["worker_a1"], volunteer_id=volunteer_a1.pk, field="phone"
    )
    assert phone == "13900000001"
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.extra == {"field": "phone"} and event.target_id == str(volunteer_a1.pk)
    with pytest.raises(Forbidden):  # reads volunteers, may not reveal
        actions.volunteer_reveal(actor=users["town_a"], volunteer_id=volunteer_a1.pk, field="phone")
    with pytest.raises(NotFound):
        actions.volunteer_reveal(
            actor=users["worker_a2"], volunteer_id=volunteer_a1.pk, field="id_number"
        )
    with pytest.raises(ActionError):
        actions.volunteer_reveal(
            actor=users["worker_a1"], volunteer_id=volunteer_a1.pk, field="name"
        )
    assert _events("pii.reveal") == 1


def test_the_station_of_a_community_is_the_default_organisation(users, tree, org_a1):
    org_a1.active = False
    org_a1.save()
    volunteer = actions.volunteer_register(actor=users["worker_a1"], **staff_args(tree))
    assert volunteer.organisation is None
    assert Organisation.objects.count() == 1
