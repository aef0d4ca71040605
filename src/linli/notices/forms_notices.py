"""Forms of the notice pages: publishing or changing a notice, and the publisher's filters.

They only parse what was typed into the types the actions take; the rules (lengths, who may
address which group, a schedule that makes sense, what a published notice keeps) are the
actions', whose errors ``linli.registry.forms.apply_errors`` puts back beside the fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.roles import STAFF_ROLES, Role

from .actions.notices import BODY_MAX, LOCKED_WHEN_PUBLISHED, TITLE_MAX
from .files import ACCEPT, ATTACHMENT_MAX_BYTES, ATTACHMENT_MAX_COUNT
from .models import Notice
from .queries.notices import STATUSES

MOMENT_FORMAT = "%Y-%m-%dT%H:%M"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Any number of chosen files (the action checks how many, how large, and what they are)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        found = data if isinstance(data, list | tuple) else [data]
        single = super().clean
        return [cleaned for cleaned in (single(f, initial) for f in found if f) if cleaned]


def _moment(label, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MOMENT_FORMAT),
    )


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in Role if role in STAFF_ROLES]


class NoticeForm(forms.Form):
    """A new notice, or changes to one. ``areas`` and ``tags`` are what the publisher may
    choose; for a published notice (``published``) its place, audience, groups, roles and time
    are shown but cannot change; ``attachments`` are the files it holds already."""

    area_code = forms.ChoiceField(label=gettext_lazy("Goes to"), choices=())
    title = forms.CharField(label=gettext_lazy("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("For"),
        choices=Notice.Audience.choices,
        initial=Notice.Audience.RESIDENTS,
        widget=forms.RadioSelect,
    )
    tags = forms.MultipleChoiceField(
        label=gettext_lazy("Only residents in these groups"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Leave all unticked to reach every resident. A group includes its kinds."
        ),
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Only staff with these roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked to reach all staff of the area."),
    )
    publish_at = _moment(
        gettext_lazy("Publish at"),
        gettext_lazy("Leave empty to publish now. Residents see it from this time."),
    )
    expires_at = _moment(
        gettext_lazy("Show until"), gettext_lazy("Leave empty to show it until withdrawn.")
    )
    pinned = forms.BooleanField(label=gettext_lazy("Pin it to the top"), required=False)
    attachments = FilesField(label=gettext_lazy("Attach files"))
    remove_attachments = forms.MultipleChoiceField(
        label=gettext_lazy("Remove these files"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, areas=(), tags=(), attachments=(), published: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [(a.code, area_label(a)) for a in areas]
        self.fields["tags"].choices = [(t.code, tag_label(t)) for t in tags]
        self.fields["roles"].choices = role_choices()
        self.fields["attachments"].help_text = _(
            "Up to %(count)d files in all, each at most %(mb)d MB: PDF, Word (.docx), "
            "Excel (.xlsx), JPEG or PNG."
        ) % {"count": ATTACHMENT_MAX_COUNT, "mb": ATTACHMENT_MAX_BYTES // 1024 // 1024}
        if attachments:
            self.fields["remove_attachments"].choices = [(str(a.pk), a.name) for a in attachments]
        else:
            del self.fields["remove_attachments"]
        self.published = published
        if published:
            for name in LOCKED_WHEN_PUBLISHED:
                self.fields[name].disabled = True
                self.fields[name].required = False

    def changes(self) -> dict:
        """What the action receives: every field of a new notice; of an existing one only what
        was changed on the form (a time shown to the minute is no change to its seconds), and
        never what a published notice keeps."""
        data = dict(self.cleaned_data)
        if self.initial:
            files = ("attachments", "remove_attachments")
            data = {k: v for k, v in data.items() if k in self.changed_data or k in files}
        if self.published:
            for name in LOCKED_WHEN_PUBLISHED:
                data.pop(name, None)
        return data


def area_label(area) -> str:
    return f"{area.name} · {area.get_level_display()}"


def tag_label(tag) -> str:
    if tag.parent_id:
        return f"{tag.parent.name} › {tag.name}"
    return tag.name


class FiltersForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("All states")), *STATUSES.items()],
    )
    area = forms.CharField(
        label=gettext_lazy("Area code"),
        required=False,
        max_length=15,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    q = forms.CharField(label=gettext_lazy("Words of the title"), required=False, max_length=50)
