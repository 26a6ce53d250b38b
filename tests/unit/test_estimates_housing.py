"""Housing allowance estimates: housing-allowance.md, its worked example and facts.tsv."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.estimates.housing import estimate_housing, income_limit, maximum_allowance
from actions.estimates.money import euros

D = Decimal


def test_worked_example_pavel_lives_alone() -> None:
    estimate = estimate_housing(1, D("750.00"), D("1600.00"))
    assert euros(estimate.own_share) == "€400.00"
    assert euros(estimate.monthly) == "€350.00"  # F181


@pytest.mark.parametrize(
    "people,limit", [(1, "€1,900.00"), (2, "€2,700.00"), (3, "€3,100.00"), (5, "€3,900.00")]
)
def test_income_limit_by_household(people: int, limit: str) -> None:  # F172-F174
    assert euros(income_limit(people)) == limit


@pytest.mark.parametrize("people,maximum", [(1, "€450.00"), (2, "€450.00"), (3, "€550.00")])
def test_maximum_by_household(people: int, maximum: str) -> None:  # F178, F179
    assert euros(maximum_allowance(people)) == maximum


def test_rent_counts_up_to_900() -> None:  # F176
    estimate = estimate_housing(4, D("1200"), D("1000"))
    assert estimate.rent_capped and estimate.costs == D("900.00")
    assert estimate.monthly == D("550.00") and estimate.at_maximum


def test_at_most_450_for_one_person() -> None:
    estimate = estimate_housing(1, D("900"), D("800"))
    assert estimate.result == D("700.00") and estimate.monthly == D("450.00")


def test_less_than_20_is_not_paid() -> None:  # F180
    assert estimate_housing(1, D("419.99"), D("1600")).monthly == D("0.00")
    assert estimate_housing(1, D("419.99"), D("1600")).below_minimum
    assert estimate_housing(1, D("420.00"), D("1600")).monthly == D("20.00")


def test_income_at_or_above_the_limit_gets_nothing() -> None:
    assert estimate_housing(1, D("900"), D("1900")).income_too_high
    assert estimate_housing(1, D("900"), D("1900")).monthly == D("0.00")
    assert estimate_housing(1, D("900"), D("1899.99")).monthly == D("425.00")


def test_own_share_is_25_percent() -> None:  # F177
    assert estimate_housing(2, D("800"), D("2000.50")).own_share == D("500.13")
