"""Forms of the training pages. They parse what a person typed; the rules (areas, dates, hours,
whose workers) are the actions', whose errors ``apply_errors`` puts back next to the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from .models import Course, Session, TrainingRule

BLANK = ("", gettext_lazy("— choose —"))


def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _date(label, *, required: bool = False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _hours(label, *, required: bool = True, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=10,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.5", "inputmode": "decimal"}),
    )


class CourseForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Course"), max_length=_max(Course, "title"))
    organiser = forms.CharField(
        label=gettext_lazy("Organiser"),
        max_length=_max(Course, "organiser"),
        help_text=gettext_lazy(
            "The office or school that gives it, e.g. the district Party school."
        ),
    )
    area_code = forms.ChoiceField(label=gettext_lazy("Organised for"), choices=())
    mode = forms.ChoiceField(label=gettext_lazy("Mode"), choices=[BLANK, *Course.Mode.choices])
    hours = _hours(gettext_lazy("Hours"), help_text=gettext_lazy("Hours of the whole course."))
    description = forms.CharField(
        label=gettext_lazy("Content"),
        required=False,
        max_length=Course._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        options = [(area.code, area.name) for area in areas]
        self.fields["area_code"].choices = options if len(options) == 1 else [BLANK, *options]


class SessionForm(forms.Form):
    starts_on = _date(gettext_lazy("From"), required=True)
    ends_on = _date(
        gettext_lazy("Until"), help_text=gettext_lazy("Leave it blank for a one-day session.")
    )
    place = forms.CharField(
        label=gettext_lazy("Place or link"), required=False, max_length=_max(Session, "place")
    )
    hours = _hours(
        gettext_lazy("Hours"),
        required=False,
        help_text=gettext_lazy("Leave it blank for the course's hours."),
    )


class SheetForm(forms.Form):
    """The attendance sheet: the workers shown and those ticked present come as lists."""

    hours = _hours(
        gettext_lazy("Hours credited to those present"),
        required=False,
        help_text=gettext_lazy("Leave it blank for the session's hours (or the hours kept)."),
    )


class RuleForm(forms.Form):
    applies_to = forms.ChoiceField(
        label=gettext_lazy("Applies to"), choices=[BLANK, *TrainingRule.AppliesTo.choices]
    )
    cycle_months = forms.IntegerField(
        label=gettext_lazy("Trained at least once every (months)"), min_value=1, max_value=120
    )
    min_hours = _hours(
        gettext_lazy("Hours needed in each cycle"),
        required=False,
        help_text=gettext_lazy("Leave it blank or 0 when any training counts."),
    )
