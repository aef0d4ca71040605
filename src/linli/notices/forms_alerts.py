"""Forms of the alert pages: they parse what was typed; the actions check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions.alerts import CHECK_AFTER_MAX, CHECK_AFTER_MIN, parse_shelter_lines
from .models import Alert, AlertRecipient


def area_groups(areas) -> list:
    """Areas for a <select>: the counties and towns themselves, then each town's communities."""
    groups: list = []
    tops: list = []
    by_town: dict[str, list] = {}
    names: dict[str, str] = {}
    for area in areas:
        names[area.code] = area.name
        if len(area.prefix) == 12:
            by_town.setdefault(area.code[:9], []).append((area.code, area.name))
        else:
            tops.append((area.code, f"{area.name} · {area.get_level_display()}"))
    if tops:
        groups.append((_("Counties and towns"), tops))
    for town, rows in by_town.items():
        groups.append((names.get(town.ljust(12, "0"), town), rows))
    return groups


class AlertForm(forms.Form):
    area_code = forms.ChoiceField(label=_("Where"), choices=())
    kind = forms.ChoiceField(label=_("Kind of emergency"), choices=Alert.Kind.choices)
    severity = forms.ChoiceField(
        label=_("Severity colour"),
        choices=Alert.Severity.choices,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    instructions = forms.CharField(
        label=_("What residents must do"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    shelters = forms.CharField(
        label=_("Shelters"),
        required=False,
        max_length=12000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: name — address (e.g. 仙城小学体育馆 — 仙城路8号)."),
    )
    check_after = forms.IntegerField(
        label=_("Check on vulnerable residents who have not answered after (minutes)"),
        initial=30,
        min_value=CHECK_AFTER_MIN,
        max_value=CHECK_AFTER_MAX,
    )
    ends_at = forms.DateTimeField(
        label=_("In force until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Leave empty to end it by hand."),
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [("", _("Choose the area")), *area_groups(areas)]

    def action_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["shelters"] = parse_shelter_lines(data.get("shelters") or "")
        return data


class AckForm(forms.Form):
    answer = forms.ChoiceField(choices=[(v, label) for v, label in AlertRecipient.Ack.choices if v])


class CheckForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[(v, label) for v, label in AlertRecipient.CheckResult.choices if v],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you found or what they need (no ID numbers)."),
    )


class OfficerForm(forms.Form):
    community_code = forms.ChoiceField(label=_("Community or village"), choices=())
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Telephone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    trained_on = forms.DateField(
        label=_("Trained on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community_code"].choices = [
            ("", _("Choose the community")),
            *[
                (c.code, f"{c.name} · {c.parent.name}" if c.parent_id else c.name)
                for c in communities
            ],
        ]
