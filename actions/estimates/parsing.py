"""The figures of an estimate in a citizen's own words.

Each parser takes a message and returns the figure or None. Two modes:

- `answer=False` (the default): the figure is taken only where the words
  say what it is ("28 years", "at 65", "3 kids", "€2,400 a month", "I'm
  42"), so a first message like "I have 28 years of contributions and want
  to stop at 65" fills both figures and nothing else.
- `answer=True`: the message answers the question the assistant just asked,
  so a bare number counts ("28", "65 and a half", "2400").

Pure functions on `numbers.normalise`d text: no I/O, no Rasa.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Dict, List, Optional

from actions.estimates.amount_parsing import (
    INCOME_WORDS,
    RENT_WORDS,
    amounts_by_role,
    monthly_amount,
)
from actions.estimates.numbers import NUMBER, Number, normalise, numbers

__all__ = [
    "contribution_months",
    "start_age_months",
    "children_count",
    "children_ages",
    "monthly_amount",
    "amounts_by_role",
    "RENT_WORDS",
    "INCOME_WORDS",
    "current_age",
    "household_size",
    "disability_degree",
    "care_supplement",
    "spouse_survives",
    "orphans_count",
    "both_parents_died",
]

_N = rf"({NUMBER})"
_YEARS = r"(?:years?|yrs?|yr|y)"
_MONTHS = r"(?:months?|mths?|mnths?|mos?|m)"
_NOT_AN_AGE = r"(?!\s*-?\s*(?:old|of age|ago|early|earlier|sooner|later)\b)"
# Words that make a number something other than the figure asked for.
_OTHER_UNIT = re.compile(
    r"^\s*(?:%|percent|per cent|€|eur\b|euros?\b|kids?\b|children\b|child\b|sons?\b|"
    r"daughters?\b|people\b|persons?\b|weeks?\b|days?\b|hours?\b|am\b|pm\b|:\d)"
)
_AFTER_AGE_WORD = re.compile(
    r"(?:\bat|\bfrom|\bage|\baged|\bturn|\bturning|\bwhen i'?m|\bwhen i am|\bby|\bat the age of"
    r"|\buntil|\btill|\btil)"
    r"\s*$"
)


def _number(value: str) -> Decimal:
    found = numbers(value)
    return found[0].value if found else Decimal(0)


# --- contribution years --------------------------------------------------------------


_YEARS_MONTHS = re.compile(
    rf"{_N}\s*-?\s*{_YEARS}\b{_NOT_AN_AGE}(?:\s*(?:and|,)?\s*{_N}\s*{_MONTHS}\b{_NOT_AN_AGE})?"
)
_ONLY_MONTHS = re.compile(rf"{_N}\s*{_MONTHS}\b(?=\s*(?:of\s+)?(?:contributions?|insurance|paid))")
_CONTRIBUTION_MONTHS = re.compile(rf"{_N}\s*(?:contribution\s+)?months?\b")


def _months(years: Decimal, months: Decimal = Decimal(0)) -> int:
    return int((years * 12 + months).to_integral_value())


def contribution_months(text: str, answer: bool = False) -> Optional[int]:
    """Contribution time in months: "28 years" 336, "28 yrs and 7 months" 343, "28.5" 342."""
    value = normalise(text)
    for match in _YEARS_MONTHS.finditer(value):
        if _AFTER_AGE_WORD.search(value[: match.start()]):
            continue  # "at 64 years and 6 months" is an age
        return _months(to_dec(match.group(1)), to_dec(match.group(2) or "0"))
    only_months = _ONLY_MONTHS.search(value) or (answer and _CONTRIBUTION_MONTHS.search(value))
    if only_months:
        return _months(Decimal(0), to_dec(only_months.group(1)))
    if answer:
        bare = _bare_numbers(value)
        if bare:
            return _months(bare[0].value)
    return None


def to_dec(token: str) -> Decimal:
    """A number token as Decimal (0 if empty)."""
    return _number(token) if token else Decimal(0)


def _bare_numbers(value: str) -> List[Number]:
    """Numbers not followed by another unit (kids, %, €) and not an age after "at"."""
    return [n for n in numbers(value) if not _OTHER_UNIT.search(value[n.end:])
            and not value[: n.start].rstrip().endswith("€")]


# --- start age ---------------------------------------------------------------------


_AGE_AT = re.compile(
    rf"(?:\bat|\bfrom|\bage|\baged|\bwhen i'?m|\bwhen i am|\bwhen i turn|\bturning|"
    rf"\bat the age of|\bby|\b(?:until|till|til)(?: i'?m| i am| i turn| age)?)\s+{_N}"
    rf"(?:\s*{_YEARS}(?:\s*(?:and|,)?\s*{_N}\s*{_MONTHS}\b)?)?"
    r"(?!\s*(?:%|€|euros?|years? of|yrs? of|kids|children|am\b|pm\b|:\d|o'?clock))"
)
_NOW = re.compile(r"\b(?:now|today|right away|straight away|immediately|this year)\b")
_CURRENT_AGE = re.compile(
    rf"(?:\bi'?m|\bi am|\bim|\baged?|\bage of)\s+{_N}\b(?!\s*(?:%|€|euros?|k\b|kids|children|"
    r"years? of|yrs? of|months?|weeks?|days?))"
    rf"|{_N}\s*-?\s*(?:years?|yrs?|y)\s*-?\s*old\b|\b{_N}\s*yo\b"
)
# "10 months early", "2 years earlier": counted back from the state pension age (67).
_EARLY = re.compile(rf"\b{_N}\s*({_YEARS}|{_MONTHS})\b\s*(?:early|earlier|sooner|before)\b")
_STATE_AGE = re.compile(r"\b(?:state pension age|normal (?:pension )?age|normal time|on time)\b")
_AGE_RANGE = (40, 99)


def start_age_months(text: str, answer: bool = False) -> Optional[int]:
    """The age a pension starts, in months: "at 65" 780, "65 and a half" 786, "now, I'm 64"."""
    value = normalise(text)
    # In a story the question comes last: "he says wait until 67, but if I stop at 64 ...".
    ages = [m for m in _AGE_AT.finditer(value)
            if _AGE_RANGE[0] <= to_dec(m.group(1)) <= _AGE_RANGE[1]]
    if ages:
        return _months(to_dec(ages[-1].group(1)), to_dec(ages[-1].group(2) or ""))
    if _STATE_AGE.search(value):
        return 67 * 12
    early = _EARLY.search(value)
    if early:
        count = to_dec(early.group(1))
        return 67 * 12 - _months(count if early.group(2).startswith("y") else Decimal(0),
                                 Decimal(0) if early.group(2).startswith("y") else count)
    age = current_age(value)
    if age is not None and _NOW.search(value):
        return age * 12
    if answer:
        found = _YEARS_MONTHS.search(value)
        if found:
            return _months(to_dec(found.group(1)), to_dec(found.group(2) or ""))
        bare = _bare_numbers(value)
        if bare:
            return _months(bare[0].value)
    return None


def current_age(text: str, answer: bool = False) -> Optional[int]:
    """Someone's age in years: "I'm 42", "aged 42", "42 years old", "42yo"."""
    value = normalise(text)
    match = _CURRENT_AGE.search(value)
    if match:
        token = next(g for g in match.groups() if g)
        return int(to_dec(token))
    if answer:
        bare = _bare_numbers(value)
        if bare and bare[0].value == int(bare[0].value):
            return int(bare[0].value)
    return None


