"""Amounts in euros and whole numbers, as citizens type them."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Optional

from actions.validation._base import ValidationError, clean

__all__ = ["amount", "to_cents", "whole_number", "household_size"]

# The answers to a wrong amount or number: responses of data/core/errors.yml.
AMOUNT_FORMAT = "utter_invalid_amount"
_NEGATIVE = "utter_invalid_amount_negative"
_ZERO_WORDS = frozenset({"none", "nothing", "zero", "nil", "no income", "no rent"})
# Currency and "per month" around the number: "€750", "750 EUR", "750 euros a month".
_AROUND_AMOUNT = re.compile(r"€|\beuros?|\beur|\bper month\b|\ba month\b|/ ?month\b|\bmonthly\b")
_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
).split()
_UNIT_WORDS = re.compile(
    r"\s*\b(people|persons|person|of us|in total|total|including me|including myself)$"
)


def _plain_number(value: str) -> Optional[str]:
    """"1.234,50", "1,234.50", "750,5" -> "1234.50", "1234.50", "750.5"; None if unclear."""
    separators = [char for char in ".," if char in value]
    if len(separators) == 2:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
        whole, fraction = value.rsplit(decimal, 1)
        groups = whole.split("." if decimal == "," else ",")
    elif separators:
        parts = value.split(separators[0])
        if len(parts) == 2 and len(parts[1]) in (1, 2):
            whole, fraction, groups = parts[0], parts[1], [parts[0]]
        else:
            # "1,234" or "1.234.567": thousands; euros have no 3-digit cents.
            whole, fraction, groups = value, "", parts
    else:
        whole, fraction, groups = value, "", [value]
    if len(groups) > 1 and not (
        1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])
    ):
        return None
    digits = "".join(groups)
    # Up to 999 billion: anything longer is a typo (and beyond Decimal's precision).
    if not re.fullmatch(r"[0-9]{1,12}", digits) or not re.fullmatch(r"[0-9]{0,2}", fraction):
        return None
    return f"{digits}.{fraction or '0'}"


def amount(text: Any, maximum: Optional[Decimal] = None) -> Decimal:
    """Return an amount in euros, 0 or more, with 2 decimals ("1,234.50" -> 1234.50)."""
    value = clean(text).casefold()
    value = _AROUND_AMOUNT.sub(" ", value).strip(" .")
    if value in _ZERO_WORDS:
        return Decimal("0.00")
    # "1 234", "1'234"; "750,-" is a whole amount.
    value = re.sub(r"[.,]-+$", "", re.sub(r"[ '_]", "", value))
    if value.startswith(("-", "minus")):
        raise ValidationError(_NEGATIVE)
    plain = _plain_number(value) if value else None
    if plain is None:
        raise ValidationError(AMOUNT_FORMAT)
    result = Decimal(plain).quantize(Decimal("0.01"))
    if maximum is not None and result > maximum:
        raise ValidationError("utter_invalid_amount_max", maximum=f"{maximum:,.2f}")
    return result


def to_cents(value: Decimal) -> int:
    """Return a euro amount in whole cents (750.50 -> 75050)."""
    return int((value * 100).to_integral_value())


def whole_number(
    text: Any, minimum: int, maximum: int, response: str = "utter_invalid_whole_number"
) -> int:
    """Return a whole number from `minimum` to `maximum`, typed as digits or a word."""
    error = ValidationError(response, minimum=minimum, maximum=maximum)
    value = _UNIT_WORDS.sub("", clean(text).casefold().strip(" .!"))
    if re.fullmatch(r"[0-9]{1,9}", value):
        number = int(value)
    elif value in _NUMBER_WORDS:
        number = _NUMBER_WORDS.index(value)
    else:
        raise error
    if not minimum <= number <= maximum:
        raise error
    return number


def household_size(text: Any) -> int:
    """Return how many people live in the home, including the citizen: 1 to 20."""
    return whole_number(text, 1, 20, "utter_invalid_household_size")
