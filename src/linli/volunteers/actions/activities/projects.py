"""Volunteer service projects (志愿服务项目) and the county's project library.

- A project belongs to a community, a town or a county; its makers hold ``volunteer.manage``
  there. It names what it does, whom it serves (target groups), the skills it needs, the
  organisation or team that runs it, and its dates.
- The **library**: a county or town marks a project ``in_library`` (for older people living
  alone, left-behind children, people with disabilities…). Once it is open, every community
  below sees it and may copy it into its own projects (``project_copy``: a draft that points
  at its source through ``copied_from``; one live copy per community).
- Status: draft → open (running; in the library: offered) → closed. A closed project takes no
  new activities and is no longer offered.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from linli.core import areacodes, audit
from linli.core.areacodes import Level
from linli.core.cleaning import UNSET, Errors, line, normal_code, row_id, text
from linli.core.cleaning import date as clean_date
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import Area

from ...models import Organisation, Project, Team
from ...queries.activities import _common as rules
from ...queries.activities import projects as q
from . import _common as c

NAME_MAX = Project._meta.get_field("name").max_length
SUMMARY_MAX = Project._meta.get_field("summary").max_length
LIBRARY_LEVELS = (Level.PREFECTURE, Level.COUNTY, Level.TOWN)
PROJECT_LEVELS = (*LIBRARY_LEVELS, Level.COMMUNITY)
Status = Project.Status


def _area(errors: Errors, actor, value, *, levels) -> Area | None:
    code = normal_code(value)
    area = Area.objects.filter(code=code).first() if code else None
    if area is None or area.level not in levels:
        errors.add("area_code", _("Choose a community, a town or a county."))
        return None
    if not rules.manages(actor, area.code):
        raise Forbidden(_("You do not manage the volunteers of this area."))
    return area


def _related_within(model, errors: Errors, field: str, value, area_code: str, message):
    """An organisation or team of the project's area (within it, or of an area above it)."""
    if value in (None, "", 0):
        return None
    pk = row_id(value)
    row = model.objects.filter(pk=pk, active=True).first() if pk else None
    if row is None or not (
        row.area_code.startswith(areacodes.prefix_of(area_code))
        or area_code.startswith(areacodes.prefix_of(row.area_code))
    ):
        errors.add(field, message)
        return None
    return row


def _clean(errors: Errors, area_code: str, data: dict) -> dict:
    """The given fields of a project, cleaned (``UNSET`` ones are left out)."""
    out: dict = {}
    if c.is_given(data.get("name", UNSET)):
        out["name"] = line(errors, "name", data["name"], max_length=NAME_MAX, required=True)
    if c.is_given(data.get("summary", UNSET)):
        out["summary"] = text(
            errors, "summary", data["summary"], max_length=SUMMARY_MAX, required=True
        )
    if c.is_given(data.get("target_groups", UNSET)):
        out["target_groups"] = c.target_groups(errors, data["target_groups"], required=True)
    if c.is_given(data.get("skills", UNSET)):
        out["skills"] = c.skills(errors, data["skills"])
    if c.is_given(data.get("organisation_id", UNSET)):
        out["organisation"] = _related_within(
            Organisation,
            errors,
            "organisation_id",
            data["organisation_id"],
            area_code,
            _("Choose an active organisation of this area."),
        )
    if c.is_given(data.get("team_id", UNSET)):
        out["team"] = _related_within(
            Team,
            errors,
            "team_id",
            data["team_id"],
            area_code,
            _("Choose an active team of this area."),
        )
    for field in ("starts_on", "ends_on"):
        if c.is_given(data.get(field, UNSET)):
            out[field] = clean_date(errors, field, data[field])
    if c.is_given(data.get("in_library", UNSET)):
        out["in_library"] = c.flag(errors, "in_library", data["in_library"])
    return out


def _dates_and_library(errors: Errors, project: Project, area: Area) -> None:
    if project.starts_on and project.ends_on and project.ends_on < project.starts_on:
        errors.add("ends_on", _("The end cannot come before the start."))
    if project.in_library and area.level not in LIBRARY_LEVELS:
        errors.add(
            "in_library",
            _("Only a county or a town puts projects in the library; a community copies them."),
        )


