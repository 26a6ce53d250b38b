"""The unemployment estimate asks the age after saying what the wage already gives."""

from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.estimate_forms.asking import ActionAskUnemploymentAge
from tests.english import said


def tracker(slots: Dict[str, Any]) -> Tracker:
    return Tracker(
        sender_id="citizen-estimate", slots=slots,
        latest_message={"text": "I earned 2,500 a month", "intent": {"name": "x"}},
        events=[], paused=False, followup_action=None,
        active_loop={"name": "unemployment_estimate_form"}, latest_action_name="action_listen",
    )


async def test_the_wage_given_shows_months_1_to_6_before_the_age_is_asked() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskUnemploymentAge().run(dispatcher, tracker({"estimate_wage": "2500.00"}), {})
    first, question = [said(m) for m in dispatcher.messages]
    # unemployment-benefit.md: 60% of the reference wage in months 1 to 6.
    assert "€1,500.00 a month in months 1 to 6" in first and "€2,500.00" in first
    assert question.startswith("How old were you on your first day without work?")


async def test_without_a_wage_only_the_question() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskUnemploymentAge().run(dispatcher, tracker({"estimate_wage": None}), {})
    assert [said(m) for m in dispatcher.messages] == [
        "How old were you on your first day without work? For example 42."]
