"""Custom actions, run on recorded trackers."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionCountHumanRequest, ActionCountMisunderstanding
from actions.session import ActionSessionStart


def tracker(slots: Optional[Dict[str, Any]] = None) -> Tracker:
    return Tracker(
        sender_id="s1",
        slots=slots or {},
        latest_message={"text": "hm", "intent": {"name": "nlu_fallback"}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


async def test_session_start_sends_the_notice_and_listens() -> None:
    messages, events = await run(ActionSessionStart(), tracker({"misunderstood_count": 2}))
    assert [m["response"] for m in messages] == ["utter_privacy/notice"]
    assert events[0] == SessionStarted()
    assert events[-1] == ActionExecuted("action_listen")
    # Counts (and identity) start again in a new conversation.
    assert not any(e.get("event") == "slot" for e in events)


@pytest.mark.parametrize(
    "count,events",
    [
        (None, [SlotSet("misunderstood_count", 1), SlotSet("handover_due", False)]),
        (1, [SlotSet("misunderstood_count", 2), SlotSet("handover_due", False)]),
        (2, [SlotSet("misunderstood_count", 0), SlotSet("handover_due", True)]),
    ],
)
async def test_third_misunderstanding_is_due_for_a_person(count, events) -> None:
    messages, result = await run(
        ActionCountMisunderstanding(), tracker({"misunderstood_count": count})
    )
    assert messages == []
    assert result == events


@pytest.mark.parametrize(
    "count,events",
    [
        (0, [SlotSet("human_request_count", 1), SlotSet("handover_due", False)]),
        (1, [SlotSet("human_request_count", 0), SlotSet("handover_due", True)]),
    ],
)
async def test_second_request_for_a_person_is_due_for_a_person(count, events) -> None:
    messages, result = await run(ActionCountHumanRequest(), tracker({"human_request_count": count}))
    assert messages == []
    assert result == events
