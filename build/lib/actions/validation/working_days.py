"""Working days, offices and the appointment rules (agency.md, requests-in-chat.md).

A working day is Monday to Friday, except the public holidays. The handbook
lists the holidays of 2026 only; for another year only weekends count until
its list is added to `PUBLIC_HOLIDAYS`.
"""

from __future__ import annotations

import datetime as dt
import re
from types import MappingProxyType
from typing import Any, List, Mapping, NamedTuple, Optional, Tuple, Union

from actions.validation._base import ValidationError, clean, format_date, term, today_or
from actions.validation.dates import date as parse_date

__all__ = [
    "PUBLIC_HOLIDAYS",
    "Office",
    "OFFICES",
    "SLOT_TIMES",
    "is_public_holiday",
    "is_working_day",
    "next_working_day",
    "add_working_days",
    "working_days_between",
    "office_open_on",
    "bookable_dates",
    "appointment_date",
    "appointment_time",
    "APPOINTMENT_DAYS_AHEAD",
]

APPOINTMENT_DAYS_AHEAD = 30

PUBLIC_HOLIDAYS: Mapping[dt.date, str] = MappingProxyType(
    {
        dt.date(2026, 1, 1): "New Year's Day",
        dt.date(2026, 4, 3): "Good Friday",
        dt.date(2026, 4, 6): "Easter Monday",
        dt.date(2026, 5, 1): "Labour Day",
        dt.date(2026, 5, 14): "Ascension Day",
        dt.date(2026, 9, 22): "Northland Day",
        dt.date(2026, 12, 24): "Christmas Eve",
        dt.date(2026, 12, 25): "Christmas Day",
    }
)


class Office(NamedTuple):
    """A regional office and the weekdays it takes appointments (0 is Monday)."""

    id: str
    name: str
    address: str
    weekdays: Tuple[int, ...]


_WEEK = (0, 1, 2, 3, 4)
OFFICES: Mapping[str, Office] = MappingProxyType(
    {
        office.id: office
        for office in (
            Office(
                "northhaven",
                "Northhaven Central Office",
                "12 Harbour Street, 1010 Northhaven",
                _WEEK,
            ),
            Office("eastmere", "Eastmere Office", "4 Market Square, 2040 Eastmere", _WEEK),
            Office("westfjord", "Westfjord Office", "27 Quay Road, 3100 Westfjord", _WEEK),
            Office("southvale", "Southvale Office", "8 Station Avenue, 4200 Southvale", _WEEK),
            Office("highmoor", "Highmoor Office", "3 Chapel Lane, 5300 Highmoor", (0, 1, 2, 3)),
        )
    }
)

# 20-minute slots, the first at 09:00 and the last at 15:40: 21 a day.
SLOT_TIMES: Tuple[str, ...] = tuple(
    f"{minutes // 60:02d}:{minutes % 60:02d}" for minutes in range(9 * 60, 15 * 60 + 41, 20)
)

# "9", "9:20", "at 9h20", "2:40pm", "9:20 a.m." (dots are read as colons).
_TIME = re.compile(r"(?:at)?([0-9]{1,2})(?:[:h]([0-9]{2}))?(am|pm|a:m:?|p:m:?)?(?:h|hrs)?")
_SLOT_MESSAGE = "utter_invalid_appointment_time"


def is_public_holiday(day: dt.date) -> bool:
    """Tell whether the day is a public holiday."""
    return day in PUBLIC_HOLIDAYS


def is_working_day(day: dt.date) -> bool:
    """Tell whether the day is Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and day not in PUBLIC_HOLIDAYS


def next_working_day(day: dt.date) -> dt.date:
    """Return the first working day after `day`."""
    return add_working_days(day, 1)


def add_working_days(day: dt.date, count: int) -> dt.date:
    """Return the date `count` working days after `day` (before it when negative)."""
    step = dt.timedelta(days=1 if count >= 0 else -1)
    for _ in range(abs(count)):
        day += step
        while not is_working_day(day):
            day += step
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Count the working days after `start` up to and including `end`."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def _office(office_id: str) -> Office:
    try:
        return OFFICES[office_id]
    except KeyError:
        raise ValidationError("utter_invalid_office_name") from None


def office_open_on(office_id: str, day: dt.date) -> bool:
    """Tell whether the office takes appointments on that day."""
    return is_working_day(day) and day.weekday() in _office(office_id).weekdays


def bookable_dates(office_id: str, today: Optional[dt.date] = None) -> List[dt.date]:
    """Return the days that can be booked: next working day to 30 days ahead, office open."""
    now = today_or(today)
    day, last = next_working_day(now), now + dt.timedelta(days=APPOINTMENT_DAYS_AHEAD)
    days = []
    while day <= last:
        if office_open_on(office_id, day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def appointment_date(
    value: Union[str, dt.date], office_id: str, today: Optional[dt.date] = None
) -> dt.date:
    """Return an appointment day: open office, next working day to 30 days ahead."""
    now, office = today_or(today), _office(office_id)
    day = parse_date(value, now)
    first, last = next_working_day(now), now + dt.timedelta(days=APPOINTMENT_DAYS_AHEAD)
    if not first <= day <= last:
        raise ValidationError(
            "utter_invalid_appointment_range", first=format_date(first), last=format_date(last)
        )
    if day.weekday() >= 5:
        raise ValidationError("utter_invalid_appointment_weekend")
    if day in PUBLIC_HOLIDAYS:
        raise ValidationError(
            "utter_invalid_appointment_holiday", date=format_date(day),
            holiday=term(f"term_holiday_{day:%m%d}"),
        )
    if day.weekday() not in office.weekdays:
        raise ValidationError(
            "utter_invalid_appointment_office_day", office=term(f"term_office_{office.id}"),
            weekday=term(f"term_weekdays_{day.weekday()}"),
            first=term(f"term_weekday_{office.weekdays[0]}"),
            last=term(f"term_weekday_{office.weekdays[-1]}"),
        )
    return day


def appointment_time(text: Any) -> str:
    """Return a slot start time as HH:MM, from "9:20", "09.20", "2:40 pm" or "14:40"."""
    value = clean(text).casefold().replace(".", ":").replace(" ", "")
    value = value.replace("noon", "12:00")
    match = _TIME.fullmatch(value)
    if not match:
        raise ValidationError(_SLOT_MESSAGE)
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half and half.startswith("p") and hour < 12:
        hour += 12
    elif half and half.startswith("a") and hour == 12:
        hour = 0
    elif not half and 1 <= hour <= 5:
        # Offices are open by day, so "3:40" can only mean 15:40.
        hour += 12
    slot = f"{hour:02d}:{minute:02d}"
    if slot not in SLOT_TIMES:
        raise ValidationError(_SLOT_MESSAGE)
    return slot
