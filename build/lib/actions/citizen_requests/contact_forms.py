"""Requests 10 and 9: a call back from an advisor, and a complaint (requests-in-chat.md)."""

from __future__ import annotations

from functools import partial
from typing import Any, Sequence, Text

from rasa_sdk import Tracker

from actions.citizen_requests.base import (
    YES_NO_TEXT,
    Field,
    RequestForm,
    identity_level,
    shown,
)
from actions.validation import (
    ValidationError,
    case_reference,
    complaint_topic,
    phone,
    term,
    text_field,
    time_window,
    yes_no,
)

__all__ = [
    "ValidateCallbackForm",
    "ValidateComplaintForm",
]



def _optional_case_reference(text: Text) -> Any:
    try:
        if not yes_no(text):
            return "none"
    except ValidationError:
        pass
    return case_reference(text)



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
            Field("callback_time_window", "When", time_window, show=shown("time_window")),
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
            Field("complaint_topic", "Topic", complaint_topic, show=shown("complaint_topic")),
            Field(
                "complaint_text", "What happened", partial(text_field, "complaint_text"),
                free_text=True, interruptible=False,
            ),
            Field(
                "complaint_case_reference", "Case", _optional_case_reference,
                show=lambda v: term("term_none") if v == "none" else v, when=_verified,
            ),
            Field("wants_reply", "Reply wanted", yes_no, show=YES_NO_TEXT.get),
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
