"""What broke when the assistant was tried as citizens would (branch tryout2, 7 December 2026).

Each test is a conversation that went wrong over the REST channel of the
real assistant, and what it does now. The ones here depend on the trained
model (the wording is learnt from data/); the readings in context and the
date parser have unit tests of their own (tests/unit/test_follow_up_*.py,
test_relative_dates.py).
"""

from __future__ import annotations

import itertools
from typing import Any, Dict, List

import pytest

pytestmark = pytest.mark.e2e

_senders = itertools.count(1)
OUT_OF_SCOPE = "I can't help with that"


def sender() -> str:
    return f"e2e-tried-{next(_senders)}"


def said(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


@pytest.mark.parametrize("text", [
    "I dyed my hair", "i dyed my hair blue last night",
])
def test_an_out_of_scope_message_is_not_read_as_a_death(assistant, text: str) -> None:
    """"dyed" is a death in texting spelling ("my wife dyed"), but not with hair."""
    reply = assistant.ask(text)
    assert "survivors' pension" not in reply.lower()
    assert "sorry for your loss" not in reply
    assert OUT_OF_SCOPE in reply or "not sure I understood" in reply


def test_a_death_in_texting_spelling_is_still_a_death(assistant) -> None:
    assert "survivors' pension" in assistant.ask("my hubby dyed on sunday what do i do").lower()


def test_asking_to_speak_english_in_a_ukrainian_conversation_switches(assistant) -> None:
    """"ok can we speak english" got the list of languages, in Ukrainian."""
    who = sender()
    assistant.send(who, "Добрий день, чи можу я отримувати допомогу на дітей?")
    reply = said(assistant.send(who, "ok can we speak english"))
    assert "I will write in English" in reply
    # The follow-up after the choice is read in the answer before it.
    assert "child benefit" in said(assistant.send(who, "how do i apply")).lower()
