"""The Telegram channel in a real Sanic server, on a real store, against the fake Bot API.

The Rasa agent is replaced by a small handler that records each UserMessage
and answers through the message's output channel, so what reaches Rasa and
what reaches Telegram are both seen. Recorded updates: tests/data/telegram.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from pathlib import Path
from typing import Any, AsyncIterator, List, Optional, Tuple

import httpx
import pytest
from click.testing import CliRunner
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.store.schema import upgrade
from bot.store.store import Store
from channels.common import CONTINUED_MESSAGE, RATE_LIMITED_REPLY, Gate
from channels.telegram import (
    EDITED_REPLY,
    EXPIRED_BUTTON_REPLY,
    PRIVATE_ONLY_REPLY,
    SECRET_HEADER,
    SORRY_REPLY,
    UNKNOWN_COMMAND_REPLY,
    UNSUPPORTED_REPLY,
    TelegramInput,
)
from channels.telegram_text import Pacer
from tests.conftest import free_port
from tests.fakes.telegram_api import FakeTelegramApi, recorded
from tests.polling import eventually

TOKEN = "123456:TEST-token"
SECRET = "test-telegram-secret-0123456789"
CHAT = 111222333
LONG_PAYLOAD = '/choose_slot{"slot": "2026-12-01T09:00", "office": "Harbour Street office"}'

_apps = itertools.count(1)
# Several Sanic apps start in this process: Sanic's test mode lets each one
# patch its methods from the originals (and allows the many app names).
Sanic.test_mode = True
_update_ids = itertools.count(900_000_001)


class FakeRasa:
    """Records what Rasa would get; answers through the output channel like the agent."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []
        self.delay = 0.0

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await asyncio.sleep(self.delay)
        out, sender = message.output_channel, message.sender_id
        if message.text == "buttons":
            await out.send_response(sender, {"text": "Pick one", "buttons": [
                {"title": "Yes", "payload": "1"},
                {"title": "Harbour, 1 December 09:00", "payload": LONG_PAYLOAD},
            ]})
        elif message.text == "long":
            await out.send_response(sender, {"text": "\n\n".join(["x" * 4000] * 3),
                                             "buttons": [{"title": "OK", "payload": "/affirm"}]})
        elif message.text == "boom":
            raise RuntimeError("the agent failed")
        else:
            await out.send_response(sender, {"text": f"You said: {message.text}"})

    @property
    def texts(self) -> List[str]:
        return [m.text or "" for m in self.messages]


class Server:
    """The channel's blueprint in a Sanic server on a free port."""

    def __init__(self, channel: TelegramInput, rasa: FakeRasa, api: FakeTelegramApi) -> None:
        self.channel, self.rasa, self.api = channel, rasa, api
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhooks/telegram"
        self._server: Any = None

    async def start(self) -> None:
        app = Sanic(f"telegram_test_{next(_apps)}")
        app.blueprint(self.channel.blueprint(self.rasa), url_prefix="/webhooks/telegram")
        self._server = await app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
        )
        await self._server.startup()

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def post(self, body: Any, *, secret: Optional[str] = SECRET,
                   timeout: float = 30) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        async with httpx.AsyncClient(timeout=timeout) as client:
            return await client.post(f"{self.url}/webhook", content=raw, headers=headers)

    async def send(self, name: str, **changes: Any) -> httpx.Response:
        """A recorded update with a fresh update_id."""
        return await self.post(recorded(name, update_id=next(_update_ids), **changes))


def make_channel(database_url: str, api: FakeTelegramApi, **options: Any) -> TelegramInput:
    return TelegramInput(
        TOKEN, SECRET, api_url=api.url, store=Store(database_url),
        gate=options.pop("gate", Gate(2000, 100)), pacer=options.pop("pacer", Pacer(0.01)),
        **options,
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramApi]:
    fake = FakeTelegramApi(TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'nssa.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def server(sqlite_url: str, api: FakeTelegramApi) -> AsyncIterator[Server]:
    running = Server(make_channel(sqlite_url, api), FakeRasa(), api)
    await running.start()
    yield running
    await running.stop()


async def test_health(server: Server) -> None:
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"{server.url}/")
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}


