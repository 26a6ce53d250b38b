""""Did this help?": when it is asked, how the answer is read and kept (issue 12).

actions/satisfaction.py on Rasa trackers made of the events Rasa stores,
and the reading of the reply by bot/nlu_context/satisfaction.py.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.satisfaction import (
    ActionAskSatisfaction,
    ActionRecordSatisfaction,
    ActionRecordSatisfactionComment,
    helpful,
    may_ask,
)
from bot.nlu import parse_result
from bot.nlu_context import ConversationContext
from tests.nlu_context_parts import trained_context

QUESTION_BUTTONS = [{"title": "Yes", "payload": "/helped_yes"},
                    {"title": "No", "payload": "/helped_no"}]


def said(intent: str, text: str = "...") -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def bot(response: str, buttons: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
    return {"event": "bot", "text": "...", "data": {"buttons": buttons},
            "metadata": {"utter_action": response}}


def action(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name}


ANSWERED = [action("action_session_start"), {"event": "session_started"},
            said("pension"), bot("utter_pension/payment"), said("thank"), bot("utter_thank")]


@pytest.mark.parametrize("response, expected", [
    ("utter_pension/payment", True),
    ("utter_faq/change_bank_account", True),
    ("utter_address_sent", True),
    ("utter_request_sent", True),
    ("utter_appointment_booked", True),
    ("utter_case_status", True),
    ("utter_estimate_pension", True),
    ("utter_estimate_child_benefit_total", True),
    ("utter_privacy/notice", False),
    ("utter_otp_sent", False),
    ("utter_estimate_invalid_number", False),
    ("utter_greet", False),
    ("utter_not_sure", False),
    ("utter_handover", False),
    ("utter_crisis", False),
])
def test_what_counts_as_a_helpful_answer(response: str, expected: bool) -> None:
    assert helpful(response) is expected


class TestWhenItIsAsked:
    def test_after_thanks_that_follow_an_answer(self) -> None:
        assert may_ask(ANSWERED)

    def test_not_when_nothing_was_answered(self) -> None:
        assert not may_ask([said("greet"), bot("utter_greet"), said("thank"), bot("utter_thank")])

    def test_only_once_per_conversation(self) -> None:
        asked = [*ANSWERED, bot("utter_ask_satisfaction", QUESTION_BUTTONS),
                 said("pension"), bot("utter_pension/amount"), said("goodbye")]
        assert not may_ask(asked)

    def test_again_in_a_new_conversation(self) -> None:
        asked = [*ANSWERED, bot("utter_ask_satisfaction", QUESTION_BUTTONS),
                 action("action_session_start"), {"event": "session_started"},
                 said("pension"), bot("utter_pension/amount"), said("thank")]
        assert may_ask(asked)

    def test_never_after_the_crisis_wording(self) -> None:
        crisis = [said("self_harm"), bot("utter_crisis"), action("action_handover"), *ANSWERED[2:]]
        assert not may_ask(crisis)
        assert not may_ask([*ANSWERED[:4], said("self_harm"), said("thank")])

    def test_never_during_a_hand_over(self) -> None:
        handed = [*ANSWERED[:4], said("request_human"), action("action_handover"),
                  bot("utter_advisor_connect"), said("thank")]
        assert not may_ask(handed)

    async def test_the_action_asks_with_two_buttons(self) -> None:
        dispatcher = CollectingDispatcher()
        assert await ActionAskSatisfaction().run(dispatcher, _tracker(ANSWERED), {}) == []
        assert [m["response"] for m in dispatcher.messages] == ["utter_ask_satisfaction"]
        quiet = CollectingDispatcher()
        await ActionAskSatisfaction().run(quiet, _tracker(ANSWERED[:2]), {})
        assert quiet.messages == []


def _tracker(events: List[Dict[str, Any]], intent: str = "thank", text: str = "...",
             slots: Optional[Dict[str, Any]] = None) -> Tracker:
    return Tracker(sender_id="s", slots=slots or {}, events=events, paused=False,
                   latest_message={"text": text, "intent": {"name": intent}},
                   followup_action=None, active_loop={}, latest_action_name="action_listen")


ASKED = [*ANSWERED, bot("utter_ask_satisfaction", QUESTION_BUTTONS)]


class TestTheAnswer:
    async def test_yes_is_kept_and_thanked(self) -> None:
        dispatcher = CollectingDispatcher()
        events = await ActionRecordSatisfaction().run(
            dispatcher, _tracker([*ASKED, said("helped_yes")], "helped_yes"), {})
        assert events == [SlotSet("satisfaction", "yes")]
        assert [m["response"] for m in dispatcher.messages] == ["utter_satisfaction_thanks"]

    async def test_no_is_kept_and_asks_what_was_missing(self) -> None:
        dispatcher = CollectingDispatcher()
        events = await ActionRecordSatisfaction().run(
            dispatcher, _tracker([*ASKED, said("helped_no")], "helped_no"), {})
        assert events == [SlotSet("satisfaction", "no")]
        assert [m["response"] for m in dispatcher.messages] == ["utter_ask_what_was_missing"]

    async def test_a_stale_button_records_nothing(self) -> None:
        later = [*ASKED, said("pension"), bot("utter_pension/amount"), said("helped_yes")]
        dispatcher = CollectingDispatcher()
        assert await ActionRecordSatisfaction().run(
            dispatcher, _tracker(later, "helped_yes"), {}) == []
        answered = [*ASKED, said("helped_yes")]
        assert await ActionRecordSatisfaction().run(
            dispatcher, _tracker(answered, "helped_no", slots={"satisfaction": "yes"}), {}) == []

    async def test_what_was_missing_is_kept_masked(self) -> None:
        events = [*ASKED, said("helped_no"), bot("utter_ask_what_was_missing")]
        text = "my ID is 85031212345 and you never said when the pension is paid"
        dispatcher = CollectingDispatcher()
        result = await ActionRecordSatisfactionComment().run(
            dispatcher, _tracker([*events, said("tell_what_was_missing", text)],
                                 "tell_what_was_missing", text), {})
        assert result == [SlotSet("satisfaction_comment",
                                  "my ID is *******2345 and you never said when the pension "
                                  "is paid")]
        assert "85031212345" not in str(result)
        assert [m["response"] for m in dispatcher.messages] == [
            "utter_satisfaction_comment_thanks"]


# --- the reading of the reply (bot/nlu_context/satisfaction.py) --------------------

LABELS = ["affirm", "deny", "greet", "thank", "pension", "request_human", "self_harm",
          "distress"]


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> ConversationContext:
    return trained_context(tmp_path_factory, {
        "utter_pension/payment": [{"text": "We pay on the 20th of each month."}]})


def read(component: ConversationContext, text: str, intent: str, last: List[Event]) -> str:
    message = Message(data={"text": text})
    probabilities = [0.9 if label == intent else 0.1 / (len(LABELS) - 1) for label in LABELS]
    for key, value in parse_result(LABELS, probabilities).items():
        message.set(key, value, add_to_output=True)
    events: List[Event] = [UserUttered("when is it paid", {"name": "pension"}),
                           BotUttered("We pay on the 20th.",
                                      metadata={"utter_action": "utter_pension/payment"}),
                           UserUttered("thanks", {"name": "thank"}), *last]
    component.process([message], DialogueStateTracker.from_events("s", events))
    return str(message.get("intent")["name"])


QUESTION = [BotUttered("You're welcome.", metadata={"utter_action": "utter_thank"}),
            BotUttered("Did this help? 1 Yes 2 No", data={"buttons": QUESTION_BUTTONS},
                       metadata={"utter_action": "utter_ask_satisfaction"})]
MISSING = [BotUttered("What was missing?",
                      metadata={"utter_action": "utter_ask_what_was_missing"})]


@pytest.mark.parametrize("text, intent, expected", [
    ("yes", "affirm", "helped_yes"),
    ("no", "deny", "helped_no"),
    ("1", "greet", "helped_yes"),
    ("2", "greet", "helped_no"),
    ("when is my pension paid", "pension", "pension"),
])
def test_the_reply_to_the_question(component, text: str, intent: str, expected: str) -> None:
    assert read(component, text, intent, QUESTION) == expected


@pytest.mark.parametrize("text, intent, expected", [
    ("the amount for couples", "pension", "tell_what_was_missing"),
    ("hello?", "greet", "tell_what_was_missing"),
    ("i want to talk to a person", "request_human", "request_human"),
    ("i want to end my life", "self_harm", "self_harm"),
    ("no", "deny", "deny"),
])
def test_the_reply_to_what_was_missing(component, text: str, intent: str, expected: str) -> None:
    assert read(component, text, intent, MISSING) == expected


def test_yes_elsewhere_is_not_an_answer(component) -> None:
    assert read(component, "yes", "affirm", []) == "affirm"
