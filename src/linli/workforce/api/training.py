"""Training of community workers at /api/v1/workforce/training/: the cycle rules, courses and
their sessions, attendance (in bulk), who is due, and the coverage figure (培训覆盖率).

Each operation parses, calls one action or query of :mod:`linli.workforce`, and shapes the
answer. You see what the pages show you: courses organised at, under or above your areas, and
the workers and marks of your areas; anything else is a 404. Errors are problem+json.
"""

from typing import Annotated

from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.pagination import Page

from .. import queries
from ..actions import training as actions
from ..schemas_training import (
    MAX_ID,
    AttendanceIn,
    AttendanceOut,
    AttendanceResultOut,
    CourseDetailOut,
    CourseFilters,
    CourseIn,
    CourseOut,
    CoverageFilters,
    CoverageOut,
    RuleIn,
    RuleOut,
    RulesOut,
    SessionIn,
    SessionOut,
    StatusFilters,
    StatusOut,
    Text,
    WorkerTrainingOut,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


# --- shaping ------------------------------------------------------------------------------------


def _session(session) -> dict:
    return {
        "id": session.pk,
        "course_id": session.course_id,
        "area_code": session.area_code,
        "starts_on": session.starts_on,
        "ends_on": session.ends_on,
        "place": session.place,
        "hours": float(session.hours),
        "attended": getattr(session, "attended", 0),
    }


def _course(actor, course, *, sessions: bool = False) -> dict:
    body = {
        "id": course.pk,
        "area_code": course.area_code,
        "area_name": course.area.name,
        "title": course.title,
        "organiser": course.organiser,
        "mode": course.mode,
        "hours": float(course.hours),
        "description": course.description,
        "can_manage": queries.training_manageable(actor, course.area_code),
        "created_at": course.created_at,
    }
    if sessions:
        rows = list(course.sessions.all())
        body.update(
            sessions=[_session(s) for s in rows],
            session_count=len(rows),
            first_on=min((s.starts_on for s in rows), default=None),
            last_on=max((s.ends_on for s in rows), default=None),
            attended=sum(s.attended for s in rows),
        )
    else:
        body.update(
            session_count=course.session_count,
            first_on=course.first_on,
            last_on=course.last_on,
            attended=course.attended,
        )
    return body


class _Courses:
    def __init__(self, actor, qs):
        self.actor, self.qs = actor, qs

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [_course(self.actor, course) for course in self.qs[index]]


def _status(row) -> dict:
    return {
        "worker_id": row.worker.pk,
        "name": row.worker.name,
        "area_code": row.worker.area_code,
        "community_name": row.community_name,
        "applies_to": row.kind,
        "cycle_months": row.cycle.months,
        "min_hours": float(row.cycle.min_hours),
        "rule_area_code": row.cycle.area_code,
        "last_trained_on": row.last_on,
        "hours_in_cycle": float(row.hours),
        "due_on": row.due_on,
        "status": row.status,
        "status_label": row.status_label,
    }


class _Statuses:
    def __init__(self, listed):
        self.listed = listed

    def count(self) -> int:
        return self.listed.count()

    def __getitem__(self, index):
        return [_status(row) for row in self.listed[index]]


class _Marks:
    def __init__(self, qs):
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [
            {
                "worker_id": row.worker_id,
                "worker_name": row.worker.name,
                "area_code": row.area_code,
                "attended": row.attended,
                "hours": float(row.hours),
                "trained_on": row.trained_on,
            }
            for row in self.qs[index]
        ]


def _coverage_row(row) -> dict:
    return {
        "area_code": row.code,
        "area_name": row.name,
        "trained": row.trained,
        "workers": row.workers,
        "rate": row.rate,
    }


# --- rules --------------------------------------------------------------------------------------


def _rules(actor, area_code) -> dict:
    found = queries.training_rules(actor=actor, area_code=area_code or None)
    return {
        "area_code": found.area.code,
        "area_name": found.area.name,
        "cycles": [
            {
                "applies_to": cycle.applies_to,
                "months": cycle.months,
                "min_hours": float(cycle.min_hours),
                "area_code": cycle.area_code,
                "area_name": found.sources.get(cycle.area_code or "", ""),
            }
            for cycle in found.cycles.values()
        ],
        "rules": [
            {
                "id": rule.pk,
                "area_code": rule.area_code,
                "applies_to": rule.applies_to,
                "cycle_months": rule.cycle_months,
                "min_hours": float(rule.min_hours),
                "updated_at": rule.updated_at,
            }
            for rule in found.rules
        ],
        "can_manage": found.can_manage,
    }


@router.get("training/rules", response=RulesOut, summary="Training cycles of an area")
def rule_list(request, area: Text = ""):
    """What applies in the area (your widest when not given) for heads and other workers, and
    where each rule comes from; and the rules set at the area and under it."""
    return _rules(request.user, area)


@router.post("training/rules", response=RuleOut, summary="Set an area's training cycle")
def rule_save(request, payload: RuleIn):
    """Replaces the area's rule for that kind of worker (a county or a higher area)."""
    return actions.training_rule_save(actor=request.user, **payload.dict())


@router.delete("training/rules/{rule_id}", response={204: None}, summary="Remove a rule")
def rule_remove(request, rule_id: RowId):
    """The next rule up the tree, or the built-in cycle, then applies."""
    actions.training_rule_remove(actor=request.user, rule_id=rule_id)
    return Status(204, None)


# --- courses ------------------------------------------------------------------------------------


@router.get("training/courses", response=list[CourseOut], summary="Training courses")
@paginate(Page)
def course_list(request, filters: Query[CourseFilters]):
    """Courses organised at, under or above your areas, the newest first."""
    qs = queries.course_list(actor=request.user, filters=filters.dict())
    return _Courses(request.user, qs)


@router.post("training/courses", response={201: CourseDetailOut}, summary="Add a course")
def course_create(request, payload: CourseIn):
    course = actions.course_save(actor=request.user, **payload.dict())
    found = queries.course_get(actor=request.user, course_id=course.pk)
    return Status(201, _course(request.user, found, sessions=True))


@router.get("training/courses/{course_id}", response=CourseDetailOut, summary="One course")
def course_detail(request, course_id: RowId):
    found = queries.course_get(actor=request.user, course_id=course_id)
    return _course(request.user, found, sessions=True)


@router.put("training/courses/{course_id}", response=CourseDetailOut, summary="Change a course")
def course_update(request, payload: CourseIn, course_id: RowId):
    actions.course_save(actor=request.user, course_id=course_id, **payload.dict())
    found = queries.course_get(actor=request.user, course_id=course_id)
    return _course(request.user, found, sessions=True)


@router.delete(
    "training/courses/{course_id}", response={204: None}, summary="Remove a course with no sessions"
)
def course_remove(request, course_id: RowId):
    actions.course_remove(actor=request.user, course_id=course_id)
    return Status(204, None)


@router.post(
    "training/courses/{course_id}/sessions",
    response={201: SessionOut},
    summary="Add a session to a course",
)
def session_create(request, payload: SessionIn, course_id: RowId):
    session = actions.session_save(actor=request.user, course_id=course_id, **payload.dict())
    return Status(201, _session(queries.session_get(actor=request.user, session_id=session.pk)))


# --- sessions and attendance --------------------------------------------------------------------


@router.get("training/sessions/{session_id}", response=SessionOut, summary="One session")
def session_detail(request, session_id: RowId):
    return _session(queries.session_get(actor=request.user, session_id=session_id))


@router.put("training/sessions/{session_id}", response=SessionOut, summary="Change a session")
def session_update(request, payload: SessionIn, session_id: RowId):
    """Moving its last day moves the training date of its attendance with it."""
    actions.session_save(actor=request.user, session_id=session_id, **payload.dict())
    return _session(queries.session_get(actor=request.user, session_id=session_id))


@router.delete(
    "training/sessions/{session_id}",
    response={204: None},
    summary="Remove a session nobody is marked at",
)
def session_remove(request, session_id: RowId):
    actions.session_remove(actor=request.user, session_id=session_id)
    return Status(204, None)


@router.get(
    "training/sessions/{session_id}/attendance",
    response=list[AttendanceOut],
    summary="The marks of a session",
)
@paginate(Page)
def attendance_list(request, session_id: RowId):
    """The workers of yours marked present or absent, by community and name."""
    session = queries.session_get(actor=request.user, session_id=session_id)
    return _Marks(queries.attendance_list(actor=request.user, session=session))


@router.post(
    "training/sessions/{session_id}/attendance",
    response=AttendanceResultOut,
    summary="Mark workers present or absent (idempotent)",
)
def attendance_record(request, payload: AttendanceIn, session_id: RowId):
    """All or none: each worker must be yours, of the course's area and on the books during
    the session, and the session must have started. Marking again updates the marks."""
    written = actions.attendance_record(actor=request.user, session_id=session_id, **payload.dict())
    session = queries.session_get(actor=request.user, session_id=session_id)
    return {"written": written, "session": _session(session)}


@router.delete(
    "training/sessions/{session_id}/attendance/{worker_id}",
    response={204: None},
    summary="Take a worker's mark off a session",
)
def attendance_remove(request, session_id: RowId, worker_id: RowId):
    actions.attendance_remove(actor=request.user, session_id=session_id, worker_id=worker_id)
    return Status(204, None)


# --- who is due, coverage -----------------------------------------------------------------------


@router.get("training/status", response=list[StatusOut], summary="Who is trained, due or overdue")
@paginate(Page)
def status_list(request, filters: Query[StatusFilters]):
    """The live workers of an area with their cycle, last training, hours in the cycle, due
    date and status, the most urgent first. ``untrained`` lists everyone not counted as
    trained (overdue, never trained, short of hours)."""
    wanted = filters.dict()
    listed = queries.training_status(
        actor=request.user,
        area_code=wanted.pop("area") or None,
        as_of=wanted.pop("as_of"),
        filters=wanted,
    )
    return _Statuses(listed)


@router.get("training/coverage", response=CoverageOut, summary="Training coverage (培训覆盖率)")
def coverage(request, filters: Query[CoverageFilters]):
    """Live workers trained within their cycle ÷ live workers, for the area (your widest when
    not given) and each of its child areas."""
    table = queries.training_coverage(
        actor=request.user, area_code=filters.area or None, as_of=filters.as_of
    )
    return {
        "as_of": table.as_of,
        "total": _coverage_row(table.total),
        "rows": [_coverage_row(row) for row in table.rows],
    }


@router.get(
    "training/workers/{worker_id}", response=WorkerTrainingOut, summary="A worker's training"
)
def worker_training(request, worker_id: RowId):
    found = queries.worker_training(actor=request.user, worker_id=worker_id)
    return {
        "worker_id": found.worker.pk,
        "name": found.worker.name,
        "area_code": found.worker.area_code,
        "status": _status(found.status) if found.status else None,
        "attendances": [
            {
                "session_id": row.session_id,
                "course_id": row.session.course_id,
                "course_title": row.session.course.title,
                "starts_on": row.session.starts_on,
                "ends_on": row.session.ends_on,
                "attended": row.attended,
                "hours": float(row.hours),
            }
            for row in found.attendances
        ],
    }
