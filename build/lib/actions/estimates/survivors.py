"""Survivors' pension: spouse's and orphan's pension (survivors-pension.md).

We start from the old-age pension of the person who died, or the pension
they had earned on the date of death with no early-pension reduction.
Spouse's pension 55% of it; orphan's pension 20% for each child, or 30% if
both parents have died. All survivors together get at most 100%: if the
total is higher, each share is reduced by the same percentage.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Tuple

from actions.estimates.money import cents

__all__ = [
    "SPOUSE_RATE",
    "ORPHAN_RATE",
    "FULL_ORPHAN_RATE",
    "TOTAL_LIMIT",
    "LIFELONG_AGE",
    "SurvivorsEstimate",
    "estimate_survivors",
]

SPOUSE_RATE = Decimal("55")
ORPHAN_RATE = Decimal("20")
FULL_ORPHAN_RATE = Decimal("30")
TOTAL_LIMIT = Decimal("100")
LIFELONG_AGE = 50


@dataclass(frozen=True)
class SurvivorsEstimate:
    """Each survivor's share and amount."""

    pension: Decimal
    spouse_rate: Optional[Decimal]
    spouse: Optional[Decimal]
    orphans: int
    orphan_rate: Decimal
    orphan: Optional[Decimal]
    total_rate: Decimal
    reduced: bool
    total: Decimal


def estimate_survivors(
    pension: Decimal, spouse: bool, orphans: int, both_parents_died: bool = False
) -> SurvivorsEstimate:
    """Survivors' pensions from the pension of the person who died.

    survivors-pension.md, "How much" and its worked example: from €1,184.00,
    the spouse gets 55% = €651.20 and a child 20% = €236.80, together
    €888.00 (75%), below the 100% limit. Above 100% every share is reduced
    in the same proportion (shares × 100 ÷ total), each rounded to the cent.
    """
    if orphans < 0:
        raise ValueError("the number of children cannot be negative")
    orphan_rate = FULL_ORPHAN_RATE if both_parents_died else ORPHAN_RATE
    rates: Tuple[Decimal, ...] = ((SPOUSE_RATE,) if spouse else ()) + (orphan_rate,) * orphans
    total_rate = sum(rates, Decimal("0"))
    reduced = total_rate > TOTAL_LIMIT

    def scaled(rate: Decimal) -> Decimal:
        return rate * TOTAL_LIMIT / total_rate if reduced else rate

    def amount(rate: Decimal) -> Decimal:
        return cents(pension * scaled(rate) / 100)

    spouse_amount = amount(SPOUSE_RATE) if spouse else None
    orphan_amount = amount(orphan_rate) if orphans else None
    total = (spouse_amount or Decimal("0.00")) + (orphan_amount or Decimal("0.00")) * orphans
    return SurvivorsEstimate(
        pension=cents(pension),
        spouse_rate=scaled(SPOUSE_RATE) if spouse else None,
        spouse=spouse_amount,
        orphans=orphans,
        orphan_rate=scaled(orphan_rate),
        orphan=orphan_amount,
        total_rate=min(total_rate, TOTAL_LIMIT),
        reduced=reduced,
        total=cents(total),
    )
