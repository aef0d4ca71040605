"""How the dashboard pages show values and statuses (rounded, with their unit; a status in
words and icon, never by its colour alone), and the charts' data that dashboard.js draws."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from ...models import Target
from ...queries.status import Status

__all__ = [
    "COLOURS",
    "ICONS",
    "ORDER",
    "children_chart",
    "drill_chart",
    "number",
    "plain",
    "rounded",
    "shown",
    "status_shown",
    "target_text",
    "trend_chart",
    "with_unit",
]

ORDER = (Status.MET, Status.AT_RISK, Status.NOT_MET, Status.NO_DATA)
ICONS = {Status.MET: "✓", Status.AT_RISK: "!", Status.NOT_MET: "✗", Status.NO_DATA: "–"}
# What the charts colour each status with (the site's own ok / warn / bad, and grey).
COLOURS = {
    Status.MET: "#2f7d4f",
    Status.AT_RISK: "#b7860b",
    Status.NOT_MET: "#b3261e",
    Status.NO_DATA: "#8a96a3",
}


def _rounded(value, decimals: int) -> Decimal:
    step = Decimal(1).scaleb(-max(0, int(decimals)))
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


def number(value, decimals: int) -> str:
    """``value`` rounded to ``decimals`` places, with thousands separated; "—" for none."""
    if value is None:
        return "—"
    return f"{_rounded(value, decimals):,.{max(0, int(decimals))}f}"


def rounded(value, decimals: int) -> float | None:
    """``value`` as the charts draw it: rounded as the tables show it."""
    return None if value is None else float(_rounded(value, decimals))


def with_unit(text: str, unit: str) -> str:
    if text == "—":
        return text
    if unit == "percent":
        return f"{text}%"
    if unit == "square_metres":
        return _("%(value)s m²") % {"value": text}
    if unit == "hours":
        return _("%(value)s h") % {"value": text}
    if unit == "persons":
        return _("%(value)s persons") % {"value": text}
    return text


def shown(value, unit: str, decimals: int) -> str:
    """A value with its unit, as tiles and tables show it."""
    return with_unit(number(value, decimals), unit)


def plain(value) -> str:
    """A target or a count without trailing zeros (30, 2.6, 1,200)."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral():
        return f"{value.quantize(Decimal(1)):,}"
    return f"{value.normalize():,f}"


def target_text(target: Target, unit: str) -> str:
    """The target as the plans write it: "≥ 30 m²"."""
    op = dict(Target.Op.choices).get(target.op, target.op)
    return f"{op} {with_unit(plain(target.value), unit)}"


def status_shown(status) -> dict:
    """A status as every page shows it: its words and its icon (never its colour alone)."""
    status = Status(str(status))
    return {"key": status.value, "label": status.label, "icon": ICONS[status]}


# --- the charts -----------------------------------------------------------------------------------


def children_chart(rows: list[dict]) -> dict:
    """What dashboard.js draws: for every area below, how many targets it has in each status,
    and where it opens."""
    return {
        "kind": "children",
        "names": [row["name"] for row in rows],
        "urls": [row["url"] for row in rows],
        "statuses": [
            {
                "key": s.value,
                "label": str(s.label),
                "colour": COLOURS[s],
                "values": [row["counts"][s.value] for row in rows],
            }
            for s in ORDER
        ],  # fmt: skip
        "text": {"targets": _("Targets")},
    }


def drill_chart(drill, rows: list[dict]) -> dict:
    """What dashboard.js draws: the value of every area below against the target line."""
    return {
        "kind": "drill",
        "names": [row["name"] for row in rows],
        "urls": [row["url"] for row in rows],
        "values": [row["number"] for row in rows],
        "colours": [COLOURS[Status(row["status"]["key"])] for row in rows],
        "statuses": [str(row["status"]["label"]) for row in rows],
        "target": float(drill.target.value),
        "unit": drill.indicator.unit,
        "label": drill.label,
        "text": {"target": _("Plan target")},
    }


def trend_chart(points: list, columns: list[dict]) -> dict:
    """What dashboard.js draws: a line per target over the snapshots and the live values."""
    return {
        "kind": "trend",
        "labels": [p.label for p in points],
        "targets": [
            {
                "id": c["target"].pk,
                "label": str(c["label"]),
                "unit": c["unit"],
                "target": float(c["target"].value),
                "values": [
                    rounded(p.cells[c["target"].pk][0].value, c["decimals"]) for p in points
                ],
            }
            for c in columns
        ],  # fmt: skip
        "text": {"target": _("Plan target")},
    }
