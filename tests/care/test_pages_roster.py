"""The care pages of the roster and the plans: a grid worker's visits, every plan of a month with
reassignment, the roster with risk levels, the visit rate, the county's policy table and the
plan runs.

Fixtures (tests/care/conftest.py): ``roster`` puts 李四 (A1's grid, worker grid_a1), 王五 (A1,
in no grid, no worker) and 赵六 (A2, no worker) on the roster with this month's plans.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.care import actions
from linli.care.models import Plan, Policy, Risk, Run, Subject, month_start
from linli.core.models import AuditEvent
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.registry import actions as registry_actions
from linli.registry.models import GridStaff
from tests.conftest import make_area, make_user
from tests.registry.conftest import make_id

PAGES = ("care:plans", "care:roster", "care:rate", "care:runs")


def text(response) -> str:
    return response.content.decode()


def ids(response, kind: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf'data-testid="{kind}-(\d+)"', text(response))}


def plans_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("care:plans") + (f"?{query}" if query else "")


def add_person(tree, community, name: str, seq: int, *, grid=None, tag="special_elderly"):
    """Someone else on the roster: a household of their own in ``community``."""
    household = registry_actions.household_create(
        actor=SYSTEM,
        community_code=community.code,
        residence_type="registered",
        address=f"{name}家",
    )
    if grid is not None:
        registry_actions.grid_assign(
            actor=SYSTEM, grid_code=grid.code, household_ids=[household.pk]
        )
    person = registry_actions.resident_add(
        actor=SYSTEM,
        household_id=household.pk,
        name=name,
        id_number=make_id("19420101", 100 + seq),
        relationship="head",
        moved_in_on="2000-01-01",
    )
    registry_actions.resident_tag_add(
        actor=SYSTEM, resident_id=person.pk, tag_code=tag, started_on="2024-01-01"
    )
    return person


# --- who may open the pages ----------------------------------------------------------------------


def test_pages_need_a_login_and_care_rights(client, login, users, roster):
    for name in (*PAGES, "care:policy"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for who in ("resident_a1", "dept", "sysadmin"):
        client = login(users[who])
        for name in (*PAGES, "care:policy"):
            assert client.get(reverse(name)).status_code == 403, (who, name)


def test_each_page_opens_for_the_roles_that_do_care_work(login, users, roster):
    for who in ("grid_a1", "worker_a1", "head_a1", "town_a", "county"):
        client = login(users[who])
        for name in PAGES:
            assert client.get(reverse(name)).status_code == 200, (who, name)
    assert login(users["county"]).get(reverse("care:policy")).status_code == 200
    for who in ("grid_a1", "head_a1", "town_a"):
        assert login(users[who]).get(reverse("care:policy")).status_code == 403


def test_a2_and_town_b_see_nothing_of_a1(login, users, roster):
    a1_names = ("李四", "王五", "仙城路")
    client = login(users["worker_a2"])
    for url in (
        plans_url(view="all"),
        plans_url(view="mine"),
        reverse("care:roster"),
        reverse("care:roster") + "?ended=1",
        reverse("care:rate"),
        reverse("care:runs"),
    ):
        page = text(client.get(url))
        assert not any(name in page for name in a1_names), url
    assert "赵六" in text(client.get(reverse("care:roster")))
    # a1's area asked for outright: refused, never shown
    assert (
        client.get(reverse("care:rate") + f"?area={roster['plans']['li'].area_code}").status_code
        == 404
    )
    response = client.get(plans_url(view="all", area="220403001001"))
    assert response.status_code == 400 and "李四" not in text(response)
    response = client.get(reverse("care:roster") + "?area=220403001001")
    assert "李四" not in text(response) and "王五" not in text(response)
    client = login(users["town_b"])
    for url in (plans_url(), reverse("care:roster"), reverse("care:rate")):
        page = text(client.get(url))
        assert not any(name in page for name in (*a1_names, "赵六")), url


# --- a grid worker's visits ----------------------------------------------------------------------


def test_a_grid_worker_sees_their_visits_with_a_button_to_record_one(login, users, roster):
    li = roster["plans"]["li"]
    response = login(users["grid_a1"]).get(reverse("care:plans"))
    page = text(response)
    assert ids(response, "due") == {li.pk}
    assert "李四" in page and "仙城路1号 2单元 502室" in page and "独居老人" in page
    assert "every month" in page and "0 of 1" in page
    assert reverse("care:visit_new", args=[li.subject_id]) in page
    assert reverse("care:subject", args=[li.subject_id]) in page
    days = (li.due_on - timezone.localdate()).days
    assert (f"{days} days left" in page) or (f"{days} day left" in page) or "due today" in page


def test_the_worker_list_comes_soonest_due_then_least_recently_visited(login, users, roster, tree):
    grid = tree["grid_a1"]
    add_person(tree, tree["a1"], "钱八", 1, grid=grid)
    actions.care_plan_generate(actor=SYSTEM, area_code=tree["county"].code, month=roster["month"])
    first = roster["plans"]["li"]
    Plan.objects.filter(pk=first.pk).update(last_visit_at=timezone.now(), required=2, done=1)
    response = login(users["grid_a1"]).get(reverse("care:plans"))
    page = text(response)
    assert page.index("钱八") < page.index("李四")
    assert "1 of 2" in page


def test_nothing_to_visit_says_so(login, users, roster):
    Plan.objects.filter(pk=roster["plans"]["li"].pk).update(done=1, status=Plan.Status.DONE)
    response = login(users["grid_a1"]).get(reverse("care:plans"))
    assert 'data-testid="no-due"' in text(response)


# --- every plan of a month ----------------------------------------------------------------------


def test_a_head_sees_every_plan_of_the_community_with_counts(login, users, roster):
    plans = roster["plans"]
    response = login(users["head_a1"]).get(reverse("care:plans"))
    page = text(response)
    assert ids(response, "plan") == {plans["li"].pk, plans["wang"].pk}
    assert 'data-count="roster">2<' in page and 'data-count="visited">0<' in page
    assert 'data-count="unassigned">1<' in page
    assert f'data-testid="unassigned-{plans["wang"].pk}"' in page
    assert "仙城社区第1网格" in page  # 李四's place


def test_plan_filters(login, users, roster, tree):
    plans = roster["plans"]
    Plan.objects.filter(pk=plans["li"].pk).update(done=1, status=Plan.Status.DONE)
    client = login(users["town_a"])
    everyone = {p.pk for p in plans.values()}
    assert ids(client.get(plans_url(view="all")), "plan") == everyone
    assert ids(client.get(plans_url(status="done")), "plan") == {plans["li"].pk}
    assert ids(client.get(plans_url(status="open")), "plan") == {plans["wang"].pk, plans["zhao"].pk}
    assert ids(client.get(plans_url(unassigned=1)), "plan") == {plans["wang"].pk, plans["zhao"].pk}
    assert ids(client.get(plans_url(worker=users["grid_a1"].pk)), "plan") == {plans["li"].pk}
    assert ids(client.get(plans_url(area=tree["a2"].code)), "plan") == {plans["zhao"].pk}
    assert ids(client.get(plans_url(area=tree["grid_a1"].code)), "plan") == {plans["li"].pk}
    last = month_start(roster["month"] - dt.timedelta(days=1))
    response = client.get(plans_url(month=f"{last:%Y-%m}"))
    assert ids(response, "plan") == set() and 'data-testid="no-plans"' in text(response)
    response = client.get(plans_url(view="all", month="2026-13"))
    assert response.status_code == 400
    assert "Enter a month as YYYY-MM." in text(response)
    assert ids(response, "plan") == everyone  # this month instead
    # the counts follow the area
    response = client.get(plans_url(area=tree["a1"].code))
    assert 'data-count="roster">2<' in text(response) and 'data-count="visited">1<' in text(
        response
    )


def test_an_area_that_is_no_code_is_reported_not_failed(login, users, roster):
    client = login(users["head_a1"])
    for url in (plans_url(view="all", area="abc"), reverse("care:roster") + "?area=abc"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert 'data-testid="filter-errors"' in text(response)
        assert "李四" in text(response)  # the list of all of theirs instead


def test_the_plan_list_is_refreshed_in_place_by_htmx(login, users, roster):
    response = login(users["head_a1"]).get(
        plans_url(view="all", unassigned=1), HTTP_HX_REQUEST="true"
    )
    page = text(response)
    assert "<html" not in page and 'data-testid="plan-table"' in page
    assert ids(response, "plan") == {roster["plans"]["wang"].pk}


def test_the_plans_page_reads_a_fixed_number_of_queries(
    login, users, roster, tree, django_assert_num_queries
):
    client = login(users["town_a"])
    url = plans_url(view="all")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    grid_b = make_area("220403001002001", "新兴社区第1网格")
    worker = make_user("grid_a2", Role.GRID_WORKER, grid_b)
    registry_actions.grid_staff_assign(
        actor=SYSTEM, grid_code=grid_b.code, duty=GridStaff.Duty.GRID_WORKER, user_id=worker.pk
    )
    for n in range(6):
        add_person(
            tree,
            tree["a2"] if n % 2 else tree["a1"],
            f"老人{n}",
            n + 10,
            grid=grid_b if n % 2 else None,
        )
    actions.care_plan_generate(actor=SYSTEM, area_code=tree["county"].code, month=roster["month"])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(ids(response, "plan")) == 9


def test_my_visits_read_a_fixed_number_of_queries(
    login, users, roster, tree, django_assert_num_queries
):
    client = login(users["grid_a1"])
    client.get(reverse("care:plans"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("care:plans"))
    for n in range(4):
        add_person(tree, tree["a1"], f"老人{n}", n + 20, grid=tree["grid_a1"])
    actions.care_plan_generate(actor=SYSTEM, area_code=tree["county"].code, month=roster["month"])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("care:plans"))
    assert len(ids(response, "due")) == 5


# --- reassignment --------------------------------------------------------------------------------


def reassign(client, plan, worker, back="view=all"):
    return client.post(
        reverse("care:plan_reassign", args=[plan.pk]), {"worker_id": worker.pk, "back": back}
    )


def test_a_head_gives_a_plan_to_a_worker_of_the_community(login, users, roster):
    wang = roster["plans"]["wang"]
    client = login(users["head_a1"])
    form = text(client.get(plans_url(view="all")))
    assert f'data-testid="reassign-{wang.pk}"' in form
    assert f'<option value="{users["worker_a1"].pk}">worker_a1</option>' in form
    response = reassign(client, wang, users["worker_a1"], back="view=all&unassigned=1")
    assert response.status_code == 302
    assert response["Location"] == plans_url(view="all", unassigned=1)
    assert Plan.objects.get(pk=wang.pk).worker_id == users["worker_a1"].pk
    assert AuditEvent.objects.filter(action="care.plan_reassign").count() == 1
    page = text(client.get(response["Location"]))
    assert "now worker_a1" in page


def test_reassignment_is_for_planners_of_the_place(login, users, roster, care_counts):
    wang = roster["plans"]["wang"]
    before = care_counts()
    for who in ("worker_a1", "grid_a1", "worker_a2"):
        assert reassign(login(users[who]), wang, users["head_a1"]).status_code == 403
    assert reassign(login(users["town_b"]), wang, users["head_a1"]).status_code == 404
    assert Plan.objects.get(pk=wang.pk).worker_id is None
    assert care_counts() == before
    # the form is not offered to those who cannot plan
    assert 'data-testid="reassign-' not in text(
        login(users["worker_a1"]).get(plans_url(view="all"))
    )


def test_a_refused_reassignment_is_shown_beside_its_plan(login, users, roster, care_counts):
    wang, li = roster["plans"]["wang"], roster["plans"]["li"]
    client = login(users["head_a1"])
    before = care_counts()
    # someone who serves elsewhere is not among the choices
    response = reassign(client, wang, users["worker_a2"])
    assert response.status_code == 400
    assert f'data-testid="reassign-{wang.pk}"' in text(response)
    assert "Select a valid choice" in text(response)
    # a plan already met: the action refuses, in words
    Plan.objects.filter(pk=li.pk).update(done=1, status=Plan.Status.DONE)
    response = reassign(client, li, users["worker_a1"])
    assert response.status_code == 409
    assert "This plan is no longer open: it was met or dropped." in text(response)
    # the plan is filtered out of the list sent back: the message goes above the list
    response = reassign(client, li, users["worker_a1"], back="view=all&status=open")
    assert response.status_code == 409
    assert 'data-testid="filter-errors"' in text(response)
    assert "no longer open" in text(response)
    assert care_counts() == before
    assert Plan.objects.get(pk=li.pk).worker_id == users["grid_a1"].pk


# --- the roster ----------------------------------------------------------------------------------


def roster_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("care:roster") + (f"?{query}" if query else "")


def test_the_roster_lists_people_with_their_groups_and_month(login, users, roster):
    subjects = roster["subjects"]
    response = login(users["head_a1"]).get(reverse("care:roster"))
    page = text(response)
    assert ids(response, "subject") == {subjects["li"].pk, subjects["wang"].pk}
    assert "独居老人" in page and "残疾人" in page
    assert "0 of 1 visits · grid_a1" in page
    assert reverse("care:subject", args=[subjects["li"].pk]) in page


def test_roster_filters(login, users, roster, tree):
    subjects = roster["subjects"]
    client = login(users["town_a"])
    assert ids(client.get(roster_url(q="李四")), "subject") == {subjects["li"].pk}
    assert ids(client.get(roster_url(q="ls")), "subject") == {subjects["li"].pk}
    assert ids(client.get(roster_url(kind="disability")), "subject") == {subjects["wang"].pk}
    assert ids(client.get(roster_url(area=tree["a2"].code)), "subject") == {subjects["zhao"].pk}
    assert ids(client.get(roster_url(worker=users["grid_a1"].pk)), "subject") == {subjects["li"].pk}
    Subject.objects.filter(pk=subjects["zhao"].pk).update(risk=Risk.HIGH)
    assert ids(client.get(roster_url(risk="high")), "subject") == {subjects["zhao"].pk}
    # the area picker offers the areas one level down
    page = text(client.get(reverse("care:roster")))
    assert (
        f'<option value="{tree["a1"].code}">' in page
        and f'<option value="{tree["a2"].code}">' in page
    )


def test_the_roster_keeps_who_left_and_why(login, users, roster, homes, tree):
    li = roster["subjects"]["li"]
    registry_actions.resident_tag_end(
        actor=SYSTEM, membership_id=homes["tags"]["li_alone"].pk, ended_on=timezone.localdate()
    )
    actions.care_roster_refresh(actor=SYSTEM, area_code=tree["county"].code)
    client = login(users["head_a1"])
    assert li.pk not in ids(client.get(reverse("care:roster")), "subject")
    response = client.get(roster_url(ended=1))
    assert li.pk in ids(response, "subject")
    assert "no longer in a care group" in text(response)
    assert f'data-testid="risk-{li.pk}"' not in text(response)


def test_a_full_number_is_not_searched_nor_kept_in_the_address(login, users, roster):
    client = login(users["head_a1"])
    response = client.get(roster_url(q="13698765432", kind="elderly"))
    assert response.status_code == 302 and response["Location"] == roster_url(kind="elderly")
    page = text(client.get(response["Location"]))
    assert "13698765432" not in page
    assert "Search the roster by name." in page
    partial = text(client.get(roster_url(q="220403194002020091"), HTTP_HX_REQUEST="true"))
    assert "Search the roster by name." in partial and "2204031940" not in partial


def test_the_roster_is_refreshed_in_place_by_htmx(login, users, roster):
    response = login(users["head_a1"]).get(roster_url(kind="disability"), HTTP_HX_REQUEST="true")
    assert "<html" not in text(response) and 'data-testid="roster-table"' in text(response)
    assert response["HX-Push-Url"] == roster_url(kind="disability")


def test_the_roster_reads_a_fixed_number_of_queries(
    login, users, roster, tree, django_assert_num_queries
):
    client = login(users["head_a1"])
    client.get(reverse("care:roster"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("care:roster"))
    for n in range(5):
        add_person(tree, tree["a1"], f"老人{n}", n + 30, grid=tree["grid_a1"] if n % 2 else None)
    actions.care_plan_generate(actor=SYSTEM, area_code=tree["county"].code, month=roster["month"])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("care:roster"))
    assert len(ids(response, "subject")) == 7


# --- risk ----------------------------------------------------------------------------------------


def set_risk(client, subject, risk, back=""):
    return client.post(
        reverse("care:subject_risk", args=[subject.pk]), {"risk": risk, "back": back}
    )


def test_a_head_marks_someone_at_high_risk(login, users, roster):
    li = roster["subjects"]["li"]
    client = login(users["head_a1"])
    assert f'data-testid="risk-{li.pk}"' in text(client.get(reverse("care:roster")))
    response = set_risk(client, li, Risk.HIGH, back="kind=elderly")
    assert response.status_code == 302 and response["Location"] == roster_url(kind="elderly")
    li.refresh_from_db()
    assert li.risk == Risk.HIGH and li.frequency == "weekly"
    assert Plan.objects.get(pk=roster["plans"]["li"].pk).required == 4
    assert "risk set to “high risk”, visited every week" in text(client.get(response["Location"]))


def test_risk_is_for_planners_of_the_place(login, users, roster, care_counts):
    li = roster["subjects"]["li"]
    before = care_counts()
    for who in ("worker_a1", "grid_a1", "worker_a2"):
        assert set_risk(login(users[who]), li, Risk.HIGH).status_code == 403
    assert set_risk(login(users["town_b"]), li, Risk.HIGH).status_code == 404
    assert set_risk(login(users["town_b"]), li, "nonsense").status_code == 404
    assert Subject.objects.get(pk=li.pk).risk == Risk.NORMAL
    assert care_counts() == before
    assert 'data-testid="risk-' not in text(login(users["worker_a1"]).get(reverse("care:roster")))


def test_a_refused_risk_change_is_shown(login, users, roster, homes, tree, care_counts):
    li = roster["subjects"]["li"]
    client = login(users["head_a1"])
    response = set_risk(client, li, "extreme")
    assert response.status_code == 400
    assert f'data-testid="risk-{li.pk}"' in text(response) and "Select a valid choice" in text(
        response
    )
    registry_actions.resident_tag_end(
        actor=SYSTEM, membership_id=homes["tags"]["li_alone"].pk, ended_on=timezone.localdate()
    )
    actions.care_roster_refresh(actor=SYSTEM, area_code=tree["county"].code)
    before = care_counts()
    response = set_risk(client, li, Risk.HIGH, back="ended=1")
    assert response.status_code == 400
    assert "This person has left the care roster." in text(response)
    assert care_counts() == before


# --- the visit rate ------------------------------------------------------------------------------


def chart(response) -> dict:
    found = re.search(
        r'<script id="care-rate-data" type="application/json">(.*?)</script>', text(response), re.S
    )
    return json.loads(found.group(1))


def test_the_rate_of_the_county_town_community_and_grid(login, users, roster, tree):
    Plan.objects.filter(pk=roster["plans"]["li"].pk).update(done=1, status=Plan.Status.DONE)
    client = login(users["county"])
    response = client.get(reverse("care:rate"))
    page = text(response)
    assert 'data-testid="rate-percent">33.3%<' in page
    assert 'data-testid="rate-visited">1<' in page and 'data-testid="rate-roster">3<' in page
    assert f'href="{reverse("care:rate")}?area={tree["town_a"].code}"' in page
    data = chart(response)
    assert data["areas"]["names"] == ["仙城街道"] and data["areas"]["rates"] == [33.3]
    assert len(data["trend"]["months"]) == 12
    assert data["trend"]["months"][-1] == f"{roster['month']:%Y-%m}"
    assert data["trend"]["rates"][-1] == 33.3
    # a county's people not yet visited are listed when asked for (the page stays fast)
    assert ids(response, "missing") == set()
    assert 'data-testid="missing-count"' in page and "2 people still need a visit" in page
    listed = client.get(reverse("care:rate") + "?list=1")
    assert ids(listed, "missing") == {roster["plans"]["wang"].pk, roster["plans"]["zhao"].pk}
    partial = client.get(reverse("care:rate") + "?list=1", HTTP_HX_REQUEST="true")
    assert "<html" not in text(partial) and 'id="care-missing"' in text(partial)
    assert ids(partial, "missing") == ids(listed, "missing")
    response = client.get(reverse("care:rate") + f"?area={tree['town_a'].code}")
    # a town's are listed at once, with their days left
    assert ids(response, "missing") == {roster["plans"]["wang"].pk, roster["plans"]["zhao"].pk}
    assert f'data-row="{tree["a1"].code}"' in text(
        response
    ) and f'data-row="{tree["a2"].code}"' in text(response)
    assert 'data-testid="rate-up"' in text(response)  # back to the county
    town_page = text(login(users["town_a"]).get(reverse("care:rate")))
    assert 'data-testid="rate-up"' not in town_page  # a town officer's widest area is the town
    client = login(users["county"])
    response = client.get(reverse("care:rate") + f"?area={tree['a1'].code}")
    page = text(response)
    assert f'data-row="{tree["grid_a1"].code}"' in page and "not in a grid" in page
    assert 'data-testid="rate-percent">50.0%<' in page
    assert 'data-testid="rate-up"' in page
    response = client.get(reverse("care:rate") + f"?area={tree['grid_a1'].code}")
    assert 'data-testid="rate-percent">100.0%<' in text(response)
    assert 'data-testid="all-visited"' in text(response)


def test_the_rate_of_another_month_and_a_bad_month(login, users, roster):
    client = login(users["town_a"])
    last = month_start(roster["month"] - dt.timedelta(days=1))
    response = client.get(reverse("care:rate") + f"?month={last:%Y-%m}")
    assert 'data-testid="rate-roster">0<' in text(response)
    response = client.get(reverse("care:rate") + "?month=1999-01")
    assert response.status_code == 400
    assert "Choose a month from 2000-01 up to next month." in text(response)
    assert 'data-testid="rate-roster">3<' in text(response)


def test_the_rate_page_stays_within_ones_areas(login, users, roster, tree):
    client = login(users["head_a1"])
    response = client.get(reverse("care:rate"))
    assert 'data-testid="rate-roster">2<' in text(response)
    assert client.get(reverse("care:rate") + f"?area={tree['a2'].code}").status_code == 404
    assert client.get(reverse("care:rate") + f"?area={tree['town_a'].code}").status_code == 404
    assert client.get(reverse("care:rate") + "?area=nonsense").status_code == 404


def test_the_rate_page_reads_a_fixed_number_of_queries(
    login, users, roster, tree, django_assert_num_queries
):
    client = login(users["county"])
    url = reverse("care:rate") + "?list=1"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(4):
        community = make_area(f"22040300200{n + 2}", f"东山第{n}社区", "111")
        add_person(tree, community, f"老人{n}", n + 40)
    actions.care_plan_generate(actor=SYSTEM, area_code=tree["county"].code, month=roster["month"])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert 'data-testid="rate-roster">7<' in text(response)
    assert len(ids(response, "missing")) == 7


# --- the policy table ----------------------------------------------------------------------------


def policy_post(client, county, **data):
    fields = {
        "county": county.code,
        "tag_code": "special_elderly",
        "kind": "elderly",
        "frequency": "monthly",
        "high_risk_frequency": "weekly",
        "grades": "",
        "active": "on",
    }
    fields.update(data)
    return client.post(reverse("care:policy"), {k: v for k, v in fields.items() if v is not None})


def test_an_empty_policy_offers_the_built_in_one(login, users, tree):
    client = login(users["county"])
    page = text(client.get(reverse("care:policy")))
    assert 'data-testid="policy-empty"' in page and 'data-testid="policy-defaults"' in page
    response = client.post(reverse("care:policy_defaults"), {"county": tree["county"].code})
    assert response.status_code == 302
    assert Policy.objects.filter(area_code=tree["county"].code).count() == 4
    page = text(client.get(response["Location"]))
    assert "4 rows of the built-in policy were added." in page
    assert (
        'data-testid="policy-special_elderly"' in page and 'data-testid="policy-disability"' in page
    )
    assert "一级, 二级" in page


def test_a_row_is_changed_and_a_group_added(login, users, tree, policy):
    client = login(users["county"])
    response = policy_post(client, tree["county"], row="1", frequency="fortnightly")
    assert response.status_code == 302
    assert Policy.objects.get(pk=policy["special_elderly"].pk).frequency == "fortnightly"
    response = policy_post(client, tree["county"], tag_code="tekun", active=None)
    assert response.status_code == 302
    added = Policy.objects.get(area_code=tree["county"].code, tag_id="tekun")
    assert added.active is False and added.updated_by == users["county"]
    page = text(client.get(response["Location"]))
    assert "is saved" in page and 'data-testid="policy-tekun"' in page


def test_a_refused_policy_row_is_shown_and_nothing_is_written(
    login, users, tree, policy, care_counts
):
    client = login(users["county"])
    before = care_counts()
    response = policy_post(
        client, tree["county"], row="1", frequency="weekly", high_risk_frequency="monthly"
    )
    assert response.status_code == 400
    assert "People at high risk are visited at least as often as the others." in text(response)
    response = policy_post(client, tree["county"], tag_code="veteran", grades="一级")
    assert response.status_code == 400
    assert "This group records no grades." in text(response)
    response = policy_post(client, tree["county"], tag_code="")
    assert response.status_code == 400 and "Choose the group to visit." in text(response)
    assert care_counts() == before
    assert Policy.objects.get(pk=policy["special_elderly"].pk).frequency == "monthly"


def test_the_policy_is_the_county_officers(login, users, tree, policy, care_counts):
    before = care_counts()
    for who in ("head_a1", "town_a", "worker_a1"):
        client = login(users[who])
        assert policy_post(client, tree["county"], frequency="weekly").status_code == 403
        assert (
            client.post(
                reverse("care:policy_defaults"), {"county": tree["county"].code}
            ).status_code
            == 403
        )
    other = make_area("220402", "龙山区")
    officer = make_user("county_b", Role.COUNTY_OFFICER, other)
    client = login(officer)
    assert policy_post(client, tree["county"], frequency="weekly").status_code == 404
    assert client.get(reverse("care:policy") + f"?county={tree['county'].code}").status_code == 404
    assert care_counts() == before


# --- plan runs -----------------------------------------------------------------------------------


def test_a_month_is_planned_again_and_the_run_is_followed(
    login, users, tree, policy, duty, care_tags, month, django_capture_on_commit_callbacks
):
    client = login(users["county"])
    page = text(client.get(reverse("care:runs")))
    assert 'data-testid="no-runs"' in page and 'data-testid="run-form"' in page
    response = client.post(
        reverse("care:runs"), {"area_code": tree["county"].code, "month": f"{month:%Y-%m}"}
    )
    assert response.status_code == 302
    run = Run.objects.get()
    assert run.status == Run.Status.QUEUED and run.created_by == users["county"]
    page = text(client.get(reverse("care:runs")))
    assert 'hx-trigger="every 2s"' in page and f'data-testid="run-{run.pk}"' in page
    partial = text(client.get(reverse("care:runs"), HTTP_HX_REQUEST="true"))
    assert "<html" not in partial and 'id="care-runs"' in partial
    # asking again while it waits: refused, in words
    response = client.post(
        reverse("care:runs"), {"area_code": tree["county"].code, "month": f"{month:%Y-%m}"}
    )
    assert response.status_code == 409
    assert "already being made" in text(response)
    actions.care_plan_run(run_id=run.pk)
    page = text(client.get(reverse("care:runs")))
    assert 'hx-trigger="every 2s"' not in page
    assert "plans made" in page and 'data-status="done"' in page
    assert Plan.objects.filter(month=month).count() == 3


def test_runs_are_asked_for_only_by_planners_and_with_a_month(
    login, users, tree, policy, month, care_counts
):
    before = care_counts()
    response = login(users["worker_a1"]).post(
        reverse("care:runs"), {"area_code": tree["a1"].code, "month": f"{month:%Y-%m}"}
    )
    assert response.status_code == 403
    assert 'data-testid="run-form"' not in text(login(users["worker_a1"]).get(reverse("care:runs")))
    client = login(users["town_b"])
    response = client.post(
        reverse("care:runs"), {"area_code": tree["a1"].code, "month": f"{month:%Y-%m}"}
    )
    assert response.status_code == 400 and "Select a valid choice" in text(response)
    client = login(users["head_a1"])
    response = client.post(reverse("care:runs"), {"area_code": tree["a1"].code, "month": "13/2026"})
    assert response.status_code == 400 and "Enter a month as YYYY-MM." in text(response)
    assert care_counts() == before


def test_runs_of_other_areas_are_not_listed(login, users, tree, policy, month):
    actions.care_plan_request(actor=users["town_a"], area_code=tree["a1"].code, month=month)
    assert 'data-testid="run-' in text(login(users["head_a1"]).get(reverse("care:runs")))
    page = text(login(users["town_b"]).get(reverse("care:runs")))
    assert 'data-testid="no-runs"' in page and "仙城" not in page
    assert "仙城" not in text(login(users["worker_a2"]).get(reverse("care:runs")))


@pytest.mark.parametrize("name", ["care:plan_reassign", "care:subject_risk"])
def test_row_forms_answer_only_posts(login, users, roster, name):
    target = roster["plans"]["wang"] if name == "care:plan_reassign" else roster["subjects"]["wang"]
    assert login(users["head_a1"]).get(reverse(name, args=[target.pk])).status_code == 405
