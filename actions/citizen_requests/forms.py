"""The request forms: questions and checks of requests-in-chat.md.

Each form is a `RequestForm` naming its fields; the texts of the questions
are the `utter_ask_<slot>` responses in domain.yml.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any, Optional, Sequence, Text

from rasa_sdk import Tracker

from actions.citizen_requests.appointments import ValidateAppointmentForm
from actions.citizen_requests.base import Field, RequestForm, identity_level
from actions.validation import (
    ValidationError,
    child_date_of_birth,
    lives_with_since,
    national_id,
    relationship,
    add_months,
    amount,
    coverage_end_date,
    coverage_start_date,
    employer_registration_number,
    household_size,
    housing_number,
    text_length,
    to_cents,
    work_status,
    bank_account,
    date,
    ending,
    format_date,
    move_date,
    postcode,
    case_reference,
    complaint_topic,
    delivery,
    language,
    period,
    phone,
    text_field,
    time_window,
    yes_no,
)

__all__ = [
    "ValidateCallbackForm",
    "ValidateComplaintForm",
    "ValidateStatementForm",
    "ValidateCaseStatusForm",
    "ValidateAddressForm",
    "ValidateBankForm",
    "ValidateHousingForm",
    "ValidateCoverageForm",
    "ValidateChildBenefitForm",
    "FORMS",
    "parse_case_query",
]

_YES_NO = {True: "yes", False: "no"}
_TIME_WINDOWS = {"morning": "morning (09:00–12:00)", "afternoon": "afternoon (13:00–17:00)"}
_DELIVERY = {"online": "My NSSA", "post": "by post"}


def _optional_case_reference(text: Text) -> Any:
    try:
        if not yes_no(text):
            return "none"
    except ValidationError:
        pass
    return case_reference(text)


def parse_case_query(text: Text) -> Text:
    """"all", an NSSA case reference or a Housing Office application number."""
    if {"all", "every", "everything"} & set(text.strip().lower().split()):
        return "all"
    for parse in (case_reference, housing_number):
        try:
            return parse(text)
        except ValidationError:
            continue
    raise ValidationError(
        "Please type your case reference, such as NSSA-2026-000123, a Housing Office "
        "application number, such as HO-12345678, or all to see all your cases."
    )


class ValidateCallbackForm(RequestForm):
    """Request 10: a call back from an advisor (level 0)."""

    level = 0

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_callback_form"

    def fields(self) -> Sequence[Field]:
        """Name, phone number, morning or afternoon, topic."""
        return (
            Field("callback_name", "Name", partial(text_field, "name"), free_text=True),
            Field("callback_phone", "Phone number", phone),
            Field("callback_time_window", "When", time_window, show=_TIME_WINDOWS.get),
            Field("callback_topic", "About", partial(text_field, "topic"), free_text=True,
                  interruptible=False),
        )


def _verified(tracker: Tracker) -> bool:
    return identity_level(tracker) >= 1


def _reply_contact_needed(tracker: Tracker) -> bool:
    return tracker.get_slot("wants_reply") is True and not _verified(tracker)


class ValidateComplaintForm(RequestForm):
    """Request 9: a complaint (level 0; linking a case needs level 1)."""

    level = 0

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_complaint_form"

    def fields(self) -> Sequence[Field]:
        """Topic, what happened, optional case, reply wanted, contact if needed."""
        return (
            Field("complaint_topic", "Topic", complaint_topic, show=lambda v: str(v).replace("_", " ")),
            Field(
                "complaint_text", "What happened", partial(text_field, "complaint_text"),
                free_text=True, interruptible=False,
            ),
            Field(
                "complaint_case_reference", "Case", _optional_case_reference,
                show=lambda v: "none" if v == "none" else v, when=_verified,
            ),
            Field("wants_reply", "Reply wanted", yes_no, show=_YES_NO.get),
            Field("contact_name", "Your name", partial(text_field, "contact_name"),
                  free_text=True, when=_reply_contact_needed),
            Field("contact_phone", "Your phone number", phone, when=_reply_contact_needed),
        )

    def _field_validator(self, form_field: Field):
        validate = super()._field_validator(form_field)
        if form_field.slot != "complaint_topic":
            return validate

        async def validate_topic(value, dispatcher, tracker, domain):
            result = await validate(value, dispatcher, tracker, domain)
            if result.get("complaint_topic") == "decision":
                # A complaint does not change a decision: tell them how to appeal.
                dispatcher.utter_message(response="utter_complaint_about_decision")
            return result

        return validate_topic


class ValidateStatementForm(RequestForm):
    """Request 4: a contribution statement (level 1)."""

    level = 1

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_statement_form"

    def fields(self) -> Sequence[Field]:
        """All years or one year, My NSSA or post, language."""
        return (
            Field("statement_period", "Years", period,
                  show=lambda v: "all years" if v == "all" else str(v)),
            Field("statement_delivery", "Delivery", delivery, show=_DELIVERY.get),
            Field("statement_language", "Language", language, show=lambda v: str(v).title()),
        )


class ValidateCaseStatusForm(RequestForm):
    """Request 8: the status of a case (level 1); read only, so no summary."""

    level = 1

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_case_status_form"

    def fields(self) -> Sequence[Field]:
        """Which case, or all."""
        return (Field("case_query", "Case", parse_case_query),)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        """Identity and the case; nothing to confirm."""
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        return [s for s in slots if s not in ("confirm", "change_field")]


def _move_date(text: Text) -> Text:
    # Stored as YYYY-MM-DD (requests-in-chat.md), shown as DD.MM.YYYY.
    return move_date(date(text)).isoformat()


def _show_date(value: Any) -> Text:
    return format_date(dt.date.fromisoformat(value)) if value else ""


class ValidateAddressForm(RequestForm):
    """Request 2: a change of address (level 2, Northland addresses only)."""

    level = 2

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_address_form"

    def fields(self) -> Sequence[Field]:
        """Street and number, postcode, town, date of the move."""
        return (
            Field("street", "Street and house number", partial(text_field, "street"), free_text=True),
            Field("postcode", "Postcode", postcode),
            Field("city", "Town or city", partial(text_field, "city"), free_text=True),
            Field("move_date", "Date of the move", _move_date, show=_show_date),
        )


class ValidateBankForm(RequestForm):
    """Request 3: a new bank account for payments (level 2)."""

    level = 2

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_bank_form"

    def fields(self) -> Sequence[Field]:
        """The new NR account (shown as its last 4 digits) and the holder's name."""
        return (
            Field("new_account", "New account", bank_account, show=ending),
            Field("account_holder_name", "Account holder",
                  partial(text_field, "account_holder_name"), free_text=True),
        )


