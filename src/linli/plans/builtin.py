"""The built-in catalogue: the indicators and the five plan templates the product ships.

The files live in ``plans/catalogue/``:

- ``seed-plans.yaml``: the five plans reduced to their measurable targets (the indicators, with
  their Chinese names, units, scopes and formulas; each plan's jurisdiction, horizon, section,
  targets, 2020 baselines and other targets);
- ``tasks-<template key>.yaml``: each plan's task table (任务分工) transcribed from its text.

:func:`load` reads and checks them (an unknown indicator, a bad operator, a task number used
twice … is a :class:`CatalogueError` naming every problem) and returns plain specs;
:func:`linli.plans.actions.catalogue.catalogue_install` writes them. Built-in indicators get an
English label here (:data:`LABELS`, translated to the Chinese name of the yaml); their stored
``name`` is that Chinese name.

Rules that are not in the files:

- the template key of each seed (:data:`TEMPLATE_KEYS`); every template runs from 2021 to its
  horizon and is in force;
- the reported indicators (:data:`REPORTED`: their source apps do not exist yet); every other
  indicator is computed by the engine function of the same key. An indicator taken out of
  :data:`REPORTED` becomes computed in an existing database when the catalogue is next
  installed (after every migrate); the values reported for it are kept as records, no longer
  counted;
- the factor of a ratio: 100 for a percentage, 1 otherwise (an average per community, or a
  figure the engine computes in its unit); one decimal, none for a head count
  (:data:`NO_DECIMALS`); a head count in total is a sum (:data:`TOTALS`);
- ``facility_area_per_100_households`` applies to each community (:data:`PER_COMMUNITY`);
- a baseline in ``baseline_2020`` applies to the plan's target for that indicator (baseline
  year 2020); baselines of things the plan sets no target for (volunteer teams, volunteers …)
  are facts of the text, not targets, and are not loaded.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml
from django.utils.translation import gettext_lazy as _

from linli.core import areacodes
from linli.core.areacodes import Level

from .models import Indicator, Plan, PlanTask, Scope, Target, Unit

__all__ = [
    "CATALOGUE_DIR",
    "LABELS",
    "REPORTED",
    "TEMPLATE_KEYS",
    "Catalogue",
    "CatalogueError",
    "IndicatorSpec",
    "TargetSpec",
    "TaskSpec",
    "TemplateSpec",
    "builtin_keys",
    "catalogue",
    "label",
    "load",
]

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
SEED_FILE = "seed-plans.yaml"
TASK_FILES = "tasks-*.yaml"

# Seed file → template key (Plan.template_key), in the order of the seeds.
TEMPLATE_KEYS = {
    "000_22481c4d5d65b51b.txt": "changji",
    "001_b43ef88aa1c208cc.txt": "kashi",
    "002_19152feb45b12801.txt": "dingzhou",
    "003_83b2b1ea63c1ec63.txt": "diqing",
    "004_8030d9a10deced4d.txt": "xian_qu",
}
START_YEAR = 2021
BASELINE_YEAR = 2020
LAST_YEAR = 2100

REPORTED = frozenset(
    {
        "social_orgs_per_urban_community",
        "social_orgs_per_rural_community",
        "fitness_circle_15min_coverage_urban",
        "satisfaction_survey_coverage",
    }
)
PER_COMMUNITY = frozenset({"facility_area_per_100_households"})
NO_DECIMALS = frozenset({"social_work_talent_total"})
TOTALS = frozenset({"social_work_talent_total"})

# The English label of each built-in indicator (its Chinese is the yaml's ``zh`` name).
LABELS = {
    "facility_coverage": _("Coverage of community service facilities (urban and rural)"),
    "facility_coverage_urban": _("Coverage of community service facilities in urban communities"),
    "facility_coverage_rural": _("Coverage of community service facilities in villages"),
    "new_facility_area_ratio": _(
        "Share of commercial and service facility floor area in new communities"
    ),
    "facility_area_per_100_households": _("Service facility floor area per 100 households"),
    "activity_area_ratio": _("Share of resident activity space in service facility floor area"),
    "self_service_coverage_urban": _(
        "Coverage of government self-service terminals in urban communities"
    ),
    "workers_per_10k_urban": _("Community workers per 10,000 urban residents"),
    "social_work_talent_total": _("Social work professionals in total"),
    "worker_training_coverage": _("Training coverage of community workers"),
    "day_care_coverage_urban": _("Coverage of day-care centres in urban communities"),
    "certified_social_workers_per_urban_community": _(
        "Certified social workers per urban community"
    ),
    "special_elderly_monthly_visit_rate": _(
        "Monthly visit rate of elderly people in special difficulty"
    ),
    "social_work_station_coverage": _("Coverage of social work stations in towns and streets"),
    "social_orgs_per_urban_community": _("Community social organisations per urban community"),
    "social_orgs_per_rural_community": _("Community social organisations per village"),
    "disaster_officer_coverage": _(
        "Coverage of disaster information officers in communities and villages"
    ),
    "volunteer_team_coverage": _("Coverage of volunteer teams led by Party members"),
    "fitness_circle_15min_coverage_urban": _(
        "Coverage of the 15-minute fitness circle in urban communities"
    ),
    "satisfaction_survey_coverage": _(
        "Coverage of resident satisfaction surveys in communities and villages"
    ),
    "facility_daily_open_hours": _("Daily opening hours of community service facilities"),
}

# Definitions of the indicators the yaml gives no formula for (reported averages).
DEFINITIONS = {
    "social_orgs_per_urban_community": (
        "community social organisations in urban communities / urban communities"
    ),
    "social_orgs_per_rural_community": "community social organisations in villages / villages",
}

# The definitions of the built-in indicators in the reader's language (the English is the
# formula of seed-plans.yaml, or of DEFINITIONS): what the pages show for a built-in one.
TRANSLATED_DEFINITIONS = {
    "facility_coverage": _(
        "communities (社区 and 村) with at least one comprehensive service facility / all communities"
    ),
    "facility_coverage_urban": _(
        "urban communities with a comprehensive service facility / urban communities"
    ),
    "facility_coverage_rural": _("villages with a comprehensive service facility / villages"),
    "new_facility_area_ratio": _(
        "for communities built in the plan period, commercial + comprehensive service facility floor area / total residential floor area"
    ),
    "facility_area_per_100_households": _(
        "comprehensive service facility floor area / households * 100, per community; the target applies to each community"
    ),
    "activity_area_ratio": _("resident activity area / comprehensive service facility floor area"),
    "self_service_coverage_urban": _(
        "urban communities with a government self-service terminal / urban communities"
    ),
    "workers_per_10k_urban": _(
        "community workers in urban communities / urban resident population * 10000"
    ),
    "social_work_talent_total": _(
        "count of workers holding a social work qualification or in a social work post"
    ),
    "worker_training_coverage": _(
        "community workers trained within their required cycle / community workers"
    ),
    "day_care_coverage_urban": _(
        "urban communities with an elderly day-care facility / urban communities"
    ),
    "certified_social_workers_per_urban_community": _(
        "certified social workers (社工师 or 助理社工师 certificate) in urban communities / urban communities"
    ),
    "special_elderly_monthly_visit_rate": _(
        "special-difficulty elderly residents visited at least once in the month / special-difficulty elderly residents"
    ),
    "social_work_station_coverage": _(
        "towns and streets with a social work station / towns and streets"
    ),
    "social_orgs_per_urban_community": _(
        "community social organisations in urban communities / urban communities"
    ),
    "social_orgs_per_rural_community": _("community social organisations in villages / villages"),
    "disaster_officer_coverage": _(
        "communities with at least one disaster information officer / communities"
    ),
    "volunteer_team_coverage": _("communities with at least one volunteer team / communities"),
    "fitness_circle_15min_coverage_urban": _(
        "urban residents within 15 minutes' walk of a fitness facility / urban residents"
    ),
    "satisfaction_survey_coverage": _(
        "communities with a satisfaction survey in the year / communities"
    ),
    "facility_daily_open_hours": _(
        "minimum over communities of the facility's scheduled opening hours per day"
    ),
}

REPORT_LEVELS = {"community": Level.COMMUNITY, "town": Level.TOWN, "county": Level.COUNTY}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
VALUE_MAX = Decimal("9999999999")


def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


class CatalogueError(ValueError):
    """The shipped files are not a valid catalogue; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    name: str
    definition: str
    unit: str
    scope: str
    source: str
    function: str
    aggregation: str
    factor: Decimal
    decimals: int

    def fields(self) -> dict:
        """The Indicator columns this spec sets."""
        return {
            "name": self.name,
            "definition": self.definition,
            "unit": self.unit,
            "scope": self.scope,
            "source": self.source,
            "function": self.function,
            "aggregation": self.aggregation,
            "factor": self.factor,
            "decimals": self.decimals,
        }


