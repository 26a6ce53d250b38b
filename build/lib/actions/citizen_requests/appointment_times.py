"""Office time for request 7: days, times and interpreter notice (agency.md).

The CMS speaks UTC; times are shown in office time, the zone of the setting
NSSA_OFFICE_TIMEZONE (else NSSA_CMS_TIMEZONE, else UTC). Tests replace
`office_now` and `office_zone` here; the appointment modules call them
through this module so they see the replacement.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, List, NamedTuple, Optional, Sequence, Text

from actions.validation import (
    OFFICES,
    ValidationError,
    add_working_days,
    appointment_time,
    clean,
    format_date,
    term,
)
from actions.validation import date as parse_date
from actions.validation import weekday as weekday_name
from bot.settings import SettingsSource
from clients.http import parse_datetime

__all__ = [
    "DAY_NAMES", "office_zone", "office_now", "local_time", "hhmm", "long_day", "office_name",
    "parse_day", "InterpreterNotice", "interpreter_notice", "pick_start",
]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("january february march april may june july august september october november "
           "december").split()
_NUMBER = re.compile(r"(?:option|number|nr|no|#)?\s*([0-9]{1,2})\s*[.)]?")
_TIME_IN_TEXT = re.compile(
    r"[0-9]{1,2}\s*[:.h]\s*[0-9]{2}\s*(?:[ap]\.?m\.?)?|[0-9]{1,2}\s*[ap]\.?m\.?"
)

# --- office time -------------------------------------------------------------


def _zone(value: str) -> dt.tzinfo:
    name = value.strip()
    if name.upper() == "UTC":
        return dt.timezone.utc
    if name.lower() == "local":
        return dt.datetime.now().astimezone().tzinfo or dt.timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a time zone name such as UTC or Europe/Oslo") from None


@lru_cache(maxsize=1)
def office_zone() -> dt.tzinfo:
    """The offices' time zone (slots run 09:00-15:40 in it)."""
    source = SettingsSource.from_environment()
    key = "NSSA_OFFICE_TIMEZONE" if source.raw("NSSA_OFFICE_TIMEZONE") else "NSSA_CMS_TIMEZONE"
    return source.get(key, _zone, default="UTC")


def office_now() -> dt.datetime:
    """The current time in office time (tests replace it)."""
    return dt.datetime.now(office_zone())


def local_time(start: Any) -> dt.datetime:
    """A start (datetime or RFC 3339 text) in office time."""
    moment = start if isinstance(start, dt.datetime) else parse_datetime(str(start))
    return moment.astimezone(office_zone())


def hhmm(start: Any) -> Text:
    """A start as HH:MM office time (what is there, if it is no time)."""
    try:
        return local_time(start).strftime("%H:%M")
    except ValueError:
        return str(start)


def long_day(day: Any) -> List[Any]:
    """A day as "Tuesday 01.12.2026", a response variable in the message's language."""
    try:
        value = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    except ValueError:
        return [str(day)]  # not a day (a form's summary shows what is there)
    return [weekday_name(value), " ", format_date(value)]


def office_name(office_id: Any) -> Any:
    """The office's name as a response variable, or the id itself if unknown."""
    known = isinstance(office_id, str) and office_id in OFFICES
    return term(f"term_office_{office_id}") if known else str(office_id)


# --- the day -------------------------------------------------------------------


def parse_day(text: Any, today: dt.date) -> dt.date:
    """A day typed in chat; also "monday" and "3 December" (the next such day)."""
    try:
        return parse_date(text, today)
    except ValidationError:
        guess = _day_without_year(str(text or ""), today)
        if guess is None:
            raise
        return guess


def _day_without_year(text: str, today: dt.date) -> Optional[dt.date]:
    fillers = {"the", "of", "on", "in", "next", "this", "coming", "please", "pls", "at", "for"}
    words = re.split(r"[\s,./\-]+", clean(text).casefold().strip(" .!?"))
    tokens = [re.sub(r"^([0-9]{1,2})(?:st|nd|rd|th)$", r"\1", w) for w in words if w]
    tokens = [t for t in tokens if t not in fillers]
    weekdays, months, digits = [], [], []
    for token in tokens:
        prefix = len(token) >= 3 and token.isalpha()
        weekday = next(
            (i for i, n in enumerate(DAY_NAMES) if prefix and n.lower().startswith(token)), None
        )
        month = next((i for i, n in enumerate(_MONTHS, 1) if prefix and n.startswith(token)), None)
        if weekday is not None:
            weekdays.append(weekday)
        elif month is not None:
            months.append(month)
        elif token.isdigit() and len(token) <= 2:
            digits.append(int(token))
        else:
            return None
    if len(weekdays) > 1:
        return None
    if weekdays and not months and not digits:
        return today + dt.timedelta(days=(weekdays[0] - today.weekday() - 1) % 7 + 1)
    if len(months) == 1 and len(digits) == 1:
        day, month = digits[0], months[0]
    elif not months and len(digits) == 2:
        day, month = digits
    else:
        return None
    try:
        found = dt.date(today.year, month, day)
        if found < today:
            found = dt.date(today.year + 1, month, day)
    except ValueError:
        return None
    if weekdays and weekdays[0] != found.weekday():
        raise ValidationError("utter_invalid_date_weekday", date=format_date(found),
                              weekday=weekday_name(found))
    return found


# --- interpreters ----------------------------------------------------------------

_SIGN = re.compile(r"\bsign(?:ed|ing)?[\s-]*language|\bsigners?\b|\bnsl\b", re.I)
_INTERPRETER = re.compile(r"\binterpret|\btranslat", re.I)
_NOT_NEEDED = re.compile(r"\b(?:no|without|(?:do\s*n[o']?t|dont|not)\s+need)\s+(?:an?\s+)?"
                         r"(?:interpret|translat|sign)", re.I)


class InterpreterNotice(NamedTuple):
    """An interpreter asked for in the topic, and whether the notice is long enough."""

    sign_language: bool
    days: int
    earliest: dt.date
    in_time: bool


def interpreter_notice(topic: Any, day: Any, today: dt.date) -> Optional[InterpreterNotice]:
    """3 working days' notice for an interpreter, 5 for sign language; None if none asked."""
    text = str(topic or "")
    if not day or _NOT_NEEDED.search(text):
        return None
    sign = bool(_SIGN.search(text))
    if not sign and not _INTERPRETER.search(text):
        return None
    days = 5 if sign else 3
    earliest = add_working_days(today, days)
    when = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    return InterpreterNotice(sign, days, earliest, when >= earliest)


def pick_start(text: Any, shown: Sequence[Text], free: Sequence[Text]) -> Text:
    """The chosen free start (RFC 3339): a number of the list shown, or a time."""
    if clean(text) in free:
        return clean(text)
    value = clean(text).casefold()
    number = _NUMBER.fullmatch(value)
    if number and 1 <= int(number.group(1)) <= len(shown):
        return shown[int(number.group(1)) - 1]
    try:
        wanted = appointment_time(value)
    except ValidationError:
        found = _TIME_IN_TEXT.search(value)
        if not found:
            raise
        wanted = appointment_time(found.group(0))
    for start in free:
        if hhmm(start) == wanted:
            return start
    raise ValidationError("utter_invalid_appointment_taken", time=wanted)
