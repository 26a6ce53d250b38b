"""Request 8: the status of the verified person's own cases."""

from __future__ import annotations

import logging
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.api.cms import Case
from actions.api.errors import BackendRejected, BackendUnavailable
from actions.citizen_requests.base import identity_level, identity_locked

__all__ = ["STATUS_TEXT", "describe_case", "ActionSubmitCaseStatus"]

logger = logging.getLogger(__name__)

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
