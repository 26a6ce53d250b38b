"""The agency's calendar from the handbook's agency.md: offices, holidays, slots.

Pure functions of dates; the server passes in "today" from its clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Dict, FrozenSet, List

__all__ = [
    "BOOKING_DAYS_AHEAD",
    "HOLIDAYS",
    "OFFICES",
    "Office",
    "add_working_days",
    "bookable",
    "booking_window",
    "is_working_day",
    "next_working_day",
    "slot_starts",
]

SLOT_MINUTES = 20
FIRST_SLOT = time(9, 0)
LAST_SLOT = time(15, 40)
BOOKING_DAYS_AHEAD = 30

HOLIDAYS: FrozenSet[date] = frozenset(
    {
        date(2026, 1, 1),  # New Year's Day
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),  # Labour Day
        date(2026, 5, 14),  # Ascension Day
        date(2026, 9, 22),  # Northland Day
        date(2026, 12, 24),  # Christmas Eve
        date(2026, 12, 25),  # Christmas Day
    }
)
"""Public holidays in 2026 (agency.md); offices are closed."""


@dataclass(frozen=True)
class Office:
    """A regional office and the weekdays (0 = Monday) it takes appointments."""

    office_id: str
    name: str
    street: str
    postcode: str
    city: str
    weekdays: FrozenSet[int] = frozenset(range(5))

    def to_json(self) -> Dict[str, object]:
        """The office as the contract's `/v1/offices` item."""
        return {
            "office_id": self.office_id,
            "name": self.name,
            "address": {"street": self.street, "postcode": self.postcode, "city": self.city},
        }


OFFICES: Dict[str, Office] = {
    office.office_id: office
    for office in (
        Office(
            "northhaven", "Northhaven Central Office", "12 Harbour Street", "1010", "Northhaven"
        ),
        Office("eastmere", "Eastmere Office", "4 Market Square", "2040", "Eastmere"),
        Office("westfjord", "Westfjord Office", "27 Quay Road", "3100", "Westfjord"),
        Office("southvale", "Southvale Office", "8 Station Avenue", "4200", "Southvale"),
        # Highmoor has no appointments on Fridays.
        Office(
            "highmoor", "Highmoor Office", "3 Chapel Lane", "5300", "Highmoor", frozenset(range(4))
        ),
    )
}


def is_working_day(day: date) -> bool:
    """Monday to Friday, except public holidays."""
    return day.weekday() < 5 and day not in HOLIDAYS


def next_working_day(day: date) -> date:
    """The first working day after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """The date `count` working days after `day` (`day` itself not counted)."""
    for _ in range(count):
        day = next_working_day(day)
    return day


def booking_window(today: date) -> tuple:
    """(first, last) bookable dates: the next working day up to 30 days ahead."""
    return next_working_day(today), today + timedelta(days=BOOKING_DAYS_AHEAD)


def bookable(office: Office, day: date, today: date) -> bool:
    """Whether `office` takes appointments on `day`, seen from `today`."""
    first, last = booking_window(today)
    return first <= day <= last and is_working_day(day) and day.weekday() in office.weekdays


def slot_starts(day: date, zone: tzinfo) -> List[datetime]:
    """Every slot start of `day` in office time `zone`: 09:00, 09:20 ... 15:40."""
    starts = []
    moment = datetime.combine(day, FIRST_SLOT, tzinfo=zone)
    last = datetime.combine(day, LAST_SLOT, tzinfo=zone)
    while moment <= last:
        starts.append(moment)
        moment += timedelta(minutes=SLOT_MINUTES)
    return starts
