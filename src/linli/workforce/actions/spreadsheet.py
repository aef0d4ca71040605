"""The worker spreadsheet (import, export, template): its columns with Chinese headers, the
words offices write in them (with the synonyms seen in practice) and the stored values they
stand for, and the reading of one row's cells into typed values.

The first word of each value is the one an export writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import tabular
from linli.core.cleaning import Errors, line
from linli.core.errors import ActionError
from linli.core.tabular import Column
from linli.registry.identity import clean_id_number

from ..models import Certificate, Worker
from . import workers as w

COLUMNS = [
    Column("name", "姓名", True, "", gettext_lazy("at most 50 characters")),
    Column(
        "id_number",
        "身份证号",
        False,
        "",
        gettext_lazy("18 characters; finds the worker again. A masked number (with *) is kept"),
    ),
    Column("phone", "手机号", False, "", gettext_lazy("11-digit mobile number")),
    Column("gender", "性别", False, "", gettext_lazy("男 or 女; read from the ID number if given")),
    Column(
        "birth_date",
        "出生日期",
        False,
        "",
        gettext_lazy("e.g. 1985-03-01; read from the ID number"),
    ),
    Column(
        "community_code",
        "社区代码",
        False,
        "",
        gettext_lazy("12-digit code of the community or village; or give 社区名称"),
    ),
    Column(
        "community_name",
        "社区名称",
        False,
        "",
        gettext_lazy("the name of one of your communities, when there is no code"),
    ),
    Column("post", "岗位类型", True, "", gettext_lazy("两委成员, 专职社工岗, 网格员 or 其他")),
    Column(
        "committee_role",
        "两委职务",
        False,
        "",
        gettext_lazy("书记, 主任, 一肩挑, 副书记, 副主任 or 委员 (两委成员 only); 无 clears it"),
    ),
    Column(
        "level",
        "岗位等级",
        False,
        "",
        gettext_lazy("a level of the ladder that applies, by name or code, e.g. 一岗一级"),
    ),
    Column("party_member", "是否党员", False, "", gettext_lazy("是 or 否")),
    Column(
        "education",
        "学历",
        False,
        "",
        gettext_lazy("初中及以下, 高中, 中专, 大专, 本科 or 硕士及以上"),
    ),
    Column("social_work_major", "社会工作专业", False, "", gettext_lazy("是 or 否")),
    Column("hired_on", "入职日期", True, "", gettext_lazy("e.g. 2020-05-01")),
    Column("left_on", "离职日期", False, "", gettext_lazy("e.g. 2025-12-31; empty while in post")),
    Column(
        "certificate_level",
        "证书等级",
        False,
        "",
        gettext_lazy("助理社工师, 社工师 or 高级社工师"),
    ),
    Column("certificate_number", "证书编号", False, "", gettext_lazy("at most 50 characters")),
    Column(
        "certificate_obtained_on",
        "取证日期",
        False,
        "",
        gettext_lazy("e.g. 2019-06-20; required with a certificate level"),
    ),
]
LABELS = {c.key: c.label for c in COLUMNS}
# An action's field → the column its message belongs to.
FIELD_COLUMNS = {
    "level_id": "level",
    "community": "community_code",
    "number": "certificate_number",
    "obtained_on": "certificate_obtained_on",
}

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")


P, R, E, L = Worker.Post, Worker.CommitteeRole, Worker.Education, Certificate.Level

POST_NAMES = {
    P.COMMITTEE: ["两委成员", "社区两委成员", "两委", "村两委成员", "committee"],
    P.SOCIAL_WORK: ["专职社工岗", "专职社工", "社工岗", "专职社区工作者", "social_work"],
    P.GRID: ["网格员", "专职网格员", "grid"],
    P.OTHER: ["其他", "其它", "other"],
}
ROLE_NAMES = {
    R.SECRETARY: ["书记", "党组织书记", "党委书记", "党总支书记", "党支部书记", "secretary"],
    R.DIRECTOR: ["主任", "居委会主任", "村委会主任", "director"],
    R.BOTH: ["一肩挑", "书记兼主任", "书记、主任一肩挑", "书记主任一肩挑", "both"],
    R.DEPUTY_SECRETARY: ["副书记", "deputy_secretary"],
    R.DEPUTY_DIRECTOR: ["副主任", "deputy_director"],
    R.MEMBER: ["委员", "两委委员", "member"],
    R.NONE: ["无", "没有", "none", "-", "—"],
}
EDUCATION_NAMES = {
    E.JUNIOR: ["初中及以下", "初中", "小学", "junior"],
    E.SENIOR: ["高中", "普通高中", "senior"],
    E.VOCATIONAL: ["中专", "中职", "职高", "技校", "vocational"],
    E.COLLEGE: ["大专", "专科", "大学专科", "高职", "college"],
    E.BACHELOR: ["本科", "大学本科", "学士", "bachelor"],
    E.MASTER: ["硕士及以上", "硕士", "研究生", "博士", "硕士研究生", "博士研究生", "master"],
}
GENDER_NAMES = {
    Worker.Gender.MALE: ["男", "m", "male"],
    Worker.Gender.FEMALE: ["女", "f", "female"],
}
CERTIFICATE_NAMES = {
    L.ASSISTANT: ["助理社工师", "助理社会工作师", "assistant"],
    L.SOCIAL_WORKER: ["社工师", "社会工作师", "中级社工师", "中级社会工作师", "social_worker"],
    L.SENIOR: ["高级社工师", "高级社会工作师", "senior"],
}
YES_WORDS = {
    "是",
    "有",
    "党员",
    "中共党员",
    "中共预备党员",
    "预备党员",
    "y",
    "yes",
    "true",
    "1",
    "√",
}
NO_WORDS = {"否", "无", "非党员", "群众", "团员", "共青团员", "n", "no", "false", "0", "×"}
YES, NO = "是", "否"


def _lookup(names: dict) -> dict[str, str]:
    return {word.lower(): str(value) for value, words in names.items() for word in words}


POST_WORDS = _lookup(POST_NAMES)
ROLE_WORDS = _lookup(ROLE_NAMES)
EDUCATION_WORDS = _lookup(EDUCATION_NAMES)
GENDER_WORDS = _lookup(GENDER_NAMES)
CERTIFICATE_WORDS = _lookup(CERTIFICATE_NAMES)


def word_for(names: dict, value: str) -> str:
    """The word an export writes for a stored value ("" for none)."""
    words = names.get(value)
    return words[0] if words and value else ""


def import_columns() -> list[Column]:
    """The columns with their notes in the current language (templates, pages, reports)."""
    return [dataclasses.replace(c, note=str(c.note)) for c in COLUMNS]


def workers_template() -> bytes:
    """The blank import template (.xlsx, with a sheet of notes)."""
    return tabular.template_xlsx("社区工作者", import_columns())


# --- reading cells ---------------------------------------------------------------------------


def _parse_date(errors: Errors, key: str, text: str) -> dt.date | None:
    """2026-01-01, 2026/1/1, 2026.1.1, 2026年1月1日, 20260101 (and xlsx date-times)."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        match = _DATE_RE.match(text)
        if match:
            return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        pass
    errors.add(key, _("Enter a date as YYYY-MM-DD."))
    return None


