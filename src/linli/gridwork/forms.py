"""Forms of the grid-work pages.

They only parse what a person typed into the types an action takes; the rules (items in force,
places within one's reach, a log day within the week) live in the actions, whose errors
``apply_errors`` puts back next to the fields.
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .models import Log, Task, WorkItem

BLANK = ("", gettext_lazy("— choose —"))


def _date(label, *, required: bool = False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _text(label, *, max_length: int, rows: int = 3, required: bool = False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _max(model, field: str) -> int:
    return model._meta.get_field(field).max_length


class WorkItemForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Number"),
        max_length=_max(WorkItem, "code"),
        help_text=gettext_lazy("Its number in the county's approved list, e.g. XZ-20."),
    )
    name = forms.CharField(label=gettext_lazy("Work item"), max_length=_max(WorkItem, "name"))
    department = forms.CharField(
        label=gettext_lazy("Department that may assign it"),
        max_length=_max(WorkItem, "department"),
    )
    description = _text(
        gettext_lazy("What the community does"), max_length=_max(WorkItem, "description")
    )
    basis = forms.CharField(
        label=gettext_lazy("Policy basis"),
        required=False,
        max_length=_max(WorkItem, "basis"),
        help_text=gettext_lazy("The law, regulation or plan that allows it."),
    )
    approved_on = _date(
        gettext_lazy("Approved on"),
        help_text=gettext_lazy("The date of the county's decision that put it on the list."),
    )


class WithdrawForm(forms.Form):
    withdrawn_on = _date(
        gettext_lazy("Withdrawn on"), help_text=gettext_lazy("Leave it blank for today.")
    )


class TaskAssignForm(forms.Form):
    item = forms.ChoiceField(label=gettext_lazy("Work item of the list"), choices=())
    area_codes = forms.MultipleChoiceField(
        label=gettext_lazy("Grids and communities"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose the grids or communities it goes to.")},
    )
    title = forms.CharField(label=gettext_lazy("Task"), max_length=_max(Task, "title"))
    description = _text(
        gettext_lazy("Details"), max_length=Task._meta.get_field("description").max_length
    )
    due_on = _date(gettext_lazy("Due by"))

    def __init__(self, *args, items=(), targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        items = list(items)
        counties = {item.area_code for item in items}
        if len(counties) > 1:
            grouped: dict[str, list] = {}
            for item in items:
                grouped.setdefault(item.county.name, []).append(
                    (str(item.pk), f"{item.code} {item.label}")
                )
            choices = [BLANK, *grouped.items()]
        else:
            choices = [BLANK, *((str(item.pk), f"{item.code} {item.label}") for item in items)]
        self.fields["item"].choices = choices
        self.fields["area_codes"].choices = list(targets)


class TaskDoneForm(forms.Form):
    result = _text(
        gettext_lazy("What was done"),
        max_length=Task._meta.get_field("result").max_length,
        required=True,
    )


class TaskCancelForm(forms.Form):
    reason = _text(
        gettext_lazy("Why it is cancelled"),
        max_length=Task._meta.get_field("result").max_length,
        rows=2,
        required=True,
    )


class LogForm(forms.Form):
    """One entry of the daily log. ``client_key`` is made when the form is first shown and kept
    with the draft on the phone, so sending it again (after being offline) writes once."""

    area_code = forms.ChoiceField(label=gettext_lazy("Grid or community walked"), choices=())
    day = _date(gettext_lazy("Day"), required=True)
    saw = _text(gettext_lazy("What I saw"), max_length=_max(Log, "saw"))
    heard = _text(gettext_lazy("What residents told me"), max_length=_max(Log, "heard"))
    resolved = _text(gettext_lazy("What I resolved on the spot"), max_length=_max(Log, "resolved"))
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=36)

    def __init__(self, *args, areas=(), **kwargs):
        areas = list(areas)
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("day", timezone.localdate().isoformat())
        initial.setdefault("client_key", str(uuid.uuid4()))
        if len(areas) == 1:
            initial.setdefault("area_code", areas[0][0])
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = areas if len(areas) == 1 else [BLANK, *areas]


class LogEditForm(LogForm):
    """Changing an entry: the same fields, without a new key."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["client_key"]
