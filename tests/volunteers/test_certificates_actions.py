"""Volunteer service certificates: issuing (staff), asking for one's own (the volunteer),
revoking, and the PDF — each with its happy path, the refused actors and bad input that writes
nothing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.volunteers import models as volunteer_models
from linli.volunteers.actions import certificates as actions
from linli.volunteers.models import Certificate, Organisation

from .conftest import make_volunteer
from .fixtures_certificates import *  # noqa: F403 (the fixtures)
from .fixtures_certificates import A1_HOURS, A1_RECORDS, days_ago, record, transfer

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^ZY(\d{4})-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def issue(actor, volunteer, organisation, **more):
    return actions.certificate_issue(
        actor=actor, volunteer_id=volunteer.pk, organisation_id=organisation.pk, **more
    )


def counts() -> tuple[int, int, int]:
    return Certificate.objects.count(), AuditEvent.objects.count(), Notification.objects.count()


def url_for(path: str) -> str:
    return f"https://linli.example{path}"


# --- issue ---------------------------------------------------------------------------------------


def test_the_community_head_certifies_the_stations_records(users, org_a1, served_a1):
    certificate = issue(users["head_a1"], served_a1, org_a1)

    assert NUMBER.match(certificate.number)
    assert NUMBER.match(certificate.number).group(1) == str(timezone.localdate().year)
    assert certificate.status == Certificate.Status.VALID
    assert certificate.organisation == org_a1 and certificate.area_code == org_a1.area_code
    assert certificate.holder_name == "王秀兰"
    assert certificate.holder_id_masked == "2204**********0021"
    # A1's records only (16.5 h, the −0.5 h correction counted), not A2's 3 h.
    assert certificate.hours == A1_HOURS and certificate.records == A1_RECORDS
    assert certificate.period_from is None and certificate.period_to == timezone.localdate()
    assert certificate.issued_on == timezone.localdate()
    assert certificate.issued_by == users["head_a1"]
    # The three activities with the most hours, then "and others", then the groups served.
    content = certificate.content
    assert (
        content.index("探访独居老人") < content.index("社区环境清洁") < content.index("防诈骗宣传")
    )
    assert "义诊咨询" not in content and "新兴社区读书会" not in content
    with translation.override("zh-hans"):
        others = ngettext(
            "%(names)s and others, %(count)d activity in all",
            "%(names)s and others, %(count)d activities in all",
            4,
        ) % {
            "names": gettext("X"),
            "count": 4,
        }
        alone = str(volunteer_models.TargetGroup.ELDERLY_ALONE.label)
    assert others.split("X", 1)[1] in content
    assert alone in content

    event = AuditEvent.objects.get(action="volunteers.certificate.issue")
    assert event.actor == users["head_a1"] and event.target_id == str(certificate.pk)
    assert event.area_code == org_a1.area_code
    assert event.extra == {
        "volunteer": served_a1.pk,
        "organisation": org_a1.pk,
        "hours": 16.5,
        "records": 6,
        "period_from": None,
        "period_to": timezone.localdate().isoformat(),
        "self_service": False,
    }
    assert "王秀兰" not in str(event.extra) and "0021" not in str(event.extra)
    told = Notification.objects.get(user=users["resident_a1"])
    assert "16.5" in told.text and told.url == "/volunteers/me/certificates/"


def test_a_period_counts_the_records_served_in_it(users, org_a1, served_a1):
    certificate = issue(
        users["town_a"], served_a1, org_a1, period_from=days_ago(25), period_to=days_ago(12)
    )
    # the visit of day 20 (4 h) and the cleaning of day 15 (2.5 h − 0.5 h)
    assert certificate.hours == Decimal("6") and certificate.records == 2
    assert certificate.period_from == days_ago(25) and certificate.period_to == days_ago(12)
    assert "防诈骗宣传" not in certificate.content


def test_records_received_by_transfer_all_count(users, org_a1, served_a1, station_b1):
    transfer(served_a1, org_a1, station_b1, users["worker_a1"])
    certificate = issue(users["town_b"], served_a1, station_b1)
    assert certificate.hours == A1_HOURS + 3 and certificate.records == A1_RECORDS + 1
    assert "新兴社区读书会" in certificate.content  # A2's 3 h now rank second
    # the station that wrote its records still certifies them
    assert issue(users["head_a1"], served_a1, org_a1).hours == A1_HOURS


def test_a_volunteer_without_an_id_number_is_printed_as_not_registered(users, tree, org_a1):
    person = make_volunteer(tree["a1"], name="赵小明", organisation=org_a1)
    record(person, org_a1, users["worker_a1"], hours=2, served_on=days_ago(3))
    certificate = issue(users["head_a1"], person, org_a1)
    with translation.override("zh-hans"):
        assert certificate.holder_id_masked == gettext("not registered")


def test_numbers_are_unique_and_a_clash_is_drawn_again(users, org_a1, served_a1, monkeypatch):
    first = issue(users["head_a1"], served_a1, org_a1)
    drawn = iter([first.number, "ZY2026-2345-6789-ABCD"])
    monkeypatch.setattr(volunteer_models, "new_certificate_number", lambda year: next(drawn))
    second = issue(users["head_a1"], served_a1, org_a1, period_from=days_ago(12))
    assert second.number == "ZY2026-2345-6789-ABCD"
    assert Certificate.objects.count() == 2


def test_numbers_never_clash_in_a_series(users, org_a1, served_a1):
    numbers = {
        issue(users["head_a1"], served_a1, org_a1, period_to=days_ago(n)).number
        for n in range(3, 12)
    }
    assert len(numbers) == 9 and all(NUMBER.match(n) for n in numbers)


def test_no_free_number_is_a_clear_conflict(users, org_a1, served_a1, monkeypatch):
    first = issue(users["head_a1"], served_a1, org_a1)
    monkeypatch.setattr(volunteer_models, "new_certificate_number", lambda year: first.number)
    before = counts()
    with pytest.raises(Conflict) as caught:
        issue(users["head_a1"], served_a1, org_a1, period_from=days_ago(12))
    assert "try again" in str(caught.value.message)
    assert counts() == before


@pytest.mark.parametrize(
    ("who", "organisation"),
    [
        ("worker_a1", "org_a1"),  # reads volunteers, does not certify
        ("worker_a2", "org_a1"),  # the neighbour community's worker
        ("town_b", "org_a1"),  # certifies, but in town B
        ("head_a1", "org_a2"),  # the neighbour community's station
        ("resident_a1", "org_a1"),  # the volunteer themselves
    ],
)
def test_refused_actors_issue_nothing(users, served_a1, request, who, organisation):
    before = counts()
    with pytest.raises(Forbidden):
        issue(users[who], served_a1, request.getfixturevalue(organisation))
    assert counts() == before


def test_bad_input_names_every_field_and_writes_nothing(users, served_a1):
    before = counts()
    with pytest.raises(ActionError) as caught:
        actions.certificate_issue(
            actor=users["head_a1"],
            volunteer_id="x",
            organisation_id=None,
            period_from="2026-13-01",
            period_to="soon",
        )
    errors = caught.value.errors
    assert errors["volunteer_id"] == ["Choose the volunteer."]
    assert errors["organisation_id"] == ["Choose the issuing organisation."]
    assert errors["period_from"] == ["Enter a date as YYYY-MM-DD."]
    assert errors["period_to"] == ["Enter a date as YYYY-MM-DD."]
    assert counts() == before


def test_a_period_in_the_future_or_backwards_is_refused(users, org_a1, served_a1):
    before = counts()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ActionError) as caught:
        issue(users["head_a1"], served_a1, org_a1, period_from=days_ago(1), period_to=tomorrow)
    assert caught.value.errors == {"period_to": ["The period cannot end after today."]}
    with pytest.raises(ActionError) as caught:
        issue(users["head_a1"], served_a1, org_a1, period_from=days_ago(5), period_to=days_ago(9))
    assert caught.value.errors == {"period_from": ["The period must begin on or before its end."]}
    assert counts() == before


def test_an_organisation_without_records_of_the_volunteer_cannot_certify(
    users, tree, org_a1, served_a1
):
    other = Organisation.objects.create(
        area=tree["a1"],
        area_code=tree["a1"].code,
        name="仙城社区青年志愿者协会",
        kind="association",
    )
    before = counts()
    with pytest.raises(ActionError) as caught:
        issue(users["head_a1"], served_a1, other)
    assert caught.value.errors["volunteer_id"] == [
        "仙城社区青年志愿者协会 has no service records of 王秀兰. A certificate is issued by the "
        "organisation that recorded the service, or that received the records by transfer."
    ]
    assert counts() == before


def test_a_volunteer_out_of_reach_is_not_named(users, tree, org_a1, served_a1):
    stranger = make_volunteer(tree["b1"], name="孙悟空")
    with pytest.raises(ActionError) as caught:
        issue(users["head_a1"], stranger, org_a1)
    assert caught.value.errors == {"volunteer_id": ["No such volunteer."]}
    assert "孙悟空" not in str(caught.value.errors)


def test_an_inactive_organisation_and_a_period_without_hours_are_refused(users, org_a1, served_a1):
    before = counts()
    with pytest.raises(ActionError) as caught:
        issue(
            users["head_a1"], served_a1, org_a1, period_from=days_ago(400), period_to=days_ago(300)
        )
    assert caught.value.code == "no_hours"
    assert str(caught.value.message) == (
        "王秀兰 has no service hours recorded by 仙城社区志愿服务站 in this period; there is "
        "nothing to certify."
    )
    Organisation.objects.filter(pk=org_a1.pk).update(active=False)
    with pytest.raises(ActionError) as caught:
        issue(users["head_a1"], served_a1, org_a1)
    assert caught.value.errors["organisation_id"] == [
        "仙城社区志愿服务站 is no longer active; it cannot issue certificates."
    ]
    assert counts() == before


def test_the_preview_says_what_would_be_issued_and_writes_nothing(users, org_a1, served_a1):
    before = counts()
    draft = actions.certificate_check(
        actor=users["head_a1"], volunteer_id=served_a1.pk, organisation_id=org_a1.pk
    )
    assert draft.hours == A1_HOURS and draft.records == A1_RECORDS and draft.star == 0
    assert draft.holder_id_masked == "2204**********0021"
    assert counts() == before


# --- the volunteer's own request ---------------------------------------------------------------


def test_a_volunteer_gets_a_certificate_of_all_their_hours(users, org_a1, served_a1):
    certificate = actions.certificate_request(actor=users["resident_a1"])
    assert certificate.written_now
    assert certificate.organisation == org_a1 and certificate.volunteer == served_a1
    assert certificate.hours == A1_HOURS and certificate.period_from is None
    assert certificate.period_to == timezone.localdate()
    assert certificate.issued_by == users["resident_a1"]
    event = AuditEvent.objects.get(action="volunteers.certificate.issue")
    assert event.extra["self_service"] is True and event.actor == users["resident_a1"]


def test_asking_again_with_nothing_new_gives_the_same_certificate(users, org_a1, served_a1):
    first = actions.certificate_request(actor=users["resident_a1"])
    events = AuditEvent.objects.count()
    again = actions.certificate_request(actor=users["resident_a1"])
    assert again.pk == first.pk and not again.written_now
    assert AuditEvent.objects.count() == events
    record(served_a1, org_a1, users["worker_a1"], hours=2, served_on=days_ago(1))
    newer = actions.certificate_request(actor=users["resident_a1"])
    assert newer.pk != first.pk and newer.hours == A1_HOURS + 2
    actions.certificate_revoke(actor=users["head_a1"], certificate_id=newer.pk, reason="重新出具")
    renewed = actions.certificate_request(actor=users["resident_a1"])
    assert renewed.pk not in (first.pk, newer.pk) and renewed.written_now


def test_without_an_organisation_the_community_station_issues(users, tree, org_a2):
    person = make_volunteer(tree["a2"], user=users["resident_a2"], name="陈建国")
    record(person, org_a2, users["worker_a2"], hours=5, served_on=days_ago(2))
    certificate = actions.certificate_request(actor=users["resident_a2"])
    assert certificate.organisation == org_a2 and certificate.hours == 5


def test_no_station_and_no_hours_say_whom_to_ask(users, tree, org_a1):
    person = make_volunteer(tree["a2"], user=users["resident_a2"], name="陈建国")
    before = counts()
    with pytest.raises(Conflict) as caught:
        actions.certificate_request(actor=users["resident_a2"])
    assert "Ask your community office" in str(caught.value.message)
    person.organisation = org_a1
    person.save(update_fields=["organisation"])
    with pytest.raises(Conflict) as caught:
        actions.certificate_request(actor=users["resident_a2"])
    assert str(caught.value.message).startswith("仙城社区志愿服务站 has no service hours of yours")
    assert counts() == before


def test_someone_who_is_not_a_volunteer_is_told_so(users):
    with pytest.raises(NotFound) as caught:
        actions.certificate_request(actor=users["resident_a2"])
    assert str(caught.value.message) == "You are not registered as a volunteer yet."
    assert Certificate.objects.count() == 0


# --- revoke --------------------------------------------------------------------------------------


@pytest.fixture
def issued(users, org_a1, served_a1):
    certificate = issue(users["head_a1"], served_a1, org_a1)
    Notification.objects.all().delete()
    return certificate


def test_the_head_revokes_with_a_reason_and_the_holder_is_told(users, issued):
    done = actions.certificate_revoke(
        actor=users["head_a1"], certificate_id=issued.pk, reason="  服务记录已更正  "
    )
    issued.refresh_from_db()
    assert issued.status == Certificate.Status.REVOKED and issued.revoked_at is not None
    assert issued.revoke_reason == "服务记录已更正" and done.pk == issued.pk
    event = AuditEvent.objects.get(action="volunteers.certificate.revoke")
    assert event.extra == {"volunteer": issued.volunteer_id, "organisation": issued.organisation_id}
    told = Notification.objects.get(user=users["resident_a1"])
    assert "服务记录已更正" in told.text


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("worker_a1", Forbidden),
        ("resident_a1", Forbidden),
        ("town_b", NotFound),
        ("worker_a2", NotFound),
    ],
)
def test_refused_actors_revoke_nothing(users, issued, who, error):
    before = counts()
    with pytest.raises(error):
        actions.certificate_revoke(actor=users[who], certificate_id=issued.pk, reason="错误")
    issued.refresh_from_db()
    assert issued.status == Certificate.Status.VALID and counts() == before


def test_a_revocation_needs_a_reason_and_happens_once(users, issued):
    before = counts()
    for reason, message in (
        ("  ", "Please fill this in."),
        ("长" * 201, "At most 200 characters, please."),
    ):
        with pytest.raises(ActionError) as caught:
            actions.certificate_revoke(
                actor=users["head_a1"], certificate_id=issued.pk, reason=reason
            )
        assert caught.value.errors == {"reason": [message]}
    issued.refresh_from_db()
    assert issued.status == Certificate.Status.VALID and counts() == before
    actions.certificate_revoke(actor=users["town_a"], certificate_id=issued.pk, reason="错误")
    with pytest.raises(Conflict) as caught:
        actions.certificate_revoke(actor=users["head_a1"], certificate_id=issued.pk, reason="再次")
    assert "already revoked" in str(caught.value.message)


# --- the PDF -------------------------------------------------------------------------------------


def pdf_text(document) -> str:
    """The text WeasyPrint laid out, page after page."""
    found: list[str] = []

    def walk(box):
        text = getattr(box, "text", None)
        if isinstance(text, str):
            found.append(text)
        for child in getattr(box, "children", None) or []:
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return "".join(found)


def test_the_pdf_prints_the_certificate_and_its_verification(issued):
    url = url_for(f"/volunteers/verify/{issued.number}/")
    with translation.override("zh-hans"):
        html = actions.certificate_html(issued, verify_url=url)
        document = actions.certificate_pdf_document(issued, verify_url=url)
    text = pdf_text(document)
    for printed in (issued.number, "王秀兰", "2204**********0021", "16.5", "仙城社区志愿服务站"):
        assert printed in text
    assert "探访独居老人" in text and url in text
    assert "13900000001" not in text and "220403195503150021" not in text
    assert len(document.pages) == 1  # one A4 sheet in Chinese
    assert '<svg viewBox="0 0' in html and 'class="segno"' in html
    assert document.write_pdf().startswith(b"%PDF")


def test_a_reader_of_another_language_gets_a_translation_page(issued):
    with translation.override("en"):
        document = actions.certificate_pdf_document(issued, verify_url=url_for("/v/"))
    assert len(document.pages) == 2
    assert "Translation, for reference" in pdf_text(document)


@pytest.mark.parametrize(("who", "holder"), [("resident_a1", True), ("head_a1", False)])
def test_each_download_is_audited(users, issued, who, holder):
    filename, content = actions.certificate_pdf(
        actor=users[who], certificate_id=issued.pk, absolute_url=url_for
    )
    assert filename == f"{issued.number}.pdf" and content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="volunteers.certificate.download")
    assert event.actor == users[who] and event.target_id == str(issued.pk)
    assert event.extra["format"] == "pdf" and event.extra["holder"] is holder
    assert issued.number not in str(event.extra)


@pytest.mark.parametrize("who", ["worker_a2", "resident_a2", "town_b"])
def test_others_cannot_download(users, issued, who):
    with pytest.raises(NotFound):
        actions.certificate_pdf(actor=users[who], certificate_id=issued.pk, absolute_url=url_for)
    assert not AuditEvent.objects.filter(action="volunteers.certificate.download").exists()


def test_a_revoked_certificate_is_not_handed_out_again(users, issued):
    actions.certificate_revoke(actor=users["head_a1"], certificate_id=issued.pk, reason="错误")
    with pytest.raises(Conflict) as caught:
        actions.certificate_pdf(
            actor=users["resident_a1"], certificate_id=issued.pk, absolute_url=url_for
        )
    assert "can no longer be downloaded" in str(caught.value.message)
    assert not AuditEvent.objects.filter(action="volunteers.certificate.download").exists()
