"""The matching demo: needs listed from appeals, from care visits and by the communities'
workers, the county's teams and venues on the resources list, needs matched to volunteer teams
(one done, one called off), needs left waiting for the towns to see, livelihood projects in
every state, and a second load that changes nothing.

The demo loaders it builds on and this one run once for the module (with a small registry),
inside a transaction rolled back at the end; each test runs in a savepoint of it."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from linli.appeals.demo import load_appeals_demo
from linli.appeals.models import OPEN_STATES, Appeal
from linli.care.demo import load_care_demo
from linli.core.demo import load_core_demo
from linli.core.models import AuditEvent, Notification, RoleAssignment, User
from linli.core.roles import Role
from linli.facilities.demo import load_facilities_demo
from linli.facilities.models import Venue
from linli.matching.actions.lists import IMPORT_APPEAL_KEYS
from linli.matching.demo import (
    APPEALS_MAX,
    CARE_DAYS,
    CARE_MAX,
    ENTERED,
    PROJECTS,
    load_matching_demo,
)
from linli.matching.models import (
    Category,
    LivelihoodProject,
    Match,
    Need,
    ProjectMilestone,
    ProjectUpdate,
    Resource,
    ResourceCategory,
)
from linli.matching.queries import lists as queries
from linli.registry.demo import load_registry_demo
from linli.volunteers.demo import load_volunteers_demo
from linli.volunteers.models import Activity, Team

N = 600
COUNTY = "220403"
Status = LivelihoodProject.Status


def _eligible_appeals() -> int:
    """Open appeals asking for help for a person, in a community or grid of the county."""
    rows = Appeal.objects.filter(
        Q(category__key__in=IMPORT_APPEAL_KEYS) | Q(category__parent__key__in=IMPORT_APPEAL_KEYS),
        area_code__startswith=COUNTY,
        state__in=OPEN_STATES,
    ).values_list("area_code", flat=True)
    return sum(1 for code in rows if len(code) >= 12 and not code.endswith("000"))


def _eligible_care_needs() -> int:
    """Needs found on care visits of the last three months, not met, that raised no appeal
    listed from the appeals (all of those eligible are, up to the first APPEALS_MAX)."""
    from linli.care.models import Need as CareNeed

    rows = CareNeed.objects.filter(
        area_code__startswith=COUNTY,
        met_on__isnull=True,
        created_at__gte=timezone.now() - dt.timedelta(days=CARE_DAYS),
    )
    return rows.filter(Q(appeal__isnull=True) | ~Q(appeal__state__in=OPEN_STATES)).count()


def _found_on_a_visit() -> None:
    """A need found on this week's visit to someone on the care roster."""
    from linli.care.models import Need as CareNeed
    from linli.care.models import Subject

    subject = Subject.objects.filter(area_code__startswith=COUNTY, ended_on__isnull=True).first()
    CareNeed.objects.create(
        subject=subject,
        resident=subject.resident,
        area_code=subject.area_code,
        kind="meals",
        description="腿脚不便，需要每周送餐",
    )


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The loaders the lists draw on, then the matching demo (timed); rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_core_demo()
        load_registry_demo(residents=N)
        load_appeals_demo(residents=N, appeals=120)
        load_care_demo()
        load_facilities_demo()
        load_volunteers_demo()
        _found_on_a_visit()
        eligible = (_eligible_appeals(), _eligible_care_needs())
        started = time.perf_counter()
        out = load_matching_demo()
        seconds = time.perf_counter() - started
        yield out, seconds, eligible
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    return loaded


def test_listed_after_the_volunteers_loader_and_before_the_plans():
    loaders = settings.DEMO_LOADERS
    position = loaders.index("linli.matching.demo.load_matching_demo")
    assert loaders.index("linli.volunteers.demo.load_volunteers_demo") < position
    assert position < loaders.index("linli.plans.demo.load_plans_demo")


