"""Forms of the activities pages. They only parse what a person chose or typed; every rule
(times in the future, spots, venues of the community, who may do what) is the actions', whose
errors ``apply_errors`` puts back next to the fields."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Activity, Project, Shift, Skill, TargetGroup

MOMENT_FORMAT = "%Y-%m-%dT%H:%M"

__all__ = [
    "ActivityForm",
    "CancelForm",
    "ProjectForm",
    "ShiftForm",
    "WalkInForm",
]


def _moment(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MOMENT_FORMAT),
        error_messages={"required": _("Choose a time.")},
    )


def _choices(rows, empty) -> list[tuple[str, str]]:
    return [("", empty), *((str(value), label) for value, label in rows)]


class ProjectForm(forms.Form):
    area_code = forms.ChoiceField(label=_("Area"), choices=())
    name = forms.CharField(label=_("Name"), max_length=Project._meta.get_field("name").max_length)
    summary = forms.CharField(
        label=_("What it does"),
        max_length=Project._meta.get_field("summary").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    target_groups = forms.MultipleChoiceField(
        label=_("Whom it serves"),
        choices=TargetGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one.")},
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills needed"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    organisation_id = forms.ChoiceField(label=_("Organisation"), choices=(), required=False)
    team_id = forms.ChoiceField(label=_("Team"), choices=(), required=False)
    starts_on = forms.DateField(
        label=_("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    in_library = forms.BooleanField(
        label=_("Offer it in the project library"),
        required=False,
        help_text=_("Counties and towns only: the communities below may copy it."),
    )

    def __init__(self, *args, areas=(), organisations=(), teams=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = list(areas)
        self.fields["organisation_id"].choices = _choices(organisations, _("None"))
        self.fields["team_id"].choices = _choices(teams, _("None"))
        if editing:
            del self.fields["area_code"]


class ActivityForm(forms.Form):
    """An activity; with ``first_shift`` also its first shift (more are added on its page)."""

    area_code = forms.ChoiceField(label=_("Community"), choices=())
    title = forms.CharField(
        label=_("Activity"), max_length=Activity._meta.get_field("title").max_length
    )
    description = forms.CharField(
        label=_("What volunteers will do"),
        max_length=Activity._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    target_group = forms.ChoiceField(label=_("Whom it serves"), choices=TargetGroup.choices)
    beneficiaries = forms.CharField(
        label=_("Beneficiaries"),
        required=False,
        max_length=Activity._meta.get_field("beneficiaries").max_length,
        help_text=_("For example: 12 older people living alone in buildings 3 to 5."),
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills needed"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    venue_id = forms.ChoiceField(label=_("Venue"), choices=(), required=False)
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=Activity._meta.get_field("place").max_length,
        help_text=_("Where to meet. With a venue chosen, its name is used unless you write one."),
    )
    leader_name = forms.CharField(
        label=_("Activity leader"), max_length=Activity._meta.get_field("leader_name").max_length
    )
    team_id = forms.ChoiceField(label=_("Team"), choices=(), required=False)
    project_id = forms.ChoiceField(label=_("Project"), choices=(), required=False)
    organisation_id = forms.ChoiceField(label=_("Organisation"), choices=(), required=False)
    public = forms.BooleanField(
        label=_("Volunteers of other communities may sign up"), required=False, initial=True
    )
    shift_starts_at = _moment(_("First shift starts"))
    shift_ends_at = _moment(_("First shift ends"))
    shift_place = forms.CharField(
        label=_("Place of the shift"),
        required=False,
        max_length=Shift._meta.get_field("place").max_length,
        help_text=_("Only when it differs from the activity's place."),
    )
    shift_role = forms.CharField(
        label=_("Role"),
        required=False,
        max_length=Shift._meta.get_field("role").max_length,
        help_text=_("For example: companion, driver, registration desk."),
    )
    shift_spots = forms.IntegerField(
        label=_("Spots"), min_value=1, max_value=500, initial=5, widget=forms.NumberInput()
    )

    SHIFT_FIELDS = ("shift_starts_at", "shift_ends_at", "shift_place", "shift_role", "shift_spots")

    def __init__(
        self,
        *args,
        areas=(),
        venues=(),
        teams=(),
        projects=(),
        organisations=(),
        first_shift=True,
        editing=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = list(areas)
        self.fields["venue_id"].choices = _choices(venues, _("No venue"))
        self.fields["team_id"].choices = _choices(teams, _("None"))
        self.fields["project_id"].choices = _choices(projects, _("None"))
        self.fields["organisation_id"].choices = _choices(
            organisations, _("The team's or project's")
        )
        self.fields["shift_spots"].widget.attrs.update({"inputmode": "numeric"})
        if editing:
            del self.fields["area_code"]
        if not first_shift:
            for name in self.SHIFT_FIELDS:
                del self.fields[name]

    def activity_fields(self) -> dict:
        data = self.cleaned_data
        out = {
            name: data.get(name)
            for name in (
                "title",
                "description",
                "target_group",
                "beneficiaries",
                "skills",
                "place",
                "venue_id",
                "leader_name",
                "team_id",
                "project_id",
                "organisation_id",
                "public",
            )
        }
        for name in ("venue_id", "team_id", "project_id", "organisation_id"):
            out[name] = out[name] or None
        return out

    def first_shift(self) -> dict:
        data = self.cleaned_data
        return {
            "starts_at": data["shift_starts_at"],
            "ends_at": data["shift_ends_at"],
            "place": data.get("shift_place", ""),
            "role": data.get("shift_role", ""),
            "spots": data["shift_spots"],
        }


class ShiftForm(forms.Form):
    starts_at = _moment(_("Starts"))
    ends_at = _moment(_("Ends"))
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=Shift._meta.get_field("place").max_length,
        help_text=_("Only when it differs from the activity's place."),
    )
    role = forms.CharField(
        label=_("Role"), required=False, max_length=Shift._meta.get_field("role").max_length
    )
    spots = forms.IntegerField(label=_("Spots"), min_value=1, max_value=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spots"].widget.attrs.update({"inputmode": "numeric"})


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is cancelled (every volunteer signed up is told)"),
        max_length=Activity._meta.get_field("cancel_reason").max_length,
    )


class WalkInForm(forms.Form):
    """A volunteer who came, or whom an organiser signs up: by volunteer number or phone."""

    number = forms.CharField(label=_("Volunteer number"), required=False, max_length=20)
    phone = forms.CharField(
        label=_("or mobile phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=36, required=False)

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("client_key", str(uuid.uuid4()))
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.update({"autocomplete": "off"})
