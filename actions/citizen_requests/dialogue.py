"""Summary, change, cancel and submission of the request forms.

Submission is exactly once: the CMS Idempotency-Key is derived from the
conversation and the confirmed answers, so a retried action, a replayed
message or a restarted server sends the same key and never opens a second
case. When the CMS cannot be reached, the confirmed request goes into the
durable outbox (bot.store.outbox) and the citizen is told it is saved.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.api.cms import Case
from actions.api.errors import BackendRejected, BackendUnavailable
from actions.api.housing import housing_application
from actions.api.http import idempotency_key
from actions.citizen_requests.base import channel_of, identity_level, identity_locked
from actions.citizen_requests.forms import FORMS

__all__ = [
    "ActionAskConfirm",
    "ActionAskChangeField",
    "ActionCancelRequest",
    "ActionSubmitCallback",
    "ActionSubmitComplaint",
    "ActionSubmitStatement",
    "ActionSubmitCaseStatus",
    "ActionSubmitCoverage",
    "ActionSubmitHousing",
    "STATUS_TEXT",
    "case_fields",
]

logger = logging.getLogger(__name__)

OUTBOX_KIND = "cms_case"

# requests-in-chat.md, section 8.
STATUS_TEXT = {
    "received": "We have received your request.",
    "in_review": "A case worker is working on it.",
    "waiting_for_documents": "We need something from you. Please see our letter or My NSSA.",
    "decided": "A decision has been made. The letter is in My NSSA or on its way by post.",
    "closed": "The case is closed.",
}
_TYPE_NAMES = {
    "child_benefit_application": "Child benefit application",
    "address_change": "Change of address",
    "bank_account_change": "Change of bank account",
    "contribution_statement": "Contribution statement",
    "certificate_of_coverage": "Certificate of coverage",
    "complaint": "Complaint",
    "callback_request": "Call back",
}
_FORM_SLOTS = sorted(
    {f.slot for form in FORMS.values() for f in form().fields()}
    | {"confirm", "change_field", "otp_code", "request_declined"}
)


def _active_form(tracker: Tracker) -> Optional[Any]:
    name = (tracker.active_loop or {}).get("name")
    form = FORMS.get(name or "")
    return form() if form else None


def _reset_form_slots() -> List[EventType]:
    return [SlotSet(slot, None) for slot in _FORM_SLOTS]


class ActionAskConfirm(Action):
    """Show the summary and ask "1 Yes, send it 2 No, change something"."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Send the summary of the active form."""
        form = _active_form(tracker)
        summary = form.summary(tracker) if form else ""
        dispatcher.utter_message(response="utter_confirm_request", summary=summary)
        return []


