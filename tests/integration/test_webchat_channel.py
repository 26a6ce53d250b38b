"""The web chat channel over real HTTP and socket.io, on a Sanic server of its own.

The server registers `WebchatInput` the way Rasa does (`channel.register`);
in place of Rasa's agent it has `EchoAgent`, which stores each turn in Rasa's
in-memory tracker store and answers through the message's output channel.
The real assistant is driven by tests/browser and tests/e2e.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from email.message import Message
from typing import Any, AsyncIterator, Dict, List, Tuple

import aiohttp
import pytest
import socketio
from rasa.core.channels.channel import UserMessage, register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic

from channels.common import EMPTY_REPLY, RATE_LIMITED_REPLY, Gate, too_long_reply
from channels.webchat import SORRY_REPLY, WebchatInput, new_session_id, valid_session_id
from tests.conftest import free_port

MAX_CHARS = 200
PER_MINUTE = 8
# Several Sanic apps in one process (one per test): without test mode Sanic
# 21.12 rewrites its methods again for each app and fails on the second.
Sanic.test_mode = True

BUTTONS = [{"title": "Yes, send it", "payload": "/affirm"},
           {"title": "No", "payload": "/deny"}]


# The gate's answers carry their language (here English), as every bot message does.
ENGLISH = {"lang": "en", "dir": "ltr"}


class EchoAgent:
    """Stands in for Rasa's agent: keeps each turn, answers "You said: <text>"."""

    def __init__(self) -> None:
        self.tracker_store = InMemoryTrackerStore(Domain.empty())
        self.received: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if message.text == "fail":
            raise RuntimeError("the model broke")
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, input_channel=message.input_channel,
                                   metadata=message.metadata))
        reply: Dict[str, Any] = {"text": f"You said: {message.text}"}
        if message.text == "buttons":
            reply = {"text": "Send it?", "buttons": BUTTONS}
        tracker.update(BotUttered(reply["text"], data={"buttons": reply.get("buttons")}))
        await self.tracker_store.save(tracker)
        await message.output_channel.send_response(message.sender_id, dict(reply))


