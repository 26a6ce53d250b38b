"""The GSM 03.38 alphabet of SMS: which texts it carries, plain stand-ins, parts billed.

    is_gsm7          whether a text can go as GSM-7 (default alphabet and
                     extension table)
    to_gsm7          characters that would force UCS-2 replaced by plain ones
                     where one exists (curly quotes, dashes, ellipsis, odd
                     spaces, accented letters outside GSM-7), when that makes
                     the whole text GSM-7; a text that needs UCS-2 anyway
                     (Arabic, Cyrillic) is kept exactly as written
    segments         how many parts a text is billed as: GSM-7 160/153
                     septets (an extension character takes 2 and is never
                     split), else UCS-2 70/67 UTF-16 units

The alphabet comes from the `gsm0338` codec (3GPP TS 23.038 default
alphabet and its extension table), not from a table of our own. Used by the
SMS channel (channels/sms_text.py) and by the translations' check
(bot/i18n/check.py: which texts need UCS-2).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Dict, Sequence

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

__all__ = ["Segments", "is_gsm7", "segments", "to_gsm7",
           "GSM7_SINGLE", "GSM7_MULTI", "UCS2_SINGLE", "UCS2_MULTI"]

_GSM = "gsm03.38"
GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

# Plain equivalents of characters outside GSM-7 that our texts and citizens use.
_REPLACEMENTS: Dict[str, str] = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00ad": "",
    "\u2026": "...",
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ",
    "\u202f": " ", "\u205f": " ", "\u3000": " ", "\t": " ",
    "\u2022": "-", "\u00b7": "-", "\u2023": "-", "\u25cf": "-",
    "\u00d7": "x", "\u2192": "->", "\u2190": "<-", "\u2264": "<=", "\u2265": ">=",
    "\u00e7": "c", "\u0131": "i", "\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D",
    "\u00f0": "d", "\u00fe": "th", "\u00de": "Th", "\u0153": "oe", "\u0152": "OE",
    "\u00b0": " degrees", "\u2122": "TM", "\u00a9": "(c)", "\u00ae": "(R)",
    "\u00bd": "1/2", "\u00bc": "1/4", "\u00be": "3/4",
}


def is_gsm7(text: str) -> bool:
    """Whether `text` can go as GSM-7 (default alphabet and extension table)."""
    try:
        text.encode(_GSM)
    except UnicodeEncodeError:
        return False
    return True


def _plain(ch: str) -> str:
    if is_gsm7(ch):
        return ch
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    # An accented letter outside GSM-7 (á, ó, š, ő ...): the letter without its
    # marks, or the GSM-7 letter with part of them (ẽ -> e, ǘ -> ü).
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if base and base != ch and is_gsm7(base):
        return base
    return ch


def to_gsm7(text: str) -> str:
    """`text` as GSM-7, plain equivalents replacing the characters that force UCS-2.

    When a character has none (Arabic, Cyrillic), the text goes as UCS-2
    anyway: it is kept as written, its quotes, dashes and letters untouched.
    """
    text = unicodedata.normalize("NFC", text)
    plain = "".join(_plain(ch) for ch in text)
    return plain if is_gsm7(plain) else text


@dataclass(frozen=True)
class Segments:
    """How a text goes: "GSM-7" or "UCS-2", in how many parts, of how many units."""

    encoding: str
    parts: int
    units: int


def _parts(units: Sequence[int], single: int, multi: int) -> int:
    """Parts for characters of the given widths; a character is never split."""
    total = sum(units)
    if total <= single:
        return 1
    parts, used = 1, 0
    for width in units:
        if used + width > multi:
            parts, used = parts + 1, 0
        used += width
    return parts


def segments(text: str) -> Segments:
    """The encoding and number of parts `text` is sent as (an empty text is 1 part)."""
    if is_gsm7(text):
        widths = [len(ch.encode(_GSM)) for ch in text]
        return Segments("GSM-7", _parts(widths, GSM7_SINGLE, GSM7_MULTI), sum(widths))
    widths = [len(ch.encode("utf-16-le")) // 2 for ch in text]
    return Segments("UCS-2", _parts(widths, UCS2_SINGLE, UCS2_MULTI), sum(widths))
