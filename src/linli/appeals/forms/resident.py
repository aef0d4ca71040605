"""Forms of the resident's appeal pages: submitting, confirming, rating, adding photos.

They only parse what a person typed into the types an action takes; the rules (a description
long enough, a valid phone number, answers the category offers, who may rate and when) live in
the actions, whose errors ``linli.registry.forms.apply_errors`` puts back beside the fields.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..actions.intake import ADDRESS_MAX, TITLE_MAX
from ..actions.photos import PHOTO_MAX_COUNT
from ..models import Category, RatingLevel
from ..queries import category_label

TEXT_MAX = 2000
COMMENT_MAX = 500
ATTRIBUTE_PREFIX = "attr_"
RADIO_MAX = 6  # a question with more answers than this is a drop-down list
# The five levels, best first, as a resident reads them (非常满意 … 非常不满意).
LEVELS_BEST_FIRST = [(str(value), label) for value, label in reversed(RatingLevel.choices)]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Any number of chosen files (the action checks how many, how large, and that they are
    photos)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "class": "photo-input"})
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        single = super().clean
        return [cleaned for cleaned in (single(f, initial) for f in files if f) if cleaned]


class IdListField(forms.Field):
    """Hidden inputs sharing one name: whole-number ids (the similar appeals already shown)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        try:
            return [int(v) for v in value if str(v).strip()]
        except (TypeError, ValueError):
            raise ValidationError(_("Give whole-number ids.")) from None


# --- submitting ------------------------------------------------------------------------------


def category_choices(categories: list[Category]) -> list:
    """The county's categories (in tree order, with ``depth`` and ``label`` as
    ``queries.category_tree`` gives them) for a <select>: a kind with sub-kinds becomes a group
    holding them (deeper ones indented) and, last, the kind itself for "something else"."""
    choices: list = [("", gettext_lazy("— choose —"))]
    group: tuple[Category, list] | None = None

    def close() -> None:
        if group is None:
            return
        top, below = group
        if below:
            other = _("%(kind)s: something else") % {"kind": top.label}
            choices.append((top.label, [*below, (str(top.pk), other)]))
        else:
            choices.append((str(top.pk), top.label))

    for category in categories:
        depth = getattr(category, "depth", 0)
        label = getattr(category, "label", None) or category_label(category)
        if depth == 0 or group is None:
            close()
            category.label = label
            group = (category, [])
        else:
            group[1].append((str(category.pk), "— " * (depth - 1) + label))
    close()
    return choices


def _question_field(question: dict) -> forms.Field | None:
    kind = question.get("datatype", "string")
    label = str(question.get("description") or question.get("code", ""))[:200]
    required = bool(question.get("required"))
    options = [(str(v.get("key", "")), str(v.get("name", ""))) for v in question.get("values", [])]
    if kind == "singlevaluelist":
        if not options:
            return None
        if len(options) <= RADIO_MAX:
            return forms.ChoiceField(
                label=label,
                required=required,
                choices=options,
                widget=forms.RadioSelect(attrs={"class": "choice-input"}),
            )
        return forms.ChoiceField(
            label=label, required=required, choices=[("", gettext_lazy("— choose —")), *options]
        )
    if kind == "multivaluelist":
        if not options:
            return None
        return forms.MultipleChoiceField(
            label=label,
            required=required,
            choices=options,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-input"}),
        )
    if kind == "number":
        return forms.CharField(
            label=label,
            required=required,
            max_length=20,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        )
    if kind == "datetime":
        return forms.CharField(
            label=label,
            required=required,
            max_length=25,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        )
    return forms.CharField(label=label, required=required, max_length=200)


