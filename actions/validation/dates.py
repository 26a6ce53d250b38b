"""Dates: reading what citizens type, and the date rules of the requests.

`date` reads DD.MM.YYYY and the usual variants (12.3.1985, 12/03/1985,
1985-03-12, 12 March 1985, March 12, 1985), and dates said relative to today
("tomorrow", "last monday", "two weeks ago": relative_dates.py); the rule helpers
take the same text, or a `datetime.date`, and a `today` so tests are fixed.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, Dict, NamedTuple, Optional, Union

from actions.validation._base import (
    ValidationError,
    clean,
    format_date,
    term,
    today_or,
    weekday,
)
from actions.validation.identifiers import age_on, national_id
from actions.validation.relative_dates import add_months, in_english, relative, weekday_number

__all__ = [
    "date",
    "add_months",
    "not_in_future",
    "date_within",
    "move_date",
    "lives_with_since",
    "child_date_of_birth",
    "CoverageStart",
    "coverage_start_date",
    "coverage_end_date",
    "DATE_FORMAT_MESSAGE",
]

DateLike = Union[str, dt.date]

# The answers to a wrong date: responses of data/core/errors.yml.
DATE_FORMAT_MESSAGE = "utter_invalid_date_format"
_NO_SUCH_DATE = "utter_invalid_date_missing"
_FOUR_DIGIT_YEAR = "utter_invalid_date_year_digits"
_YEAR_RANGE = "utter_invalid_date_year"
_MISSING_YEAR = "utter_invalid_date_no_year"

# Spelled out rather than taken from `calendar`, whose names follow the locale.
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
# "year": "2 września 1988 roku" (date_words: roku is year).
_FILLERS = frozenset({"the", "of", "on", "in", "date", "is", "year"})
_ORDINAL = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)")


def _month(token: str) -> Optional[int]:
    """Month number of "march", "mar", "sept" or another language's name; None otherwise."""
    if len(token) < 3 or not token.isalpha():
        return None
    for number, name in enumerate(_MONTHS, 1):
        if name.startswith(token):
            return number
    return _translated_months().get(token.casefold())


@lru_cache(maxsize=1)
def _translated_months() -> Dict[str, int]:
    """`choices: month:` of every translations/<code>/texts.yml ("września": 9), read once."""
    from bot.i18n.catalogue import default_catalogue

    found: Dict[str, int] = {}
    for name, words in default_catalogue().choices("month").items():
        if name in _MONTHS:
            for word in words:
                found.setdefault(word.casefold(), _MONTHS.index(name) + 1)
    return found


def _build(year: str, month: int, day: str) -> dt.date:
    if len(year) != 4:
        raise ValidationError(_FOUR_DIGIT_YEAR)
    if not 1900 <= int(year) <= 2100:
        raise ValidationError(_YEAR_RANGE)
    try:
        return dt.date(int(year), month, int(day))
    except ValueError:
        raise ValidationError(_NO_SUCH_DATE) from None


def _numeric(tokens: list) -> dt.date:
    if len(tokens) == 1 and len(tokens[0]) == 8:
        # 12031985 or 19850312: at most one reading is a real date.
        token = tokens[0]
        for year, month, day in (
            (token[4:], token[2:4], token[:2]),
            (token[:4], token[4:6], token[6:]),
        ):
            try:
                return _build(year, int(month), day)
            except ValidationError:
                continue
        raise ValidationError(DATE_FORMAT_MESSAGE)
    if len(tokens) == 2 and all(len(token) <= 2 for token in tokens):
        raise ValidationError(_MISSING_YEAR)
    if len(tokens) != 3:
        raise ValidationError(DATE_FORMAT_MESSAGE)
    first, second, third = tokens
    if len(first) == 4 and len(second) <= 2 and len(third) <= 2:
        return _build(first, int(second), third)
    if len(first) <= 2 and len(second) <= 2 and len(third) in (2, 4):
        return _build(third, int(second), first)
    raise ValidationError(DATE_FORMAT_MESSAGE)


def _with_month_name(numbers: list, month: int) -> dt.date:
    if not all(token.isdigit() for token in numbers):
        raise ValidationError(DATE_FORMAT_MESSAGE)
    if len(numbers) == 1 and len(numbers[0]) <= 2:
        raise ValidationError(_MISSING_YEAR)
    days = [token for token in numbers if len(token) <= 2]
    years = [token for token in numbers if len(token) > 2]
    if len(days) == 2:
        raise ValidationError(_FOUR_DIGIT_YEAR)
    if len(days) != 1 or len(years) != 1:
        raise ValidationError(DATE_FORMAT_MESSAGE)
    return _build(years[0], month, days[0])


