"""A follow-up after "English please" continues the answer before it (bot/conversation_context)."""

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