def _cents(text: Text) -> int:
    return to_cents(amount(text))


def _euros(cents: Any) -> Text:
    return f"€{int(cents) / 100:,.2f}" if cents is not None else ""


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
            Field("consent_to_forward", "Send to the Housing Office", _consent, show=_YES_NO.get),
            Field("full_name", "Full name", partial(text_field, "full_name"), free_text=True),
            Field("street", "Street and house number", partial(text_field, "street"), free_text=True),
            Field("postcode", "Postcode", postcode),
            Field("city", "Town or city", partial(text_field, "city"), free_text=True),
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
            dispatcher.utter_message(text=error.message)
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
            Field("work_status", "Work status", work_status,
                  show=lambda v: str(v).replace("_", "-")),
            Field("employer_name", "Employer", partial(text_field, "employer_name"),
                  free_text=True, when=_is_employee),
            Field("employer_registration_number", "Employer registration number",
                  employer_registration_number, when=_is_employee),
            Field("country", "Country", partial(text_length, minimum=1, maximum=100,
                                                what="the country"), free_text=True),
            Field("coverage_start_date", "First day abroad", _start_date, show=_show_date,
                  note=_soon_note),
            Field("coverage_end_date", "Last day abroad", _end_date, show=_show_date, context=True),
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
            Field("child_date_of_birth", "Child's date of birth", _child_birth, show=_show_date,
                  context=True),
            Field("relationship", "Your relationship", relationship,
                  show=lambda v: str(v).replace("_", "-")),
            Field("child_lives_with_applicant", "Lives with you", yes_no, show=_YES_NO.get),
            Field("lives_with_since", "Lives with you since", _lives_with_since, show=_show_date,
                  context=True),
            Field("pay_to_account_on_record", "Paid to your account on record", yes_no,
                  show=_YES_NO.get),
        )

    async def validate_child_lives_with_applicant(self, value, dispatcher, tracker, domain):
        """Must be yes: otherwise the person the child lives with applies."""
        try:
            lives_here = yes_no(str(value or ""))
        except ValidationError as error:
            dispatcher.utter_message(text=error.message)
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
            dispatcher.utter_message(text=error.message)
            return {"pay_to_account_on_record": None}
        if not agreed:
            dispatcher.utter_message(response="utter_child_benefit_account_first")
            return {"pay_to_account_on_record": None, "request_declined": True}
        return {"pay_to_account_on_record": True}


FORMS = {
    "appointment_form": ValidateAppointmentForm,
    "child_benefit_form": ValidateChildBenefitForm,
    "housing_form": ValidateHousingForm,
    "coverage_form": ValidateCoverageForm,
    "address_form": ValidateAddressForm,
    "bank_form": ValidateBankForm,
    "callback_form": ValidateCallbackForm,
    "complaint_form": ValidateComplaintForm,
    "statement_form": ValidateStatementForm,
    "case_status_form": ValidateCaseStatusForm,
}
