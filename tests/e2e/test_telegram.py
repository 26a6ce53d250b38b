"""Telegram end to end: the real Rasa server and action server, the fake Bot API.

Rasa opens the Telegram channel because the settings have a token and a
secret (bot/channels_config.py); its Bot API calls go to the fake on
loopback (NSSA_TELEGRAM_API_URL), which runs in a thread of this process.
Updates are POSTed to the Rasa server as Telegram would, with the secret.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from channels.telegram import SECRET_HEADER
from tests.e2e.conftest import Assistant, run_assistant
from tests.fakes.telegram_api import SECRET, TOKEN, FakeTelegramApi, recorded

pytestmark = pytest.mark.e2e

HANDOVER = "I can't connect you with a person right now."
REFERENCE = re.compile(r"NSSA-\d{4}-\d{6}")
DECIDED = (
    "Your case NSSA-2026-000123 has been updated: A decision has been made. "
    "The letter is in My NSSA or on its way by post."
)

_update_ids = itertools.count(500_000_001)
_chats = itertools.count(610_000_001)


class Telegram:
    """Telegram's side: POSTs updates to the assistant, reads what the fake API got."""

    def __init__(self, assistant: Assistant, api: FakeTelegramApi) -> None:
        self.assistant = assistant
        self.api = api
        self.url = f"{assistant.settings.rasa_url}/webhooks/telegram/webhook"

    def post(self, body: Any, secret: str = SECRET) -> Tuple[int, Dict[str, Any]]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url, data=raw,
            headers={"Content-Type": "application/json", SECRET_HEADER: secret},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def say(self, chat: int, text: str) -> List[Dict[str, Any]]:
        """Send a text message; the messages the bot sent to the chat in answer."""
        return self._answered(chat, recorded("message_text", update_id=next(_update_ids),
                                             chat_id=chat, text=text))

    def press(self, chat: int, data: str) -> List[Dict[str, Any]]:
        """Press a button (a callback query with its callback_data); the bot's answer."""
        body = recorded("callback_query", update_id=next(_update_ids), chat_id=chat, data=data)
        query_id = body["callback_query"]["id"] = f"cq-{body['update_id']}"
        answer = self._answered(chat, body)
        # Every callback query is answered (the button's spinner stops).
        assert {"callback_query_id": query_id} in self.api.calls("answerCallbackQuery")
        return answer

    def _answered(self, chat: int, body: Dict[str, Any]) -> List[Dict[str, Any]]:
        before = len(self.sent(chat))
        status, answer = self.post(body)
        assert (status, answer) == (200, {"status": "handled"})
        return self.sent(chat)[before:]

    def sent(self, chat: int) -> List[Dict[str, Any]]:
        return [c for c in self.api.calls("sendMessage") if c.get("chat_id") == chat]


@pytest.fixture(scope="module")
def telegram(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Telegram]:
    """The assistant with the Telegram channel open, talking to the fake Bot API."""
    var = tmp_path_factory.mktemp("var-telegram")
    api = FakeTelegramApi(TOKEN)
    with api.in_thread():
        for assistant in run_assistant(
            var, model, f"sqlite:///{var / 'nssa.db'}",
            # The reference CMS delivers its events every second (proactive notices).
            backend_env={"NSSA_CMS_DELIVERY_INTERVAL": "1", "NSSA_CMS_RETRY_BASE_SECONDS": "1"},
            settings_env={
                "NSSA_TELEGRAM_TOKEN": TOKEN,
                "NSSA_TELEGRAM_SECRET": SECRET,
                "NSSA_TELEGRAM_API_URL": api.url,
            },
        ):
            from bot.notices import subscribe

            asyncio.run(subscribe(assistant.settings))
            yield Telegram(assistant, api)


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


