"""The synthetic demo registry: realistic, valid, placed in grids, deterministic, idempotent."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from linli.cli import _demo_options
from linli.core.auth import PHONE_RE
from linli.core.models import Area, AuditEvent, User
from linli.core.pii import blind_index
from linli.registry import queries
from linli.registry.actions._common import pinyin_of
from linli.registry.actions.people import _apply_person
from linli.registry.identity import clean_id_number
from linli.registry.models import (
    Building,
    GroupTag,
    Household,
    Residence,
    Resident,
    ResidentTag,
)

N = 500


def load(residents: int = N) -> str:
    out = io.StringIO()
    call_command("load_demo", "--residents", str(residents), stdout=out)
    return out.getvalue()


REGISTRY_LOADERS = [  # the registry's part of the demo: these tests read nothing else
    "linli.care.demo.release_demo_registry",
    "linli.registry.demo.load_registry_demo",
]


@pytest.fixture
def registry(db, settings):
    settings.DEMO_LOADERS = REGISTRY_LOADERS
    load()
    return Resident.objects.filter(is_demo=True)


def _ages(residents):
    today = timezone.localdate()
    return [r.age_on(today) for r in residents]


def test_counts_and_one_audit_event(registry):
    assert registry.count() == N
    assert Resident.objects.count() == N  # nothing but the demo
    households = Household.objects.filter(is_demo=True)
    assert 150 <= households.count() <= 300
    assert not Household.objects.filter(is_demo=False).exists()
    events = AuditEvent.objects.filter(action="registry.demo_load")
    assert events.count() == 1
    extra = events.get().extra
    assert extra["residents"] == N
    assert extra["households"] == households.count()
    assert extra["buildings"] == Building.objects.filter(is_demo=True).count()
    assert events.get().actor_label == "system"
    # One event for the load, none per row.
    assert not AuditEvent.objects.filter(action__startswith="resident.").exists()


def test_every_household_has_its_head_and_every_resident_a_current_stay(registry):
    heads = dict(Household.objects.values_list("pk", "head_id"))
    assert None not in heads.values()
    for resident in registry.defer("id_number", "phone"):
        assert resident.status == Resident.Status.ACTIVE
        if resident.relationship == Resident.Relationship.HEAD:
            assert heads[resident.household_id] == resident.pk
    per_household = Counter(
        registry.filter(relationship="head").values_list("household_id", flat=True)
    )
    assert set(per_household.values()) == {1}
    stays = Residence.objects.filter(ended_on__isnull=True)
    assert stays.count() == N
    for stay in stays.select_related("resident"):
        assert stay.household_id == stay.resident.household_id
        assert stay.area_code == stay.resident.area_code
        assert stay.relationship == stay.resident.relationship
        assert stay.started_on == stay.resident.moved_in_on
        assert stay.started_on >= stay.resident.birth_date


def test_id_numbers_are_valid_unique_and_match_birth_date_and_sex(registry):
    numbers = []
    for resident in registry:
        facts = clean_id_number(resident.id_number)
        assert facts.number == resident.id_number
        assert facts.birth_date == resident.birth_date
        assert facts.sex == resident.sex
        numbers.append(facts.number)
    assert len(set(numbers)) == N
    places = Counter(number[:6] for number in numbers)
    assert places["220403"] > N * 0.6
    assert all(place.startswith(("22", "21", "23", "37")) for place in places)


def test_derived_fields_are_filled_as_when_a_worker_adds_a_person(registry):
    derived = ["name_pinyin", "name_initials", "id_bidx", "id_tail", "birth_date", "sex"]
    derived += ["phone_bidx", "phone_tail", "ethnicity", "language"]
    for resident in registry:
        expected = Resident()
        _apply_person(
            expected,
            {
                "name": resident.name,
                "id": clean_id_number(resident.id_number),
                "phone": resident.phone or "",
                "ethnicity": resident.ethnicity,
                "language": resident.language,
            },
        )
        for field in derived:
            assert getattr(resident, field) == getattr(expected, field), field
        assert resident.id_bidx == blind_index(resident.id_number, "id_number")
        if resident.phone:
            assert PHONE_RE.match(resident.phone)
        else:
            assert resident.phone_bidx is None and resident.phone_tail == ""


def test_names_ethnicity_phones_and_ages_are_plausible(registry):
    residents = list(registry)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", r.name) for r in residents)
    assert len({r.name for r in residents}) > N * 0.7
    surnames = Counter(r.name[0] for r in residents)
    assert {"王", "李", "张", "刘"} <= {s for s, _n in surnames.most_common(8)}
    ethnicities = Counter(r.ethnicity for r in residents)
    assert ethnicities["01"] > N * 0.8 and len(ethnicities) >= 2
    ages = _ages(residents)
    assert min(ages) >= 0 and max(ages) <= 105
    elderly = sum(age >= 60 for age in ages) / N
    assert 0.18 <= elderly <= 0.33, elderly  # aging like a northeastern city (~25%)
    assert 0.06 <= sum(age < 18 for age in ages) / N <= 0.2
    adults = [r for r, age in zip(residents, ages, strict=True) if age >= 18]
    assert sum(bool(r.phone) for r in adults) > len(adults) * 0.75
    assert not any(r.phone for r, age in zip(residents, ages, strict=True) if age < 18)
    for r, age in zip(residents, ages, strict=True):
        if r.relationship in ("head", "spouse", "parent", "child_in_law"):
            assert age >= 18, (r.relationship, age)


def test_about_eight_percent_are_in_groups_with_valid_dates_and_grades(registry):
    memberships = list(ResidentTag.objects.select_related("resident", "tag"))
    tagged = {m.resident_id for m in memberships}
    assert 0.05 <= len(tagged) / N <= 0.12, len(tagged) / N
    graded = set(GroupTag.objects.filter(has_grade=True).values_list("code", flat=True))
    today = timezone.localdate()
    for m in memberships:
        resident = m.resident
        assert m.ended_on is None
        assert resident.birth_date <= m.started_on <= today
        assert m.area_code == resident.area_code
        assert bool(m.grade) == (m.tag_id in graded), m.tag_id
        if m.tag.parent_id == "special_elderly":
            assert resident.age_on(m.started_on) >= 60
        if m.tag_id == "left_behind_child":
            assert resident.household.community.urban_rural.startswith("2")
    assert any(m.tag.parent_id == "special_elderly" for m in memberships)


def test_towns_have_buildings_villages_have_addresses(registry):
    communities = Area.objects.filter(code__startswith="220403", level=5, is_demo=True)
    for community in communities:
        buildings = Building.objects.filter(community=community)
        households = Household.objects.filter(community=community)
        assert households.exists(), community.name
        if community.urban_rural.startswith("1"):
            assert 6 <= buildings.count() <= 30
            for b in buildings:
                assert 2 <= b.units <= 6 and 6 <= b.floors <= 18
                assert abs(float(b.lat) - 42.89) < 0.1 and abs(float(b.lng) - 125.14) < 0.1
            assert not households.filter(building__isnull=True).exists()
            for h in households.select_related("building"):
                assert 1 <= int(h.unit) <= h.building.units
                assert 1 <= int(h.room) // 100 <= h.building.floors
        else:
            assert not buildings.exists()
            for h in households:
                assert re.fullmatch(re.escape(community.name) + r"\d+组\d+号", h.address)
                assert h.building_id is None


def test_households_lie_in_their_communitys_grids_except_a_few(registry):
    households = list(Household.objects.select_related("grid", "building"))
    unassigned = [h for h in households if h.grid is None]
    assert 0 < len(unassigned) <= len(households) * 0.1
    for h in households:
        if h.grid is not None:
            assert h.grid.parent_id == h.community_id
            assert h.area_code == h.grid.code
        else:
            assert h.area_code == h.community_id
        if h.building is not None:
            assert h.grid_id == h.building.grid_id
            assert h.building.area_code == h.area_code
    codes = dict(Household.objects.values_list("pk", "area_code"))
    for household_id, area_code in registry.values_list("household_id", "area_code"):
        assert area_code == codes[household_id]
    grids_used = {h.grid_id for h in households if h.grid_id}
    assert len(grids_used) >= 30


def test_search_finds_a_resident_by_full_id_number_and_phone(registry):
    resident = registry.exclude(phone_bidx__isnull=True).order_by("pk")[7]
    found = Resident.objects.filter(queries.search_q(resident.id_number))
    assert list(found) == [resident]
    found = Resident.objects.filter(queries.search_q(resident.id_number.lower()))
    assert list(found) == [resident]
    assert resident in Resident.objects.filter(queries.search_q(resident.phone))
    assert resident in Resident.objects.filter(queries.search_q(resident.name_initials))


def test_demo_resident_accounts_are_household_heads(registry):
    user = User.objects.get(username="resident")
    resident = Resident.objects.get(account=user)
    assert resident.name == user.full_name
    assert resident.phone == user.phone
    assert resident.sex == "F"  # 王秀兰
    assert resident.relationship == "head"
    assert resident.area_code.startswith("220403001001")
    assert pinyin_of(resident.name) == (resident.name_pinyin, resident.name_initials)


def test_loading_again_skips_and_another_size_replaces_deterministically(registry):
    def snapshot():
        return (
            Building.objects.count(),
            Household.objects.count(),
            Resident.objects.count(),
            Residence.objects.count(),
            ResidentTag.objects.count(),
            sorted(Resident.objects.values_list("name", "birth_date", "id_bidx", "area_code")),
        )

    first = snapshot()
    events = AuditEvent.objects.exclude(action="area.import").count()
    load()
    assert snapshot() == first
    assert AuditEvent.objects.exclude(action="area.import").count() == events  # skipped

    load(120)
    assert Resident.objects.count() == 120
    assert Residence.objects.count() == 120
    assert not ResidentTag.objects.exclude(resident__household__isnull=False).exists()
    assert AuditEvent.objects.filter(action="registry.demo_load").count() == 2

    load()  # back to the first size: the same people again
    assert snapshot() == first


def plain_loader():
    """A DEMO_LOADERS entry that takes no options."""
    plain_loader.calls += 1


def test_loaders_receive_only_the_options_they_name(db, settings):
    plain_loader.calls = 0
    settings.DEMO_LOADERS = [f"{__name__}.plain_loader", "linli.registry.demo.load_registry_demo"]
    out = load(50)
    assert plain_loader.calls == 1
    assert Resident.objects.count() == 50
    assert "50 residents" in out
    assert "kept the 50 demo residents" in load(50)


def test_zero_residents_leaves_an_empty_registry(db):
    load(0)
    assert not Resident.objects.exists()
    assert not Household.objects.exists()
    assert not Building.objects.exists()


def test_residents_option_is_checked():
    with pytest.raises(CommandError):
        call_command("load_demo", "--residents", "-1", stdout=io.StringIO())
    assert _demo_options(["--residents", "5000", "--no-serve"]).residents == 5000
    assert _demo_options([]).residents is None
    with pytest.raises(SystemExit):
        _demo_options(["--residents", "-3"])
