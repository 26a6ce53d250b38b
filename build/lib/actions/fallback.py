"""Not understanding, and asking for a person (service-standards.md).

The assistant offers a person when it has not understood the citizen 3 times
in a conversation, or when the citizen has asked for a person 2 times. These
actions only count; they set `handover_due`, and the rules in
data/core/rules.yml choose the answer, so content teams see every text.
"""

from __future__ import annotations

from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

__all__ = [
    "ActionCountMisunderstanding",
    "ActionCountHumanRequest",
    "MISUNDERSTOOD_LIMIT",
    "HUMAN_REQUEST_LIMIT",
]

MISUNDERSTOOD_LIMIT = 3
HUMAN_REQUEST_LIMIT = 2


def _count_events(tracker: Tracker, slot: Text, limit: int) -> List[EventType]:
    value: Optional[float] = tracker.get_slot(slot)
    count = int(value or 0) + 1
    if count >= limit:
        # Offer a person now, and count again from zero afterwards.
        return [SlotSet(slot, 0), SlotSet("handover_due", True)]
    return [SlotSet(slot, count), SlotSet("handover_due", False)]


class ActionCountMisunderstanding(Action):
    """Count a message the assistant did not understand or cannot help with."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_count_misunderstanding"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Count it; `handover_due` is true on the 3rd time."""
        return _count_events(tracker, "misunderstood_count", MISUNDERSTOOD_LIMIT)


class ActionCountHumanRequest(Action):
    """Count a request for a person."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_count_human_request"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Count it; `handover_due` is true on the 2nd time."""
        return _count_events(tracker, "human_request_count", HUMAN_REQUEST_LIMIT)
