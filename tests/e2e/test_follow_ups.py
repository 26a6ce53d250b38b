"""Follow-ups and offers (issue 9) against the real Rasa and action servers.

- A short follow-up is read in the topic of the last answer and never as
  distress (bot/nlu_context/).
- An answer that explains a request offers to start it (a button); the
  button, "yes", or an ID number typed right after it starts the request.
- A question in the middle of a request is answered and the request goes on.

Demo people: backends/README.md. Texts here are not those of the frozen set
(evaluation/frozen), which runs in tests/e2e/test_frozen_conversations.py.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

pytestmark = pytest.mark.e2e

DISTRESS = "I'm sorry you are going through this"
NOT_SURE = "I'm not sure I understood"
ERIK = ("58073022089", "30.07.1958")  # phone on record ends 6789
ANNA = ("85031212345", "12.03.1985")


def say(assistant, sender: str, text: str) -> str:
    return "\n".join(m.get("text", "") for m in assistant.send(sender, text))


def buttons(messages: List[Dict[str, Any]]) -> List[str]:
    return [b["title"] for m in messages for b in m.get("buttons") or ()]


@pytest.mark.parametrize("first,follow_up,fact", [
    ("what is child benefit per child per month", "and for three?", "€690.00"),
    ("which date is the pension paid on", "and if that's a public holiday?",
     "working day before"),
    ("opening times of the Highmoor office", "is it open on friday?", "Friday closed"),
    ("can a widow get survivors pension", "I'm 52", "24 months"),
])
def test_a_follow_up_is_read_in_the_topic_of_the_last_answer(
        assistant, first: str, follow_up: str, fact: str) -> None:
    sender = f"follow-{abs(hash(first))}"
    say(assistant, sender, first)
    reply = say(assistant, sender, follow_up)
    assert fact in reply and DISTRESS not in reply, reply


def test_the_same_follow_up_without_an_answer_before_is_not_guessed(assistant) -> None:
    reply = say(assistant, "follow-alone", "and for three?")
    assert "€690.00" not in reply


def test_an_explained_request_offers_a_button_and_an_id_number_starts_it(assistant) -> None:
    sender = "offer-bank"
    explained = assistant.send(sender, "how does a change of bank account work?")
    assert "Change my bank account" in buttons(explained)
    assert "date of birth" in say(assistant, sender, ERIK[0])
    # The request goes on to the one-time code, sent to the phone on record.
    assert "6789" in say(assistant, sender, ERIK[1])


def test_the_button_starts_the_request(assistant) -> None:
    sender = "offer-button"
    assistant.send(sender, "how do I find out how far my application has got?")
    assert "national ID number" in say(assistant, sender, "/check_case")


def test_yes_after_the_offer_starts_the_request(assistant) -> None:
    sender = "offer-yes"
    explained = assistant.send(sender, "who can get a contribution statement?")
    assert buttons(explained) == ["Order my contribution statement"]
    assert "national ID number" in say(assistant, sender, "yes")
    assert "date of birth" in say(assistant, sender, ANNA[0])


def test_all_after_a_case_status_explanation_lists_the_cases(assistant) -> None:
    sender = "offer-all"
    assistant.send(sender, "how do I find out how far my application has got?")
    say(assistant, sender, ANNA[0])
    say(assistant, sender, ANNA[1])
    reply = say(assistant, sender, "all")
    assert "NSSA-2026-000123" in reply and "Goodbye" not in reply, reply


def test_an_unsure_question_inside_a_request_is_answered_and_the_request_goes_on(
        assistant) -> None:
    sender = "inside-statement"
    say(assistant, sender, "please order my contribution statement")
    reply = say(assistant, sender, "will it be free?")
    assert "free" in reply and NOT_SURE not in reply, reply
    assert "date of birth" in say(assistant, sender, ANNA[0])


# --- the offer in each channel: a button in Telegram, a numbered option by SMS ------

from tests.e2e.test_sms import Phone, phone, sms  # noqa: E402,F401 - the SMS fixtures
from tests.e2e.test_telegram import (  # noqa: E402,F401 - the Telegram fixtures
    Telegram,
    _chats,
    keyboard,
    telegram,
    texts,
)


def test_by_sms_the_offer_is_a_numbered_option_and_its_number_starts_it(
        phone: Phone) -> None:  # noqa: F811 - the fixture imported above
    phone.text("hello")
    offer = "\n".join(phone.text("how do i change my bank account"))
    assert "1 Change my bank account" in offer, offer
    assert "national ID number" in "\n".join(phone.text("1"))


def test_in_telegram_the_offer_is_a_button_that_starts_it(
        telegram: Telegram) -> None:  # noqa: F811 - the fixture imported above
    chat = next(_chats)
    offer = telegram.say(chat, "how do i change my bank account")
    choices = dict(keyboard(offer[-1]))
    assert "Change my bank account" in choices, offer
    assert "national ID number" in texts(telegram.press(chat, choices["Change my bank account"]))