# --- children ---------------------------------------------------------------------


_CHILD_NOUN = (
    r"(?:kids?|kiddos?|children|childs|child(?!\s*(?:benefit|care|support))|sons?|daughters?|"
    r"boys?|girls?|babies|baby|little ones?|teens|teenagers?|stepchildren|stepkids)"
)
_COUNTED = re.compile(rf"(?:{_N}|\b(?:an?|another)\b)\s+(?:(?:young|little|small|step)\s*)?"
                      rf"{_CHILD_NOUN}\b")
_MULTIPLES = {"twins": 2, "triplets": 3, "quadruplets": 4}
_NO_CHILDREN = re.compile(rf"\bno\s+{_CHILD_NOUN}|\b(?:don'?t|do not) have (?:any )?{_CHILD_NOUN}")
_AGE_LIST = rf"{_N}(?:\s*(?:,|and|&|\+)\s*{_N})*"
_AGES = [
    re.compile(rf"\bage[sd]?\s*:?\s*((?:{NUMBER})(?:\s*(?:,|and|&|\+)\s*(?:{NUMBER}))*)"),
    re.compile(rf"((?:{NUMBER})(?:\s*(?:,|and|&|\+)\s*(?:{NUMBER}))*)\s*-?\s*(?:years?|yrs?)"
               rf"\s*-?\s*olds?\b"),
    re.compile(rf"\b({NUMBER})\s*yo\b"),
]


