"""The cross-area guarantee: nothing of community a1 reaches the people of its neighbours.

Every URL pattern of the project — pages, the ninja API under /api/v1/, everything that
``django.urls.get_resolver()`` knows — is requested with GET by a community worker and a resident
of a2 (a1's neighbour in the same town), by the officer of town B and by a visitor who is not
signed in, after a1 has been filled with data: its areas and grid, its accounts, their tokens and
role assignments, audit events, a reported figure. Path parameters are filled with the ids and
codes of a1's objects. Every response (any status, HTML, JSON, CSV or .xlsx) must be free of
a1's names: the area and grid names, its people's usernames, names and phone numbers.

HOW TO EXTEND THIS TEST WHEN YOUR APP ADDS URLS
1. In ``a1_world`` create your app's objects inside a1 (area_code 220403001001 or the grid
   220403001001001) the way users would, preferably through your actions, and record their ids
   with ``world.add("appeal_id", appeal.pk)``. If they carry text that names nobody and no area
   (a title, say), add that text with ``world.markers.append(...)`` so a leak of it is caught.
2. For every new path parameter name add an entry to ``PARAMS``: the name → a function of the
   world returning the values to put in the URL (e.g. ``"appeal_id": ids("appeal_id")``).
   The test fails on a parameter name it does not know, so a new URL cannot go unwalked.
3. If no a1 object can be addressed by a parameter (a per-session draft, a random token), map it
   to ``placeholder("why")``: the URL is still requested, with a value of no object.
4. A pattern that must not be requested at all goes in ``SKIP`` with the reason; a public page
   that may rightly show a1's *area* name (e.g. a community picker when signing up) goes in
   ``PUBLIC_AREA_NAMES`` with the reason — it is still checked for a1's people.
"""

from __future__ import annotations

import io
import itertools
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from django.utils.regex_helper import normalize

from linli.core import actions, pii
from linli.core.models import ApiToken, AuditEvent, ReportedFigure, RoleAssignment, User
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.registry import actions as registry_actions
from linli.registry.imports import registry_import_start
from linli.registry.ledgers.definitions import BUILTIN_LEDGERS
from tests.conftest import PASSWORD
from tests.registry.conftest import make_id

A1 = "220403001001"
GRID_A1 = "220403001001001"
A1_AREA_NAME = "仙城社区"  # also the start of the grid's name
A1_GRID_NAME = "仙城社区第1网格"
MAX_COMBINATIONS = 12  # per pattern, when several parameters multiply


@dataclass
class World:
    """a1's objects: ids and codes by parameter kind, and the text that must not leak."""

    values: dict[str, list] = field(default_factory=dict)
    markers: list[str] = field(default_factory=list)  # area data: never outside a1's scope
    people: list[str] = field(default_factory=list)  # a1's people: never, not even in public

    def add(self, kind: str, *values) -> None:
        bucket = self.values.setdefault(kind, [])
        bucket.extend(v for v in values if v not in bucket)


def ids(kind: str) -> Callable[[World], list]:
    return lambda world: world.values.get(kind, [])


def fixed(*values) -> Callable[[World], list]:
    return lambda world: list(values)


def placeholder(reason: str) -> Callable[[World], list]:
    """No a1 object can be named by this parameter (``reason``): request a value of nothing."""
    return lambda world: ["0"]


