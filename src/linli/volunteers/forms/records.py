"""Forms of the records pages: the hours sheet of an activity, a record without an activity, a
correction, a transfer of records, a time-bank offer, spending and adjusting points.

They only parse what a person chose or typed; the rules (hours within the shift, 0 to 24 with
corrections, consent, balances) live in the record actions, whose errors ``apply_errors`` puts
back next to the fields (the sheet's fields are named as the action names them:
``hours-<sign-up id>``, ``quality-<sign-up id>``)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from ..models import Offer, PointsEntry, ServiceRecord

QUALITY_CHOICES = [("", gettext_lazy("Not rated")), *ServiceRecord.Quality.choices]
_F = ServiceRecord._meta


def _max(name: str) -> int:
    return _F.get_field(name).max_length


def _hours_field(label, help_text="", *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=12,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class _Fields(forms.Form):
    """The fields of the national rules every record carries."""

    activity_name = forms.CharField(
        label=gettext_lazy("Activity name"), max_length=_max("activity_name")
    )
    place = forms.CharField(label=gettext_lazy("Place"), max_length=_max("place"))
    beneficiaries = forms.CharField(
        label=gettext_lazy("Served (beneficiaries)"), max_length=_max("beneficiaries")
    )
    content = forms.CharField(
        label=gettext_lazy("Service content"),
        max_length=ServiceRecord._meta.get_field("content").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    leader_name = forms.CharField(
        label=gettext_lazy("Activity leader"), max_length=_max("leader_name")
    )


class HoursSheetForm(_Fields):
    """The hours of an activity: the shared fields, then per attended sign-up "record",
    hours and quality."""

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.row_names = []
        for row in rows:
            pk = row.signup.pk
            self.fields[f"record-{pk}"] = forms.BooleanField(
                label=gettext_lazy("Record"), required=False, initial=True
            )
            # Checked by the action, for the rows ticked only.
            self.fields[f"hours-{pk}"] = _hours_field(gettext_lazy("Hours"), required=False)
            self.fields[f"quality-{pk}"] = forms.ChoiceField(
                label=gettext_lazy("Quality"), choices=QUALITY_CHOICES, required=False
            )
            self.initial.setdefault(f"hours-{pk}", _plain(row.hours))
            self.initial.setdefault(f"quality-{pk}", "good")
            self.row_names.append((row, f"record-{pk}", f"hours-{pk}", f"quality-{pk}"))

    def rows_data(self) -> list[dict]:
        """The rows ticked for recording, as the action takes them."""
        data = self.cleaned_data
        return [
            {
                "signup_id": row.signup.pk,
                "hours": data.get(hours, ""),
                "quality": data.get(quality, ""),
            }
            for row, record, hours, quality in self.row_names
            if data.get(record)
        ]

    def bound_rows(self):
        """(row, record field, hours field, quality field) for the template."""
        return [
            (row, self[record], self[hours], self[quality])
            for row, record, hours, quality in self.row_names
        ]


def _plain(value) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class RecordForm(_Fields):
    """Service that did not go through an activity."""

    volunteer_number = forms.CharField(
        label=gettext_lazy("Volunteer number"),
        max_length=20,
        help_text=gettext_lazy("As on the volunteer's card or profile."),
    )
    served_on = forms.DateField(
        label=gettext_lazy("Date of service"), widget=forms.DateInput(attrs={"type": "date"})
    )
    hours = _hours_field(
        gettext_lazy("Hours"), gettext_lazy("Actual service time only, without travel: 0.5 to 24.")
    )
    quality = forms.ChoiceField(
        label=gettext_lazy("Quality"), choices=QUALITY_CHOICES, required=False
    )
    organisation_id = forms.TypedChoiceField(
        label=gettext_lazy("Recording organisation"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=(),
    )

    field_order = [
        "volunteer_number",
        "activity_name",
        "served_on",
        "place",
        "beneficiaries",
        "content",
        "hours",
        "quality",
        "leader_name",
        "organisation_id",
    ]

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_id"].choices = [
            ("", gettext_lazy("The volunteer station of the volunteer's community")),
            *((o.pk, o.name) for o in organisations),
        ]


class CorrectionForm(forms.Form):
    hours = _hours_field(
        gettext_lazy("Hours to add or remove"),
        gettext_lazy("For example -1.5 to remove an hour and a half, 0.5 to add half an hour."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=_F.get_field("reason").max_length
    )


class TransferForm(forms.Form):
    to_organisation_id = forms.TypedChoiceField(
        label=gettext_lazy("Carry the records to"), coerce=int, choices=()
    )
    consent = forms.BooleanField(required=False)
    consent_on = forms.DateField(
        label=gettext_lazy("Consent signed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, organisations=(), by_self: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation_id"].choices = [
            ("", gettext_lazy("Choose an organisation")),
            *((o.pk, f"{o.name} · {o.area.name}") for o in organisations),
        ]
        self.fields["consent"].label = (
            gettext_lazy(
                "I agree that my service records (hours, activities, ratings) are handed to "
                "this organisation, which will keep them and may certify them."
            )
            if by_self
            else gettext_lazy(
                "I hold the volunteer's signed consent to hand their records to this organisation."
            )
        )
        if by_self:
            del self.fields["consent_on"]


class OfferForm(forms.Form):
    area_code = forms.ChoiceField(label=gettext_lazy("Offered in"), choices=())
    name = forms.CharField(
        label=pgettext_lazy("time bank", "Service"),
        max_length=Offer._meta.get_field("name").max_length,
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=Offer._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    points = forms.CharField(
        label=gettext_lazy("Points"),
        max_length=7,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    stock = forms.CharField(
        label=gettext_lazy("How many are left"),
        required=False,
        max_length=8,
        help_text=gettext_lazy("Leave empty when there is no limit."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    active = forms.BooleanField(label=gettext_lazy("Offered now"), required=False, initial=True)

    def __init__(self, *args, areas=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [(a.code, a.name) for a in areas]
        if editing:
            del self.fields["area_code"]
        else:
            del self.fields["active"]


class AdjustForm(forms.Form):
    delta = forms.CharField(
        label=gettext_lazy("Points to add or take"),
        max_length=8,
        help_text=gettext_lazy("For example 20 to add, -20 to take."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=PointsEntry._meta.get_field("note").max_length
    )


class SpendForm(forms.Form):
    """Spending on an offer; ``client_key`` is made when the form is shown, so sending it twice
    spends once. At the desk the worker chooses the offer."""

    offer_id = forms.TypedChoiceField(label=gettext_lazy("Service"), coerce=int, choices=())
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=36)

    def __init__(self, *args, offers=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("client_key", str(uuid.uuid4()))
        super().__init__(*args, **kwargs)
        if offers is None:
            del self.fields["offer_id"]
        else:
            self.fields["offer_id"].choices = [(o.pk, f"{o.name} · {o.points}") for o in offers]


__all__ = [
    "QUALITY_CHOICES",
    "AdjustForm",
    "CorrectionForm",
    "HoursSheetForm",
    "OfferForm",
    "RecordForm",
    "SpendForm",
    "TransferForm",
]
