"""A livelihood project's milestones and progress: add, change, complete (or reopen) and remove
milestones, and report progress.

- A milestone has a title residents read, an optional due date and a share of the work
  (``weight``, %); the shares of one project add up to 100 at most. Writes to one project's
  milestones queue on the project's row, so two people cannot overshoot 100 together.
- A progress update (``project_report``) says what happened, the progress (0–100 %) and the
  status (planned, under way, completed); the project's progress and status become the
  update's. A completed project is at 100 %, a planned one at 0 %. Progress goes down only
  when the person reporting says so (``lowering``) — the update's text, which residents read
  when it is published, is where the reason goes. When the milestones carry shares, the sum of
  the shares of those done is the progress offered (and used when none is given).
- A cancelled project takes neither milestones nor updates.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.errors import ActionError, Conflict

from ...models import LivelihoodProject, ProjectMilestone, ProjectUpdate
from ...queries.projects import milestone_progress
from . import _clean as c

Status = LivelihoodProject.Status
TITLE_MAX = ProjectMilestone._meta.get_field("title").max_length
NOTE_MAX = ProjectMilestone._meta.get_field("note").max_length
TEXT_MAX = ProjectUpdate._meta.get_field("text").max_length
REPORTED = (Status.PLANNED, Status.UNDER_WAY, Status.DONE)


# --- milestones -----------------------------------------------------------------------------------


def _shares_of_others(project_id: int, exclude: int | None = None) -> int:
    rows = ProjectMilestone.objects.filter(project_id=project_id)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.aggregate(total=Sum("weight"))["total"] or 0


def _share_error(taken: int) -> str:
    return _(
        "The other milestones take %(taken)d%% of the work: this one can have %(left)d%% at most."
    ) % {"taken": taken, "left": max(100 - taken, 0)}


def _clean_milestone(errors: c.Errors, title, due_on, weight, note) -> dict:
    return {
        "title": c.public_text(
            errors, "title", c.line(errors, "title", title, max_length=TITLE_MAX, required=True)
        ),
        "due_on": c.date(errors, "due_on", due_on),
        "weight": c.whole(errors, "weight", weight, minimum=0, maximum=100) or 0,
        "note": c.line(errors, "note", note, max_length=NOTE_MAX, required=False),
    }


def _save_milestone(actor, project, values: dict, milestone=None) -> ProjectMilestone:
    errors = c.Errors()
    taken = _shares_of_others(project.pk, milestone.pk if milestone else None)
    if taken + values["weight"] > 100:
        errors.add("weight", _share_error(taken))
    errors.raise_if_any(_("The milestone was not saved."))
    with transaction.atomic():
        locked = c.locked(project)
        c.refuse_cancelled(locked)
        taken = _shares_of_others(project.pk, milestone.pk if milestone else None)
        if taken + values["weight"] > 100:  # someone else added shares meanwhile
            raise ActionError(_share_error(taken), field="weight")
        if milestone is None:
            last = locked.milestones.aggregate(last=Max("position"))["last"]
            milestone = ProjectMilestone(
                project=locked,
                area_code=locked.area_code,
                position=0 if last is None else last + 1,
            )
            action = "project.milestone_add"
        else:
            milestone = ProjectMilestone.objects.select_for_update().get(pk=milestone.pk)
            action = "project.milestone_update"
        for name, value in values.items():
            setattr(milestone, name, value)
        milestone.save()
        locked.updated_at = timezone.now()
        locked.save(update_fields=["updated_at"])
        audit.record(
            actor,
            action,
            locked,
            extra={
                "milestone": milestone.pk,
                "weight": milestone.weight,
                "shares": taken + milestone.weight,
                "due_on": milestone.due_on.isoformat() if milestone.due_on else "",
            },
        )
    return milestone


def milestone_add(
    *, actor, project_id, title="", due_on=None, weight=0, note=""
) -> ProjectMilestone:
    """Add a milestone at the end of the project's list."""
    project = c.project_for(actor, project_id)
    c.refuse_cancelled(project)
    errors = c.Errors()
    values = _clean_milestone(errors, title, due_on, weight, note)
    errors.raise_if_any(_("The milestone was not saved."))
    return _save_milestone(actor, project, values)


def milestone_update(
    *, actor, project_id, milestone_id, title="", due_on=None, weight=0, note=""
) -> ProjectMilestone:
    """Change a milestone's title, due date, share of the work and note."""
    project, milestone = c.milestone_for(actor, project_id, milestone_id)
    c.refuse_cancelled(project)
    errors = c.Errors()
    values = _clean_milestone(errors, title, due_on, weight, note)
    errors.raise_if_any(_("The milestone was not saved."))
    return _save_milestone(actor, project, values, milestone)


