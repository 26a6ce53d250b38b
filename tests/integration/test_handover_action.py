"""action_handover on a real store: the queue during advisor hours, else the call-back offer."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from actions import bootstrap
from actions.handover import ActionHandover
from bot.settings import load_settings
from bot.store.handovers import Handovers

# Monday 7 December 2026, 10:00 UTC; Christmas Day is a Friday.
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)


def tracker(channel: str, intent: str = "request_human", sender: str = "conv-1") -> Tracker:
    return Tracker(
        sender_id=sender,
        slots={},
        latest_message={"text": "a person please", "intent": {"name": intent}},
        events=[{"event": "user", "text": "a person please", "input_channel": channel}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.fixture
def store(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Handovers:
    handovers = Handovers(engine)
    settings = load_settings(environ={"NSSA_ADVISOR_HOURS": "Mon-Fri 08:00-18:00",
                                      "NSSA_ADVISOR_TIMEZONE": "Europe/Oslo"},
                             env_file=Path("/nonexistent"))
    monkeypatch.setattr(bootstrap, "handovers", lambda: handovers)
    monkeypatch.setattr(bootstrap, "settings", lambda: settings)
    return handovers


async def said(now: datetime, t: Tracker) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    await ActionHandover(clock=lambda: now).run(dispatcher, t, {})
    return dispatcher.messages


async def test_in_hours_with_an_advisor_the_citizen_is_queued(store: Handovers) -> None:
    store.set_present("ana", True, now=MONDAY_10)
    messages = await said(MONDAY_10, tracker("webchat", "distress"))
    assert [m["response"] for m in messages] == ["utter_advisor_connect", "utter_advisor_queue"]
    assert messages[1]["place"] == 1
    assert messages[1]["wait"] == {"term": "term_minutes", "vars": {"count": 3}}
    [waiting] = store.queue()
    assert (waiting.sender_id, waiting.channel, waiting.reason) == ("conv-1", "webchat", "distress")


@pytest.mark.parametrize("now, channel, present", [
    (MONDAY_10, "sms", True),                                           # never by SMS
    (MONDAY_10, "rest", True),                                          # not a live channel
    (MONDAY_10, "telegram", False),                                     # nobody present
    (datetime(2026, 12, 7, 17, 0, tzinfo=timezone.utc), "webchat", True),   # 18:00 in Oslo
    (datetime(2026, 12, 7, 6, 59, tzinfo=timezone.utc), "webchat", True),   # 07:59 in Oslo
    (datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc), "webchat", True),   # a Saturday
    (datetime(2026, 12, 25, 10, 0, tzinfo=timezone.utc), "telegram", True),  # Christmas Day
])
async def test_otherwise_the_outside_hours_offer(
    store: Handovers, now: datetime, channel: str, present: bool
) -> None:
    store.set_present("ana", present, now=now)
    messages = await said(now, tracker(channel))
    assert [m["response"] for m in messages] == ["utter_handover"]
    assert store.queue() == []


async def test_the_first_minute_of_hours_is_open(store: Handovers) -> None:
    opening = datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc)  # 08:00 in Oslo
    store.set_present("ana", True, now=opening)
    messages = await said(opening, tracker("telegram", "self_harm"))
    assert messages[0]["response"] == "utter_advisor_connect"
    assert store.queue()[0].reason == "self-harm"


async def test_a_second_offer_keeps_the_place(store: Handovers) -> None:
    store.set_present("ana", True, now=MONDAY_10)
    await said(MONDAY_10, tracker("webchat", sender="first"))
    await said(MONDAY_10, tracker("webchat", sender="second"))
    again = await said(MONDAY_10, tracker("webchat", "complaint_escalate", sender="second"))
    assert again[1]["place"] == 2 and len(store.queue()) == 2
