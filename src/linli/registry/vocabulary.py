"""The built-in group vocabulary (特殊人群标签) that every county starts with.

Codes are stable identifiers; names are the terms of the plans and of civil-affairs ledgers.
Sensitive groups name the roles that may see who is in them: building and unit heads, who are
neighbours, never do.
"""

from __future__ import annotations

_CARE = ["grid_worker", "community_worker", "community_head", "town_officer", "county_officer"]
_STRICT = ["community_head", "town_officer", "county_officer"]

# (code, name, parent, sensitive roles or None, has_grade, has ledger)
BUILTIN_TAGS = [
    ("special_elderly", "特殊困难老年人", None, None, False, True),
    ("special_elderly.living_alone", "独居老人", "special_elderly", None, False, False),
    ("special_elderly.empty_nest", "空巢老人", "special_elderly", None, False, False),
    ("special_elderly.left_behind", "留守老人", "special_elderly", None, False, False),
    ("special_elderly.disabled", "失能、半失能老人", "special_elderly", _CARE, True, False),
    ("special_elderly.advanced_age", "高龄老人", "special_elderly", None, False, False),
    ("special_elderly.fp_family", "计划生育特殊家庭老人", "special_elderly", _CARE, False, False),
    ("disability", "残疾人", None, _CARE, True, True),
    ("dibao", "最低生活保障对象（低保）", None, _CARE, False, True),
    ("tekun", "特困供养人员", None, _CARE, False, True),
    ("low_income", "低保边缘家庭成员", None, _CARE, False, False),
    ("left_behind_child", "农村留守儿童", None, _CARE, False, True),
    ("child_in_difficulty", "困境儿童", None, _CARE, True, True),
    ("orphan", "孤儿及事实无人抚养儿童", None, _CARE, False, False),
    ("veteran", "退役军人", None, None, False, True),
    ("entitled_group", "重点优抚对象", None, None, True, False),
    ("unemployed", "登记失业人员", None, None, False, False),
    ("employment_difficulty", "就业困难人员", None, _CARE, False, False),
    ("domestic_violence", "家庭暴力受害人", None, _STRICT, False, False),
    ("community_correction", "社区矫正对象", None, _STRICT, False, False),
    ("released_prisoner", "刑满释放人员", None, _STRICT, False, False),
    ("mental_rehab", "精神障碍康复者", None, _STRICT + ["grid_worker"], True, False),
    ("drug_rehab", "社区戒毒康复人员", None, _STRICT, False, False),
    ("party_member", "党员", None, None, False, False),
    ("pregnant", "孕产妇", None, _CARE, False, False),
    ("infant", "0—3岁婴幼儿", None, None, False, False),
]


def builtin_rows() -> list[dict]:
    rows = []
    for sort, (code, name, parent, roles, has_grade, ledger) in enumerate(BUILTIN_TAGS):
        rows.append(
            {
                "code": code,
                "name": name,
                "parent_id": parent,
                "sensitive": roles is not None,
                "visible_roles": sorted(roles) if roles else [],
                "has_grade": has_grade,
                "ledger": ledger,
                "builtin": True,
                "sort": (sort + 1) * 10,
            }
        )
    return rows
