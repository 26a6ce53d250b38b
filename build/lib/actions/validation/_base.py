"""The error every validator raises, and the clean-up all of them share.

Citizens type on phones in many keyboards: full-width or Arabic-Indic digits,
non-breaking spaces, typographic dashes, invisible joiners and direction marks. `clean` turns all
of that into plain ASCII digits, single spaces and "-" so that the validators
can be strict about values while staying generous about shapes.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any, Dict, Optional

from bot.errors import NssaError

__all__ = ["ValidationError", "clean", "format_date", "term", "today_or", "weekday"]

# Hyphen, non-breaking hyphen, figure dash, en and em dash, minus sign ...
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")


class ValidationError(NssaError, ValueError):
    """An answer cannot be used; `response` (with `variables`) is what the citizen is told.

    The response is one of data/core/errors.yml, said in the conversation's
    language by the Rasa server; `message` is its English text (logs, tests).
    """

    def __init__(self, response: str, **variables: Any) -> None:
        super().__init__(response)
        self.response = response
        self.variables = variables

    @property
    def message(self) -> str:
        """The English text of the response, variables filled in."""
        from bot.i18n.catalogue import default_catalogue

        return default_catalogue().text(self.response, "en", **self.variables)[0]

    def __str__(self) -> str:
        return self.message


def term(name: str, **variables: Any) -> Dict[str, Any]:
    """A word of texts.yml as a response variable, said in the message's language."""
    return {"term": name, "vars": variables} if variables else {"term": name}


def weekday(day: dt.date) -> Dict[str, Any]:
    """The weekday name of a date, as a response variable."""
    return term(f"term_weekday_{day.weekday()}")


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
