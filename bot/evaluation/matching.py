"""How a reply is matched against the checks of the frozen set.

Both sides are normalised the same way (evaluation/frozen/README.md):

- Unicode NFKC, case folded, every run of whitespace (no-break and thin
  spaces included) one space;
- Eastern Arabic and Persian digits become 0-9 (with the Arabic decimal,
  thousands and percent signs), every dash becomes "-", curly and angle
  quotes become straight ones;
- numbers are written one way, so a value matches however a language writes
  it: an amount next to "€" or a currency word becomes `€1480.00`, a
  percentage `19.2%`, and a number with thousands or decimal separators loses
  its thousands separators and gets a "." for decimals (`1 480,00` → `1480.00`).
  Numbers without separators (times, phone numbers, years) stay as written,
  but a time loses the leading zero of its hour (`08:00` and `8:00` are one).

A check is a substring of the reply, except that a number at either end of it
is not matched inside a longer number (`67` is not found in `1967`, `1 day`
not in `21 days`).

`Checks.failures` applies a row's `expect`, `expect_any`, `forbid` and
`expect_first` to a reply and names every check that failed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, List, Mapping, Sequence

__all__ = ["normalise", "contains", "contains_term", "joined", "Checks"]

_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_DIGITS.update({0x066B: ".", 0x066C: ",", 0x066A: "%"})
_DASHES = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}
_QUOTES = {ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032"}
_QUOTES.update({ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033"})
_TRANSLATE = {**_DIGITS, **_DASHES, **_QUOTES}

# A number: grouped thousands (1,480 / 1 480 / 1.480), optionally with
# decimals, or digits with optional decimals. Not part of a word or of a
# longer number (NR94, 0800 and 85031212345 stay whole).
_NUM = r"(?<![\w.,])(?:\d{1,3}(?:[ .,']\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\d])"
# A time of day with a leading zero ("08:00"): written without it ("8:00").
_TIME = re.compile(r"(?<![\d.,:])0(\d):(\d\d)(?!\d)")
_CURRENCY_AFTER = r"(?:€|eur\b|euros?\b|євро|евро|يورو)"
_NUMBERS = re.compile(
    rf"€ ?(?P<money_before>{_NUM})"
    rf"|(?P<money_after>{_NUM}) ?{_CURRENCY_AFTER}"
    rf"|(?P<percent>{_NUM}) ?%"
    rf"|% ?(?P<percent_before>{_NUM})"
    rf"|(?P<plain>{_NUM})"
)


def _parts(token: str) -> tuple:
    """Integer digits and decimal digits ('' if none) of a written number."""
    separators = [(i, c) for i, c in enumerate(token) if not c.isdigit()]
    if not separators:
        return token, ""
    last_index, last = separators[-1]
    tail = token[last_index + 1:]
    others = {c for _, c in separators[:-1]}
    decimal = last in ".," and (len(tail) != 3 or (others and last not in others))
    if decimal:
        head = token[:last_index]
        return re.sub(r"\D", "", head), tail
    return re.sub(r"\D", "", token), ""


def _value(token: str) -> Decimal:
    whole, fraction = _parts(token)
    try:
        return Decimal(f"{whole}.{fraction}" if fraction else whole)
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return Decimal(0)


def _canonical_number(match: "re.Match[str]") -> str:
    if match.group("money_before") is not None or match.group("money_after") is not None:
        token = match.group("money_before") or match.group("money_after")
        return f"€{_value(token).quantize(Decimal('0.01'))}"
    percent = match.group("percent") or match.group("percent_before")
    if percent is not None:
        return f"{format(_value(percent).normalize(), 'f')}%"
    whole, fraction = _parts(match.group("plain"))
    return f"{whole}.{fraction}" if fraction else whole


def normalise(text: str) -> str:
    """The text in the one form both sides of a check are compared in."""
    text = unicodedata.normalize("NFKC", text or "").translate(_TRANSLATE).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    text = _TIME.sub(r"\1:\2", text)
    return _NUMBERS.sub(_canonical_number, text)


def _found(normalised_text: str, needle: str) -> bool:
    """Substring match; a number at either end of `needle` is not part of a longer number."""
    if not needle:
        return True
    start = r"(?<!\d)" if needle[0].isdigit() else ""
    end = r"(?!\d)" if needle[-1].isdigit() else ""
    if not start and not end:
        return needle in normalised_text
    return re.search(start + re.escape(needle) + end, normalised_text) is not None


def contains(text: str, needle: str) -> bool:
    """True when `needle` appears in `text`, both normalised (67 is not found in 1967)."""
    return _found(normalise(text), normalise(needle))


def contains_term(normalised_text: str, term: str) -> bool:
    """True when `term` appears in already normalised text as a whole word or number."""
    needle = normalise(term)
    if not needle:
        return False
    start = r"(?<!\w)" if needle[0].isalnum() else ""
    end = r"(?!\w)" if needle[-1].isalnum() else ""
    return re.search(start + re.escape(needle) + end, normalised_text) is not None


@dataclass
class Checks:
    """The checks of a question row or a conversation turn."""

    expect: List[str] = field(default_factory=list)
    expect_any: List[str] = field(default_factory=list)
    forbid: List[str] = field(default_factory=list)
    expect_first: str = ""

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> "Checks":
        """The checks written in a row or turn."""
        return cls(
            expect=list(row.get("expect") or []),
            expect_any=list(row.get("expect_any") or []),
            forbid=list(row.get("forbid") or []),
            expect_first=str(row.get("expect_first") or ""),
        )

    def failures(self, reply: str, first_message: str = "") -> List[str]:
        """Every check the reply fails, in words; empty when the reply is right."""
        text = normalise(reply)
        failed = [f"missing {e!r}" for e in self.expect if not _found(text, normalise(e))]
        if self.expect_any and not any(_found(text, normalise(e)) for e in self.expect_any):
            failed.append(f"none of {self.expect_any!r}")
        failed += [f"forbidden {f!r}" for f in self.forbid if _found(text, normalise(f))]
        if self.expect_first and not contains(first_message, self.expect_first):
            failed.append(f"first message lacks {self.expect_first!r}")
        return failed

    def describe(self) -> str:
        """The checks in one line, for the failures file."""
        parts: List[str] = []
        if self.expect:
            parts.append("expect " + " + ".join(self.expect))
        if self.expect_any:
            parts.append("any of " + " | ".join(self.expect_any))
        if self.forbid:
            parts.append("not " + " | ".join(self.forbid))
        if self.expect_first:
            parts.append(f"first {self.expect_first}")
        return "; ".join(parts) or "-"


def joined(texts: Sequence[str]) -> str:
    """Bot messages joined as the reply of a turn."""
    return "\n".join(t for t in texts if t)
