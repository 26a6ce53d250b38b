"""Submission of the confirmed requests, exactly once.

The CMS Idempotency-Key (the Housing Office's clientReference) is derived
from the conversation and the confirmed answers, so a retried action, a
replayed message or a restarted server sends the same key and never opens a
second case. The confirmed request goes into the durable outbox (bot.store.outbox)
before it is sent (actions/citizen_requests/sending.py); when the back end
cannot be reached the citizen is told it is saved, and the outbox worker
(bot/worker.py) sends it and tells them the result. Housing allowance:
housing_submit.py.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.citizen_requests import paused
from actions.citizen_requests.base import channel_of, identity_level, identity_locked
from actions.citizen_requests.dialogue import reset_form_slots
from actions.citizen_requests.forms import FORMS
from actions.citizen_requests.sending import send_kept
from bot.errors import StoreError
from clients.errors import BackendRejected, BackendUnavailable
from clients.http import idempotency_key

__all__ = [
    "OUTBOX_KIND",
    "case_fields",
    "check_identity_again",
    "not_to_send",
    "ActionSubmitRequest",
    "ActionSubmitCallback",
    "ActionSubmitComplaint",
    "ActionSubmitStatement",
    "ActionSubmitChildBenefit",
    "ActionAskPayToAccountOnRecord",
    "ActionSubmitCoverage",
    "ActionSubmitAddress",
    "ActionSubmitBank",
]

logger = logging.getLogger(__name__)

OUTBOX_KIND = "cms_case"


def case_fields(form_name: Text, slots: Dict[Text, Any]) -> Tuple[Text, Dict[Text, Any]]:
    """The CMS case type and its fields (names of requests-in-chat.md)."""
    if form_name == "callback_form":
        return "callback_request", {
            "name": slots.get("callback_name"),
            "phone_number": slots.get("callback_phone"),
            "time_window": slots.get("callback_time_window"),
            "topic": slots.get("callback_topic"),
        }
    if form_name == "complaint_form":
        fields = {
            "complaint_topic": slots.get("complaint_topic"),
            "complaint_text": slots.get("complaint_text"),
            "wants_reply": "yes" if slots.get("wants_reply") else "no",
        }
        reference = slots.get("complaint_case_reference")
        if reference and reference != "none":
            fields["case_reference"] = reference
        if slots.get("contact_name"):
            fields["contact_name"] = slots.get("contact_name")
            fields["contact_phone"] = slots.get("contact_phone")
        return "complaint", fields
    if form_name == "address_form":
        return "address_change", {
            "street": slots.get("street"),
            "postcode": slots.get("postcode"),
            "city": slots.get("city"),
            "move_date": slots.get("move_date"),
        }
    if form_name == "bank_form":
        return "bank_account_change", {
            "new_account": slots.get("new_account"),
            "account_holder_name": slots.get("account_holder_name"),
        }
    if form_name == "child_benefit_form":
        return "child_benefit_application", {
            "child_national_id": slots.get("child_national_id"),
            "child_first_name": slots.get("child_first_name"),
            "child_last_name": slots.get("child_last_name"),
            "child_date_of_birth": slots.get("child_date_of_birth"),
            "relationship": slots.get("relationship"),
            "child_lives_with_applicant": "yes",
            "lives_with_since": slots.get("lives_with_since"),
            "pay_to_account_on_record": "yes",
        }
    if form_name == "coverage_form":
        fields = {
            "work_status": slots.get("work_status"),
            "country": slots.get("country"),
            "start_date": slots.get("coverage_start_date"),
            "end_date": slots.get("coverage_end_date"),
            "work_address_abroad": slots.get("work_address_abroad"),
        }
        if slots.get("work_status") == "employee":
            fields["employer_name"] = slots.get("employer_name")
            fields["employer_registration_number"] = slots.get("employer_registration_number")
        return "certificate_of_coverage", fields
    if form_name == "statement_form":
        return "contribution_statement", {
            "period": slots.get("statement_period"),
            "delivery": slots.get("statement_delivery"),
            "language": slots.get("statement_language"),
        }
    raise ValueError(f"no case type for {form_name}")


def check_identity_again(dispatcher: CollectingDispatcher, form_name: Text) -> List[EventType]:
    """The check ran out before sending (15 minutes without a message): check again.

    The form asks identity, then shows the summary again; the answers stay.
    """
    dispatcher.utter_message(response="utter_identity_again")
    reset = [SlotSet(slot, value) for slot, value in paused.IDENTITY_SLOTS_RESET.items()]
    return [*reset, SlotSet("confirm", None), FollowupAction(form_name)]


def not_to_send(
    dispatcher: CollectingDispatcher, tracker: Tracker, form_name: Text
) -> Optional[List[EventType]]:
    """The events that end a submission before sending, or None when it may be sent.

    A web-only request on SMS gets the chat link; an unconfirmed one is
    dropped (saying so if identity is locked); a check that ran out asks
    identity again before the summary.
    """
    form = FORMS[form_name]
    if form.web_only and channel_of(tracker) == "sms":
        dispatcher.utter_message(response="utter_use_web_chat")
        return reset_form_slots()
    if tracker.get_slot("confirm") is not True:
        if identity_locked(tracker):
            dispatcher.utter_message(response="utter_identity_locked")
        return reset_form_slots()
    if identity_level(tracker) < form.level:
        return check_identity_again(dispatcher, form_name)
    return None


class ActionSubmitRequest(Action):
    """Send a confirmed request to the CMS, exactly once."""

    form_name: Text = ""

    @abstractmethod
    def name(self) -> Text:
        """`action_submit_<request>`."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Open the case, or keep it in the outbox; tell the citizen."""
        form_name = self.form_name
        stop = not_to_send(dispatcher, tracker, form_name)
        if stop is not None:
            return stop
        case_type, fields = case_fields(form_name, tracker.slots)
        level = identity_level(tracker)
        person_id = tracker.get_slot("person_id") if level else None
        key = idempotency_key(tracker.sender_id, case_type, person_id, fields)
        request = {
            "case_type": case_type,
            "fields": fields,
            "channel": channel_of(tracker),
            "person_id": person_id,
            "verification_level": level,
        }


        async def open_case() -> Dict[str, Any]:
            async with bootstrap.cms_client() as cms:
                case, _ = await cms.create_case(**request, idempotency_key=key)
            return {"reference": case.reference}

        try:
            # Kept in the outbox first: nothing the citizen confirmed is lost,
            # even if this server dies right after the CMS accepted.
            sent = await send_kept(
                OUTBOX_KIND, tracker.sender_id, request["channel"], key, request, open_case
            )
        except BackendUnavailable:
            # The worker sends it later with the same key and tells them the reference.
            dispatcher.utter_message(response="utter_request_saved")
            return reset_form_slots()
        except BackendRejected as error:
            logger.warning("CMS rejected a %s: %s %s", case_type, error.status, error.code)
            dispatcher.utter_message(response="utter_request_failed")
            return reset_form_slots()
        except StoreError:
            dispatcher.utter_message(response="utter_request_failed")
            return reset_form_slots()
        self._confirm(dispatcher, form_name, sent["reference"], tracker)
        return reset_form_slots()

    @staticmethod
    def _confirm(
        dispatcher: CollectingDispatcher, form_name: Text, reference: Text, tracker: Tracker
    ) -> None:
        if form_name == "callback_form":
            dispatcher.utter_message(
                response="utter_callback_sent",
                reference=reference,
                time_window={"term": f"term_when_{tracker.get_slot('callback_time_window')}"},
            )
        elif form_name == "complaint_form":
            anonymous = not tracker.get_slot("wants_reply") and identity_level(tracker) < 1
            dispatcher.utter_message(response="utter_complaint_sent", reference=reference)
            if anonymous:
                dispatcher.utter_message(response="utter_complaint_anonymous")
        elif form_name == "child_benefit_form":
            dispatcher.utter_message(response="utter_child_benefit_sent", reference=reference)
        elif form_name == "coverage_form":
            dispatcher.utter_message(response="utter_coverage_sent", reference=reference)
        elif form_name == "address_form":
            dispatcher.utter_message(response="utter_address_sent", reference=reference)
        elif form_name == "bank_form":
            dispatcher.utter_message(
                response="utter_bank_sent", reference=reference,
                account_last4=str(tracker.get_slot("new_account") or "")[-4:],
            )
        elif tracker.get_slot("statement_delivery") == "post":
            dispatcher.utter_message(response="utter_statement_sent_post", reference=reference)
        else:
            dispatcher.utter_message(response="utter_statement_sent_online", reference=reference)


