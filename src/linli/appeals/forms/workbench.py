"""Forms of the staff workbench: one per step of an appeal, the bulk dispatch and the intake.

They only parse what a person typed into the types an action takes; the rules (who may act,
which step is legal now, how long a text may be) live in the actions, whose errors
``linli.registry.forms.apply_errors`` puts back next to the fields.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Callback, Channel, RatingLevel
from ..queries.appeals import NUMBER

BLANK = ("", gettext_lazy("— choose —"))
TEXT_MAX = 2000
STAFF_CHANNELS = (Channel.WINDOW, Channel.PHONE, Channel.PATROL, Channel.CARE_VISIT)


def _text(label, *, required: bool = False, rows: int = 3, help_text="", max_length=TEXT_MAX):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos under one name; the action checks and re-encodes them."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def unit_choices(units) -> list:
    """Units grouped by kind for a <select>: [(kind label, [(pk, name), …]), …]."""
    groups: dict[str, list] = {}
    for unit in units:
        groups.setdefault(unit.get_kind_display(), []).append((str(unit.pk), unit.name))
    return [BLANK, *groups.items()]


class UnitField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Handling unit"))
        kwargs.setdefault("coerce", int)
        kwargs.setdefault(
            "error_messages", {"required": gettext_lazy("Choose the unit to hand it to.")}
        )
        super().__init__(**kwargs)


class UnitsForm(forms.Form):
    """A form with a unit <select> offered from ``units``."""

    unit_field = "unit"

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.unit_field].choices = unit_choices(units)


# --- the steps of one appeal -----------------------------------------------------------------


class DispatchForm(UnitsForm):
    unit = UnitField()
    note = _text(
        gettext_lazy("Note for the unit"),
        rows=2,
        help_text=gettext_lazy("Internal: the resident does not see it."),
    )


class AcceptForm(forms.Form):
    message = _text(
        gettext_lazy("Message to the resident"),
        rows=2,
        help_text=gettext_lazy("Leave it blank for the standard message."),
    )


class StartForm(forms.Form):
    message = _text(
        gettext_lazy("Message to the resident"),
        rows=2,
        help_text=gettext_lazy("Leave it blank for the standard message."),
    )


class ProgressForm(forms.Form):
    message = _text(
        gettext_lazy("Message to the resident"),
        help_text=gettext_lazy("The resident sees it on their appeal and is told."),
    )
    note = _text(
        gettext_lazy("Internal note"),
        help_text=gettext_lazy("Staff only: never shown to the resident."),
    )
    photos = PhotosField(label=gettext_lazy("Photos"))

    def __init__(self, *args, may_message: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_message:
            del self.fields["message"]


class ResolveForm(forms.Form):
    resolution = _text(
        gettext_lazy("What was done"),
        required=True,
        rows=4,
        help_text=gettext_lazy("The resident reads this and is asked to confirm and rate."),
    )
    photos = PhotosField(
        label=gettext_lazy("Photos of the result"),
        help_text=gettext_lazy("Up to 6 photos, JPEG, PNG or WebP."),
    )


class ReturnForm(forms.Form):
    reason = _text(
        gettext_lazy("Why it is not yours to handle"),
        required=True,
        rows=2,
        help_text=gettext_lazy("For the dispatcher; the resident is told it is being passed on."),
    )


class TransferForm(UnitsForm):
    unit = UnitField(label=gettext_lazy("Transfer to"))
    reason = _text(gettext_lazy("Reason"), required=True, rows=2)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=gettext_lazy("Number of the appeal it repeats"),
        max_length=30,
        help_text=gettext_lazy("For example 20261122-1234."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    reason = _text(gettext_lazy("Note"), rows=2)

    def clean_into(self) -> int:
        match = NUMBER.match(self.cleaned_data["into"].strip())
        if match is None:
            raise ValidationError(_("Give the number of the appeal it repeats."))
        return int(match.group(1))


class RejectForm(forms.Form):
    reason = _text(
        gettext_lazy("Why it cannot be handled here"),
        required=True,
        rows=3,
        help_text=gettext_lazy("The resident reads this reason."),
    )


class CloseForm(forms.Form):
    note = _text(gettext_lazy("Internal note"), rows=2)


class SuperviseForm(forms.Form):
    note = _text(
        gettext_lazy("What you expect, and by when"),
        required=True,
        rows=3,
    )


class CallbackForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("How the call went"),
        choices=[BLANK, *Callback.Outcome.choices],
    )
    note = _text(gettext_lazy("What was said"), required=True, rows=3)


def _level(label, *, required: bool):
    blank = BLANK if required else ("", gettext_lazy("same as overall"))
    return forms.TypedChoiceField(
        label=label,
        required=required,
        coerce=int,
        empty_value=None,
        choices=[blank, *[(str(v), lbl) for v, lbl in RatingLevel.choices]],
    )


class RateForm(forms.Form):
    level = _level(gettext_lazy("Overall"), required=True)
    efficiency = _level(gettext_lazy("Efficiency"), required=False)
    attitude = _level(gettext_lazy("Attitude"), required=False)
    result = _level(gettext_lazy("Result"), required=False)
    comment = _text(
        gettext_lazy("What the resident said"),
        rows=2,
        max_length=500,
        help_text=gettext_lazy("Required for a dissatisfied rating."),
    )


# --- the inbox ---------------------------------------------------------------------------------


class IdListField(forms.Field):
    """Checked boxes sharing one name: whole-number ids."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        try:
            return [int(v) for v in value]
        except (TypeError, ValueError):
            raise ValidationError(_("Give whole-number ids.")) from None