def children_count(text: str, answer: bool = False) -> Optional[int]:
    """How many children: "3 kids", "two sons and a daughter", "twins", "no children"."""
    value = normalise(text)
    if _NO_CHILDREN.search(value):
        return 0
    total, found = 0, False
    for match in _COUNTED.finditer(value):
        total += int(to_dec(match.group(1))) if match.group(1) else 1
        found = True
    for word, count in _MULTIPLES.items():
        if re.search(rf"\b{word}\b", value):
            total, found = total + count, True
    if found:
        return total
    if answer:
        ages = children_ages(value)
        if len(ages) >= 2:
            return len(ages)
        bare = _bare_numbers(value)
        if len(bare) >= 2:
            return len(bare)  # "15, 11 and 4": their ages
        if bare and bare[0].value == int(bare[0].value):
            return int(bare[0].value)
        if re.search(r"\b(?:none|nil)\b", value):
            return 0
    return None


def children_ages(text: str) -> List[int]:
    """Children's ages, oldest first: "aged 15, 11 and 4", "a 15 year old and a 4yo"."""
    value = normalise(text)
    ages: Dict[int, int] = {}
    for pattern in _AGES:
        for match in pattern.finditer(value):
            for number in numbers(match.group(1)):
                ages[match.start(1) + number.start] = int(number.value)
    return sorted((a for a in ages.values() if a < 40), reverse=True)


# --- household ---------------------------------------------------------------------


_PEOPLE = re.compile(
    rf"{_N}\s*(?:people|persons|ppl|of us|person household|in the (?:house|household|flat))\b"
    rf"|\b(?:family|household) of\s*{_N}|\bwe are\s*{_N}\b|\bthere are\s*{_N}\b"
)
_ALONE = re.compile(r"\b(?:alone|on my own|by myself|just me|only me|single|myself only)\b")
_COUPLE = re.compile(
    r"\b(?:couple|married|(?:my|with (?:my|a)) (?:wife|husband|partner|spouse|girlfriend|"
    r"boyfriend|fianc[eé]e?))\b"
)
_ADULTS = re.compile(rf"{_N}\s*(?:adults|grown-?ups)\b")


def household_size(text: str, answer: bool = False) -> Optional[int]:
    """People in the home, the citizen included: "alone" 1, "me, my wife and 2 kids" 4."""
    value = normalise(text)
    match = _PEOPLE.search(value)
    if match:
        return int(to_dec(next(g for g in match.groups() if g)))
    adults_match = _ADULTS.search(value)
    adults: Optional[int] = int(to_dec(adults_match.group(1))) if adults_match else None
    if adults is None and _COUPLE.search(value):
        adults = 2
    if adults is None and _ALONE.search(value):
        adults = 1
    children = children_count(value)
    if adults is not None:
        return adults + (children or 0)
    if answer:
        bare = _bare_numbers(value)
        if bare and bare[0].value == int(bare[0].value):
            return int(bare[0].value)
    return None


# --- disability ------------------------------------------------------------------------


_DEGREE_WORD = r"(?:degree|level|grade|group)"
_DEGREE_NUMBER = r"(iii|ii|i|1|2|3|first|second|third|1st|2nd|3rd)"
# "degree II" first: in "II degree and i need help" a later "i" is a pronoun.
_DEGREE = re.compile(rf"\b{_DEGREE_WORD}\s*{_DEGREE_NUMBER}\b")
_DEGREE_AFTER = re.compile(rf"\b{_DEGREE_NUMBER}\s*{_DEGREE_WORD}\b")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "1": 1, "2": 2, "3": 3, "first": 1, "second": 2,
          "third": 3, "1st": 1, "2nd": 2, "3rd": 3}
