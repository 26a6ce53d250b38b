"""Unemployment, sickness and parental benefit from the wage.

All three count the gross monthly wage up to the insured earnings ceiling
of €4,000.00 a month (the reference wage) and pay a share of it:

- unemployment-benefit.md: 60% in months 1 to 6, 50% from month 7, at least
  €660.00 a month; paid every 2 weeks (daily rate = monthly ÷ 30, 14 days);
  the longest time by age; 50% of earnings above €100.00 in a 2-week period
  is deducted.
- sickness-benefit.md: 80%, at most €3,200.00 a month, paid every 2 weeks
  (daily rate = monthly ÷ 30); 50% sick means 50% of it; at most 52 weeks,
  the first 14 days paid by the employer.
- parental-benefit.md: 70%, from €700.00 to €2,800.00 a month; €500.00 (the
  basic rate) with fewer than 6 months insured; half-time leave pays half.

The daily rate is rounded to the cent and a payment is 14 daily rates, as
in the worked examples (€60.00 a day, €840.00 for 2 weeks).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Tuple

from actions.estimates.money import cents, share

__all__ = [
    "CEILING",
    "DAYS_PER_MONTH",
    "PAYMENT_DAYS",
    "Payments",
    "reference_wage",
    "payments",
    "UNEMPLOYMENT_FIRST_RATE",
    "UNEMPLOYMENT_LATER_RATE",
    "UNEMPLOYMENT_FLOOR",
    "UNEMPLOYMENT_FIRST_MONTHS",
    "UnemploymentEstimate",
    "longest_unemployment_months",
    "earnings_deduction",
    "payment_with_earnings",
    "EARNINGS_ALLOWANCE",
    "EARNINGS_DEDUCTION_RATE",
    "estimate_unemployment",
    "SICKNESS_RATE",
    "SICKNESS_MAX_WEEKS",
    "EMPLOYER_DAYS",
    "SicknessEstimate",
    "estimate_sickness",
    "PARENTAL_RATE",
    "PARENTAL_FLOOR",
    "PARENTAL_BASIC_RATE",
    "ParentalEstimate",
    "estimate_parental",
]

CEILING = Decimal("4000.00")
DAYS_PER_MONTH = 30
PAYMENT_DAYS = 14

UNEMPLOYMENT_FIRST_RATE = Decimal("60")
UNEMPLOYMENT_LATER_RATE = Decimal("50")
UNEMPLOYMENT_FLOOR = Decimal("660.00")
UNEMPLOYMENT_FIRST_MONTHS = 6
UNEMPLOYMENT_MIN_AGE = 18
UNEMPLOYMENT_END_AGE = 67
EARNINGS_ALLOWANCE = Decimal("100.00")
EARNINGS_DEDUCTION_RATE = Decimal("50")

SICKNESS_RATE = Decimal("80")
SICKNESS_MAX_WEEKS = 52
EMPLOYER_DAYS = 14

PARENTAL_RATE = Decimal("70")
PARENTAL_FLOOR = Decimal("700.00")
PARENTAL_BASIC_RATE = Decimal("500.00")


def reference_wage(wage: Decimal) -> Decimal:
    """The gross monthly wage counted up to the ceiling of €4,000.00 a month."""
    if wage < 0:
        raise ValueError("a wage cannot be negative")
    return cents(min(wage, CEILING))


@dataclass(frozen=True)
class Payments:
    """A monthly amount and the 2-weekly payment made of it."""

    monthly: Decimal
    daily: Decimal
    fortnight: Decimal


def payments(monthly: Decimal) -> Payments:
    """Daily rate = monthly amount ÷ 30 (to the cent); a payment covers 14 days."""
    daily = cents(monthly / DAYS_PER_MONTH)
    return Payments(cents(monthly), daily, cents(daily * PAYMENT_DAYS))


# --- unemployment ----------------------------------------------------------------


@dataclass(frozen=True)
class UnemploymentEstimate:
    """Unemployment benefit by phase, and how long it lasts."""

    wage: Decimal
    reference: Decimal
    age: int
    longest_months: int
    first: Payments
    first_at_floor: bool
    later: Optional[Payments]
    later_at_floor: bool

    @property
    def capped(self) -> bool:
        """The wage was above the ceiling of €4,000.00."""
        return self.wage > self.reference

    @property
    def eligible_age(self) -> bool:
        """18 to 66 years old."""
        return self.longest_months > 0


def longest_unemployment_months(age: int) -> int:
    """The longest time by age on the first day without work (0 outside 18 to 66).

    unemployment-benefit.md: under 30, 6 months; 30 to 49, 12; 50 to 59, 18;
    60 to 66, 24. You are 18 to 66 years old; it always stops at 67.
    """
    if age < UNEMPLOYMENT_MIN_AGE or age >= UNEMPLOYMENT_END_AGE:
        return 0
    if age < 30:
        return 6
    if age < 50:
        return 12
    if age < 60:
        return 18
    return 24


def _unemployment_monthly(reference: Decimal, rate: Decimal) -> Tuple[Decimal, bool]:
    amount = share(reference, rate)
    return (max(amount, UNEMPLOYMENT_FLOOR), amount < UNEMPLOYMENT_FLOOR)


def estimate_unemployment(wage: Decimal, age: int) -> UnemploymentEstimate:
    """Unemployment benefit from the average gross monthly wage and the age.

    unemployment-benefit.md, "How much" and its worked example: a wage of
    €3,000.00 gives 60% = €1,800.00 a month, €60.00 a day, €840.00 every 2
    weeks, then 50% = €1,500.00, €50.00 a day, €700.00 from month 7. The
    lowest benefit is €660.00 a month; under 30 it lasts only 6 months, so
    there is no month 7.
    """
    reference = reference_wage(wage)
    months = longest_unemployment_months(age)
    first, first_floor = _unemployment_monthly(reference, UNEMPLOYMENT_FIRST_RATE)
    later, later_floor = _unemployment_monthly(reference, UNEMPLOYMENT_LATER_RATE)
    has_later = months > UNEMPLOYMENT_FIRST_MONTHS
    return UnemploymentEstimate(
        wage=cents(wage),
        reference=reference,
        age=age,
        longest_months=months,
        first=payments(first),
        first_at_floor=first_floor,
        later=payments(later) if has_later else None,
        later_at_floor=later_floor and has_later,
    )


def earnings_deduction(earnings: Decimal) -> Decimal:
    """What is taken off a 2-week payment: 50% of gross earnings above €100.00.

    unemployment-benefit.md: earning €300.00 in a 2-week period takes
    50% × (€300.00 − €100.00) = €100.00 off the payment.
    """
    return share(max(earnings - EARNINGS_ALLOWANCE, Decimal("0")), EARNINGS_DEDUCTION_RATE)


def payment_with_earnings(fortnight: Decimal, earnings: Decimal) -> Decimal:
    """A 2-week payment after the earnings deduction (€840.00 and €300.00 earned: €740.00)."""
    return max(cents(fortnight - earnings_deduction(earnings)), Decimal("0.00"))


# --- sickness ----------------------------------------------------------------


@dataclass(frozen=True)
class SicknessEstimate:
    """Sickness benefit from day 15."""

    wage: Decimal
    reference: Decimal
    sick_percent: Decimal
    full: Decimal
    benefit: Payments

    @property
    def capped(self) -> bool:
        """The wage was above the ceiling of €4,000.00."""
        return self.wage > self.reference


def estimate_sickness(wage: Decimal, sick_percent: Decimal = Decimal("100")) -> SicknessEstimate:
    """Sickness benefit from the average gross monthly wage of the last 3 months.

    sickness-benefit.md, "How much" and its worked example: 80% × €2,700.00 =
    €2,160.00 a month, €72.00 a day, €1,008.00 for 14 days. At most
    €3,200.00 a month; 50% sick and working 50% gives 50% of it.
    """
    reference = reference_wage(wage)
    full = share(reference, SICKNESS_RATE)
    return SicknessEstimate(
        wage=cents(wage),
        reference=reference,
        sick_percent=Decimal(sick_percent),
        full=full,
        benefit=payments(share(full, sick_percent)),
    )


# --- parental ----------------------------------------------------------------


@dataclass(frozen=True)
class ParentalEstimate:
    """Parental benefit a month, on full-time and half-time leave."""

    wage: Decimal
    reference: Decimal
    basic_rate: bool
    at_floor: bool
    monthly: Decimal
    half_time: Decimal

    @property
    def capped(self) -> bool:
        """The wage was above the ceiling of €4,000.00."""
        return self.wage > self.reference


def estimate_parental(wage: Decimal, insured_six_months: bool = True) -> ParentalEstimate:
    """Parental benefit from the average gross monthly wage of the 12 months before.

    parental-benefit.md, "How much" and its worked example: 70% × €2,800.00 =
    €1,960.00 a month; half-time, €980.00. From €700.00 to €2,800.00 a month;
    the basic rate of €500.00 with fewer than 6 months insured.
    """
    reference = reference_wage(wage)
    if not insured_six_months:
        monthly, floor = PARENTAL_BASIC_RATE, False
    else:
        amount = share(reference, PARENTAL_RATE)
        monthly, floor = max(amount, PARENTAL_FLOOR), amount < PARENTAL_FLOOR
    return ParentalEstimate(
        wage=cents(wage),
        reference=reference,
        basic_rate=not insured_six_months,
        at_floor=floor,
        monthly=monthly,
        half_time=share(monthly, 50),
    )