def date(text: DateLike, today: Optional[dt.date] = None) -> dt.date:
    """Return the date a citizen typed (DD.MM.YYYY, 12 March 1985, today, ...)."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    value = in_english(clean(text).casefold()).strip(" .,!?")
    if not value:
        raise ValidationError(DATE_FORMAT_MESSAGE)
    said = relative(value, today_or(today))
    if said is not None:
        return said
    tokens = [
        _ORDINAL.sub(r"\1", token)
        for token in re.split(r"[\s,./\-]+", value)
        if token and token not in _FILLERS
    ]
    weekdays = [day for day in map(weekday_number, tokens) if day is not None]
    tokens = [token for token in tokens if weekday_number(token) is None]
    months = [month for month in map(_month, tokens) if month is not None]
    if len(months) > 1:
        raise ValidationError(DATE_FORMAT_MESSAGE)
    if months:
        tokens = [token for token in tokens if _month(token) is None]
        result = _with_month_name(tokens, months[0])
    elif all(token.isdigit() for token in tokens):
        result = _numeric(tokens)
    else:
        raise ValidationError(DATE_FORMAT_MESSAGE)
    if len(weekdays) > 1 or (weekdays and weekdays[0] != result.weekday()):
        raise ValidationError(
            "utter_invalid_date_weekday", date=format_date(result), weekday=weekday(result)
        )
    return result


def not_in_future(
    value: DateLike, today: Optional[dt.date] = None, response: str = "utter_invalid_date_future"
) -> dt.date:
    """Return the date if it is today or earlier; else `response` is the answer."""
    now = today_or(today)
    result = date(value, now)
    if result > now:
        raise ValidationError(response)
    return result


def date_within(
    value: DateLike,
    today: Optional[dt.date] = None,
    *,
    past_days: Optional[int] = None,
    past_months: Optional[int] = None,
    future_days: Optional[int] = None,
    future_months: Optional[int] = None,
    early: str = "utter_invalid_date_too_early",
    late: str = "utter_invalid_date_too_late",
) -> dt.date:
    """Return the date if at most N days or months from today; else `early` or `late` is said."""
    now = today_or(today)
    result = date(value, now)
    earliest = latest = None
    if past_days is not None:
        earliest, limit = now - dt.timedelta(days=past_days), _count(past_days, "days")
    if past_months is not None:
        earliest, limit = add_months(now, -past_months), _count(past_months, "months")
    if earliest is not None and result < earliest:
        raise ValidationError(early, limit=limit, date=format_date(earliest))
    if future_days is not None:
        latest, limit = now + dt.timedelta(days=future_days), _count(future_days, "days")
    if future_months is not None:
        latest, limit = add_months(now, future_months), _count(future_months, "months")
    if latest is not None and result > latest:
        raise ValidationError(late, limit=limit, date=format_date(latest))
    return result


def _count(number: int, unit: str) -> Dict[str, Any]:
    """"3 months" as a response variable, in the message's language and plural."""
    return term(f"term_{unit}", count=number)


def move_date(value: DateLike, today: Optional[dt.date] = None) -> dt.date:
    """Return the date of a move: at most 3 months in the past and 30 days in the future."""
    return date_within(
        value, today, past_months=3, future_days=30,
        early="utter_invalid_move_date_early", late="utter_invalid_move_date_late",
    )


def lives_with_since(
    value: DateLike, birth_date: dt.date, today: Optional[dt.date] = None
) -> dt.date:
    """Return since when the child lives with the applicant: from the birth to today."""
    result = not_in_future(value, today, "utter_invalid_this_date_future")
    if result < birth_date:
        raise ValidationError("utter_invalid_before_birth", date=format_date(birth_date))
    return result


def child_date_of_birth(
    value: DateLike, child_national_id: Any, today: Optional[dt.date] = None
) -> dt.date:
    """Return a child's date of birth: matching the ID's first 6 digits, under 18."""
    now = today_or(today)
    result = not_in_future(value, now, "utter_invalid_birth_date_future")
    if result.strftime("%y%m%d") != national_id(child_national_id)[:6]:
        raise ValidationError("utter_invalid_child_birth_date")
    if age_on(result, now) >= 18:
        raise ValidationError("utter_invalid_child_over_18")
    return result


class CoverageStart(NamedTuple):
    """The first day of work abroad, and whether it is less than 1 month away."""

    date: dt.date
    soon: bool


def coverage_start_date(value: DateLike, today: Optional[dt.date] = None) -> CoverageStart:
    """Return the first day of work abroad: in the future; `soon` if under 1 month away."""
    now = today_or(today)
    result = date(value, now)
    if result <= now:
        raise ValidationError("utter_invalid_coverage_start")
    return CoverageStart(result, result < add_months(now, 1))


def coverage_end_date(
    value: DateLike, start_date: dt.date, today: Optional[dt.date] = None
) -> dt.date:
    """Return the last day of work abroad: after the start, at most 24 months after it."""
    result = date(value, today)
    if result <= start_date:
        raise ValidationError("utter_invalid_coverage_end_before", date=format_date(start_date))
    latest = add_months(start_date, 24)
    if result > latest:
        raise ValidationError("utter_invalid_coverage_end_late", date=format_date(latest))
    return result
