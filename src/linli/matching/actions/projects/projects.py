"""Recording livelihood projects (民生项目清单): create and change one, publish it to residents
or take it back, cancel it with a reason, remove one entered by mistake, and link the residents'
needs it answers.

Every write needs ``project.manage`` over the project's area (a county, town or community);
the area is chosen when the project is created and stays. Status and progress are not edited
here: they follow the progress updates (:mod:`.progress`). Text residents read (name, summary,
lead unit, beneficiaries, a cancellation's reason) must not carry phone or ID numbers.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.areacodes import prefix_of
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.roles import Cap

from ...models import Category, LivelihoodProject, Need, ProjectUpdate
from . import _clean as c

Status = LivelihoodProject.Status
NAME_MAX = LivelihoodProject._meta.get_field("name").max_length
SUMMARY_MAX = LivelihoodProject._meta.get_field("summary").max_length
LEAD_MAX = LivelihoodProject._meta.get_field("lead_unit").max_length
BENEFICIARIES_MAX = LivelihoodProject._meta.get_field("beneficiaries").max_length
REASON_MAX = ProjectUpdate._meta.get_field("text").max_length

PROJECT_FIELDS = (
    "name",
    "category",
    "summary",
    "budget",
    "funding",
    "lead_unit",
    "beneficiaries",
    "beneficiary_count",
    "starts_on",
    "ends_on",
)


def _clean(errors: c.Errors, data: dict) -> dict:
    get = data.get
    values = {
        "name": c.public_text(
            errors, "name", c.line(errors, "name", get("name"), max_length=NAME_MAX, required=True)
        ),
        "category": c.choice(errors, "category", get("category"), Category),
        "summary": c.public_text(
            errors,
            "summary",
            c.text(errors, "summary", get("summary"), max_length=SUMMARY_MAX, required=True),
        ),
        "budget": c.money(errors, "budget", get("budget")),
        "funding": c.choice(errors, "funding", get("funding"), LivelihoodProject.Funding),
        "lead_unit": c.public_text(
            errors,
            "lead_unit",
            c.line(errors, "lead_unit", get("lead_unit"), max_length=LEAD_MAX, required=True),
        ),
        "beneficiaries": c.public_text(
            errors,
            "beneficiaries",
            c.line(
                errors,
                "beneficiaries",
                get("beneficiaries"),
                max_length=BENEFICIARIES_MAX,
                required=True,
            ),
        ),
        "beneficiary_count": c.whole(
            errors,
            "beneficiary_count",
            get("beneficiary_count"),
            minimum=0,
            maximum=c.COUNT_MAX,
        )
        or 0,
        "starts_on": c.date(errors, "starts_on", get("starts_on")),
        "ends_on": c.date(errors, "ends_on", get("ends_on")),
    }
    start, end = values["starts_on"], values["ends_on"]
    if start and end and end < start:
        errors.add("ends_on", _("The end cannot come before the start."))
    return values


def _check_members(data: dict) -> None:
    unknown = set(data) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"project actions got unknown members: {sorted(unknown)}")


def _name_taken(area_code: str, name: str, exclude: int | None = None) -> bool:
    taken = LivelihoodProject.objects.filter(area_code=area_code, name=name).exclude(
        status=Status.CANCELLED
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    return taken.exists()


def _extra(project: LivelihoodProject) -> dict:
    return {
        "category": project.category,
        "funding": project.funding,
        "budget": f"{project.budget:.2f}",
        "beneficiary_count": project.beneficiary_count,
    }


def project_create(*, actor, area_code=None, **data) -> LivelihoodProject:
    """Add a project on a county, town or community (``area_code``) with the members of
    :data:`PROJECT_FIELDS`. It starts planned, at 0 % and not shown to residents."""
    _check_members(data)
    errors = c.Errors()
    area = c.place(errors, area_code)
    scoping.require(actor, Cap.PROJECT_MANAGE, area.code if area is not None else None)
    values = _clean(errors, data)
    errors.raise_if_any(_("The project was not saved."))
    now = timezone.now()
    with transaction.atomic():
        if _name_taken(area.code, values["name"]):
            raise Conflict(_("This area already has a project of this name."), field="name")
        project = LivelihoodProject(
            area_code=area.code,
            created_by=c.user_or_none(actor),
            created_at=now,
            updated_at=now,
            **values,
        )
        project.save()
        audit.record(actor, "project.create", project, extra=_extra(project))
    return project


def project_update(*, actor, project_id, **data) -> LivelihoodProject:
    """Change a project's description (every member of :data:`PROJECT_FIELDS`; those left
    out take their defaults). Its area, status and progress stay."""
    _check_members(data)
    found = c.project_for(actor, project_id)
    errors = c.Errors()
    values = _clean(errors, data)
    errors.raise_if_any(_("The project was not saved."))
    with transaction.atomic():
        project = c.locked(found)
        if _name_taken(project.area_code, values["name"], exclude=project.pk):
            raise Conflict(_("This area already has a project of this name."), field="name")
        changed = sorted(name for name, value in values.items() if getattr(project, name) != value)
        for name, value in values.items():
            setattr(project, name, value)
        project.updated_at = timezone.now()
        project.save()
        audit.record(
            actor, "project.update", project, extra={**_extra(project), "changed": changed}
        )
    return project


def project_publish(*, actor, project_id, published=True) -> LivelihoodProject:
    """Show the project (with its published updates and milestones) to residents and
    visitors, or take it back (``published`` false)."""
    found = c.project_for(actor, project_id)
    errors = c.Errors()
    wanted = c.flag(errors, "published", published)
    errors.raise_if_any(_("Nothing was changed."))
    with transaction.atomic():
        project = c.locked(found)
        if project.published == wanted:
            raise Conflict(
                _("Residents can see this project already.")
                if wanted
                else _("Residents cannot see this project already.")
            )
        project.published = wanted
        project.updated_at = timezone.now()
        project.save(update_fields=["published", "updated_at"])
        audit.record(actor, "project.publish" if wanted else "project.unpublish", project)
    return project


def project_cancel(*, actor, project_id, reason="") -> LivelihoodProject:
    """Cancel a project that is not completed. The ``reason`` is kept as the project's last
    update, which residents read when the project is published."""
    found = c.project_for(actor, project_id)
    errors = c.Errors()
    text = c.public_text(
        errors,
        "reason",
        c.text(errors, "reason", reason, max_length=REASON_MAX, required=True),
    )
    errors.raise_if_any(_("The project was not cancelled."))
    with transaction.atomic():
        project = c.locked(found)
        if project.status == Status.CANCELLED:
            raise Conflict(_("This project was cancelled already."))
        if project.status == Status.DONE:
            raise Conflict(_("A completed project cannot be cancelled."))
        now = timezone.now()
        update = ProjectUpdate.objects.create(
            project=project,
            area_code=project.area_code,
            progress=project.progress,
            status=Status.CANCELLED,
            text=text,
            published=True,
            by=c.user_or_none(actor),
            at=now,
        )
        previous = project.status
        project.status = Status.CANCELLED
        project.updated_at = now
        project.save(update_fields=["status", "updated_at"])
        audit.record(
            actor,
            "project.cancel",
            project,
            extra={"update": update.pk, "previous_status": previous, "progress": project.progress},
        )
        name = project.name
        c.tell_creator(
            project,
            actor,
            "project.cancelled",
            lambda: _("The livelihood project “%(name)s” was cancelled.") % {"name": name},
        )
    return project


def project_delete(*, actor, project_id) -> int:
    """Remove a project entered by mistake: only while it is planned, not shown to residents
    and without any progress update. Anything else is cancelled instead. Returns its id."""
    found = c.project_for(actor, project_id)
    with transaction.atomic():
        project = c.locked(found)
        if (
            project.status != Status.PLANNED
            or project.published
            or ProjectUpdate.objects.filter(project=project).exists()
        ):
            raise Conflict(
                _(
                    "Only a planned project that residents cannot see and that has no updates "
                    "can be removed. Cancel it instead, giving the reason."
                )
            )
        pk, area_code = project.pk, project.area_code
        milestones = project.milestones.count()
        needs = project.needs.count()
        audit.record(
            actor,
            "project.delete",
            target_type=LivelihoodProject._meta.label_lower,
            target_id=pk,
            area_code=area_code,
            extra={"milestones": milestones, "needs": needs},
        )
        project.needs.clear()
        project.delete()
    return pk


# --- the needs a project answers ------------------------------------------------------------------


def _need_in(actor, project: LivelihoodProject, need_id) -> Need:
    pk = c.row_id(need_id)
    need = Need.objects.filter(pk=pk).first() if pk else None
    if need is None or not scoping.has_cap(actor, Cap.MATCH_VIEW, need.area_code):
        raise ActionError(_("There is no such need among those you may see."), field="need_id")
    if not need.area_code.startswith(prefix_of(project.area_code)):
        raise ActionError(
            _("This need is not in the project's area: link needs of its own area."),
            field="need_id",
        )
    return need


def project_need_link(*, actor, project_id, need_id) -> Need:
    """Link a need of the project's area (one the actor sees) that the project answers."""
    found = c.project_for(actor, project_id)
    c.refuse_cancelled(found)
    need = _need_in(actor, found, need_id)
    if need.status == Need.Status.CLOSED:
        raise ActionError(
            _("This need was closed without help: reopen it before linking it."), field="need_id"
        )
    with transaction.atomic():
        project = c.locked(found)
        c.refuse_cancelled(project)
        if project.needs.filter(pk=need.pk).exists():
            raise Conflict(_("This need is linked to the project already."), field="need_id")
        project.needs.add(need)
        project.updated_at = timezone.now()
        project.save(update_fields=["updated_at"])
        audit.record(actor, "project.need_link", project, extra={"need": need.pk})
    return need


def project_need_unlink(*, actor, project_id, need_id) -> None:
    """Take a need off the project's list."""
    found = c.project_for(actor, project_id)
    pk = c.row_id(need_id)
    with transaction.atomic():
        project = c.locked(found)
        if pk is None or not project.needs.filter(pk=pk).exists():
            raise NotFound(_("This need is not linked to the project."))
        project.needs.remove(pk)
        project.updated_at = timezone.now()
        project.save(update_fields=["updated_at"])
        audit.record(actor, "project.need_unlink", project, extra={"need": pk})


__all__ = [
    "PROJECT_FIELDS",
    "project_cancel",
    "project_create",
    "project_delete",
    "project_need_link",
    "project_need_unlink",
    "project_publish",
    "project_update",
]
