"""Forms of the task ledger's pages. They parse what a person typed; the rules (levels, years,
dates, who may write) are the actions', whose errors ``apply_errors`` puts back next to the
fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from linli.core.areacodes import Level

from .models import Milestone, PlanTask, ProgressReport

BLANK = ("", gettext_lazy("— choose —"))
LEVELS = [
    (Level.COMMUNITY.value, gettext_lazy("each community or village")),
    (Level.TOWN.value, gettext_lazy("each town or street")),
    (Level.COUNTY.value, gettext_lazy("the county")),
]


def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _number(label, *, low: int, high: int, help_text=""):
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class TaskForm(forms.Form):
    group = forms.CharField(
        label=pgettext_lazy("plan section", "Action"),
        required=False,
        max_length=_max(PlanTask, "group"),
        help_text=gettext_lazy("The heading the task comes under, e.g. 专栏2 or 重点任务一."),
    )
    number = forms.CharField(label=gettext_lazy("Number"), max_length=_max(PlanTask, "number"))
    title = forms.CharField(label=gettext_lazy("Task"), max_length=_max(PlanTask, "title"))
    requirement = forms.CharField(
        label=gettext_lazy("Requirements"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    lead_units = forms.CharField(
        label=gettext_lazy("Lead units"), max_length=_max(PlanTask, "lead_units")
    )
    co_units = forms.CharField(
        label=gettext_lazy("Co-units"), required=False, max_length=_max(PlanTask, "co_units")
    )
    report_level = forms.TypedChoiceField(
        label=gettext_lazy("Who reports progress"), choices=[BLANK, *LEVELS], coerce=int
    )
    frequency = forms.ChoiceField(
        label=pgettext_lazy("report frequency", "How often"),
        choices=[BLANK, *PlanTask.Frequency.choices],
    )
    due_month = _number(
        gettext_lazy("Due month"),
        low=1,
        high=12,
        help_text=gettext_lazy("Yearly reports are due on this month and day of each year."),
    )
    due_day = _number(
        gettext_lazy("Due day"),
        low=1,
        high=31,
        help_text=gettext_lazy(
            "Half-yearly and quarterly reports are due on this day of the month after the "
            "period ends (the month's last day when it is shorter)."
        ),
    )
    first_year = _number(gettext_lazy("First year"), low=1900, high=2200)
    last_year = _number(gettext_lazy("Last year"), low=1900, high=2200)


class MilestoneForm(forms.Form):
    year = _number(gettext_lazy("Year"), low=1900, high=2200)
    title = forms.CharField(label=gettext_lazy("Milestone"), max_length=_max(Milestone, "title"))
    due_on = forms.CharField(
        label=gettext_lazy("Due"), max_length=20, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("What was done"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("At most 4000 characters."),
    )
    percent = forms.IntegerField(
        label=gettext_lazy("Done (%)"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "5"}),
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "PDF, Word (.docx), Excel (.xlsx), JPEG or PNG; at most 10 MB, 10 files a report."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"}),
    )


class DecisionForm(forms.Form):
    DECISIONS = ("approve", "return", "reopen")

    decision = forms.ChoiceField(choices=[(d, d) for d in DECISIONS], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=_max(ProgressReport, "decision_note"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