def project_create(
    *,
    actor,
    area_code,
    name,
    summary,
    target_groups,
    skills=(),
    organisation_id=None,
    team_id=None,
    starts_on=None,
    ends_on=None,
    in_library=False,
) -> Project:
    """A new project (a draft) of ``area_code``, where the actor manages volunteers."""
    errors = Errors()
    area = _area(errors, actor, area_code, levels=PROJECT_LEVELS)
    fields = _clean(
        errors,
        area.code if area else "",
        {
            "name": name,
            "summary": summary,
            "target_groups": target_groups,
            "skills": skills,
            "organisation_id": organisation_id if area else UNSET,
            "team_id": team_id if area else UNSET,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "in_library": in_library,
        },
    )
    project = Project(area=area, area_code=area.code if area else "", created_by=actor, **fields)
    if area is not None:
        _dates_and_library(errors, project, area)
    errors.raise_if_any(_("The project was not saved."))
    with transaction.atomic():
        project.created_at = c.current_time()
        project.save()
        audit.record(
            actor,
            "volunteer_project.create",
            project,
            extra={"library": project.in_library, "team": project.team_id},
        )
    return project


def _lock(actor, project_id) -> Project:
    pk = row_id(project_id)
    project = (
        Project.objects.select_for_update(of=("self",)).select_related("area").filter(pk=pk).first()
        if pk
        else None
    )
    if project is None or not q.project_visible(actor, project):
        raise NotFound(_("There is no such project, or it is not yours to see."))
    if not rules.manages(actor, project.area_code):
        raise Forbidden(_("You do not manage the volunteers of this project's area."))
    return project


def project_update(*, actor, project_id, **changes) -> Project:
    """Change the given fields (name, summary, target_groups, skills, organisation_id, team_id,
    starts_on, ends_on, in_library) of a project that is not closed."""
    unknown = set(changes) - {
        "name",
        "summary",
        "target_groups",
        "skills",
        "organisation_id",
        "team_id",
        "starts_on",
        "ends_on",
        "in_library",
    }
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    with transaction.atomic():
        project = _lock(actor, project_id)
        if project.status == Status.CLOSED:
            raise Conflict(_("This project is closed: it can no longer be changed."))
        errors = Errors()
        fields = _clean(errors, project.area_code, changes)
        for name, value in fields.items():
            setattr(project, name, value)
        _dates_and_library(errors, project, project.area)
        errors.raise_if_any(_("The project was not saved."))
        project.save()
        audit.record(actor, "volunteer_project.update", project, extra={"fields": sorted(fields)})
    return project


def project_open(*, actor, project_id) -> Project:
    """Start a draft project (a library project is then offered to the communities)."""
    with transaction.atomic():
        project = _lock(actor, project_id)
        if project.status != Status.DRAFT:
            raise Conflict(_("Only a draft project can be opened."))
        project.status = Status.OPEN
        project.save(update_fields=["status"])
        audit.record(actor, "volunteer_project.open", project)
    return project


def project_close(*, actor, project_id) -> Project:
    """Close a project: it takes no new activities and leaves the library."""
    with transaction.atomic():
        project = _lock(actor, project_id)
        if project.status == Status.CLOSED:
            raise Conflict(_("This project is closed already."))
        project.status = Status.CLOSED
        project.save(update_fields=["status"])
        audit.record(actor, "volunteer_project.close", project)
    return project


def project_copy(*, actor, project_id, area_code) -> Project:
    """Copy an open library project into the projects of ``area_code`` (a community or town
    below the library's area, where the actor manages volunteers): a draft with the same name,
    summary, target groups and skills, pointing at its source."""
    errors = Errors()
    area = _area(errors, actor, area_code, levels=(Level.TOWN, Level.COMMUNITY))
    errors.raise_if_any(_("The project was not copied."))
    pk = row_id(project_id)
    source = Project.objects.filter(pk=pk, in_library=True).first() if pk else None
    if source is None or not q.project_visible(actor, source):
        raise NotFound(_("There is no such project in the library."))
    if source.status != Status.OPEN:
        raise Conflict(_("This project is not offered in the library now."))
    if area.code == source.area_code or not area.code.startswith(
        areacodes.prefix_of(source.area_code)
    ):
        raise ActionError(
            _("A library project is copied into a community or town below its own area."),
            field="area_code",
        )
    with transaction.atomic():
        # Copies of one source queue here, so a community gets one live copy.
        Project.objects.select_for_update().filter(pk=source.pk).first()
        existing = (
            Project.objects.filter(copied_from=source, area_code=area.code)
            .exclude(status=Status.CLOSED)
            .first()
        )
        if existing is not None:
            raise Conflict(
                _("%(area)s already has this project: “%(name)s”.")
                % {"area": area.name, "name": existing.name},
                code="copied",
            )
        copy = Project.objects.create(
            area=area,
            area_code=area.code,
            name=source.name,
            summary=source.summary,
            target_groups=list(source.target_groups),
            skills=list(source.skills),
            copied_from=source,
            status=Status.DRAFT,
            starts_on=None,
            ends_on=None,
            created_by=actor,
            created_at=c.current_time(),
        )
        audit.record(actor, "volunteer_project.copy", copy, extra={"source": source.pk})
    return copy


__all__ = ["project_close", "project_copy", "project_create", "project_open", "project_update"]
