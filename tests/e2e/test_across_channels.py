"""One person across the three channels, on one conversation store (issue 4's journey).

The assistant runs as `make run` starts it, with Telegram and SMS open
against the fake Bot API and the fake Twilio on loopback. Anna Berg
(backends/README.md) starts a contribution statement in the web chat
(socket.io, the widget's protocol), continues on Telegram with a one-time
code, finishes it by SMS with another, gets the proactive notice of its
decision by SMS (the channel she used last), texts STOP, and gets nothing
after, although the CMS goes on telling the assistant about her case.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from bot.notices import subscribe
from tests.e2e.conftest import WebChat, run_with_all_channels, wait_until
from tests.e2e.test_sms import Phone, _cms_admin
from tests.e2e.test_telegram import Telegram, texts

pytestmark = pytest.mark.e2e

ANNA = ("85031212345", "12.03.1985")
CODE = re.compile(r"Your code is ([A-Z0-9]{6})\.")
REFERENCE = re.compile(r"NSSA-2026-\d{6}")
CONTINUES = "this conversation continues here."
OFFER = "You started a request for a contribution statement earlier."
ASKS_ID = "national ID number"
WHERE = "Where should we send it?"

_chats = itertools.count(720_000_001)



def code_in(said: List[str]) -> str:
    [code] = CODE.findall("\n".join(said))
    return code


@pytest.fixture(scope="module")
def channels(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Any]:
    """The assistant with all three channels open; the fake platforms beside it."""
    for assistant, api, twilio in run_with_all_channels(
            tmp_path_factory.mktemp("var-across"), model,
            backend_env={"NSSA_CMS_DELIVERY_INTERVAL": "1",
                         "NSSA_CMS_RETRY_BASE_SECONDS": "1"}):
        asyncio.run(subscribe(assistant.settings))
        yield assistant, Telegram(assistant, api), twilio


def test_web_then_telegram_then_sms_then_a_notice_then_stop(channels: Any) -> None:
    assistant, telegram, twilio = channels

    # Web chat: the request starts, one answer given, then "continue on my phone".
    web = WebChat(assistant)
    try:
        web.say("i want my contribution statement", until=ASKS_ID)
        web.say(ANNA[0], until="date of birth")
        web.say(ANNA[1], until="year")
        assert any(WHERE in t for t in web.say("2024", until=WHERE))
        code = code_in(web.say("can i continue this on my phone", until=WHERE))
    finally:
        web.close()

    # Telegram: the code joins the web conversation; identity is checked again.
    chat = next(_chats)
    said = texts(telegram.say(chat, code))
    assert CONTINUES in said.lower() and OFFER in said
    assert ASKS_ID in texts(telegram.say(chat, "1"))
    telegram.say(chat, ANNA[0])
    assert WHERE in texts(telegram.say(chat, ANNA[1]))
    code = code_in([texts(telegram.say(chat, "continue on my phone"))])

    # SMS: the same conversation again, the request finished there.
    phone = Phone(assistant, twilio, "+15558670999")
    said = "\n".join(phone.text(code))
    assert CONTINUES in said.lower() and "Do you want to continue? 1 Yes 2 No" in said
    assert ASKS_ID in "\n".join(phone.text("1"))
    phone.text(ANNA[0])
    assert WHERE in "\n".join(phone.text(ANNA[1]))
    phone.text("1")
    summary = "\n".join(phone.text("english"))
    assert "2024" in summary
    [reference] = REFERENCE.findall("\n".join(phone.text("1")))
    [case] = [row for row in assistant.cms_cases() if row[0] == reference]
    assert case[1:3] == ["P-1001", "contribution_statement"]

    # The decision's notice goes by SMS, the channel used last, not to Telegram.
    telegram_before = len(telegram.sent(chat))
    _cms_admin(assistant, "set-status", reference, "decided")
    notice = f"Your case {reference} has been updated: A decision has been made."
    wait_until(lambda: any(notice in body for body in phone.received()), "the notice by SMS")
    assert len(telegram.sent(chat)) == telegram_before

    # STOP: nothing more, not even the next notice the CMS delivers.
    assert phone.text("STOP") == []
    told = len(phone.received())
    _cms_admin(assistant, "set-status", reference, "closed")
    closed = f"Your case {reference} has been updated: The case is closed."
    wait_until(
        lambda: any(closed in text for text in assistant.bot_texts(web.session_id)),
        "the second notice in the conversation",
    )
    assert phone.text("When is my pension paid?") == []
    assert len(phone.received()) == told