@dataclass(frozen=True)
class TargetSpec:
    indicator: str
    op: str
    value: Decimal
    binding: bool
    due_year: int
    baseline: Decimal | None
    baseline_year: int | None
    per_community: bool
    note: str
    position: int

    def fields(self) -> dict:
        return {
            "op": self.op,
            "value": self.value,
            "binding": self.binding,
            "due_year": self.due_year,
            "baseline": self.baseline,
            "baseline_year": self.baseline_year,
            "per_community": self.per_community,
            "at_risk_margin": None,
            "note": self.note,
            "position": self.position,
        }


@dataclass(frozen=True)
class TaskSpec:
    group: str
    number: str
    title: str
    requirement: str
    lead_units: str
    co_units: str
    report_level: int
    frequency: str
    due_month: int
    due_day: int
    first_year: int
    last_year: int
    position: int

    def fields(self) -> dict:
        return {
            "group": self.group,
            "title": self.title,
            "requirement": self.requirement,
            "lead_units": self.lead_units,
            "co_units": self.co_units,
            "report_level": self.report_level,
            "frequency": self.frequency,
            "due_month": self.due_month,
            "due_day": self.due_day,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "position": self.position,
        }


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    area_code: str
    area_name: str
    province: str
    title: str
    start_year: int
    end_year: int
    section: str
    other_targets: tuple[str, ...]
    source_document: str
    targets: tuple[TargetSpec, ...]
    tasks: tuple[TaskSpec, ...]

    def fields(self) -> dict:
        """The Plan columns of the template."""
        return {
            "area_code": self.area_code,
            "title": self.title,
            "start_year": self.start_year,
            "end_year": self.end_year,
            "status": Plan.Status.ACTIVE,
            "section": self.section,
            "other_targets": list(self.other_targets),
            "source_document": self.source_document,
        }