# Path parameter name → the values to substitute. See the module docstring.
PARAMS: dict[str, Callable[[World], list]] = {
    # areas: a1 and its grid, by code
    "code": ids("area_code"),
    "area_code": ids("area_code"),
    # accounts of a1
    "user_id": ids("user_id"),
    "assignment_id": ids("assignment_id"),
    "token_id": ids("token_id"),
    # the audit trail: events in a1 and events by a1's people
    "event_id": ids("event_id"),
    "fmt": fixed("csv", "xlsx"),
    # area import drafts live in the importing officer's session: no other session can name
    # a1's, so a made-up id is requested
    "import_id": placeholder("import drafts are per session"),
    # Django admin (/sysadmin/): only is_staff accounts pass its login; a1's rows are offered
    # anyway so that a change there cannot open it silently
    "app_label": fixed("core", "auth", "axes"),
    "object_id": lambda w: w.values.get("user_id", []) + w.values.get("assignment_id", []),
    "content_type_id": ids("content_type_id"),
    "url": fixed("core/user/", "core/auditevent/"),
    # the registry: a1's homes, people, memberships, grid duties, import jobs and ledgers
    "resident_id": ids("resident_id"),
    "household_id": ids("household_id"),
    "membership_id": ids("membership_id"),
    "staff_id": ids("staff_id"),
    "ledger": lambda w: [d.code for d in BUILTIN_LEDGERS],
    # the group vocabulary is configuration, the same for everyone: a built-in code
    "tag_code": fixed("special_elderly", "dibao"),
    # appeals of a1, their photos, a1 staff's notifications; a provider unit and a routing rule
    # at a1; the county's catalogue (configuration, not a1 data) and an Open311 client
    "appeal_id": ids("appeal_id"),
    "photo_id": ids("photo_id"),
    "notification_id": ids("notification_id"),
    "unit_id": ids("unit_id"),
    "rule_id": ids("rule_id"),
    "category_id": ids("category_id"),
    "template_id": ids("template_id"),
    "client_id": ids("client_id"),
    "tier_code": fixed("general"),
    "day": fixed("2026-10-01"),
    # Open311: the format suffix, a1's appeals as service requests, categories as services
    "format": fixed("json", "xml"),
    "service_request_id": ids("appeal_id"),
    "service_code": ids("category_id"),
    "token": placeholder("an appeal's token is known only to whoever posted it"),
    # notices to a1's residents and to its grid's staff, and their files
    "notice_id": ids("notice_id"),
    "attachment_id": ids("attachment_id"),
    # grid work: a1's tasks and log entries; the county's work-item list (configuration)
    "task_id": ids("task_id"),
    "log_id": ids("log_id"),
    "item_id": ids("item_id"),
    # care: a1's person on the roster, their plan, a visit with a photo and a need found
    "subject_id": ids("subject_id"),
    "plan_id": ids("plan_id"),
    "visit_id": ids("visit_id"),
    "need_id": ids("need_id"),
    # an emergency alert to a1, the people it reached, a1's disaster information officer
    "alert_id": ids("alert_id"),
    "recipient_id": ids("recipient_id"),
    "officer_id": ids("officer_id"),
    # facilities
    "facility_id": ids("facility_id"),
    "venue_id": ids("venue_id"),
    "booking_id": ids("booking_id"),
    "key": fixed("facility_coverage", "facility_area_per_100_households"),
    # workforce
    "worker_id": ids("worker_id"),
    "certificate_id": ids("certificate_id"),
    "level_id": ids("level_id"),
    "course_id": ids("course_id"),
    "session_id": ids("session_id"),
    # plans: the county's plan (under plan_id), its template (under template_id), its
    # community task (under task_id) and milestone, its own indicator and target, a snapshot;
    # a1's reported value, progress report and their files
    "indicator_id": ids("indicator_id"),
    "target_id": ids("target_id"),
    "snapshot_id": ids("snapshot_id"),
    "reported_id": ids("reported_id"),
    "report_id": ids("report_id"),
    "evidence_id": ids("evidence_id"),
    "milestone_id": ids("milestone_id"),
    # volunteers: a1's station, a volunteer (resident_a1's record) and the team they lead, a
    # project and its activity with a shift and a sign-up, a service record, a time-bank offer
    # and a certificate (under certificate_id, with workforce's)
    "organisation_id": ids("organisation_id"),
    "volunteer_id": ids("volunteer_id"),
    "team_id": ids("team_id"),
    "project_id": ids("project_id"),
    "activity_id": ids("activity_id"),
    "shift_id": ids("shift_id"),
    "signup_id": ids("signup_id"),
    "record_id": ids("record_id"),
    "offer_id": ids("offer_id"),
    # the public check page of a certificate shows what the certificate prints (the name and a
    # masked ID number) to whoever holds its unguessable number: public by design
    "number": placeholder("certificate numbers are unguessable and their page is public"),
    # the three lists: a1's need (under need_id, with care's), a provider and the team as
    # resources, a match, a livelihood project (under pk for pages, project_id for the API)
    # with a milestone (under milestone_id, with the plans')
    "resource_id": ids("resource_id"),
    "match_id": ids("match_id"),
    "pk": ids("livelihood_project_id"),
}
PARAMS["project_id"] = lambda w: (
    w.values.get("project_id", []) + w.values.get("livelihood_project_id", [])
)
# Area imports (core) keep their drafts in the session; registry imports are jobs in the
# database: both kinds of id are tried under the one parameter name.
PARAMS["import_id"] = lambda w: ["0", *w.values.get("import_job_id", [])]

# Patterns (as printed by ``walk_patterns``) that are not requested at all, with the reason.
SKIP: dict[str, str] = {}

# Public patterns that may name a1's area (never its people), with the reason.
PUBLIC_AREA_NAMES: dict[str, str] = {
    # The sign-in page names no area today; listed to show the form of an entry.
    "accounts/login/": "public sign-in page",
    # The blank import template is the same file for everyone, built from no rows: its notes
    # give "e.g. 仙城社区" as an example name, which happens to be a1's name here.
    "areas/import/template.xlsx": "static import template with an example name",
    "api/v1/areas-import-template.xlsx": "static import template with an example name",
    # The import page (town officers) lists the same column notes as the template.
    "areas/import/": "static column notes with an example name",
    # A resident chooses where the problem is among the communities of the county, as when
    # signing up.
    "appeals/new/": "community picker of the resident's county",
    # Residents follow the published livelihood projects of any community of their county: the
    # public list names the community chosen in its filter (a1's unpublished project is not
    # shown, which the markers of the other pages check).
    "matching/projects/public/": "community filter of the public project list",
    "api/v1/matching/public/projects": "community filter of the public project list",
}


# Query strings sent as well, so filters and htmx partials are walked with a1's identifiers.
# "q" holds only the first two characters of a1's name: a page that echoes the search box does
# not trip the test, a page that lists a1 does.
def query_variants(world: World) -> list[dict[str, str]]:
    user_id = str(world.values["user_id"][0])
    return [
        {
            "q": A1_AREA_NAME[:2],
            "code": A1,
            "area_code": A1,
            "area": A1,
            "node": A1,
            "community_code": A1,
            "grid": GRID_A1,
            "user_id": user_id,
        }
    ]


@dataclass(frozen=True)
class Route:
    text: str  # the pattern as written, levels joined
    fmt: str  # a %-format string of the path
    params: tuple[str, ...]
    callback: Callable
    name: str


def _level(pattern) -> tuple[str, list[str]]:
    regex = pattern.regex.pattern
    fmt, params = normalize(regex)[0]
    return fmt, list(params)


def walk_patterns(resolver: URLResolver | None = None, text="", fmt="", params=()) -> list[Route]:
    """Every leaf pattern under ``resolver``, recursively (includes and the ninja API)."""
    resolver = resolver or get_resolver()
    routes: list[Route] = []
    for entry in resolver.url_patterns:
        level_fmt, level_params = _level(entry.pattern)
        joined = (text + str(entry.pattern), fmt + level_fmt, (*params, *level_params))
        if isinstance(entry, URLResolver):
            routes.extend(walk_patterns(entry, *joined))
        elif isinstance(entry, URLPattern):
            routes.append(Route(joined[0], joined[1], joined[2], entry.callback, entry.name or ""))
    return routes


def _xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True)
    except Exception:
        return ""
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(v) for v in row if v is not None)
    return "\n".join(cells)


def response_text(response) -> str:
    """The body (with the cells of a workbook), the redirect target and the download's file
    name (percent-decoded)."""
    data = b"".join(response.streaming_content) if response.streaming else response.content
    text = data.decode("utf-8", "replace")
    if data[:2] == b"PK":
        text += _xlsx_text(data)
    disposition = unquote(response.get("Content-Disposition", ""))
    return "\n".join([text, response.get("Location", ""), disposition])


