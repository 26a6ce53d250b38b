"""Amounts in euros in a citizen's words: "€2,400 a month", "I earn 1800", "rent 750".

Part of `parsing` (which re-exports it); same two modes: a figure is taken
from a message only where the words say it is money, and any number when
it answers the question just asked.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Dict, List, Optional, Sequence

from actions.estimates.numbers import Number, normalise, numbers

__all__ = ["monthly_amount", "amounts_by_role", "RENT_WORDS", "INCOME_WORDS"]

_OTHER_UNIT = re.compile(
    r"^\s*(?:%|percent|per cent|kids?\b|children\b|child\b|sons?\b|daughters?\b|people\b|"
    r"persons?\b|weeks?\b|days?\b|hours?\b|am\b|pm\b|:\d)"
)


_CURRENCY_BEFORE = re.compile(r"(?:€|\beur|\beuros?)\s*$")
_CURRENCY_AFTER = re.compile(r"^\s*(?:€|eur\b|euros?\b|e\b)")
_PER_MONTH = re.compile(
    r"^\s*(?:€|eur\b|euros?\b)?\s*(?:gross|net|before tax|brutto|a month|per month|/ ?month|"
    r"(?:monthly )?(?:wage|salary|income)\b|"
    r"pm\b|p/m|monthly|a mth|per mth|a mnth)"
)
_AMOUNT_WORDS = (
    r"earn|earns|earned|earning|earnings|make|makes|made|making|wage|wages|salary|income|"
    r"paid|pay|pays|rent|rents|pension|got|get|gets|received?|gross"
)
_BEFORE_AMOUNT = re.compile(
    rf"\b(?:{_AMOUNT_WORDS})\b(?:\s+(?:is|was|were|of|about|around|roughly|approx\.?|"
    r"approximately|maybe|like|only|just|me|us|together|a month|per month|monthly|each month|"
    r"every month|gross|net|in total|total|is about|was about))*\s*(?:€|eur|euros?)?\s*$"
)


def _is_amount(value: str, number: Number) -> bool:
    before, after = value[: number.start], value[number.end:]
    return bool(
        _CURRENCY_BEFORE.search(before) or _CURRENCY_AFTER.search(after)
        or _PER_MONTH.search(after) or _BEFORE_AMOUNT.search(before)
    )


def _amounts(value: str) -> List[Number]:
    return [n for n in numbers(value) if _is_amount(value, n)]


_NOT_MONEY_AFTER = re.compile(
    r"^\s*(?:%|percent|per cent|kids?\b|children\b|child\b|sons?\b|daughters?\b|people\b|"
    r"persons?\b|of us\b|adults\b|years?\b|yrs?\b|months?\b|weeks?\b|days?\b|hours?\b|"
    r"old\b|yo\b|am\b|pm\b|:\d)"
)
_NOT_MONEY_BEFORE = re.compile(r"(?:\bat|\bage|\baged|\bi'?m|\bi am|\bim|\bof|\bfamily of"
                               r"|\bwe are)\s*$")


def _money_candidates(value: str) -> List[Number]:
    """Numbers that may be amounts: not ages, counts, durations or percentages."""
    return [n for n in numbers(value) if _is_amount(value, n) or not (
        _NOT_MONEY_AFTER.search(value[n.end:]) or _NOT_MONEY_BEFORE.search(value[: n.start]))]


def monthly_amount(text: str, answer: bool = False) -> Optional[Decimal]:
    """A monthly amount in euros: "€2,400 a month", "2400 gross", "I earn 1800", "2.5k"."""
    value = normalise(text)
    found = _amounts(value)
    if found:
        return found[0].value.quantize(Decimal("0.01"))
    if answer:
        bare = [n for n in numbers(value) if not _OTHER_UNIT.search(value[n.end:])
                or _CURRENCY_AFTER.search(value[n.end:])]
        if bare:
            return bare[0].value.quantize(Decimal("0.01"))
        if re.search(r"\b(?:nothing|none|nil|no income|0)\b", value):
            return Decimal("0.00")
    return None


RENT_WORDS = ("rent", "rents", "renting", "housing costs", "flat costs", "for the flat",
              "for my flat", "for the apartment", "landlord")
INCOME_WORDS = ("earn", "earns", "earned", "earning", "income", "wage", "wages", "salary",
                "make", "makes", "made", "gross", "net", "pension", "benefit", "together")


def amounts_by_role(text: str, roles: Dict[str, Sequence[str]]) -> Dict[str, Decimal]:
    """Each amount given to the role whose word is nearest: "rent 750, I earn 1600".

    The nearest pairs are matched first; an amount left over goes to a role
    left over when it looks like money ("1600 a month").
    """
    value = normalise(text)
    candidates = _money_candidates(value)
    pairs = []
    for index, number in enumerate(candidates):
        for role, words in roles.items():
            gaps = [_gap(number, match) for word in words
                    for match in re.finditer(rf"\b{re.escape(word)}\b", value)]
            near = [g for g in gaps if g <= 40]
            if near:
                pairs.append((min(near), index, role))
    found: Dict[str, Decimal] = {}
    used = set()
    for _, index, role in sorted(pairs):
        if role not in found and index not in used:
            found[role], used = candidates[index].value.quantize(Decimal("0.01")), used | {index}
    left_roles = [r for r in roles if r not in found]
    left = [n for i, n in enumerate(candidates) if i not in used and _is_amount(value, n)]
    if len(left_roles) == 1 and len(left) == 1:
        found[left_roles[0]] = left[0].value.quantize(Decimal("0.01"))
    return found


def _gap(number: Number, match: re.Match) -> int:
    """Characters between a number and a word, either side."""
    if match.end() <= number.start:
        return number.start - match.end()
    return max(match.start() - number.end, 0) + 1
