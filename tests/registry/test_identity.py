"""Identity numbers: one specific message per fault, in the order a clerk fixes them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from stdnum.cn import ric

from linli.core.errors import ActionError
from linli.registry.identity import clean_id_number, known_area_code

from .conftest import make_id


def _with_check(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def test_valid_number_gives_birth_date_and_sex():
    facts = clean_id_number(make_id("19450312", 1))
    assert facts.birth_date == dt.date(1945, 3, 12)
    assert facts.sex == "M"
    assert clean_id_number(make_id("19820320", 2, female=True)).sex == "F"


def test_lower_case_x_and_spaces_are_normalised():
    for seq in range(1, 400):
        number = make_id("19700101", seq)
        if number.endswith("X"):
            break
    else:
        pytest.skip("no X check digit among the generated numbers")
    assert clean_id_number(" " + number[:6] + " " + number[6:].lower()).number == number


def test_people_born_before_their_county_existed_are_accepted():
    # 西安区 (220403) dates from 1983; its elderly residents hold 220403 numbers all the same.
    assert clean_id_number(make_id("19300101", 9)).birth_date.year == 1930


@pytest.mark.parametrize(
    ("number", "fault"),
    [
        ("22040319800115001", "18 characters"),
        ("2204031980011500AX", "18 characters"),
        (_with_check("22040319800115001")[:-1] + "0", "last character"),
        (_with_check("22040319801345001"), "birth date"),
        (_with_check("22040330000101001"), "not possible"),
        (_with_check("99999919800115001"), "area code"),
    ],
)
def test_each_fault_has_its_own_message(number, fault):
    if fault == "last character" and number == _with_check("22040319800115001"):
        number = number[:-1] + ("1" if number[-1] != "1" else "2")
    with translation.override("en"), pytest.raises(ActionError) as exc:
        clean_id_number(number)
    assert fault in str(exc.value.message)
    assert set(exc.value.errors) == {"id_number"}


def test_known_area_codes():
    assert known_area_code("220403")
    assert not known_area_code("999999")
