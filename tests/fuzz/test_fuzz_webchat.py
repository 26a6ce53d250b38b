"""Generated socket.io packets against the web chat, on a live server (the one live pass).

socket.io needs a connected session, so the channel runs in a Sanic server
on loopback and a python-socketio client sends the packets: raw socket.io
event packets (`42[...]`) whose JSON is shaped like the widget's events
(`session_request`, `user_uttered` with message, session_id, customData;
`history_request`; any other name) or is anything at all, nested far too
deep or too large. Every 100 packets an ordinary message must still get its
answer; no traceback may be logged; the connection stays up.

One traceback is python-engineio's own and is counted, not failed: a
long-polling POST whose payload holds engine.io's record separator (0x1E)
splits into a part that is no engine.io packet; engine.io logs "post
request handler error" with its traceback and answers 200, and the
connection goes on (the next check of every 100 proves it).
"""

from __future__ import annotations

import asyncio
import json
from typing import Iterator

import pytest
from hypothesis import given

from channels.common import Gate
from tests.fuzz.bodies import Maker, nested, seeds, text_or
from tests.fuzz.conftest import FUZZ, CrashWatch, Tally, Timer
from tests.integration.test_webchat_channel import Chat, Server

ENDPOINT = "Web chat socket.io /socket.io (live server, raw event packets)"
EVENTS = ["user_uttered", "user_uttered", "session_request", "history_request", "bot_uttered",
          "connect", "disconnect", "message"]
PAYLOAD = nested({
    "message": text_or("hello", "/affirm", "x" * 5000),
    "session_id": text_or("webchat-" + "0" * 32, "webchat-../../x", "rest-me"),
    "customData": lambda m: m.pick([{"language": m.pick(["en", "pl", m.text(5)])},
                                    json.dumps({"language": "uk"}), m.value()]),
})


def packet(maker: Maker) -> str:
    """One socket.io EVENT packet ("2" and its JSON), as the client sends it, or spoiled."""
    kind = maker.r.randrange(10)
    if kind < 7:
        event = maker.pick(EVENTS) if maker.chance(0.9) else maker.text(10)
        return "2" + json.dumps([event, PAYLOAD(maker) if maker.chance(0.8) else maker.value()])
    body = maker.body(PAYLOAD).decode("utf-8", "replace")
    return "2" + (f'["user_uttered", {body}]' if kind < 9 else body)


@pytest.fixture
def chat(loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch) -> Iterator[Chat]:
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "test_mode", True)
    server = Server()
    # No rate limit: 1,000 packets come from one sender. (Setting the gate's
    # per_minute no longer reaches its window, which counts on its own.)
    server.channel.gate = Gate(server.channel.gate.max_chars, 10**6)
    loop.run_until_complete(server.start())

    async def connected() -> Chat:
        return await Chat(server).connect()  # its session and queue belong to this loop

    client = loop.run_until_complete(connected())
    yield client
    loop.run_until_complete(client.close())
    loop.run_until_complete(server.stop())


async def answered(chat: Chat) -> bool:
    """Whether an ordinary message still gets its answer (events before it are skipped)."""
    await chat.client.emit("user_uttered", {"message": "still there?"})
    while True:
        event, data = await asyncio.wait_for(chat.events.get(), 30)
        if event == "bot_uttered" and data.get("text") == "You said: still there?":
            return True


def test_webchat(chat: Chat, loop: asyncio.AbstractEventLoop, tally: Tally,
                 crashes: CrashWatch) -> None:
    sent = [0]
    engineio_split = ("engineio.server", "post request handler error")
    crashes.known[engineio_split] = 0

    @FUZZ
    @given(seed=seeds)
    def one(seed: int) -> None:
        raw = packet(Maker(seed))
        # engine.io carries it as a message ("4"), so the wire has "42[...]".
        loop.run_until_complete(chat.client.eio.send(raw))
        sent[0] += 1
        if sent[0] % 100 == 0:
            assert loop.run_until_complete(answered(chat)), "the web chat stopped answering"
        tally.record(ENDPOINT, 200 if chat.client.connected else 599, raw)

    with Timer(ENDPOINT):
        one()
    assert loop.run_until_complete(answered(chat))
    assert not crashes.crashes, crashes.crashes
    print(f"engine.io payloads it could not split (answered 200): "
          f"{crashes.known[engineio_split]}")

