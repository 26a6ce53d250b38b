"""Old-age pension from contribution months and the age it starts (old-age-pension.md).

- €37.00 a month for each contribution year; full pension €1,480.00 after
  40 years, more years do not increase it.
- 12 contribution months make 1 year; leftover months count as a full year
  if there are 6 or more, otherwise they do not count.
- At least 5 years (60 months) of contributions.
- State pension age 67; early from 63 with 0.4% less for each month before
  67, for life; later with 0.5% more for each month after 67, up to 36
  months (at most 18%).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from actions.estimates.money import cents, share

__all__ = [
    "PER_YEAR",
    "FULL_YEARS",
    "MIN_MONTHS",
    "PENSION_AGE",
    "EARLIEST_AGE",
    "EARLY_RATE",
    "LATE_RATE",
    "MAX_LATE_MONTHS",
    "CountedYears",
    "PensionEstimate",
    "counted_years",
    "pension_at_67",
    "estimate_pension",
]

PER_YEAR = Decimal("37.00")
FULL_YEARS = 40
MIN_MONTHS = 60
PENSION_AGE = 67 * 12
EARLIEST_AGE = 63 * 12
EARLY_RATE = Decimal("0.4")
LATE_RATE = Decimal("0.5")
MAX_LATE_MONTHS = 36


@dataclass(frozen=True)
class CountedYears:
    """Contribution months as the pension counts them."""

    months: int
    whole_years: int
    leftover_months: int
    years: int
    capped: bool

    @property
    def rounded_up(self) -> bool:
        """6 or more leftover months counted as a full year."""
        return self.leftover_months >= 6

    @property
    def eligible(self) -> bool:
        """At least 5 years (60 months) of contributions."""
        return self.months >= MIN_MONTHS


def counted_years(months: int) -> CountedYears:
    """The years a pension counts: the leftover-months rule, then at most 40.

    old-age-pension.md: "12 months make 1 year. Leftover months count as a
    full year if there are 6 or more; otherwise they do not count." and
    "More than 40 years does not increase it."
    """
    if months < 0:
        raise ValueError("contribution months cannot be negative")
    whole, leftover = divmod(months, 12)
    years = whole + (1 if leftover >= 6 else 0)
    return CountedYears(months, whole, leftover, min(years, FULL_YEARS), years > FULL_YEARS)


def pension_at_67(months: int) -> Decimal:
    """The monthly pension at 67: €37.00 for each counted year (at most €1,480.00)."""
    return cents(PER_YEAR * counted_years(months).years)


@dataclass(frozen=True)
class PensionEstimate:
    """An old-age pension worked out step by step."""

    years: CountedYears
    at_67: Decimal
    start_age_months: int
    months_early: int
    months_late: int
    late_months_counted: int
    rate: Decimal
    change: Decimal
    monthly: Decimal

    @property
    def eligible(self) -> bool:
        """At least 5 years of contributions."""
        return self.years.eligible


def estimate_pension(contribution_months: int, start_age_months: Optional[int]) -> PensionEstimate:
    """The monthly pension starting at `start_age_months` (67 years if None).

    old-age-pension.md, "How much": minus 0.4% for each month before 67 (from
    63), plus 0.5% for each month after 67 up to 36 months. The change is
    that share of the pension at 67, rounded to the cent (the worked
    example: 30 months early, 12% of €1,184.00 is €142.08, leaving
    €1,041.92). Below 5 years of contributions there is no pension.
    """
    start = PENSION_AGE if start_age_months is None else start_age_months
    if start < EARLIEST_AGE:
        raise ValueError("an old-age pension starts at 63 at the earliest")
    years = counted_years(contribution_months)
    at_67 = pension_at_67(contribution_months) if years.eligible else Decimal("0.00")
    early = max(PENSION_AGE - start, 0)
    late = max(start - PENSION_AGE, 0)
    late_counted = min(late, MAX_LATE_MONTHS)
    rate = -EARLY_RATE * early if early else LATE_RATE * late_counted
    change = share(at_67, abs(rate))
    monthly = at_67 - change if early else at_67 + change
    return PensionEstimate(
        years=years,
        at_67=at_67,
        start_age_months=start,
        months_early=early,
        months_late=late,
        late_months_counted=late_counted,
        rate=rate,
        change=change,
        monthly=cents(monthly),
    )
