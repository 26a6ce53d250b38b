"""Numbers as each language writes them, and compared by value.

A translation may write €1,480.00 as "1480,00 €" or "١٬٤٨٠٫٠٠ €", 19.2% as
"19,2 %" and 08:00 as "8:00": the same facts. `facts()` reads the numbers
of a text into canonical tokens (amount, percentage, time, phone number,
form name, plain number), so the content check and the evaluation compare
values, never spellings. `money()` writes an amount the way a language does.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import List, Set

__all__ = ["normalise_digits", "facts", "missing_facts", "money"]

# Eastern Arabic and Persian digits, the Arabic decimal and thousands
# separators and percent sign, and the spaces written inside numbers.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_SIGNS = {ord("٫"): "\x01", ord("٬"): "\x02", ord("٪"): "%", ord("\u066a"): "%"}
_SPACES = re.compile(r"[\u00a0\u202f\u2009\u2007]")

_FORM = re.compile(r"\b(?:NSSA-\d{4}-\d{6}|HO-\d{8}|ER\d{8}|[A-Z][A-Za-z]{1,3}-\d{1,2})\b")
_PHONE = re.compile(r"(?<![\d.,])(?:\+\d{3}|0\d{2,3})(?: \d{2,3}){2,3}(?!\d|[.,]\d)")
_TIME = re.compile(r"(?<![\d.,:])(\d{1,2}):(\d{2})(?![\d:])")
_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d])")
_NUMBER = re.compile(r"\d[\d., \x01\x02]*\d|\d")


def normalise_digits(text: str) -> str:
    """NFKC, ASCII digits, plain spaces; Arabic separators kept as markers."""
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS).translate(_SIGNS)
    return _SPACES.sub(" ", text)


def _value(raw: str, decimal: str) -> str:
    """The value of one written number: "1 480,00" (decimal ",") -> "1480.00"."""
    raw = raw.replace("\x02", "").replace("\x01", ".").strip()
    thousands = "," if decimal == "." else "."
    # A space, or the other separator, before groups of 3 digits groups thousands.
    raw = re.sub(rf"(?<=\d)[ {re.escape(thousands)}](?=\d{{3}}(?!\d))", "", raw)
    if decimal == ",":
        raw = raw.replace(",", ".")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return raw
    return format(number.normalize(), "f") if number == number.to_integral() else str(number)


def facts(text: str, decimal: str = ".") -> Set[str]:
    """The canonical number tokens of `text` (in a language with that decimal separator)."""
    text = normalise_digits(text)
    found: Set[str] = set()
    for match in _FORM.finditer(text):
        found.add("form:" + match.group(0).upper())
    text = _FORM.sub(" ", text)
    for match in _PHONE.finditer(text):
        found.add("phone:" + re.sub(r"\D", "", match.group(0)))
    text = _PHONE.sub(" ", text)
    for match in _DATE.finditer(text):
        day, month, year = (int(g) for g in match.groups())
        found.add(f"date:{day:02d}.{month:02d}.{year}")
    text = _DATE.sub(" ", text)
    for match in _TIME.finditer(text):
        found.add(f"time:{int(match.group(1))}:{match.group(2)}")
    text = _TIME.sub(" ", text)
    for match in _NUMBER.finditer(text):
        raw = match.group(0)
        # "5 years and 3 months": a space only groups thousands, never two numbers.
        for part in _split_spaced(raw):
            end = match.start() + match.group(0).find(part) + len(part)
            suffix = text[end:end + 2].lstrip()
            kind = "percent" if suffix.startswith("%") else "number"
            found.add(f"{kind}:{_value(part, decimal)}")
    return found


def _split_spaced(raw: str) -> List[str]:
    """Split "5 12" into two numbers; keep "1 480,00" whole."""
    parts = raw.split(" ")
    merged: List[str] = [parts[0]]
    for part in parts[1:]:
        if re.fullmatch(r"\d{3}(?:[.,\x01]\d+)?", part) and re.search(r"\d$", merged[-1]) \
                and len(re.sub(r"\D", "", merged[-1].split(",")[0].split(".")[0])) <= 3:
            merged[-1] += " " + part
        else:
            merged.append(part)
    return [p.strip(" .,\x01\x02") for p in merged if p.strip(" .,\x01\x02")]


def missing_facts(english: str, translated: str, decimal: str) -> List[str]:
    """The English number tokens the translation does not have, readable."""
    have = facts(translated, decimal)
    return sorted(token.split(":", 1)[1] for token in facts(english, ".") - have)


def money(cents: int, decimal: str = ".") -> str:
    """An amount as the language writes it: €1,480.00 (".") or 1 480,00 € (",")."""
    whole, part = divmod(abs(int(cents)), 100)
    sign = "-" if cents < 0 else ""
    if decimal == ",":
        grouped = f"{whole:,}".replace(",", " ")
        return f"{sign}{grouped},{part:02d} €"
    return f"{sign}€{whole:,}.{part:02d}"
