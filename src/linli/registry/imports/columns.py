"""Columns of the resident import and export, their vocabularies, and the templates."""

from __future__ import annotations

import dataclasses
import io
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from linli.core.tabular import Column

from ..models import (
    ETHNICITIES,
    Household,
    Resident,
)

# --- columns and vocabulary ---------------------------------------------------------------

COLUMNS = [
    Column(
        "community_code",
        "社区代码",
        True,
        "",
        gettext_lazy("12-digit code of the community or village, e.g. 110101001001"),
    ),
    Column(
        "building",
        "楼栋",
        False,
        "",
        gettext_lazy("e.g. 3号楼; with the room it identifies the household; new ones are created"),
    ),
    Column("unit", "单元", False, "", gettext_lazy("e.g. 2; within the building's units")),
    Column("room", "房号", False, "", gettext_lazy("e.g. 502; required with a building")),
    Column(
        "address",
        "地址",
        False,
        "",
        gettext_lazy("required without a building: it then identifies the household"),
    ),
    Column(
        "residence_type",
        "居住类型",
        False,
        "",
        gettext_lazy("户籍, 常住, 流动 or 空挂; required for a new household"),
    ),
    Column("name", "姓名", True, "", gettext_lazy("at most 50 characters")),
    Column("id_number", "身份证号", True, "", gettext_lazy("18 characters; identifies the person")),
    Column("phone", "手机号", False, "", gettext_lazy("11-digit mobile number")),
    Column("ethnicity", "民族", False, "", gettext_lazy("name or GB/T 3304 code, e.g. 汉族 or 01")),
    Column(
        "language",
        "常用语言",
        False,
        "",
        gettext_lazy("普通话, 维吾尔语, 藏语, 蒙古语, 朝鲜语, 方言, 手语 or 其他语言"),
    ),
    Column(
        "relationship",
        "与户主关系",
        False,
        "",
        gettext_lazy(
            "户主, 配偶, 子女, 父母, 孙子女, 祖父母, 兄弟姐妹, 儿媳女婿, 其他亲属, 非亲属"
        ),
    ),
    Column(
        "moved_in_on",
        "迁入日期",
        False,
        "",
        gettext_lazy("e.g. 2020-05-01; empty means today; used when the person joins a household"),
    ),
    Column(
        "tags",
        "群体标签",
        False,
        "",
        gettext_lazy(
            "group names or codes separated by 、 e.g. 独居老人、残疾人:二级 (grade after :)"
        ),
    ),
]
KEYS = [c.key for c in COLUMNS]
LABELS = {c.key: c.label for c in COLUMNS}
# Extra columns of an export (ignored by the import).
EXPORT_EXTRA = [("sex", "性别"), ("birth_date", "出生日期"), ("status", "状态")]

RESIDENCE_WORDS = {"registered": "户籍", "resident": "常住", "floating": "流动", "nominal": "空挂"}
RELATIONSHIP_WORDS = {
    "head": "户主",
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "grandchild": "孙子女",
    "grandparent": "祖父母",
    "sibling": "兄弟姐妹",
    "child_in_law": "儿媳女婿",
    "relative": "其他亲属",
    "other": "非亲属",
}
_RELATIONSHIP_SYNONYMS = {
    "本人": "head",
    "妻": "spouse",
    "妻子": "spouse",
    "夫": "spouse",
    "丈夫": "spouse",
    "子": "child",
    "女": "child",
    "儿子": "child",
    "女儿": "child",
    "长子": "child",
    "长女": "child",
    "次子": "child",
    "次女": "child",
    "父亲": "parent",
    "母亲": "parent",
    "孙子": "grandchild",
    "孙女": "grandchild",
    "外孙子": "grandchild",
    "外孙女": "grandchild",
    "祖父": "grandparent",
    "祖母": "grandparent",
    "外祖父": "grandparent",
    "外祖母": "grandparent",
    "兄": "sibling",
    "弟": "sibling",
    "姐": "sibling",
    "妹": "sibling",
    "儿媳": "child_in_law",
    "女婿": "child_in_law",
    "亲属": "relative",
    "其他": "other",
}
LANGUAGE_WORDS = {
    "zh": "普通话",
    "ug": "维吾尔语",
    "bo": "藏语",
    "mn": "蒙古语",
    "ko": "朝鲜语",
    "dialect": "方言",
    "sign": "手语",
    "other": "其他语言",
}
_LANGUAGE_SYNONYMS = {"汉语": "zh", "国语": "zh", "韩语": "ko", "维语": "ug", "其他": "other"}
ETHNICITY_NAMES = dict(ETHNICITIES)
SEX_WORDS = {"M": "男", "F": "女"}
STATUS_WORDS = {"active": "在住", "moved_out": "迁出", "deceased": "死亡"}


def _vocabulary(words: dict[str, str], synonyms: dict[str, str], choices) -> dict[str, str]:
    """Spelling → code: codes, Chinese words, synonyms, and the labels in English."""
    found = {code: code for code in words}
    found.update({word: code for code, word in words.items()})
    found.update(synonyms)
    with translation.override("en"):
        found.update({str(label).lower(): code for code, label in choices})
    return found


@lru_cache(maxsize=1)
def _vocabularies() -> tuple[dict, dict, dict]:
    return (
        _vocabulary(RESIDENCE_WORDS, {}, Household.ResidenceType.choices),
        _vocabulary(RELATIONSHIP_WORDS, _RELATIONSHIP_SYNONYMS, Resident.Relationship.choices),
        _vocabulary(LANGUAGE_WORDS, _LANGUAGE_SYNONYMS, Resident.Language.choices),
    )


def _spelled(value: str, vocabulary: dict[str, str]) -> str | None:
    """The code a cell spells, '' for an empty cell, None when it spells nothing known."""
    if not value:
        return ""
    return vocabulary.get(value) or vocabulary.get(value.lower())


def columns() -> list[Column]:
    """The columns with their notes in the current language."""
    return [dataclasses.replace(c, note=str(c.note)) for c in COLUMNS]


def template_xlsx() -> bytes:
    """The blank template: Chinese headers (required ones starred), text-formatted cells so
    ID numbers keep every digit, and a second sheet of notes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "居民"
    sheet.append([c.label + ("*" if c.required else "") for c in COLUMNS])
    for index, col in enumerate(COLUMNS, start=1):
        sheet.cell(1, index).font = Font(bold=True)
        letter = sheet.cell(1, index).column_letter
        sheet.column_dimensions[letter].width = max(12, len(col.label) * 2 + 6)
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(_("Instructions")[:31])
    notes.append([_("Column"), _("Key"), _("Required"), _("Notes")])
    for col in columns():
        notes.append([col.label, col.key, _("yes") if col.required else _("no"), col.note])
    notes.append([])
    for line in _template_rules():
        notes.append([line])
    notes.column_dimensions["D"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _template_rules() -> list[str]:
    return [
        _("One resident per row; the rows of one household repeat its columns."),
        _(
            "A household is found by community, building, unit and room, or by community and "
            "address when there is no building; it is created when it does not exist."
        ),
        _(
            "Every row is checked before anything is written; nothing is written if any row is wrong."
        ),
        _("Importing the same file again changes nothing."),
        _("Empty cells of a resident who is already registered keep what is recorded."),
    ]


def template_csv() -> bytes:
    header = ",".join(c.label + ("*" if c.required else "") for c in COLUMNS)
    return ("\ufeff" + header + "\r\n").encode("utf-8")
