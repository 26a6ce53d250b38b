"""Custom actions, run on recorded trackers."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionCountHumanRequest, ActionCountMisunderstanding
from actions.language import ActionPrivacyNotice
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


# The notice is told once the first message's language is known (Rasa starts a
# session before it reads that message): the session start marks it due and
# the policy (bot/notice_first.py, tests/unit/test_notice_first.py) runs
# action_privacy_notice before the first answer.


async def test_session_start_marks_the_notice_due_and_listens() -> None:
    messages, events = await run(ActionSessionStart(), tracker({"misunderstood_count": 2}))
    assert messages == []
    assert events[0] == SessionStarted()
    assert events[-1] == ActionExecuted("action_listen")
    # Counts (and identity) start again in a new conversation; the notice is due.
    assert [e for e in events if e.get("event") == "slot"] == [SlotSet("privacy_notice_due", True)]


async def test_session_start_keeps_the_language_and_the_choice() -> None:
    _, events = await run(ActionSessionStart(), tracker({"language": "pl",
                                                          "language_chosen": True}))
    assert SlotSet("language", "pl") in events and SlotSet("language_chosen", True) in events


async def test_the_due_notice_is_told_once_in_the_first_messages_language() -> None:
    first = tracker({"privacy_notice_due": True, "language": "en"})
    first.latest_message["language"] = "uk"
    messages, events = await run(ActionPrivacyNotice(), first)
    assert [(m["response"], m["language"]) for m in messages] == [("utter_privacy/notice", "uk")]
    # The language slot is set in the Rasa server (bot/i18n/langid.py), not here.
    assert events == [SlotSet("privacy_notice_due", False)]


async def test_a_notice_not_due_is_not_told() -> None:
    assert await run(ActionPrivacyNotice(), tracker({"privacy_notice_due": False})) == ([], [])


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


# Out of scope (issue 9): an honest refusal, with a pointer where the handbook
# names the organisation.


@pytest.mark.parametrize("text, pointers", [
    ("how do i register the birth of my son", ["utter_out_of_scope_population_register"]),
    ("where do we register our daughter's birth", ["utter_out_of_scope_population_register"]),
    ("where do I register my new business", ["utter_out_of_scope_business_register"]),
    ("what's the weather tomorrow", []),
    ("what is the pension age in Germany", []),
])
async def test_out_of_scope_refuses_and_points_where_the_handbook_names_one(
    text: str, pointers: list
) -> None:
    from actions.out_of_scope import ActionOutOfScope

    t = tracker()
    t.latest_message = {"text": text, "intent": {"name": "out_of_scope"}}
    messages, events = await run(ActionOutOfScope(), t)
    assert [m["response"] for m in messages] == ["utter_out_of_scope", *pointers]
    assert events == []
