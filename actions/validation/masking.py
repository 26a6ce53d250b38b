"""Showing only the last 4 digits of personal numbers (identity-and-privacy.md).

`mask_personal_numbers` errs on the side of hiding: for logs and stored events,
a date or postcode typed next to a phone number may be hidden with it, but a
national ID number, an NR account or a Northland phone number is never kept.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, List, Optional

from actions.validation._base import clean

__all__ = ["last4", "ending", "mask", "mask_personal_numbers"]

# Separators citizens put between digit groups: spaces, dashes, dots, slashes, brackets.
_SEP = r"[ \t\u00a0\u2007\u202f\-\u2010-\u2015\u2212./()]"
_TOKEN = re.compile(
    # Kept as they are: case and Housing Office numbers, employer numbers, dates.
    rf"(?P<keep>(?<!\w)(?:(?i:NSSA)[ \-_./]{{0,3}}[0-9]{{4}}[ \-_./]{{0,3}}[0-9]{{6}}"
    rf"|(?i:HO|ER)[ \-_./]{{0,3}}[0-9]{{8}}"
    rf"|[0-9]{{1,2}}([./\-])[0-9]{{1,2}}\2[0-9]{{4}}|[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}})"
    rf"(?![0-9]))"
    rf"|(?P<account>(?<!\w)(?i:NR)(?:{_SEP}{{0,2}}[0-9]){{14,20}}(?![0-9]))"
    rf"|(?P<intl>(?<![\w+])(?:\+|00){_SEP}?999(?:{_SEP}{{0,2}}[0-9]){{8,10}}(?![0-9]))"
    rf"|(?P<chain>[0-9]+(?:{_SEP}{{1,2}}[0-9]+)*)"
)
_DIGITS = re.compile(r"[0-9]+")
# Freephone numbers (0800) are services, not people; +999 20 600 100 is the
# agency's line from abroad (agency.md).
_SERVICE_PREFIX = "0800"
_AGENCY_FROM_ABROAD = "20600100"


def last4(value: Any) -> str:
    """Return the last 4 digits of a number, ignoring everything but digits."""
    return re.sub(r"[^0-9]", "", clean(value))[-4:]


def ending(value: Any) -> str:
    """Return "ending 3456" for a national ID, account or phone number."""
    return f"ending {last4(value)}"


def mask(value: Any) -> str:
    """Return a number with every character but the last 4 replaced by "*"."""
    compact = re.sub(r"[^0-9A-Za-z]", "", clean(value))
    if len(compact) <= 4:
        return "*" * len(compact)
    return "*" * (len(compact) - 4) + compact[-4:]


def _hide(digits: str) -> str:
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def _is_personal(groups: List[str]) -> bool:
    """Tell whether consecutive digit groups hold an ID, phone, account or card number."""
    if any(len(group) >= 9 for group in groups):
        return True
    for start in range(len(groups)):
        digits = ""
        fours = 0
        for group in groups[start:]:
            digits += group
            fours = fours + 1 if len(group) == 4 else 0
            phone = len(digits) == 10 and digits[0] == "0"
            phone = phone and not digits.startswith(_SERVICE_PREFIX)
            if len(digits) == 11 or phone or fours >= 4:
                return True
            if len(digits) > 20:
                break
    return False


def _masked(match: "re.Match[str]") -> Optional[str]:
    """The masked form of a match, or None to keep it as it is."""
    kind, text = match.lastgroup, match.group()
    digits = "".join(_DIGITS.findall(text))
    if kind == "account":
        return text[:2] + _hide(digits)
    if kind == "intl":
        national = digits[3:] if digits.startswith("999") else digits[5:]
        return None if national == _AGENCY_FROM_ABROAD else "+999" + _hide(national)
    if kind == "chain" and _is_personal(_DIGITS.findall(text)):
        return _hide(digits)
    return None


def _ascii(char: str) -> str:
    """One character for one: any decimal digit as 0-9, full-width signs as ASCII."""
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    if "\uff01" <= char <= "\uff5e":
        return chr(ord(char) - 0xFEE0)
    return " " if char == "\u3000" else char


def mask_personal_numbers(text: str) -> str:
    """Hide national ID numbers, NR accounts and phone numbers in free text but their last 4."""
    # Matched on an ASCII copy of the same length, so spans point into `text`.
    plain = "".join(map(_ascii, text))
    parts, kept_from = [], 0
    for match in _TOKEN.finditer(plain):
        masked = _masked(match)
        if masked is not None:
            parts += [text[kept_from : match.start()], masked]
            kept_from = match.end()
    parts.append(text[kept_from:])
    return "".join(parts)
