"""The figures of an estimate read from citizens' words (actions/estimates/parsing.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

import pytest

from actions.estimates import parsing as p
from actions.estimates.numbers import normalise, numbers, to_decimal

FIRST = "I have 28 years of contributions and want to stop at 65, what would I get?"
HOUSING_ROLES = {"rent": p.RENT_WORDS, "income": p.INCOME_WORDS}


@pytest.mark.parametrize(
    "text,normal",
    [
        ("Twenty Eight yrs", "28 yrs"),
        ("sixty-five and a half", "65.5"),
        ("64 1/2", "64.5"),
        ("2.5k a month", "2500 a month"),
        ("I\u2019m forty two", "i'm 42"),
        ("someone", "someone"),
    ],
)
def test_normalise(text: str, normal: str) -> None:
    assert normalise(text) == normal


@pytest.mark.parametrize(
    "token,value",
    [("2,400", "2400"), ("2.400", "2400"), ("1.234,50", "1234.50"), ("1,234.50", "1234.50"),
     ("28.5", "28.5"), ("750,5", "750.5"), ("1,000,000", "1000000")],
)
def test_to_decimal(token: str, value: str) -> None:
    assert to_decimal(token) == Decimal(value)


def test_ordinals_and_glued_letters_are_not_numbers() -> None:
    assert [n.value for n in numbers("my 3rd child, form ub2, 4 kids")] == [Decimal(4)]


@pytest.mark.parametrize(
    "text,months",
    [
        (FIRST, 28 * 12),
        ("28 years", 336),
        ("twenty eight yrs", 336),
        ("28yrs", 336),
        ("i paid in for 25 years what will my pension be", 300),
        ("28 years and 7 months", 343),
        ("28 yrs 7 mths", 343),
        ("28 and a half years", 342),
        ("340 months of contributions", 340),
        ("I'm 64 years old and have 30 years of contributions", 360),
        ("I'm 64 years old", None),
        ("at 64 years and 6 months", None),
        ("how much is the full pension", None),
        ("my son is 3 years old", None),
    ],
)
def test_contribution_months_from_a_message(text: str, months: Optional[int]) -> None:
    assert p.contribution_months(text) == months


@pytest.mark.parametrize(
    "text,months",
    [("28", 336), ("about 30", 360), ("28.5", 342), ("28 years 7 months", 343),
     ("340 months", 340), ("0", 0), ("thirty", 360), ("blue", None), ("3 kids", None)],
)
def test_contribution_months_as_an_answer(text: str, months: Optional[int]) -> None:
    assert p.contribution_months(text, answer=True) == months


@pytest.mark.parametrize(
    "text,months",
    [
        (FIRST, 65 * 12),
        ("retire at 63", 756),
        ("at age 66", 792),
        ("from 64", 768),
        ("at 65 and a half", 786),
        ("at sixty five", 780),
        ("when i'm 68", 816),
        ("at 64 years and 6 months", 774),
        ("at the state pension age", 804),
        ("what if I wait until 71", 71 * 12),
        ("my pension if i keep working till 70, i have 41 years", 70 * 12),
        ("i am 64 and want to retire now", 768),
        ("I'm 64 years old and have 30 years", None),  # their age now, not the start
        ("at 3pm", None),
        ("i earn 40% less at 10", None),
        ("and if I start 10 months early?", 67 * 12 - 10),
        ("what if i go 2 years earlier", 65 * 12),
    ],
)
def test_start_age_from_a_message(text: str, months: Optional[int]) -> None:
    assert p.start_age_months(text) == months


@pytest.mark.parametrize(
    "text,months",
    [("65", 780), ("65 and a half", 786), ("sixty-five", 780), ("64 years 6 months", 774),
     ("at 63", 756), ("67", 804), ("soon", None)],
)
def test_start_age_as_an_answer(text: str, months: Optional[int]) -> None:
    assert p.start_age_months(text, answer=True) == months


@pytest.mark.parametrize(
    "text,age",
    [("I'm 42", 42), ("i am forty two", 42), ("aged 55", 55), ("42 years old", 42),
     ("42yo", 42), ("a 42-year-old", 42), ("im 42 and earned 3000 a month", 42),
     ("i earned 3000", None), ("I'm 100% sure", None)],
)
def test_current_age(text: str, age: Optional[int]) -> None:
    assert p.current_age(text) == age


def test_current_age_as_an_answer() -> None:
    assert p.current_age("42", answer=True) == 42
    assert p.current_age("old enough", answer=True) is None


@pytest.mark.parametrize(
    "text,count",
    [
        ("3 kids", 3),
        ("i have three children", 3),
        ("two sons and a daughter", 3),
        ("a son", 1),
        ("twins and a baby", 3),
        ("I have 3 kids aged 15, 11 and 4", 3),
        ("no children", 0),
        ("how much child benefit for my 3rd child", None),
        ("how much is child benefit", None),
    ],
)
def test_children_count(text: str, count: Optional[int]) -> None:
    assert p.children_count(text) == count


@pytest.mark.parametrize(
    "text,count", [("3", 3), ("two", 2), ("none", 0), ("15, 11 and 4", 3), ("lots", None)]
)
def test_children_count_as_an_answer(text: str, count: Optional[int]) -> None:
    assert p.children_count(text, answer=True) == count


@pytest.mark.parametrize(
    "text,ages",
    [
        ("I have 3 kids aged 15, 11 and 4", [15, 11, 4]),
        ("ages 4, 11, 15", [15, 11, 4]),
        ("a 15 year old and a 4 year old", [15, 4]),
        ("15, 11 and 4 years old", [15, 11, 4]),
        ("my 19yo is at uni", [19]),
        ("3 kids", []),
    ],
)
def test_children_ages(text: str, ages: list) -> None:
    assert p.children_ages(text) == ages


@pytest.mark.parametrize(
    "text,amount",
    [
        ("€2,400 a month", "2400"),
        ("2400 gross", "2400"),
        ("I earn 1800", "1800"),
        ("i earned 3000 a month and im 42", "3000"),
        ("my wage was 5000", "5000"),
        ("salary about 2.5k", "2500"),
        ("EUR 1.800,50 brutto", "1800.50"),
        ("2700 euro", "2700"),
        ("I'm 42", None),
        ("3 kids", None),
    ],
)
def test_monthly_amount_from_a_message(text: str, amount: Optional[str]) -> None:
    assert p.monthly_amount(text) == (Decimal(amount) if amount else None)


@pytest.mark.parametrize(
    "text,amount", [("2400", "2400"), ("2,400.50", "2400.50"), ("nothing", "0"), ("a lot", None)]
)
def test_monthly_amount_as_an_answer(text: str, amount: Optional[str]) -> None:
    assert p.monthly_amount(text, answer=True) == (Decimal(amount) if amount else None)


@pytest.mark.parametrize(
    "text,rent,income",
    [
        ("my rent is 700 and i earn 1200", "700", "1200"),
        ("income 1600, rent 750", "750", "1600"),
        ("1600 a month income and 750 rent", "750", "1600"),
        ("i live alone, my rent is 750 and i get 1600 a month", "750", "1600"),
        ("we are 3 people, rent 750, income 1600", "750", "1600"),
        ("rent 900 we earn 2500 together", "900", "2500"),
    ],
)
def test_rent_and_income_told_apart(text: str, rent: str, income: str) -> None:
    assert p.amounts_by_role(text, HOUSING_ROLES) == {
        "rent": Decimal(rent), "income": Decimal(income)
    }


@pytest.mark.parametrize(
    "text,people",
    [
        ("i live alone", 1),
        ("I'm single", 1),
        ("me my wife and 2 kids", 4),
        ("my partner and i", 2),
        ("family of 5", 5),
        ("we are 3 people", 3),
        ("2 adults and 3 children", 5),
        ("rent 750", None),
    ],
)
def test_household_size(text: str, people: Optional[int]) -> None:
    assert p.household_size(text) == people


@pytest.mark.parametrize(
    "text,degree",
    [("degree II", 2), ("degree 3", 3), ("degree i", 1), ("my work capacity is 70% less", 2),
     ("30 percent", 0), ("how much is disability benefit", None), ("degree two", 2),
     ("second degree", 2), ("i have 3rd degree", 3), ("II degree", 2), ("level III", 3),
     ("what degree do i need", None)],
)
def test_disability_degree(text: str, degree: Optional[int]) -> None:
    assert p.disability_degree(text) == degree


@pytest.mark.parametrize(
    "text,care",
    [("I need help every day", True), ("with the care supplement", True),
     ("no care needed", False), ("i don't need help", False), ("degree 2", None)],
)
def test_care_supplement(text: str, care: Optional[bool]) -> None:
    assert p.care_supplement(text) == care


def test_survivors_from_the_worked_example_in_a_citizens_words() -> None:
    text = "My husband died, his pension was €1,184 a month. Our son is 16."
    assert p.spouse_survives(text) is True
    assert p.monthly_amount(text) == Decimal("1184")
    assert p.orphans_count(text) == 1
    assert p.both_parents_died(text) is None
    assert p.both_parents_died("both parents died, 2 kids") is True
    assert p.orphans_count("we have no children") == 0


@pytest.mark.parametrize("text, count", [
    ("my son is 16", 1), ("and our son, he is 16?", 1), ("а синові 16 років?", 1),
    ("our daughter is 12 and our son 15", 2), ("3", 3), ("2 kids", 2), ("none", 0)])
def test_orphans_answer_with_an_age_counts_the_children_named(text: str, count: int) -> None:
    """"my son is 16" answers "how many children?" with one child aged 16, not 16 children."""
    assert p.orphans_count(text, answer=True) == count
