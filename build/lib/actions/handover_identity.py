"""The identity check an advisor asks for (the staff console's "verify identity").

The internal API's verify_identity route (channels/handover.py) runs the
intent EXTERNAL_verify_identity in the conversation the advisor holds; the
rules of data/core/handover.yml then run `identity_form`: the national ID
number and date of birth, checked with the CMS exactly as a request's
identity questions are (actions/citizen_requests/base.py), three failures
locking it for an hour. `action_identity_checked` tells the citizen the
result; the console reads it from the conversation's slots (`identity_level`,
`person_id`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.citizen_requests.base import (
    IDENTITY_SLOTS,
    Field,
    RequestForm,
    identity_level,
    identity_locked,
)

__all__ = ["ValidateIdentityForm", "ActionIdentityChecked"]


class ValidateIdentityForm(RequestForm):
    """Only the identity questions: no fields, nothing to confirm."""

    level = 1

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_identity_form"

    def fields(self) -> Sequence[Field]:
        """No questions of its own."""
        return ()

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """The identity questions until they are checked (or locked after 3 failures)."""
        if identity_locked(tracker) or identity_level(tracker) >= 1:
            return []
        return list(IDENTITY_SLOTS)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Check the answers; a paused request's answers are kept (not this form's business)."""
        return await FormValidationAction.get_validation_events(self, dispatcher, tracker, domain)


class ActionIdentityChecked(Action):
    """Tell the citizen whether they confirmed who they are."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_identity_checked"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        """Confirmed or not: the advisor sees the same in the conversation."""
        if identity_level(tracker) >= 1:
            dispatcher.utter_message(response="utter_identity_confirmed")
        else:
            dispatcher.utter_message(response="utter_identity_not_confirmed")
        return []
