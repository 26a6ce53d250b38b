"""Request 8: the status of the verified person's own cases.

By NSSA case reference (the CMS answers only for the person's own), by
Housing Office application number (only an application this assistant
forwarded for the person: bot/store/forwarded.py), or all of them.
Another person's number and an unknown one get the same answer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.citizen_requests.base import identity_level, identity_locked
from bot.errors import StoreError
from bot.i18n.catalogue import EnglishTerms
from clients.cms import Case
from clients.errors import BackendError, BackendRejected, BackendUnavailable
from clients.housing import HousingStatus

__all__ = [
    "STATUS_TEXT", "HOUSING_STATUS_TEXT", "describe_case", "describe_housing",
    "ActionSubmitCaseStatus",
]

logger = logging.getLogger(__name__)

# housing-allowance.md: the Housing Office's states, in its words (texts.yml).
HOUSING_STATUS_TEXT = EnglishTerms(
    "term_housing_status_", ("QUEUED", "REGISTERED", "ASSESSING", "GRANTED", "REFUSED"))
_HOUSING_OTHER = "term_housing_status_other"

# requests-in-chat.md, section 8: what the assistant says about a status (texts.yml).
STATUS_TEXT = EnglishTerms(
    "term_status_", ("received", "in_review", "waiting_for_documents", "decided", "closed"))
_TYPES = frozenset({
    "child_benefit_application", "address_change", "bank_account_change",
    "contribution_statement", "certificate_of_coverage", "complaint", "callback_request",
})


def describe_case(case: Case) -> List[Any]:
    """One case in the handbook's words, with the expected decision date (a response variable)."""
    name: Any = ({"term": f"term_case_type_{case.case_type}"} if case.case_type in _TYPES
                 else case.case_type.replace("_", " ").capitalize())
    status: Any = ({"term": f"term_status_{case.status}"} if case.status in STATUS_TEXT
                   else case.status_text or "")
    parts: List[Any] = [case.reference, " (", name, "): ", status]
    if case.expected_decision_by and case.status not in ("decided", "closed"):
        date = case.expected_decision_by.strftime("%d.%m.%Y")
        parts += [" ", {"term": "term_case_expected", "vars": {"date": date}}]
    return parts


def describe_housing(number: Text, status: Optional[HousingStatus]) -> List[Any]:
    """A forwarded application in the Housing Office's words (housing-allowance.md)."""
    known = status is not None and status.state in HOUSING_STATUS_TEXT
    state = f"term_housing_status_{status.state}" if known and status else _HOUSING_OTHER
    return [number, " (", {"term": "term_housing_application"}, "): ", {"term": state}]


def _lines(lines: Sequence[List[Any]]) -> List[Any]:
    """Several described cases as one response variable, one a line."""
    joined: List[Any] = []
    for line in lines:
        joined += (["\n"] if joined else []) + line
    return joined


async def _housing_lines(numbers: Sequence[Text]) -> List[List[Any]]:
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
        dispatcher.utter_message(response="utter_case_status", cases=_lines(lines))
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
        dispatcher.utter_message(response="utter_case_status", cases=_lines(
            await _housing_lines(numbers)))
        return []