def test_needs_from_appeals_care_visits_and_the_workers(demo):
    out, seconds, eligible = demo
    print(f"matching demo loaded in {seconds:.1f} s")  # measured, not asserted
    assert out.startswith("Matching demo:") and "waiting for help" in out
    needs = Need.objects.filter(area_code__startswith=COUNTY)

    from_appeals = needs.filter(source=Need.Source.APPEAL)
    assert eligible[0] >= 1
    assert from_appeals.count() == min(APPEALS_MAX, eligible[0])
    assert all(n.appeal_id and n.appeal.area_code == n.area_code for n in from_appeals)
    from_care = needs.filter(source=Need.Source.CARE_VISIT)
    assert 1 <= from_care.count() == min(CARE_MAX, eligible[1])
    assert all(n.care_need_id and n.care_need.met_on is None for n in from_care)
    # A care-visit need that raised an appeal listed here is listed once, as the appeal.
    listed_appeals = set(from_appeals.values_list("appeal_id", flat=True))
    assert not from_care.filter(care_need__appeal_id__in=listed_appeals).exists()

    entered = needs.filter(source=Need.Source.ENTERED)
    assert entered.count() == len(ENTERED)
    assert {Category.ELDERLY_CARE, Category.CHILDREN, Category.DISABILITY} <= set(
        entered.values_list("category", flat=True)
    )
    assert len(set(entered.values_list("area_code", flat=True))) >= 8
    # Each is listed by a worker of its own community, on a day of the past weeks.
    workers = {
        (ra.area_id, ra.user_id)
        for ra in RoleAssignment.objects.filter(
            role__in=[Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD]
        )
    }
    assert all((n.area_code[:12], n.created_by_id) in workers for n in needs)
    assert len({n.created_at.date() for n in entered}) >= 8
    assert all(n.wanted_until and n.wanted_until >= n.wanted_from for n in entered)


def test_the_county_teams_and_venues_are_resources(demo):
    teams = Team.objects.filter(area_code__startswith=COUNTY, active=True)
    venues = Venue.objects.filter(area_code__startswith=COUNTY, active=True)
    resources = Resource.objects.filter(area_code__startswith=COUNTY, active=True)
    assert resources.filter(kind=Resource.Kind.TEAM).count() == teams.count() > 0
    assert resources.filter(kind=Resource.Kind.VENUE).count() == venues.count() > 0
    assert ResourceCategory.objects.filter(category=Category.ELDERLY_CARE, active=True).exists()
    sync = AuditEvent.objects.get(action="resource.sync")
    assert (sync.actor_label, sync.area_code) == ("system", "220403000000")


def test_matches_to_teams_one_done_one_called_off(demo):
    matches = Match.objects.filter(area_code__startswith=COUNTY).select_related("need", "resource")
    assert matches.count() >= 4
    assert all(m.resource.kind == Resource.Kind.TEAM for m in matches)
    by_status = Counter(m.status for m in matches)
    assert by_status[Match.Status.DONE] == 1 and by_status[Match.Status.CANCELLED] == 1
    done = matches.get(status=Match.Status.DONE)
    assert done.need.status == Need.Status.MET and done.ended_at
    called_off = matches.get(status=Match.Status.CANCELLED)
    assert called_off.need.status == Need.Status.OPEN  # it waits again
    for match in matches.filter(status=Match.Status.ACTIVE):
        assert match.need.status == Need.Status.MATCHED
        assert match.activity.status == Activity.Status.DRAFT
        assert match.confirmed_by_id == match.need.created_by_id
    # Capacity held is what the live matches hold.
    for resource in Resource.objects.filter(matches__isnull=False).distinct():
        live = resource.matches.filter(status=Match.Status.ACTIVE)
        assert resource.in_use == sum(m.need.people for m in live)

    # 仙城社区's older person living alone goes to the team 王秀兰 leads, and she is told.
    alone = Need.objects.get(title=ENTERED[0].title)
    match = alone.matches.get()
    assert match.resource.team.leader.user.username == "resident"
    told = Notification.objects.filter(user__username="resident", kind="matching.team_matched")
    assert str(match.activity_id) in set(told.values_list("target_id", flat=True))


