"""Disability benefit by degree, with the care supplement (disability-benefit.md).

Degree I (40–59% less work capacity) €520.00, Degree II (60–79%) €890.00,
Degree III (80–100%) €1,250.00 a month; a care supplement of €310.00 a
month extra for help from another person every day. Below 40% there is no
disability benefit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

__all__ = [
    "DEGREE_AMOUNTS",
    "CARE_SUPPLEMENT",
    "DisabilityEstimate",
    "degree_for_reduction",
    "estimate_disability",
]

DEGREE_AMOUNTS = {1: Decimal("520.00"), 2: Decimal("890.00"), 3: Decimal("1250.00")}
CARE_SUPPLEMENT = Decimal("310.00")


def degree_for_reduction(percent: int) -> Optional[int]:
    """The degree for a reduction in work capacity (None below 40%)."""
    if not 0 <= percent <= 100:
        raise ValueError("a reduction is 0 to 100%")
    if percent < 40:
        return None
    if percent < 60:
        return 1
    return 2 if percent < 80 else 3


@dataclass(frozen=True)
class DisabilityEstimate:
    """Disability benefit a month."""

    degree: int
    amount: Decimal
    care: Decimal
    monthly: Decimal


def estimate_disability(degree: int, care_supplement: bool) -> DisabilityEstimate:
    """The monthly disability benefit for a degree, with or without the care supplement.

    disability-benefit.md, worked example: Degree II and help every day:
    €890.00 + €310.00 = €1,200.00 a month.
    """
    amount = DEGREE_AMOUNTS[degree]
    care = CARE_SUPPLEMENT if care_supplement else Decimal("0.00")
    return DisabilityEstimate(degree, amount, care, amount + care)
