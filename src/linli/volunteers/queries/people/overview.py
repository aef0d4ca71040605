"""The staff overview at /volunteers/: volunteers by star level and by status, teams and the
share led by party members, volunteers registered this year — for the area asked (the actor's
own by default), and per child area (the towns of a county, the communities of a town). Two
aggregate queries whatever the number of volunteers."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import PREFIX_LENGTH, Level
from linli.core.errors import NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import STAR_HOURS, Team, Volunteer
from .volunteers import CHOICES_MAX, _clean

LEVELS = range(len(STAR_HOURS) + 1)  # 0 (no star yet) to 5


@dataclass
class OverviewRow:
    """Figures of one area: current volunteers are those who have not left."""

    code: str
    name: str
    current: int = 0
    active: int = 0
    paused: int = 0
    left: int = 0
    party: int = 0  # current volunteers who are party members
    this_year: int = 0  # registered since 1 January
    by_star: list[int] = field(default_factory=lambda: [0 for _level in LEVELS])
    teams: int = 0  # active teams
    party_led: int = 0

    @property
    def starred(self) -> int:
        return sum(self.by_star[1:])

    @property
    def party_led_share(self) -> int | None:
        """Per cent of active teams led by party members (None without teams)."""
        return round(self.party_led * 100 / self.teams) if self.teams else None

    def add(self, other: OverviewRow) -> None:
        for name in ("current", "active", "paused", "left", "party", "this_year"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.teams += other.teams
        self.party_led += other.party_led
        self.by_star = [a + b for a, b in zip(self.by_star, other.by_star, strict=True)]


@dataclass
class Overview:
    area: Area
    year: int
    rows: list[OverviewRow]  # one per child area (the area itself for a community)
    total: OverviewRow
    child_level: int | None  # the level of the rows (None: the area itself)

    @property
    def star_table(self) -> list[tuple[int, int]]:
        return [(level, self.total.by_star[level]) for level in LEVELS]


def overview_areas(*, actor) -> list[Area]:
    """The areas at the top of what the actor reads (where the overview starts)."""
    granted = scoping.prefixes(actor, Cap.VOLUNTEER_VIEW)
    if granted == [""]:
        return list(Area.objects.filter(parent__isnull=True).order_by("code")[:CHOICES_MAX])
    return list(Area.objects.filter(prefix__in=granted).order_by("code")[:CHOICES_MAX])


def overview_area(*, actor, area_code: str = "") -> Area:
    """``area_code`` if the actor reads volunteers over all of it, else their first top area."""
    code = _clean(area_code, 15)
    if not code:
        tops = overview_areas(actor=actor)
        if not tops:
            raise NotFound(_("No such area among yours."), field="area")
        return tops[0]
    try:
        code = areacodes.normalize(code)
    except areacodes.AreaCodeError:
        raise NotFound(_("No such area among yours."), field="area") from None
    area = Area.objects.filter(code=code).exclude(level=Level.GRID).first()
    if area is None or not scoping.has_cap(actor, Cap.VOLUNTEER_VIEW, area.code):
        raise NotFound(_("No such area among yours."), field="area")
    return area


def overview(*, actor, area_code: str = "") -> Overview:
    """The figures of ``area_code`` (the actor's own area by default) and of its children."""
    area = overview_area(actor=actor, area_code=area_code)
    level = Level(area.level)
    if level >= Level.COMMUNITY:
        children, width, child_level = [area], len(area.prefix), None
    else:
        child_level = Level(level + 1)
        width = PREFIX_LENGTH[child_level]
        children = list(Area.objects.filter(parent=area).order_by("code")[:CHOICES_MAX])
    prefix = area.prefix
    now = timezone.localtime()
    year_start = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    current = ~Q(status=Volunteer.Status.LEFT)
    volunteers = (
        Volunteer.objects.filter(area_code__startswith=prefix)
        .annotate(child=Substr("area_code", 1, width))
        .order_by()
        .values("child")
        .annotate(
            current=Count("pk", filter=current),
            active=Count("pk", filter=Q(status=Volunteer.Status.ACTIVE)),
            paused=Count("pk", filter=Q(status=Volunteer.Status.PAUSED)),
            left=Count("pk", filter=Q(status=Volunteer.Status.LEFT)),
            party=Count("pk", filter=current & Q(party_member=True)),
            this_year=Count("pk", filter=Q(created_at__gte=year_start)),
            **{f"star_{n}": Count("pk", filter=current & Q(star=n)) for n in LEVELS},
        )
    )
    teams = (
        Team.objects.filter(area_code__startswith=prefix, active=True)
        .annotate(child=Substr("area_code", 1, width))
        .order_by()
        .values("child")
        .annotate(teams=Count("pk"), party_led=Count("pk", filter=Q(party_led=True)))
    )
    found = {row["child"]: row for row in volunteers}
    led = {row["child"]: row for row in teams}
    rows = []
    for child in children:
        key = child.code[:width]
        got = found.get(key, {})
        team = led.get(key, {})
        rows.append(
            OverviewRow(
                code=child.code,
                name=child.name,
                current=got.get("current", 0),
                active=got.get("active", 0),
                paused=got.get("paused", 0),
                left=got.get("left", 0),
                party=got.get("party", 0),
                this_year=got.get("this_year", 0),
                by_star=[got.get(f"star_{n}", 0) for n in LEVELS],
                teams=team.get("teams", 0),
                party_led=team.get("party_led", 0),
            )
        )
    total = OverviewRow(code=area.code, name=area.name)
    for row in rows:
        total.add(row)
    return Overview(area=area, year=now.year, rows=rows, total=total, child_level=child_level)


__all__ = ["LEVELS", "Overview", "OverviewRow", "overview", "overview_area", "overview_areas"]
