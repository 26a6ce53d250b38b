"""Survivors' pension and disability benefit estimates: the handbook's worked examples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.estimates.disability import degree_for_reduction, estimate_disability
from actions.estimates.money import euros, percent
from actions.estimates.pension import pension_at_67
from actions.estimates.survivors import estimate_survivors

D = Decimal


class TestSurvivors:
    def test_worked_example_eva_and_her_son(self) -> None:
        estimate = estimate_survivors(D("1184.00"), spouse=True, orphans=1)
        assert euros(estimate.spouse) == "€651.20"  # F094
        assert euros(estimate.orphan) == "€236.80"  # F095
        assert euros(estimate.total) == "€888.00" and percent(estimate.total_rate) == "75%"
        assert not estimate.reduced

    def test_jonas_had_no_pension_yet_the_earned_one_is_used(self) -> None:
        # 32 contribution years on the date of death, no early reduction.
        assert pension_at_67(32 * 12) == D("1184.00")

    def test_both_parents_died_30_percent_each(self) -> None:  # F089
        estimate = estimate_survivors(D("1000"), spouse=False, orphans=2, both_parents_died=True)
        assert estimate.orphan == D("300.00") and estimate.total == D("600.00")

    def test_above_100_percent_every_share_reduced_alike(self) -> None:  # F090
        # 55% + 3 × 20% = 115%: each share × 100/115.
        estimate = estimate_survivors(D("1150.00"), spouse=True, orphans=3)
        assert estimate.reduced and percent(estimate.total_rate) == "100%"
        assert estimate.spouse == D("550.00") and estimate.orphan == D("200.00")
        assert estimate.total == D("1150.00")

    def test_only_children(self) -> None:
        estimate = estimate_survivors(D("1184"), spouse=False, orphans=1)
        assert estimate.spouse is None and estimate.total == D("236.80")


class TestDisability:
    def test_worked_example_ahmed_degree_2_with_care(self) -> None:
        assert euros(estimate_disability(2, True).monthly) == "€1,200.00"  # F158

    @pytest.mark.parametrize(
        "degree,care,monthly",
        [(1, False, "€520.00"), (2, False, "€890.00"), (3, False, "€1,250.00"),
         (1, True, "€830.00"), (3, True, "€1,560.00")],
    )
    def test_degrees_and_supplement(self, degree: int, care: bool, monthly: str) -> None:
        assert euros(estimate_disability(degree, care).monthly) == monthly

    @pytest.mark.parametrize(
        "reduction,degree",
        [(39, None), (40, 1), (59, 1), (60, 2), (79, 2), (80, 3), (100, 3)],
    )
    def test_degree_from_reduced_work_capacity(self, reduction: int, degree) -> None:
        assert degree_for_reduction(reduction) == degree
