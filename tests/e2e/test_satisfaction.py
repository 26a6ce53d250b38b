""""Did this help?" on every channel, with the real Rasa and action servers (issue 12).

One assistant with the web chat (socket.io, the widget's protocol), Telegram
(the fake Bot API) and SMS (the fake Twilio) open. Each conversation gets an
answer, then thanks: the question comes once, with buttons on web chat and
Telegram and as "1 Yes 2 No" by SMS (at most one SMS more than the thanks
alone). The answer is stored as the slot `satisfaction` (and, after "No",
the masked `satisfaction_comment`) and counted by `bot metrics`. Never
after the crisis wording or a hand-over.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import socketio

from channels.sms_text import segments
from tests.e2e.conftest import Assistant, run_with_all_channels
from tests.e2e.test_sms import Phone
from tests.e2e.test_telegram import Telegram, keyboard, texts

pytestmark = pytest.mark.e2e

QUESTION = "Did this help? 1 Yes 2 No"
MISSING = "What was missing?"
THANKED = "Thank you for telling us."
COMMENT_THANKED = "We read every comment"
WELCOME = "You're welcome"
PAID = "20th of each month"

_chats = itertools.count(730_000_001)
_numbers = itertools.count(5558671001)


@pytest.fixture(scope="module")
def channels(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Any]:
    """The assistant with all three channels open; the fake platforms beside it."""
    for assistant, api, twilio in run_with_all_channels(
            tmp_path_factory.mktemp("var-satisfaction"), model):
        yield assistant, Telegram(assistant, api), twilio


class Browser:
    """The web chat widget's side, keeping each bot message whole (buttons included)."""

    def __init__(self, assistant: Assistant) -> None:
        self.client = socketio.SimpleClient()
        self.client.connect(assistant.settings.rasa_url, socketio_path="/socket.io",
                            transports=["polling"], wait_timeout=30)
        self.client.emit("session_request", {"session_id": None})
        event, self.session_id = self.client.receive(timeout=30)
        assert event == "session_confirm"

    def say(self, text: str, until: str, quiet: float = 3.0) -> List[Dict[str, Any]]:
        """Send `text`; the bot's messages up to one containing `until`, and any for `quiet` s."""
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        said: List[Dict[str, Any]] = []
        deadline = time.monotonic() + 120
        while not any(until in (m.get("text") or "") for m in said):
            event, data = self.client.receive(timeout=max(1, deadline - time.monotonic()))
            if event == "bot_uttered":
                said.append(data)
        while True:
            try:
                event, data = self.client.receive(timeout=quiet)
            except socketio.exceptions.TimeoutError:
                return said
            if event == "bot_uttered":
                said.append(data)

    def close(self) -> None:
        self.client.disconnect()


def _buttons(message: Dict[str, Any]) -> List[Tuple[str, str]]:
    found = message.get("quick_replies") or message.get("buttons") or []
    return [(b["title"], b["payload"]) for b in found]


def _slots(assistant: Assistant, conversation_id: str) -> Dict[str, List[Any]]:
    """Every value the stored conversation set for the satisfaction slots, in order."""
    found: Dict[str, List[Any]] = {"satisfaction": [], "satisfaction_comment": []}
    for event in assistant.tracker(conversation_id)["events"]:
        if event["event"] == "slot" and event["name"] in found:
            found[event["name"]].append(event["value"])
    return found