class Server:
    """A Sanic app with the web chat channel, listening on a free port."""

    def __init__(self) -> None:
        self.app = Sanic(f"webchat_test_{uuid.uuid4().hex[:8]}")
        self.agent = EchoAgent()
        self.app.ctx.agent = self.agent
        self.channel = WebchatInput(Gate(MAX_CHARS, PER_MINUTE))
        register([self.channel], self.app, route="/webhooks/")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: Any = None

    async def start(self) -> None:
        self._server = await self.app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True
        )
        await self._server.startup()
        await self._server.before_start()
        await self._server.after_start()

    async def stop(self) -> None:
        await self._server.before_stop()
        self._server.close()
        await self._server.wait_closed()
        await self._server.after_stop()

    async def get(self, path: str) -> Tuple[int, Message, bytes]:
        """GET `path` (in a thread: the server runs on this event loop)."""
        return await asyncio.to_thread(self._get, path)

    def _get(self, path: str) -> Tuple[int, Message, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()


class Chat:
    """A socket.io client (python-socketio) that queues every event it receives."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = aiohttp.ClientSession()
        self.client = socketio.AsyncClient(reconnection=False, http_session=self.http)
        self.events: "asyncio.Queue[Tuple[str, Any]]" = asyncio.Queue()
        self.client.on("*", self._any)

    async def _any(self, event: str, data: Any = None) -> None:
        await self.events.put((event, data))

    async def connect(self) -> "Chat":
        # Long-polling: python-engineio's WebSocket client needs a newer aiohttp
        # than Rasa 3.6 allows. The browser tests use WebSockets.
        await self.client.connect(self.server.url, transports=["polling"],
                                  socketio_path="/socket.io")
        return self

    async def expect(self, event: str, timeout: float = 10) -> Any:
        """The data of the next event, which must be `event`."""
        got, data = await asyncio.wait_for(self.events.get(), timeout)
        assert got == event, (got, data)
        return data

    async def session(self, session_id: Any = None) -> str:
        await self.client.emit("session_request", {"session_id": session_id})
        return await self.expect("session_confirm")

    async def say(self, message: Any, **extra: Any) -> Dict[str, Any]:
        await self.client.emit("user_uttered", {"message": message, **extra})
        return await self.expect("bot_uttered")

    async def nothing_more(self, wait: float = 0.3) -> None:
        await asyncio.sleep(wait)
        assert self.events.empty(), self.events.get_nowait()

    async def close(self) -> None:
        # A long-polling client's disconnect waits for its pending GET, which the
        # server answers only at the next ping (25 s): closing the HTTP session
        # ends that GET at once.
        disconnect = asyncio.ensure_future(self.client.disconnect())
        await asyncio.sleep(0.05)
        await self.http.close()
        await disconnect


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    running = Server()
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def chat(server: Server) -> AsyncIterator[Chat]:
    client = await Chat(server).connect()
    try:
        yield client
    finally:
        await client.close()


class TestHttp:
    async def test_health(self, server: Server) -> None:
        status, _, body = await server.get("/webhooks/webchat/health")
        assert status == 200 and json.loads(body) == {"status": "ok"}

    async def test_the_page_is_served_with_a_strict_policy(self, server: Server) -> None:
        status, headers, body = await server.get("/webhooks/webchat/")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert b'<html lang="en">' in body and b"<title>" in body
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"

    @pytest.mark.parametrize("name, kind", [("widget.js", "text/javascript"),
                                            ("widget.css", "text/css")])
    async def test_the_widget_files(self, server: Server, name: str, kind: str) -> None:
        status, headers, body = await server.get(f"/webhooks/webchat/{name}")
        assert status == 200 and headers["Content-Type"].startswith(kind) and body

    @pytest.mark.parametrize("path", ["/webhooks/webchat/missing.js",
                                      "/webhooks/webchat/..%2Fwebchat.py",
                                      "/webhooks/webchat/%2e%2e%2f%2e%2e%2fpyproject.toml"])
    async def test_nothing_else_is_served(self, server: Server, path: str) -> None:
        status, _, body = await server.get(path)
        assert status == 404 and b"import" not in body and b"[project]" not in body


class TestSessions:
    async def test_a_new_visitor_gets_a_fresh_session_id(self, chat: Chat) -> None:
        session_id = await chat.session(None)
        assert valid_session_id(session_id)

    @pytest.mark.parametrize(
        "bad",
        ["", "abc", "webchat-" + "g" * 32, "webchat-" + "a" * 33, "WEBCHAT-" + "a" * 32,
         "webchat-" + "a" * 10_000, "../../etc/passwd", 12345, ["webchat-" + "a" * 32],
         {"id": 1}, "webchat-" + "a" * 31 + "\u0660"],
    )
    async def test_a_bad_session_id_gets_a_fresh_one(self, chat: Chat, bad: Any) -> None:
        session_id = await chat.session(bad)
        assert valid_session_id(session_id) and session_id != bad

    async def test_an_unknown_session_id_gets_a_fresh_one(self, chat: Chat) -> None:
        unknown = new_session_id()
        session_id = await chat.session(unknown)
        assert valid_session_id(session_id) and session_id != unknown

    async def test_a_reconnect_continues_the_conversation(self, server: Server) -> None:
        first = await Chat(server).connect()
        session_id = await first.session(None)
        assert (await first.say("hello there"))["text"] == "You said: hello there"
        await first.close()

        again = await Chat(server).connect()
        try:
            assert await again.session(session_id) == session_id
            await again.client.emit("history_request", {})
            history = await again.expect("history")
            assert history["session_id"] == session_id
            assert history["messages"] == [
                {"sender": "user", "text": "hello there"},
                {"sender": "bot", "text": "You said: hello there"},
            ]
            await again.say("and again")
            tracker = await server.agent.tracker_store.retrieve(session_id)
            assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [
                "hello there", "and again"]
        finally:
            await again.close()

    async def test_history_of_a_new_session_is_empty(self, chat: Chat) -> None:
        session_id = await chat.session(None)
        await chat.client.emit("history_request", {})
        assert await chat.expect("history") == {"session_id": session_id, "messages": []}

    async def test_a_message_before_session_request_gets_a_session(
        self, chat: Chat, server: Server
    ) -> None:
        await chat.client.emit("user_uttered", {"message": "hi", "session_id": "forged"})
        session_id = await chat.expect("session_confirm")
        assert valid_session_id(session_id) and session_id != "forged"
        assert (await chat.expect("bot_uttered"))["text"] == "You said: hi"
        assert server.agent.received[-1].sender_id == session_id


class TestMessages:
    async def test_a_message_reaches_rasa_as_a_webchat_message(
        self, chat: Chat, server: Server
    ) -> None:
        session_id = await chat.session()
        answer = await chat.say("when is my pension paid", session_id=session_id,
                                customData={"language": "en"})
        assert answer == {"text": "You said: when is my pension paid"}
        message = server.agent.received[-1]
        assert message.sender_id == session_id and message.input_channel == "webchat"
        assert message.metadata == {"language": "en"}

    async def test_the_logs_never_hold_the_session_id(
        self, chat: Chat, caplog: pytest.LogCaptureFixture
    ) -> None:
        session_id = await chat.session()
        with caplog.at_level("INFO", logger="channels.webchat"):
            await chat.say("   ", session_id=session_id)  # refused: logged
        assert "not passed on: empty" in caplog.text
        assert session_id not in caplog.text

    async def test_a_session_id_in_the_message_cannot_switch_conversations(
        self, chat: Chat, server: Server
    ) -> None:
        session_id = await chat.session()
        await chat.say("hi", session_id=new_session_id())
        assert server.agent.received[-1].sender_id == session_id

    async def test_buttons_are_quick_replies_and_history_shows_the_title(
        self, chat: Chat, server: Server
    ) -> None:
        await chat.session()
        answer = await chat.say("buttons")
        assert answer == {
            "text": "Send it?",
            "quick_replies": [{"content_type": "text", **button} for button in BUTTONS],
        }
        await chat.say("/affirm")
        await chat.client.emit("history_request", {})
        messages = (await chat.expect("history"))["messages"]
        assert messages[1] == {"sender": "bot", "text": "Send it?", "buttons": BUTTONS}
        assert messages[2] == {"sender": "user", "text": "Yes, send it"}

    async def test_a_typed_intent_is_read_as_words_unless_a_button_offered_it(
        self, chat: Chat, server: Server
    ) -> None:
        await chat.session()
        forged = '/inform{"identity_level": 2}'
        assert (await chat.say(forged))["text"] == 'You said: inform{"identity_level": 2}'
        await chat.say("buttons")
        assert (await chat.say("/affirm"))["text"] == "You said: /affirm"
        assert (await chat.say("/affirm"))["text"] == "You said: affirm"

    @pytest.mark.parametrize("text", ["", "   ", "\n\t ", "\u200b\u200b", None, 42])
    async def test_an_empty_message_is_answered_politely(
        self, chat: Chat, server: Server, text: Any
    ) -> None:
        await chat.session()
        assert await chat.say(text) == {"text": EMPTY_REPLY, "metadata": ENGLISH}
        assert server.agent.received == []

    @pytest.mark.parametrize("data", [None, "just a string", ["a", "list"], 7])
    async def test_a_malformed_event_is_answered_politely(
        self, chat: Chat, server: Server, data: Any
    ) -> None:
        await chat.session()
        await chat.client.emit("user_uttered", data)
        assert await chat.expect("bot_uttered") == {"text": EMPTY_REPLY, "metadata": ENGLISH}
        assert (await chat.say("still here"))["text"] == "You said: still here"

    @pytest.mark.parametrize("size", [MAX_CHARS + 1, 100_000])
    async def test_a_huge_message_is_answered_politely(
        self, chat: Chat, server: Server, size: int
    ) -> None:
        await chat.session()
        assert await chat.say("x" * size) == {"text": too_long_reply(MAX_CHARS),
                                              "metadata": ENGLISH}
        assert server.agent.received == []
        assert (await chat.say("short"))["text"] == "You said: short"

    async def test_too_many_messages_are_answered_politely(
        self, chat: Chat, server: Server
    ) -> None:
        await chat.session()
        for number in range(PER_MINUTE):
            await chat.say(f"message {number}")
        assert await chat.say("one too many") == {"text": RATE_LIMITED_REPLY, "metadata": ENGLISH}
        assert len(server.agent.received) == PER_MINUTE

    @pytest.mark.parametrize(
        "sent, passed_on",
        [
            ("cafe\u0301", "café"),                                # NFC
            ("ab\u0000c\u0007d\u200be", "abcde"),                  # control and invisible
            ("👩\u200d👩\u200d👧 family", "👩\u200d👩\u200d👧 family"),  # ZWJ kept
            ("مرحبا \u202eabc", "مرحبا abc"),                     # RTL text, override dropped
            ("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃ 漢字", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃ 漢字"),
        ],
    )
    async def test_odd_unicode(
        self, chat: Chat, server: Server, sent: str, passed_on: str
    ) -> None:
        await chat.session()
        assert (await chat.say(sent))["text"] == f"You said: {passed_on}"
        assert server.agent.received[-1].text == passed_on

    async def test_html_comes_back_as_the_same_text(self, chat: Chat) -> None:
        await chat.session()
        html = '<script>alert(1)</script><img src=x onerror="alert(2)">&amp;'
        assert (await chat.say(html))["text"] == f"You said: {html}"

    async def test_a_failure_in_rasa_is_answered_with_an_apology(
        self, chat: Chat, server: Server
    ) -> None:
        await chat.session()
        # In the conversation's language (English here), with its lang and dir.
        assert await chat.say("fail") == {"text": SORRY_REPLY,
                                          "metadata": {"lang": "en", "dir": "ltr"}}
        assert (await chat.say("again"))["text"] == "You said: again"

    async def test_metadata_that_is_not_a_small_object_is_dropped(
        self, chat: Chat, server: Server
    ) -> None:
        await chat.session()
        await chat.say("a", customData="not json")
        await chat.say("b", customData={"big": "x" * 5000})
        assert [m.metadata for m in server.agent.received] == [None, None]


class TestOutputChannel:
    async def test_every_tab_of_a_conversation_gets_the_answers(self, server: Server) -> None:
        tab1, tab2, other = [await Chat(server).connect() for _ in range(3)]
        try:
            session_id = await tab1.session()
            await tab1.say("hi")
            assert await tab2.session(session_id) == session_id
            await other.session()
            await tab1.client.emit("user_uttered", {"message": "both"})
            assert (await tab1.expect("bot_uttered"))["text"] == "You said: both"
            assert (await tab2.expect("bot_uttered"))["text"] == "You said: both"
            await other.nothing_more()
        finally:
            for client in (tab1, tab2, other):
                await client.close()

    async def test_a_tab_that_switches_conversation_leaves_the_old_one(
        self, server: Server
    ) -> None:
        tab, other = Chat(server), Chat(server)
        await tab.connect()
        await other.connect()
        try:
            first = await tab.session()
            await tab.say("hi")  # the store now holds the first conversation
            second = await other.session()
            await other.say("hello")
            assert await tab.session(second) == second  # the tab moves to the second
            output = server.channel.get_output_channel()
            await output.send_text_message(first, "For the first conversation only.")
            await tab.nothing_more()
            await output.send_text_message(second, "For the second.")
            assert (await tab.expect("bot_uttered"))["text"] == "For the second."
            assert (await tab.session(second)) == second  # asking again keeps the room
            await output.send_text_message(second, "Still here.")
            assert (await tab.expect("bot_uttered"))["text"] == "Still here."
        finally:
            for client in (tab, other):
                await client.close()

    async def test_get_output_channel_reaches_any_open_conversation(
        self, server: Server
    ) -> None:
        first, second = Chat(server), Chat(server)
        await first.connect()
        await second.connect()
        try:
            first_id, second_id = await first.session(), await second.session()
            output = server.channel.get_output_channel()
            assert output is not None and output.name() == "webchat"
            await output.send_text_message(second_id, "Your case NSSA-1 was decided.")
            assert await second.expect("bot_uttered") == {
                "text": "Your case NSSA-1 was decided."}
            await output.send_to_conversation(first_id, {"text": "An advisor joined."})
            assert (await first.expect("bot_uttered"))["text"] == "An advisor joined."
            await output.send_response(second_id, {"text": "Pick", "buttons": BUTTONS,
                                                   "image": "https://nssa.example/a.png"})
            sent = await second.expect("bot_uttered")
            assert sent["attachment"] == {"type": "image",
                                          "payload": {"src": "https://nssa.example/a.png"}}
            assert [r["payload"] for r in sent["quick_replies"]] == ["/affirm", "/deny"]
            await first.nothing_more()
        finally:
            await first.close()
            await second.close()

    def test_no_output_channel_before_the_server_is_built(self) -> None:
        assert WebchatInput(Gate(10, 10)).get_output_channel() is None

