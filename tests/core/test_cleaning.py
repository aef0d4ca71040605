"""The cleaning helpers every app's actions share: numbers in a range, choices, yes or no, text
that may be listed, contact phones and places on the area tree — each problem named by field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import models
from django.utils import translation

from linli.core import cleaning
from linli.core.areacodes import Level


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


class Colour(models.TextChoices):
    RED = "red", "red"
    GREEN = "green", "green"
    BLUE = "blue", "blue"


def _clean(helper, *args, **kwargs):
    errors = cleaning.Errors()
    value = helper(errors, "field", *args, **kwargs)
    return value, errors.found.get("field", [])


@pytest.mark.parametrize(
    ("value", "kwargs", "expected", "message"),
    [
        ("7", {}, 7, None),
        (" 12 ", {}, 12, None),
        ("3.0", {}, 3, None),
        ("", {}, None, None),
        (None, {"required": True}, None, "Please fill this in."),
        ("3.5", {}, None, "Enter a whole number."),
        (True, {}, None, "Enter a whole number."),
        ("many", {}, None, "Enter a whole number."),
        ("101", {}, None, "Enter a whole number from 0 to 100."),
        ("80%", {}, None, "Enter a whole number."),
        ("80 %", {"percent": True}, 80, None),
        ("%", {"percent": True}, None, "Enter a whole number."),
    ],
)
def test_a_whole_number_in_a_range(value, kwargs, expected, message):
    found, errors = _clean(cleaning.integer, value, minimum=0, maximum=100, **kwargs)
    assert found == expected
    assert errors == ([message] if message else [])


@pytest.mark.parametrize(
    ("value", "expected", "message"),
    [
        ("1,234.567", Decimal("1234.57"), None),
        ("1，500", Decimal("1500.00"), None),
        ("", None, None),
        ("NaN", None, "Enter a number."),
        ("-1", None, "Enter a number from 0 to 5000."),
    ],
)
def test_a_decimal_number_in_a_range(value, expected, message):
    found, errors = _clean(cleaning.decimal, value, maximum=5000)
    assert found == expected
    assert errors == ([message] if message else [])


def test_a_choice_by_its_value():
    assert _clean(cleaning.choice, " red ", Colour) == ("red", [])
    assert _clean(cleaning.choice, "", Colour, default="blue") == ("blue", [])
    assert _clean(cleaning.choice, "pink", Colour) == ("", ["Choose one of the options."])
    assert _clean(cleaning.choice, "blue", Colour, allowed=("red", "green")) == (
        "",
        ["Choose one of the options."],
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), ("yes", True), ("是", True), ("1", True), (None, False), ("否", False)],
)
def test_yes_or_no(value, expected):
    assert _clean(cleaning.flag, value) == (expected, [])


def test_yes_or_no_refuses_anything_else():
    assert _clean(cleaning.flag, "maybe") == (False, ["Answer yes or no (是 or 否)."])


def test_text_that_may_be_listed_carries_no_phone_or_id_number():
    assert _clean(cleaning.plain, "每周六上午 9 点到 11 点") == ("每周六上午 9 点到 11 点", [])
    for personal in ("电话 138-1234-5678", "身份证 220102199003071234"):
        assert _clean(cleaning.plain, personal)[1] == ["Do not write phone or ID numbers here."]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("+86 138 1234 5678", "13812345678"), ("0431-88886666", "0431-88886666"), ("", "")],
)
def test_a_contact_phone(value, expected):
    errors = cleaning.Errors()
    assert cleaning.contact_phone(errors, value) == expected and not errors.found


def test_a_contact_phone_that_is_none():
    errors = cleaning.Errors()
    assert cleaning.contact_phone(errors, "12345", field="phone") == ""
    assert list(errors.found) == ["phone"]


def test_an_area_at_one_of_the_levels(tree):
    assert cleaning.area_at(tree["a1"].code, (Level.COMMUNITY,)) == tree["a1"]
    assert cleaning.area_at(tree["a1"].code[:9], (Level.TOWN,)) == tree["town_a"]
    assert cleaning.area_at(tree["a1"].code, (Level.TOWN,)) is None
    assert cleaning.area_at("not a code", (Level.COMMUNITY,)) is None
    assert cleaning.area_at("", (Level.COMMUNITY,)) is None