def leaks(text: str, markers: list[str]) -> list[str]:
    """The markers found in ``text``, as written or JSON-escaped."""
    return [m for m in markers if m in text or json.dumps(m)[1:-1] in text]


@pytest.fixture
def a1_world(users, tree, settings, tmp_path, django_capture_on_commit_callbacks) -> World:
    settings.MEDIA_ROOT = tmp_path
    world = World()
    world.add("area_code", A1, GRID_A1)
    secadmin = users["secadmin"]
    newcomer = actions.user_create(
        actor=secadmin,
        username="xc_linxiaoyan",
        full_name="林晓燕",
        password=PASSWORD,
        phone="13812345678",
        role=Role.GRID_WORKER,
        area_code=GRID_A1,
    )
    a1_people = [users[n] for n in ("resident_a1", "grid_a1", "worker_a1", "head_a1")]
    a1_people.append(newcomer)
    for person in a1_people:
        world.add("user_id", person.pk)
        world.people.append(person.username)
        if person.full_name != person.username:
            world.people.append(person.full_name)
        if person.phone:
            world.people.extend([person.phone, pii.mask_phone(person.phone)])
    for person in (users["worker_a1"], users["head_a1"], newcomer):
        token, _plain = actions.token_create(actor=person, name="a1 token")
        world.add("token_id", token.pk)
    actions.pii_reveal(actor=users["worker_a1"], instance=users["resident_a1"], field_name="phone")
    ReportedFigure.objects.create(
        area=tree["a1"], kind="population", value=4321, as_of="2025-01-01", source="仙城台账2025"
    )
    world.add(
        "assignment_id",
        *RoleAssignment.objects.filter(area_code__startswith=A1).values_list("pk", flat=True),
    )
    a1_user_ids = [p.pk for p in a1_people]
    world.add(
        "event_id",
        *AuditEvent.objects.filter(area_code__startswith=A1).values_list("pk", flat=True),
        *AuditEvent.objects.filter(actor_id__in=a1_user_ids).values_list("pk", flat=True),
    )
    world.add("content_type_id", ContentType.objects.get_for_model(User).pk)
    world.markers.extend([A1_AREA_NAME, A1_GRID_NAME, "仙城台账2025"])
    _registry_world(world, users)
    _appeals_world(world, users, tree)
    _notices_world(world, users)
    _gridwork_world(world, users)
    _care_world(world, users)
    _alerts_world(world, users)
    _facilities_world(world, users)
    _workforce_world(world, users, tree)
    _plans_world(world, users, tree, django_capture_on_commit_callbacks)
    _volunteers_world(world, users)
    _matching_world(world, users)
    assert ApiToken.objects.filter(user__in=a1_people).count() == 3
    return world


def _registry_world(world: World, users) -> None:
    """a1's homes and people in the registry, as a community worker enters them."""
    worker = users["worker_a1"]
    building = registry_actions.building_create(
        actor=worker, community_code=A1, name="欧阳楼", address="仙城北路88号"
    )
    registry_actions.grid_assign(actor=SYSTEM, grid_code=GRID_A1, building_ids=[building.pk])
    household = registry_actions.household_create(
        actor=worker, community_code=A1, residence_type="registered", building_id=building.pk,
        unit="1", room="808",
    )  # fmt: skip
    loose = registry_actions.household_create(
        actor=worker, community_code=A1, residence_type="floating", address="仙城南巷17号"
    )
    world.add("household_id", household.pk, loose.pk)
    people = [
        ("欧阳秀芝", make_id("19380303", 301, female=True), "13577770001", household),
        ("司马建国", make_id("19650505", 302), "13577770002", household),
        ("上官明月", make_id("19990909", 303, female=True), "13577770003", loose),
    ]
    for name, number, phone, home in people:
        resident = registry_actions.resident_add(
            actor=worker, household_id=home.pk, name=name, id_number=number, phone=phone
        )
        world.add("resident_id", resident.pk)
        world.people.extend(
            [name, number, phone, pii.mask_id_number(number), pii.mask_phone(phone)]
        )
    first = world.values["resident_id"][0]
    for code in ("special_elderly.living_alone", "disability", "veteran"):
        membership = registry_actions.resident_tag_add(
            actor=users["head_a1"], resident_id=first, tag_code=code, grade="视力一级"
        )
        world.add("membership_id", membership.pk)
    staff = registry_actions.grid_staff_assign(
        actor=users["head_a1"], grid_code=GRID_A1, duty="grid_worker", user_id=users["grid_a1"].pk
    )
    world.add("staff_id", staff.pk)
    job = registry_import_start(
        actor=worker,
        filename="仙城居民.csv",
        data="社区代码,地址,居住类型,姓名,身份证号\n".encode()
        + f"{A1},仙城东街5号,户籍,诸葛亮亮,{make_id('19700101', 304)}\n".encode(),
    )
    world.add("import_job_id", job.pk)
    world.people.append("诸葛亮亮")
    world.markers.extend(["欧阳楼", "仙城北路88号", "仙城南巷17号", "仙城东街5号", "视力一级"])