class BulkDispatchForm(UnitsForm):
    appeals = IdListField(
        label=gettext_lazy("Appeals"),
        error_messages={"required": gettext_lazy("Choose at least one appeal.")},
    )
    unit = UnitField(label=gettext_lazy("Dispatch the chosen appeals to"))
    note = forms.CharField(
        label=gettext_lazy("Note for the unit"), required=False, max_length=TEXT_MAX
    )


# --- intake ------------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    """An appeal taken in for a resident at the window, by phone, on patrol or on a care visit."""

    channel = forms.ChoiceField(
        label=gettext_lazy("How it came in"),
        choices=[(c.value, c.label) for c in STAFF_CHANNELS],
        widget=forms.RadioSelect,
        initial=Channel.WINDOW,
    )
    area_code = forms.ChoiceField(label=gettext_lazy("Where it is"))
    category = forms.TypedChoiceField(label=gettext_lazy("What it is about"), coerce=int)
    title = forms.CharField(
        label=gettext_lazy("Title"),
        required=False,
        max_length=80,
        help_text=gettext_lazy("Leave it blank to use the first words of the description."),
    )
    description = _text(gettext_lazy("What the resident reports"), required=True, rows=5)
    address = forms.CharField(
        label=gettext_lazy("Address or place"), required=False, max_length=200
    )
    lat = forms.DecimalField(
        label=gettext_lazy("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lng = forms.DecimalField(
        label=gettext_lazy("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Contact name"),
        required=False,
        max_length=50,
        help_text=gettext_lazy("Left blank, the name of the resident chosen above is used."),
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        required=False,
        max_length=20,
        help_text=gettext_lazy(
            "A resident with an account under this mobile number sees the appeal in their list."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    public = forms.BooleanField(
        label=gettext_lazy("May be listed publicly (without the name or phone)"), required=False
    )
    photos = PhotosField(
        label=gettext_lazy("Photos"), help_text=gettext_lazy("Up to 6 photos, JPEG, PNG or WebP.")
    )
    resident_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, areas=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [BLANK, *areas]
        self.fields["category"].choices = [BLANK, *categories]


class DuplicateCheckForm(forms.Form):
    """What the live duplicate check needs: the place, the category and perhaps a map point."""

    area_code = forms.RegexField(regex=r"^\d{12}(\d{3})?$")
    category = forms.IntegerField(min_value=1)
    lat = forms.DecimalField(required=False, max_digits=9, decimal_places=6)
    lng = forms.DecimalField(required=False, max_digits=9, decimal_places=6)


def category_choices(categories, label) -> list:
    """Top-level categories and, indented under them, their children."""
    children: dict[int, list] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    choices = []
    for category in categories:
        if category.parent_id:
            continue
        choices.append((category.pk, label(category)))
        choices.extend((child.pk, f"— {label(child)}") for child in children.get(category.pk, []))
    return choices
