"""Forms of the care pages.

They only parse what a person chose or typed into the types an action takes; the rules (who may
act where, which worker may take a visit, which tag the county may visit) live in the actions,
whose errors ``linli.registry.forms.apply_errors`` puts back next to the fields.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy

from .models import Frequency, Policy, Risk

BLANK = ("", gettext_lazy("— choose —"))
GRADE_SEPARATORS = re.compile(r"[,，、;；\n]")
GRADES_TEXT_MAX = 1000


class ReassignForm(forms.Form):
    """Give one month's visit to another grid worker of the person's grid or community."""

    worker_id = forms.TypedChoiceField(
        label=gettext_lazy("Responsible worker"),
        coerce=int,
        error_messages={"required": gettext_lazy("Choose the worker who takes the visit.")},
    )

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker_id"].choices = [BLANK, *((str(pk), name) for pk, name in workers)]


class RiskForm(forms.Form):
    """A person's risk level: high risk is visited more often (the policy says how often)."""

    risk = forms.ChoiceField(label=gettext_lazy("Risk"), choices=Risk.choices)


class PolicyForm(forms.Form):
    """One row of the county's visit policy table."""

    tag_code = forms.ChoiceField(
        label=gettext_lazy("Group"),
        error_messages={"required": gettext_lazy("Choose the group to visit.")},
    )
    kind = forms.ChoiceField(label=gettext_lazy("Visit kind"), choices=Policy.Kind.choices)
    frequency = forms.ChoiceField(
        label=gettext_lazy("Visit frequency"), choices=Frequency.choices, initial="monthly"
    )
    high_risk_frequency = forms.ChoiceField(
        label=gettext_lazy("At high risk"), choices=Frequency.choices, initial="weekly"
    )
    grades = forms.CharField(
        label=gettext_lazy("Only these grades"),
        required=False,
        max_length=GRADES_TEXT_MAX,
        help_text=gettext_lazy("Separate grades with commas, e.g. 一级, 二级. Empty: every grade."),
    )
    active = forms.BooleanField(label=gettext_lazy("In use"), required=False, initial=True)

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag_code"].choices = [
            BLANK,
            *((tag.code, f"— {tag.name}" if tag.parent_id else tag.name) for tag in tags),
        ]

    def clean_grades(self) -> list[str]:
        """The grades typed, split at commas (the action checks how many and how long)."""
        text = self.cleaned_data.get("grades") or ""
        return [g.strip() for g in GRADE_SEPARATORS.split(text) if g.strip()]


class RunForm(forms.Form):
    """Make one month's visit plan again for an area."""

    area_code = forms.ChoiceField(
        label=gettext_lazy("Area"),
        error_messages={"required": gettext_lazy("Choose the area to make the plan for.")},
    )
    month = forms.CharField(
        label=gettext_lazy("Month"),
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"required": gettext_lazy("Give the month to make the plan for.")},
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [BLANK, *areas]
