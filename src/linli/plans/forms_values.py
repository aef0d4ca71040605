"""Forms of the plans' values pages: taking a snapshot, entering a reported value. They only
carry what the actions check (``linli.plans.actions.measure``); the rules are the actions'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.notices.files import ACCEPT

from .models import ReportedValue, Snapshot


class SnapshotForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=Snapshot._meta.get_field("label").max_length,
        help_text=_(
            "How the snapshot is named in reports and trends, e.g. 2025年度 or 2026年上半年."
        ),
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=Snapshot._meta.get_field("note").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]


class ReportedForm(forms.Form):
    """One area's value of a reported indicator for a year."""

    indicator = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    area_code = forms.CharField(widget=forms.HiddenInput, max_length=15)
    year = forms.IntegerField(widget=forms.HiddenInput)
    numerator = forms.CharField(
        label=_("Numerator"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    denominator = forms.CharField(
        label=_("Denominator"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("Source and note"),
        required=False,
        max_length=ReportedValue._meta.get_field("note").max_length,
    )
    evidence = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_("PDF, Word, Excel, JPEG or PNG, at most 10 MB; replaces the file kept."),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, total: bool | None = None, **kwargs):
        """``total``: True for a total (no denominator), False for a ratio (a denominator is
        needed), None when not known yet (the action says what is missing)."""
        super().__init__(*args, **kwargs)
        if total:
            del self.fields["denominator"]
        elif total is False:
            self.fields["denominator"].required = True
