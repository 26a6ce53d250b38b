"""Offering a person: the advisors' queue during advisor hours, else the call-back offer.

service-standards.md, "When the assistant hands over to a person": the rules
of data/core/rules.yml run `action_handover` where a person is offered (asked
twice, not understood 3 times, distress, an escalated complaint, and after
the crisis wording on self-harm). It places the conversation in the live
advisors' queue (bot/store/handovers.py) and says where it stands when

- the conversation is on web chat or Telegram (never SMS),
- it is advisor hours (`NSSA_ADVISOR_HOURS` in `NSSA_ADVISOR_TIMEZONE`,
  the handbook's public holidays closed), and
- at least one advisor is marked present in the staff console;

otherwise it says `utter_handover`: the outside-hours text and the call-back
offer. A store that cannot be read is the same as no advisor present.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from typing import Callable, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.citizen_requests.base import identity_level
from actions.validation import PUBLIC_HOLIDAYS, term
from bot.errors import StoreError

__all__ = ["ActionHandover", "LIVE_CHANNELS", "reason_of", "advisors_answer"]

logger = logging.getLogger(__name__)

# Rasa's input channel names on which an advisor can write back.
LIVE_CHANNELS = ("webchat", "telegram")

_REASONS = {
    "complaint_escalate": "complaint",
    "request_human": "asked twice",
    "nlu_fallback": "not understood",
    "out_of_scope": "not understood",
    "distress": "distress",
    "self_harm": "self-harm",
}


def reason_of(tracker: Tracker) -> str:
    """Why a person is offered, from the intent of the message being answered."""
    intent = (tracker.latest_message or {}).get("intent", {}).get("name") or ""
    return _REASONS.get(intent, "asked twice")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def advisors_answer(now: dt.datetime) -> bool:
    """Whether it is advisor hours at `now` (aware), in the advisors' time zone."""
    settings = bootstrap.settings()
    from zoneinfo import ZoneInfo

    zone = dt.timezone.utc if settings.advisor_timezone == "UTC" else ZoneInfo(
        settings.advisor_timezone
    )
    return settings.advisor_hours.open_at(now.astimezone(zone), PUBLIC_HOLIDAYS)


class ActionHandover(Action):
    """Place the conversation in the advisors' queue, or offer a call back."""

    def __init__(self, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self._clock = clock

    def name(self) -> Text:
        """Name of the action."""
        return "action_handover"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Say the queue place and expected wait, or the outside-hours offer."""
        channel = tracker.get_latest_input_channel() or ""
        now = self._clock()
        place = None
        if channel in LIVE_CHANNELS and advisors_answer(now):
            place = await asyncio.to_thread(self._queue, tracker, channel, now)
        if place is None:
            dispatcher.utter_message(response="utter_handover")
            return []
        position, wait = place
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        dispatcher.utter_message(response="utter_advisor_connect")
        dispatcher.utter_message(
            response="utter_advisor_queue", place=position, wait=term("term_minutes", count=minutes)
        )
        return []

    @staticmethod
    def _queue(
        tracker: Tracker, channel: str, now: dt.datetime
    ) -> Optional[tuple]:
        store = bootstrap.handovers()
        try:
            if not store.advisors_present(now):
                return None
            store.request(tracker.sender_id, channel, reason_of(tracker),
                          identity_level(tracker), now=now)
            position = store.position(tracker.sender_id)
            wait = store.expected_wait(tracker.sender_id, now=now)
        except StoreError:
            logger.exception("The advisors' queue cannot be used: the call-back offer instead")
            return None
        if position is None or wait is None:
            return None  # taken or ended in between: nothing to wait for
        return position, wait
