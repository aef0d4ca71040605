"""The visit policy every county starts with (the rows ``care_policy_defaults`` writes).

All five plans ask that every special-difficulty elderly person (特殊困难老年人) is visited at
least once a month, and weekly when they are at high risk; severely disabled people (重度残疾人)
and children in care groups (农村留守儿童, 困境儿童) are visited on the same terms.

Disability grades: the registry records a disability membership's kind and grade together, as
the disability certificate (残疾人证) writes them — ``肢体一级``, ``视力二级``, or simply ``一级``.
Grades one and two are the severe disabilities (重度残疾), so the built-in row lists ``一级`` and
``二级``; a recorded grade counts when it is one of the listed grades or ends with one
(``肢体一级`` ends with ``一级``).
"""

from __future__ import annotations

from .models import Frequency, Policy

SEVERE_DISABILITY_GRADES = ("一级", "二级")

# (tag code, visit kind, frequency, frequency at high risk, only these grades)
BUILTIN_POLICY = [
    ("special_elderly", Policy.Kind.ELDERLY, Frequency.MONTHLY, Frequency.WEEKLY, ()),
    (
        "disability",
        Policy.Kind.DISABILITY,
        Frequency.MONTHLY,
        Frequency.WEEKLY,
        SEVERE_DISABILITY_GRADES,
    ),
    ("left_behind_child", Policy.Kind.CHILD, Frequency.MONTHLY, Frequency.WEEKLY, ()),
    ("child_in_difficulty", Policy.Kind.CHILD, Frequency.MONTHLY, Frequency.WEEKLY, ()),
]


def grade_matches(grade: str, grades) -> bool:
    """Does a recorded grade meet a policy row's grades? Every grade does when none are listed;
    else the grade must be one of them or end with one (``肢体一级`` meets ``一级``)."""
    if not grades:
        return True
    grade = (grade or "").strip()
    return bool(grade) and any(grade == g or grade.endswith(g) for g in grades)
