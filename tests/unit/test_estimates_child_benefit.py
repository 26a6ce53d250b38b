"""Child benefit estimates: child-benefit.md, its worked example and facts.tsv."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.estimates.child_benefit import children_by_age, estimate_child_benefit
from actions.estimates.money import euros


def test_worked_example_sara_three_children() -> None:
    estimate = estimate_child_benefit(3)
    assert [euros(a) for a in estimate.amounts] == ["€215.00", "€215.00", "€260.00"]
    assert euros(estimate.monthly) == "€690.00"  # F121


def test_worked_example_the_11_year_old_becomes_the_1st_child() -> None:
    # Sara's oldest turns 18 and leaves school: 2 children are counted.
    by_age = children_by_age([18, 11, 4])
    assert by_age.under_18 == [11, 4]
    assert euros(estimate_child_benefit(len(by_age.under_18)).monthly) == "€430.00"


@pytest.mark.parametrize(
    "children,monthly",
    [(0, "€0.00"), (1, "€215.00"), (2, "€430.00"), (4, "€950.00"), (5, "€1,210.00")],
)
def test_1st_and_2nd_child_215_each_further_260(children: int, monthly: str) -> None:
    assert euros(estimate_child_benefit(children).monthly) == monthly


def test_rates_of_the_facts() -> None:  # F119, F120
    amounts = estimate_child_benefit(3).amounts
    assert amounts[0] == amounts[1] == Decimal("215.00") and amounts[2] == Decimal("260.00")


def test_ages_sorted_oldest_first_by_the_age_rules() -> None:
    by_age = children_by_age([4, 26, 19, 15, 24, 25])
    assert by_age.under_18 == [15, 4]
    assert by_age.in_education_only == [24, 19]
    assert by_age.too_old == [26, 25]
    assert by_age.counted == 4


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        estimate_child_benefit(-1)
