"""Child benefit from the number of children (child-benefit.md).

- €215.00 a month for the 1st and the 2nd child, €260.00 for the 3rd and
  each further child.
- Children are counted from the oldest to the youngest, and only children
  child benefit is paid for: under 18, or 18 to 24 in full-time education or
  training (at least 20 hours a week).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, List, Tuple

__all__ = [
    "FIRST_TWO",
    "FROM_THIRD",
    "ADULT_AGE",
    "EDUCATION_END_AGE",
    "ChildBenefitEstimate",
    "ChildrenByAge",
    "amount_for_child",
    "estimate_child_benefit",
    "children_by_age",
]

FIRST_TWO = Decimal("215.00")
FROM_THIRD = Decimal("260.00")
ADULT_AGE = 18
EDUCATION_END_AGE = 25


def amount_for_child(position: int) -> Decimal:
    """The monthly amount for the child at `position` (1 = the oldest counted)."""
    if position < 1:
        raise ValueError("children are counted from 1")
    return FIRST_TWO if position <= 2 else FROM_THIRD


@dataclass(frozen=True)
class ChildBenefitEstimate:
    """Child benefit for a number of children, child by child."""

    children: int
    amounts: Tuple[Decimal, ...]
    monthly: Decimal


def estimate_child_benefit(children: int) -> ChildBenefitEstimate:
    """The monthly child benefit for `children` children.

    child-benefit.md, "How much" and its worked example: 3 children get
    €215.00 + €215.00 + €260.00 = €690.00 a month; when the oldest turns 18
    and leaves school, the next child becomes the 1st child (€430.00 for 2).
    """
    if children < 0:
        raise ValueError("the number of children cannot be negative")
    amounts = tuple(amount_for_child(n) for n in range(1, children + 1))
    return ChildBenefitEstimate(children, amounts, sum(amounts, Decimal("0.00")))


@dataclass(frozen=True)
class ChildrenByAge:
    """Children sorted by the age rules of child benefit, oldest first."""

    under_18: List[int]
    in_education_only: List[int]
    too_old: List[int]

    @property
    def counted(self) -> int:
        """Children counted, assuming those aged 18 to 24 are in education."""
        return len(self.under_18) + len(self.in_education_only)


def children_by_age(ages: Iterable[int]) -> ChildrenByAge:
    """Which children count: under 18; 18 to 24 only in education; 25 and over not.

    child-benefit.md, "Who can get it": the child is under 18, or aged 18 to
    24 and in full-time education or training for at least 20 hours a week.
    """
    ordered = sorted(ages, reverse=True)
    return ChildrenByAge(
        under_18=[a for a in ordered if a < ADULT_AGE],
        in_education_only=[a for a in ordered if ADULT_AGE <= a < EDUCATION_END_AGE],
        too_old=[a for a in ordered if a >= EDUCATION_END_AGE],
    )
