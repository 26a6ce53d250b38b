"""Request 6: forward a housing allowance application to the Housing Office, exactly once.

The application's clientReference is derived from the conversation and the
confirmed answers; it goes into the outbox before it is sent
(actions/citizen_requests/sending.py). The number the Housing Office gives
is recorded as the verified person's (bot/store/forwarded.py), here or by the
worker that forwards a kept application, so case status by that number
answers for them alone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.citizen_requests.base import channel_of
from actions.citizen_requests.dialogue import reset_form_slots
from actions.citizen_requests.sending import send_kept
from actions.citizen_requests.submit import not_to_send
from bot.errors import StoreError
from clients.errors import BackendRejected, BackendUnavailable
from clients.housing import housing_application
from clients.http import idempotency_key

__all__ = ["HOUSING_OUTBOX_KIND", "housing_outbox_payload", "ActionSubmitHousing"]

logger = logging.getLogger(__name__)

HOUSING_OUTBOX_KIND = "housing_application"


class ActionSubmitHousing(Action):
    """Request 6: forward a housing allowance application, exactly once."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_housing"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Send it to the Housing Office, or keep it; tell the citizen."""
        stop = not_to_send(dispatcher, tracker, "housing_form")
        if stop is not None:
            return stop
        slots = tracker.slots
        phone_number = slots.get("housing_phone")
        form = {
            "full_name": slots.get("full_name"),
            "street": slots.get("street"),
            "postcode": slots.get("postcode"),
            "city": slots.get("city"),
            "household_size": int(slots.get("household_size") or 0),
            "monthly_rent_cents": int(slots.get("monthly_rent") or 0),
            "monthly_household_income_cents": int(slots.get("monthly_household_income") or 0),
            "phone": None if phone_number in (None, "none") else phone_number,
        }
        key = idempotency_key(tracker.sender_id, "housing_allowance", slots.get("person_id"), form)
        application = housing_application(
            client_reference=key,
            national_id=slots.get("verified_national_id"),
            date_of_birth=slots.get("verified_date_of_birth"),
            **form,
        )
        kept = housing_outbox_payload(application, slots.get("person_id"), tracker.sender_id)

        async def forward() -> Dict[str, Any]:
            async with bootstrap.housing_client() as housing:
                receipt = await housing.submit(application)
            return {"reference": receipt.application_number}

        try:
            sent = await send_kept(
                HOUSING_OUTBOX_KIND, tracker.sender_id, channel_of(tracker), key, kept, forward
            )
        except BackendUnavailable:
            # The worker forwards it and records the number for this person.
            dispatcher.utter_message(response="utter_housing_saved")
            return reset_form_slots()
        except BackendRejected as error:
            logger.warning("Housing Office rejected an application: %s %s",
                           error.status, error.code)
            dispatcher.utter_message(response="utter_request_failed")
            return reset_form_slots()
        except StoreError:
            dispatcher.utter_message(response="utter_request_failed")
            return reset_form_slots()
        await _record_forwarded(sent["reference"], slots.get("person_id"), tracker)
        dispatcher.utter_message(
            response="utter_housing_sent", application_number=sent["reference"]
        )
        return reset_form_slots()


def housing_outbox_payload(
    application: Dict[str, Any], person_id: Any, conversation_id: Text
) -> Dict[str, Any]:
    """A kept application with whose it is, so the worker can record it when forwarded."""
    return {"application": application, "person_id": person_id, "conversation_id": conversation_id}


async def _record_forwarded(number: Text, person_id: Any, tracker: Tracker) -> None:
    # The application is with the Housing Office either way: a store error is
    # logged, and the citizen still gets the number (only the later status
    # look-up by that number would not find it).
    try:
        await asyncio.to_thread(
            bootstrap.forwarded_applications().record, number, str(person_id), tracker.sender_id
        )
    except (StoreError, ValueError) as error:
        logger.error("Could not record forwarded application: %s", error)
