"""Generated bodies against the channels: REST, Telegram, SMS, SMS status, CMS events.

Each channel runs in-process on a real SQLite store: REST as a Sanic app
over ASGI (its route, streaming body and all), the others through the
`receive` methods their routes call. Rasa is a recorder. For every body:
no 5xx; a refused one (4xx, or Telegram's "bad_update") stores nothing and
never reaches Rasa; no traceback is logged; and afterwards the channel
still takes an ordinary message.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Iterator, List, Tuple
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.notices import EVENT_TYPES
from bot.store.schema import upgrade
from bot.store.store import Store
from channels.cms_events import EVENT_ID_HEADER, SIGNATURE_HEADER, CmsEventsInput, sign
from channels.common import Gate
from channels.rest import RestInput
from channels.sms import STATUS_PATH, WEBHOOK_PATH, SmsInput
from channels.telegram import SECRET_HEADER, TelegramInput
from channels.telegram_text import Pacer
from channels.twilio_api import SmsSender
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, FakeTwilio, signature
from tests.fuzz.bodies import Maker, nested, one_of, seeds, text_or
from tests.fuzz.conftest import FUZZ, CrashWatch, Rows, Tally, Timer

SECRET = "fuzz-secret-0123456789abcdef"
TOKEN = "123456:FUZZ-token"
PUBLIC = "https://assistant.example"
_ids = itertools.count(1)


class Recorder:
    """Rasa, reduced to a list of what it was handed."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    url = f"sqlite:///{tmp_path / 'nssa.db'}"
    upgrade(url)
    return Store(url)


# --- REST --------------------------------------------------------------------------------

class _Agent:
    def __init__(self) -> None:
        self.heard = 0

    async def handle_message(self, message: UserMessage) -> None:
        self.heard += 1
        await message.output_channel.send_text_message(message.sender_id, "hello")


