"""Live advisors (issue 11), the assistant's side, end to end.

The real Rasa server, action server and worker, with web chat (socket.io,
the widget's protocol), Telegram (the fake Bot API) and SMS (the fake Twilio)
open, and advisor hours around the clock (NSSA_ADVISOR_HOURS=always). The
test plays the staff console: it marks advisors present and takes
conversations through bot/store/handovers.py on the same database, and calls
the internal API's advisor routes with NSSA_API_TOKEN, as the console does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple
from urllib.parse import quote

import pytest

from bot.store.db import create_engine_for
from bot.store.handovers import Handovers
from bot.store.tables import utcnow
from bot.worker import expire_handovers, tell_expired
from tests.e2e.conftest import Assistant, WebChat, run_with_all_channels, wait_until
from tests.e2e.test_sms import Phone
from tests.e2e.test_telegram import Telegram, texts

pytestmark = pytest.mark.e2e

CONNECT = ("I'll connect you with an advisor now. They can see our conversation, "
           "so you don't need to repeat yourself.")
QUEUE = "in the queue"
OUTSIDE_HOURS = "I can't connect you with a person right now."
NONE_FREE = "no advisor was free to take your conversation in time"
HANDED_BACK = "You are talking with the NSSA Assistant again."
ASK_PERSON = "i want to talk to a person"
PENSION = "when is the old-age pension paid"
PAID = "20th"
ANNA = ("85031212345", "12.03.1985")

_chats = itertools.count(830_000_001)
_phones = itertools.count(1)



class Console:
    """What the staff console does: the shared state and the internal routes."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.handovers = Handovers(create_engine_for(assistant.settings.database_url))

    def post(self, conversation_id: str, route: str, body: Dict[str, Any],
             token: str = "") -> Tuple[int, Dict[str, Any]]:
        settings = self.assistant.settings
        request = urllib.request.Request(
            f"{settings.rasa_url}/webhooks/internal/conversations/"
            f"{quote(conversation_id, safe='')}/{route}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {token or settings.api_token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Any]:
    """The assistant with web chat, Telegram and SMS open, and advisor hours always."""
    for assistant, api, twilio in run_with_all_channels(
            tmp_path_factory.mktemp("var-live"), model,
            settings_env={"NSSA_ADVISOR_HOURS": "always"}):
        yield assistant, Console(assistant), Telegram(assistant, api), twilio


def _events(assistant: Assistant, conversation_id: str) -> List[Dict[str, Any]]:
    return assistant.tracker(conversation_id)["events"]


def test_web_chat_advisor_takes_talks_and_hands_back(live: Any) -> None:
    assistant, console, _, _ = live
    console.handovers.set_present("ana", True)
    web = WebChat(assistant)
    try:
        first = web.say(ASK_PERSON, until="talk to a person")
        assert CONNECT not in first
        offer = web.say(ASK_PERSON, until=QUEUE)
        assert CONNECT in offer
        assert "You are number 1 in the queue. The expected wait is 3 minutes." in offer[-1]
        conversation = web.session_id
        [waiting] = [h for h in console.handovers.queue() if h.sender_id == conversation]
        assert (waiting.channel, waiting.reason, waiting.identity_level) == (
            "webchat", "asked twice", 0)

        console.handovers.take(conversation, "ana")
        # Held: the citizen's message is stored for the advisor, and the bot is silent.
        web.send(PENSION)
        assert web.silent(8)
        wait_until(lambda: any(e["event"] == "user" and e.get("text") == PENSION
                               for e in _events(assistant, conversation)),
                   "the held message stored")

        status, body = console.post(conversation, "advisor_message",
                                    {"advisor": "ana", "text": "Hello, this is Ana from NSSA."})
        assert (status, body["status"]) == (200, "ok")
        assert web.read_until("this is Ana") == ["Hello, this is Ana from NSSA."]
        [stored] = [e for e in _events(assistant, conversation)
                    if e["event"] == "bot" and e.get("text") == "Hello, this is Ana from NSSA."]
        assert stored["metadata"]["advisor"] == "ana"

        # Only the holder writes or hands back.
        assert console.post(conversation, "advisor_message",
                            {"advisor": "ben", "text": "hi"})[0] == 409
        assert console.post(conversation, "hand_back", {"advisor": "ben"})[0] == 409
        assert console.post(conversation, "advisor_message", {"advisor": "ana"})[0] == 400

        status, _ = console.post(conversation, "hand_back", {"advisor": "ana"})
        assert status == 200
        assert HANDED_BACK in web.read_until(HANDED_BACK)[-1]
        assert console.handovers.holder(conversation) is None
        # The assistant answers again, in the same conversation.
        assert any(PAID in t for t in web.say(PENSION, until=PAID))
        said = [e.get("text") or "" for e in _events(assistant, conversation)
                if e["event"] in ("user", "bot")]
        assert said.index(CONNECT) < said.index("Hello, this is Ana from NSSA.") < said.index(
            next(t for t in said if HANDED_BACK in t))
    finally:
        web.close()


def test_telegram_advisor_takes_talks_and_hands_back(live: Any) -> None:
    _, console, telegram, _ = live
    console.handovers.set_present("ana", True)
    chat = next(_chats)
    telegram.say(chat, "/start")
    telegram.say(chat, ASK_PERSON)
    offer = texts(telegram.say(chat, ASK_PERSON))
    assert CONNECT in offer and QUEUE in offer
    [waiting] = [h for h in console.handovers.queue() if h.channel == "telegram"]
    conversation = waiting.sender_id

    console.handovers.take(conversation, "ana")
    assert telegram.say(chat, PENSION) == []  # stored, not answered

    status, _ = console.post(conversation, "advisor_message",
                             {"advisor": "ana", "text": "Ana here. How can I help?"})
    assert status == 200
    assert texts(telegram.sent(chat)[-1:]) == "Ana here. How can I help?"

    status, _ = console.post(conversation, "hand_back", {"advisor": "ana"})
    assert status == 200 and HANDED_BACK in texts(telegram.sent(chat)[-1:])
    assert PAID in texts(telegram.say(chat, PENSION))


def test_the_advisor_asks_the_citizen_to_confirm_who_they_are(live: Any) -> None:
    assistant, console, _, _ = live
    console.handovers.set_present("ana", True)
    web = WebChat(assistant)
    try:
        web.say(ASK_PERSON, until="talk to a person")
        web.say(ASK_PERSON, until=QUEUE)
        conversation = web.session_id
        console.handovers.take(conversation, "ana")
        status, _ = console.post(conversation, "verify_identity", {"advisor": "ana"})
        assert status == 200
        asked = web.read_until("national ID number")
        assert any("Your advisor has asked me to confirm who you are" in t for t in asked)
        web.say(ANNA[0], until="date of birth")
        assert any("You have confirmed who you are" in t
                   for t in web.say(ANNA[1], until="confirmed who you are"))
        # The reply reaches the browser before the turn's events are stored.
        def verified() -> bool:
            slots = assistant.tracker(conversation)["slots"]
            return (slots.get("identity_level") or 0) >= 1 and bool(slots.get("person_id"))

        wait_until(verified, "the confirmed identity stored in the conversation")
        # Still held: the next message is the advisor's to answer.
        web.send("thank you")
        assert web.silent(5)
    finally:
        web.close()


def test_a_conversation_moved_to_telegram_is_one_conversation_for_the_advisor(
    live: Any,
) -> None:
    assistant, console, telegram, _ = live
    console.handovers.set_present("ana", True)
    web = WebChat(assistant)
    try:
        web.say(PENSION, until=PAID)
        said = "\n".join(web.say("continue on my phone", until="Your code is"))
        [code] = re.findall(r"Your code is ([A-Z0-9]{6})\.", said)
        conversation = web.session_id
    finally:
        web.close()
    chat = next(_chats)
    telegram.say(chat, code)
    telegram.say(chat, ASK_PERSON)
    assert CONNECT in texts(telegram.say(chat, ASK_PERSON))
    # The web chat's conversation, now on Telegram: one hand-over, its whole history.
    waiting = console.handovers.get(conversation)
    assert waiting is not None and waiting.channel == "telegram"
    console.handovers.take(conversation, "ana")
    assert console.post(conversation, "advisor_message",
                        {"advisor": "ana", "text": "I can see your pension question."})[0] == 200
    assert texts(telegram.sent(chat)[-1:]) == "I can see your pension question."
    users = [e.get("text") for e in _events(assistant, conversation) if e["event"] == "user"]
    assert PENSION in users and ASK_PERSON in users
    assert console.post(conversation, "hand_back", {"advisor": "ana"})[0] == 200


def test_no_advisor_present_gets_the_outside_hours_offer(live: Any) -> None:
    assistant, console, _, _ = live
    for name in ("ana", "ben"):
        console.handovers.set_present(name, False)
    web = WebChat(assistant)
    try:
        web.say(ASK_PERSON, until="talk to a person")
        offer = web.say(ASK_PERSON, until=OUTSIDE_HOURS)
        assert CONNECT not in "\n".join(offer)
        assert console.handovers.get(web.session_id) is None
    finally:
        web.close()


def test_sms_always_gets_the_outside_hours_offer(live: Any) -> None:
    assistant, console, _, twilio = live
    console.handovers.set_present("ana", True)
    phone = Phone(assistant, twilio, f"+47400{next(_phones):05d}")
    phone.text(ASK_PERSON)
    offer = "\n".join(phone.text(ASK_PERSON))
    assert OUTSIDE_HOURS in offer and CONNECT not in offer
    assert not [h for h in console.handovers.queue() if h.channel == "sms"]


def test_nobody_takes_it_within_10_minutes(live: Any) -> None:
    assistant, console, _, _ = live
    console.handovers.set_present("ana", True)
    web = WebChat(assistant)
    try:
        web.say(ASK_PERSON, until="talk to a person")
        web.say(ASK_PERSON, until=QUEUE)
        conversation = web.session_id
        tell = tell_expired(assistant.settings)
        # The worker's job, its clock 9 minutes on: nothing yet.
        nine = asyncio.run(expire_handovers(console.handovers, tell,
                                            now=utcnow() + timedelta(minutes=9)))
        assert console.handovers.position(conversation) is not None and nine == 0
        told = asyncio.run(expire_handovers(console.handovers, tell,
                                            now=utcnow() + timedelta(minutes=10, seconds=1)))
        assert told >= 1
        said = web.read_until(OUTSIDE_HOURS)
        assert any(NONE_FREE in t for t in said)
        assert console.handovers.get(conversation) is None
        assert [h.state for h in console.handovers.history(sender_id=conversation)] == ["expired"]
    finally:
        web.close()


def test_the_advisor_routes_need_the_api_token(live: Any) -> None:
    assistant, console, _, _ = live
    console.handovers.set_present("ana", True)
    web = WebChat(assistant)
    try:
        web.say(ASK_PERSON, until="talk to a person")
        web.say(ASK_PERSON, until=QUEUE)
        conversation = web.session_id
        console.handovers.take(conversation, "ana")
        base = (f"{assistant.settings.rasa_url}/webhooks/internal/conversations/"
                f"{quote(conversation, safe='')}/")
        body = json.dumps({"advisor": "ana", "text": "a forged message"}).encode()
        for route in ("advisor_message", "verify_identity", "hand_back"):
            for headers, expected in (({}, 401),
                                      ({"Authorization": "Bearer wrong-token-0123456789ab"}, 403)):
                request = urllib.request.Request(
                    base + route, data=body,
                    headers={"Content-Type": "application/json", **headers})
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(request, timeout=30)
                assert refused.value.code == expected, route
        assert web.silent(3)
        assert console.handovers.holder(conversation) == "ana"
        assert not any(e.get("text") == "a forged message"
                       for e in _events(assistant, conversation))
    finally:
        web.close()