class ActionAskChangeField(Action):
    """Ask which answer to change, as a numbered list."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_change_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """List the answers of the active form."""
        form = _active_form(tracker)
        labels = [f.label for f in form.active_fields(tracker)] if form else []
        buttons = [{"title": label, "payload": str(i)} for i, label in enumerate(labels, 1)]
        dispatcher.utter_message(response="utter_ask_change_field", buttons=buttons)
        return []


class ActionCancelRequest(Action):
    """Stop the request in progress; nothing is sent."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_cancel_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Deactivate the form and forget its answers."""
        if not (tracker.active_loop or {}).get("name"):
            dispatcher.utter_message(response="utter_nothing_to_cancel")
            return []
        dispatcher.utter_message(response="utter_request_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *_reset_form_slots()]


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
        if FORMS[form_name].web_only and channel_of(tracker) == "sms":
            dispatcher.utter_message(response="utter_use_web_chat")
            return _reset_form_slots()
        if tracker.get_slot("confirm") is not True:
            if identity_locked(tracker):
                dispatcher.utter_message(response="utter_identity_locked")
            return _reset_form_slots()
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
        try:
            async with bootstrap.cms_client() as cms:
                case, _ = await cms.create_case(**request, idempotency_key=key)
        except BackendUnavailable:
            # Nothing the citizen confirmed is lost: the worker sends it later
            # with the same key and tells them the reference.
            bootstrap.outbox().add(OUTBOX_KIND, tracker.sender_id, request["channel"], key, request)
            dispatcher.utter_message(response="utter_request_saved")
            return _reset_form_slots()
        except BackendRejected as error:
            logger.warning("CMS rejected a %s: %s %s", case_type, error.status, error.code)
            dispatcher.utter_message(response="utter_request_failed")
            return _reset_form_slots()
        self._confirm(dispatcher, form_name, case.reference, tracker)
        return _reset_form_slots()

    @staticmethod
    def _confirm(
        dispatcher: CollectingDispatcher, form_name: Text, reference: Text, tracker: Tracker
    ) -> None:
        if form_name == "callback_form":
            dispatcher.utter_message(
                response="utter_callback_sent",
                reference=reference,
                time_window=tracker.get_slot("callback_time_window"),
            )
        elif form_name == "complaint_form":
            anonymous = not tracker.get_slot("wants_reply") and identity_level(tracker) < 1
            dispatcher.utter_message(response="utter_complaint_sent", reference=reference)
            if anonymous:
                dispatcher.utter_message(response="utter_complaint_anonymous")
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


class ActionSubmitCoverage(ActionSubmitRequest):
    """Request 5: a certificate of coverage."""

    form_name = "coverage_form"

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_coverage"


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
        if channel_of(tracker) == "sms":
            dispatcher.utter_message(response="utter_use_web_chat")
            return _reset_form_slots()
        if tracker.get_slot("confirm") is not True or identity_level(tracker) < 1:
            if identity_locked(tracker):
                dispatcher.utter_message(response="utter_identity_locked")
            return _reset_form_slots()
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
        try:
            async with bootstrap.housing_client() as housing:
                receipt = await housing.submit(application)
        except BackendUnavailable:
            bootstrap.outbox().add(
                HOUSING_OUTBOX_KIND, tracker.sender_id, channel_of(tracker), key, application
            )
            dispatcher.utter_message(response="utter_housing_saved")
            return _reset_form_slots()
        except BackendRejected as error:
            logger.warning("Housing Office rejected an application: %s %s", error.status, error.code)
            dispatcher.utter_message(response="utter_request_failed")
            return _reset_form_slots()
        dispatcher.utter_message(
            response="utter_housing_sent", application_number=receipt.application_number
        )
        return _reset_form_slots()


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


def describe_case(case: Case) -> Text:
    """One case in the handbook's words, with the expected decision date."""
    name = _TYPE_NAMES.get(case.case_type, case.case_type.replace("_", " ").capitalize())
    text = f"{case.reference} ({name}): {STATUS_TEXT.get(case.status, case.status_text or '')}"
    if case.expected_decision_by and case.status not in ("decided", "closed"):
        text += f" We expect to decide by {case.expected_decision_by.strftime('%d.%m.%Y')}."
    return text


class ActionSubmitCaseStatus(Action):
    """Show the verified person's case, or all their cases (request 8)."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_case_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Look the case up; never say whether a number is someone else's."""
        person_id = tracker.get_slot("person_id")
        query = tracker.get_slot("case_query")
        reset = [SlotSet("case_query", None)]
        if identity_level(tracker) < 1 or not person_id or not query:
            if identity_locked(tracker):
                dispatcher.utter_message(response="utter_identity_locked")
            return reset
        try:
            async with bootstrap.cms_client() as cms:
                if query == "all":
                    cases = await cms.list_cases(person_id)
                elif query.startswith("NSSA-"):
                    found = await cms.get_case(query, person_id)
                    cases = [found] if found else []
                else:
                    # Housing Office numbers: only applications this assistant
                    # forwarded for this person (not yet built), so none.
                    cases = []
        except (BackendUnavailable, BackendRejected) as error:
            logger.warning("Case look-up failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_case_lookup_unavailable")
            return reset
        if not cases:
            key = "utter_no_cases" if query == "all" else "utter_case_not_found"
            dispatcher.utter_message(response=key)
            return reset
        lines = "\n".join(describe_case(c) for c in cases)
        dispatcher.utter_message(response="utter_case_status", cases=lines)
        return reset
