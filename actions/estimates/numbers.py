"""Numbers as citizens type them: digits or words, halves, thousands, "2.4k".

`normalise` makes a message lower case with digits for number words
("twenty eight yrs" -> "28 yrs", "sixty-five and a half" -> "65.5");
`numbers` finds every number with its position, so the parsers in
`parsing.py` can look at the words around it. Polish, Ukrainian and Arabic
words around the figures ("28 lat", "мені 58", "٢٨ سنة") are read as their
English first (`words.py`); Eastern Arabic digits are plain digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import List, Optional

from actions.estimates.words import english
from actions.validation import clean

__all__ = ["Number", "normalise", "numbers", "to_decimal", "NUMBER"]

_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_TENS = re.compile(
    rf"\b({'|'.join(_TENS)})(?:[ -]+({'|'.join(_SMALL[1:10])}))?\b"
)
_WORD_SMALL = re.compile(rf"\b({'|'.join(_SMALL)})\b")
_HALF = re.compile(r"(\d+)(?:\s+and\s+a\s+half|\s+and\s+half|\s*1\s*[/\u2044]\s*2|\s*½)")
_UNIT_HALF = re.compile(r"(\d+)\s*(years?|yrs?)\s+and\s+a\s+half")
# The Arabic decimal and thousands separators: "٢٨٠٠٫٥٠" is 2800.50.
_ARABIC_SEPARATORS = {ord("\u066b"): ".", ord("\u066c"): ","}
_THOUSANDS = re.compile(r"\b(\d+(?:\.\d+)?)\s?k\b")
# 1,234.56 / 1.234,56 / 2.400 / 2400 / 28.5 / 750,50
NUMBER = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?(?!\d)"
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?(?!\d)"
    r"|\d+(?:[.,]\d{1,2})?(?!\d)"
)
_NUMBER = re.compile(NUMBER)


def _words_to_digits(text: str) -> str:
    def tens(match: re.Match) -> str:
        value = 20 + 10 * _TENS.index(match.group(1))
        return str(value + (_SMALL.index(match.group(2)) if match.group(2) else 0))

    text = _WORD_TENS.sub(tens, text)
    return _WORD_SMALL.sub(lambda m: str(_SMALL.index(m.group(1))), text)


def normalise(text: object) -> str:
    """Lower case, plain digits and quotes, number words as digits, halves as .5."""
    value = clean(text).casefold().replace("\u2019", "'").replace("\u2018", "'")
    value = english(value.translate(_ARABIC_SEPARATORS))
    value = _words_to_digits(value)
    value = _UNIT_HALF.sub(r"\1.5 \2", value)
    value = _HALF.sub(r"\1.5", value)

    def thousands(match: re.Match) -> str:
        return f"{Decimal(match.group(1)) * 1000:f}".split(".")[0]

    return _THOUSANDS.sub(thousands, value)


def to_decimal(token: str) -> Optional[Decimal]:
    """Read "1,234.56", "1.234,56", "2.400" or "28.5" as a Decimal; None if not a number."""
    if "," in token and "." in token:
        decimal = "," if token.rfind(",") > token.rfind(".") else "."
        group = "." if decimal == "," else ","
        token = token.replace(group, "").replace(decimal, ".")
    elif "," in token or "." in token:
        separator = "," if "," in token else "."
        parts = token.split(separator)
        if len(parts) > 2 or len(parts[-1]) == 3:
            token = "".join(parts)  # thousands: euros have no 3-digit cents
        else:
            token = ".".join(parts)
    try:
        return Decimal(token)
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class Number:
    """A number in a normalised message, with where it stands."""

    value: Decimal
    start: int
    end: int

    def before(self, text: str, chars: int = 30) -> str:
        """The text just before the number."""
        return text[max(0, self.start - chars) : self.start]

    def after(self, text: str, chars: int = 30) -> str:
        """The text just after the number."""
        return text[self.end : self.end + chars]


def numbers(text: str) -> List[Number]:
    """Every number of a normalised text, in order (no part of a word: "b2b", "3rd")."""
    found = []
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        glued = start and text[start - 1].isalpha() and not text[:start].endswith("eur")
        if glued or text[end:end + 2] in _ORDINALS:
            continue
        value = to_decimal(match.group())
        if value is not None:
            found.append(Number(value, start, end))
    return found


_ORDINALS = {"st", "nd", "rd", "th"}
