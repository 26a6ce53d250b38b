""""Delete my conversation" on any channel (identity-and-privacy.md).

The assistant asks "Do you want to delete this conversation? 1 Yes 2 No"
(`delete_conversation_form`, one question). "1" or "yes" records the request
in the conversation store (`bot/store/deletions.py`) and says it is deleted
within 24 hours and that requests already sent stay in the case file; the
worker's job erases it once the conversation is idle (`bot/store/retention.py`),
and the next message starts a new conversation with the privacy notice.
"2" or "no" keeps it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.citizen_requests.paused import FORM_OFFERED, PAUSED_FORM, answer_slots, offer
from actions.validation import ValidationError, yes_no
from bot.errors import StoreError

if TYPE_CHECKING:
    from bot.store.deletions import ConversationDeletions

__all__ = [
    "CONFIRM_SLOT",
    "ValidateDeleteConversationForm",
    "ActionDeleteConversation",
    "deletions",
    "use_deletions",
]

logger = logging.getLogger(__name__)

CONFIRM_SLOT = "delete_conversation_confirmed"
FORM_NAME = "delete_conversation_form"

_factory: Optional[Callable[[], "ConversationDeletions"]] = None


def _default_deletions() -> "ConversationDeletions":
    return bootstrap.store().deletions


def deletions() -> "ConversationDeletions":
    """The deletion requests repository in the conversation store."""
    return _factory() if _factory is not None else _default_deletions()


def use_deletions(factory: Optional[Callable[[], "ConversationDeletions"]]) -> None:
    """Replace the repository factory (tests); None restores the default."""
    global _factory
    _factory = factory


class ValidateDeleteConversationForm(FormValidationAction):
    """Reads "1"/"yes" or "2"/"no"; anything else asks again."""

    def name(self) -> Text:
        """Name of the action."""
        return "validate_delete_conversation_form"

    async def validate_delete_conversation_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """True for yes, False for no; None (and the question again) when unclear."""
        if isinstance(value, bool):
            return {CONFIRM_SLOT: value}
        try:
            return {CONFIRM_SLOT: yes_no(value)}
        except ValidationError:
            dispatcher.utter_message(response="utter_delete_conversation_unclear")
            return {CONFIRM_SLOT: None}


def interrupted_request(tracker: Tracker) -> Optional[Text]:
    """The request form that "delete my conversation" interrupted, if it had answers."""
    seen_delete_form = False
    for event in reversed(tracker.events):
        if event.get("event") != "active_loop":
            continue
        name = event.get("name")
        if not seen_delete_form:
            seen_delete_form = name == FORM_NAME
            continue
        if name and answer_slots(name) and any(
            tracker.get_slot(slot) is not None for slot in answer_slots(name)
        ):
            return str(name)
        return None
    return None


class ActionDeleteConversation(Action):
    """Record the confirmed request, or keep the conversation."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_delete_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Record the request (yes) or say the conversation is kept (no)."""
        reset: List[EventType] = [SlotSet(CONFIRM_SLOT, None)]
        if tracker.get_slot(CONFIRM_SLOT) is not True:
            interrupted = interrupted_request(tracker)
            if interrupted is None:
                dispatcher.utter_message(response="utter_conversation_kept")
                return reset
            # The request in progress when they asked: offered again, answers kept.
            dispatcher.utter_message(response="utter_conversation_kept_only")
            offer(dispatcher, interrupted)
            return reset + [SlotSet(PAUSED_FORM, interrupted), SlotSet(FORM_OFFERED, True)]
        channel = tracker.get_latest_input_channel()
        try:
            await asyncio.to_thread(deletions().request, tracker.sender_id, channel)
        except (StoreError, ValueError) as error:
            logger.warning("Could not record a deletion request: %s", error)
            dispatcher.utter_message(response="utter_conversation_deletion_failed")
            return reset
        dispatcher.utter_message(response="utter_conversation_deletion_requested")
        return reset