class TestRefused:
    @pytest.mark.parametrize("secret", [None, "", "wrong-secret-0123456789", SECRET + "x"])
    async def test_without_the_secret_403_and_nothing_happens(
        self, server: Server, secret: Optional[str]
    ) -> None:
        reply = await server.post(recorded("message_text"), secret=secret)
        assert reply.status_code == 403
        assert server.rasa.messages == [] and server.api.records == []
        # Not even recorded as seen: the real delivery with the secret still goes through.
        assert (await server.post(recorded("message_text"))).status_code == 200
        assert len(server.rasa.messages) == 1

    @pytest.mark.parametrize(
        "body",
        [b"", b"not json", b"\xff\xfe\x00", b"[]", b"null", b'{"message": {}}',
         b'{"update_id": "1"}'],
    )
    async def test_malformed_bodies_get_400_and_the_server_lives(
        self, server: Server, body: bytes
    ) -> None:
        reply = await server.post(body)
        assert reply.status_code == 400 and reply.json()["status"] == "bad_request"
        assert server.rasa.messages == []
        assert (await server.send("message_text")).status_code == 200

    @pytest.mark.parametrize(
        "body",
        [b'{"update_id": 5, "message": {"text": "hi"}}',
         b'{"update_id": 6, "callback_query": {"id": "1"}}'],
    )
    async def test_unusable_updates_are_acknowledged_not_redelivered(
        self, server: Server, body: bytes
    ) -> None:
        # Telegram delivers again after any answer but 2xx: a bad update gets 200.
        reply = await server.post(body)
        assert reply.status_code == 200 and reply.json()["status"] == "bad_update"
        assert server.rasa.messages == []
        assert (await server.send("message_text")).status_code == 200

    async def test_a_huge_body_gets_413(self, server: Server) -> None:
        reply = await server.post(b'{"update_id": 1, "x": "' + b"a" * 1_100_000 + b'"}')
        assert reply.status_code == 413 and server.rasa.messages == []


class TestText:
    async def test_a_question_reaches_rasa_as_the_chats_conversation(self, server: Server) -> None:
        reply = await server.send("message_text")
        assert reply.status_code == 200 and reply.json() == {"status": "handled"}
        [message] = server.rasa.messages
        assert message.text == "When is my pension paid?"
        assert message.input_channel == "telegram"
        conversation = server.channel.store.identities.conversation_for("telegram", str(CHAT))
        assert message.sender_id == conversation and conversation.startswith("telegram-")
        # Privacy: no chat id, name or username reaches Rasa.
        seen = json.dumps([message.sender_id, message.metadata, message.message_id])
        assert str(CHAT) not in seen and "anna" not in seen.lower()
        assert server.api.texts(CHAT) == ["You said: When is my pension paid?"]

    async def test_each_chat_has_its_own_conversation(self, server: Server) -> None:
        await server.send("message_text", chat_id=1001)
        await server.send("message_text", chat_id=1002)
        await server.send("message_text", chat_id=1001)
        first, second, third = (m.sender_id for m in server.rasa.messages)
        assert first == third != second

    async def test_odd_unicode_arrives_cleaned(self, server: Server) -> None:
        await server.send("odd_unicode")
        [message] = server.rasa.messages
        assert message.text is not None
        assert not any(ch in message.text for ch in "\u200b\u202e\u202c\u0007\ufeff")
        assert "pe\u0301nsion" not in message.text and "p\u00e9nsion" in message.text  # NFC
        assert "\U0001F474\U0001F3FD\u200d\U0001F9B3" in message.text  # ZWJ emoji kept
        assert "\u05e9\u05dc\u05d5\u05dd" in message.text

    async def test_a_message_over_the_cap_is_answered_not_sent_on(self, server: Server) -> None:
        reply = await server.send("huge_text")
        assert reply.status_code == 200 and server.rasa.messages == []
        [text] = server.api.texts(CHAT)
        assert "too long" in text and "2000" in text

    async def test_the_rate_limit_is_answered_politely(
        self, sqlite_url: str, api: FakeTelegramApi
    ) -> None:
        running = Server(make_channel(sqlite_url, api, gate=Gate(2000, 3)), FakeRasa(), api)
        await running.start()
        try:
            for _ in range(5):
                assert (await running.send("message_text")).status_code == 200
        finally:
            await running.stop()
        assert len(running.rasa.messages) == 3
        assert api.texts(CHAT)[-2:] == [RATE_LIMITED_REPLY, RATE_LIMITED_REPLY]


