"""The worker roster: recording, correcting and closing records, the one-secretary rule, one
live record per ID number, accounts, certificates, revealing numbers, and who reads what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, RoleAssignment
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.workforce import actions, queries
from linli.workforce.models import Certificate, Worker
from tests.conftest import make_user
from tests.registry.conftest import make_id
from tests.workforce.worker_fixtures import (  # noqa: F401 (fixtures)
    LI_ID,
    LI_PHONE,
    ZHANG_ID,
    counts,
    ladder_fixture,
    pref_officer_fixture,
    prefecture_fixture,
    province_fixture,
    roster_fixture,
    save,
)


def _today() -> dt.date:
    return timezone.localdate()


# --- recording a worker ------------------------------------------------------------------------


def test_community_head_records_a_worker_with_numbers_encrypted(tree, users, ladder):
    number = make_id("19880308", 21, female=True)
    worker = save(
        users["head_a1"],
        community=tree["a1"],
        name="  陈 静 ",
        post="social_work",
        id_number=number.lower(),
        phone="+86 139-0000-1234",
        education="bachelor",
        social_work_major=True,
        level_id=ladder["3-1"].pk,
    )
    worker.refresh_from_db()
    assert worker.name == "陈 静" and worker.area_code == tree["a1"].code
    assert worker.id_number == number and worker.phone == "13900001234"
    # The birth date and gender follow from the ID number.
    assert worker.birth_date == dt.date(1988, 3, 8) and worker.gender == "f"
    assert worker.level == ladder["3-1"] and worker.created_by == users["head_a1"]
    raw = Worker.objects.filter(pk=worker.pk).values_list("id_number", flat=True).query
    assert number not in str(raw)
    event = AuditEvent.objects.get(action="worker.create")
    assert event.target_id == str(worker.pk) and event.area_code == tree["a1"].code
    assert number not in str(event.extra) and "13900001234" not in str(event.extra)


def test_refused_outside_ones_community_and_without_manage(tree, users):
    before = counts()
    with pytest.raises(Forbidden):
        save(users["worker_a1"], community=tree["a1"], name="甲")  # view only
    with pytest.raises(NotFound):
        save(users["head_a1"], community=tree["a2"], name="乙")  # a neighbour's
    with pytest.raises(ActionError):
        save(users["town_a"], community=tree["town_a"], name="丙")  # not a community
    assert counts() == before


def test_bad_input_names_every_field_and_writes_nothing(tree, users):
    before = counts()
    tomorrow = _today() + dt.timedelta(days=1)
    with pytest.raises(ActionError) as caught:
        save(
            users["head_a1"],
            community=tree["a1"],
            name="  ",
            post="boss",
            id_number="220403198001011235",
            phone="12345",
            committee_role="secretary",
            hired_on=tomorrow.isoformat(),
        )
    errors = caught.value.errors
    assert {"name", "post", "id_number", "phone", "hired_on"} <= set(errors)
    assert "future" in errors["hired_on"][0]
    assert counts() == before
    assert not AuditEvent.objects.filter(action="worker.create").exists()


def test_committee_role_only_for_committee_members(tree, users):
    with pytest.raises(ActionError) as caught:
        save(
            users["head_a1"],
            community=tree["a1"],
            name="甲",
            post="grid",
            committee_role="director",
        )
    assert "two committees" in caught.value.errors["committee_role"][0]


def test_dates_must_fit_together(tree, users):
    with pytest.raises(ActionError) as caught:
        save(
            users["head_a1"],
            community=tree["a1"],
            name="甲",
            id_number=make_id("20150101", 3),
            hired_on="2020-01-01",
        )
    assert "16 or older" in caught.value.errors["hired_on"][0]
    with pytest.raises(ActionError) as caught:
        save(users["head_a1"], community=tree["a1"], name="甲", left_on="2019-01-01")
    assert "before they were hired" in caught.value.errors["left_on"][0]
    with pytest.raises(ActionError) as caught:
        save(
            users["head_a1"],
            community=tree["a1"],
            name="甲",
            id_number=ZHANG_ID,
            birth_date="1970-01-01",
        )
    assert "1980-01-01" in caught.value.errors["birth_date"][0]


def test_level_must_be_of_the_ladder_that_applies(tree, users, ladder, province):
    from linli.workforce.models import PostLevel

    elsewhere = PostLevel.objects.create(area=province, area_code=province.code, code="x", name="x")
    with pytest.raises(ActionError) as caught:
        save(users["head_a1"], community=tree["a1"], name="甲", level_id=elsewhere.pk)
    assert "ladder" in caught.value.errors["level_id"][0]


def test_one_secretary_and_one_director_per_community(tree, users, roster):
    head = users["head_a1"]
    before = counts()
    with pytest.raises(Conflict) as caught:
        save(head, community=tree["a1"], name="钱新", post="committee", committee_role="secretary")
    assert "张书记 is already the party secretary" in caught.value.message
    assert caught.value.errors == {"committee_role": [caught.value.message]}
    # "Both in one person" counts as both.
    with pytest.raises(Conflict):
        save(head, community=tree["a1"], name="钱新", post="committee", committee_role="both")
    assert counts() == before
    # A director is still free in A1; A2's 一肩挑 blocks both posts there.
    save(head, community=tree["a1"], name="钱新", post="committee", committee_role="director")
    with pytest.raises(Conflict) as caught:
        save(
            users["county"],
            community=tree["a2"],
            name="周新",
            post="committee",
            committee_role="director",
        )
    assert "赵主任" in caught.value.message
    # Once the secretary has left, the post is free.
    actions.worker_leave(actor=head, worker_id=roster["张书记"].pk, reason="退休")
    save(head, community=tree["a1"], name="吴新", post="committee", committee_role="secretary")


def test_correcting_the_secretary_keeps_the_post(tree, users, roster):
    zhang = roster["张书记"]
    saved = actions.worker_save(
        actor=users["head_a1"],
        worker_id=zhang.pk,
        name="张书记",
        post="committee",
        committee_role="secretary",
        hired_on="2019-03-01",
        party_member=True,
    )
    assert saved.hired_on == dt.date(2019, 3, 1)
    # The numbers were not given: they are kept.
    saved.refresh_from_db()
    assert saved.id_number == ZHANG_ID
    event = AuditEvent.objects.filter(action="worker.update").latest("id")
    assert "hired_on" in event.extra["fields"] and "id_number" not in event.extra["fields"]


def test_one_live_record_per_id_number(tree, users, roster):
    before = counts()
    with pytest.raises(Conflict) as caught:
        save(users["county"], community=tree["b1"], name="李网格", id_number=LI_ID)
    assert "仙城社区" in caught.value.message and caught.value.errors["id_number"]
    # Someone who cannot read A1 is not told where the person works.
    b_head = make_user("head_b1", Role.COMMUNITY_HEAD, tree["b1"])
    with pytest.raises(Conflict) as caught:
        save(b_head, community=tree["b1"], name="李网格", id_number=LI_ID)
    assert "仙城社区" not in caught.value.message and "elsewhere" in caught.value.message
    assert counts() == before
    # After leaving A1 the person may be recorded in B1.
    actions.worker_leave(actor=users["head_a1"], worker_id=roster["李网格"].pk, reason="调动")
    moved = save(b_head, community=tree["b1"], name="李网格", id_number=LI_ID)
    assert moved.area_code == tree["b1"].code


def test_a_worker_stays_in_their_community(tree, users, roster):
    with pytest.raises(ActionError) as caught:
        actions.worker_save(
            actor=users["county"],
            worker_id=roster["王社工"].pk,
            community_code=tree["b1"].code,
            name="王社工",
            post="social_work",
            hired_on="2020-03-01",
        )
    assert "leaving here" in caught.value.errors["community_code"][0]


def test_clearing_a_phone_and_correcting_refused_to_neighbours(tree, users, roster):
    li = roster["李网格"]
    actions.worker_save(
        actor=users["head_a1"],
        worker_id=li.pk,
        name="李网格",
        post="grid",
        hired_on="2020-03-01",
        phone="",
    )
    li.refresh_from_db()
    assert li.phone is None and li.id_number == LI_ID
    with pytest.raises(NotFound):
        actions.worker_save(
            actor=users["worker_a2"], worker_id=li.pk, name="x", post="grid", hired_on="2020-03-01"
        )
    with pytest.raises(Forbidden):
        actions.worker_save(
            actor=users["worker_a1"], worker_id=li.pk, name="x", post="grid", hired_on="2020-03-01"
        )


# --- leaving ------------------------------------------------------------------------------------


def test_worker_leaves_with_a_reason_once(tree, users, roster):
    wang = roster["王社工"]
    left = actions.worker_leave(
        actor=users["head_a1"], worker_id=wang.pk, left_on="2024-06-30", reason="辞职"
    )
    assert left.left_on == dt.date(2024, 6, 30) and left.leave_reason == "辞职"
    assert AuditEvent.objects.filter(action="worker.leave", target_id=str(wang.pk)).exists()
    with pytest.raises(Conflict):
        actions.worker_leave(actor=users["head_a1"], worker_id=wang.pk, reason="again")


def test_leaving_bad_input_and_refused(tree, users, roster):
    wang = roster["王社工"]
    with pytest.raises(ActionError) as caught:
        actions.worker_leave(
            actor=users["head_a1"], worker_id=wang.pk, left_on="2019-01-01", reason=""
        )
    assert set(caught.value.errors) == {"left_on", "reason"}
    with pytest.raises(Forbidden):
        actions.worker_leave(actor=users["worker_a1"], worker_id=wang.pk, reason="辞职")
    with pytest.raises(NotFound):
        actions.worker_leave(actor=users["town_b"], worker_id=wang.pk, reason="辞职")
    wang.refresh_from_db()
    assert wang.left_on is None


# --- accounts -----------------------------------------------------------------------------------


def test_link_an_account_of_the_community_by_username_or_phone(tree, users, roster):
    li = roster["李网格"]
    account = make_user("li_grid", Role.GRID_WORKER, tree["grid_a1"], phone="13700000009")
    linked = actions.worker_link_account(
        actor=users["head_a1"], worker_id=li.pk, login="137 0000 0009"
    )
    assert linked.user == account
    event = AuditEvent.objects.get(action="worker.link_account")
    assert event.extra == {"user": account.pk}
    # The account is linked to one live record.
    with pytest.raises(Conflict):
        actions.worker_link_account(
            actor=users["head_a1"], worker_id=roster["王社工"].pk, login="li_grid"
        )
    actions.worker_unlink_account(actor=users["head_a1"], worker_id=li.pk)
    li.refresh_from_db()
    assert li.user is None
    with pytest.raises(Conflict):
        actions.worker_unlink_account(actor=users["head_a1"], worker_id=li.pk)


def test_link_refuses_accounts_of_other_communities_and_unknown_ones(tree, users, roster):
    li = roster["李网格"]
    for login in ("worker_a2", "nobody", "13900000002", ""):
        with pytest.raises(ActionError):
            actions.worker_link_account(actor=users["head_a1"], worker_id=li.pk, login=login)
    # An account whose role in A1 was taken away no longer qualifies.
    RoleAssignment.objects.filter(user=users["grid_a1"]).delete()
    with pytest.raises(NotFound):
        actions.worker_link_account(actor=users["head_a1"], worker_id=li.pk, login="grid_a1")
    with pytest.raises(Forbidden):
        actions.worker_link_account(actor=users["worker_a1"], worker_id=li.pk, login="head_a1")
    li.refresh_from_db()
    assert li.user is None


# --- certificates -------------------------------------------------------------------------------


def test_certificates_once_per_level(tree, users, roster):
    li = roster["李网格"]
    cert = actions.certificate_add(
        actor=users["head_a1"],
        worker_id=li.pk,
        level="assistant",
        number="ZS2022-001",
        obtained_on="2022-06-18",
        expires_on="2025-06-17",
    )
    assert cert.area_code == tree["a1"].code and cert.created_by == users["head_a1"]
    with pytest.raises(Conflict):
        actions.certificate_add(
            actor=users["head_a1"], worker_id=li.pk, level="assistant", obtained_on="2023-01-01"
        )
    actions.certificate_add(
        actor=users["head_a1"], worker_id=li.pk, level="social_worker", obtained_on="2024-06-01"
    )
    assert (
        queries.highest_certificate(
            queries.worker_get(actor=users["head_a1"], worker_id=li.pk)
        ).level
        == "social_worker"
    )
    back = actions.certificate_remove(actor=users["head_a1"], certificate_id=cert.pk)
    assert back == li and not Certificate.objects.filter(pk=cert.pk).exists()
    assert AuditEvent.objects.filter(action="worker.certificate_remove").count() == 1


def test_certificate_bad_input_and_refused(tree, users, roster):
    li = roster["李网格"]
    before = counts()
    with pytest.raises(ActionError) as caught:
        actions.certificate_add(
            actor=users["head_a1"],
            worker_id=li.pk,
            level="master",
            obtained_on=(_today() + dt.timedelta(days=3)).isoformat(),
        )
    assert set(caught.value.errors) == {"level", "obtained_on"}
    with pytest.raises(ActionError) as caught:
        actions.certificate_add(
            actor=users["head_a1"],
            worker_id=li.pk,
            level="assistant",
            obtained_on="2022-06-18",
            expires_on="2021-01-01",
        )
    assert "expires_on" in caught.value.errors
    with pytest.raises(Forbidden):
        actions.certificate_add(
            actor=users["worker_a1"], worker_id=li.pk, level="assistant", obtained_on="2022-06-18"
        )
    zhang_cert = roster["张书记"].certificates.get()
    with pytest.raises(NotFound):
        actions.certificate_remove(actor=users["worker_a2"], certificate_id=zhang_cert.pk)
    assert counts() == before


# --- revealing ----------------------------------------------------------------------------------


def test_reveal_is_audited_and_needs_pii_reveal(tree, users, roster):
    li = roster["李网格"]
    assert (
        actions.worker_reveal(actor=users["worker_a1"], worker_id=li.pk, field="phone") == LI_PHONE
    )
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.target_type == "workforce.worker" and event.target_id == str(li.pk)
    assert event.extra == {"field": "phone"} and event.area_code == tree["a1"].code
    # The town officer reads the roster but may not reveal; a neighbour does not see it.
    with pytest.raises(Forbidden):
        actions.worker_reveal(actor=users["town_a"], worker_id=li.pk, field="id_number")
    with pytest.raises(NotFound):
        actions.worker_reveal(actor=users["worker_a2"], worker_id=li.pk, field="id_number")
    with pytest.raises(ActionError):
        actions.worker_reveal(actor=users["worker_a1"], worker_id=li.pk, field="name")
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 1


# --- reading ------------------------------------------------------------------------------------


def test_list_is_scoped_and_masked(tree, users, roster):
    names = lambda actor: {w.name for w in queries.worker_list(actor=actor)}  # noqa: E731
    assert names(users["worker_a1"]) == {"张书记", "李网格", "王社工"}
    assert names(users["worker_a2"]) == {"赵主任"}
    assert names(users["town_b"]) == {"孙委员"}
    assert len(names(users["county"])) == 5
    assert names(users["resident_a1"]) == set() and names(users["secadmin"]) == set()
    li = queries.worker_get(actor=users["worker_a1"], worker_id=roster["李网格"].pk)
    assert queries.masked_phone(li) == "138****5678"
    assert queries.masked_id(li).startswith("2204") and "*" in queries.masked_id(li)
    for actor in (users["worker_a2"], users["resident_a1"]):
        with pytest.raises(NotFound):
            queries.worker_get(actor=actor, worker_id=li.pk)


def test_list_filters(tree, users, roster):
    actor = users["county"]

    def names(**filters):
        return {
            w.name
            for w in queries.worker_list(actor=actor, filters=queries.WorkerFilters(**filters))
        }

    assert names(post="committee") == {"张书记", "赵主任", "孙委员"}
    assert names(committee_role="heads") == {"张书记", "赵主任"}
    assert names(party_member=True) == {"张书记"}
    assert names(education="college") == {"李网格"}
    assert names(certified="any") == {"张书记", "王社工"}
    assert names(certified="assistant") == {"王社工"}
    assert names(certified="none") == {"李网格", "赵主任", "孙委员"}
    assert names(area="220403001") == {"张书记", "李网格", "王社工", "赵主任"}
    assert names(q="网格") == {"李网格"}
    actions.worker_leave(actor=SYSTEM, worker_id=roster["孙委员"].pk, reason="辞职")
    assert names(status="left") == {"孙委员"} and len(names(status="all")) == 5
    with pytest.raises(ActionError) as caught:
        names(area="22a", post="boss", certified="gold", status="gone")
    assert set(caught.value.errors) == {"area", "post", "certified", "status"}


def test_list_reads_a_fixed_number_of_queries(tree, users, roster, django_assert_num_queries):
    for i in range(6):
        worker = save(community=tree["a1"], name=f"员工{i}", post="grid")
        actions.certificate_add(
            actor=SYSTEM, worker_id=worker.pk, level="assistant", obtained_on="2022-01-01"
        )
    actor = users["county"]
    with django_assert_num_queries(3):  # grants, workers with community and level, certificates
        rows = list(queries.worker_list(actor=actor)[:50])
        for row in rows:
            queries.highest_certificate(row)
            str(row.community.name), str(row.level)
    assert len(rows) == 11


def test_summary_per_child_area(tree, users, roster):
    summary = queries.roster_summary(actor=users["county"], area_code="220403")
    rows = {row.code: row for row in summary.rows}
    town_a = rows[tree["town_a"].code]
    assert (town_a.live, town_a.communities, town_a.party, town_a.certified) == (4, 2, 1, 2)
    assert town_a.by_post == {"committee": 2, "social_work": 1, "grid": 1, "other": 0}
    assert town_a.by_level == {"assistant": 1, "social_worker": 1, "senior": 0}
    assert (town_a.secretary, town_a.director, town_a.both) == (1, 0, 1)
    assert (town_a.with_secretary, town_a.with_director) == (2, 1)
    assert summary.total.live == 5 and summary.total.communities == 3
    # As of a date before anyone was hired, nobody is in post.
    past = queries.roster_summary(
        actor=users["county"], area_code="220403", as_of=dt.date(2019, 1, 1)
    )
    assert past.total.live == 0
    # A community's own summary is one row; a neighbour's is not found.
    own = queries.roster_summary(actor=users["worker_a1"])
    assert [r.code for r in own.rows] == [tree["a1"].code] and own.total.live == 3
    with pytest.raises(NotFound):
        queries.roster_summary(actor=users["worker_a2"], area_code=tree["a1"].code)
    with pytest.raises(NotFound):
        queries.roster_summary(actor=users["worker_a1"], area_code=tree["town_a"].code)


def test_summary_counts_in_sql(tree, users, roster, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        queries.roster_summary(actor=users["county"], area_code="220403")


def test_a_level_on_record_is_kept_when_another_ladder_comes_to_apply(tree, users, province):
    from linli.workforce.models import PostLevel

    actions.postlevel_defaults(actor=SYSTEM, area_code=province.code)
    old = PostLevel.objects.get(area=province, code="3-1")
    other = PostLevel.objects.get(area=province, code="3-2")
    worker = save(users["head_a1"], community=tree["a1"], name="甲", level_id=old.pk)
    prefecture = tree["county"].parent
    PostLevel.objects.create(area=prefecture, area_code=prefecture.code, code="n1", name="新一级")
    kept = actions.worker_save(
        actor=users["head_a1"],
        worker_id=worker.pk,
        name="甲",
        post="other",
        hired_on="2020-03-01",
        level_id=old.pk,
    )
    assert kept.level == old
    with pytest.raises(ActionError):
        actions.worker_save(
            actor=users["head_a1"],
            worker_id=worker.pk,
            name="甲",
            post="other",
            hired_on="2020-03-01",
            level_id=other.pk,
        )
