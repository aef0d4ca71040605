"""Roles and their fixed capability matrix (documented in docs/roles.md).

A user holds role assignments ``(role, area)``. A capability granted by a role applies to the
assignment's area subtree. The three admin roles are separated (三员分立): no one of them alone
sees everything — the system admin configures but reads neither personal data nor the audit log;
the audit admin reads the audit log only; the security admin manages accounts and roles but no
content.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .areacodes import Level


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_WORKER = "grid_worker", _("Grid worker")
    BUILDING_HEAD = "building_head", _("Building or unit head")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    COMMUNITY_HEAD = "community_head", _("Community head")
    TOWN_OFFICER = "town_officer", _("Town or street officer")
    DEPARTMENT_OFFICER = "department_officer", _("Department officer")
    COUNTY_OFFICER = "county_officer", _("Civil-affairs officer")
    PROVIDER = "provider", _("Service provider")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


class Cap:
    """Capability names. Apps add theirs here so the matrix stays one table."""

    AREA_VIEW = "area.view"
    AREA_MANAGE = "area.manage"  # create areas, import, record reported figures
    PII_REVEAL = "pii.reveal"  # see a masked personal field in full (audited)
    ACCOUNT_MANAGE = "account.manage"  # create/disable accounts, assign roles in subtree
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    CONFIG_MANAGE = "config.manage"  # system configuration: vocabularies, calendars
    STAFF_HOME = "staff.home"  # the staff workbench
    OFFICER_HOME = "officer.home"  # the officer's overview
    RESIDENT_HOME = "resident.home"  # the resident's home
    API_TOKEN = "api.token"  # create personal API tokens
    REGISTRY_VIEW = "registry.view"  # read buildings, households, residents (masked)
    REGISTRY_EDIT = "registry.edit"  # register, correct, move residents; tag them
    GRID_MANAGE = "grid.manage"  # draw grids' membership and assign grid staff
    APPEAL_VIEW = "appeal.view"  # read the appeals of an area (contact numbers masked)
    APPEAL_INTAKE = "appeal.intake"  # take an appeal for a resident (window, phone, patrol)
    APPEAL_HANDLE = "appeal.handle"  # act for the area's own unit: accept, resolve, return
    APPEAL_DISPATCH = "appeal.dispatch"  # dispatch, transfer, merge, reject; close
    APPEAL_SUPERVISE = "appeal.supervise"  # supervise (督办), record callbacks (回访)
    APPEAL_ROUTE = "appeal.route"  # routing rules, department and provider units
    APPEAL_CONFIGURE = "appeal.configure"  # categories, tiers, holidays, templates, policy
    OPEN311_KEYS = "open311.keys"  # issue and revoke Open311 client keys
    CARE_VIEW = "care.view"  # the care roster, visit plans and rates, archives without notes
    CARE_VISIT = "care.visit"  # record care visits and the needs found; raise appeals from them
    CARE_NOTES = "care.notes"  # read and write the health and living notes of a care archive
    CARE_PLAN = "care.plan"  # set risk levels, reassign visits, make a month's plan again
    CARE_POLICY = "care.policy"  # the county's visit policy table
    GRID_WORK = "grid.work"  # the grid worker's day: daily log, grid tasks
    TASK_ASSIGN = "task.assign"  # assign tasks to grids and communities under the work-item list
    WORKITEM_MANAGE = "workitem.manage"  # the county's community work-item list (准入清单)
    NOTICE_PUBLISH = "notice.publish"  # publish, schedule and withdraw notices
    ALERT_ISSUE = "alert.issue"  # issue and end emergency alerts
    ALERT_VIEW = "alert.view"  # follow alerts live: acknowledgements and checks per community
    ALERT_CHECK = "alert.check"  # check on vulnerable residents after an alert
    ALERT_OFFICERS = "alert.officers"  # designate disaster information officers (灾害信息员)
    FACILITY_VIEW = "facility.view"  # facilities, venues and their bookings; usage figures
    FACILITY_MANAGE = "facility.manage"  # record facilities and venues; import them
    BOOKING_MANAGE = "booking.manage"  # approve or decline bookings, check in, mark no-shows
    WORKFORCE_VIEW = "workforce.view"  # the community worker roster (personal data masked)
    WORKFORCE_MANAGE = "workforce.manage"  # record workers, posts, certificates; import them
    TRAINING_MANAGE = "training.manage"  # courses, sessions, attendance and training rules
    CAPACITY_VIEW = "capacity.view"  # the capacity figures of an area (places and people)
    PLAN_VIEW = "plan.view"  # plans, indicator values and status, dashboards, the task ledger
    PLAN_MANAGE = "plan.manage"  # adopt or write plans, targets, indicators, tasks; snapshots
    PLAN_REPORT = "plan.report"  # report indicator values and task progress for one's own area
    PLAN_APPROVE = "plan.approve"  # approve or return the reports of the areas below one's own
    VOLUNTEER_VIEW = "volunteer.view"  # volunteers, teams, activities and service records
    VOLUNTEER_MANAGE = "volunteer.manage"  # register volunteers, run activities, record hours
    VOLUNTEER_CERTIFY = "volunteer.certify"  # issue and revoke volunteer service certificates
    MATCH_VIEW = "match.view"  # the needs, resources, matches and livelihood projects of an area
    MATCH_MANAGE = "match.manage"  # list needs and resources; confirm a match for a need
    PROJECT_MANAGE = "project.manage"  # livelihood projects: budget, milestones, progress


_STAFF = {Cap.AREA_VIEW, Cap.STAFF_HOME, Cap.API_TOKEN}
_OFFICER = _STAFF | {Cap.OFFICER_HOME}

_REGISTRY_WRITE = {Cap.REGISTRY_VIEW, Cap.REGISTRY_EDIT}
_APPEAL_WORK = {Cap.APPEAL_VIEW, Cap.APPEAL_INTAKE, Cap.APPEAL_HANDLE}
_APPEAL_LEAD = _APPEAL_WORK | {Cap.APPEAL_DISPATCH, Cap.APPEAL_SUPERVISE}
_CARE_WORK = {Cap.CARE_VIEW, Cap.CARE_VISIT, Cap.CARE_NOTES, Cap.GRID_WORK}
_ALERT_WORK = {Cap.ALERT_VIEW, Cap.ALERT_CHECK}
_CAPACITY_LEAD = {Cap.FACILITY_VIEW, Cap.FACILITY_MANAGE, Cap.BOOKING_MANAGE, Cap.WORKFORCE_VIEW}
_CAPACITY_LEAD |= {Cap.WORKFORCE_MANAGE, Cap.CAPACITY_VIEW}
_PLAN_READ = {Cap.PLAN_VIEW, Cap.PLAN_REPORT}
_PLAN_LEAD = _PLAN_READ | {Cap.PLAN_APPROVE}
_VOLUNTEER_WORK = {Cap.VOLUNTEER_VIEW, Cap.VOLUNTEER_MANAGE}
_VOLUNTEER_LEAD = _VOLUNTEER_WORK | {Cap.VOLUNTEER_CERTIFY}
_MATCH_WORK = {Cap.MATCH_VIEW, Cap.MATCH_MANAGE}
_MATCH_LEAD = _MATCH_WORK | {Cap.PROJECT_MANAGE}

MATRIX: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset({Cap.RESIDENT_HOME}),
    Role.GRID_WORKER: frozenset(
        _STAFF
        | _REGISTRY_WRITE
        | _APPEAL_WORK
        | _CARE_WORK
        | _ALERT_WORK
        | {Cap.PII_REVEAL, Cap.FACILITY_VIEW, Cap.VOLUNTEER_VIEW, Cap.MATCH_VIEW}
    ),
    Role.BUILDING_HEAD: frozenset(
        {Cap.AREA_VIEW, Cap.STAFF_HOME, Cap.REGISTRY_VIEW, Cap.APPEAL_INTAKE}
    ),
    Role.COMMUNITY_WORKER: frozenset(
        _STAFF
        | _REGISTRY_WRITE
        | _APPEAL_WORK
        | _CARE_WORK
        | _ALERT_WORK
        | {Cap.PII_REVEAL, Cap.NOTICE_PUBLISH}
        | {Cap.FACILITY_VIEW, Cap.BOOKING_MANAGE, Cap.WORKFORCE_VIEW}
        | _VOLUNTEER_WORK
        | _MATCH_WORK
    ),
    Role.COMMUNITY_HEAD: frozenset(
        _STAFF
        | _REGISTRY_WRITE
        | _APPEAL_LEAD
        | _CARE_WORK
        | _ALERT_WORK
        | {Cap.PII_REVEAL, Cap.AREA_MANAGE, Cap.GRID_MANAGE, Cap.CARE_PLAN, Cap.TASK_ASSIGN}
        | {Cap.NOTICE_PUBLISH, Cap.ALERT_OFFICERS}
        | _CAPACITY_LEAD
        | _PLAN_READ
        | _VOLUNTEER_LEAD
        | _MATCH_LEAD
    ),
    Role.TOWN_OFFICER: frozenset(
        _OFFICER
        | _APPEAL_LEAD
        | {Cap.AREA_MANAGE, Cap.REGISTRY_VIEW, Cap.GRID_MANAGE, Cap.APPEAL_ROUTE}
        | {Cap.CARE_VIEW, Cap.CARE_PLAN, Cap.TASK_ASSIGN, Cap.NOTICE_PUBLISH}
        | {Cap.ALERT_ISSUE, Cap.ALERT_VIEW, Cap.ALERT_OFFICERS}
        | _CAPACITY_LEAD
        | {Cap.TRAINING_MANAGE}
        | _PLAN_LEAD
        | _VOLUNTEER_LEAD
        | _MATCH_LEAD
    ),
    Role.DEPARTMENT_OFFICER: frozenset(
        _OFFICER
        | {Cap.TASK_ASSIGN, Cap.NOTICE_PUBLISH, Cap.FACILITY_VIEW, Cap.CAPACITY_VIEW}
        | _PLAN_READ
        | {Cap.MATCH_VIEW}
    ),
    Role.COUNTY_OFFICER: frozenset(
        _OFFICER
        | {Cap.AREA_MANAGE, Cap.PII_REVEAL, Cap.REGISTRY_VIEW}
        | {Cap.APPEAL_VIEW, Cap.APPEAL_INTAKE, Cap.APPEAL_DISPATCH, Cap.APPEAL_SUPERVISE}
        | {Cap.APPEAL_ROUTE, Cap.APPEAL_CONFIGURE}
        | {Cap.CARE_VIEW, Cap.CARE_PLAN, Cap.CARE_POLICY, Cap.WORKITEM_MANAGE, Cap.TASK_ASSIGN}
        | {Cap.NOTICE_PUBLISH, Cap.ALERT_ISSUE, Cap.ALERT_VIEW, Cap.ALERT_OFFICERS}
        | (_CAPACITY_LEAD - {Cap.BOOKING_MANAGE})
        | {Cap.TRAINING_MANAGE}
        | _PLAN_LEAD
        | {Cap.PLAN_MANAGE}
        | _VOLUNTEER_LEAD
        | _MATCH_LEAD
    ),
    Role.PROVIDER: frozenset({Cap.STAFF_HOME, Cap.API_TOKEN}),
    Role.SECURITY_ADMIN: frozenset({Cap.AREA_VIEW, Cap.ACCOUNT_MANAGE, Cap.OPEN311_KEYS}),
    Role.AUDIT_ADMIN: frozenset({Cap.AREA_VIEW, Cap.AUDIT_VIEW, Cap.AUDIT_EXPORT}),
    Role.SYSTEM_ADMIN: frozenset({Cap.AREA_VIEW, Cap.CONFIG_MANAGE, Cap.APPEAL_CONFIGURE}),
}

# The lowest level at which a role may be assigned (a county officer sits on a county or above).
ASSIGNABLE_LEVELS: dict[str, set[int]] = {
    Role.RESIDENT: {Level.COMMUNITY, Level.GRID},
    Role.GRID_WORKER: {Level.COMMUNITY, Level.GRID},
    Role.BUILDING_HEAD: {Level.COMMUNITY, Level.GRID},
    Role.COMMUNITY_WORKER: {Level.COMMUNITY},
    Role.COMMUNITY_HEAD: {Level.COMMUNITY},
    Role.TOWN_OFFICER: {Level.TOWN},
    Role.DEPARTMENT_OFFICER: {Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWN},
    Role.COUNTY_OFFICER: {Level.PROVINCE, Level.PREFECTURE, Level.COUNTY},
    Role.PROVIDER: {Level.PREFECTURE, Level.COUNTY, Level.TOWN, Level.COMMUNITY},
    Role.SECURITY_ADMIN: {Level.PROVINCE, Level.PREFECTURE, Level.COUNTY},
    Role.AUDIT_ADMIN: {Level.PROVINCE, Level.PREFECTURE, Level.COUNTY},
    Role.SYSTEM_ADMIN: {Level.PROVINCE, Level.PREFECTURE, Level.COUNTY},
}

ADMIN_ROLES = frozenset({Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.SYSTEM_ADMIN})
STAFF_ROLES = frozenset(r for r in Role if r not in ADMIN_ROLES and r != Role.RESIDENT)

# Roles a security admin may not hand out together to one person (三员分立).
EXCLUSIVE_ROLE_SETS = [ADMIN_ROLES]


def capabilities(role: str) -> frozenset[str]:
    return MATRIX.get(role, frozenset())


def all_capabilities() -> list[str]:
    return sorted({cap for caps in MATRIX.values() for cap in caps})