def _question(said: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    return next((m for m in said if QUESTION in (m.get("text") or "")), None)


def test_web_chat_asks_once_with_buttons_and_keeps_a_masked_comment(channels: Any) -> None:
    assistant, _, _ = channels
    web = Browser(assistant)
    try:
        web.say("when is my pension paid", until=PAID)
        thanks = web.say("thank you", until=QUESTION)
        assert any(WELCOME in (m.get("text") or "") for m in thanks)
        asked = _question(thanks)
        assert asked is not None and _buttons(asked) == [("Yes", "/helped_yes"),
                                                       ("No", "/helped_no")]
        web.say("/helped_no", until=MISSING)  # the "No" button
        comment = "nothing about my wife, her ID is 85031212345"
        web.say(comment, until=COMMENT_THANKED)
        again = web.say("thanks again", until=WELCOME)
        assert _question(again) is None  # once per conversation
    finally:
        web.close()
    slots = _slots(assistant, web.session_id)
    assert slots["satisfaction"] == ["no"]
    [kept] = slots["satisfaction_comment"]
    assert kept.startswith("nothing about my wife") and "85031212345" not in kept
    assert kept.endswith("2345")


def test_telegram_asks_with_buttons_and_a_press_answers(channels: Any) -> None:
    _, telegram, _ = channels
    chat = next(_chats)
    assert PAID in texts(telegram.say(chat, "when is my pension paid"))
    thanks = telegram.say(chat, "thanks a lot")
    [asked] = [m for m in thanks if QUESTION in m["text"]]
    assert keyboard(asked) == [("Yes", "/helped_yes"), ("No", "/helped_no")]
    assert THANKED in texts(telegram.press(chat, "/helped_yes"))
    assert QUESTION not in texts(telegram.say(chat, "bye"))


def test_sms_asks_by_numbers_in_at_most_one_more_sms(channels: Any) -> None:
    assistant, _, twilio = channels
    phone = Phone(assistant, twilio, f"+1{next(_numbers)}")
    assert PAID in "\n".join(phone.text("When is my pension paid?"))
    thanks = phone.text("thank you")
    said = "\n".join(thanks)
    assert WELCOME in said and QUESTION in said
    assert "Reply 1" not in said  # the text numbers its options itself: no second list
    assert THANKED in "\n".join(phone.text("1"))
    alone = phone.text("thank you")  # the same thanks, the question asked already
    assert QUESTION not in "\n".join(alone) and WELCOME in "\n".join(alone)
    # The question costs one SMS (and one billed part) more at most.
    assert len(thanks) <= len(alone) + 1
    assert sum(segments(b).parts for b in thanks) <= sum(segments(b).parts for b in alone) + 1


def test_a_yes_typed_in_words_is_read_as_the_answer(channels: Any) -> None:
    assistant, _, _ = channels
    sender = "satisfaction-words"
    assistant.texts(sender, "how much is child benefit")
    assert QUESTION in "\n".join(assistant.texts(sender, "thanks"))
    assert THANKED in "\n".join(assistant.texts(sender, "yes"))
    assert _slots(assistant, assistant.conversation(sender))["satisfaction"] == ["yes"]


def test_never_without_an_answer_after_the_crisis_wording_or_a_hand_over(channels: Any) -> None:
    assistant, _, _ = channels
    assert QUESTION not in "\n".join(assistant.texts("sat-nothing", "hello", "thanks"))
    crisis = "sat-crisis"
    assistant.texts(crisis, "i don't want to live anymore")
    assistant.texts(crisis, "when is my pension paid")
    assert QUESTION not in "\n".join(assistant.texts(crisis, "thank you"))
    handed = "sat-handover"
    assistant.texts(handed, "when is my pension paid")
    assistant.texts(handed, "i want to talk to a real person", "i want to talk to a real person")
    assert QUESTION not in "\n".join(assistant.texts(handed, "thanks, bye"))


def test_the_answers_are_counted_by_metrics(channels: Any) -> None:
    import json

    from click.testing import CliRunner

    from bot.cli import cli

    assistant, _, _ = channels
    result = CliRunner().invoke(cli, ["metrics", "--json"], env={
        "NSSA_DATABASE_URL": assistant.settings.database_url, "NSSA_LOG_LEVEL": "WARNING"})
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    # Earlier tests of this module: web chat "No", Telegram "Yes", SMS "Yes", REST "Yes".
    assert figures["csat_answers"] >= 4
    assert figures["by_channel"]["webchat"]["csat_answers"] >= 1
    assert figures["by_channel"]["telegram"]["csat"] == 1.0
    assert figures["by_channel"]["sms"]["csat"] == 1.0


def test_in_polish_the_question_and_a_typed_tak(channels: Any) -> None:
    assistant, _, _ = channels
    sender = "satisfaction-pl"
    assistant.texts(sender, "kiedy jest wypłacana emerytura?")
    assert "Czy to pomogło? 1 Tak 2 Nie" in "\n".join(assistant.texts(sender, "dziękuję"))
    assert "Dziękujemy za odpowiedź." in "\n".join(assistant.texts(sender, "tak"))
    assert _slots(assistant, assistant.conversation(sender))["satisfaction"] == ["yes"]
