"""The honest refusal of a message the assistant cannot help with (issue 9).

Out of scope (intent `out_of_scope`, examples in data/core/out_of_scope.yml):
other countries' systems, other organisations, other people's data,
general knowledge, chit-chat, manipulation and prompt injection. The reply
says so without any NSSA fact, and where the handbook names the
organisation that can help, it points there: births, marriages and names
go to the Population Register (child-benefit.md, faq.md), companies to the
Business Register (certificate-of-coverage.md). The texts are responses of
domain.yml (`utter_out_of_scope`, `utter_out_of_scope_<organisation>`); this
module only chooses them from the words of the message.
"""

from __future__ import annotations

import re
from typing import List, Pattern, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

__all__ = ["ActionOutOfScope", "POINTERS", "pointers_for"]

REFUSAL = "utter_out_of_scope"
# (response, words of the message that name what that organisation does)
POINTERS: Tuple[Tuple[Text, Pattern[str]], ...] = (
    ("utter_out_of_scope_population_register", re.compile(
        r"population register|regist\w* [\w' ]{0,30}\b(birth|marriage|newborn|baby)\b"
        r"|(birth|marriage) (certificate|registration)|change (my )?(sur)?name",
        re.IGNORECASE)),
    ("utter_out_of_scope_business_register", re.compile(
        r"business register|regist\w* [\w' ]{0,30}\b(company|business|firm)\b"
        r"|(company|business|firm) regist|sole trader",
        re.IGNORECASE)),
)


def pointers_for(text: Text) -> List[Text]:
    """The pointer responses whose organisation the text names."""
    return [response for response, pattern in POINTERS if pattern.search(text or "")]


class ActionOutOfScope(Action):
    """Refuse honestly; point to the organisation when the handbook names it."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The refusal, then any pointer."""
        dispatcher.utter_message(response=REFUSAL)
        for response in pointers_for((tracker.latest_message or {}).get("text") or ""):
            dispatcher.utter_message(response=response)
        return []
