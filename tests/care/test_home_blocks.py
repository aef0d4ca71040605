"""The care blocks of the home pages: a grid worker's visits to make (staff home) and the visit
rate of an officer's area (officer home)."""

from __future__ import annotations

import datetime as dt
import html
import re
from types import SimpleNamespace

from django.urls import reverse

from linli.care.models import Plan, month_start
from linli.care.views import home
from linli.core import scoping
from linli.core.roles import Cap


def text(response) -> str:
    return response.content.decode()


def last_month_plan(plan: Plan) -> Plan:
    """A copy of ``plan`` for last month, never visited (the month is over)."""
    month = month_start(plan.month - dt.timedelta(days=1))
    return Plan.objects.create(
        subject_id=plan.subject_id,
        resident_id=plan.resident_id,
        area_code=plan.area_code,
        month=month,
        due_on=plan.month - dt.timedelta(days=1),
        frequency=plan.frequency,
        required=1,
        worker_id=plan.worker_id,
    )


def test_a_grid_worker_sees_how_many_to_visit(login, users, roster):
    page = text(login(users["grid_a1"]).get(reverse("web:home")))
    assert 'data-testid="home-care-visits"' in page
    assert f'href="{reverse("care:plans")}?view=mine" data-testid="home-care-due">1<' in page
    assert 'data-testid="home-care-overdue"' not in page


def test_last_months_unmet_visits_show_as_overdue(login, users, roster):
    plan = last_month_plan(roster["plans"]["li"])
    page = text(login(users["grid_a1"]).get(reverse("web:home")))
    found = re.search(r'href="([^"]+)" data-testid="home-care-overdue">1<', page)
    assert found and "not visited enough last month" in page
    response = login(users["grid_a1"]).get(html.unescape(found.group(1)))
    assert response.status_code == 200
    assert f'data-testid="plan-{plan.pk}"' in text(response)


def test_no_block_without_visits_of_ones_own(login, users, roster):
    # a community head does care visits but has none this month; a resident has no care work
    assert 'data-testid="home-care-visits"' not in text(login(users["head_a1"]).get("/"))
    Plan.objects.filter(pk=roster["plans"]["li"].pk).update(done=1, status=Plan.Status.DONE)
    assert 'data-testid="home-care-visits"' not in text(login(users["grid_a1"]).get("/"))
    assert 'data-testid="home-care' not in text(login(users["resident_a1"]).get("/"))


def test_an_officer_sees_the_visit_rate_of_their_area(login, users, roster):
    Plan.objects.filter(pk=roster["plans"]["li"].pk).update(done=1, status=Plan.Status.DONE)
    page = text(login(users["county"]).get(reverse("web:home")))
    assert 'data-testid="home-care-rate"' in page
    assert 'data-testid="home-care-percent">33.3%<' in page
    assert "1 of 3 people" in page and "西安区" in page
    assert f'href="{reverse("care:rate")}"' in page
    page = text(login(users["town_a"]).get(reverse("web:home")))
    assert 'data-testid="home-care-percent">33.3%<' in page and "仙城街道" in page
    page = text(login(users["town_b"]).get(reverse("web:home")))
    assert 'data-testid="home-care-percent">—<' in page and "0 of 0 people" in page
    # a department officer reads no care figures
    assert 'data-testid="home-care-rate"' not in text(login(users["dept"]).get(reverse("web:home")))


def _warm(user):
    """The home page has read the user's grants before the blocks are asked."""
    scoping.has_cap(user, Cap.CARE_VIEW)


def test_each_block_reads_at_most_two_queries(users, roster, django_assert_max_num_queries):
    last_month_plan(roster["plans"]["li"])
    worker = users["grid_a1"]
    _warm(worker)
    with django_assert_max_num_queries(2):
        block = home.staff_visits(SimpleNamespace(user=worker))
    assert block["due"] == 1 and block["overdue"] == 1
    officer = users["county"]
    _warm(officer)
    with django_assert_max_num_queries(2):
        block = home.officer_rate(SimpleNamespace(user=officer))
    assert (block["visited"], block["roster"]) == (0, 3)


def test_the_blocks_say_nothing_to_those_without_care_rights(users, roster):
    for who in ("dept", "resident_a1", "sysadmin"):
        request = SimpleNamespace(user=users[who])
        assert home.staff_visits(request) is None
        assert home.officer_rate(request) is None
