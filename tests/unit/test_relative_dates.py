"""Dates said relative to today, in every language where a date is asked.

"last monday" at the move date's question was asked again as DD.MM.YYYY
(branch tryout, 7 December 2026). The words of other languages are listed in
`choices: date_words:` of translations/<code>/texts.yml.
"""

from __future__ import annotations

import datetime as dt

import pytest

from actions.validation import ValidationError, date, move_date

TODAY = dt.date(2026, 12, 9)  # a Wednesday
D = dt.date


@pytest.mark.parametrize("text, expected", [
    # A weekday before or after today.
    ("last monday", D(2026, 12, 7)),
    ("Last Monday", D(2026, 12, 7)),
    ("on monday last", D(2026, 12, 7)),
    ("last wednesday", D(2026, 12, 2)),  # today is Wednesday: a week ago
    ("last mon", D(2026, 12, 7)),
    ("next friday", D(2026, 12, 11)),
    ("next wednesday", D(2026, 12, 16)),
    ("monday last week", D(2026, 11, 30)),
    ("friday next week", D(2026, 12, 18)),
    # A number of days, weeks, months or years ago, or from now.
    ("two weeks ago", D(2026, 11, 25)),
    ("2 weeks ago", D(2026, 11, 25)),
    ("a week ago", D(2026, 12, 2)),
    ("3 days ago", D(2026, 12, 6)),
    ("a month ago", D(2026, 11, 9)),
    ("a fortnight ago", D(2026, 11, 25)),
    ("in 10 days", D(2026, 12, 19)),
    ("in two weeks", D(2026, 12, 23)),
    ("we moved yesterday", D(2026, 12, 8)),
    ("we moved last monday", D(2026, 12, 7)),
    # Polish
    ("w zeszły poniedziałek", D(2026, 12, 7)),
    ("w zeszly poniedzialek", D(2026, 12, 7)),
    ("w ostatni poniedziałek", D(2026, 12, 7)),
    ("wczoraj", D(2026, 12, 8)),
    ("przedwczoraj", D(2026, 12, 7)),
    ("dwa tygodnie temu", D(2026, 11, 25)),
    ("tydzień temu", D(2026, 12, 2)),
    ("3 dni temu", D(2026, 12, 6)),
    ("w przyszły piątek", D(2026, 12, 11)),
    ("jutro", D(2026, 12, 10)),
    ("za dwa tygodnie", D(2026, 12, 23)),
    # Ukrainian
    ("минулого понеділка", D(2026, 12, 7)),
    ("у минулий понеділок", D(2026, 12, 7)),
    ("в понеділок минулого тижня", D(2026, 11, 30)),
    ("вчора", D(2026, 12, 8)),
    ("учора", D(2026, 12, 8)),
    ("позавчора", D(2026, 12, 7)),
    ("два тижні тому", D(2026, 11, 25)),
    ("тиждень тому", D(2026, 12, 2)),
    ("3 дні тому", D(2026, 12, 6)),
    ("наступної п'ятниці", D(2026, 12, 11)),
    ("сьогодні", TODAY),
    # Arabic
    ("الاثنين الماضي", D(2026, 12, 7)),
    ("يوم الإثنين الماضي", D(2026, 12, 7)),
    ("أمس", D(2026, 12, 8)),
    ("امبارح", D(2026, 12, 8)),
    ("قبل أسبوعين", D(2026, 11, 25)),
    ("قبل أسبوع", D(2026, 12, 2)),
    ("قبل ٣ أيام", D(2026, 12, 6)),
    ("الجمعة القادمة", D(2026, 12, 11)),
    ("اليوم", TODAY),
    # A written date keeps its year word.
    ("2 września 1988 roku", D(1988, 9, 2)),
    ("2 вересня 1988 року", D(1988, 9, 2)),
])
def test_a_date_relative_to_today(text: str, expected: dt.date) -> None:
    assert date(text, TODAY) == expected


@pytest.mark.parametrize("text", [
    "last week", "monday", "next month", "weeks ago", "last monday or tuesday",
    "not last monday", "last monday 12.03.2026", "two mondays ago", "ago",
])
def test_an_unclear_relative_date_is_asked_again(text: str) -> None:
    with pytest.raises(ValidationError):
        date(text, TODAY)


def test_a_relative_move_date_keeps_the_moves_rules() -> None:
    assert move_date("last monday", TODAY) == D(2026, 12, 7)
    with pytest.raises(ValidationError) as refused:
        move_date("a year ago", TODAY)
    assert refused.value.response == "utter_invalid_move_date_early"
