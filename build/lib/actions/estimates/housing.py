"""Housing allowance (a Housing Office service) by household (housing-allowance.md).

1. Housing costs: rent, including heating and water charges, up to €900.00.
2. Own share: 25% of the household's gross monthly income.
3. Allowance = housing costs − own share; at most €450.00 a month for 1 or 2
   people and €550.00 for 3 or more; less than €20.00 is not paid.

The household's gross monthly income must be below €1,900.00 for 1 person,
€2,700.00 for 2 people, plus €400.00 for each extra person; its savings
below €20,000.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from actions.estimates.money import cents, share

__all__ = [
    "COSTS_CAP",
    "OWN_SHARE_RATE",
    "MIN_PAID",
    "SAVINGS_LIMIT",
    "HousingEstimate",
    "income_limit",
    "maximum_allowance",
    "estimate_housing",
]

COSTS_CAP = Decimal("900.00")
OWN_SHARE_RATE = Decimal("25")
MIN_PAID = Decimal("20.00")
SAVINGS_LIMIT = Decimal("20000.00")
_LIMIT_1, _LIMIT_2, _LIMIT_EXTRA = Decimal("1900.00"), Decimal("2700.00"), Decimal("400.00")
_MAX_SMALL, _MAX_LARGE = Decimal("450.00"), Decimal("550.00")


def income_limit(people: int) -> Decimal:
    """The household income limit: €1,900.00 (1), €2,700.00 (2), +€400.00 each extra person."""
    if people < 1:
        raise ValueError("a household has at least 1 person")
    if people == 1:
        return _LIMIT_1
    return _LIMIT_2 + _LIMIT_EXTRA * (people - 2)


def maximum_allowance(people: int) -> Decimal:
    """At most €450.00 a month for 1 or 2 people, €550.00 for 3 or more."""
    return _MAX_SMALL if people <= 2 else _MAX_LARGE


@dataclass(frozen=True)
class HousingEstimate:
    """Housing allowance worked out step by step."""

    people: int
    rent: Decimal
    income: Decimal
    limit: Decimal
    costs: Decimal
    own_share: Decimal
    result: Decimal
    maximum: Decimal
    monthly: Decimal

    @property
    def income_too_high(self) -> bool:
        """The income is not below the household's limit."""
        return self.income >= self.limit

    @property
    def rent_capped(self) -> bool:
        """Rent above €900.00 counts as €900.00."""
        return self.rent > self.costs

    @property
    def at_maximum(self) -> bool:
        """The result was above the household's maximum."""
        return self.result > self.maximum

    @property
    def below_minimum(self) -> bool:
        """The result was less than €20.00, so nothing is paid."""
        return not self.income_too_high and self.result < MIN_PAID


def estimate_housing(people: int, rent: Decimal, income: Decimal) -> HousingEstimate:
    """The monthly housing allowance for a household.

    housing-allowance.md, "How much" and its worked example: Pavel lives
    alone, rent €750.00, income €1,600.00: own share 25% × €1,600.00 =
    €400.00, allowance €750.00 − €400.00 = €350.00 a month.
    """
    limit = income_limit(people)
    costs = min(cents(rent), COSTS_CAP)
    own = share(income, OWN_SHARE_RATE)
    result = costs - own
    maximum = maximum_allowance(people)
    monthly = min(result, maximum)
    if income >= limit or monthly < MIN_PAID:
        monthly = Decimal("0.00")
    return HousingEstimate(
        people=people,
        rent=cents(rent),
        income=cents(income),
        limit=limit,
        costs=costs,
        own_share=own,
        result=result,
        maximum=maximum,
        monthly=cents(monthly),
    )
