"""Asking for the one-time code: the CMS texts it to the phone on record."""

from __future__ import annotations

import logging
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from clients.errors import BackendError, NoPhoneOnRecord
from clients.http import idempotency_key

__all__ = ["ActionAskOtpCode"]

logger = logging.getLogger(__name__)


class ActionAskOtpCode(Action):
    """Send a code (unless one is pending) and ask for it."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_otp_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Ask for the pending code, or have the CMS send one."""
        if tracker.get_slot("otp_id"):
            dispatcher.utter_message(response="utter_ask_otp_code")
            return []
        requests = int(tracker.get_slot("otp_requests") or 0) + 1
        person_id = tracker.get_slot("person_id")
        try:
            async with bootstrap.cms_client() as cms:
                otp = await cms.send_otp(
                    person_id,
                    idempotency_key=idempotency_key(tracker.sender_id, "otp", person_id, requests),
                )
        except NoPhoneOnRecord:
            dispatcher.utter_message(response="utter_level2_no_phone")
            return [SlotSet("level2_blocked", True), SlotSet("requested_slot", None)]
        except BackendError as error:
            logger.warning("Sending a code failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_identity_unavailable")
            return [SlotSet("level2_blocked", True), SlotSet("requested_slot", None)]
        dispatcher.utter_message(response="utter_otp_sent", phone_last4=otp.sent_to_last4)
        return [SlotSet("otp_id", otp.otp_id), SlotSet("otp_requests", float(requests))]
