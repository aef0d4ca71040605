"""Forms of the facility and venue pages.

They only carry what a person typed to the actions, which hold every rule (areas, figures,
hours, map points) and whose errors ``apply_errors`` puts back next to the fields. Hours are
seven text boxes, one a weekday, each like ``08:30-12:00, 14:00-18:00``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from . import hours as week
from .models import WEEKDAYS, Facility, FacilityPhoto, Venue

BLANK = ("", gettext_lazy("— choose —"))
HOURS_HELP = gettext_lazy("e.g. 08:30-12:00, 14:00-18:00; leave empty when closed")


def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _number(label, *, required: bool = False, decimal: bool = True, help_text="", initial=None):
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


def _text(label, *, max_length: int, rows: int = 3, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class HoursMixin:
    """Seven text boxes ``hours_mon`` … ``hours_sun``, sent to the actions as one week."""

    ERROR_ALIASES = {f"hours.{day}": f"hours_{day}" for day in WEEKDAYS}

    def add_hours_fields(self) -> None:
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=week.DAY_NAMES[day],
                required=False,
                max_length=100,
                help_text=HOURS_HELP if day == "mon" else "",
                widget=forms.TextInput(attrs={"autocomplete": "off", "class": "fac-hours-input"}),
            )

    @staticmethod
    def hours_initial(stored: dict) -> dict[str, str]:
        return {f"hours_{day}": week.as_text(stored or {}, day) for day in WEEKDAYS}

    def hours_fields(self):
        return [self[f"hours_{day}"] for day in WEEKDAYS]

    def week(self, data: dict) -> dict[str, str]:
        return {day: data.get(f"hours_{day}", "") for day in WEEKDAYS}


class FacilityForm(HoursMixin, forms.Form):
    area_code = forms.ChoiceField(label=gettext_lazy("Community or town"), choices=())
    name = forms.CharField(label=gettext_lazy("Name"), max_length=_max(Facility, "name"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=[BLANK, *Facility.Kind.choices])
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=Facility.Status.choices, initial="open"
    )
    floor_area = _number(gettext_lazy("Floor area (m²)"), required=True)
    activity_area = _number(
        gettext_lazy("Of which resident activity area (m²)"),
        help_text=gettext_lazy(
            "The part residents use for activities; not more than the floor area."
        ),
    )
    year_built = _number(gettext_lazy("Year built"), decimal=False)
    ownership = forms.ChoiceField(
        label=gettext_lazy("Ownership"), choices=Facility.Ownership.choices, initial="owned"
    )
    address = forms.CharField(
        label=gettext_lazy("Address"), required=False, max_length=_max(Facility, "address")
    )
    latitude = _number(
        gettext_lazy("Latitude"), help_text=gettext_lazy("WGS-84, e.g. 43.880512; with longitude.")
    )
    longitude = _number(gettext_lazy("Longitude"), help_text=gettext_lazy("e.g. 125.323544"))
    accessibility = forms.MultipleChoiceField(
        label=gettext_lazy("Accessibility features"),
        required=False,
        choices=Facility.Accessibility.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    terminals = _number(
        gettext_lazy("Government self-service terminals"),
        decimal=False,
        initial="0",
        help_text=gettext_lazy("How many; 0 when there is none."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Service phone"),
        required=False,
        max_length=_max(Facility, "phone"),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    new_build = forms.BooleanField(label=gettext_lazy("Built in the plan period"), required=False)
    residential_area = _number(
        gettext_lazy("Residential floor area it serves (m²)"),
        help_text=gettext_lazy(
            "For a facility built in the plan period: the housing it was built with."
        ),
    )
    commercial_area = _number(gettext_lazy("Commercial floor area built with it (m²)"))
    note = _text(gettext_lazy("Note"), max_length=Facility._meta.get_field("note").max_length)

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        areas = list(areas)
        choices = [(area.code, f"{area.name} ({area.code})") for area in areas]
        self.fields["area_code"].choices = choices if len(choices) == 1 else [BLANK, *choices]
        self.add_hours_fields()

    @classmethod
    def initial_of(cls, facility: Facility) -> dict:
        def plain(value):
            return "" if value is None else str(value)

        return {
            "area_code": facility.area_code,
            "name": facility.name,
            "kind": facility.kind,
            "status": facility.status,
            "floor_area": plain(facility.floor_area),
            "activity_area": plain(facility.activity_area),
            "year_built": plain(facility.year_built),
            "ownership": facility.ownership,
            "address": facility.address,
            "latitude": plain(facility.latitude),
            "longitude": plain(facility.longitude),
            "accessibility": list(facility.accessibility or []),
            "terminals": plain(facility.terminals),
            "phone": facility.phone,
            "new_build": facility.new_build,
            "residential_area": plain(facility.residential_area),
            "commercial_area": plain(facility.commercial_area),
            "note": facility.note,
            **cls.hours_initial(facility.hours),
        }

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        hours = self.week(data)
        for day in WEEKDAYS:
            data.pop(f"hours_{day}", None)
        data["hours"] = hours
        return data


class VenueForm(HoursMixin, forms.Form):
    facility_id = forms.ChoiceField(
        label=gettext_lazy("In the facility"),
        required=False,
        choices=(),
        help_text=gettext_lazy("Leave empty for a resource a unit opens to the public."),
    )
    unit_name = forms.CharField(
        label=gettext_lazy("Unit that opens it"),
        required=False,
        max_length=_max(Venue, "unit_name"),
        help_text=gettext_lazy(
            "For a unit's open resource: a school, company or office, e.g. 第一中学."
        ),
    )
    area_code = forms.ChoiceField(
        label=gettext_lazy("Community of the unit's resource"), required=False, choices=()
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=_max(Venue, "name"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=[BLANK, *Venue.Kind.choices])
    capacity = _number(gettext_lazy("Capacity (people or places)"), required=True, decimal=False)
    rules = _text(
        gettext_lazy("Rules of use"), max_length=Venue._meta.get_field("rules").max_length, rows=4
    )
    address = forms.CharField(
        label=gettext_lazy("Address"), required=False, max_length=_max(Venue, "address")
    )
    latitude = _number(gettext_lazy("Latitude"))
    longitude = _number(gettext_lazy("Longitude"))
    for_residents = forms.BooleanField(
        label=gettext_lazy("Residents may book"), required=False, initial=True
    )
    for_organisations = forms.BooleanField(
        label=gettext_lazy("Organisations may book"), required=False, initial=True
    )
    for_staff = forms.BooleanField(
        label=gettext_lazy("Staff may book"), required=False, initial=True
    )
    approval = forms.ChoiceField(
        label=gettext_lazy("Confirmation"), choices=Venue.Approval.choices, initial="instant"
    )
    slot_minutes = _number(
        gettext_lazy("Slot length (minutes)"),
        required=True,
        decimal=False,
        initial="60",
        help_text=gettext_lazy("From 15 to 480 minutes."),
    )
    max_slots = _number(
        gettext_lazy("Most slots in one booking"), required=True, decimal=False, initial="4"
    )
    days_ahead = _number(
        gettext_lazy("Bookable days ahead"), required=True, decimal=False, initial="14"
    )

    def __init__(self, *args, facilities=(), communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility_id"].choices = [
            ("", gettext_lazy("— none: a unit's resource —")),
            *((str(f.pk), f"{f.name} · {f.area.name}") for f in facilities),
        ]
        self.fields["area_code"].choices = [
            BLANK,
            *((area.code, f"{area.name} ({area.code})") for area in communities),
        ]
        self.add_hours_fields()
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"].help_text = (
                gettext_lazy("The hours it can be booked, e.g. 08:00-12:00, 14:00-21:00")
                if day == "mon"
                else ""
            )

    @classmethod
    def initial_of(cls, venue: Venue) -> dict:
        def plain(value):
            return "" if value is None else str(value)

        return {
            "facility_id": plain(venue.facility_id),
            "unit_name": venue.unit_name,
            "area_code": venue.area_code if venue.facility_id is None else "",
            "name": venue.name,
            "kind": venue.kind,
            "capacity": plain(venue.capacity),
            "rules": venue.rules,
            "address": venue.address,
            "latitude": plain(venue.latitude),
            "longitude": plain(venue.longitude),
            "for_residents": venue.for_residents,
            "for_organisations": venue.for_organisations,
            "for_staff": venue.for_staff,
            "approval": venue.approval,
            "slot_minutes": plain(venue.slot_minutes),
            "max_slots": plain(venue.max_slots),
            "days_ahead": plain(venue.days_ahead),
            **cls.hours_initial(venue.hours),
        }

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        hours = self.week(data)
        for day in WEEKDAYS:
            data.pop(f"hours_{day}", None)
        data["hours"] = hours
        data["facility_id"] = data.get("facility_id") or None
        data["area_code"] = data.get("area_code") or None
        return data


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos under one name; the action checks and re-encodes them."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", True)
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        single = super().clean
        return [cleaned for cleaned in (single(f, initial) for f in files if f) if cleaned]


class PhotoForm(forms.Form):
    photos = PhotosField(label=gettext_lazy("Photos"))
    caption = forms.CharField(
        label=gettext_lazy("Caption"),
        required=False,
        max_length=_max(FacilityPhoto, "caption"),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text=gettext_lazy("At most 2 MB; the first row holds the column headers."),
    )