class AppealForm(forms.Form):
    """What a resident tells us. ``categories`` are the county's; ``category`` the chosen one
    (its questions become fields ``attr_<code>``)."""

    category = forms.ChoiceField(label=gettext_lazy("What is it about?"), choices=())
    area_code = forms.RegexField(
        label=gettext_lazy("Community or village where it is"),
        regex=r"^\d{12}(\d{3})?$",
        error_messages={
            "required": gettext_lazy("Choose the community where it is."),
            "invalid": gettext_lazy("Choose the community where it is."),
        },
        widget=forms.Select(),
    )
    address = forms.CharField(
        label=gettext_lazy("Where exactly?"),
        required=False,
        max_length=ADDRESS_MAX,
        help_text=gettext_lazy("A building, a street, a landmark: what helps someone find it."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    lat = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    lng = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    description = forms.CharField(
        label=gettext_lazy("What happened?"),
        max_length=TEXT_MAX,
        help_text=gettext_lazy("Say what is wrong, since when, and who is affected."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Please write something here.")},
    )
    title = forms.CharField(
        label=gettext_lazy("A short title"),
        required=False,
        max_length=TITLE_MAX,
        help_text=gettext_lazy("Leave it blank and we use the start of what you wrote."),
    )
    photos = PhotosField(label=gettext_lazy("Choose photos"))
    contact_phone = forms.CharField(
        label=gettext_lazy("Your phone number"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("The unit calls this number if it needs to ask you something."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Hide my name from the public"), required=False
    )
    public = forms.BooleanField(
        label=gettext_lazy("It may be listed publicly"),
        required=False,
        help_text=gettext_lazy(
            "Others nearby can then see that it was reported and how it went. "
            "Private matters (disputes, health, assistance) are never listed."
        ),
    )
    seen = IdListField(required=False)

    def __init__(self, *args, categories=(), category: Category | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {c.pk: c for c in categories}
        self.fields["category"].choices = category_choices(list(categories))
        self.fields["photos"].help_text = _(
            "Up to %(count)d photos. Places and camera details are removed from them."
        ) % {"count": PHOTO_MAX_COUNT}
        self.category = category
        self.question_names: list[str] = []
        for question in (category.attributes or []) if category is not None else []:
            code = str(question.get("code", ""))
            field = _question_field(question)
            if not code or field is None:
                continue
            name = ATTRIBUTE_PREFIX + code
            self.fields[name] = field
            self.question_names.append(name)

    def offer_communities(self, groups: list) -> None:
        """The town → community choices, set only when the form is shown."""
        self.fields["area_code"].widget.choices = [("", _("— choose —")), *groups]

    @property
    def questions(self) -> list:
        return [self[name] for name in self.question_names]

    def answers(self) -> dict[str, str]:
        """The answers as the action takes them: code → value (several joined by commas)."""
        found = {}
        for name in self.question_names:
            value = self.cleaned_data.get(name)
            if isinstance(value, list | tuple):
                value = ",".join(value)
            if value not in (None, ""):
                found[name.removeprefix(ATTRIBUTE_PREFIX)] = value
        return found

    @staticmethod
    def error_aliases(category: Category | None) -> dict[str, str]:
        """Action field names → form field names."""
        aliases = {"lat": "__all__", "lng": "__all__", "attributes": "__all__"}
        for question in (category.attributes or []) if category is not None else []:
            code = str(question.get("code", ""))
            aliases[f"attributes.{code}"] = ATTRIBUTE_PREFIX + code
        return aliases


# --- after it is resolved ----------------------------------------------------------------------


class ConfirmForm(forms.Form):
    solved = forms.TypedChoiceField(
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.HiddenInput,
    )
    comment = forms.CharField(
        label=gettext_lazy("What is still wrong?"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _level_field(label, *, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        required=required,
        choices=LEVELS_BEST_FIRST,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect(attrs={"class": "choice-input"}),
        error_messages={"required": gettext_lazy("Choose one of the five levels.")},
    )


class RateForm(forms.Form):
    level = _level_field(gettext_lazy("How satisfied are you overall?"), required=True)
    efficiency = _level_field(gettext_lazy("Speed"), required=False)
    attitude = _level_field(gettext_lazy("Attitude"), required=False)
    result = _level_field(gettext_lazy("Result"), required=False)
    comment = forms.CharField(
        label=gettext_lazy("Anything you want to say"),
        required=False,
        max_length=COMMENT_MAX,
        help_text=gettext_lazy("Needed when you are dissatisfied: say what went wrong."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @property
    def details(self) -> list:
        return [self["efficiency"], self["attitude"], self["result"]]


class PhotoAddForm(forms.Form):
    photos = PhotosField(label=gettext_lazy("Choose photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _("Up to %(count)d photos at a time.") % {
            "count": PHOTO_MAX_COUNT
        }
