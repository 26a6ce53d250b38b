"""Not understanding, and asking for a person (service-standards.md).

The assistant offers a person when it has not understood the citizen 3 times
in a conversation, or when the citizen has asked for a person 2 times.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

__all__ = [
    "ActionFallback",
    "ActionRequestHuman",
    "MISUNDERSTOOD_LIMIT",
    "HUMAN_REQUEST_LIMIT",
    "suggestions",
]

MISUNDERSTOOD_LIMIT = 3
HUMAN_REQUEST_LIMIT = 2
_MAX_SUGGESTIONS = 3

# A sample question per topic: offered as buttons when the assistant is not
# sure, so the citizen can pick what they meant instead of retyping it.
TOPIC_QUESTIONS: Dict[Text, Text] = {
    "pension": "When can I get my old-age pension?",
    "survivors": "Can I get a survivors' pension?",
    "unemployment": "Can I get unemployment benefit?",
    "sickness": "Who pays me when I am ill?",
    "disability": "Can I get disability benefit?",
    "child_benefit": "How much child benefit will I get?",
    "parental": "How much parental benefit will I get?",
    "contribution": "How do I get my contribution statement?",
    "coverage": "I am sent to work abroad. What do I need?",
    "housing": "Who decides on housing allowance?",
    "agency": "When are your offices open?",
    "privacy": "How do you use my data?",
    "service": "How fast do you answer?",
    "faq": "How do I appeal a decision?",
}


def suggestions(parse_data: Dict[Text, Any]) -> List[Dict[Text, Text]]:
    """Buttons for the likeliest topics of the last message, best first."""
    buttons: List[Dict[Text, Text]] = []
    for ranked in parse_data.get("intent_ranking") or []:
        question = TOPIC_QUESTIONS.get(ranked.get("name"))
        if question and all(b["payload"] != question for b in buttons):
            buttons.append({"title": question, "payload": question})
        if len(buttons) == _MAX_SUGGESTIONS:
            break
    return buttons


def _count(tracker: Tracker, slot: Text) -> int:
    value: Optional[float] = tracker.get_slot(slot)
    return int(value or 0)


class ActionFallback(Action):
    """Say honestly that we are not sure; offer a person after 3 times."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Answer the misunderstanding and count it."""
        count = _count(tracker, "misunderstood_count") + 1
        if count >= MISUNDERSTOOD_LIMIT:
            dispatcher.utter_message(response="utter_not_sure")
            dispatcher.utter_message(response="utter_handover")
            return [SlotSet("misunderstood_count", 0)]
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
        else:
            dispatcher.utter_message(
                response="utter_not_sure",
                buttons=suggestions(tracker.latest_message),
            )
        return [SlotSet("misunderstood_count", count)]


class ActionRequestHuman(Action):
    """Explain how to reach a person; hand over when asked a second time."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_request_human"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Answer the request for a person and count it."""
        count = _count(tracker, "human_request_count") + 1
        if count >= HUMAN_REQUEST_LIMIT:
            # No advisor console yet: always the outside-hours text.
            dispatcher.utter_message(response="utter_handover")
        else:
            dispatcher.utter_message(response="utter_request_human")
        return [SlotSet("human_request_count", count)]
