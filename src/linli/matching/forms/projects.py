"""Forms of the livelihood-project pages.

They only carry what a person typed to the actions, which hold every rule (amounts, dates,
shares of the work, progress, no phone or ID numbers in what residents read) and whose errors
``apply_errors`` puts back next to the fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from ..models import Category, LivelihoodProject, ProjectMilestone, ProjectUpdate

BLANK = ("", gettext_lazy("— choose —"))
Status = LivelihoodProject.Status
PUBLIC_HELP = gettext_lazy("Residents read this: plain words, no names or phone numbers.")


def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _number(label, *, required: bool = False, decimal: bool = False, help_text="", initial=None):
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        initial=initial,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal" if decimal else "numeric", "autocomplete": "off"}
        ),
    )


def _date(label, *, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        max_length=10,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ProjectForm(forms.Form):
    area_code = forms.ChoiceField(
        label=gettext_lazy("County, town or community"),
        choices=(),
        help_text=gettext_lazy("Where the project belongs; it cannot be moved later."),
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=_max(LivelihoodProject, "name"),
        help_text=PUBLIC_HELP,
    )
    category = forms.ChoiceField(
        label=gettext_lazy("What it helps with"), choices=[BLANK, *Category.choices]
    )
    summary = forms.CharField(
        label=gettext_lazy("What it does"),
        max_length=LivelihoodProject._meta.get_field("summary").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=PUBLIC_HELP,
    )
    budget = _number(
        gettext_lazy("Budget (yuan)"),
        required=True,
        decimal=True,
        help_text=gettext_lazy("e.g. 120000 or 3500.50; 0 when it costs nothing."),
    )
    funding = forms.ChoiceField(
        label=gettext_lazy("Funding source"), choices=[BLANK, *LivelihoodProject.Funding.choices]
    )
    lead_unit = forms.CharField(
        label=gettext_lazy("Lead unit"),
        max_length=_max(LivelihoodProject, "lead_unit"),
        help_text=gettext_lazy("The unit responsible, e.g. 仙城街道办事处 (not a person's name)."),
    )
    beneficiaries = forms.CharField(
        label=gettext_lazy("Who benefits"),
        max_length=_max(LivelihoodProject, "beneficiaries"),
        help_text=gettext_lazy("e.g. older people living alone in the community."),
    )
    beneficiary_count = _number(
        gettext_lazy("How many people benefit"), initial="0", help_text=gettext_lazy("About.")
    )
    starts_on = _date(gettext_lazy("Starts on"))
    ends_on = _date(gettext_lazy("Ends on"))

    FIELDS = (
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

    def __init__(self, *args, areas=None, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["area_code"].choices = [BLANK] + [
                (area.code, f"{area.name} ({area.code})") for area in areas or []
            ]
        else:
            del self.fields["area_code"]

    def action_data(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.FIELDS}

    @classmethod
    def initial_of(cls, project: LivelihoodProject) -> dict:
        return {
            "name": project.name,
            "category": project.category,
            "summary": project.summary,
            "budget": f"{project.budget:.2f}",
            "funding": project.funding,
            "lead_unit": project.lead_unit,
            "beneficiaries": project.beneficiaries,
            "beneficiary_count": str(project.beneficiary_count),
            "starts_on": project.starts_on.isoformat() if project.starts_on else "",
            "ends_on": project.ends_on.isoformat() if project.ends_on else "",
        }


class MilestoneForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Milestone"),
        max_length=_max(ProjectMilestone, "title"),
        help_text=PUBLIC_HELP,
    )
    due_on = _date(gettext_lazy("Due on"))
    weight = _number(
        gettext_lazy("Share of the work (%)"),
        initial="0",
        help_text=gettext_lazy(
            "The shares of a project's milestones add up to 100 at most; those done give the "
            "progress offered in the next update. 0: not counted."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note for staff"),
        required=False,
        max_length=_max(ProjectMilestone, "note"),
    )

    def action_data(self) -> dict:
        return {
            name: self.cleaned_data.get(name, "") for name in ("title", "due_on", "weight", "note")
        }

    @classmethod
    def initial_of(cls, milestone: ProjectMilestone) -> dict:
        return {
            "title": milestone.title,
            "due_on": milestone.due_on.isoformat() if milestone.due_on else "",
            "weight": str(milestone.weight),
            "note": milestone.note,
        }


class ReportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=ProjectUpdate._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=PUBLIC_HELP,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[(s.value, s.label) for s in (Status.PLANNED, Status.UNDER_WAY, Status.DONE)],
        initial=Status.UNDER_WAY,
    )
    progress = _number(
        gettext_lazy("Progress (%)"),
        required=False,
        help_text=gettext_lazy("From 0 to 100. A completed project is at 100."),
    )
    published = forms.BooleanField(
        label=gettext_lazy("Show this update to residents"), required=False, initial=True
    )
    lowering = forms.BooleanField(
        label=gettext_lazy("Progress goes down (the text says why)"), required=False
    )

    def action_data(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data.get("text", ""),
            "status": data.get("status", ""),
            "progress": data.get("progress", ""),
            "published": bool(data.get("published")),
            "lowering": bool(data.get("lowering")),
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the project cancelled?"),
        max_length=ProjectUpdate._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=PUBLIC_HELP,
    )


class NeedLinkForm(forms.Form):
    need_id = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
