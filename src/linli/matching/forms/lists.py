"""Forms of the needs, resources and matching pages.

They carry what a person typed to the actions, which hold every rule and whose errors
``apply_errors`` puts back next to the fields. Weekly times are a grid of boxes, one for each
day and part of the day (``times``, values such as ``sat_am``).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from linli.core import areacodes
from linli.core.areacodes import Level
from linli.volunteers.models import AVAILABILITY

from ..models import Category, Match, Need, Resource

BLANK = ("", gettext_lazy("— choose —"))
ENTERED_KINDS = (Resource.Kind.PROVIDER, Resource.Kind.UNIT, Resource.Kind.DONATION)


def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _number(label, *, initial=None, help_text=""):
    return forms.CharField(
        label=label,
        max_length=10,
        initial=initial,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _date(label, *, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        max_length=10,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _times(help_text):
    return forms.MultipleChoiceField(
        label=gettext_lazy("When in the week"),
        required=False,
        choices=[(code, code) for code in AVAILABILITY],
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple,
    )


def _area_choices(areas, *, blank: bool = True):
    choices = [(a.code, f"{a.name} ({a.code})") for a in areas]
    return choices if (len(choices) == 1 or not blank) else [BLANK, *choices]


class NeedForm(forms.Form):
    """A need: ``area_code`` only when it is listed (a need stays in its area)."""

    ERROR_ALIASES = {"resident": "resident_id"}

    area_code = forms.ChoiceField(label=gettext_lazy("Community or grid"), choices=())
    category = forms.ChoiceField(
        label=gettext_lazy("What kind of help"), choices=[BLANK, *Category.choices]
    )
    title = forms.CharField(
        label=gettext_lazy("The need"),
        max_length=_max(Need, "title"),
        help_text=gettext_lazy("In a few words, e.g. 每周送餐两次. No names or phone numbers."),
    )
    who = forms.CharField(
        label=gettext_lazy("For whom"),
        max_length=_max(Need, "who"),
        help_text=gettext_lazy("Describe, do not name: e.g. 独居老人, 残疾人家庭."),
    )
    description = forms.CharField(
        label=gettext_lazy("Details"),
        required=False,
        max_length=Need._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    place = forms.CharField(
        label=gettext_lazy("Where"), required=False, max_length=_max(Need, "place")
    )
    wanted_from = _date(gettext_lazy("From"))
    wanted_until = _date(gettext_lazy("Until"), help_text=gettext_lazy("Leave empty if open."))
    times = _times(gettext_lazy("Tick the times help is wanted; none: any time."))
    people = _number(gettext_lazy("People to help"), initial="1")
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=Need.Urgency.choices, initial="normal"
    )
    resident_id = forms.CharField(
        label=gettext_lazy("Registry resident (number)"),
        required=False,
        max_length=20,
        help_text=gettext_lazy(
            "Optional: the number of the resident's record in the registry (its page's address)."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is None:
            del self.fields["area_code"]
        else:
            self.fields["area_code"].choices = _area_choices(areas)

    @classmethod
    def initial_of(cls, need: Need) -> dict:
        return {
            "category": need.category,
            "title": need.title,
            "who": need.who,
            "description": need.description,
            "place": need.place,
            "wanted_from": need.wanted_from.isoformat() if need.wanted_from else "",
            "wanted_until": need.wanted_until.isoformat() if need.wanted_until else "",
            "times": list(need.times or []),
            "people": str(need.people),
            "urgency": need.urgency,
            "resident_id": str(need.resident_id or ""),
        }

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["resident_id"] = data.get("resident_id") or None
        data["wanted_from"] = data.get("wanted_from") or None
        data["wanted_until"] = data.get("wanted_until") or None
        data.pop("area_code", None)
        return data


class ResourceForm(forms.Form):
    """A resource entered here; for a team's or venue's (``synced``) only what is kept here."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[BLANK, *((k.value, k.label) for k in ENTERED_KINDS)],
    )
    area_code = forms.ChoiceField(label=gettext_lazy("Based in"), choices=())
    name = forms.CharField(label=gettext_lazy("Name"), max_length=_max(Resource, "name"))
    description = forms.CharField(
        label=gettext_lazy("What it offers"),
        required=False,
        max_length=Resource._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Kinds of help"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    serves_town = forms.BooleanField(
        label=gettext_lazy("Also serves the whole town or street"), required=False
    )
    serves_county = forms.BooleanField(
        label=gettext_lazy("Also serves the whole county"), required=False
    )
    times = _times(gettext_lazy("Tick the times it can help; none: ask them."))
    capacity = _number(
        gettext_lazy("People a week"),
        initial="1",
        help_text=gettext_lazy("How many people it can help in a week."),
    )
    available_from = _date(pgettext_lazy("available", "From"))
    available_until = _date(pgettext_lazy("available", "Until"))
    contact_name = forms.CharField(
        label=gettext_lazy("Contact person"),
        required=False,
        max_length=_max(Resource, "contact_name"),
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("Kept encrypted; lists show it masked."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )

    ERROR_ALIASES = {"serves": "serves_town"}
    SYNCED = ("description", "serves_town", "serves_county", "available_from",
              "available_until", "contact_name", "contact_phone")  # fmt: skip

    def __init__(self, *args, areas=None, area_code: str = "", synced: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.area_code = area_code
        if areas is None:
            for name in ("kind", "area_code"):
                del self.fields[name]
        else:
            self.fields["area_code"].choices = _area_choices(areas)
        if synced:
            for name in list(self.fields):
                if name not in self.SYNCED:
                    del self.fields[name]

    @classmethod
    def initial_of(cls, resource: Resource) -> dict:
        serves = set(resource.serves or [])
        code = resource.area_code
        return {
            "name": resource.name,
            "description": resource.description,
            "categories": list(resource.categories or []),
            "serves_town": code[:9] + "000" in serves and code[:9] + "000" != code,
            "serves_county": code[:6] + "000000" in serves and code[:6] + "000000" != code,
            "times": list(resource.times or []),
            "capacity": str(resource.capacity),
            "available_from": resource.available_from.isoformat()
            if resource.available_from
            else "",
            "available_until": resource.available_until.isoformat()
            if resource.available_until
            else "",
            "contact_name": resource.contact_name,
            "contact_phone": resource.contact_phone or "",
        }

    def action_data(self) -> dict:
        data = dict(self.cleaned_data)
        code = data.get("area_code") or self.area_code
        serves = [code] if code else []
        try:
            level = areacodes.level_of(code)
        except areacodes.AreaCodeError:
            level = None
        if data.pop("serves_town", False) and level and level > Level.TOWN:
            serves.append(code[:9] + "000")
        if data.pop("serves_county", False) and level and level > Level.COUNTY:
            serves.append(code[:6] + "000000")
        data["serves"] = serves
        for name in ("available_from", "available_until"):
            if name in data:
                data[name] = data[name] or None
        return data


class ConfirmForm(forms.Form):
    resource_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=_max(Match, "note")
    )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it is closed without help"),
        max_length=_max(Need, "closed_reason"),
    )


class EndForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("How it ended"),
        choices=[
            (Match.Status.DONE, gettext_lazy("Done: the need is met")),
            (Match.Status.CANCELLED, gettext_lazy("Cancelled: the need waits again")),
        ],
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=_max(Match, "note")
    )


class _OfferedId(forms.ChoiceField):
    """A choice among the items offered, that also takes any other id (a button on the appeal
    or care page, a page gone stale): the action decides, with its own message."""

    def valid_value(self, value) -> bool:
        return str(value).isdigit() and len(str(value)) <= 18


class FromAppealForm(forms.Form):
    appeal_id = _OfferedId(label=gettext_lazy("Open appeal"), choices=())

    def __init__(self, *args, appeals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appeal_id"].choices = [
            BLANK,
            *((str(a.pk), f"{a.number} · {a.category.name} · {a.title}") for a in appeals),
        ]


class FromCareNeedForm(forms.Form):
    care_need_id = _OfferedId(label=gettext_lazy("Need found on a visit"), choices=())

    def __init__(self, *args, care_needs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_need_id"].choices = [
            BLANK,
            *(
                (
                    str(n.pk),
                    f"{n.get_kind_display()} · {n.get_urgency_display()} · {n.area_name} · "
                    f"{n.created_at:%Y-%m-%d}",
                )
                for n in care_needs
            ),
        ]


class AreaForm(forms.Form):
    """The area of a bulk listing or of bringing teams and venues in."""

    area_code = forms.ChoiceField(label=gettext_lazy("Area"), choices=())

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = _area_choices(areas, blank=False)
