"""Estimate questions that first say what the figures given already show.

The unemployment estimate asks the age after saying what the wage gives; the
survivors' estimate asks about children after saying the spouse's share.
"""

from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.estimate_forms.asking import ActionAskOrphans, ActionAskUnemploymentAge
from tests.english import said


def tracker(slots: Dict[str, Any], form: str = "unemployment_estimate_form") -> Tracker:
    return Tracker(
        sender_id="citizen-estimate", slots=slots,
        latest_message={"text": "I earned 2,500 a month", "intent": {"name": "x"}},
        events=[], paused=False, followup_action=None,
        active_loop={"name": form}, latest_action_name="action_listen",
    )


async def test_the_wage_given_shows_months_1_to_6_before_the_age_is_asked() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskUnemploymentAge().run(dispatcher, tracker({"estimate_wage": "2500.00"}), {})
    first, question = [said(m) for m in dispatcher.messages]
    # unemployment-benefit.md: 60% of the reference wage in months 1 to 6.
    assert "€1,500.00 a month in months 1 to 6" in first and "€2,500.00" in first
    # The daily rate is the monthly amount ÷ 30 (€50.00), a payment 14 of them.
    assert "€700.00 every 2 weeks" in first
    assert question.startswith("How old were you on your first day without work?")


async def test_without_a_wage_only_the_question() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskUnemploymentAge().run(dispatcher, tracker({"estimate_wage": None}), {})
    assert [said(m) for m in dispatcher.messages] == [
        "How old were you on your first day without work? For example 42."]


async def test_a_spouse_hears_their_share_before_the_children_are_asked() -> None:
    dispatcher = CollectingDispatcher()
    slots = {"estimate_deceased_pension": "1480.00", "estimate_is_spouse": True}
    await ActionAskOrphans().run(dispatcher, tracker(slots, "survivors_estimate_form"), {})
    share, question = [said(m) for m in dispatcher.messages]
    # survivors-pension.md: the spouse's pension is 55% of the pension of the person who died.
    assert "55% of €1,480.00 = €814.00 a month" in share
    assert question.startswith("How many of their children are under 18")


async def test_a_child_asking_hears_only_the_question() -> None:
    dispatcher = CollectingDispatcher()
    slots = {"estimate_deceased_pension": "1480.00", "estimate_is_spouse": False}
    await ActionAskOrphans().run(dispatcher, tracker(slots, "survivors_estimate_form"), {})
    assert len(dispatcher.messages) == 1