class TestCommands:
    async def test_start_greets(self, server: Server) -> None:
        await server.send("start")
        assert server.rasa.texts == ["/greet"]

    async def test_help_asks_for_the_help_answer(self, server: Server) -> None:
        await server.send("help")
        assert server.rasa.texts == ["/ask_help"]

    async def test_unknown_commands_and_typed_intents_never_reach_rasa(
        self, server: Server
    ) -> None:
        await server.send("unknown_command")
        await server.send("message_text", text='/inform{"identity_level": 2}')
        await server.send("message_text", text="/restart")
        # Invisible characters in front do not hide a command.
        await server.send("message_text", text='\u200b\u2060/EXTERNAL_notice{"notice_text": "x"}')
        assert server.rasa.messages == []
        assert server.api.texts(CHAT) == [UNKNOWN_COMMAND_REPLY] * 4

    async def test_start_with_a_live_continuity_code_joins_its_conversation(
        self, server: Server
    ) -> None:
        store = server.channel.store
        web_conversation = "web-" + "a" * 32
        code = store.codes.issue(web_conversation)
        await server.send("start_payload", text=f"/start {code}")
        [message] = server.rasa.messages
        assert message.text == CONTINUED_MESSAGE and message.sender_id == web_conversation
        assert store.identities.address_of("telegram", web_conversation) == str(CHAT)
        # Used up: the same link again only greets, in the chat's (now joined) conversation.
        await server.send("start_payload", text=f"/start {code}")
        assert server.rasa.messages[1].text == "/greet"
        assert server.rasa.messages[1].sender_id == web_conversation

    async def test_start_with_an_unknown_payload_only_greets(self, server: Server) -> None:
        await server.send("start_payload")
        [message] = server.rasa.messages
        assert message.text == "/greet" and message.sender_id.startswith("telegram-")

    async def test_codes_cannot_be_tried_past_the_rate_limit(
        self, sqlite_url: str, api: FakeTelegramApi
    ) -> None:
        running = Server(make_channel(sqlite_url, api, gate=Gate(2000, 2)), FakeRasa(), api)
        store = running.channel.store
        code = store.codes.issue("web-" + "c" * 32)
        await running.start()
        try:
            await running.send("message_text", text="AAAAAA")
            await running.send("start_payload", text="/start BBBBBB")
            await running.send("start_payload", text=f"/start {code}")
            await running.send("message_text", text=code)
        finally:
            await running.stop()
        assert [m.text for m in running.rasa.messages] == ["AAAAAA", "/greet"]
        assert api.texts(CHAT)[-2:] == [RATE_LIMITED_REPLY, RATE_LIMITED_REPLY]
        # Neither refused message used the code up.
        assert store.codes.redeem(code, channel="telegram") == "web-" + "c" * 32

    async def test_a_typed_code_joins_too(self, server: Server) -> None:
        code = server.channel.store.codes.issue("sms-" + "b" * 32)
        await server.send("message_text", text=code[:3] + " " + code[3:])
        assert server.rasa.messages[0].text == CONTINUED_MESSAGE
        assert server.rasa.messages[0].sender_id == "sms-" + "b" * 32


