"""What each ledger is: its groups, its title and its columns (the terms of the forms)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import pgettext, pgettext_lazy

from ..models import ETHNICITIES, GroupTag


@dataclass(frozen=True)
class Column:
    key: str  # a field of the row (see ROW_FIELDS), or "seq" / "remark"
    label: Promise
    width: float  # in characters, for the .xlsx file
    center: bool = False


# Column headers are the fixed Chinese terms of civil-affairs forms, marked for translation
# (context "ledger column") so that readers of other languages get theirs.

# Row fields in the order the row query yields them; columns pick from these.
ROW_FIELDS = (
    "resident_id",
    "town",
    "community",
    "grid",
    "name",
    "sex",
    "birth_date",
    "age",
    "id_number",
    "ethnicity",
    "phone",
    "address",
    "kind",
    "started_on",
    "head_name",
    "relationship",
    "kinds",
)
FIELD_INDEX = {name: i for i, name in enumerate(ROW_FIELDS)}

_HEAD = [
    Column("seq", pgettext_lazy("ledger column", "序号"), 6, center=True),
    Column("town", pgettext_lazy("ledger column", "乡镇（街道）"), 14),
    Column("community", pgettext_lazy("ledger column", "社区（村）"), 14),
    Column("grid", pgettext_lazy("ledger column", "网格"), 16),
    Column("name", pgettext_lazy("ledger column", "姓名"), 10),
    Column("sex", pgettext_lazy("ledger column", "性别"), 6, center=True),
    Column("birth_date", pgettext_lazy("ledger column", "出生日期"), 12, center=True),
    Column("age", pgettext_lazy("ledger column", "年龄"), 6, center=True),
    Column("id_number", pgettext_lazy("ledger column", "身份证号"), 21),
    Column("ethnicity", pgettext_lazy("ledger column", "民族"), 8, center=True),
    Column("phone", pgettext_lazy("ledger column", "联系电话"), 14),
    Column("address", pgettext_lazy("ledger column", "住址"), 30),
]
_TAIL = [
    Column("started_on", pgettext_lazy("ledger column", "纳入日期"), 12, center=True),
    Column("head_name", pgettext_lazy("ledger column", "户主姓名"), 10),
    Column("relationship", pgettext_lazy("ledger column", "与户主关系"), 10, center=True),
    Column("remark", pgettext_lazy("ledger column", "备注"), 14),
]


SCREEN_HIDDEN = ("birth_date", "ethnicity", "head_name", "relationship", "remark")


@dataclass(frozen=True)
class LedgerDef:
    """A kind of ledger: its groups (``roots`` and every kind under them) and its layout."""

    code: str
    title: Promise | str
    roots: tuple[str, ...]
    detail: Promise | None = None  # header of the kind/grade column; None: no such column
    labels: dict[str, Promise] = field(default_factory=dict)  # short names of groups
    grade_only: bool = False  # the column shows the recorded grade alone

    @property
    def columns(self) -> list[Column]:
        detail = [Column("kind", self.detail, 22)] if self.detail else []
        return [*_HEAD, *detail, *_TAIL]


BUILTIN_LEDGERS = [
    LedgerDef(
        "special_elderly",
        pgettext_lazy("ledger", "特殊困难老年人台账"),
        ("special_elderly",),
        pgettext_lazy("ledger column", "类别"),
        labels={"special_elderly": pgettext_lazy("ledger", "其他")},  # no kind recorded
    ),
    LedgerDef(
        "disability",
        pgettext_lazy("ledger", "残疾人台账"),
        ("disability",),
        pgettext_lazy("ledger column", "残疾类别及等级"),
        grade_only=True,
    ),
    LedgerDef(
        "assistance",
        pgettext_lazy("ledger", "低保、特困人员台账"),
        ("dibao", "tekun"),
        pgettext_lazy("ledger column", "保障类别"),
        labels={
            "dibao": pgettext_lazy("ledger", "低保"),
            "tekun": pgettext_lazy("ledger", "特困供养"),
        },
    ),
    LedgerDef(
        "left_behind_child",
        pgettext_lazy("ledger", "农村留守儿童台账"),
        ("left_behind_child",),
    ),
    LedgerDef("veteran", pgettext_lazy("ledger", "退役军人台账"), ("veteran",)),
]
_BUILTIN_ROOTS = {root for d in BUILTIN_LEDGERS for root in d.roots}

SEX_NAMES = {"M": pgettext_lazy("ledger", "男"), "F": pgettext_lazy("ledger", "女")}
RELATIONSHIP_NAMES = {
    "head": pgettext_lazy("ledger", "户主"),
    "spouse": pgettext_lazy("ledger", "配偶"),
    "child": pgettext_lazy("ledger", "子女"),
    "parent": pgettext_lazy("ledger", "父母"),
    "grandchild": pgettext_lazy("ledger", "孙子女"),
    "grandparent": pgettext_lazy("ledger", "祖父母"),
    "sibling": pgettext_lazy("ledger", "兄弟姐妹"),
    "child_in_law": pgettext_lazy("ledger", "儿媳、女婿"),
    "relative": pgettext_lazy("ledger", "其他亲属"),
    "other": pgettext_lazy("ledger", "非亲属"),
}
ETHNICITY_NAMES = dict(ETHNICITIES)


def _generic(tag: GroupTag) -> LedgerDef:
    """The plain ledger of a county's own group marked ``ledger`` (e.g. 困境儿童)."""
    title = pgettext("ledger", "%(group)s台账") % {"group": tag.name}
    return LedgerDef(
        tag.code,
        title,
        (tag.code,),
        pgettext_lazy("ledger column", "类别/等级") if tag.has_grade else None,
    )


@dataclass
class Ledger:
    """A ledger as one actor sees it in one area: the groups of it they may see."""

    definition: LedgerDef
    tags: list[GroupTag]  # visible groups of the ledger, vocabulary order

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def title(self) -> str:
        return str(self.definition.title)

    @property
    def codes(self) -> list[str]:
        return [tag.code for tag in self.tags]

    @property
    def columns(self) -> list[Column]:
        return self.definition.columns

    def screen_columns(self, level: int) -> list[Column]:
        """The columns a page shows for an area of ``level``: the form's, less what the file
        needs but a screen does not (the same town or community on every row, birth date and
        ethnicity beside the age, the household, the blank remarks)."""
        hidden = set(SCREEN_HIDDEN)
        if level >= 4:  # a town or below: one town
            hidden.add("town")
        if level >= 5:  # a community or grid: one community
            hidden.add("community")
        return [c for c in self.columns if c.key not in hidden]

    def label(self, code: str) -> str:
        tag = next(t for t in self.tags if t.code == code)
        return str(self.definition.labels.get(code, tag.name))


def ledgers_of(tags: list[GroupTag]) -> list[Ledger]:
    found: list[Ledger] = []
    defs = list(BUILTIN_LEDGERS)
    defs += [
        _generic(t) for t in tags if t.ledger and not t.parent_id and t.code not in _BUILTIN_ROOTS
    ]
    for definition in defs:
        mine = [t for t in tags if t.code in definition.roots or t.parent_id in definition.roots]
        if mine:
            found.append(Ledger(definition, mine))
    return found
