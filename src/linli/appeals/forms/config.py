"""Forms of the appeals settings pages: routing rules and units, the catalogue, tiers, holidays,
templates, the county policy and Open311 clients.

They only parse what a person typed into what an action takes; the rules live in the
configuration actions (``actions.categories``, ``actions.routing``, …), whose errors
``linli.registry.forms.apply_errors`` puts next to the fields. A category's questions are typed
one a line (see :func:`parse_questions`), so they can be edited without JavaScript.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..actions.categories import DATATYPES, LIST_TYPES
from ..models import ResponseTemplate, Tier, Unit

BLANK = ("", gettext_lazy("— choose —"))
REQUIRED_WORDS = {"required", "yes", "必填", "是"}
OPTIONAL_WORDS = {"optional", "no", "选填", "否"}
# Full-width separators typed with a Chinese input method mean the same.
_SEPARATORS = str.maketrans({"｜": "|", "；": ";", "＝": "="})


def area_choices(areas) -> list:
    """Areas for a <select>, indented by level below the first one."""
    if not areas:
        return [BLANK]
    top = min(a.level for a in areas)
    return [BLANK, *((a.code, "　" * (a.level - top) + a.name) for a in areas)]


def category_choices(categories, *, blank=BLANK) -> list:
    """Categories in tree order (with ``depth`` and ``label``), indented."""
    return [blank, *((str(c.pk), "　" * c.depth + c.label) for c in categories)]


def unit_choices(units, area_names: dict[str, str]) -> list:
    """Units grouped by the area where they sit."""
    groups: dict[str, list] = {}
    for unit in units:
        label = area_names.get(unit.area_code, unit.area_code)
        groups.setdefault(label, []).append(
            (str(unit.pk), f"{unit.name}（{unit.get_kind_display()}）")
        )
    return [BLANK, *groups.items()]


# --- a category's questions, one a line ---------------------------------------------------------


def format_questions(questions) -> str:
    """The stored questions as the lines :func:`parse_questions` reads."""
    lines = []
    for q in questions or []:
        parts = [
            q.get("code", ""),
            q.get("datatype", ""),
            "required" if q.get("required") else "optional",
            q.get("description", ""),
        ]
        if q.get("values"):
            parts.append("; ".join(f"{v['key']}={v['name']}" for v in q["values"]))
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def parse_questions(text: str) -> list[dict]:
    """``code | kind | required or optional | the question | key=answer; key=answer``.

    The shape is read here; whether codes, kinds and answers are acceptable is the action's
    to say."""
    questions: list[dict] = []
    problems: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.translate(_SEPARATORS).strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) not in (4, 5):
            problems.append(
                _("Line %(number)d: write code | kind | required or optional | question.")
                % {"number": number}
            )
            continue
        code, datatype, need, description = parts[:4]
        if need.lower() in REQUIRED_WORDS:
            required = True
        elif need.lower() in OPTIONAL_WORDS:
            required = False
        else:
            problems.append(
                _("Line %(number)d: the third part is “required” or “optional”.")
                % {"number": number}
            )
            continue
        values = []
        if len(parts) == 5 and parts[4]:
            for item in parts[4].split(";"):
                item = item.strip()
                if not item:
                    continue
                key, sep, name = item.partition("=")
                if not sep:
                    problems.append(
                        _("Line %(number)d: write each answer as key=name.") % {"number": number}
                    )
                    break
                values.append({"key": key.strip(), "name": name.strip()})
        questions.append(
            {
                "code": code,
                "datatype": datatype,
                "required": required,
                "description": description,
                "values": values,
            }
        )
    if problems:
        raise ValidationError(problems)
    return questions


# --- routing ------------------------------------------------------------------------------------


class RuleForm(forms.Form):
    area = forms.ChoiceField(label=gettext_lazy("Where"))
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        required=False,
        help_text=gettext_lazy("A rule for a category also covers its kinds."),
    )
    unit = forms.ChoiceField(label=gettext_lazy("Send to"))

    def __init__(self, *args, areas=(), categories=(), units=(), area_names=None, **kwargs):
        kwargs.setdefault("auto_id", "rule_%s")
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(areas)
        self.fields["category"].choices = category_choices(
            categories, blank=("", _("Any category"))
        )
        self.fields["unit"].choices = unit_choices(units, area_names or {})


class UnitForm(forms.Form):
    area = forms.ChoiceField(label=gettext_lazy("Where it sits"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[
            (Unit.Kind.DEPARTMENT, Unit.Kind.DEPARTMENT.label),
            (Unit.Kind.PROVIDER, Unit.Kind.PROVIDER.label),
        ],
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)

    def __init__(self, *args, areas=(), **kwargs):
        kwargs.setdefault("auto_id", "unit_%s")
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(areas)


class UnitEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    active = forms.BooleanField(label=gettext_lazy("In use"), required=False)


class MemberForm(forms.Form):
    login = forms.CharField(
        label=gettext_lazy("Username or mobile number"),
        max_length=150,
        help_text=gettext_lazy("The person must already have an active staff account."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    is_supervisor = forms.BooleanField(
        label=gettext_lazy("Supervisor: told when the unit's appeals are overdue"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "member_%s")
        super().__init__(*args, **kwargs)


# --- the catalogue ------------------------------------------------------------------------------


class CategoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    parent = forms.ChoiceField(label=gettext_lazy("Kind of"), required=False)
    tier = forms.ChoiceField(label=gettext_lazy("Urgency tier"))
    unit_kind = forms.ChoiceField(
        label=gettext_lazy("Handled by default by"),
        choices=Unit.Kind.choices,
        help_text=gettext_lazy("Used where no routing rule applies."),
    )
    public = forms.BooleanField(
        label=gettext_lazy("Appeals may be listed publicly"),
        required=False,
        help_text=gettext_lazy("Leave it off for private matters (assistance, health, disputes)."),
    )
    active = forms.BooleanField(label=gettext_lazy("In use"), required=False)
    sort = forms.IntegerField(
        label=gettext_lazy("Order"),
        required=False,
        help_text=gettext_lazy("Smaller numbers come first; left blank, it goes last."),
    )
    questions = forms.CharField(
        label=gettext_lazy("Questions asked on submitting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )

    def __init__(self, *args, parents=(), tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = category_choices(parents, blank=("", _("— none —")))
        self.fields["tier"].choices = [BLANK, *((t.code, t.name) for t in tiers)]
        self.fields["questions"].help_text = _(
            "One question a line: code | kind | required or optional | the question | "
            "key=answer; key=answer. Kinds: %(kinds)s; answers only for %(lists)s. "
            "Example: floor | number | optional | Which floor?"
        ) % {"kinds": ", ".join(DATATYPES), "lists": ", ".join(LIST_TYPES)}

    def clean_questions(self):
        return parse_questions(self.cleaned_data.get("questions", ""))


class TierForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=30,
        help_text=gettext_lazy("Small Latin letters, digits, '_' or '-'; it cannot change."),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    respond_minutes = forms.IntegerField(label=gettext_lazy("Accept within (minutes)"))
    resolve_amount = forms.IntegerField(label=gettext_lazy("Resolve within"))
    resolve_unit = forms.ChoiceField(label=gettext_lazy("Counted in"), choices=Tier.Unit.choices)
    sort = forms.IntegerField(label=gettext_lazy("Order"), required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class HolidayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    is_workday = forms.BooleanField(
        label=gettext_lazy("A make-up working day (调休) rather than a day off"), required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "day_%s")
        super().__init__(*args, **kwargs)


class HolidayImportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Days, one a line"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Date, name, then “off” for a holiday or “on” for a make-up working day, e.g. "
            "“2026-10-01 国庆节 off” or “2026-10-10 调休 on”. Lines starting with # are skipped. "
            "If any line is wrong, nothing is saved."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "import_%s")
        super().__init__(*args, **kwargs)


class TemplateForm(forms.Form):
    step = forms.ChoiceField(
        label=gettext_lazy("Step"), choices=[BLANK, *ResponseTemplate.Step.choices]
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=60)
    text = forms.CharField(
        label=gettext_lazy("Text"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    active = forms.BooleanField(label=gettext_lazy("In use"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(
            categories, blank=("", _("Every category"))
        )


class PolicyForm(forms.Form):
    auto_confirm_days = forms.IntegerField(
        label=gettext_lazy("Auto-confirm after (days)"),
        help_text=gettext_lazy(
            "A resolved appeal the resident has not answered counts as confirmed."
        ),
    )
    rating_days = forms.IntegerField(
        label=gettext_lazy("Rating open for (days)"),
        help_text=gettext_lazy("After confirmation the resident may rate for this many days."),
    )
    satisfied_from = forms.IntegerField(
        label=gettext_lazy("Satisfied from level"),
        help_text=gettext_lazy(
            "Ratings at this level or better count as satisfied: 3 basically satisfied, "
            "4 satisfied, 5 very satisfied."
        ),
    )
    auto_confirmed_resolved = forms.BooleanField(
        label=gettext_lazy("Auto-confirmed appeals count as resolved"), required=False
    )
    rectify_workdays = forms.IntegerField(
        label=gettext_lazy("Rectify a bad rating within (working days)")
    )
    escalate_again_hours = forms.IntegerField(
        label=gettext_lazy("Escalate again after (hours)"),
        help_text=gettext_lazy(
            "An appeal still overdue this long after supervision goes one level up."
        ),
    )


class Open311ClientForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("The system or app that will post appeals, e.g. “城市服务 app”."),
    )
    area_code = forms.ChoiceField(label=gettext_lazy("County it posts to"))

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [BLANK, *((c.code, c.name) for c in counties)]