def _appeals_world(world: World, users, tree) -> None:
    """a1's appeals: one a resident submitted with a photo, one a worker took at the window,
    handled, rated badly and called back; a provider unit and a routing rule at a1."""
    from PIL import Image

    from linli.appeals import actions as appeal_actions
    from linli.appeals.models import Category, Photo, ResponseTemplate
    from linli.core.models import Notification

    county = tree["county"].code
    appeal_actions.appeal_defaults_load(actor=SYSTEM, county_code=county)
    categories = {c.key: c for c in Category.objects.filter(area_code=county)}
    world.add("category_id", categories["noise"].pk, categories["property.leak"].pk)
    world.add(
        "template_id",
        *ResponseTemplate.objects.filter(area_code=county).values_list("pk", flat=True),
    )
    unit = appeal_actions.unit_create(
        actor=users["town_a"], area_code=A1, kind="provider", name="仙城物业服务中心"
    )
    world.add("unit_id", unit.pk)
    rule = appeal_actions.routing_rule_create(
        actor=users["town_a"],
        area_code=A1,
        unit_id=unit.pk,
        category_id=categories["property.leak"].pk,
    )
    world.add("rule_id", rule.pk)
    client, _key = appeal_actions.open311_client_create(
        actor=users["secadmin"], name="仙城便民热线", area_code=county
    )
    world.add("client_id", client.pk)
    photo = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(photo, "PNG")
    photo.seek(0)
    photo.name = "leak.png"
    mine = appeal_actions.appeal_submit(
        actor=users["resident_a1"],
        category_id=categories["property.leak"].pk,
        area_code=GRID_A1,
        title="欧阳楼三单元楼道漏水",
        description="楼道天花板漏水已经三天，墙皮脱落",
        address="仙城北路88号欧阳楼三单元",
        photos=[photo],
    )
    window = appeal_actions.appeal_submit(
        actor=users["worker_a1"],
        channel="window",
        category_id=categories["noise"].pk,
        area_code=A1,
        title="仙城广场舞音响太吵",
        description="每晚九点后广场舞音响声音很大，影响老人休息",
        contact_name="欧阳秀芝",
        contact_phone="13577770001",
    )
    worker = users["worker_a1"]
    appeal_actions.appeal_accept(actor=worker, appeal_id=window.pk, message="已受理仙城广场")
    appeal_actions.appeal_progress(actor=worker, appeal_id=window.pk, note="约谈仙城舞队队长")
    appeal_actions.appeal_resolve(actor=worker, appeal_id=window.pk, resolution="已与仙城舞队协商")
    appeal_actions.appeal_rate(
        actor=users["head_a1"], appeal_id=window.pk, level=2, comment="仙城音响仍然很吵",
        on_behalf=True,
    )  # fmt: skip
    appeal_actions.appeal_callback(
        actor=users["head_a1"], appeal_id=window.pk, outcome="unsatisfied", note="回访仙城舞队问题"
    )
    world.add("appeal_id", mine.pk, window.pk)
    world.add("photo_id", *Photo.objects.filter(appeal=mine).values_list("pk", flat=True))
    world.add(
        "notification_id",
        *Notification.objects.filter(user__in=[worker, users["resident_a1"]]).values_list(
            "pk", flat=True
        ),
    )
    world.markers.extend(
        [
            "欧阳楼三单元楼道漏水",
            "楼道天花板漏水已经三天",
            "仙城广场舞音响太吵",
            "已受理仙城广场",
            "约谈仙城舞队队长",
            "已与仙城舞队协商",
            "仙城音响仍然很吵",
            "回访仙城舞队问题",
            "仙城物业服务中心",
            "仙城北路88号欧阳楼三单元",
        ]
    )


