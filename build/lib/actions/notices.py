"""Proactive notices: "stop notices", "start notices", and where to send them.

service-standards.md: citizens can opt out at any time, also by telling the
assistant "stop notices"; opting out does not stop official letters and
decisions. The choice belongs to the person, so it needs a checked identity
(level 1) in this conversation; without one the citizen is told how to get
checked ("check my case") and where else to switch notices off.

`remember_conversation()` records the conversation a person verified in, so
the CMS's events about them are told there (`channels/cms_events.py`); the
identity check calls it, and so do these actions.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Callable, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from bot.errors import StoreError

if TYPE_CHECKING:
    from bot.store.persons import Persons

__all__ = [
    "ActionStopNotices",
    "ActionStartNotices",
    "persons",
    "remember_conversation",
    "use_persons",
]

logger = logging.getLogger(__name__)

_factory: Optional[Callable[[], "Persons"]] = None


def _default_persons() -> "Persons":
    return bootstrap.store().persons


def persons() -> "Persons":
    """The persons repository in the conversation store (schema set up at start)."""
    return _factory() if _factory is not None else _default_persons()


def use_persons(factory: Optional[Callable[[], "Persons"]]) -> None:
    """Replace the repository factory (tests); None restores the default."""
    global _factory
    _factory = factory


async def remember_conversation(tracker: Tracker, person_id: Text) -> bool:
    """Make this the person's conversation for notices; False (logged) if the store failed.

    Never raises: a citizen whose identity was just checked goes on with
    their request even when the store cannot be written.
    """
    channel = tracker.get_latest_input_channel() or "unknown"
    try:
        await asyncio.to_thread(persons().remember, person_id, tracker.sender_id, channel)
    except (StoreError, ValueError) as error:
        logger.warning("Could not remember the conversation for notices: %s",
                       type(error).__name__)
        return False
    return True


class _NoticeChoice(Action, ABC):
    """Shared run of the two actions; abstract, so the SDK does not register it."""

    done_response: Text = ""

    @abstractmethod
    def name(self) -> Text:
        """Name of the action."""

    @abstractmethod
    def _change(self, person_id: Text) -> None:
        """Record the person's choice (runs in a worker thread)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Change the choice of the verified person, or say how to get verified."""
        # Imported here, not above: base.py imports this module (remember_conversation).
        from actions.citizen_requests.base import identity_level

        person_id = tracker.get_slot("person_id")
        if identity_level(tracker) < 1 or not person_id:
            dispatcher.utter_message(response="utter_notices_verify_first")
            return []
        try:
            await asyncio.to_thread(self._change, person_id)
        except StoreError as error:
            logger.warning("Could not change the notices choice: %s", error)
            dispatcher.utter_message(response="utter_notices_unavailable")
            return []
        await remember_conversation(tracker, person_id)
        dispatcher.utter_message(response=self.done_response)
        return []


class ActionStopNotices(_NoticeChoice):
    """The verified person opts out of proactive notices."""

    done_response = "utter_notices_stopped"

    def name(self) -> Text:
        """Name of the action."""
        return "action_stop_notices"

    def _change(self, person_id: Text) -> None:
        persons().opt_out(person_id)


class ActionStartNotices(_NoticeChoice):
    """The verified person opts in again."""

    done_response = "utter_notices_started"

    def name(self) -> Text:
        """Name of the action."""
        return "action_start_notices"

    def _change(self, person_id: Text) -> None:
        persons().opt_in(person_id)
