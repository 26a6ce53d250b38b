"""Requests 6, 5 and 1: applications with many answers (web chat and Telegram only).

Housing allowance (forwarded to the Housing Office), a certificate of
coverage and child benefit (requests-in-chat.md).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any, Optional, Sequence, Text

from rasa_sdk import Tracker

from actions.citizen_requests.address_fields import address_fields
from actions.citizen_requests.base import (
    YES_NO_TEXT,
    Field,
    RequestForm,
    say_invalid,
    show_iso_date,
    shown,
)
from actions.validation import (
    ValidationError,
    add_months,
    amount,
    child_date_of_birth,
    coverage_end_date,
    coverage_start_date,
    date,
    employer_registration_number,
    ending,
    household_size,
    lives_with_since,
    national_id,
    phone,
    relationship,
    text_field,
    text_length,
    to_cents,
    work_status,
    yes_no,
)

__all__ = [
    "ValidateHousingForm",
    "ValidateCoverageForm",
    "ValidateChildBenefitForm",
]

def _cents(text: Text) -> int:
    return to_cents(amount(text))


def _euros(cents: Any) -> Any:
    return {"money": int(cents)} if cents is not None else ""


def _optional_phone(text: Text) -> Text:
    try:
        if not yes_no(text):
            return "none"
    except ValidationError:
        pass
    return phone(text)


def _consent(text: Text) -> bool:
    return yes_no(text)


class ValidateHousingForm(RequestForm):
    """Request 6: housing allowance, forwarded to the Housing Office (level 1)."""

    level = 1
    web_only = True

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_housing_form"

    def fields(self) -> Sequence[Field]:
        """Consent first, then the application; ID and birth date come from the check."""
        return (
            Field("consent_to_forward", "Send to the Housing Office", _consent,
                  show=YES_NO_TEXT.get),
            Field("full_name", "Full name", partial(text_field, "full_name"), free_text=True),
            *address_fields(),
            Field("household_size", "People in the home", household_size),
            Field("monthly_rent", "Monthly rent", _cents, show=_euros),
            Field("monthly_household_income", "Monthly household income", _cents, show=_euros),
            Field("housing_phone", "Phone number", _optional_phone),
        )

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        """The handbook's consent question comes first, before the identity check."""
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if "consent_to_forward" in slots:
            slots.remove("consent_to_forward")
            slots.insert(0, "consent_to_forward")
        return slots

    async def validate_consent_to_forward(self, value, dispatcher, tracker, domain):
        """Must be yes; no stops here with the Housing Office's number."""
        try:
            agreed = yes_no(str(value or ""))
        except ValidationError as error:
            say_invalid(dispatcher, error)
            return {"consent_to_forward": None}
        if not agreed:
            dispatcher.utter_message(response="utter_housing_no_consent")
            return {"consent_to_forward": None, "request_declined": True}
        return {"consent_to_forward": True}


def _is_employee(tracker: Tracker) -> bool:
    return tracker.get_slot("work_status") == "employee"


def _start_date(text: Text) -> Text:
    return coverage_start_date(date(text)).date.isoformat()


def _end_date(text: Text, tracker: Tracker) -> Text:
    start = dt.date.fromisoformat(tracker.get_slot("coverage_start_date"))
    return coverage_end_date(date(text), start).isoformat()


def _soon_note(value: Any) -> Optional[Text]:
    start = dt.date.fromisoformat(value)
    return "utter_coverage_start_soon" if start < add_months(dt.date.today(), 1) else None


class ValidateCoverageForm(RequestForm):
    """Request 5: a certificate of coverage (level 1)."""

    level = 1
    web_only = True

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_coverage_form"

    def fields(self) -> Sequence[Field]:
        """Work status, employer (employees), country, dates, workplace abroad."""
        return (
            Field("work_status", "Work status", work_status, show=shown("work_status")),
            Field("employer_name", "Employer", partial(text_field, "employer_name"),
                  free_text=True, when=_is_employee),
            Field("employer_registration_number", "Employer registration number",
                  employer_registration_number, when=_is_employee),
            Field("country", "Country", partial(text_length, minimum=1, maximum=100,
                                                empty="utter_invalid_empty_country"),
                  free_text=True),
            Field("coverage_start_date", "First day abroad", _start_date, show=show_iso_date,
                  note=_soon_note),
            Field("coverage_end_date", "Last day abroad", _end_date, show=show_iso_date,
                  context=True),
            Field("work_address_abroad", "Workplace abroad",
                  partial(text_field, "work_address_abroad"), free_text=True, interruptible=False),
        )


def _child_birth(text: Text, tracker: Tracker) -> Text:
    return child_date_of_birth(date(text), tracker.get_slot("child_national_id")).isoformat()


def _lives_with_since(text: Text, tracker: Tracker) -> Text:
    birth = dt.date.fromisoformat(tracker.get_slot("child_date_of_birth"))
    return lives_with_since(date(text), birth).isoformat()


class ValidateChildBenefitForm(RequestForm):
    """Request 1: child benefit, for a child under 18 with a Northland ID (level 1)."""

    level = 1
    web_only = True

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_child_benefit_form"

    def fields(self) -> Sequence[Field]:
        """The child, the relationship, living together, and the account on record."""
        return (
            Field("child_national_id", "Child's national ID number", national_id, show=ending),
            Field("child_first_name", "Child's first name", partial(text_field, "child_first_name"),
                  free_text=True),
            Field("child_last_name", "Child's last name", partial(text_field, "child_last_name"),
                  free_text=True),
            Field("child_date_of_birth", "Child's date of birth", _child_birth, show=show_iso_date,
                  context=True),
            Field("relationship", "Your relationship", relationship,
                  show=shown("relationship")),
            Field("child_lives_with_applicant", "Lives with you", yes_no, show=YES_NO_TEXT.get),
            Field("lives_with_since", "Lives with you since", _lives_with_since, show=show_iso_date,
                  context=True),
            Field("pay_to_account_on_record", "Paid to your account on record", yes_no,
                  show=YES_NO_TEXT.get),
        )

    async def validate_child_lives_with_applicant(self, value, dispatcher, tracker, domain):
        """Must be yes: otherwise the person the child lives with applies."""
        try:
            lives_here = yes_no(str(value or ""))
        except ValidationError as error:
            say_invalid(dispatcher, error)
            return {"child_lives_with_applicant": None}
        if not lives_here:
            dispatcher.utter_message(response="utter_child_lives_elsewhere")
            return {"child_lives_with_applicant": None, "request_declined": True}
        return {"child_lives_with_applicant": True}

    async def validate_pay_to_account_on_record(self, value, dispatcher, tracker, domain):
        """Must be yes: a new account first needs request 3 (level 2)."""
        try:
            agreed = yes_no(str(value or ""))
        except ValidationError as error:
            say_invalid(dispatcher, error)
            return {"pay_to_account_on_record": None}
        if not agreed:
            dispatcher.utter_message(response="utter_child_benefit_account_first")
            return {"pay_to_account_on_record": None, "request_declined": True}
        return {"pay_to_account_on_record": True}
