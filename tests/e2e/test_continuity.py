"""Continuity end to end: "continue on my phone" with a real Rasa and action server.

The web side is the REST channel. The phone side is simulated the way the
SMS and Telegram connectors do it: `channels.common.conversation_of` on the
same store database with channel "sms" and a phone number. A live code's
`/EXTERNAL_continued` is run in the joined conversation through the internal
API (the REST channel reads a typed one as words), and the phone's next
messages go over REST into the conversation it joined. The whole journey
through the real Telegram and SMS channels is tests/e2e/test_across_channels.py.

Demo person: backends/README.md (Anna Berg, 85031212345, born 12.03.1985).
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import List, Tuple

import pytest

from bot.store.store import Store
from channels.common import CONTINUED_MESSAGE, conversation_of
from tests.e2e.conftest import Assistant

pytestmark = pytest.mark.e2e

ANNA = ("85031212345", "12.03.1985")
CODE = re.compile(r"Your code is ([A-Z0-9]{6})\.")
REFERENCE = re.compile(r"NSSA-2026-\d{6}")
ASKS_ID = "please type your national ID number"
CONTINUES = "This conversation continues here."


def code_in(texts: List[str]) -> str:
    found = CODE.findall("\n".join(texts))
    assert len(found) == 1, texts
    return found[0]


class Phone:
    """A phone number texting the assistant, as the SMS connector would pass it on."""

    def __init__(self, assistant: Assistant, number: str) -> None:
        self.assistant = assistant
        self.number = number
        self.store = Store.for_url(assistant.settings.database_url)
        self.message = ""  # what the connector would give Rasa for the last text

    def send(self, text: str) -> Tuple[str, List[str]]:
        """(conversation the message went to, the bot's texts; none outside a REST one)."""
        conversation, self.message = asyncio.run(
            conversation_of(self.store, "sms", self.number, text)
        )
        if self.message == CONTINUED_MESSAGE:
            said = self.assistant.trigger_intent(conversation, CONTINUED_MESSAGE.lstrip("/"))
            return conversation, [m.get("text", "") for m in said]
        sender = conversation.removeprefix("rest-")
        if sender == conversation:
            return conversation, []  # the phone's own SMS conversation: not reachable by REST
        return conversation, self.assistant.texts(sender, self.message)


def test_a_half_finished_request_continues_on_the_phone(assistant: Assistant) -> None:
    web = "cont-web-statement"
    assistant.texts(web, "i want my contribution statement", *ANNA)
    assert "Where should we send it?" in assistant.texts(web, "2024")[-1]

    reply = assistant.texts(web, "can i continue this on my phone")
    code = code_in(reply)
    assert "@NSSA_help_bot" in reply[0] and "0800 600 200" in reply[0]
    assert "10 minutes" in reply[0] and "works once" in reply[0]
    # The request is not disturbed: its question comes again.
    assert "Where should we send it?" in reply[-1]

    phone = Phone(assistant, "+999412000001")
    conversation, reply = phone.send(code)
    assert conversation == assistant.conversation(web)
    assert CONTINUES in reply[0]
    assert reply[-1] == (
        "You started a request for a contribution statement earlier. "
        "Do you want to continue? 1 Yes 2 No"
    )

    # Yes: identity first (the phone has not shown who it is), then the first
    # question not answered on the web; 2024 is kept.
    conversation, reply = phone.send("1")
    assert conversation == assistant.conversation(web) and ASKS_ID in reply[-1]
    phone.send(ANNA[0])
    _, reply = phone.send(ANNA[1])
    assert "Where should we send it?" in reply[-1]
    phone.send("1")
    _, reply = phone.send("english")
    assert "- Years: 2024" in reply[-1]
    _, reply = phone.send("1")
    [reference] = REFERENCE.findall("\n".join(reply))
    row = next(r for r in assistant.cms_cases() if r[0] == reference)
    assert row[1:3] == ["P-1001", "contribution_statement"]

    # The phone number stays in the conversation; the code is used up.
    assert phone.send("hello")[0] == assistant.conversation(web)
    other = Phone(assistant, "+999412000002")
    conversation, reply = other.send(code)
    assert conversation != assistant.conversation(web) and other.message == code
    assert not any(CONTINUES in t for t in reply)


def test_identity_is_asked_again_after_continuing(assistant: Assistant) -> None:
    web = "cont-web-identity"
    assistant.texts(web, "check my case", *ANNA)
    assert "A case worker is working on it." in assistant.texts(web, "NSSA-2026-000123")[-1]
    # Still checked on the web: the next request asks no identity.
    assert ASKS_ID not in assistant.texts(web, "check my case")[-1]
    assistant.texts(web, "cancel")

    code = code_in(assistant.texts(web, "continue on telegram instead"))
    phone = Phone(assistant, "+999412000003")
    conversation, reply = phone.send(code.lower())
    assert conversation == assistant.conversation(web) and CONTINUES in reply[0]
    assert not any("Do you want to continue?" in t for t in reply)
    _, reply = phone.send("check my case")
    assert ASKS_ID in reply[-1]


def test_an_expired_code_is_an_ordinary_message(assistant: Assistant) -> None:
    web = "cont-web-expired"
    assistant.texts(web, "hello")
    store = Store.for_url(assistant.settings.database_url)
    expired = store.codes.issue(assistant.conversation(web), ttl=timedelta(seconds=-1))
    phone = Phone(assistant, "+999412000004")
    conversation, reply = phone.send(expired)
    assert conversation != assistant.conversation(web) and conversation.startswith("sms-")
    assert phone.message == expired  # an ordinary message of the phone's own conversation


def test_the_continued_message_typed_on_the_web_is_read_as_words(
    assistant: Assistant,
) -> None:
    # Issue 8: the REST channel reads a typed "/intent{...}" as words, as the
    # other channels do; only a code sent from a phone makes the channel send it.
    web = "cont-web-typed"
    assistant.texts(web, "check my case", *ANNA)
    assistant.texts(web, "all")
    reply = assistant.texts(web, CONTINUED_MESSAGE)
    assert not any(CONTINUES in t for t in reply)
    assert ASKS_ID not in assistant.texts(web, "check my case")[-1]
