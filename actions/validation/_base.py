"""The error every validator raises, and the clean-up all of them share.

Citizens type on phones in many keyboards: full-width or Arabic-Indic digits,
non-breaking spaces, typographic dashes, invisible joiners and direction marks. `clean` turns all
of that into plain ASCII digits, single spaces and "-" so that the validators
can be strict about values while staying generous about shapes.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any, Optional

from bot.errors import NssaError

__all__ = ["ValidationError", "clean", "format_date", "today_or"]

# Hyphen, non-breaking hyphen, figure dash, en and em dash, minus sign ...
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")


class ValidationError(NssaError, ValueError):
    """An answer cannot be used; the message is what the assistant tells the citizen."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean(text: Any) -> str:
    """Return `text` in NFKC with ASCII digits, plain dashes and single spaces, trimmed."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    out = []
    for char in unicodedata.normalize("NFKC", text):
        if unicodedata.category(char) == "Cf":
            # Invisible format characters: zero-width space and joiners, soft
            # hyphen, byte-order mark, and the direction marks that come along
            # when a number is copied from right-to-left text.
            continue
        if char.isspace():
            out.append(" ")
        elif char in _DASHES:
            out.append("-")
        else:
            digit = unicodedata.decimal(char, None)
            out.append(char if digit is None else str(digit))
    return " ".join("".join(out).split())


def format_date(value: dt.date) -> str:
    """Write a date the way citizens read it: DD.MM.YYYY."""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def today_or(today: Optional[dt.date]) -> dt.date:
    """Return `today`, or the current date when it is not given."""
    return dt.date.today() if today is None else today
