"""Options read back from a tracker's events, and the Twilio sender's retries."""

from __future__ import annotations

from typing import List

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from channels.sms_output import offered_options
from channels.sms_text import Option
from channels.twilio_api import SmsNotSent, SmsSender
from tests.conftest import free_port

HANDOVER = [
    {"title": "Call me back", "payload": "/request_callback"},
    {"title": "No thanks", "payload": "/deny"},
]


def bot(text: str, buttons=None, at: float = 1000.0) -> BotUttered:
    return BotUttered(text, data={"buttons": buttons} if buttons else {}, timestamp=at)


def test_the_options_are_those_of_the_last_bot_turn() -> None:
    events = [UserUttered("hi", timestamp=990.0), bot("Pick", HANDOVER, 991.0),
              UserUttered("talk to a person", timestamp=995.0), bot("Sorry."),
              bot("An advisor can call.", HANDOVER), ActionExecuted("action_listen")]
    assert offered_options(events, now=1001.0) == [
        Option(1, "Call me back", "/request_callback"), Option(2, "No thanks", "/deny")]


def test_a_turn_without_buttons_offers_nothing() -> None:
    events = [bot("Pick", HANDOVER, 900.0), UserUttered("1", timestamp=950.0), bot("Thanks.")]
    assert offered_options(events, now=1001.0) == []


def test_options_older_than_the_session_are_stale() -> None:
    events = [UserUttered("hi", timestamp=0.0), bot("Pick", HANDOVER, at=1000.0)]
    assert offered_options(events, max_age=900, now=1000.0 + 899) != []
    assert offered_options(events, max_age=900, now=1000.0 + 901) == []


async def test_an_unreachable_api_is_retried_then_reported() -> None:
    waited: List[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    sender = SmsSender("AC" + "0" * 32, "token", "+15005550006",
                       status_callback="http://127.0.0.1/status",
                       api_url=f"http://127.0.0.1:{free_port()}", attempts=3, backoff=0.5,
                       sleep=sleep, timeout=2)
    with pytest.raises(SmsNotSent, match="unavailable after 3 attempts"):
        await sender.send("+15558675310", "hello")
    # Doubling from the backoff with equal jitter (bot/retry.py): 0.25-0.5 s, then 0.5-1 s.
    assert len(waited) == 2
    assert 0.25 <= waited[0] <= 0.5 and 0.5 <= waited[1] <= 1.0


def test_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="attempts"):
        SmsSender("AC1", "t", "+1", status_callback="http://x/status", attempts=0)