def _word(errors: Errors, key: str, text: str, words: dict[str, str], message) -> str | None:
    value = words.get(text.replace(" ", "").lower())
    if value is None:
        errors.add(key, message)
    return value


def _yes_no(errors: Errors, key: str, text: str) -> bool | None:
    word = text.replace(" ", "").lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    errors.add(key, _("Write 是 or 否."))
    return None


def _masked(text: str) -> bool:
    return "*" in text


def given_values(errors: Errors, row: dict[str, str]) -> dict:
    """The typed values of a row's non-empty cells (masked numbers left out)."""
    given: dict = {}
    cell = {key: str(row.get(key, "") or "").strip() for key in LABELS}
    given["name"] = line(errors, "name", cell["name"], max_length=w.NAME_MAX, required=True)
    if cell["id_number"] and not _masked(cell["id_number"]):
        try:
            given["id_number"] = clean_id_number(cell["id_number"]).number
        except ActionError as exc:
            errors.add("id_number", exc.message)
    if cell["phone"] and not _masked(cell["phone"]):
        given["phone"] = w.clean_phone(errors, cell["phone"])
    words = {
        "gender": (GENDER_WORDS, _("Write 男 or 女.")),
        "post": (POST_WORDS, _("Write 两委成员, 专职社工岗, 网格员 or 其他.")),
        "committee_role": (ROLE_WORDS, _("Write 书记, 主任, 一肩挑, 副书记, 副主任, 委员 or 无.")),
        "education": (
            EDUCATION_WORDS,
            _("Write 初中及以下, 高中, 中专, 大专, 本科 or 硕士及以上."),
        ),
    }
    for key, (vocabulary, message) in words.items():
        if cell[key]:
            value = _word(errors, key, cell[key], vocabulary, message)
            if value is not None:
                given[key] = value
    if not cell["post"]:
        errors.add("post", _("Please fill this in."))
    for key in ("party_member", "social_work_major"):
        if cell[key]:
            value = _yes_no(errors, key, cell[key])
            if value is not None:
                given[key] = value
    for key in ("birth_date", "hired_on", "left_on"):
        if cell[key]:
            value = _parse_date(errors, key, cell[key])
            if value is not None:
                given[key] = value
    if not cell["hired_on"]:
        errors.add("hired_on", _("Please fill this in."))
    if cell["level"]:
        given["level"] = cell["level"]
    given["certificate"] = _certificate(errors, cell)
    given["_cells"] = cell
    return given


def _certificate(errors: Errors, cell: dict[str, str]) -> dict | None:
    level_text = cell["certificate_level"]
    if not level_text:
        if cell["certificate_number"] or cell["certificate_obtained_on"]:
            errors.add("certificate_level", _("Give the level of this certificate."))
        return None
    level = _word(
        errors,
        "certificate_level",
        level_text,
        CERTIFICATE_WORDS,
        _("Write 助理社工师, 社工师 or 高级社工师."),
    )
    number = line(
        errors,
        "certificate_number",
        cell["certificate_number"],
        max_length=w.NUMBER_MAX,
        required=False,
    )
    obtained = None
    if cell["certificate_obtained_on"]:
        obtained = _parse_date(errors, "certificate_obtained_on", cell["certificate_obtained_on"])
        if obtained is not None and obtained > w.today():
            errors.add("certificate_obtained_on", _("This date is in the future."))
        elif obtained is not None and obtained < w.CERTIFICATES_FROM:
            errors.add("certificate_obtained_on", _("This date is too far in the past."))
    else:
        errors.add("certificate_obtained_on", _("Give the date the certificate was obtained."))
    if level is None or obtained is None:
        return None
    return {"level": level, "number": number, "obtained_on": obtained}
