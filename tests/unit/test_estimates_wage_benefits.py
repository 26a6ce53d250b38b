"""Unemployment, sickness and parental benefit estimates: the handbook's worked examples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.estimates.money import euros
from actions.estimates.wage_benefits import (
    earnings_deduction,
    estimate_parental,
    estimate_sickness,
    estimate_unemployment,
    longest_unemployment_months,
    payment_with_earnings,
)

D = Decimal


class TestUnemployment:
    def test_worked_example_tom_42_earned_3000(self) -> None:
        estimate = estimate_unemployment(D("3000.00"), 42)
        assert estimate.longest_months == 12
        first, later = estimate.first, estimate.later
        assert (euros(first.monthly), euros(first.daily), euros(first.fortnight)) == (
            "€1,800.00", "€60.00", "€840.00"  # F113
        )
        assert later is not None
        assert (euros(later.monthly), euros(later.daily), euros(later.fortnight)) == (
            "€1,500.00", "€50.00", "€700.00"
        )

    def test_worked_example_tom_earns_300_in_month_3(self) -> None:
        assert euros(earnings_deduction(D("300.00"))) == "€100.00"
        assert euros(payment_with_earnings(D("840.00"), D("300.00"))) == "€740.00"

    @pytest.mark.parametrize(
        "earnings,deduction", [("100.00", "€0.00"), ("50.00", "€0.00"), ("101.00", "€0.50")]
    )
    def test_earnings_up_to_100_are_free(self, earnings: str, deduction: str) -> None:
        assert euros(earnings_deduction(D(earnings))) == deduction

    def test_ceiling_4000_gives_at_most_2400_then_2000(self) -> None:  # F105-F107
        estimate = estimate_unemployment(D("5000"), 55)
        assert estimate.capped and estimate.reference == D("4000.00")
        assert estimate.first.monthly == D("2400.00")
        assert estimate.later is not None and estimate.later.monthly == D("2000.00")

    def test_lowest_benefit_660(self) -> None:  # F108
        estimate = estimate_unemployment(D("1000"), 35)
        assert estimate.first_at_floor and estimate.first.monthly == D("660.00")
        assert estimate.first.daily == D("22.00") and estimate.first.fortnight == D("308.00")
        assert estimate.later is not None and estimate.later.monthly == D("660.00")

    def test_floor_only_from_month_7(self) -> None:
        estimate = estimate_unemployment(D("1200"), 40)
        assert estimate.first.monthly == D("720.00") and not estimate.first_at_floor
        assert estimate.later is not None and estimate.later.monthly == D("660.00")
        assert estimate.later_at_floor

    def test_daily_rate_rounded_to_the_cent(self) -> None:
        estimate = estimate_unemployment(D("2345"), 31)
        assert estimate.first.monthly == D("1407.00")
        assert estimate.first.daily == D("46.90") and estimate.first.fortnight == D("656.60")
        assert estimate.later is not None and estimate.later.daily == D("39.08")

    @pytest.mark.parametrize(
        "age,months",
        [(17, 0), (18, 6), (29, 6), (30, 12), (49, 12), (50, 18), (59, 18), (60, 24),
         (66, 24), (67, 0)],
    )
    def test_longest_time_by_age(self, age: int, months: int) -> None:  # F110-F112
        assert longest_unemployment_months(age) == months

    def test_under_30_has_no_month_7(self) -> None:
        assert estimate_unemployment(D("3000"), 25).later is None


class TestSickness:
    def test_worked_example_ali_earned_2700(self) -> None:
        estimate = estimate_sickness(D("2700.00"))
        assert euros(estimate.benefit.monthly) == "€2,160.00"
        assert euros(estimate.benefit.daily) == "€72.00"
        assert euros(estimate.benefit.fortnight) == "€1,008.00"  # F167

    def test_at_most_3200(self) -> None:  # F162
        estimate = estimate_sickness(D("4500"))
        assert estimate.capped and estimate.benefit.monthly == D("3200.00")

    def test_half_sick_gets_half(self) -> None:
        assert estimate_sickness(D("2700"), D("50")).benefit.monthly == D("1080.00")


class TestParental:
    def test_worked_example_lena_earned_2800(self) -> None:
        estimate = estimate_parental(D("2800.00"))
        assert euros(estimate.monthly) == "€1,960.00"  # F140
        assert euros(estimate.half_time) == "€980.00"

    @pytest.mark.parametrize(
        "wage,monthly", [("4000", "€2,800.00"), ("6000", "€2,800.00"), ("900", "€700.00"),
                         ("1000", "€700.00"), ("1001", "€700.70")],
    )
    def test_between_700_and_2800(self, wage: str, monthly: str) -> None:  # F137, F138
        assert euros(estimate_parental(D(wage)).monthly) == monthly

    def test_basic_rate_with_fewer_than_6_months_insured(self) -> None:  # F139
        estimate = estimate_parental(D("3000"), insured_six_months=False)
        assert estimate.basic_rate and estimate.monthly == D("500.00")
        assert estimate.half_time == D("250.00")


def test_negative_wage_is_refused() -> None:
    with pytest.raises(ValueError):
        estimate_sickness(D("-1"))