def _notices_world(world: World, users) -> None:
    """a1's notices: one to its residents with a file (read by a resident), one to its grid's
    staff."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from linli.notices import actions as notice_actions

    leaflet = SimpleUploadedFile("仙城停水安排.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    to_residents = notice_actions.notice_publish(
        actor=users["worker_a1"],
        area_code=A1,
        title="仙城北路停水通知",
        body="仙城北路明日停水，请提前储水。",
        attachments=[leaflet],
    )
    to_staff = notice_actions.notice_publish(
        actor=users["head_a1"],
        area_code=GRID_A1,
        title="仙城网格周例会",
        body="周一上午仙城网格例会。",
        audience="staff",
    )
    notice_actions.notice_read(actor=users["resident_a1"], notice_id=to_residents.pk)
    notice_actions.notice_read(actor=users["grid_a1"], notice_id=to_staff.pk)
    world.add("notice_id", to_residents.pk, to_staff.pk)
    world.add("attachment_id", *to_residents.attachments.values_list("pk", flat=True))
    world.markers.extend(
        [
            "仙城北路停水通知",
            "仙城北路明日停水",
            "仙城网格周例会",
            "周一上午仙城网格例会",
            "仙城停水安排",
        ]
    )


def _gridwork_world(world: World, users) -> None:
    """A county task for a1 and its grid (done by the grid worker) and a daily log entry."""
    import uuid

    from django.utils import timezone

    from linli.gridwork import actions as grid_actions
    from linli.gridwork.models import WorkItem

    grid_actions.workitem_defaults(actor=SYSTEM, county_code="220403")
    item = WorkItem.objects.get(area_code="220403000000", code="XZ-01")
    world.add("item_id", item.pk)
    tasks = grid_actions.task_assign(
        actor=users["county"],
        item_id=item.pk,
        area_codes=[A1, GRID_A1],
        title="仙城网格燃气入户核查",
    )
    world.add("task_id", *[t.pk for t in tasks])
    grid_actions.task_done(
        actor=users["grid_a1"], task_id=tasks[1].pk, result="仙城网格已核查十二户"
    )
    entry = grid_actions.log_write(
        actor=users["grid_a1"],
        area_code=GRID_A1,
        day=timezone.localdate(),
        saw="仙城网格三号楼楼道堆放纸箱",
        client_key=uuid.uuid4(),
    )
    world.add("log_id", entry.pk)
    world.markers.extend(
        ["仙城网格燃气入户核查", "仙城网格已核查十二户", "仙城网格三号楼楼道堆放纸箱"]
    )


def _care_world(world: World, users) -> None:
    """欧阳秀芝 (living alone, in a1's grid) on the roster with this month's plan, visited by the
    grid worker with a photo and a need found that became an appeal."""
    import uuid

    from django.utils import timezone
    from PIL import Image

    from linli.care import actions as care_actions
    from linli.care.models import Plan, Subject

    care_actions.care_policy_defaults(actor=SYSTEM, county_code="220403")
    care_actions.care_plan_generate(actor=SYSTEM, area_code=A1, month=timezone.localdate())
    subject = Subject.objects.get(resident_id=world.values["resident_id"][0])
    world.add("subject_id", subject.pk)
    world.add("plan_id", *Plan.objects.filter(subject=subject).values_list("pk", flat=True))
    photo = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 30)).save(photo, "PNG")
    photo.seek(0)
    photo.name = "visit.png"
    visit = care_actions.visit_record(
        actor=users["grid_a1"],
        subject_id=subject.pk,
        visited_at=timezone.now(),
        mode="home",
        saw="person",
        checks={"health": "concern", "food": "ok"},
        notes="仙城探访：膝盖疼痛加重",
        needs=[{"kind": "health", "description": "仙城探访发现需要上门理疗", "urgency": "normal"}],
        photos=[photo],
        client_key=uuid.uuid4(),
    )
    world.add("visit_id", visit.pk)
    world.add("photo_id", *visit.photos.values_list("pk", flat=True))
    need = visit.needs.get()
    world.add("need_id", need.pk)
    appeal = care_actions.need_to_appeal(actor=users["grid_a1"], need_id=need.pk)
    world.add("appeal_id", appeal.pk)
    care_actions.subject_notes_update(
        actor=users["grid_a1"],
        subject_id=subject.pk,
        health_notes="仙城健康记录：高血压",
        living_notes="仙城生活记录：女儿每周来一次",
    )
    world.markers.extend(
        ["仙城探访：膝盖疼痛加重", "仙城探访发现需要上门理疗", "仙城健康记录", "仙城生活记录"]
    )


def _alerts_world(world: World, users) -> None:
    """A flood alert by the town to a1 that reached a1's people, one check by the grid worker,
    and a1's disaster information officer."""
    from linli.notices import actions as notice_actions
    from linli.notices.models import AlertRecipient

    alert = notice_actions.alert_issue(
        actor=users["town_a"],
        area_code=A1,
        kind="rainstorm",
        severity="orange",
        title="仙城暴雨橙色预警",
        instructions="仙城北路低洼处居民请转移到仙城小学。",
        shelters=[{"name": "仙城小学避难点", "address": "仙城北路1号"}],
    )
    world.add("alert_id", alert.pk)
    notice_actions.alert_fanout(alert_id=alert.pk)  # the task runs after commit: run it here
    recipients = AlertRecipient.objects.filter(alert=alert)
    world.add("recipient_id", *recipients.values_list("pk", flat=True))
    vulnerable = recipients.filter(vulnerable=True).first()
    if vulnerable is not None:
        notice_actions.alert_check(
            actor=users["grid_a1"], recipient_id=vulnerable.pk, result="safe", note="仙城已电话确认"
        )
    officer = notice_actions.info_officer_set(
        actor=users["head_a1"], community_code=A1, name="仙城信息员", phone="13577770099"
    )
    world.add("officer_id", officer.pk)
    world.people.extend(["仙城信息员", "13577770099", pii.mask_phone("13577770099")])
    world.markers.extend(
        ["仙城暴雨橙色预警", "仙城北路低洼处居民", "仙城小学避难点", "仙城已电话确认"]
    )


def _facilities_world(world: World, users) -> None:
    """a1's party-and-mass centre with a photo and its hall, booked by a1's resident."""
    import datetime as dt
    import uuid

    from PIL import Image

    from linli.facilities import actions as facility_actions

    hours = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "08:00-21:00")
    facility = facility_actions.facility_save(
        actor=users["head_a1"],
        area_code=A1,
        name="仙城社区党群服务中心",
        kind="comprehensive",
        floor_area="900",
        activity_area="600",
        address="仙城路十八号院",
        latitude="42.90",
        longitude="125.15",
        terminals=1,
        hours=hours,
    )
    world.add("facility_id", facility.pk)
    image = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 40)).save(image, "JPEG")
    image.seek(0)
    image.name = "hall.jpg"
    facility_actions.facility_photo_add(
        actor=users["head_a1"], facility_id=facility.pk, photos=[image], caption="仙城大厅外景"
    )
    world.add("photo_id", *facility.photos.values_list("pk", flat=True))
    venue = facility_actions.venue_save(
        actor=users["head_a1"],
        facility_id=facility.pk,
        name="仙城多功能厅",
        kind="hall",
        capacity=80,
        rules="仙城厅使用须知",
        hours=hours,
        slot_minutes=60,
    )
    world.add("venue_id", venue.pk)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    starts = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(9)))
    booking = facility_actions.booking_create(
        actor=users["resident_a1"],
        venue_id=venue.pk,
        starts_at=starts,
        slots=2,
        purpose="仙城合唱队排练",
        attendees=20,
        client_key=uuid.uuid4(),
    )
    world.add("booking_id", booking.pk)
    world.markers.extend(
        ["仙城路十八号院", "仙城大厅外景", "仙城多功能厅", "仙城厅使用须知", "仙城合唱队排练"]
    )


def _workforce_world(world: World, users, tree) -> None:
    """a1's community worker (with an ID number, phone and certificate, linked to the worker's
    account) trained on a town course; the county's post ladder and a town training rule."""
    import datetime as dt

    from linli.workforce import actions as workforce_actions

    today = timezone.localdate()
    levels = workforce_actions.postlevel_defaults(actor=SYSTEM, area_code="2204")
    assert levels
    from linli.workforce.models import PostLevel

    world.add("level_id", *PostLevel.objects.values_list("pk", flat=True)[:2])
    worker = workforce_actions.worker_save(
        actor=users["head_a1"],
        community_code=A1,
        name="欧阳丽华",
        post="committee",
        committee_role="member",
        hired_on=today - dt.timedelta(days=800),
        birth_date=dt.date(1985, 3, 8),
        id_number=make_id("19850308", 206),
        phone="13711112222",
        party_member=True,
    )
    world.add("worker_id", worker.pk)
    workforce_actions.worker_link_account(
        actor=users["head_a1"], worker_id=worker.pk, login=users["worker_a1"].username
    )
    certificate = workforce_actions.certificate_add(
        actor=users["head_a1"],
        worker_id=worker.pk,
        level="assistant",
        number="XC-ZS-2024-0007",
        obtained_on=today - dt.timedelta(days=300),
    )
    world.add("certificate_id", certificate.pk)
    course = workforce_actions.course_save(
        actor=users["town_a"],
        title="社区工作者素质提升培训",
        organiser="仙城街道办事处",
        mode="in_person",
        hours="8",
        area_code="220403001",
    )
    world.add("course_id", course.pk)
    session = workforce_actions.session_save(
        actor=users["town_a"],
        course_id=course.pk,
        starts_on=today - dt.timedelta(days=30),
        place="街道会议室",
    )
    world.add("session_id", session.pk)
    workforce_actions.attendance_record(
        actor=users["town_a"], session_id=session.pk, worker_ids=[worker.pk]
    )
    rule = workforce_actions.training_rule_save(
        actor=users["county"], area_code="220403", applies_to="others", cycle_months=18
    )
    world.add("rule_id", rule.pk)
    world.people.extend(["欧阳丽华", "13711112222", "137****2222"])
    world.markers.append("XC-ZS-2024-0007")


