"""Forms of the care visit pages: the visit form at the door, the notes of an archive, and the
filters of the visit and need lists.

They only parse what a person typed into the types an action takes; the rules (the visit's
time window, the checklist's answers, lengths, who may do what) live in the actions, whose
errors :func:`apply_visit_errors` puts back beside the fields.
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy

from linli.appeals.forms.resident import PhotosField
from linli.core.errors import ActionError
from linli.core.views.glue import apply_errors

from .models import Need, Visit
from .photos import PHOTO_MAX_COUNT

NEED_SLOTS = 3
NOTES_MAX = 2000

CHECK_LABELS = {
    "health": gettext_lazy("Health"),
    "safety_gas": gettext_lazy("Gas safety"),
    "safety_electric": gettext_lazy("Electrical safety"),
    "safety_fire": gettext_lazy("Fire safety"),
    "food": gettext_lazy("Food and drink"),
    "hygiene": gettext_lazy("Hygiene and the home"),
    "mood": gettext_lazy("Mood"),
    "loneliness": gettext_lazy("Loneliness"),
}
assert set(CHECK_LABELS) == set(Visit.CHECKS)

BLANK_KIND = ("", gettext_lazy("— no need —"))


class VisitForm(forms.Form):
    client_key = forms.UUIDField(widget=forms.HiddenInput)
    visited_at = forms.DateTimeField(
        label=gettext_lazy("When"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("How"), choices=Visit.Mode.choices, widget=forms.RadioSelect
    )
    saw = forms.ChoiceField(
        label=gettext_lazy("Whom you saw"), choices=Visit.Saw.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What you saw and heard, in a few words."),
    )
    photos = PhotosField(label=gettext_lazy("Photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in Visit.CHECKS:
            self.fields[f"check_{key}"] = forms.ChoiceField(
                label=CHECK_LABELS[key],
                choices=Visit.Check.choices,
                required=False,
                initial=Visit.Check.NA,
                widget=forms.RadioSelect,
            )
        for slot in range(NEED_SLOTS):
            self.fields[f"need_{slot}_kind"] = forms.ChoiceField(
                label=gettext_lazy("Need"),
                choices=[BLANK_KIND, *Need.Kind.choices],
                required=False,
            )
            self.fields[f"need_{slot}_description"] = forms.CharField(
                label=gettext_lazy("What is needed"),
                required=False,
                max_length=Need._meta.get_field("description").max_length,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"need_{slot}_urgent"] = forms.BooleanField(
                label=gettext_lazy("Urgent"), required=False
            )
        self.fields["photos"].help_text = gettext_lazy(
            "Optional; photos need a connection. Up to %(count)d; places and camera details "
            "are removed."
        ) % {"count": PHOTO_MAX_COUNT}

    # --- what the template walks -------------------------------------------------------------

    def check_fields(self):
        return [self[f"check_{key}"] for key in Visit.CHECKS]

    def need_slots(self):
        return [
            {
                "number": slot + 1,
                "kind": self[f"need_{slot}_kind"],
                "description": self[f"need_{slot}_description"],
                "urgent": self[f"need_{slot}_urgent"],
            }
            for slot in range(NEED_SLOTS)
        ]

    # --- what the action takes ---------------------------------------------------------------

    def action_kwargs(self) -> dict:
        data = self.cleaned_data
        checks = {key: data[f"check_{key}"] for key in Visit.CHECKS if data.get(f"check_{key}")}
        needs = []
        for slot in range(NEED_SLOTS):
            kind = data.get(f"need_{slot}_kind") or ""
            description = (data.get(f"need_{slot}_description") or "").strip()
            if not kind and not description:
                continue
            needs.append(
                {
                    "kind": kind,
                    "description": description,
                    "urgency": Need.Urgency.URGENT
                    if data.get(f"need_{slot}_urgent")
                    else Need.Urgency.NORMAL,
                    "slot": slot,
                }
            )
        return {
            "client_key": data["client_key"],
            "visited_at": data["visited_at"],
            "mode": data["mode"],
            "saw": data["saw"],
            "checks": checks,
            "notes": data.get("notes") or "",
            "needs": needs,
            "photos": data.get("photos") or [],
        }


def new_client_key() -> uuid.UUID:
    return uuid.uuid4()


def apply_visit_errors(form: VisitForm, exc: ActionError, needs: list[dict]) -> None:
    """The action's errors beside the form's fields: ``checks.mood`` → ``check_mood``,
    ``needs.0.kind`` → the need slot it came from."""
    aliases: dict[str, str | None] = {"client_key": None, "checks": None, "needs": None}
    for name in exc.errors or {}:
        parts = name.split(".")
        if parts[0] == "checks" and len(parts) == 2:
            aliases[name] = f"check_{parts[1]}"
        elif parts[0] == "needs" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            slot = needs[index]["slot"] if index < len(needs) else index
            field = "urgent" if parts[2] == "urgency" else parts[2]
            aliases[name] = f"need_{slot}_{field}"
    apply_errors(form, exc, aliases=aliases)


class NotesForm(forms.Form):
    health_notes = forms.CharField(
        label=gettext_lazy("Health notes"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    living_notes = forms.CharField(
        label=gettext_lazy("Living situation"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class VisitFilterForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("Month"),
        required=False,
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month"}),
    )
    mine = forms.BooleanField(label=gettext_lazy("Only my visits"), required=False)
    concerns = forms.BooleanField(label=gettext_lazy("Only with a concern"), required=False)


class NeedFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=[("open", gettext_lazy("Open needs")), ("all", gettext_lazy("All needs"))],
    )
    urgent = forms.BooleanField(label=gettext_lazy("Only urgent"), required=False)
