"""Figures read from first messages that tell a story (actions/estimates/parsing.py).

Each case is a way of giving a figure that the frozen English set found
missed: the form then asked for a figure the citizen had already given.
"""

from __future__ import annotations

from decimal import Decimal

from actions.estimates import parsing as p


def test_an_age_after_until_i_am_is_the_start_age() -> None:
    text = "If I wait until I'm 70 to take my pension, with 40 years, how much is it?"
    assert p.start_age_months(text) == 70 * 12
    assert p.start_age_months("if i keep working until i am 68") == 68 * 12


def test_years_early_are_not_contribution_years() -> None:
    text = "If I stop three years early, at 64, with 35 years of contributions, what do I get?"
    assert p.contribution_months(text) == 35 * 12
    assert p.start_age_months(text) == 64 * 12


def test_the_age_asked_about_is_the_last_one_told() -> None:
    text = ("I have 35 years. My husband says I should wait until 67, but my back hurts. "
            "If I stop at 64, what would my monthly pension be?")
    assert p.start_age_months(text) == 64 * 12


def test_a_number_before_wage_is_the_wage() -> None:
    assert p.monthly_amount("unemployment benefit on a 2600 wage, how much") == Decimal("2600.00")
    assert p.monthly_amount("what do i get with a 3100 salary") == Decimal("3100.00")


def test_both_our_parents_died() -> None:
    assert p.both_parents_died("both our parents have died, how much do we get") is True
    assert p.both_parents_died("both my parents are dead") is True


def test_help_me_every_day_is_the_care_supplement() -> None:
    assert p.care_supplement("my wife has to help me every day, how much in total") is True
    assert p.care_supplement("someone helps me daily with washing") is True


def test_an_orphan_asking_is_not_the_spouse() -> None:
    assert p.spouse_survives("our dad died, how much orphan's pension does my sister get") is False
    assert p.spouse_survives("my husband died, what do i get as his widow") is True