def test_needs_wait_for_the_towns_to_see(demo):
    town = User.objects.get(username="town")
    waiting = queries.needs_waiting(actor=town)
    assert waiting.area.code == "220403001000" and waiting.total >= 2 and waiting.rows
    county = queries.needs_waiting(actor=User.objects.get(username="county"))
    assert county.total >= 8 and len(county.rows) >= 4
    assert min(r.oldest for r in county.rows) < max(r.oldest for r in county.rows)
    open_needs = Need.objects.filter(status=Need.Status.OPEN)
    assert not Match.objects.filter(need__in=open_needs, status=Match.Status.ACTIVE).exists()
    # What no team offers waits: help for people with disabilities and meals.
    assert set(
        open_needs.filter(source=Need.Source.ENTERED).values_list("category", flat=True)
    ) >= {Category.DISABILITY, Category.MEALS}


def test_livelihood_projects_in_every_state(demo):
    projects = LivelihoodProject.objects.filter(area_code__startswith=COUNTY)
    assert 4 <= projects.count() == len(PROJECTS) <= 6
    assert Counter(projects.values_list("status", flat=True)) == {
        Status.DONE: 1,
        Status.UNDER_WAY: 3,
        Status.PLANNED: 1,
        Status.CANCELLED: 1,
    }
    assert projects.filter(published=True).count() == len(PROJECTS) - 1
    assert not projects.get(status=Status.PLANNED).published
    assert {p.area_code for p in projects} >= {"220403000000", "220403001000", "220403001001"}
    for project in projects:
        assert project.budget > 0 and project.funding and project.lead_unit
        assert project.beneficiaries and project.beneficiary_count > 0
        assert project.created_by is not None and project.starts_on and project.ends_on
        assert project.milestones.exists() and project.updates.exists()
        updates = list(project.updates.order_by("at", "id"))
        assert [u.progress for u in updates] == sorted(u.progress for u in updates)
        assert updates[-1].progress == project.progress
        assert project.created_at < updates[0].at
    done = projects.get(status=Status.DONE)
    assert done.progress == 100 and not done.milestones.filter(done_on__isnull=True).exists()
    assert ProjectMilestone.objects.filter(done_on__isnull=False).count() >= 8
    assert ProjectMilestone.objects.filter(done_on__isnull=True).count() >= 4
    cancelled = projects.get(status=Status.CANCELLED)
    last = cancelled.updates.order_by("-at").first()
    assert last.status == Status.CANCELLED and last.published and "取消" in last.text
    assert ProjectUpdate.objects.filter(published=False).count() == 2  # internal notes
    # The meals and disability projects answer needs of their area.
    meals = projects.get(category=Category.MEALS)
    assert meals.needs.filter(category=Category.MEALS).count() >= 2
    disability = projects.get(category=Category.DISABILITY)
    assert disability.needs.count() >= 3


def test_written_through_the_actions(demo):
    events = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert events["need.create"] == len(ENTERED)
    assert events["need.from_appeal"] >= 1 and events["need.from_care_need"] >= 1
    assert events["match.confirm"] >= 4 and events["match.end"] == 2
    assert events["project.create"] == len(PROJECTS)
    assert events["project.report"] >= 10 and events["project.cancel"] == 1
    assert events["project.milestone_done"] >= 8 and events["project.need_link"] >= 5
    assert events["matching.demo_load"] == 1


def test_loading_again_changes_nothing(demo):
    def snapshot():
        return (
            Need.objects.count(),
            Resource.objects.count(),
            Match.objects.count(),
            LivelihoodProject.objects.count(),
            ProjectMilestone.objects.count(),
            ProjectUpdate.objects.count(),
            Activity.objects.count(),
            AuditEvent.objects.count(),
            Notification.objects.count(),
            sorted(Need.objects.values_list("pk", "status")),
        )

    first = snapshot()
    assert "kept the" in load_matching_demo()
    assert snapshot() == first
