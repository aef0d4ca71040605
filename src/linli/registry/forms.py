"""Forms of the registry's pages.

They only parse what a person typed into the types an action takes; the rules (valid ID
numbers, dates not in the future, a head who lives in the household…) live in the actions,
whose errors :func:`linli.core.views.glue.apply_errors` puts back next to the fields.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ETHNICITIES, GridStaff, Household, Resident

BLANK = ("", gettext_lazy("— choose —"))
NOT_RECORDED = ("", gettext_lazy("— not recorded —"))


def _date(label, *, required: bool = False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _phone(help_text=""):
    return forms.CharField(
        label=gettext_lazy("Mobile number"),
        required=False,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )


def _id_number(help_text=""):
    return forms.CharField(
        label=gettext_lazy("ID number"),
        required=False,
        max_length=30,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


def _ethnicity():
    return forms.ChoiceField(
        label=gettext_lazy("Ethnicity"), required=False, choices=[NOT_RECORDED, *ETHNICITIES]
    )


def _language():
    return forms.ChoiceField(
        label=gettext_lazy("Preferred language"),
        required=False,
        choices=[NOT_RECORDED, *Resident.Language.choices],
    )


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


def _grouped(groups) -> list:
    """[(group label, [(value, label), …]), …] for a <select> with option groups."""
    return [(label, list(options)) for label, options in groups]


# --- residents -------------------------------------------------------------------------------


class ResidentEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    id_number = _id_number()
    phone = _phone()
    clear_phone = forms.BooleanField(
        label=gettext_lazy("Remove the mobile number on record"), required=False
    )
    ethnicity = _ethnicity()
    language = _language()

    def __init__(self, *args, id_masked: str = "", phone_masked: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if id_masked:
            self.fields["id_number"].help_text = _(
                "Leave it blank to keep the number on record (%(masked)s)."
            ) % {"masked": id_masked}
        if phone_masked:
            self.fields["phone"].help_text = _(
                "Leave it blank to keep the number on record (%(masked)s)."
            ) % {"masked": phone_masked}
        else:
            del self.fields["clear_phone"]


class TagAddForm(forms.Form):
    tag_code = forms.ChoiceField(label=gettext_lazy("Group"), choices=())
    started_on = _date(
        gettext_lazy("Member from"), help_text=gettext_lazy("Leave it blank for today.")
    )
    grade = forms.CharField(
        label=gettext_lazy("Kind or grade"),
        required=False,
        max_length=50,
        help_text=gettext_lazy("For groups that record one, e.g. a disability grade."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Stored encrypted; shown only to those who may see the group."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        tags = list(tags)
        names = {tag.code: tag.name for tag in tags}
        options = []
        for tag in tags:
            parent = names.get(tag.parent_id or "")
            options.append((tag.code, f"{parent} · {tag.name}" if parent else tag.name))
        self.fields["tag_code"].choices = [BLANK, *options]


class TagEndForm(forms.Form):
    membership_id = forms.IntegerField(widget=forms.HiddenInput)
    ended_on = _date(gettext_lazy("Until"), help_text=gettext_lazy("Leave it blank for today."))


class MoveForm(forms.Form):
    household_id = forms.IntegerField(
        label=gettext_lazy("New household"),
        error_messages={"required": gettext_lazy("Find the new household and choose it.")},
    )
    relationship = forms.ChoiceField(
        label=gettext_lazy("Relationship to the head there"),
        required=False,
        choices=[NOT_RECORDED, *Resident.Relationship.choices],
    )
    on = _date(gettext_lazy("Moved on"), help_text=gettext_lazy("Leave it blank for today."))
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=100)


class MoveOutForm(forms.Form):
    on = _date(gettext_lazy("Moved away on"), help_text=gettext_lazy("Leave it blank for today."))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("For example: moved to live with a child in another county."),
    )


class DeathForm(forms.Form):
    on = _date(gettext_lazy("Died on"), help_text=gettext_lazy("Leave it blank for today."))


# --- households and buildings ----------------------------------------------------------------


class MemberAddForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    id_number = _id_number(
        help_text=gettext_lazy(
            "Sex and birth date are read from it. Leave it blank if there is none."
        )
    )
    phone = _phone()
    relationship = forms.ChoiceField(
        label=gettext_lazy("Relationship to the head"),
        required=False,
        choices=[NOT_RECORDED, *Resident.Relationship.choices],
    )
    ethnicity = _ethnicity()
    language = _language()
    sex = forms.ChoiceField(
        label=gettext_lazy("Sex"),
        required=False,
        choices=[NOT_RECORDED, *Resident.Sex.choices],
        help_text=gettext_lazy("Only for a person without an ID number."),
    )
    birth_date = _date(
        gettext_lazy("Birth date"),
        help_text=gettext_lazy("Only for a person without an ID number."),
    )
    moved_in_on = _date(
        gettext_lazy("Moved in on"), help_text=gettext_lazy("Leave it blank for today.")
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("For example: born here, married in, bought the flat."),
    )


class HouseholdCreateForm(forms.Form):
    community_code = forms.ChoiceField(label=gettext_lazy("Community or village"), choices=())
    building_id = forms.TypedChoiceField(
        label=gettext_lazy("Building"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=(),
        help_text=gettext_lazy("Leave it empty for a home outside any registered building."),
    )
    unit = forms.CharField(label=gettext_lazy("Unit"), required=False, max_length=10)
    room = forms.CharField(label=gettext_lazy("Room"), required=False, max_length=20)
    address = forms.CharField(
        label=gettext_lazy("Address"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Needed outside a building; in a building it is made from the building, unit and room."
        ),
    )
    residence_type = forms.ChoiceField(
        label=gettext_lazy("Residence type"), choices=[BLANK, *Household.ResidenceType.choices]
    )

    def __init__(self, *args, communities=(), buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community_code"].choices = [BLANK, *[(a.code, a.name) for a in communities]]
        groups: dict[str, list] = {}
        names = {a.code: a.name for a in communities}
        for building in buildings:
            label = names.get(building.community_id, building.community_id)
            groups.setdefault(label, []).append((building.pk, building.name))
        self.fields["building_id"].choices = [
            ("", _("— no building —")),
            *_grouped(groups.items()),
        ]


class BuildingCreateForm(forms.Form):
    community_code = forms.ChoiceField(label=gettext_lazy("Community or village"), choices=())
    name = forms.CharField(
        label=gettext_lazy("Building"),
        max_length=50,
        help_text=gettext_lazy("As people say it, e.g. 3号楼."),
    )
    address = forms.CharField(label=gettext_lazy("Address"), required=False, max_length=200)
    units = forms.IntegerField(label=gettext_lazy("Units"), initial=1)
    floors = forms.IntegerField(label=gettext_lazy("Floors"), required=False)
    lat = forms.CharField(
        label=gettext_lazy("Latitude"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    lng = forms.CharField(
        label=gettext_lazy("Longitude"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community_code"].choices = [BLANK, *[(a.code, a.name) for a in communities]]
        if len(communities) == 1:
            self.fields["community_code"].initial = communities[0].code


# --- grids -----------------------------------------------------------------------------------


class GridMembershipForm(forms.Form):
    ASSIGN = "assign"
    RELEASE = "release"

    op = forms.ChoiceField(
        choices=[(ASSIGN, gettext_lazy("Put in the grid")), (RELEASE, gettext_lazy("Take out"))]
    )
    grid_code = forms.ChoiceField(label=gettext_lazy("Grid"), required=False, choices=())
    building_ids = IdListField(required=False)
    household_ids = IdListField(required=False)

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid_code"].choices = [BLANK, *[(g.code, g.name) for g in grids]]

    def clean(self):
        data = super().clean()
        if data.get("op") == self.ASSIGN and not data.get("grid_code"):
            self.add_error("grid_code", _("Choose the grid to put them in."))
        if (
            "building_ids" in data
            and "household_ids" in data
            and not data["building_ids"]
            and not data["household_ids"]
        ):
            self.add_error(None, _("Tick the buildings or households first."))
        return data


class StaffAssignForm(forms.Form):
    duty = forms.ChoiceField(label=gettext_lazy("Duty"), choices=[BLANK, *GridStaff.Duty.choices])
    user_id = forms.IntegerField(
        label=gettext_lazy("Account number"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("For grid workers: the number of their account."),
    )
    resident_id = forms.IntegerField(
        label=gettext_lazy("Registry number of a resident"),
        required=False,
        min_value=1,
        help_text=gettext_lazy(
            "For building and unit heads and villager representatives: shown on the resident's page."
        ),
    )
    building_id = forms.TypedChoiceField(
        label=gettext_lazy("Building"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=(),
        help_text=gettext_lazy("For building and unit heads."),
    )
    unit = forms.CharField(
        label=gettext_lazy("Unit"),
        required=False,
        max_length=10,
        help_text=gettext_lazy("For unit heads."),
    )
    started_on = _date(gettext_lazy("From"), help_text=gettext_lazy("Leave it blank for today."))

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building_id"].choices = [
            ("", _("— no building —")),
            *[(b.pk, b.name) for b in buildings],
        ]


class StaffEndForm(forms.Form):
    staff_id = forms.IntegerField(widget=forms.HiddenInput)
    ended_on = _date(gettext_lazy("Until"), help_text=gettext_lazy("Leave it blank for today."))


class GroupTagForm(forms.Form):
    """A county's own group, added to the vocabulary."""

    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy("Latin letters, digits, '_', '-' and '.', e.g. elderly.vip"),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    parent_code = forms.ChoiceField(label=gettext_lazy("Kind of"), required=False)
    sensitive = forms.BooleanField(
        label=gettext_lazy("Sensitive: only the roles ticked below see who is in it"),
        required=False,
    )
    visible_roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles that see its members"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    has_grade = forms.BooleanField(label=gettext_lazy("Records a kind or grade"), required=False)

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        from linli.core.roles import STAFF_ROLES, Role

        self.fields["parent_code"].choices = [("", gettext_lazy("— a group of its own —"))] + [
            (tag.code, tag.name) for tag in parents
        ]
        self.fields["visible_roles"].choices = [
            (value, label) for value, label in Role.choices if value in STAFF_ROLES
        ]