def keyboard(message: Dict[str, Any]) -> List[Tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def test_a_question_gets_its_handbook_answer(telegram: Telegram) -> None:
    chat = next(_chats)
    answer = telegram.say(chat, "on what date is the pension paid in june 2026")
    assert "Friday 19 June" in texts(answer)
    # Stored under an opaque conversation id: the chat id is nowhere in the events.
    import sqlalchemy as sa

    engine = sa.create_engine(telegram.assistant.settings.database_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT sender_id, data FROM events")).all()
    engine.dispose()
    asked = [r for r in rows if "on what date is the pension paid in june 2026" in r[1]]
    assert len(asked) == 1 and asked[0][0].startswith("telegram-")
    assert not any(str(chat) in sender + data for sender, data in rows)


def test_the_apps_language_answers_a_first_message_that_says_too_little(
    telegram: Telegram,
) -> None:
    chat = next(_chats)
    body = recorded("message_text", update_id=next(_update_ids), chat_id=chat, text="ok")
    body["message"]["from"]["language_code"] = "pl"
    answer = texts(telegram._answered(chat, body))
    assert answer.startswith("Witamy w Asystencie NSSA"), answer
    # The same chat writes English sentences later: the language follows the text.
    assert "Friday 19 June" in texts(telegram.say(chat, "on what date is the pension paid in june"))


def test_start_greets_with_the_privacy_notice(telegram: Telegram) -> None:
    chat = next(_chats)
    body = recorded("start", update_id=next(_update_ids), chat_id=chat)
    assert telegram.post(body) == (200, {"status": "handled"})
    answer = texts(telegram.sent(chat))
    assert "How can we help you today?" in answer
    assert "We keep this conversation for 90 days" in answer


def test_a_request_through_buttons_opens_one_case(telegram: Telegram) -> None:
    chat = next(_chats)
    first = telegram.say(chat, "i want to talk to a real person")
    assert HANDOVER not in texts(first)
    offer = telegram.say(chat, "let me speak to an advisor please")
    assert HANDOVER in texts(offer)
    buttons = keyboard(offer[-1])
    assert [title for title, _ in buttons] == ["Call me back", "No thanks"]
    # "Call me back" as a callback query starts the call-back request.
    asked = telegram.press(chat, dict(buttons)["Call me back"])
    assert "name" in texts(asked).lower()
    for text in ("Erik Dahl", "0412 345 678", "2"):
        telegram.say(chat, text)
    summary = telegram.say(chat, "a question about my pension")
    assert "Is this correct?" in texts(summary)
    assert [t for t, _ in keyboard(summary[-1])] == ["Yes, send it", "No, change something"]
    sent = telegram.press(chat, dict(keyboard(summary[-1]))["Yes, send it"])
    reference = REFERENCE.search(texts(sent))
    assert reference, texts(sent)
    cases = [row for row in telegram.assistant.cms_cases() if row[0] == reference.group()]
    assert len(cases) == 1 and cases[0][2] == "callback_request"


def test_a_replayed_update_is_answered_once(telegram: Telegram) -> None:
    chat = next(_chats)
    body = recorded("message_text", update_id=next(_update_ids), chat_id=chat,
                    text="when will my pension be paid in december")
    assert telegram.post(body) == (200, {"status": "handled"})
    answered = len(telegram.sent(chat))
    assert "Friday 18 December" in texts(telegram.sent(chat))
    assert telegram.post(body) == (200, {"status": "duplicate"})
    assert telegram.post(body) == (200, {"status": "duplicate"})
    assert len(telegram.sent(chat)) == answered


def test_forged_and_malformed_updates_are_refused_and_the_server_lives(
    telegram: Telegram,
) -> None:
    chat = next(_chats)
    body = recorded("message_text", update_id=next(_update_ids), chat_id=chat)
    assert telegram.post(body, secret="not-the-secret-0123456789")[0] == 403
    for raw in (b"{", b"[]", b'{"update_id": "x"}'):
        assert telegram.post(raw)[0] == 400
    # An update it cannot use is acknowledged (Telegram would deliver it again for a day).
    assert telegram.post(b'{"update_id": 1, "message": 5}') == (200, {"status": "bad_update"})
    assert telegram.sent(chat) == []
    # The refused update was not taken as seen: with the secret it is answered.
    assert telegram.post(body) == (200, {"status": "handled"})
    assert telegram.sent(chat)
    with urllib.request.urlopen(f"{telegram.assistant.settings.rasa_url}/") as response:
        assert response.status == 200


def test_a_photo_gets_a_polite_answer(telegram: Telegram) -> None:
    chat = next(_chats)
    body = recorded("photo", update_id=next(_update_ids), chat_id=chat)
    assert telegram.post(body) == (200, {"status": "unsupported"})
    assert "only read text" in texts(telegram.sent(chat))


def test_a_proactive_notice_reaches_the_telegram_chat(telegram: Telegram) -> None:
    chat = next(_chats)
    telegram.say(chat, "check my case")
    telegram.say(chat, "85031212345")
    telegram.say(chat, "12.03.1985")
    telegram.say(chat, "all")
    # A case worker decides the case; the CMS posts the event to the cms_events
    # channel, which sends the notice through this channel's output channel.
    env = {"NSSA_CMS_DATABASE_URL":
           f"sqlite:///{telegram.assistant.settings.var_dir / 'cms' / 'cms.db'}",
           "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "-m", "backends.cms", "admin", "set-status", "NSSA-2026-000123",
         "decided"], capture_output=True, text=True, env=env, check=True, timeout=60,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and DECIDED not in texts(telegram.sent(chat)):
        time.sleep(0.5)
    assert texts(telegram.sent(chat)).count(DECIDED) == 1
