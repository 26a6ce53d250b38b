""""Did this help? 1 Yes 2 No" at the natural end of a helpful exchange (issue 12).

`action_ask_satisfaction` runs after the thanks and goodbye answers
(data/core/rules.yml). It asks `utter_ask_satisfaction` (buttons on web chat
and Telegram, "1 Yes 2 No" by SMS) only when, in this conversation (since
the last session start),

- the assistant gave an answer (a handbook answer, a personal estimate, a
  case status, a booked appointment) or a request was sent,
- the question was not asked yet (at most once per conversation),
- no crisis wording was said (a self-harm message) and no hand-over was offered.

The reply is read by Rasa: the buttons' payloads `/helped_yes` and
`/helped_no`, "1"/"2" or "yes"/"no" right after the question (the NLU
component `bot.nlu_context.ConversationContext`). `action_record_satisfaction`
sets the slot `satisfaction` to "yes" or "no" (the SlotSet event is what the
analytics and the review inbox read) and, on "no", asks "What was missing?".
The next message (unless it is a crisis, a request for a person or a "no")
is read as `tell_what_was_missing`; `action_record_satisfaction_comment`
keeps it, personal numbers masked (`bot.privacy`), in `satisfaction_comment`.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.privacy import mask_personal_numbers

__all__ = [
    "SLOT",
    "COMMENT_SLOT",
    "QUESTION",
    "MISSING_QUESTION",
    "COMMENT_LIMIT",
    "helpful",
    "may_ask",
    "ActionAskSatisfaction",
    "ActionRecordSatisfaction",
    "ActionRecordSatisfactionComment",
]

SLOT = "satisfaction"
COMMENT_SLOT = "satisfaction_comment"
QUESTION = "utter_ask_satisfaction"
MISSING_QUESTION = "utter_ask_what_was_missing"
# A comment longer than this is cut (a message, not a document).
COMMENT_LIMIT = 500
_ANSWERS = {"helped_yes": "yes", "helped_no": "no"}
_PRIVACY_NOTICE = "utter_privacy/notice"
# Responses that mean the citizen got what they came for.
_HELPFUL = re.compile(
    r"^utter_(?:[a-z_]+/[a-z0-9_]+"  # a handbook answer (retrieval intent)
    r"|[a-z_]+_sent|request_sent|appointment_booked|case_status"  # a request done
    r"|estimate_(?:pension|survivors|disability|child_benefit|unemployment|sickness"
    r"|parental|housing)(?:_[a-z0-9_]+)?)$"  # a personal estimate
)
_NOT_HELPFUL = re.compile(r"^utter_(?:otp_sent|estimate_[a-z_]*(?:invalid|cancelled|unknown))")
# After these the question is never asked: the crisis wording, a hand-over.
_CRISIS_INTENTS = frozenset({"self_harm"})
_CRISIS_RESPONSES = frozenset({"utter_crisis"})
_HANDOVER_ACTIONS = frozenset({"action_handover"})


def _session(events: Iterable[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """The events since the last session start."""
    current: List[Dict[Text, Any]] = []
    for event in events:
        if event.get("event") == "session_started":
            current = []
        else:
            current.append(event)
    return current


def _uttered(event: Dict[Text, Any]) -> Text:
    if event.get("event") != "bot":
        return ""
    return str((event.get("metadata") or {}).get("utter_action") or "")


def helpful(response: Text) -> bool:
    """Whether a response (its `utter_action`) answered the citizen or confirmed a request."""
    return (response != _PRIVACY_NOTICE and bool(_HELPFUL.match(response))
            and not _NOT_HELPFUL.match(response))


def may_ask(events: Iterable[Dict[Text, Any]]) -> bool:
    """Whether "Did this help?" may be asked now (see the module docstring)."""
    answered = False
    for event in _session(events):
        kind = event.get("event")
        response = _uttered(event)
        if response in (QUESTION, MISSING_QUESTION):
            return False
        if response in _CRISIS_RESPONSES:
            return False
        if kind == "user" and ((event.get("parse_data") or {}).get("intent") or {}).get(
                "name") in _CRISIS_INTENTS:
            return False
        if kind == "action" and event.get("name") in _HANDOVER_ACTIONS:
            return False
        if kind == "slot" and event.get("name") == SLOT and event.get("value") is not None:
            return False
        answered = answered or helpful(response)
    return answered


def _asked_and_open(events: Iterable[Dict[Text, Any]], question: Text) -> bool:
    """Whether `question` was the last thing the bot asked in this session (not answered)."""
    last: Optional[Text] = None
    for event in _session(events):
        response = _uttered(event)
        if response:
            last = response
    return last == question


class ActionAskSatisfaction(Action):
    """Ask "Did this help? 1 Yes 2 No" when it is the natural end of a helpful exchange."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_satisfaction"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The question, or nothing."""
        if may_ask(tracker.events):
            dispatcher.utter_message(response=QUESTION)
        return []


class ActionRecordSatisfaction(Action):
    """Keep "yes" or "no" in the slot `satisfaction`; on "no" ask what was missing."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_record_satisfaction"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Record the answer to the question asked in this conversation."""
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
        answer = _ANSWERS.get(intent)
        if answer is None or tracker.get_slot(SLOT) is not None or not _asked_and_open(
                tracker.events, QUESTION):
            # A stale button, or a second answer: nothing to record.
            dispatcher.utter_message(response="utter_anything_else")
            return []
        if answer == "no":
            dispatcher.utter_message(response=MISSING_QUESTION)
        else:
            dispatcher.utter_message(response="utter_satisfaction_thanks")
        return [SlotSet(SLOT, answer)]


class ActionRecordSatisfactionComment(Action):
    """Keep the answer to "What was missing?", personal numbers masked."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_record_satisfaction_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Record the comment (once), then thank the citizen."""
        text = str((tracker.latest_message or {}).get("text") or "").strip()
        if not text or tracker.get_slot(COMMENT_SLOT) is not None or not _asked_and_open(
                tracker.events, MISSING_QUESTION):
            dispatcher.utter_message(response="utter_anything_else")
            return []
        dispatcher.utter_message(response="utter_satisfaction_comment_thanks")
        return [SlotSet(COMMENT_SLOT, mask_personal_numbers(text)[:COMMENT_LIMIT])]
