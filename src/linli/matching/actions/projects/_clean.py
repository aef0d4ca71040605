"""What the livelihood-project actions share: the cleaning helpers of :mod:`linli.core.cleaning`
(text, dates, yes or no), amounts in yuan, whole numbers (a share may end in %), a choice that
must be made, refusing phone and ID numbers in text residents read, the places a project may
sit on, and finding the project (or milestone) an action is about."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import cleaning, scoping
from linli.core.actions import notify
from linli.core.areacodes import Level
from linli.core.cleaning import Errors, date, flag, line, row_id, text  # noqa: F401
from linli.core.errors import Conflict, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import LivelihoodProject, ProjectMilestone

Status = LivelihoodProject.Status

# A project sits on a county, a town (street) or a community (village).
PROJECT_LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)
BUDGET_MAX = Decimal("9999999999.99")  # max_digits 12, 2 decimals
COUNT_MAX = 10_000_000

# Mainland mobile numbers (with or without +86 and separators) and resident ID numbers inside
# free text: text that residents read must not carry them.
_PHONE_IN_TEXT = re.compile(r"(?<![\d])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![\d])")
_ID_IN_TEXT = re.compile(
    r"(?<![\d])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\d])"
)


def is_user(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def user_or_none(actor):
    return actor if is_user(actor) else None


def public_text(errors: Errors, field: str, value: str) -> str:
    """Text shown to residents: refused when it carries a phone or ID number."""
    if value and (_PHONE_IN_TEXT.search(value) or _ID_IN_TEXT.search(value)):
        errors.add(field, _("Residents can read this: leave out phone and ID numbers."))
    return value


def money(errors: Errors, field: str, value, *, required: bool = True) -> Decimal | None:
    """An amount in yuan: 0 or more, at most two decimals (fen)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _("Please fill this in."))
        return None
    if isinstance(value, bool):
        errors.add(field, _("Enter an amount in yuan, such as 120000 or 3500.50."))
        return None
    raw = str(value).strip().replace(",", "").replace("，", "").replace(" ", "")
    try:
        amount = Decimal(raw)
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter an amount in yuan, such as 120000 or 3500.50."))
        return None
    if amount < 0:
        errors.add(field, _("The amount cannot be below 0."))
        return None
    if amount > BUDGET_MAX:  # first: quantizing a huge number overflows the context
        errors.add(field, _("The amount is too large."))
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.add(field, _("At most two decimals (fen), please."))
        return None
    return amount.quantize(Decimal("0.01"))


def whole(
    errors: Errors, field: str, value, *, minimum: int, maximum: int, required: bool = False
) -> int | None:
    """A whole number from ``minimum`` to ``maximum`` (a share may end in ``%``); None when
    empty."""
    return cleaning.integer(
        errors, field, value, minimum=minimum, maximum=maximum, required=required, percent=True
    )


def choice(errors: Errors, field: str, value, choices, *, allowed=None) -> str:
    """One of ``choices`` (a TextChoices class, or only ``allowed`` of its values); empty is
    refused."""
    if not str(value or "").strip():
        errors.add(field, _("Please choose one."))
        return ""
    return cleaning.choice(errors, field, value, choices, allowed=allowed)


def place(errors: Errors, value, field: str = "area_code") -> Area | None:
    """The county, town or community named by ``value`` (its code)."""
    found = cleaning.area_at(value, PROJECT_LEVELS)
    if found is None:
        errors.add(field, _("Choose the county, town or community the project belongs to."))
        return None
    return found


def today():
    return timezone.localdate()


# --- finding what an action is about -------------------------------------------------------------


def project_for(actor, project_id) -> LivelihoodProject:
    """The project, when the actor sees it (else NotFound) and manages projects over its area
    (else Forbidden)."""
    pk = row_id(project_id)
    found = LivelihoodProject.objects.filter(pk=pk).first() if pk else None
    if found is None or not scoping.has_cap(actor, Cap.MATCH_VIEW, found.area_code):
        raise NotFound(_("There is no such project among those you may see."))
    scoping.require(actor, Cap.PROJECT_MANAGE, found.area_code)
    return found


def milestone_for(actor, project_id, milestone_id) -> tuple[LivelihoodProject, ProjectMilestone]:
    project = project_for(actor, project_id)
    pk = row_id(milestone_id)
    found = ProjectMilestone.objects.filter(pk=pk, project=project).first() if pk else None
    if found is None:
        raise NotFound(_("This project has no such milestone."))
    return project, found


def locked(project: LivelihoodProject) -> LivelihoodProject:
    """The project's row, locked until the transaction ends (writes to one project queue)."""
    return LivelihoodProject.objects.select_for_update().get(pk=project.pk)


def refuse_cancelled(project: LivelihoodProject) -> None:
    if project.status == Status.CANCELLED:
        raise Conflict(_("This project was cancelled: it cannot be changed any more."))


def tell_creator(project: LivelihoodProject, actor, kind: str, message) -> None:
    """Notify whoever recorded the project (when it is someone else who still sees it)."""
    creator = project.created_by
    if creator is None or (is_user(actor) and creator.pk == actor.pk):
        return
    if not scoping.has_cap(creator, Cap.MATCH_VIEW, project.area_code):
        return
    notify(
        [creator],
        kind=kind,
        text=message,
        url=reverse("matching:project", args=[project.pk]),
        target=project,
    )