def _plans_world(world: World, users, tree, capture_on_commit) -> None:
    """The county's plan in force, adopted from the built-in 西安区 template by the county
    officer, with an indicator of its own and a target on it; a1's value of that indicator for
    2025 (with a file), entered by a1's community head; the plan recomputed and its values
    frozen; a1's progress on a community task of the plan, with a file, submitted; a milestone
    of that task."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from linli.plans.actions import catalogue as plan_catalogue
    from linli.plans.actions import ledger as plan_ledger
    from linli.plans.actions import measure as plan_measure
    from linli.plans.models import Measurement, Plan, Recompute

    county, head = users["county"], users["head_a1"]
    template = Plan.objects.get(is_template=True, template_key="xian_qu")
    plan = plan_catalogue.plan_adopt(
        actor=county, template_id=template.pk, area_code=tree["county"].code
    )
    indicator = plan_catalogue.indicator_create(
        actor=county,
        area_code=tree["county"].code,
        key="volunteer_service_hours",
        name="社区志愿服务时长",
        unit="hours",
        source="reported",
        aggregation="total",
    )
    target = plan_catalogue.target_set(
        actor=county, plan_id=plan.pk, indicator_id=indicator.pk, op=">=", value=5000
    )
    plan_catalogue.plan_activate(actor=county, plan_id=plan.pk)
    year = plan.end_year  # 2025: the plan's newest year, the one measured by default
    with capture_on_commit(execute=True):  # the refresh it queues runs on commit
        reported = plan_measure.reported_value_set(
            actor=head,
            indicator_id=indicator.pk,
            area_code=A1,
            year=year,
            numerator=1234,
            note="仙城志愿服务台账第三册",
            evidence=SimpleUploadedFile(
                "仙城志愿者服务时长登记表.pdf",
                "%PDF-1.4\n% 仙城志愿者签到簿第一页\n%%EOF\n".encode(),
                "application/pdf",
            ),
        )
    with capture_on_commit(execute=True):
        run = plan_measure.plan_recompute(actor=county, plan_id=plan.pk)
    run.refresh_from_db()
    assert run.status == Recompute.Status.DONE, run.error
    assert Measurement.objects.filter(plan=plan, year=year, area_code=A1).exists()
    snapshot = plan_measure.snapshot_take(actor=county, plan_id=plan.pk, label=f"{year}年度")
    task = plan.tasks.get(number="12")  # 提升服务设施功能: reported by each community
    milestone = plan_ledger.milestone_add(
        actor=county,
        task_id=task.pk,
        year=year,
        title="功能室整合验收",
        due_on=dt.date(year, 9, 30),
    )
    report = plan_ledger.report_save(
        actor=head,
        task_id=task.pk,
        area_code=A1,
        period=str(year),
        text="仙城议事厅与图书室合并为一个功能室，居民活动区域增至七成",
        percent=70,
    )
    minutes = SimpleUploadedFile(
        "仙城功能室改造验收单.pdf",
        "%PDF-1.4\n% 仙城功能室验收意见：合格\n%%EOF\n".encode(),
        "application/pdf",
    )
    evidence = plan_ledger.evidence_add(actor=head, report_id=report.pk, file=minutes)
    plan_ledger.report_submit(actor=head, report_id=report.pk)
    world.add("plan_id", plan.pk)
    world.add("template_id", template.pk)
    world.add("task_id", task.pk)
    world.add("milestone_id", milestone.pk)
    world.add("indicator_id", indicator.pk)
    world.add("target_id", target.pk)
    world.add("snapshot_id", snapshot.pk)
    world.add("reported_id", reported.pk)
    world.add("report_id", report.pk)
    world.add("evidence_id", evidence.pk)
    world.markers.extend(
        [
            "仙城志愿服务台账第三册",
            "仙城志愿者服务时长登记表",
            "仙城志愿者签到簿第一页",
            "仙城议事厅与图书室合并",
            "仙城功能室改造验收单",
            "仙城功能室验收意见",
        ]
    )


def _volunteers_world(world: World, users) -> None:
    """a1's volunteer station, resident_a1 registered as a volunteer by a1's worker and
    leading a party-led team; a project of the team with an activity for a1 only (not public),
    a shift and resident_a1's sign-up; an hour record, a time-bank offer bought with its points
    and a certificate of the hours."""
    import datetime as dt
    import uuid

    from linli.volunteers.actions import activities as activity_actions
    from linli.volunteers.actions import certificates as certificate_actions
    from linli.volunteers.actions import people as people_actions
    from linli.volunteers.actions import records as record_actions

    head, worker, resident = users["head_a1"], users["worker_a1"], users["resident_a1"]
    station = people_actions.organisation_create(
        actor=head, area_code=A1, name="仙城爱心志愿服务站", kind="station"
    )
    world.add("organisation_id", station.pk)
    volunteer = people_actions.volunteer_register(
        actor=worker,
        community_code=A1,
        name="司马春燕",
        id_number=make_id("19620412", 318, female=True),
        phone="13622223333",
        skills=["elderly_care"],
        availability=["sat_am", "sun_am"],
        party_member=True,
        consent=True,
        login=resident.username,
        organisation_id=station.pk,
    )
    world.add("volunteer_id", volunteer.pk)
    team = people_actions.team_create(
        actor=head,
        community_code=A1,
        name="仙城银龄先锋队",
        organisation_id=station.pk,
        leader_id=volunteer.pk,
        party_led=True,
        skills=["elderly_care"],
        target_groups=["elderly_alone"],
    )
    world.add("team_id", team.pk)
    project = activity_actions.project_create(
        actor=worker,
        area_code=A1,
        name="仙城独居老人关爱行动",
        summary="仙城每周上门陪伴独居老人",
        target_groups=["elderly_alone"],
        team_id=team.pk,
    )
    world.add("project_id", project.pk)
    start = (timezone.localtime() + dt.timedelta(days=2)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    activity = activity_actions.activity_create(
        actor=worker,
        area_code=A1,
        shifts=[{"starts_at": start, "ends_at": start + dt.timedelta(hours=2), "spots": 3}],
        title="仙城重阳陪伴活动",
        description="仙城陪伴老人聊天",
        target_group="elderly_alone",
        leader_name="仙城站长",
        place="仙城老年活动室",
        team_id=team.pk,
        project_id=project.pk,
        public=False,
    )
    activity_actions.activity_publish(actor=worker, activity_id=activity.pk)
    world.add("activity_id", activity.pk)
    shift = activity.shifts.get()
    world.add("shift_id", shift.pk)
    signup = activity_actions.signup_create(
        actor=resident, shift_id=shift.pk, client_key=uuid.uuid4()
    )
    world.add("signup_id", signup.pk)
    record = record_actions.record_create(
        actor=worker,
        volunteer_id=volunteer.pk,
        activity_name="仙城助老服务",
        served_on=timezone.localdate() - dt.timedelta(days=3),
        place="仙城老年活动室",
        beneficiaries="仙城独居老人",
        content="仙城上门陪伴",
        hours="2",
        leader_name="仙城站长",
        organisation_id=station.pk,
    )
    world.add("record_id", record.pk)
    offer = record_actions.offer_create(actor=worker, area_code=A1, name="仙城理发券", points=10)
    world.add("offer_id", offer.pk)
    record_actions.points_spend(actor=resident, offer_id=offer.pk, client_key=uuid.uuid4())
    certificate = certificate_actions.certificate_issue(
        actor=head, volunteer_id=volunteer.pk, organisation_id=station.pk
    )
    world.add("certificate_id", certificate.pk)
    world.people.extend(["司马春燕", "13622223333", "136****3333", volunteer.number])
    world.markers.extend(
        [
            "仙城爱心志愿服务站",
            "仙城银龄先锋队",
            "仙城独居老人关爱行动",
            "仙城重阳陪伴活动",
            "仙城老年活动室",
            "仙城上门陪伴",
            "仙城理发券",
            certificate.number,
        ]
    )


def _matching_world(world: World, users) -> None:
    """a1's need entered by its worker, a provider it listed and its team as a resource (from
    the sync), the need matched to the team (a draft activity); a livelihood project of a1 with
    a milestone, not published."""
    from linli.matching.actions import lists as list_actions
    from linli.matching.actions import projects as project_actions
    from linli.matching.models import Resource

    head, worker = users["head_a1"], users["worker_a1"]
    need = list_actions.need_create(
        actor=worker,
        area_code=A1,
        category="elderly_care",
        title="仙城独居老人需要陪伴",
        who="仙城独居老人",
        place="仙城路二十号",
        times=["sat_am"],
        people=1,
        urgency="normal",
    )
    world.add("need_id", need.pk)
    provider = list_actions.resource_create(
        actor=worker,
        kind="provider",
        area_code=A1,
        name="仙城康乐居家养老",
        categories=["elderly_care"],
        times=["sat_am"],
        capacity=5,
        contact_name="仙城李经理",
        contact_phone="13598765432",
    )
    list_actions.resources_sync(actor=SYSTEM, area_code="220403")
    team_resource = Resource.objects.get(team_id__in=world.values["team_id"])
    world.add("resource_id", provider.pk, team_resource.pk)
    match = list_actions.match_confirm(
        actor=worker, need_id=need.pk, resource_id=team_resource.pk, note="仙城对接备注"
    )
    world.add("match_id", match.pk)
    if match.activity_id:
        world.add("activity_id", match.activity_id)
    project = project_actions.project_create(
        actor=head,
        area_code=A1,
        name="仙城老年助餐点",
        category="meals",
        summary="仙城建设老年助餐点",
        budget="120000",
        funding="fiscal",
        lead_unit="仙城居委会",
        beneficiaries="仙城老人",
        beneficiary_count="350",
        starts_on="2026-03-01",
        ends_on="2026-12-31",
    )
    world.add("livelihood_project_id", project.pk)
    milestone = project_actions.milestone_add(
        actor=head, project_id=project.pk, title="仙城选址", weight=30
    )
    world.add("milestone_id", milestone.pk)
    world.people.extend(["13598765432", "135****5432"])
    world.markers.extend(
        [
            "仙城独居老人需要陪伴",
            "仙城路二十号",
            "仙城康乐居家养老",
            "仙城李经理",
            "仙城对接备注",
            "仙城老年助餐点",
            "仙城选址",
        ]
    )


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user, backend="linli.core.auth.PhoneOrUsernameBackend")
    return client


def _urls_of(route: Route, world: World, log: list[str]) -> list[str]:
    choices = [PARAMS[name](world) for name in route.params]
    if any(not values for values in choices):
        log.append(f"no a1 value for {route.text} ({', '.join(route.params)})")
        return []
    urls = []
    for combo in itertools.islice(itertools.product(*choices), MAX_COMBINATIONS):
        url = "/" + route.fmt % {name: str(value) for name, value in zip(route.params, combo)}
        try:
            match = resolve(url)
        except Resolver404:
            match = None
        same_route = match is not None and (
            match.func is route.callback
            or match.route.replace("^", "") == route.text.replace("^", "")
        )
        if not same_route:
            log.append(f"{url} does not reach {route.text}; value skipped")
            continue
        urls.append(url)
    return urls


def test_every_url_is_free_of_a1_data_for_its_neighbours(users, a1_world):
    routes = walk_patterns()
    unknown = sorted({p for r in routes for p in r.params if p not in PARAMS})
    assert not unknown, (
        f"URL parameters without an entry in PARAMS: {unknown}. Add them to "
        "tests/test_access_walk.py (see its docstring) so the new URLs are walked with a1's ids."
    )
    walkers = {
        "worker_a2": _client(users["worker_a2"]),
        "resident_a2": _client(users["resident_a2"]),
        "town_b": _client(users["town_b"]),
        "visitor": _client(None),
    }
    variants = query_variants(a1_world)
    log: list[str] = []
    found: list[str] = []
    server_errors: set[str] = set()
    requests = 0
    requested: set[str] = set()  # two patterns of one path (GET and POST in ninja): once
    walked_params: set[str] = set()
    for route in routes:
        if route.text in SKIP:
            log.append(f"skipped {route.text}: {SKIP[route.text]}")
            continue
        urls = [url for url in _urls_of(route, a1_world, log) if url not in requested]
        requested.update(urls)
        if urls:
            walked_params.update(route.params)
        markers = list(a1_world.people)
        if route.text not in PUBLIC_AREA_NAMES:
            markers += a1_world.markers
        for url, (who, client) in itertools.product(urls, walkers.items()):
            attempts = [({}, {})] + [(query, {}) for query in variants]
            attempts += [(query, {"HTTP_HX_REQUEST": "true"}) for query in variants]
            for query, headers in attempts:
                response = client.get(url, query, **headers)
                requests += 1
                if response.status_code >= 500:
                    server_errors.add(f"{response.status_code} GET {url}")
                hits = leaks(response_text(response), markers)
                if hits:
                    shown = f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
                    found.append(f"{who} GET {shown} → {response.status_code}: {hits}")
    print(f"walked {len(routes)} patterns with {requests} requests")
    for line in log:
        print(line)
    if server_errors:
        warnings.warn(
            "server errors while walking (not leaks, but bugs): "
            + "; ".join(sorted(server_errors)),
            stacklevel=1,
        )
    assert not found, "a1 data reached users outside a1:\n" + "\n".join(found)
    # the walk reached a1's objects through every kind of parameter that has any
    assert {"code", "event_id", "assignment_id", "token_id", "fmt"} <= walked_params
    assert {"resident_id", "household_id", "membership_id", "staff_id", "ledger"} <= walked_params
    assert {"appeal_id", "photo_id", "notification_id", "unit_id", "rule_id"} <= walked_params
    assert {"notice_id", "attachment_id"} <= walked_params
    assert {"task_id", "log_id", "item_id"} <= walked_params
    assert {"subject_id", "plan_id", "visit_id", "need_id"} <= walked_params
    assert {"alert_id", "recipient_id", "officer_id"} <= walked_params
    assert {"facility_id", "venue_id", "booking_id", "key"} <= walked_params
    assert {"worker_id", "certificate_id", "level_id", "course_id", "session_id"} <= walked_params
    assert {
        "indicator_id",
        "target_id",
        "snapshot_id",
        "reported_id",
        "template_id",
    } <= walked_params
    assert {"report_id", "evidence_id", "milestone_id"} <= walked_params
    assert {"organisation_id", "volunteer_id", "team_id", "project_id", "activity_id"} <= (
        walked_params
    )
    assert {"shift_id", "signup_id", "record_id", "offer_id"} <= walked_params
    assert {"resource_id", "match_id", "pk"} <= walked_params


def test_the_walk_detects_a1_data_when_it_is_shown(users, a1_world):
    """The same checks find a1's data on pages of people who may see it: the walk can fail."""
    event_id = AuditEvent.objects.filter(actor=users["worker_a1"]).values_list("pk", flat=True)[0]
    auditor = _client(users["auditor"])
    response = auditor.get(f"/audit/{event_id}/")
    assert response.status_code == 200
    assert "worker_a1" in leaks(response_text(response), a1_world.people)
    listed = auditor.get("/api/v1/audit-events", {"area_code": A1})
    assert A1 in response_text(listed)
    exported = auditor.get("/audit/export.xlsx")
    assert "worker_a1" in leaks(response_text(exported), a1_world.people)
    users_api = _client(users["secadmin"]).get("/api/v1/users", {"area_code": A1})
    assert users_api.status_code == 200
    assert leaks(response_text(users_api), a1_world.people)
    # plans: a1's progress report to its town, its reported value and both files to the county
    plans = a1_world.values
    report = _client(users["town_a"]).get(f"/plans/ledger/reports/{plans['report_id'][0]}/")
    assert "仙城议事厅与图书室合并" in leaks(response_text(report), a1_world.markers)
    county = _client(users["county"])
    reported = county.get(
        f"/plans/{plans['plan_id'][-1]}/reported/",
        {"indicator": plans["indicator_id"][0], "year": 2025, "area": A1},
    )
    assert "仙城志愿服务台账第三册" in leaks(response_text(reported), a1_world.markers)
    for url in (
        f"/plans/reported/{plans['reported_id'][0]}/evidence/",
        f"/plans/ledger/evidence/{plans['evidence_id'][0]}/",
    ):
        download = county.get(url)
        assert download.status_code == 200
        assert len(leaks(response_text(download), a1_world.markers)) == 2  # its name and text
    # JSON escapes Chinese as \\uXXXX: found all the same
    assert leaks(json.dumps({"name": A1_AREA_NAME}), a1_world.markers) == [A1_AREA_NAME]


def test_parameter_table_covers_every_url_of_the_project():
    params = {p for route in walk_patterns() for p in route.params}
    assert params <= set(PARAMS), sorted(params - set(PARAMS))
    assert any(r.text.startswith("api/v1/") for r in walk_patterns())
    assert any(r.name == "audit_detail" for r in walk_patterns())
