"""Numbers that identify a person, a case, an account or an employer.

Formats from requests-in-chat.md, "Formats and validation". Each validator
returns the value as the case system stores it, or raises `ValidationError`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, List, Optional

from actions.validation._base import ValidationError, clean, today_or

__all__ = [
    "national_id",
    "national_id_check_digit",
    "national_id_matches_birth_date",
    "birth_date_from_national_id",
    "age_on",
    "case_reference",
    "housing_number",
    "employer_registration_number",
    "bank_account",
    "account_is_valid",
    "account_with_check_digits",
    "phone",
    "postcode",
    "MAX_AGE",
]

MAX_AGE = 120

# The answers to a wrong value: responses of data/core/errors.yml.
NATIONAL_ID_FORMAT = "utter_invalid_national_id_format"
NATIONAL_ID_INVALID = "utter_invalid_national_id"
CASE_REFERENCE_FORMAT = "utter_invalid_case_reference"
HOUSING_NUMBER_FORMAT = "utter_invalid_housing_number"
EMPLOYER_NUMBER_FORMAT = "utter_invalid_employer_number"
ACCOUNT_FORMAT = "utter_invalid_account_format"
ACCOUNT_FOREIGN = "utter_invalid_account_foreign"
ACCOUNT_INVALID = "utter_invalid_account"
PHONE_FORMAT = "utter_invalid_phone_format"
PHONE_FOREIGN = "utter_invalid_phone_foreign"
POSTCODE_FORMAT = "utter_invalid_postcode"

_ID_SEPARATORS = re.compile(r"[ .\-]")
_PHONE_SEPARATORS = re.compile(r"[ .\-()/]")
_CASE_REFERENCE = re.compile(
    r"(?<![A-Z0-9])NSSA[ \-_./]{0,3}([0-9]{4})[ \-_./]{0,3}([0-9]{6})(?![0-9])"
)
# Without "NSSA", only a year-like first part and a separator: "2026-000123".
_CASE_REFERENCE_BARE = re.compile(r"((?:19|20)[0-9]{2})[ \-_./]{1,3}([0-9]{6})")
_HOUSING_NUMBER = re.compile(r"(?<![A-Z0-9])HO[ \-_./]{0,3}([0-9]{8})(?![0-9])")
_EMPLOYER_NUMBER = re.compile(r"(?<![A-Z0-9])ER[ \-_./]{0,3}([0-9]{8})(?![0-9])")


def national_id_check_digit(first_ten: str) -> Optional[int]:
    """Return the check digit for the first 10 digits, or None when no digit fits."""
    remainder = sum(weight * int(digit) for weight, digit in enumerate(first_ten, 1)) % 11
    return None if remainder == 10 else remainder


def _birth_dates(nid: str) -> List[dt.date]:
    """Every date of birth that YYMMDD can stand for, latest century first."""
    yy, mm, dd = int(nid[0:2]), int(nid[2:4]), int(nid[4:6])
    dates = []
    for century in (2000, 1900, 1800):
        try:
            dates.append(dt.date(century + yy, mm, dd))
        except ValueError:
            continue
    return dates


def national_id(text: Any) -> str:
    """Return the 11-digit national ID number; spaces, hyphens and dots are ignored."""
    value = _ID_SEPARATORS.sub("", clean(text))
    if not re.fullmatch(r"[0-9]{11}", value):
        raise ValidationError(NATIONAL_ID_FORMAT)
    if national_id_check_digit(value[:10]) != int(value[10]) or not _birth_dates(value):
        raise ValidationError(NATIONAL_ID_INVALID)
    return value


def age_on(birth: dt.date, today: dt.date) -> int:
    """Return the age in whole years on `today` (negative before the birth)."""
    years = today.year - birth.year
    return years - 1 if (today.month, today.day) < (birth.month, birth.day) else years


def birth_date_from_national_id(nid: Any, today: Optional[dt.date] = None) -> dt.date:
    """Return the date of birth in a national ID: the century giving an age of 0 to 120."""
    value, now = national_id(nid), today_or(today)
    for birth in _birth_dates(value):
        if birth <= now and age_on(birth, now) <= MAX_AGE:
            return birth
    raise ValidationError(NATIONAL_ID_INVALID)


def national_id_matches_birth_date(
    nid: Any, birth_date: dt.date, today: Optional[dt.date] = None
) -> bool:
    """Tell whether the date of birth is the YYMMDD of the ID, aged 0 to 120 on `today`."""
    try:
        value = national_id(nid)
    except ValidationError:
        return False
    if birth_date.strftime("%y%m%d") != value[:6]:
        return False
    return 0 <= age_on(birth_date, today_or(today)) <= MAX_AGE


def _one_match(pattern: "re.Pattern[str]", text: str) -> Optional[tuple]:
    found = {match.groups() for match in pattern.finditer(text)}
    return found.pop() if len(found) == 1 else None


def case_reference(text: Any) -> str:
    """Return an NSSA case reference as NSSA-YYYY-NNNNNN, from any case and separators."""
    value = clean(text).upper()
    parts = _one_match(_CASE_REFERENCE, value)
    if parts is None:
        bare = _CASE_REFERENCE_BARE.fullmatch(value.strip(" .#"))
        parts = bare.groups() if bare else None
    if parts is None:
        raise ValidationError(CASE_REFERENCE_FORMAT)
    return "NSSA-{}-{}".format(*parts)


def housing_number(text: Any) -> str:
    """Return a Housing Office application number as HO-NNNNNNNN."""
    parts = _one_match(_HOUSING_NUMBER, clean(text).upper())
    if parts is None:
        raise ValidationError(HOUSING_NUMBER_FORMAT)
    return f"HO-{parts[0]}"


def employer_registration_number(text: Any) -> str:
    """Return an employer registration number as ER followed by 8 digits."""
    parts = _one_match(_EMPLOYER_NUMBER, clean(text).upper())
    if parts is None:
        raise ValidationError(EMPLOYER_NUMBER_FORMAT)
    return f"ER{parts[0]}"


def _mod97(account: str) -> int:
    rearranged = account[4:] + account[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97


def account_is_valid(account: str) -> bool:
    """Tell whether a compact account number passes the IBAN mod-97 test."""
    return bool(re.fullmatch(r"[A-Z]{2}[0-9]{2}[0-9A-Z]{1,30}", account)) and _mod97(account) == 1


def account_with_check_digits(digits: str) -> str:
    """Return the NR account for 16 digits, with its 2 check digits computed."""
    if not re.fullmatch(r"[0-9]{16}", digits):
        raise ValueError("an NR account has 16 digits after the check digits")
    return f"NR{98 - _mod97('NR00' + digits):02d}{digits}"


def bank_account(text: Any) -> str:
    """Return a Northland account number as NR and 18 digits, mod-97 checked."""
    value = _ID_SEPARATORS.sub("", clean(text)).upper()
    value = re.sub(r"^IBAN:?", "", value)
    if re.fullmatch(r"[0-9]{18}", value):
        # The citizen left out NR; the check digits still protect against typos.
        value = "NR" + value
    if re.match(r"[A-Z]{2}[0-9]", value) and not value.startswith("NR"):
        raise ValidationError(ACCOUNT_FOREIGN)
    if not re.fullmatch(r"NR[0-9]{18}", value):
        raise ValidationError(ACCOUNT_FORMAT)
    if not account_is_valid(value):
        raise ValidationError(ACCOUNT_INVALID)
    return value


# A phone number among words ("my number is 0412 345 678"): digits and the
# separators people type, from a digit, "+" or "(" to a digit.
_PHONE_AMONG_WORDS = re.compile(r"(?<![\w+])[+(]?\d[\d \-./()]{7,}\d(?!\w)")


def _the_phone_number(text: str) -> str:
    """The only phone-like run of a message with words around it, else the message."""
    found = _PHONE_AMONG_WORDS.findall(text)
    if len(found) != 1 or re.search(r"\d", text.replace(found[0], "")):
        return text
    return found[0]


def phone(text: Any) -> str:
    """Return a Northland phone number as 10 digits starting with 0 (+999 converted)."""
    value = _PHONE_SEPARATORS.sub("", _the_phone_number(clean(text)))
    if value.startswith("00") and len(value) > 10:
        value = "+" + value[2:]
    if value.startswith("+"):
        if not value.startswith("+999"):
            raise ValidationError(PHONE_FOREIGN)
        rest = value[4:]
        # "+999 (0)412 ..." keeps its own 0; "+999 412 ..." gets one.
        value = rest if rest.startswith("0") else "0" + rest
    if not re.fullmatch(r"0[0-9]{9}", value):
        raise ValidationError(PHONE_FORMAT)
    return value


def postcode(text: Any) -> str:
    """Return a Northland postcode: 4 digits."""
    value = clean(text).replace(" ", "")
    if not re.fullmatch(r"[0-9]{4}", value):
        raise ValidationError(POSTCODE_FORMAT)
    return value
