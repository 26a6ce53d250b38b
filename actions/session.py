"""The start of a conversation: the consent notice, then the citizen's question.

A conversation ends after 15 minutes without a message (domain.yml
session_config). A request left in the middle is kept: its answers go on
into the new conversation and the citizen is offered to continue it
(actions/citizen_requests/paused.py); identity never goes on, so it is
checked again. The language goes on, and so does a language the citizen
chose.

Rasa starts a conversation before it reads the message that starts it, so
the notice (and the offer of a kept request) is told by
`actions.language.ActionPrivacyNotice` (`action_privacy_notice`) once the
message's language is known: this action only marks it due
(`privacy_notice_due`), and the policy (`bot.notice_first`, config.yml)
runs the notice before the first answer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.citizen_requests import paused

__all__ = ["ActionSessionStart", "CARRIED_OVER_SLOTS", "CONSENT_RESPONSE", "NOTICE_ACTION",
           "NOTICE_DUE"]

CONSENT_RESPONSE = "utter_privacy/notice"
NOTICE_DUE = "privacy_notice_due"
# config.yml names both for the policy that runs the notice (bot/notice_first.py).
NOTICE_ACTION = "action_privacy_notice"

# Slots that survive the 15-minute session end. Identity never does
# (identity-and-privacy.md: a check lasts until the conversation ends); the
# lock after 3 failed checks lasts its hour, whatever the conversation.
CARRIED_OVER_SLOTS: frozenset = frozenset(
    {"identity_locked_until", "language", "language_chosen"}
)


class ActionSessionStart(Action):
    """Start a session; the consent notice is due (it informs, it is not a gate)."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Carry over slots and a kept request; the notice and the offer are due."""
        events: List[EventType] = [SessionStarted()]
        events.extend(_carried_over(tracker.slots))
        # `tracker` is still the conversation that ended: a request it left in
        # the middle is kept, and offered after the notice.
        events.extend(paused.session_carry_over(tracker))
        events.append(SlotSet(NOTICE_DUE, True))
        # The user's message that started the session is processed next, so
        # the first question still gets its answer.
        events.append(ActionExecuted("action_listen"))
        return events


def _carried_over(slots: Dict[Text, Any]) -> List[EventType]:
    return [
        SlotSet(name, value)
        for name, value in slots.items()
        if name in CARRIED_OVER_SLOTS and value is not None
    ]
