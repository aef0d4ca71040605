"""Forms of the people pages: registering (oneself or on someone's behalf), one's profile, a
worker's corrections, status, teams, members and organisations.

They only parse what a person ticked or typed into what an action takes; the rules (a valid
ID number, a verified phone, one record per person, the leader being a member…) live in the
actions, whose errors ``apply_errors`` puts back next to the fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from linli.registry.models import Resident

from ..models import DAYS, PARTS, Membership, Organisation, Skill, TargetGroup, Team, Volunteer

BLANK = ("", gettext_lazy("— choose —"))
DAY_LABELS = {
    "mon": pgettext_lazy("weekday", "Mon"),
    "tue": pgettext_lazy("weekday", "Tue"),
    "wed": pgettext_lazy("weekday", "Wed"),
    "thu": pgettext_lazy("weekday", "Thu"),
    "fri": pgettext_lazy("weekday", "Fri"),
    "sat": pgettext_lazy("weekday", "Sat"),
    "sun": pgettext_lazy("weekday", "Sun"),
}
PART_LABELS = {
    "am": gettext_lazy("Morning"),
    "pm": gettext_lazy("Afternoon"),
    "eve": gettext_lazy("Evening"),
}
STATUS_STEPS = {
    "active": gettext_lazy("Active again"),
    "paused": gettext_lazy("Pause for a while"),
    "left": gettext_lazy("Leave volunteering"),
}


def availability_choices() -> list[tuple[str, str]]:
    return [
        (f"{day}_{part}", f"{DAY_LABELS[day]} {PART_LABELS[part]}")
        for day in DAYS
        for part in PARTS
    ]


def availability_grid(bound_field) -> list[dict]:
    """Rows of the day × part grid for a template: each day with its three boxes, ticked as
    the form's value says."""
    chosen = {str(v) for v in (bound_field.value() or [])}
    prefix = bound_field.auto_id or "availability"
    return [
        {
            "day": day,
            "label": DAY_LABELS[day],
            "cells": [
                {
                    "value": f"{day}_{part}",
                    "id": f"{prefix}-{day}-{part}",
                    "label": PART_LABELS[part],
                    "checked": f"{day}_{part}" in chosen,
                }
                for part in PARTS
            ],
        }
        for day in DAYS
    ]


def _multi(label, choices, help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=choices,
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple,
    )


def _phone(label=None, required=False, help_text=""):
    return forms.CharField(
        label=label or gettext_lazy("Mobile number"),
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )


def _id_number(required=True, help_text=""):
    return forms.CharField(
        label=gettext_lazy("ID number"),
        required=required,
        max_length=30,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


def _code():
    return forms.CharField(
        label=gettext_lazy("Code from the text message"),
        required=False,
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )


def _name():
    return forms.CharField(
        label=gettext_lazy("Real name"), max_length=Volunteer._meta.get_field("name").max_length
    )


class PreferencesMixin(forms.Form):
    """What a volunteer offers: skills, languages, free times, the town too, party member."""

    skills = _multi(gettext_lazy("What you can do"), Skill.choices)
    languages = _multi(gettext_lazy("Languages you speak"), Resident.Language.choices)
    availability = _multi(
        gettext_lazy("When you are usually free"),
        availability_choices(),
        help_text=gettext_lazy("Tick the parts of the week that usually suit you."),
    )
    serve_town = forms.BooleanField(
        label=gettext_lazy("Also volunteer anywhere in the town, not only in the community"),
        required=False,
    )
    party_member = forms.BooleanField(
        label=gettext_lazy("Member of the Communist Party of China"), required=False
    )


class JoinForm(PreferencesMixin):
    """A resident registers: phone first (with a code when it is not their account's verified
    number), then who they are, what they offer, and consent."""

    phone = _phone(required=True)
    code = _code()
    name = forms.CharField(
        label=gettext_lazy("Real name"),
        max_length=Volunteer._meta.get_field("name").max_length,
        help_text=gettext_lazy("As on your identity card."),
    )
    id_number = _id_number(
        help_text=gettext_lazy("Your date of birth and sex are read from it. It is shown masked.")
    )
    consent = forms.BooleanField(
        label=gettext_lazy("I have read the text above and agree to it"), required=False
    )

    field_order = ["phone", "code", "name", "id_number"]


class ProfileForm(PreferencesMixin):
    """A volunteer's own preferences, and a new phone number (with its code)."""

    phone = _phone(
        help_text=gettext_lazy("A new number is confirmed with a code sent to it."),
    )
    code = _code()


class StaffPreferencesForm(PreferencesMixin):
    """The same preferences, labelled for a worker filling them in for someone."""

    skills = _multi(gettext_lazy("Skills"), Skill.choices)
    languages = _multi(gettext_lazy("Languages"), Resident.Language.choices)
    availability = _multi(
        gettext_lazy("Usually free"),
        availability_choices(),
        help_text=gettext_lazy("The parts of the week that usually suit them."),
    )
    serve_town = forms.BooleanField(
        label=gettext_lazy("Also volunteers anywhere in the town"), required=False
    )
    party_member = forms.BooleanField(label=gettext_lazy("Party member"), required=False)


class RegisterForm(StaffPreferencesForm):
    """A worker registers someone at the window, on the paper consent form they signed."""

    community_code = forms.ChoiceField(label=gettext_lazy("Home community"), choices=())
    name = _name()
    id_number = _id_number(help_text=gettext_lazy("Their date of birth and sex are read from it."))
    phone = _phone(
        help_text=gettext_lazy("Typed by a worker, a number counts as not verified."),
    )
    organisation_id = forms.ChoiceField(
        label=gettext_lazy("Organisation"),
        required=False,
        choices=(),
        help_text=gettext_lazy("The community's volunteer station when none is chosen."),
    )
    login = forms.CharField(
        label=gettext_lazy("Their account: username or mobile number"),
        required=False,
        max_length=150,
        help_text=gettext_lazy("Links the record to the account they log in with."),
    )
    consent = forms.BooleanField(label=gettext_lazy("Paper consent form signed"), required=False)

    field_order = ["community_code", "name", "id_number", "phone"]

    def __init__(self, *args, communities=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community_code"].choices = [BLANK] + [
            (area.code, f"{area.name} · {area.parent.name}" if area.parent else area.name)
            for area in communities
        ]
        self.fields["organisation_id"].choices = [("", gettext_lazy("the community's station"))] + [
            (str(org.pk), org.name) for org in organisations
        ]


class VolunteerEditForm(StaffPreferencesForm):
    """A worker corrects a record; numbers left blank are kept (they are never shown in
    full to edit)."""

    name = _name()
    id_number = _id_number(
        required=False, help_text=gettext_lazy("Leave blank to keep the number on record.")
    )
    phone = _phone(help_text=gettext_lazy("Leave blank to keep the number on record."))
    clear_phone = forms.BooleanField(
        label=gettext_lazy("Remove the mobile number on record"), required=False
    )
    login = forms.CharField(
        label=gettext_lazy("Link an account: username or mobile number"),
        required=False,
        max_length=150,
        help_text=gettext_lazy("Leave blank to keep the link as it is."),
    )
    unlink = forms.BooleanField(label=gettext_lazy("Unlink the account"), required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Volunteer.Status.choices)
    consent = forms.BooleanField(
        label=gettext_lazy("Consent given again (after leaving)"), required=False
    )


class TeamForm(forms.Form):
    """A team: its community (new teams), name, organisation, leader (among its members),
    services, people served, description."""

    community_code = forms.ChoiceField(label=gettext_lazy("Community"), choices=())
    name = forms.CharField(
        label=pgettext_lazy("team", "Name"), max_length=Team._meta.get_field("name").max_length
    )
    organisation_id = forms.ChoiceField(
        label=gettext_lazy("Organisation"), required=False, choices=()
    )
    leader_id = forms.ChoiceField(
        label=gettext_lazy("Leader"),
        required=False,
        choices=(),
        help_text=gettext_lazy("One of the team's members. Add members on the team's page."),
    )
    party_led = forms.BooleanField(
        label=gettext_lazy("Led by party members (party vanguard team)"), required=False
    )
    skills = _multi(gettext_lazy("Services offered"), Skill.choices)
    target_groups = _multi(gettext_lazy("People served"), TargetGroup.choices)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=Team._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, communities=None, organisations=(), members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is None:
            del self.fields["community_code"]
        else:
            self.fields["community_code"].choices = [BLANK] + [
                (area.code, area.name) for area in communities
            ]
        self.fields["organisation_id"].choices = [("", gettext_lazy("none"))] + [
            (str(org.pk), org.name) for org in organisations
        ]
        if members is None:
            del self.fields["leader_id"]
        else:
            self.fields["leader_id"].choices = [("", gettext_lazy("no leader yet"))] + [
                (str(m.volunteer_id), f"{m.volunteer.name} · {m.volunteer.number}") for m in members
            ]


class MemberForm(forms.Form):
    volunteer_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        required=False,
    )


class OrganisationForm(forms.Form):
    area_code = forms.ChoiceField(label=gettext_lazy("Area"), choices=())
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=[BLANK, *Organisation.Kind.choices]
    )
    name = forms.CharField(
        label=pgettext_lazy("organisation", "Name"),
        max_length=Organisation._meta.get_field("name").max_length,
    )
    credit_code = forms.CharField(
        label=gettext_lazy("Unified social credit code"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("18 characters, when the organisation is registered."),
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Contact person"),
        required=False,
        max_length=Organisation._meta.get_field("contact_name").max_length,
    )
    contact_phone = _phone(label=gettext_lazy("Contact phone"))

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is None:
            del self.fields["area_code"]
            del self.fields["kind"]
        else:
            self.fields["area_code"].choices = [BLANK] + [
                (area.code, f"{area.name} ({area.get_level_display()})") for area in areas
            ]


__all__ = [
    "STATUS_STEPS",
    "JoinForm",
    "MemberForm",
    "OrganisationForm",
    "ProfileForm",
    "RegisterForm",
    "StatusForm",
    "TeamForm",
    "VolunteerEditForm",
    "availability_choices",
    "availability_grid",
]