@dataclass(frozen=True)
class Catalogue:
    indicators: tuple[IndicatorSpec, ...]
    templates: tuple[TemplateSpec, ...]

    def indicator(self, key: str) -> IndicatorSpec | None:
        return next((spec for spec in self.indicators if spec.key == key), None)

    def template(self, key: str) -> TemplateSpec | None:
        return next((spec for spec in self.templates if spec.key == key), None)


# --- reading ------------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.found.append(f"{where}: {message}")


def _text(problems, where, value, *, max_length: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(where, "must be text")
        return ""
    text = value.strip()
    if required and not text:
        problems.add(where, "is missing")
    if len(text) > max_length:
        problems.add(where, f"is longer than {max_length} characters")
    return text


def _number(problems, where, value, *, unit: str | None = None) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.add(where, "must be a number")
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        problems.add(where, "must be a number")
        return None
    if not number.is_finite() or number < 0 or number > VALUE_MAX:
        problems.add(where, "must be a finite number from 0")
        return None
    if unit == Unit.PERCENT and number > 100:
        problems.add(where, "is a percentage above 100")
    return number


def _year(problems, where, value, *, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(where, f"must be a year from {low} to {high}")
        return None
    return value


def _indicators(problems: _Problems, raw) -> tuple[IndicatorSpec, ...]:
    if not isinstance(raw, dict) or not raw:
        problems.add(SEED_FILE, "has no indicators")
        return ()
    specs = []
    for key, item in raw.items():
        where = f"{SEED_FILE} indicator {key}"
        if not isinstance(key, str) or not KEY_RE.match(key) or len(key) > _max(Indicator, "key"):
            problems.add(where, "has a bad key")
            continue
        if not isinstance(item, dict):
            problems.add(where, "must be a mapping")
            continue
        unknown = set(item) - {"zh", "unit", "scope", "formula"}
        if unknown:
            problems.add(where, f"has unknown fields {sorted(unknown)}")
        unit = item.get("unit")
        if unit not in Unit.values:
            problems.add(where, f"has an unknown unit {unit!r}")
        scope = item.get("scope", Scope.ALL)
        if scope not in Scope.values:
            problems.add(where, f"has an unknown scope {scope!r}")
        if key not in LABELS:
            problems.add(where, "has no English label")
        name = _text(problems, f"{where} zh", item.get("zh"), max_length=_max(Indicator, "name"))
        formula = _text(
            problems, f"{where} formula", item.get("formula"), max_length=2000, required=False
        )
        reported = key in REPORTED
        specs.append(
            IndicatorSpec(
                key=key,
                name=name,
                definition=formula or DEFINITIONS.get(key, ""),
                unit=unit,
                scope=scope,
                source=Indicator.Source.REPORTED if reported else Indicator.Source.COMPUTED,
                function="" if reported else key,
                aggregation=(
                    Indicator.Aggregation.TOTAL if key in TOTALS else Indicator.Aggregation.RATIO
                ),
                factor=Decimal(100) if unit == Unit.PERCENT else Decimal(1),
                decimals=0 if key in NO_DECIMALS else 1,
            )
        )
    for key in sorted(set(LABELS) - {spec.key for spec in specs}):
        problems.add(SEED_FILE, f"labels an indicator it does not define: {key}")
    for key in sorted((REPORTED | PER_COMMUNITY) - {spec.key for spec in specs}):
        problems.add(SEED_FILE, f"has no indicator {key}")
    return tuple(specs)


def _targets(problems, where, raw, *, units: dict, horizon: int, baselines: dict):
    if not isinstance(raw, list) or not raw:
        problems.add(where, "has no targets")
        return ()
    specs: list[TargetSpec] = []
    seen: set[str] = set()
    for position, item in enumerate(raw):
        at = f"{where} target {position + 1}"
        if not isinstance(item, dict):
            problems.add(at, "must be a mapping")
            continue
        unknown = set(item) - {"indicator", "op", "value", "binding", "due", "note"}
        if unknown:
            problems.add(at, f"has unknown fields {sorted(unknown)}")
        key = item.get("indicator")
        if key not in units:
            problems.add(at, f"names an unknown indicator {key!r}")
            continue
        if key in seen:
            problems.add(at, f"sets {key} a second time")
        seen.add(key)
        op = item.get("op")
        if op not in Target.Op.values:
            problems.add(at, f"has a bad operator {op!r}")
        value = _number(problems, f"{at} value", item.get("value"), unit=units[key])
        binding = item.get("binding", False)
        if not isinstance(binding, bool):
            problems.add(at, "binding must be true or false")
        due = _year(problems, f"{at} due", item.get("due", horizon), low=START_YEAR, high=horizon)
        note = _text(
            problems,
            f"{at} note",
            item.get("note"),
            max_length=_max(Target, "note"),
            required=False,
        )
        baseline = None
        if key in baselines:
            baseline = _number(problems, f"{where} baseline {key}", baselines[key], unit=units[key])
        specs.append(
            TargetSpec(
                indicator=key,
                op=op,
                value=value if value is not None else Decimal(0),
                binding=binding is True,
                due_year=due or horizon,
                baseline=baseline,
                baseline_year=BASELINE_YEAR if baseline is not None else None,
                per_community=key in PER_COMMUNITY,
                note=note,
                position=position,
            )
        )
    return tuple(specs)


def _plans(problems: _Problems, raw, units: dict) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        problems.add(SEED_FILE, "has no plans")
        return []
    found = []
    for index, item in enumerate(raw):
        where = f"{SEED_FILE} plan {index + 1}"
        if not isinstance(item, dict):
            problems.add(where, "must be a mapping")
            continue
        seed = item.get("seed")
        key = TEMPLATE_KEYS.get(seed)
        if key is None:
            problems.add(where, f"has an unknown seed {seed!r}")
            continue
        where = f"{SEED_FILE} plan {key}"
        if any(entry["key"] == key for entry in found):
            problems.add(where, "comes twice")
            continue
        unknown = set(item) - {
            "seed",
            "title",
            "jurisdiction",
            "horizon",
            "section",
            "targets",
            "other_targets",
            "baseline_2020",
        }
        if unknown:
            problems.add(where, f"has unknown fields {sorted(unknown)}")
        place = item.get("jurisdiction") or {}
        code = str(place.get("code", "")) if isinstance(place, dict) else ""
        try:
            level = areacodes.level_of(code) if len(code) == 6 else None
        except areacodes.AreaCodeError:
            level = None
        if level not in (Level.PREFECTURE, Level.COUNTY):
            problems.add(where, f"has a bad jurisdiction code {code!r}")
        horizon = _year(problems, f"{where} horizon", item.get("horizon"), low=2021, high=2100)
        baselines = item.get("baseline_2020") or {}
        if not isinstance(baselines, dict):
            problems.add(where, "baseline_2020 must be a mapping")
            baselines = {}
        others = item.get("other_targets") or []
        if not isinstance(others, list) or not all(isinstance(t, str) and t for t in others):
            problems.add(where, "other_targets must be a list of texts")
            others = []
        found.append(
            {
                "key": key,
                "seed": seed,
                "area_code": code.ljust(12, "0"),
                "area_name": _text(
                    problems,
                    f"{where} jurisdiction name",
                    place.get("name") if isinstance(place, dict) else "",
                    max_length=100,
                ),
                "province": str(place.get("province", "")) if isinstance(place, dict) else "",
                "title": _text(
                    problems, f"{where} title", item.get("title"), max_length=_max(Plan, "title")
                ),
                "horizon": horizon or START_YEAR,
                "section": _text(
                    problems,
                    f"{where} section",
                    item.get("section"),
                    max_length=_max(Plan, "section"),
                ),
                "other_targets": tuple(t.strip() for t in others),
                "targets": _targets(
                    problems,
                    where,
                    item.get("targets"),
                    units=units,
                    horizon=horizon or START_YEAR,
                    baselines=baselines,
                ),
            }
        )
    return found


def _due_date_ok(month, day) -> bool:
    try:
        dt.date(2001, month, day)  # not a leap year: a yearly date must exist every year
    except (TypeError, ValueError):
        return False
    return True


def _tasks(problems: _Problems, path: Path, raw, plan: dict) -> tuple[TaskSpec, ...]:
    where = path.name
    unknown = set(raw) - {"template", "seed", "section", "defaults", "groups"}
    if unknown:
        problems.add(where, f"has unknown fields {sorted(unknown)}")
    if raw.get("seed") != plan["seed"]:
        problems.add(where, f"names seed {raw.get('seed')!r}, not {plan['seed']}")
    defaults = {"report_level": "town", "frequency": "year", "due_month": 12, "due_day": 31}
    given = raw.get("defaults") or {}
    if not isinstance(given, dict) or set(given) - set(defaults):
        problems.add(where, "has bad defaults")
        given = {}
    defaults.update(given)
    groups = raw.get("groups")
    if not isinstance(groups, list) or not groups:
        problems.add(where, "has no tasks")
        return ()
    specs: list[TaskSpec] = []
    numbers: set[str] = set()
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("tasks"), list):
            problems.add(where, "has a group without tasks")
            continue
        name = _text(
            problems, f"{where} group", group.get("group"), max_length=_max(PlanTask, "group")
        )
        for item in group["tasks"]:
            number = str(item.get("number", "")) if isinstance(item, dict) else ""
            at = f"{where} task {number or '?'}"
            if not isinstance(item, dict):
                problems.add(at, "must be a mapping")
                continue
            fields = {"number", "title", "requirement", "lead_units", "co_units", *defaults}
            if set(item) - fields:
                problems.add(at, f"has unknown fields {sorted(set(item) - fields)}")
            if not number or len(number) > _max(PlanTask, "number"):
                problems.add(at, "has a bad number")
            elif number in numbers:
                problems.add(at, "uses a number twice")
            numbers.add(number)
            wanted = {**defaults, **{k: v for k, v in item.items() if k in defaults}}
            level = REPORT_LEVELS.get(wanted["report_level"])
            if level is None:
                problems.add(at, f"has a bad report_level {wanted['report_level']!r}")
            if wanted["frequency"] not in PlanTask.Frequency.values:
                problems.add(at, f"has a bad frequency {wanted['frequency']!r}")
            if not _due_date_ok(wanted["due_month"], wanted["due_day"]):
                problems.add(at, "has a due date that is not a day of the year")
            specs.append(
                TaskSpec(
                    group=name,
                    number=number,
                    title=_text(
                        problems,
                        f"{at} title",
                        item.get("title"),
                        max_length=_max(PlanTask, "title"),
                    ),
                    requirement=_text(
                        problems, f"{at} requirement", item.get("requirement"), max_length=10000
                    ),
                    lead_units=_text(
                        problems,
                        f"{at} lead_units",
                        item.get("lead_units"),
                        max_length=_max(PlanTask, "lead_units"),
                    ),
                    co_units=_text(
                        problems,
                        f"{at} co_units",
                        item.get("co_units"),
                        max_length=_max(PlanTask, "co_units"),
                        required=False,
                    ),
                    report_level=level or Level.TOWN,
                    frequency=wanted["frequency"],
                    due_month=wanted["due_month"],
                    due_day=wanted["due_day"],
                    first_year=START_YEAR,
                    last_year=plan["horizon"],
                    position=len(specs),
                )
            )
    return tuple(specs)


def _read_yaml(problems: _Problems, path: Path):
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        problems.add(path.name, f"cannot be read ({exc.__class__.__name__})")
        return None


def load(directory: Path | str = CATALOGUE_DIR) -> Catalogue:
    """Read and check the catalogue files of ``directory``; :class:`CatalogueError` lists every
    problem found."""
    directory = Path(directory)
    problems = _Problems()
    seed = _read_yaml(problems, directory / SEED_FILE)
    if not isinstance(seed, dict):
        problems.add(SEED_FILE, "must hold indicators and plans")
        raise CatalogueError(problems.found)
    indicators = _indicators(problems, seed.get("indicators"))
    units = {spec.key: spec.unit for spec in indicators}
    plans = _plans(problems, seed.get("plans"), units)
    tasks: dict[str, tuple[TaskSpec, ...]] = {}
    for path in sorted(directory.glob(TASK_FILES)):
        raw = _read_yaml(problems, path)
        if not isinstance(raw, dict):
            problems.add(path.name, "must be a mapping")
            continue
        key = raw.get("template")
        plan = next((entry for entry in plans if entry["key"] == key), None)
        if plan is None:
            problems.add(path.name, f"names an unknown template {key!r}")
        elif key in tasks:
            problems.add(path.name, f"is a second task table of {key}")
        else:
            tasks[key] = _tasks(problems, path, raw, plan)
    for plan in plans:
        if plan["key"] not in tasks:
            problems.add(
                SEED_FILE, f"plan {plan['key']} has no task table (tasks-{plan['key']}.yaml)"
            )
    if problems.found:
        raise CatalogueError(problems.found)
    templates = tuple(
        TemplateSpec(
            key=plan["key"],
            area_code=plan["area_code"],
            area_name=plan["area_name"],
            province=plan["province"],
            title=plan["title"],
            start_year=START_YEAR,
            end_year=plan["horizon"],
            section=plan["section"],
            other_targets=plan["other_targets"],
            source_document=plan["seed"],
            targets=plan["targets"],
            tasks=tasks[plan["key"]],
        )
        for plan in plans
    )
    return Catalogue(indicators=indicators, templates=templates)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The shipped catalogue (read once)."""
    return load()


def builtin_keys() -> frozenset[str]:
    """The keys of the built-in indicators: no jurisdiction may use them for its own."""
    return frozenset(LABELS)


def definition(key: str) -> str | None:
    """The translated definition of a built-in indicator key, or None."""
    found = TRANSLATED_DEFINITIONS.get(key)
    return str(found) if found is not None else None


def label(key: str) -> str | None:
    """The translated label of a built-in indicator key, or None."""
    found = LABELS.get(key)
    return str(found) if found is not None else None