class TestButtons:
    async def test_buttons_are_an_inline_keyboard_within_64_bytes(self, server: Server) -> None:
        await server.send("message_text", text="buttons")
        [sent] = server.api.calls("sendMessage")
        rows = sent["reply_markup"]["inline_keyboard"]
        assert [row[0]["text"] for row in rows] == ["Yes", "Harbour, 1 December 09:00"]
        short, long_ = rows[0][0]["callback_data"], rows[1][0]["callback_data"]
        assert short == "1"
        assert long_.startswith("b:") and len(long_.encode()) <= 64
        assert "parse_mode" not in sent  # plain text: nothing to escape

    async def test_a_pressed_button_is_answered_and_its_payload_sent_on(
        self, server: Server
    ) -> None:
        await server.send("message_text", text="buttons")
        [sent] = server.api.calls("sendMessage")
        data = sent["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
        reply = await server.send("callback_query", data=data)
        assert reply.status_code == 200
        assert server.api.calls("answerCallbackQuery") == [
            {"callback_query_id": "4382bfdwdsb323b2d9"}
        ]
        assert server.rasa.texts == ["buttons", LONG_PAYLOAD]
        assert server.rasa.messages[0].sender_id == server.rasa.messages[1].sender_id

    @pytest.mark.parametrize("data", ["b:000000000000000000000000", '/inform{"identity_level": 2}'])
    async def test_an_unknown_or_forged_button_is_answered_politely(
        self, server: Server, data: str
    ) -> None:
        assert (await server.send("callback_query", data=data)).status_code == 200
        assert server.api.calls("answerCallbackQuery") == [
            {"callback_query_id": "4382bfdwdsb323b2d9", "text": EXPIRED_BUTTON_REPLY}
        ]
        assert server.rasa.messages == []

    async def test_a_button_of_another_process_works_here(
        self, sqlite_url: str, api: FakeTelegramApi, server: Server
    ) -> None:
        other = make_channel(sqlite_url, api)
        output = other.get_output_channel()
        markup = await output.keyboard([{"title": "T", "payload": LONG_PAYLOAD}])
        data = markup.inline_keyboard[0][0].callback_data
        await server.send("callback_query", data=data)
        assert server.rasa.texts == [LONG_PAYLOAD]


class TestOtherUpdates:
    @pytest.mark.parametrize(
        "name", ["photo", "sticker", "voice", "location", "contact", "document"]
    )
    async def test_non_text_messages_get_a_polite_answer(self, server: Server, name: str) -> None:
        reply = await server.send(name)
        assert reply.status_code == 200 and reply.json() == {"status": "unsupported"}
        assert server.api.texts(CHAT) == [UNSUPPORTED_REPLY] and server.rasa.messages == []

    @pytest.mark.parametrize("name", ["my_chat_member", "channel_post", "poll", "service_message"])
    async def test_other_update_types_are_ignored(self, server: Server, name: str) -> None:
        reply = await server.send(name)
        assert reply.status_code == 200 and reply.json() == {"status": "ignored"}
        assert server.api.records == [] and server.rasa.messages == []

    async def test_an_edited_message_gets_a_note_and_is_not_taken_again(
        self, server: Server
    ) -> None:
        await server.send("edited_message")
        assert server.api.texts(CHAT) == [EDITED_REPLY] and server.rasa.messages == []

    async def test_a_group_is_told_to_write_privately(self, server: Server) -> None:
        await server.send("group_message")
        assert server.api.texts(-987654321) == [PRIVATE_ONLY_REPLY]
        assert server.rasa.messages == []


class TestReplies:
    async def test_a_long_reply_is_split_paced_and_keeps_its_buttons_last(
        self, sqlite_url: str, api: FakeTelegramApi
    ) -> None:
        class Departures(Pacer):
            """Notes when each message may leave (its slot), as the pacer gives it."""

            def __init__(self) -> None:
                super().__init__(1.0)
                self.at: List[float] = []

            async def wait(self, chat: str) -> None:
                await super().wait(chat)
                self.at.append(time.monotonic())

        pacer = Departures()
        running = Server(make_channel(sqlite_url, api, pacer=pacer), FakeRasa(), api)
        await running.start()
        try:
            await running.send("message_text", text="long")
        finally:
            await running.stop()
        sent = api.calls("sendMessage")
        assert [len(s["text"]) for s in sent] == [4000, 4000, 4000]
        assert [bool(s.get("reply_markup")) for s in sent] == [False, False, True]
        # Paced where the messages leave: on a loaded machine a slow first
        # request can reach the fake API late, closer to the next one.
        assert len(pacer.at) == 3
        assert all(b - a >= 0.95 for a, b in zip(pacer.at, pacer.at[1:], strict=False))

    async def test_retry_after_is_waited_out(self, server: Server) -> None:
        server.api.fail("sendMessage", 429, retry_after=1)
        assert (await server.send("message_text")).status_code == 200
        times = server.api.times("sendMessage")
        assert len(times) == 2 and times[1] - times[0] >= 0.95
        assert server.api.texts(CHAT) == ["You said: When is my pension paid?"] * 2

    async def test_server_errors_are_retried(self, server: Server) -> None:
        server.api.fail("sendMessage", 502, times=2)
        assert (await server.send("message_text")).status_code == 200
        assert len(server.api.calls("sendMessage")) == 3

    async def test_a_blocked_bot_is_logged_not_raised(
        self, server: Server, caplog: pytest.LogCaptureFixture
    ) -> None:
        server.api.blocked.add(CHAT)
        reply = await server.send("message_text")
        assert reply.status_code == 200 and reply.json() == {"status": "handled"}
        assert len(server.api.calls("sendMessage")) == 1  # permanent: no retry
        assert "blocked" in caplog.text

    async def test_an_agent_failure_is_apologised_for_and_not_replayed(
        self, server: Server
    ) -> None:
        body = recorded("message_text", update_id=next(_update_ids), text="boom")
        reply = await server.post(body)
        assert reply.status_code == 200 and reply.json() == {"status": "failed"}
        assert server.api.texts(CHAT) == [SORRY_REPLY]
        assert (await server.post(body)).json() == {"status": "duplicate"}
        assert server.rasa.texts == ["boom"]

    async def test_a_turn_goes_on_when_telegram_hangs_up(self, server: Server) -> None:
        server.rasa.delay = 1.0
        body = recorded("message_text", update_id=next(_update_ids))
        with pytest.raises(httpx.TimeoutException):
            await server.post(body, timeout=0.3)
        await eventually(lambda: server.api.texts(CHAT), "the answer sent after the hang-up")
        assert server.api.texts(CHAT) == ["You said: When is my pension paid?"]
        # Telegram's redelivery after its timeout is the same update: dropped.
        assert (await server.post(body)).json() == {"status": "duplicate"}

    async def test_a_hang_up_while_the_update_id_is_recorded_loses_nothing(
        self, server: Server, monkeypatch
    ) -> None:
        webhooks = server.channel.store.webhooks
        recording = webhooks.first_time

        def slow_first_time(*args: Any, **kwargs: Any) -> bool:
            time.sleep(0.6)  # a busy database: Telegram's timeout comes first
            return recording(*args, **kwargs)

        monkeypatch.setattr(webhooks, "first_time", slow_first_time)
        body = recorded("message_text", update_id=next(_update_ids))
        with pytest.raises(httpx.TimeoutException):
            await server.post(body, timeout=0.2)
        await eventually(lambda: server.api.texts(CHAT), "the answer sent after the hang-up")
        assert server.api.texts(CHAT) == ["You said: When is my pension paid?"]
        # Recorded and told: Telegram's redelivery is a duplicate, not a second turn.
        assert (await server.post(body)).json() == {"status": "duplicate"}
        assert len(server.rasa.messages) == 1


class TestOutputChannel:
    async def test_it_reaches_any_conversation_with_a_chat(self, server: Server) -> None:
        store = server.channel.store
        conversation = store.identities.conversation_for("telegram", "555")
        output = server.channel.get_output_channel()
        await output.send_response(conversation, {"text": "Your case has been decided."})
        await output.send_text_message("telegram-unknown", "nobody")
        assert server.api.calls("sendMessage") == [
            {"chat_id": 555, "text": "Your case has been decided."}
        ]


async def test_the_store_failing_before_anything_happened_gets_503_then_the_retry_works(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    identities = server.channel.store.identities
    real = identities.conversation_for
    calls = {"n": 0}

    def flaky(channel: str, address: str) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(channel, address)

    monkeypatch.setattr(identities, "conversation_for", flaky)
    body = recorded("message_text", update_id=next(_update_ids))
    first = await server.post(body)
    assert first.status_code == 503 and server.rasa.messages == []
    second = await server.post(body)
    assert second.status_code == 200 and second.json() == {"status": "handled"}
    assert len(server.rasa.messages) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_replayed_update_is_handled_once_across_processes_and_restarts(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, api: FakeTelegramApi
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'nssa.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    rasa = FakeRasa()
    update_id = next(_update_ids)
    body = recorded("message_text", update_id=update_id)
    statuses: List[Tuple[int, str]] = []
    # Two "processes" (each its own store and engine), then a "restart" of the first.
    for _ in range(3):
        running = Server(make_channel(url, api), rasa, api)
        await running.start()
        try:
            reply = await running.post(body)
            statuses.append((reply.status_code, reply.json()["status"]))
        finally:
            await running.stop()
    assert statuses == [(200, "handled"), (200, "duplicate"), (200, "duplicate")]
    assert len(rasa.messages) == 1 and len(api.calls("sendMessage")) == 1


class TestWebhookCommands:
    def run(self, api: FakeTelegramApi, *args: str, public_url: str = "https://nssa.example"
            ) -> Any:
        from bot.cli import cli

        env = {
            "NSSA_ENV_FILE": "/nonexistent",
            "NSSA_TELEGRAM_TOKEN": TOKEN,
            "NSSA_TELEGRAM_SECRET": SECRET,
            "NSSA_TELEGRAM_API_URL": api.url,
            "NSSA_PUBLIC_URL": public_url,
        }
        return CliRunner().invoke(cli, ["telegram", *args], env=env)

    def test_set_webhook_with_secret_allowed_updates_and_no_backlog(self) -> None:
        api = FakeTelegramApi(TOKEN)
        with api.in_thread():
            result = self.run(api, "set-webhook")
            info = self.run(api, "webhook-info")
            deleted = self.run(api, "delete-webhook")
        assert result.exit_code == 0, result.output + result.stderr
        assert "https://nssa.example/webhooks/telegram/webhook" in result.output
        [params] = api.calls("setWebhook")
        assert params == {
            "url": "https://nssa.example/webhooks/telegram/webhook",
            "secret_token": SECRET,
            "allowed_updates": ["message", "edited_message", "callback_query"],
            "drop_pending_updates": True,
        }
        assert "url = https://nssa.example/webhooks/telegram/webhook" in info.output
        assert deleted.exit_code == 0 and api.calls("deleteWebhook") == [
            {"drop_pending_updates": True}
        ]

    def test_a_refused_token_fails_with_a_message(self) -> None:
        api = FakeTelegramApi("999:other-token")
        with api.in_thread():
            result = self.run(api, "set-webhook", public_url="http://127.0.0.1:5005")
        assert result.exit_code == 2
        assert "https://" in result.stderr and "Telegram:" in result.stderr

    def test_without_token_it_names_the_settings(self) -> None:
        from bot.cli import cli

        result = CliRunner().invoke(
            cli, ["telegram", "set-webhook"], env={"NSSA_ENV_FILE": "/nonexistent",
                                                    "NSSA_TELEGRAM_TOKEN": ""},
        )
        assert result.exit_code == 2 and "NSSA_TELEGRAM_TOKEN" in result.stderr
