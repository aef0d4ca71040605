"""Forms of the certificate pages.

They only parse what a person chose or typed; the rules (who may certify for which
organisation, the period, the hours) live in the certificate actions, whose errors
``apply_errors`` puts back next to the fields (``ISSUE_ALIASES``).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from ..models import Certificate

ISSUE_ALIASES = {"volunteer_id": "volunteer", "organisation_id": "organisation"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class IssueForm(forms.Form):
    """Whom, by which organisation, over which period. ``organisations`` are the ones the
    actor certifies for that hold records of the volunteer."""

    volunteer = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    organisation = forms.TypedChoiceField(
        label=gettext_lazy("Issuing organisation"),
        coerce=int,
        choices=(),
        error_messages={"required": gettext_lazy("Choose the issuing organisation.")},
    )
    period_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("Leave empty to count from the first service."),
    )
    period_to = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("Leave empty to count up to today."),
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it revoked?"),
        max_length=Certificate._meta.get_field("revoke_reason").max_length,
        help_text=gettext_lazy(
            "The holder is told the reason. The verification page shows only that it was "
            "revoked, and when."
        ),
        error_messages={"required": gettext_lazy("Give the reason.")},
    )


class VerifyForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Certificate number"),
        max_length=40,
        help_text=gettext_lazy("As printed on the certificate, for example ZY2026-7KQ4-MZ8D-2XHA."),
        error_messages={"required": gettext_lazy("Type the number printed on the certificate.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        )
