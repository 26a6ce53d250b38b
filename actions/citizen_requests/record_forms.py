"""Requests 4, 8, 2 and 3: the citizen's own record (requests-in-chat.md).

A contribution statement, the status of a case, a change of address and a
new bank account.
"""

from __future__ import annotations

from functools import partial
from typing import FrozenSet, Sequence, Text

from actions.citizen_requests.address_fields import address_fields
from actions.citizen_requests.base import (
    Field,
    RequestForm,
    show_iso_date,
    shown,
)
from actions.validation import (
    ValidationError,
    bank_account,
    case_reference,
    date,
    delivery,
    ending,
    housing_number,
    language,
    last4,
    move_date,
    period,
    term,
    text_field,
)

__all__ = [
    "ValidateStatementForm",
    "ValidateCaseStatusForm",
    "ValidateAddressForm",
    "ValidateBankForm",
    "parse_case_query",
]



_ALL_CASES = frozenset({"all", "every", "everything"})


def _all_words() -> FrozenSet[str]:
    """"all" in every language: the one-word ones of `choices: period: all` (texts.yml)."""
    from bot.i18n.catalogue import default_catalogue

    words = default_catalogue().choices("period").get("all", ())
    return frozenset(word.casefold() for word in words if len(word.split()) == 1)


def parse_case_query(text: Text) -> Text:
    """"all", an NSSA case reference or a Housing Office application number."""
    if (_ALL_CASES | _all_words()) & set(text.strip().casefold().split()):
        return "all"
    for parse in (case_reference, housing_number):
        try:
            return parse(text)
        except ValidationError:
            continue
    raise ValidationError("utter_invalid_case_query")


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
                  show=lambda v: term("term_all_years") if v == "all" else str(v)),
            Field("statement_delivery", "Delivery", delivery, show=shown("delivery")),
            Field("statement_language", "Language", language, show=shown("letter_language")),
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



class ValidateAddressForm(RequestForm):
    """Request 2: a change of address (level 2, Northland addresses only)."""

    level = 2

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_address_form"

    def fields(self) -> Sequence[Field]:
        """Street and number, postcode, town, date of the move."""
        return (
            *address_fields(),
            Field("move_date", "Date of the move", _move_date, show=show_iso_date),
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
            # Said back as its last 4 digits, so a typo shows before the summary.
            Field("new_account", "New account", bank_account, show=ending,
                  note=lambda value: ("utter_account_noted", {"account_last4": last4(value)})),
            Field("account_holder_name", "Account holder",
                  partial(text_field, "account_holder_name"), free_text=True),
        )
