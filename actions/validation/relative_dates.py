"""Dates said relative to today: "yesterday", "last monday", "two weeks ago", "in 10 days".

`relative(text, today)` returns the date, or None when the text is not one
of these shapes (the caller then reads it as a written date, and asks again
if that fails too). Read in English; the words of other languages come
first through `choices: date_words:` of translations/<code>/texts.yml
("w zeszły poniedziałek", "два тижні тому", "الاثنين الماضي" are "on last
monday", "two weeks ago", "monday last"), so the order of the words does
not matter. Anything unclear ("last week", "monday", "last monday or
tuesday", "not last monday") is None: the citizen is asked again rather
than guessed for. The request's summary shows the date for confirmation.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import List, Optional

from bot.i18n import english_words

__all__ = ["in_english", "relative", "weekday_number", "add_months", "WEEKDAYS"]

_CHOICE = "date_words"
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_WHOLE = {
    "today": 0, "now": 0, "tomorrow": 1, "tomorow": 1, "tmrw": 1, "day after tomorrow": 2,
    "yesterday": -1, "day before yesterday": -2,
}
# Words that say nothing of the date: "we moved on the monday last".
_FILLERS = frozenset("the of on it was is we i moved move date just".split())
_BEFORE = frozenset({"last", "past", "previous"})
_AFTER = frozenset({"next", "coming"})
_THIS = frozenset({"this"})
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
# Unit: (days, months) of one; a plural needs its number ("weeks ago" is unclear).
_UNITS = {"day": (1, 0), "week": (7, 0), "fortnight": (14, 0), "month": (0, 1), "year": (0, 12)}
_AGO = frozenset({"ago"})
_FROM_NOW = frozenset({"in"})
_APOSTROPHES = re.compile("[\u2019\u02bc`\u00b4]")


def add_months(value: dt.date, months: int) -> dt.date:
    """Return the same day `months` later (or earlier), moved back to the month's last day."""
    index = value.month - 1 + months
    year, month = value.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(value.day, calendar.monthrange(year, month)[1]))


def weekday_number(token: str) -> Optional[int]:
    """0 for "monday" or "mon", ... 6 for "sunday"; None otherwise."""
    if len(token) < 3 or not token.isalpha():
        return None
    for number, name in enumerate(WEEKDAYS):
        if name.startswith(token):
            return number
    return None


def _unit(token: str) -> Optional[str]:
    """"week" for "week" or "weeks"."""
    singular = token[:-1] if token.endswith("s") else token
    return singular if singular in _UNITS else None


def in_english(text: str) -> str:
    """A casefolded date answer with the other languages' date words in English."""
    return english_words.english(_APOSTROPHES.sub("'", text), _CHOICE)


def relative(value: str, today: dt.date) -> Optional[dt.date]:
    """The date `value` (casefolded, `in_english`) says relative to `today`, or None."""
    value = re.sub(r"\bfrom now\b", "in", value)  # "2 weeks from now": in 2 weeks
    tokens = [t for t in re.split(r"[\s,.!?]+", value) if t and t not in _FILLERS]
    if " ".join(tokens) in _WHOLE:
        return today + dt.timedelta(days=_WHOLE[" ".join(tokens)])
    return _weekday(tokens, today) or _counted(tokens, today)


def _weekday(tokens: List[str], today: dt.date) -> Optional[dt.date]:
    """"last monday", "next friday", "monday last week", "this friday"."""
    days = [weekday_number(t) for t in tokens]
    named = [d for d in days if d is not None]
    rest = [t for t, d in zip(tokens, days, strict=True) if d is None]
    if len(named) != 1:
        return None
    day = named[0]
    week = [t for t in rest if _unit(t) == "week"]
    direction = [t for t in rest if t in _BEFORE | _AFTER | _THIS]
    if len(direction) != 1 or len(week) + len(direction) != len(rest) or len(week) > 1:
        return None
    step = -1 if direction[0] in _BEFORE else 1 if direction[0] in _AFTER else 0
    if week or step == 0:
        # The day of last, next or this calendar week (Monday to Sunday).
        monday = today - dt.timedelta(days=today.weekday())
        return monday + dt.timedelta(days=7 * step + day)
    if step < 0:
        return today - dt.timedelta(days=(today.weekday() - day - 1) % 7 + 1)
    return today + dt.timedelta(days=(day - today.weekday() - 1) % 7 + 1)


def _counted(tokens: List[str], today: dt.date) -> Optional[dt.date]:
    """"two weeks ago", "3 days ago", "a month ago", "in 10 days"."""
    units = [(t, _unit(t)) for t in tokens if _unit(t)]
    numbers = [int(t) if t.isdigit() else _NUMBERS[t] for t in tokens
               if (t.isdigit() and len(t) <= 3) or t in _NUMBERS]
    directions = [t for t in tokens if t in _AGO | _FROM_NOW]
    if len(units) != 1 or len(directions) != 1 or len(numbers) > 1:
        return None
    if len(units) + len(numbers) + len(directions) != len(tokens):
        return None
    said, unit = units[0]
    if not numbers and said != unit:
        return None  # "weeks ago": how many?
    count = numbers[0] if numbers else 1
    if not 0 < count <= 120:
        return None
    sign = -1 if directions[0] in _AGO else 1
    days, months = _UNITS[str(unit)]
    moved = today + dt.timedelta(days=sign * count * days)
    return add_months(moved, sign * count * months) if months else moved
