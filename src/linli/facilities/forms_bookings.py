"""Forms of the booking pages.

They only parse what a person chose or typed; the rules (hours, slots, the booking window,
capacity, who may book as whom, the time being free) live in the booking actions, whose errors
``apply_errors`` puts back next to the fields.
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy, ngettext

from .models import Booking

KIND_LABELS = {
    Booking.BookerKind.RESIDENT: gettext_lazy("Myself, as a resident"),
    Booking.BookerKind.ORGANISATION: gettext_lazy("An organisation"),
    Booking.BookerKind.STAFF: gettext_lazy("Community work, as staff"),
}


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return ngettext(
            "%(hours)d hour %(minutes)d min", "%(hours)d hours %(minutes)d min", hours
        ) % {"hours": hours, "minutes": rest}
    if hours:
        return ngettext("%(hours)d hour", "%(hours)d hours", hours) % {"hours": hours}
    return ngettext("%(minutes)d minute", "%(minutes)d minutes", rest) % {"minutes": rest}


class BookForm(forms.Form):
    """One booking: the first slot (``start``, its local time as 2026-05-04T09:00), how many
    slots in a row, as whom, what for and for how many people. ``client_key`` is made when the
    form is first shown, so sending it twice books once."""

    start = forms.CharField(
        label=gettext_lazy("Start"),
        max_length=20,
        error_messages={"required": gettext_lazy("Choose a time.")},
    )
    slots = forms.TypedChoiceField(label=gettext_lazy("How long"), coerce=int, choices=())
    booker_kind = forms.ChoiceField(label=gettext_lazy("Booked for"), choices=())
    organisation = forms.CharField(
        label=gettext_lazy("Name of the organisation"),
        required=False,
        max_length=Booking._meta.get_field("organisation").max_length,
        help_text=gettext_lazy("Only when you book for an organisation."),
    )
    purpose = forms.CharField(
        label=gettext_lazy("What it is for"),
        max_length=Booking._meta.get_field("purpose").max_length,
        help_text=gettext_lazy("For example: choir practice, residents' meeting, birthday party."),
    )
    attendees = forms.IntegerField(
        label=gettext_lazy("People expected"), min_value=1, max_value=100_000, initial=1
    )
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=36)

    def __init__(self, *args, kinds=(), slot_minutes: int = 60, max_slots: int = 1, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("client_key", str(uuid.uuid4()))
        initial.setdefault("slots", 1)
        kinds = list(kinds)
        if kinds:
            initial.setdefault("booker_kind", kinds[0])
        super().__init__(*args, **kwargs)
        self.fields["slots"].choices = [
            (n, duration_label(n * slot_minutes)) for n in range(1, max(1, max_slots) + 1)
        ]
        self.fields["booker_kind"].choices = [(kind, KIND_LABELS[kind]) for kind in kinds]
        if len(kinds) <= 1:
            self.fields["booker_kind"].widget = forms.HiddenInput()
        if Booking.BookerKind.ORGANISATION not in kinds:
            self.fields["organisation"].widget = forms.HiddenInput()
        self.fields["attendees"].widget.attrs.update({"inputmode": "numeric"})


def status_choices():
    return [
        ("pending", gettext_lazy("Waiting for approval")),
        ("to_settle", gettext_lazy("Over, not checked in")),
        ("live", gettext_lazy("Live (waiting, confirmed, checked in)")),
        ("confirmed", gettext_lazy("Confirmed")),
        ("checked_in", gettext_lazy("Checked in")),
        ("no_show", gettext_lazy("Did not come")),
        ("cancelled", gettext_lazy("Cancelled")),
        ("rejected", gettext_lazy("Declined")),
        ("all", gettext_lazy("All")),
    ]