def milestone_complete(
    *, actor, project_id, milestone_id, done=True, done_on=None
) -> ProjectMilestone:
    """Mark a milestone done on ``done_on`` (today when not given; not a day to come), or not
    done after all (``done`` false)."""
    project, milestone = c.milestone_for(actor, project_id, milestone_id)
    c.refuse_cancelled(project)
    errors = c.Errors()
    wanted = c.flag(errors, "done", done)
    day = c.date(errors, "done_on", done_on) if wanted else None
    if wanted and day is None and not errors.has("done_on"):
        day = c.today()
    if day is not None and day > c.today():
        errors.add("done_on", _("A milestone is done on a day that has come, not a later one."))
    errors.raise_if_any(_("The milestone was not changed."))
    with transaction.atomic():
        locked = c.locked(project)
        c.refuse_cancelled(locked)
        row = ProjectMilestone.objects.select_for_update().get(pk=milestone.pk)
        if wanted and row.done_on is not None:
            raise Conflict(_("This milestone is done already."))
        if not wanted and row.done_on is None:
            raise Conflict(_("This milestone is not done yet."))
        row.done_on = day
        row.save(update_fields=["done_on"])
        locked.updated_at = timezone.now()
        locked.save(update_fields=["updated_at"])
        audit.record(
            actor,
            "project.milestone_done" if wanted else "project.milestone_reopen",
            locked,
            extra={"milestone": row.pk, "weight": row.weight},
        )
    return row


def milestone_remove(*, actor, project_id, milestone_id) -> int:
    """Remove a milestone from the project's list; returns its id."""
    project, milestone = c.milestone_for(actor, project_id, milestone_id)
    c.refuse_cancelled(project)
    with transaction.atomic():
        locked = c.locked(project)
        c.refuse_cancelled(locked)
        pk, weight, done = milestone.pk, milestone.weight, milestone.done_on is not None
        ProjectMilestone.objects.filter(pk=pk).delete()
        locked.updated_at = timezone.now()
        locked.save(update_fields=["updated_at"])
        audit.record(
            actor,
            "project.milestone_remove",
            locked,
            extra={"milestone": pk, "weight": weight, "done": done},
        )
    return pk


# --- progress updates -----------------------------------------------------------------------------


def _lowering_error(previous: int) -> str:
    return _(
        "The progress was %(old)d%%. To lower it, tick “progress goes down” and say why in "
        "the text."
    ) % {"old": previous}


def project_report(
    *, actor, project_id, progress=None, status="", text="", published=True, lowering=False
) -> ProjectUpdate:
    """Report progress: ``text`` (what happened), ``progress`` (0–100), ``status`` (planned,
    under_way or done) and whether residents see the update (``published``). Progress left out
    is 100 for a completed project, else the milestones' done shares when they carry shares."""
    found = c.project_for(actor, project_id)
    c.refuse_cancelled(found)
    errors = c.Errors()
    word = str(status or "").strip()
    if word == Status.CANCELLED:
        errors.add(
            "status", _("To cancel the project, use “Cancel the project” and give the reason.")
        )
    else:
        word = c.choice(errors, "status", word, Status, allowed=REPORTED)
    value = c.whole(errors, "progress", progress, minimum=0, maximum=100)
    if value is None and not errors.has("progress"):
        if word == Status.DONE:
            value = 100
        else:
            value = milestone_progress(found.pk)
            if value is None:
                errors.add("progress", _("Please fill this in."))
    if value is not None and word == Status.DONE and value != 100:
        errors.add("progress", _("A completed project is at 100%."))
    if value is not None and word == Status.PLANNED and value != 0:
        errors.add(
            "progress",
            _("A project that has not started is at 0%: choose “under way” once work begins."),
        )
    body = c.public_text(
        errors, "text", c.text(errors, "text", text, max_length=TEXT_MAX, required=True)
    )
    shown = c.flag(errors, "published", published)
    lower = c.flag(errors, "lowering", lowering)
    if value is not None and value < found.progress and not lower and not errors.has("progress"):
        errors.add("progress", _lowering_error(found.progress))
    errors.raise_if_any(_("The update was not saved."))
    with transaction.atomic():
        project = c.locked(found)
        c.refuse_cancelled(project)
        if value < project.progress and not lower:  # someone reported meanwhile
            raise ActionError(_lowering_error(project.progress), field="progress")
        now = timezone.now()
        update = ProjectUpdate.objects.create(
            project=project,
            area_code=project.area_code,
            progress=value,
            status=word,
            text=body,
            published=shown,
            by=c.user_or_none(actor),
            at=now,
        )
        previous = (project.progress, project.status)
        project.progress, project.status, project.updated_at = value, word, now
        project.save(update_fields=["progress", "status", "updated_at"])
        audit.record(
            actor,
            "project.report",
            project,
            extra={
                "update": update.pk,
                "progress": value,
                "status": word,
                "published": shown,
                "previous_progress": previous[0],
                "previous_status": previous[1],
            },
        )
        if word == Status.DONE and previous[1] != Status.DONE:
            name = project.name
            c.tell_creator(
                project,
                actor,
                "project.done",
                lambda: _("The livelihood project “%(name)s” is completed.") % {"name": name},
            )
    return update


__all__ = [
    "milestone_add",
    "milestone_complete",
    "milestone_remove",
    "milestone_update",
    "project_report",
]
