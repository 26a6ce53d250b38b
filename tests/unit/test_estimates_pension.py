"""Old-age pension estimates: old-age-pension.md, its worked example and facts.tsv."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.estimates.money import euros, percent
from actions.estimates.pension import counted_years, estimate_pension, pension_at_67

Y = 12  # months in a year


def test_worked_example_maria_32_years_at_67() -> None:
    estimate = estimate_pension(32 * Y, 67 * Y)
    assert euros(estimate.at_67) == "€1,184.00"
    assert estimate.monthly == Decimal("1184.00")


def test_worked_example_maria_starts_at_64_and_a_half() -> None:
    estimate = estimate_pension(32 * Y, 64 * Y + 6)
    assert estimate.months_early == 30
    assert percent(-estimate.rate) == "12%"
    assert euros(estimate.change) == "€142.08"
    assert euros(estimate.monthly) == "€1,041.92"


@pytest.mark.parametrize(
    "months,years,at_67",
    [
        (40 * Y, 40, "€1,480.00"),  # F065, F066: the full pension after 40 years
        (45 * Y, 40, "€1,480.00"),  # more than 40 years does not increase it
        (5 * Y, 5, "€185.00"),  # F067: the lowest pension
        (28 * Y + 5, 28, "€1,036.00"),  # 5 leftover months do not count
        (28 * Y + 6, 29, "€1,073.00"),  # 6 or more count as a full year (F068)
        (28 * Y + 11, 29, "€1,073.00"),
        (39 * Y + 6, 40, "€1,480.00"),
        (40 * Y + 11, 40, "€1,480.00"),
    ],
)
def test_months_rule_and_40_year_cap(months: int, years: int, at_67: str) -> None:
    assert counted_years(months).years == years
    assert euros(pension_at_67(months)) == at_67


def test_each_year_gives_37_euros() -> None:  # F064
    assert pension_at_67(13 * Y) - pension_at_67(12 * Y) == Decimal("37.00")


@pytest.mark.parametrize(
    "months,eligible",
    [(60, True), (59, False), (4 * Y + 6, False), (0, False), (5 * Y + 1, True)],
)
def test_five_year_minimum_is_60_months_of_contributions(months: int, eligible: bool) -> None:
    # 4 years and 6 months would round to 5 years, but the minimum is 60 months.
    estimate = estimate_pension(months, 67 * Y)
    assert estimate.eligible is eligible
    assert (estimate.monthly > 0) is eligible


def test_starting_at_63_is_19_2_percent_less() -> None:  # F063
    estimate = estimate_pension(40 * Y, 63 * Y)
    assert estimate.months_early == 48
    assert percent(-estimate.rate) == "19.2%"
    assert euros(estimate.change) == "€284.16"
    assert euros(estimate.monthly) == "€1,195.84"


def test_before_63_there_is_no_pension() -> None:
    with pytest.raises(ValueError, match="63"):
        estimate_pension(30 * Y, 63 * Y - 1)


@pytest.mark.parametrize(
    "start,late,counted,rate,monthly",
    [
        (68 * Y, 12, 12, "6%", "€1,568.80"),
        (70 * Y, 36, 36, "18%", "€1,746.40"),  # F069: at most plus 18%
        (71 * Y, 48, 36, "18%", "€1,746.40"),  # no more after 70
        (67 * Y + 1, 1, 1, "0.5%", "€1,487.40"),
    ],
)
def test_later_pension_plus_half_a_percent_a_month_up_to_36(
    start: int, late: int, counted: int, rate: str, monthly: str
) -> None:
    estimate = estimate_pension(40 * Y, start)
    assert (estimate.months_late, estimate.late_months_counted) == (late, counted)
    assert percent(estimate.rate) == rate
    assert euros(estimate.monthly) == monthly


@pytest.mark.parametrize(
    "months,start,change,monthly",
    [
        (28 * Y, 65 * Y, "€99.46", "€936.54"),  # 24 months: 9.6% of €1,036.00 = €99.456
        (28 * Y, 66 * Y + 11, "€4.14", "€1,031.86"),  # 1 month early
        (5 * Y, 63 * Y, "€35.52", "€149.48"),  # the lowest pension, started at 63
    ],
)
def test_early_reduction_is_rounded_to_the_cent(
    months: int, start: int, change: str, monthly: str
) -> None:
    estimate = estimate_pension(months, start)
    assert euros(estimate.change) == change
    assert euros(estimate.monthly) == monthly
    assert estimate.at_67 - estimate.change == estimate.monthly


def test_start_age_not_given_means_67() -> None:
    assert estimate_pension(32 * Y, None).monthly == Decimal("1184.00")
