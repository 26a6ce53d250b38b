"""Amounts as the handbook writes them: euros with 2 decimals (€1,480.00).

The handbook does not say how a share of an amount is rounded; its worked
examples all come out in whole cents. Every amount shown to the citizen is
rounded to the cent half up (`cents`), and later steps use the rounded
figure, so the working the assistant shows adds up exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Dict, Union

__all__ = ["CENT", "Money", "cents", "share", "euros", "said", "percent"]

CENT = Decimal("0.01")
Money = Decimal
Number = Union[Decimal, int, str]


def cents(value: Number) -> Decimal:
    """`value` rounded to the cent, half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def share(amount: Number, rate: Number) -> Decimal:
    """`rate` percent of `amount`, rounded to the cent (60% of €3,000.00 is €1,800.00)."""
    return cents(Decimal(amount) * Decimal(rate) / 100)


def euros(amount: Number) -> str:
    """An amount the way the handbook writes it: €1,041.92."""
    return f"€{cents(amount):,.2f}"


def said(amount: Number) -> Dict[str, int]:
    """An amount as a response variable: the text catalogue writes it as the language does.

    €1,200.00 in English, 1 200,00 € in Polish and Ukrainian, where
    "€1,200.00" would read as about one euro (bot/i18n/catalogue.py `render`).
    """
    return {"money": int(cents(amount) * 100)}


def percent(rate: Number) -> str:
    """A percentage without needless zeros: 12%, 9.6%, 19.2%."""
    value = Decimal(rate).normalize()
    text = f"{value:f}"
    return f"{text}%"