# Ukrainian writes Roman numerals with the Cyrillic letter і ("ІІ ступінь"); a
# single one is also the word "and", so only two or three of them are read.
_CYRILLIC_ROMAN = re.compile(r"(?<!\w)(\u0456{2,3})(?!\w)")
_REDUCTION = re.compile(rf"{_N}\s*(?:%|percent|per cent)")
_CARE_YES = re.compile(
    r"\b(?:care supplement|help(?:s)? (?:me |him |her )?(?:from (?:another|other) (?:person|people)"
    r"|every ?day|daily)|"
    r"daily help|need(?:s)? (?:a )?carer|carer every day|need(?:s)? care every day|"
    r"with (?:the )?care)\b"
)
_CARE_NO = re.compile(
    r"\b(?:no (?:care|help|carer)|without (?:the )?(?:care|help|supplement)|"
    r"(?:don'?t|do not|dont) need (?:any )?(?:care|help))\b"
)


def disability_degree(text: str, answer: bool = False) -> Optional[int]:
    """Degree 1 to 3 ("degree II"), or 0 for a reduction below 40% ("30%")."""
    from actions.estimates.disability import degree_for_reduction

    value = _CYRILLIC_ROMAN.sub(lambda m: "i" * len(m.group(1)), normalise(text))
    match = _DEGREE.search(value) or _DEGREE_AFTER.search(value)
    if match:
        return _ROMAN[match.group(1)]
    reduction = _REDUCTION.search(value)
    if reduction and to_dec(reduction.group(1)) <= 100:
        return degree_for_reduction(int(to_dec(reduction.group(1)))) or 0
    if answer:
        bare = value.strip(" .!")
        if bare in _ROMAN:
            return _ROMAN[bare]
    return None


def care_supplement(text: str) -> Optional[bool]:
    """Help from another person every day (the care supplement): True, False or None."""
    value = normalise(text)
    if _CARE_NO.search(value):
        return False
    return True if _CARE_YES.search(value) else None


# --- survivors -----------------------------------------------------------------------


_PARTNER = r"(?:husband|wife|partner|spouse|hubby)"
_SPOUSE = re.compile(
    rf"\bmy (?:late )?{_PARTNER}\b|\bwidow(?:er|ed)?\b|"
    rf"\bi(?:'?m| am| was) (?:his|her|the) (?:late )?(?:{_PARTNER}|widow(?:er)?)\b"
)
_CHILD_ASKS = re.compile(
    r"\b(?:my|our) (?:mum|mom|mother|dad|father|parents?)\b.*\b(?:died|passed away|dead)\b"
    r"|\borphan'?s?\b"
)
_OWN_CHILDREN = re.compile(rf"\b(?:our|my)\s+(?:{_CHILD_NOUN})\b")
_BOTH_PARENTS = re.compile(
    r"\bboth (?:(?:our|my|his|her|their) )?parents\b|\bboth of (?:his|her|their|my|our) parents\b"
    r"|\borphaned\b"
)


def spouse_survives(text: str) -> Optional[bool]:
    """The citizen is the husband, wife or registered partner of the person who died.

    False when a child of the person who died asks ("our dad died, what do we
    get as orphans"), None when the message does not say.
    """
    value = normalise(text)
    if _SPOUSE.search(value):
        return True
    return False if _CHILD_ASKS.search(value) else None


def orphans_count(text: str, answer: bool = False) -> Optional[int]:
    """Children who may get an orphan's pension: "2 kids", "our son", "no children"."""
    value = normalise(text)
    count = children_count(value)
    if count is not None:
        return count
    # "my son is 16": one child named, and the number is his age.
    owned = _OWN_CHILDREN.findall(value)
    if owned:
        return len(owned)
    return children_count(value, answer=True) if answer else None


def both_parents_died(text: str) -> Optional[bool]:
    """Both parents of the children have died (30% orphan's pension each)."""
    return True if _BOTH_PARENTS.search(normalise(text)) else None
