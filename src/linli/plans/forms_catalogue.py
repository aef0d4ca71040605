"""Forms of the catalogue pages (plans, targets, indicators). They parse what a person typed;
the rules (jurisdictions, years, values, keys) are the actions', whose errors ``apply_errors``
puts back next to the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from .models import Indicator, Plan, Scope, Target, Unit

BLANK = ("", gettext_lazy("— choose —"))
YEAR_ATTRS = {"inputmode": "numeric", "min": "2000", "max": "2100"}
NUMBER_ATTRS = {"inputmode": "decimal"}


def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _year(label, *, required: bool = True, help_text=""):
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=2000,
        max_value=2100,
        help_text=help_text,
        widget=forms.NumberInput(attrs=YEAR_ATTRS),
    )


def _number(label, *, required: bool = True, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs=NUMBER_ATTRS),
    )


def _areas(field: forms.ChoiceField, areas) -> None:
    options = [(area.code, area.name) for area in areas]
    field.choices = options if len(options) == 1 else [BLANK, *options]


class _Other(forms.Form):
    other_targets = forms.CharField(
        label=gettext_lazy("Other targets"),
        required=False,
        max_length=10000,
        help_text=gettext_lazy("Targets of the text that are not measured here: one per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PlanEditForm(_Other):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=_max(Plan, "title"))
    start_year = _year(gettext_lazy("First year"))
    end_year = _year(gettext_lazy("Horizon"), help_text=gettext_lazy("The last year, e.g. 2025."))

    field_order = ["title", "start_year", "end_year", "other_targets"]


class PlanForm(PlanEditForm):
    area_code = forms.ChoiceField(label=gettext_lazy("Jurisdiction"), choices=())

    field_order = ["area_code", "title", "start_year", "end_year", "other_targets"]

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        _areas(self.fields["area_code"], areas)


class AdoptForm(forms.Form):
    area_code = forms.ChoiceField(label=gettext_lazy("Adopt for"), choices=())
    title = forms.CharField(
        label=gettext_lazy("Title"),
        required=False,
        max_length=_max(Plan, "title"),
        help_text=gettext_lazy("Leave it blank for the template's title with your area's name."),
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        _areas(self.fields["area_code"], areas)


class TargetForm(forms.Form):
    indicator_id = forms.ChoiceField(label=gettext_lazy("Indicator"), choices=())
    op = forms.ChoiceField(label=gettext_lazy("Compared as"), choices=[BLANK, *Target.Op.choices])
    value = _number(
        gettext_lazy("Target value"), help_text=gettext_lazy("In the indicator's unit.")
    )
    binding = forms.BooleanField(
        label=gettext_lazy("Binding (约束性); leave unticked for expected (预期性)"), required=False
    )
    due_year = _year(
        gettext_lazy("Due year"), required=False, help_text=gettext_lazy("Blank: the horizon.")
    )
    baseline = _number(gettext_lazy("Baseline value"), required=False)
    baseline_year = _year(
        gettext_lazy("Baseline year"),
        required=False,
        help_text=gettext_lazy("Blank: the year before the plan starts."),
    )
    per_community = forms.BooleanField(
        label=gettext_lazy("Applies to each community"), required=False
    )
    at_risk_margin = _number(
        gettext_lazy("At-risk margin"),
        required=False,
        help_text=gettext_lazy(
            "How far from the target still counts as at risk, in the indicator's unit. "
            "Blank: a tenth of the target."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=_max(Target, "note")
    )

    def __init__(self, *args, indicators=None, **kwargs):
        super().__init__(*args, **kwargs)
        if indicators is None:  # changing a target: its indicator stays
            del self.fields["indicator_id"]
        else:
            self.fields["indicator_id"].choices = [BLANK, *indicators]


class IndicatorEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=_max(Indicator, "name"))
    definition = forms.CharField(
        label=gettext_lazy("Definition"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("How it is counted, e.g. numerator ÷ denominator."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    unit = forms.ChoiceField(label=pgettext_lazy("measure", "Unit"), choices=[BLANK, *Unit.choices])
    scope = forms.ChoiceField(label=gettext_lazy("Counted over"), choices=Scope.choices)
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        choices=Indicator.Source.choices,
        widget=forms.RadioSelect,
    )
    function = forms.ChoiceField(
        label=gettext_lazy("Computed by"),
        required=False,
        choices=(),
        help_text=gettext_lazy("For a computed indicator."),
    )
    aggregation = forms.ChoiceField(
        label=gettext_lazy("Reported values add up as"),
        choices=Indicator.Aggregation.choices,
        help_text=gettext_lazy("For a reported indicator."),
    )
    factor = _number(
        gettext_lazy("Factor"),
        required=False,
        help_text=gettext_lazy(
            "For a reported ratio: 100 for a percentage, 1 for an average per community, "
            "10000 for a figure per 10,000. Blank: 100 for a percentage, else 1."
        ),
    )
    decimals = forms.IntegerField(
        label=gettext_lazy("Decimals shown"), min_value=0, max_value=4, initial=1
    )

    def __init__(self, *args, functions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["function"].choices = [BLANK, *functions]


class IndicatorForm(IndicatorEditForm):
    area_code = forms.ChoiceField(label=gettext_lazy("Jurisdiction"), choices=())
    key = forms.SlugField(
        label=gettext_lazy("Key"),
        max_length=_max(Indicator, "key"),
        help_text=gettext_lazy(
            "Lowercase letters, digits and underscores, e.g. consultation_rate. It cannot be "
            "changed later."
        ),
    )

    field_order = ["area_code", "key", "name"]

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        _areas(self.fields["area_code"], areas)