class ActionSubmitCallback(ActionSubmitRequest):
    """Request 10: a call back."""

    form_name = "callback_form"

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_callback"


class ActionSubmitComplaint(ActionSubmitRequest):
    """Request 9: a complaint."""

    form_name = "complaint_form"

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_complaint"


class ActionSubmitStatement(ActionSubmitRequest):
    """Request 4: a contribution statement."""

    form_name = "statement_form"

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_statement"


class ActionSubmitChildBenefit(ActionSubmitRequest):
    """Request 1: child benefit."""

    form_name = "child_benefit_form"

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_child_benefit"


class ActionAskPayToAccountOnRecord(Action):
    """Ask to pay to the account ending #### (from the CMS); none on record stops."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_pay_to_account_on_record"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Look up the account on record and ask."""
        try:
            person_id = tracker.get_slot("person_id")
            if not isinstance(person_id, str) or not person_id.strip():
                raise BackendRejected(400, "no_person", "no person to look up")  # not verified
            async with bootstrap.cms_client() as cms:
                person = await cms.get_person(person_id)
        except (BackendUnavailable, BackendRejected) as error:
            logger.warning("Person look-up failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_identity_unavailable")
            return [SlotSet("request_declined", True), SlotSet("requested_slot", None)]
        if not person.bank_account_last4:
            dispatcher.utter_message(response="utter_child_benefit_account_first")
            return [SlotSet("request_declined", True), SlotSet("requested_slot", None)]
        dispatcher.utter_message(
            response="utter_ask_pay_to_account_on_record", account_last4=person.bank_account_last4
        )
        return []


class ActionSubmitCoverage(ActionSubmitRequest):
    """Request 5: a certificate of coverage."""

    form_name = "coverage_form"

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_coverage"


class ActionSubmitAddress(ActionSubmitRequest):
    """Request 2: a change of address."""

    form_name = "address_form"

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_address"


class ActionSubmitBank(ActionSubmitRequest):
    """Request 3: a new bank account."""

    form_name = "bank_form"

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_bank"
