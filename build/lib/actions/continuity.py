"""Continuity: "continue on my phone" moves a conversation to Telegram or SMS.

    action_continuity_code  issues a one-time code for this conversation
                            (bot/store/channels.py ContinuityCodes: 6
                            characters, 10 minutes, usable once) and says
                            where to send it: @NSSA_help_bot on Telegram or
                            an SMS to 0800 600 200 (agency.md)
    action_continue_here    runs when the code arrived from Telegram or SMS
                            (channels/common.py conversation_of joins that
                            address to this conversation and sends
                            /EXTERNAL_continued): says so, checks identity
                            again, and pauses a half-finished request and
                            offers it ("You started ... earlier. Do you want
                            to continue? 1 Yes 2 No"), with the mechanism of
                            actions/citizen_requests/paused.py

Identity is checked again because the person holding the phone has not
shown who they are yet (identity-and-privacy.md: nothing personal at level
0). Only the check itself is reset; its limits stay: 3 failed checks still
lock for 1 hour, and a failed level 2 is still not offered again in this
conversation.

`/EXTERNAL_continued` typed by a citizen on any channel (Rasa reads a
leading "/" as an intent) is accepted: it only lowers this conversation's
own identity level to 0 and pauses its own request with the offer to go on,
so it reveals nothing and grants nothing. Refusing it when the latest input
channel did not change would also refuse a code sent from the same kind of
channel (a second phone, or web chat to web chat).
"""

from __future__ import annotations

import asyncio
import logging
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.citizen_requests import paused
from bot.errors import StoreError

__all__ = ["ActionContinuityCode", "ActionContinueHere", "reset_identity"]

logger = logging.getLogger(__name__)


def reset_identity() -> List[EventType]:
    """The events that make this conversation check identity again (limits kept)."""
    return [SlotSet(slot, value) for slot, value in paused.IDENTITY_SLOTS_RESET.items()]


class ActionContinuityCode(Action):
    """Give a one-time code that continues this conversation on Telegram or SMS."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_continuity_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Issue the code and say how to use it; a store error is said, not raised."""
        try:
            code = await asyncio.to_thread(bootstrap.continuity_codes().issue, tracker.sender_id)
        except (StoreError, ValueError) as error:
            logger.warning("Could not issue a continuity code: %s", error)
            dispatcher.utter_message(response="utter_continuity_unavailable")
            return []
        dispatcher.utter_message(response="utter_continuity_code", code=code)
        return []


class ActionContinueHere(Action):
    """The conversation continues on another channel: identity again, the request kept."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_continue_here"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Say so, check identity again, pause a request in progress and offer it."""
        dispatcher.utter_message(response="utter_continued_here")
        pausing = paused.pause_active_form(tracker)
        form_name = (tracker.active_loop or {}).get("name") if pausing else None
        form_name = form_name or paused.paused_form(tracker)
        if form_name is None:
            return reset_identity()
        # pause_active_form resets identity too; an already paused request
        # (its offer open since the last conversation ended) is offered again.
        paused.offer(dispatcher, form_name)
        return [*reset_identity(), *(pausing or [SlotSet(paused.FORM_OFFERED, True)])]
