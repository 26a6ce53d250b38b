"""A follow-up continues the answer before a turn that answered nothing (bot/conversation_context).

Such a turn is "English please" confirmed, or a message not understood.
"""

from __future__ import annotations

from typing import Any, List

from rasa.shared.core.events import BotUttered, UserUttered

from bot import conversation_context as cc


def _said(user: str, *responses: str) -> List[Any]:
    return [UserUttered(user)] + [
        BotUttered(r, metadata={"utter_action": r}) for r in responses]


def test_a_language_choice_is_no_answer_to_follow_up() -> None:
    # "Kiedy wypłacana jest emerytura?", "English please", then "and in June?".
    events = (_said("Kiedy wypłacana jest emerytura?", "utter_pension/payment")
              + _said("English please", "utter_language_chosen"))
    assert cc.last_answer(cc.bot_turns(events)) == "pension/payment"


def test_another_turn_without_an_answer_still_ends_the_follow_up() -> None:
    events = (_said("Kiedy wypłacana jest emerytura?", "utter_pension/payment")
              + _said("dziękuję", "utter_thank"))
    assert cc.last_answer(cc.bot_turns(events)) is None


def test_a_misunderstood_message_in_between_keeps_the_answer_before() -> None:
    # Tried as a pensioner (tryout2): "can i get my pensoin erlier", "whats the
    # erliest" (out of scope), then "do i need to aply" got child benefit's answer.
    events = (_said("can i get my pensoin erlier", "utter_pension/eligibility")
              + _said("whats the erliest", "utter_out_of_scope"))
    assert cc.last_answer(cc.bot_turns(events)) == "pension/eligibility"
    events = (_said("can i get my pensoin erlier", "utter_pension/eligibility")
              + _said("wher do i send the form", "utter_not_sure"))
    assert cc.last_answer(cc.bot_turns(events)) == "pension/eligibility"


def test_the_offer_of_a_person_after_misunderstandings_ends_the_follow_up() -> None:
    events = (_said("can i get my pensoin erlier", "utter_pension/eligibility")
              + _said("blah", "utter_not_sure", "utter_handover_offer"))
    assert cc.last_answer(cc.bot_turns(events)) is None
