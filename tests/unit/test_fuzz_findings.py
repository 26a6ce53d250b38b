"""Action calls the fuzz suite (tests/fuzz) found crashing the action server with a 500.

Each is a tracker Rasa's own forms would not produce (a slot empty or of
another shape than the form left it), answered now instead of raised.
"""

from __future__ import annotations

from typing import Any, Dict

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.citizen_requests import appointment_times
from actions.citizen_requests.submit import ActionAskPayToAccountOnRecord
from actions.estimate_forms.asking import ActionAskStartAge


def tracker(slots: Dict[str, Any]) -> Tracker:
    return Tracker("rest-me", slots, {"text": "x", "intent": {"name": "inform"}}, [], False,
                   None, {}, "action_listen")


@pytest.mark.parametrize("start", [None, "", "yesterday", 5])
def test_a_start_that_is_no_time_is_shown_as_it_is(start: Any) -> None:
    assert appointment_times.hhmm(start) == str(start)


@pytest.mark.parametrize("day", [None, "not a day", "2026-02-30"])
def test_a_day_that_is_no_day_is_shown_as_it_is(day: Any) -> None:
    assert appointment_times.long_day(day) == [str(day)]


@pytest.mark.parametrize("office", [{"id": 1}, ["a"], None])
def test_an_office_that_is_no_office_id_is_shown_as_it_is(office: Any) -> None:
    assert appointment_times.office_name(office) == str(office)


async def test_negative_contribution_months_only_ask_the_question() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskStartAge().run(
        dispatcher, tracker({"estimate_contribution_months": -1}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_estimate_start_age"]


@pytest.mark.parametrize("person", [None, "", "  ", 5])
async def test_the_account_question_without_a_person_is_declined_not_a_crash(
    person: Any,
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAskPayToAccountOnRecord().run(
        dispatcher, tracker({"person_id": person}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_identity_unavailable"]
    assert {"event": "slot", "name": "request_declined", "value": True,
            "timestamp": None} in events
