"""Request 8: the status of the verified person's own cases.

By NSSA case reference (the CMS answers only for the person's own), by
Housing Office application number (only an application this assistant
forwarded for the person: bot/store/forwarded.py), or all of them.
Another person's number and an unknown one get the same answer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.api.cms import Case
from actions.api.errors import BackendError, BackendRejected, BackendUnavailable
from actions.api.housing import HousingStatus
from actions.citizen_requests.base import identity_level, identity_locked
from bot.errors import StoreError

__all__ = [
    "STATUS_TEXT", "HOUSING_STATUS_TEXT", "describe_case", "describe_housing",
    "ActionSubmitCaseStatus",
]

logger = logging.getLogger(__name__)

# housing-allowance.md: the Housing Office's states, in its words.
HOUSING_STATUS_TEXT = {
    "QUEUED": "Received, waiting to be registered.",
    "REGISTERED": "Registered, waiting to be assessed.",
    "ASSESSING": "Being assessed.",
    "GRANTED": "Granted. A decision letter is on its way.",
    "REFUSED": "Refused. A decision letter with the reasons is on its way.",
}
_HOUSING_OTHER = "For its status, please call the Housing Office on 0800 700 300."

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


def describe_housing(number: Text, status: Optional[HousingStatus]) -> Text:
    """A forwarded application in the Housing Office's words (housing-allowance.md)."""
    state = HOUSING_STATUS_TEXT.get(status.state, _HOUSING_OTHER) if status else _HOUSING_OTHER
    return f"{number} (Housing allowance application, Housing Office): {state}"


async def _housing_lines(numbers: Sequence[Text]) -> List[Text]:
    """The status of each forwarded application (the phone number if not known now)."""
    if not numbers:
        return []
    statuses: Dict[Text, Optional[HousingStatus]] = {}
    try:
        async with bootstrap.housing_client() as housing:
            for number in numbers:
                statuses[number] = await housing.status(number)
    except BackendError as error:
        logger.warning("Housing Office status look-up failed: %s", type(error).__name__)
    return [describe_housing(number, statuses.get(number)) for number in numbers]


async def _forwarded(person_id: Text, number: Optional[Text] = None) -> List[Text]:
    """The person's forwarded application numbers (only `number`, if it is theirs)."""
    store = bootstrap.forwarded_applications()
    if number is not None:
        owned = await asyncio.to_thread(store.belongs_to, number, person_id)
        return [number] if owned else []
    return [a.application_number for a in await asyncio.to_thread(store.of_person, person_id)]


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
        if query.startswith("HO-"):
            return await self._housing_status(dispatcher, query, person_id) + reset
        cases: List[Case] = []
        try:
            async with bootstrap.cms_client() as cms:
                if query == "all":
                    cases = await cms.list_cases(person_id)
                else:
                    found = await cms.get_case(query, person_id)
                    cases = [found] if found else []
            # Applications forwarded to the Housing Office are the person's too.
            numbers = await _forwarded(person_id) if query == "all" else []
        except (BackendUnavailable, BackendRejected) as error:
            logger.warning("Case look-up failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_case_lookup_unavailable")
            return reset
        except StoreError as error:
            logger.error("Forwarded applications look-up failed: %s", error)
            numbers = []
        lines = [describe_case(c) for c in cases] + await _housing_lines(numbers)
        if not lines:
            key = "utter_no_cases" if query == "all" else "utter_case_not_found"
            dispatcher.utter_message(response=key)
            return reset
        dispatcher.utter_message(response="utter_case_status", cases="\n".join(lines))
        return reset

    @staticmethod
    async def _housing_status(
        dispatcher: CollectingDispatcher, number: Text, person_id: Text
    ) -> List[EventType]:
        """An HO number: only an application forwarded for this person is looked up.

        Another person's number and an unknown one get the same answer.
        """
        try:
            numbers = await _forwarded(person_id, number)
        except StoreError as error:
            logger.error("Forwarded applications look-up failed: %s", error)
            dispatcher.utter_message(response="utter_case_lookup_unavailable")
            return []
        if not numbers:
            dispatcher.utter_message(response="utter_case_not_found")
            return []
        dispatcher.utter_message(response="utter_case_status", cases="\n".join(
            await _housing_lines(numbers)))
        return []