@pytest.fixture
def rest(loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = Sanic(f"fuzz_rest_{next(_ids)}")
    app.ctx.agent = _Agent()
    register([RestInput(Gate(2000, 10**6), token="rest-token-0123456789")], app,
             route="/webhooks/")
    app.asgi = True
    loop.run_until_complete(app._startup())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rasa")
    yield client, app.ctx.agent
    loop.run_until_complete(client.aclose())


REST_SHAPE = nested({"sender": text_or("me", "webchat-0", "sms-1"), "message": text_or("hi")})
REST_TOKENS = ["Bearer rest-token-0123456789"] * 8 + ["Bearer wrong", ""]


def test_rest(rest: Any, loop: asyncio.AbstractEventLoop, tally: Tally,
              crashes: CrashWatch) -> None:
    client, agent = rest
    endpoint = "REST POST /webhooks/rest/webhook"

    @FUZZ
    @given(seed=seeds)
    def one(seed: int) -> None:
        maker = Maker(seed)
        body, token = maker.body(REST_SHAPE), maker.pick(REST_TOKENS)
        heard = agent.heard
        answer = loop.run_until_complete(client.post(
            "/webhooks/rest/webhook", content=body,
            headers={"Content-Type": "application/json", "Authorization": token}))
        tally.record(endpoint, answer.status_code, body)
        if answer.status_code >= 400:
            assert agent.heard == heard, "a refused message reached Rasa"
        else:
            assert isinstance(answer.json(), list)

    with Timer(endpoint):
        one()
    ok = loop.run_until_complete(client.post(
        "/webhooks/rest/webhook", json={"sender": "a", "message": "hi"},
        headers={"Authorization": REST_TOKENS[0]}))
    assert ok.status_code == 200 and ok.json()[0]["text"] == "hello"
    assert not crashes.crashes, crashes.crashes


# --- Telegram ----------------------------------------------------------------------------

_CHAT = nested({"id": one_of(42, -100123, 2**40, "42", 4.2),
                "type": one_of("private", "group", "channel", 5)}, present=0.95)
_MESSAGE = nested({
    "message_id": one_of(1, 2, 2**31), "date": one_of(1764086400, 0, -1), "chat": _CHAT,
    "text": text_or("hello", "/start ABC123", "/help", "/unknown"),
    "from": nested({"id": one_of(7, 2**40), "is_bot": one_of(False, True),
                    "first_name": text_or("Anna"), "language_code": one_of("en", "pl", "xx")}),
    "photo": one_of([{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}]),
}, present=0.7)
TELEGRAM_SHAPE = nested({
    "update_id": lambda m: m.r.randrange(2**40),
    "message": _MESSAGE, "edited_message": _MESSAGE, "channel_post": _MESSAGE,
    "callback_query": nested({"id": text_or("cb1"), "data": text_or("b:1"),
                              "chat_instance": text_or("ci"), "message": _MESSAGE,
                              "from": nested({"id": one_of(7), "is_bot": one_of(False),
                                              "first_name": text_or("A")})}),
}, present=0.4)


def test_telegram(store: Store, loop: asyncio.AbstractEventLoop, tally: Tally,
                  crashes: CrashWatch) -> None:
    api = FakeTelegramApi(TOKEN)
    loop.run_until_complete(api.start())
    channel = TelegramInput(TOKEN, SECRET, api_url=api.url, store=store,
                            gate=Gate(2000, 10**6), pacer=Pacer(0.0))
    rasa, rows = Recorder(), Rows(store.engine)
    endpoint = "Telegram POST /webhooks/telegram/webhook"

    @FUZZ
    @given(seed=seeds)
    def one(seed: int) -> None:
        maker = Maker(seed)
        body, secret = maker.body(TELEGRAM_SHAPE), maker.pick([SECRET] * 9 + ["wrong"])
        heard = len(rasa.messages)
        status, answer = loop.run_until_complete(
            channel.receive(body, {SECRET_HEADER: secret}, rasa))
        tally.record(endpoint, status, body)
        same = rows.unchanged()
        if status >= 400 or answer.get("status") == "bad_update":
            assert same, "a refused update stored something"
            assert len(rasa.messages) == heard, "a refused update reached Rasa"

    try:
        with Timer(endpoint):
            one()
        update = {"update_id": 2**45, "message": {"message_id": 1, "date": 1, "text": "hello",
                                                  "chat": {"id": 42, "type": "private"}}}
        status, _ = loop.run_until_complete(
            channel.receive(json.dumps(update).encode(), {SECRET_HEADER: SECRET}, rasa))
        assert status == 200 and rasa.messages[-1].text == "hello"
    finally:
        loop.run_until_complete(api.stop())
    assert not crashes.crashes, crashes.crashes


# --- SMS and its status callbacks ----------------------------------------------------------

SMS_FORM = {
    "From": text_or("+15558675310", "+447700900123", "whatsapp:+15558675310", longest=200),
    "To": text_or(TWILIO_NUMBER), "Body": text_or("hello", "STOP", "START", "HELP", "1"),
    "MessageSid": lambda m: m.pick(["SM" + "%032x" % m.r.getrandbits(128), m.text(100)]),
    "AccountSid": text_or(ACCOUNT_SID), "NumMedia": text_or("0", "1"),
    "OptOutType": lambda m: m.pick(["", "STOP", m.text(10)]),
}
STATUS_FORM = {
    "MessageSid": SMS_FORM["MessageSid"],
    "MessageStatus": text_or("queued", "sent", "delivered", "undelivered", "failed",
                             longest=100),
    "ErrorCode": text_or("", "30003", "21610", longest=50), "To": SMS_FORM["From"],
}


@pytest.fixture
def sms(store: Store) -> Iterator[SmsInput]:
    fake = FakeTwilio().start()
    sender = SmsSender(ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, api_url=fake.url,
                       status_callback=PUBLIC + STATUS_PATH, attempts=1, backoff=0.0)
    yield SmsInput(ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, public_url=PUBLIC, store=store,
                   gate=Gate(2000, 10**6), sender=sender)
    fake.stop()


def sms_request(maker: Maker, fields: Dict[str, Any], path: str) -> Tuple[bytes, Dict[str, str]]:
    """A form signed as Twilio signs it (most often), or raw bytes, or a forged signature."""
    if maker.chance(0.1):
        raw = bytes(maker.r.randrange(256) for _ in range(maker.r.randrange(100)))
        return raw, {"X-Twilio-Signature": signature(PUBLIC + path, [])}
    form = maker.form(fields)
    sig = signature(PUBLIC + path, form) if maker.chance(0.9) else "forged"
    return urlencode(form).encode(), {"X-Twilio-Signature": sig}


def test_sms_webhook(sms: SmsInput, store: Store, loop: asyncio.AbstractEventLoop,
                     tally: Tally, crashes: CrashWatch) -> None:
    rasa, rows = Recorder(), Rows(store.engine)
    app = SimpleNamespace(ctx=SimpleNamespace())
    endpoint = "SMS POST /webhooks/sms/webhook"

    @FUZZ
    @given(seed=seeds)
    def one(seed: int) -> None:
        body, headers = sms_request(Maker(seed), SMS_FORM, WEBHOOK_PATH)
        heard = len(rasa.messages)
        status, twiml = loop.run_until_complete(sms.receive(body, headers, "", app, rasa))
        tally.record(endpoint, status, body)
        assert "<Message>" not in twiml, "a message was not handled (the resend answer)"
        same = rows.unchanged()
        if status >= 400:
            assert same, "a refused message stored something"
            assert len(rasa.messages) == heard, "a refused message reached Rasa"

    with Timer(endpoint):
        one()
    # A number the fuzzing never used: one of its numbers may have texted STOP last.
    form = [("From", "+447700900999"), ("Body", "hello"), ("MessageSid", "SM" + "f" * 32)]
    status, _ = loop.run_until_complete(sms.receive(
        urlencode(form).encode(), {"X-Twilio-Signature": signature(PUBLIC + WEBHOOK_PATH, form)},
        "", app, rasa))
    assert status == 200 and rasa.messages[-1].text == "hello"
    assert not crashes.crashes, crashes.crashes


def test_sms_status(sms: SmsInput, store: Store, loop: asyncio.AbstractEventLoop,
                    tally: Tally, crashes: CrashWatch) -> None:
    rows = Rows(store.engine)
    endpoint = "SMS POST /webhooks/sms/status"

    @FUZZ
    @given(seed=seeds)
    def one(seed: int) -> None:
        body, headers = sms_request(Maker(seed), STATUS_FORM, STATUS_PATH)
        status = loop.run_until_complete(sms.receive_status(body, headers, ""))
        tally.record(endpoint, status, body)
        same = rows.unchanged()
        if status >= 400:
            assert same, "a refused callback stored something"

    with Timer(endpoint):
        one()
    form = [("MessageSid", "SM" + "e" * 32), ("MessageStatus", "delivered")]
    headers = {"X-Twilio-Signature": signature(PUBLIC + STATUS_PATH, form)}
    assert loop.run_until_complete(sms.receive_status(urlencode(form).encode(), headers,
                                                      "")) == 200
    assert store.deliveries.get("sms", "SM" + "e" * 32) is not None
    assert not crashes.crashes, crashes.crashes


# --- CMS events ------------------------------------------------------------------------------

EVENT_SHAPE = nested({
    "event_id": text_or("evt-1", "e" * 300), "type": one_of(*sorted(EVENT_TYPES), "case.x"),
    "person_id": text_or("P-1003", "P-9"),
    "occurred_at": one_of("2026-03-25T10:00:00Z", "2026-03-25T10:00:00",
                          "2026-13-45T99:00:00+00:00", "yesterday"),
    "case": nested({"reference": text_or("NSSA-2026-000123"), "status": text_or("decided")}),
    "appointment": nested({"start": text_or("2026-03-26T09:00:00Z"),
                           "office_id": text_or("harbour")}),
    "text": text_or("Your payment date moved."),
}, present=0.9)


def test_cms_events(store: Store, loop: asyncio.AbstractEventLoop, tally: Tally,
                    crashes: CrashWatch) -> None:
    channel = CmsEventsInput(SECRET, database_url=store.database_url)
    app = SimpleNamespace(ctx=SimpleNamespace())
    rows = Rows(store.engine)
    endpoint = "CMS events POST /webhooks/cms_events/webhook"

    @FUZZ
    @given(seed=seeds)
    def one(seed: int) -> None:
        maker = Maker(seed)
        body = maker.body(EVENT_SHAPE)
        headers = {SIGNATURE_HEADER: sign(SECRET, body) if maker.chance(0.9) else "sha256=00"}
        if maker.chance(0.2):
            headers[EVENT_ID_HEADER] = maker.text(20)
        status, _ = loop.run_until_complete(channel.receive(body, headers, app))
        tally.record(endpoint, status, body)
        same = rows.unchanged()
        if status >= 400:
            assert same, "a refused event stored something"

    with Timer(endpoint):
        one()
    event = json.dumps({"event_id": "fuzz-last", "type": "case.status_changed",
                        "person_id": "P-9", "occurred_at": "2026-03-25T10:00:00Z"}).encode()
    status, answer = loop.run_until_complete(
        channel.receive(event, {SIGNATURE_HEADER: sign(SECRET, event)}, app))
    assert (status, answer["status"]) == (200, "no_conversation")
    assert not crashes.crashes, crashes.crashes
