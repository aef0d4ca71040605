"""Forms of the worker roster pages.

They only parse what a person typed into the types an action takes; the rules (valid ID
numbers, one secretary per community, dates that fit together, levels of the right ladder)
live in the actions, whose errors ``registry.forms.apply_errors`` puts back next to the fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from .models import Certificate, PostLevel, Worker

BLANK = ("", gettext_lazy("— choose —"))


def _date(label, *, required: bool = False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _max(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _choices(choices, *, blank=BLANK) -> list:
    """Model choices with one blank entry first (a blank model choice is relabelled)."""
    return [blank, *((value, label) for value, label in choices if value)]


class WorkerForm(forms.Form):
    """A worker's record. ``communities`` (on a new record) are those one may manage;
    ``levels`` are [(ladder name, [(id, name), …])] for the post level <select>; ``editing``
    keeps the stored numbers unless a new one is typed."""

    community_code = forms.ChoiceField(label=gettext_lazy("Community"), choices=())
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=_max(Worker, "name"))
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("The date of birth and gender are read from it."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    clear_phone = forms.BooleanField(
        label=gettext_lazy("Remove the mobile number on record"), required=False
    )
    gender = forms.ChoiceField(
        label=gettext_lazy("Gender"),
        required=False,
        choices=_choices(Worker.Gender.choices, blank=("", gettext_lazy("— not recorded —"))),
    )
    birth_date = _date(gettext_lazy("Date of birth"))
    post = forms.ChoiceField(label=gettext_lazy("Post"), choices=_choices(Worker.Post.choices))
    committee_role = forms.ChoiceField(
        label=gettext_lazy("Committee role"),
        required=False,
        choices=_choices(Worker.CommitteeRole.choices, blank=("", gettext_lazy("none"))),
        help_text=gettext_lazy("Members of the two committees only."),
    )
    level_id = forms.ChoiceField(label=gettext_lazy("Post level"), required=False, choices=())
    party_member = forms.BooleanField(label=gettext_lazy("Party member"), required=False)
    education = forms.ChoiceField(
        label=gettext_lazy("Education"),
        required=False,
        choices=_choices(Worker.Education.choices, blank=("", gettext_lazy("— not recorded —"))),
    )
    social_work_major = forms.BooleanField(
        label=gettext_lazy("Studied social work"), required=False
    )
    hired_on = _date(gettext_lazy("Hired on"), required=True)

    def __init__(self, *args, communities=(), levels=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["community_code"]
            self.fields["id_number"].help_text = gettext_lazy(
                "The number on record is not shown here. Type a number only to change it."
            )
            self.fields["phone"].help_text = gettext_lazy(
                "The number on record is not shown here. Type a number only to change it."
            )
        else:
            del self.fields["clear_phone"]
            options = [(c.code, f"{c.name} ({c.code})") for c in communities]
            self.fields["community_code"].choices = (
                options if len(options) == 1 else [BLANK, *options]
            )
        self.fields["level_id"].choices = [
            ("", gettext_lazy("— none —")),
            *((label, list(options)) for label, options in levels),
        ]


class LeaveForm(forms.Form):
    left_on = _date(gettext_lazy("Left on"), help_text=gettext_lazy("Leave it blank for today."))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=_max(Worker, "leave_reason"),
        help_text=gettext_lazy("For example: resigned, retired, moved to another post."),
    )


class LinkForm(forms.Form):
    login = forms.CharField(
        label=gettext_lazy("Username or mobile number of the account"),
        max_length=150,
        help_text=gettext_lazy("The account must hold a role in this community."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class CertificateForm(forms.Form):
    level = forms.ChoiceField(
        label=pgettext_lazy("qualification", "Level"), choices=_choices(Certificate.Level.choices)
    )
    number = forms.CharField(
        label=gettext_lazy("Certificate number"),
        required=False,
        max_length=_max(Certificate, "number"),
    )
    obtained_on = _date(gettext_lazy("Obtained on"), required=True)
    expires_on = _date(
        gettext_lazy("Registration valid until"),
        help_text=gettext_lazy("If the certificate is registered, the end of the registration."),
    )


class LevelForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=_max(PostLevel, "code"),
        help_text=gettext_lazy("Short and unique in the ladder, e.g. 1-3."),
    )
    name = forms.CharField(
        label=gettext_lazy("Post level"),
        max_length=_max(PostLevel, "name"),
        help_text=gettext_lazy("As the province's documents name it, e.g. 一岗三级."),
    )
    sort = forms.IntegerField(
        label=gettext_lazy("Order in the ladder"),
        required=False,
        min_value=0,
        max_value=32767,
        help_text=gettext_lazy("Lower comes first; blank puts it last."),
    )
