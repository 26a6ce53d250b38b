"""Validation of the answers citizens give in the request forms.

Pure functions: no I/O, no Rasa. Each returns the value normalised as the case
system stores it, or raises `ValidationError`, whose message is the plain text
the assistant says to the citizen. They are generous about shapes (spaces,
full-width digits, "12 March 1985", "yes please") and strict about values
(check digits, date ranges, office days).

    identifiers   national ID, case and Housing Office numbers, NR account, phone, postcode
    dates         dates typed in chat, and the date rules of the requests
    working_days  public holidays, offices, appointment days and times
    choices       fixed answers: yes/no, relationship, delivery, office, ...
    quantities    euro amounts and whole numbers
    text          free text by length
    masking       last 4 digits, and hiding personal numbers in free text
"""

from actions.validation._base import ValidationError, clean, format_date, term, weekday
from actions.validation.choices import (
    complaint_topic,
    delivery,
    language,
    office,
    period,
    relationship,
    time_window,
    work_status,
    yes_no,
)
from actions.validation.dates import (
    DATE_FORMAT_MESSAGE,
    CoverageStart,
    add_months,
    child_date_of_birth,
    coverage_end_date,
    coverage_start_date,
    date,
    date_within,
    lives_with_since,
    move_date,
    not_in_future,
)
from actions.validation.identifiers import (
    account_is_valid,
    account_with_check_digits,
    age_on,
    bank_account,
    birth_date_from_national_id,
    case_reference,
    employer_registration_number,
    housing_number,
    national_id,
    national_id_check_digit,
    national_id_matches_birth_date,
    phone,
    postcode,
)
from actions.validation.masking import ending, last4, mask, mask_personal_numbers
from actions.validation.quantities import amount, household_size, to_cents, whole_number
from actions.validation.text import TEXT_LIMITS, TextLimit, text_field, text_length
from actions.validation.working_days import (
    OFFICES,
    PUBLIC_HOLIDAYS,
    SLOT_TIMES,
    Office,
    add_working_days,
    appointment_date,
    appointment_time,
    bookable_dates,
    is_public_holiday,
    is_working_day,
    next_working_day,
    office_open_on,
    working_days_between,
)

__all__ = [
    "ValidationError",
    "clean",
    "format_date",
    "term",
    "weekday",
    # identifiers
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
    # dates
    "date",
    "DATE_FORMAT_MESSAGE",
    "add_months",
    "not_in_future",
    "date_within",
    "move_date",
    "lives_with_since",
    "child_date_of_birth",
    "CoverageStart",
    "coverage_start_date",
    "coverage_end_date",
    # working days and offices
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
    # choices
    "yes_no",
    "relationship",
    "work_status",
    "delivery",
    "language",
    "period",
    "complaint_topic",
    "time_window",
    "office",
    # quantities and text
    "amount",
    "to_cents",
    "whole_number",
    "household_size",
    "TextLimit",
    "TEXT_LIMITS",
    "text_length",
    "text_field",
    # masking
    "last4",
    "ending",
    "mask",
    "mask_personal_numbers",
]
