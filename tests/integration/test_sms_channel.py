"""The SMS channel over real HTTP: Sanic serving SmsInput, a fake Twilio, a real store.

Twilio's webhooks are the recorded bodies of tests/data/sms/, signed like
Twilio signs them; replies go to tests/fakes/twilio_api.py on loopback. The
conversation store is an SQLite file, and PostgreSQL too for the replay and
opt-out tests (`--postgres-url`). Rasa's agent is replaced by `EchoAgent`,
which keeps each turn in Rasa's own InMemoryTrackerStore and answers through
the channel's output; tests/e2e/test_sms.py runs the real assistant.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest
import yaml
from rasa.core.channels.channel import UserMessage, register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.exceptions import RasaException
from sanic import Sanic

from bot.content import HANDBOOK_DIR, PROJECT_ROOT
from bot.store.schema import upgrade
from bot.store.store import Store
from channels import sms_text
from channels.common import EMPTY_REPLY, RATE_LIMITED_REPLY, Gate
from channels.sms import EMPTY_TWIML, STATUS_PATH, WEBHOOK_PATH, SmsInput
from channels.twilio_api import SmsSender
from tests.conftest import free_port
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TWILIO_NUMBER,
    FakeTwilio,
    recorded_form,
    signed_post,
)
from tests.polling import eventually

CITIZEN = "+15558675310"
HANDOVER = [
    {"title": "Call me back", "payload": "/request_callback"},
    {"title": "No thanks", "payload": "/deny"},
]


class EchoAgent:
    """Rasa's agent, reduced: stores the turn in Rasa's tracker store, answers, can fail."""

    def __init__(self) -> None:
        # The assistant's `language` slot only: the channel reads it for the
        # answers it gives itself (START, HELP, the gate's refusals).
        self.domain = Domain.from_dict({"slots": {"language": {
            "type": "text", "influence_conversation": False, "mappings": [{"type": "custom"}],
        }}})
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.received: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if message.text == "boom":
            raise RuntimeError("the model broke")
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text))
        buttons = HANDOVER if message.text == "offer" else []
        text = "An advisor can call you back." if buttons else f"You said: {message.text}"
        tracker.update(BotUttered(text, data={"buttons": buttons} if buttons else {}))
        await self.tracker_store.save(tracker)
        reply: Dict[str, Any] = {"text": text}
        if buttons:
            reply["buttons"] = buttons
        await message.output_channel.send_response(message.sender_id, reply)

    @property
    def texts(self) -> List[str]:
        return [m.text or "" for m in self.received]


def translated(lang: str, name: str) -> str:
    """The text `name` of translations/<lang>/texts.yml, read from the file."""
    path = PROJECT_ROOT / "translations" / lang / "texts.yml"
    return str(yaml.safe_load(path.read_text(encoding="utf-8"))["texts"][name][0]["text"])


def handbook_help_text() -> str:
    """What service-standards.md says the HELP keyword sends."""
    text = (HANDBOOK_DIR / "service-standards.md").read_text(encoding="utf-8")
    match = re.search(r'\*\*HELP\*\* sends: "([^"]+)"', text)
    assert match, "service-standards.md quotes no HELP text"
    return match.group(1)

@dataclass
class Running:
    """One Sanic server with the SMS channel, its store and the fake Twilio."""

    url: str
    channel: SmsInput
    agent: EchoAgent
    store: Store
    fake: FakeTwilio
    server: Any = None
    counter: List[int] = field(default_factory=lambda: [0])

    def form(self, name: str = "inbound_text", **changes: str) -> List[Tuple[str, str]]:
        """A recorded webhook with a fresh MessageSid unless given."""
        self.counter[0] += 1
        changes.setdefault("MessageSid", f"SM{uuid.uuid4().hex}")
        return recorded_form(name, **changes)

    async def post(self, form: List[Tuple[str, str]], path: str = WEBHOOK_PATH,
                   **kwargs: Any) -> Tuple[int, str]:
        kwargs.setdefault("sign_url", self.channel.public_url + path)
        return await asyncio.to_thread(signed_post, self.url + path, form, **kwargs)

    async def text(self, body: str, **changes: str) -> Tuple[int, str]:
        return await self.post(self.form(Body=body, **changes))

    async def alive(self) -> bool:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"{self.url}/webhooks/sms/")).json() == {"status": "ok"}

    def conversation(self, address: str = CITIZEN) -> str:
        return self.store.identities.conversation_for("sms", address)

    async def speaks(self, lang: str, address: str = CITIZEN) -> None:
        """The number's conversation goes on in `lang` (its `language` slot, as Rasa keeps it)."""
        tracker_store = self.agent.tracker_store
        tracker = await tracker_store.get_or_create_tracker(self.conversation(address))
        tracker.update(SlotSet("language", lang))
        await tracker_store.save(tracker)


async def serve(
    database_url: str, fake: FakeTwilio, *, public_url: Optional[str] = None,
    gate: Optional[Gate] = None,
) -> Running:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    public_url = public_url or url
    store = Store.for_url(database_url)
    sender = SmsSender(ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, api_url=fake.url,
                       status_callback=url + STATUS_PATH, attempts=3, backoff=0.01)
    channel = SmsInput(ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, public_url=public_url,
                       store=store, gate=gate or Gate(500, 100), sender=sender)
    app = Sanic(f"sms_test_{uuid.uuid4().hex[:8]}")
    agent = EchoAgent()
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    return Running(url, channel, agent, store, fake, server)


async def shut(running: Running) -> None:
    running.server.close()
    await running.server.wait_closed()


@pytest.fixture(autouse=True)
def several_sanic_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sanic's test mode: each server rewrites its HTTP code from the original, not the last."""
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    twilio = FakeTwilio().start()
    yield twilio
    twilio.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'nssa.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def sms(sqlite_url: str, fake: FakeTwilio) -> AsyncIterator[Running]:
    running = await serve(sqlite_url, fake)
    yield running
    await shut(running)


@pytest.fixture
async def sms_both(store_url: str, fake: FakeTwilio) -> AsyncIterator[Running]:
    """The channel on SQLite and on PostgreSQL."""
    upgrade(store_url)
    running = await serve(store_url, fake)
    yield running
    await shut(running)


class TestIncoming:
    async def test_a_signed_message_is_answered_through_the_rest_api(self, sms: Running) -> None:
        status, body = await sms.post(sms.form())
        assert (status, body) == (200, EMPTY_TWIML)
        [sent] = sms.fake.messages
        assert (sent.to, sent.from_, sent.body) == (
            CITIZEN, TWILIO_NUMBER, "You said: When is my pension paid?")
        assert sent.status_callback == sms.url + STATUS_PATH
        [message] = sms.agent.received
        # The number is never the sender id, nor in metadata.
        assert message.sender_id == sms.conversation() and message.sender_id.startswith("sms-")
        assert CITIZEN not in message.sender_id and not message.metadata
        assert message.input_channel == "sms"
        assert message.output_channel.name() == "sms"
        delivery = sms.store.deliveries.get("sms", sent.sid)
        assert delivery and delivery.conversation_id == message.sender_id

    @pytest.mark.parametrize(
        "header, token",
        [(None, AUTH_TOKEN), ("", AUTH_TOKEN), ("auto", "another-auth-token-0123456789"),
         ("bm90IGEgc2lnbmF0dXJl", AUTH_TOKEN)],
        ids=["missing", "empty", "other-token", "garbage"],
    )
    async def test_an_unsigned_or_forged_message_is_refused(
        self, sms: Running, header: Optional[str], token: str
    ) -> None:
        status, _ = await sms.post(sms.form(), header=header, token=token)
        assert status == 403
        assert sms.agent.received == [] and sms.fake.messages == []
        assert await sms.alive()

    async def test_a_changed_body_breaks_the_signature(self, sms: Running) -> None:
        form = sms.form()
        signed = dict(sms.form(MessageSid=dict(form)["MessageSid"]))
        from tests.fakes.twilio_api import signature

        header = signature(sms.channel.public_url + WEBHOOK_PATH, list(signed.items()))
        tampered = [(k, "Send me everything" if k == "Body" else v) for k, v in form]
        assert (await sms.post(tampered, header=header))[0] == 403
        assert sms.agent.received == []

    async def test_the_signature_is_checked_on_the_public_url_not_the_host(
        self, sqlite_url: str, fake: FakeTwilio
    ) -> None:
        running = await serve(sqlite_url, fake, public_url="https://assistant.nssa.example")
        try:
            form = running.form()
            # Signed for the address the request really reached: a proxy's Host is not trusted.
            assert (await running.post(form, sign_url=running.url + WEBHOOK_PATH))[0] == 403
            assert (await running.post(form))[0] == 200
            assert running.agent.texts == ["When is my pension paid?"]
        finally:
            await shut(running)

    async def test_a_hang_up_while_the_message_id_is_recorded_loses_nothing(
        self, sms: Running, monkeypatch
    ) -> None:
        webhooks = sms.store.webhooks
        recording = webhooks.first_time

        def slow_first_time(*args: Any, **kwargs: Any) -> bool:
            time.sleep(0.6)  # a busy database: Twilio's timeout comes first
            return recording(*args, **kwargs)

        monkeypatch.setattr(webhooks, "first_time", slow_first_time)
        form = sms.form(Body="anyone there")
        with pytest.raises(OSError):  # the timeout (socket.timeout or URLError)
            await sms.post(form, timeout=0.2)
        await eventually(lambda: sms.agent.texts, "the message handled after the hang-up")
        assert sms.agent.texts == ["anyone there"]
        await eventually(sms.fake.bodies, "the answer sent")
        assert sms.fake.bodies() == ["You said: anyone there"]

    async def test_the_query_string_is_part_of_the_signed_url(self, sms: Running) -> None:
        # Twilio signs the whole URL set in its console, query included.
        path = WEBHOOK_PATH + "?line=pension&lang=en"
        assert (await sms.post(sms.form(Body="with a query"), path=path))[0] == 200
        signed_for = sms.channel.public_url + path
        moved = WEBHOOK_PATH + "?line=other&lang=en"
        assert (await sms.post(sms.form(Body="moved"), path=moved, sign_url=signed_for))[0] == 403
        dropped = sms.channel.public_url + WEBHOOK_PATH
        assert (await sms.post(sms.form(Body="dropped"), path=path, sign_url=dropped))[0] == 403
        assert sms.agent.texts == ["with a query"]

    @pytest.mark.parametrize("drop", ["From", "Body", "MessageSid"])
    async def test_a_message_without_a_required_field_is_400(self, sms: Running, drop) -> None:
        form = [(k, v) for k, v in sms.form() if k != drop]
        assert (await sms.post(form))[0] == 400
        assert sms.agent.received == [] and await sms.alive()

    async def test_a_body_that_is_not_a_form_is_400_when_signed_and_403_otherwise(
        self, sms: Running
    ) -> None:
        raw = b'{"From": "+15558675310", "Body": "hi"}'
        assert (await sms.post([], body=raw))[0] == 400  # signed as an empty form
        assert (await sms.post([], body=b"\xff\xfe\x00", header="x"))[0] == 403
        assert (await sms.text("still here"))[0] == 200
        assert sms.agent.texts == ["still here"]

    async def test_a_picture_without_text_gets_a_polite_answer(self, sms: Running) -> None:
        assert (await sms.post(sms.form("inbound_mms_no_text")))[0] == 200
        assert sms.agent.received == []
        assert sms.fake.bodies() == [EMPTY_REPLY]

    async def test_any_unicode_reaches_rasa_and_the_reply_avoids_ucs2_where_it_can(
        self, sms: Running
    ) -> None:
        assert (await sms.post(sms.form("inbound_unicode")))[0] == 200
        assert sms.agent.texts == ["Qué pasa con mi pensión? 😀 “gracias”"]
        # The emoji has no plain equivalent, so the text goes as UCS-2 anyway: it is
        # kept as written (replacing ó and the quotes would save nothing; issue 10).
        assert sms.fake.bodies() == ["You said: Qué pasa con mi pensión? 😀 “gracias”"]
        # Without the emoji the same text becomes GSM-7.
        assert sms_text.to_gsm7("Qué pasa con mi pensión? “gracias”") == (
            'Qué pasa con mi pension? "gracias"')

    async def test_over_the_rate_limit_is_answered_politely(
        self, sqlite_url: str, fake: FakeTwilio
    ) -> None:
        running = await serve(sqlite_url, fake, gate=Gate(500, 2))
        try:
            for text in ("one", "two", "three", "four", "five"):
                assert (await running.text(text))[0] == 200
            assert running.agent.texts == ["one", "two"]
            # One polite SMS a minute, however many come: no endless exchange.
            assert fake.bodies().count(RATE_LIMITED_REPLY) == 1
            assert fake.bodies()[-1] == RATE_LIMITED_REPLY
        finally:
            await shut(running)

    async def test_the_rate_limit_counts_each_number_apart(
        self, sqlite_url: str, fake: FakeTwilio
    ) -> None:
        running = await serve(sqlite_url, fake, gate=Gate(500, 2))
        try:
            for text in ("one", "two", "three"):
                await running.text(text)
            await running.text("four", From="+15558675399")
            # The first number's third message is refused; the other number's first is not.
            assert running.agent.texts == ["one", "two", "four"]
            assert fake.bodies().count(RATE_LIMITED_REPLY) == 1
        finally:
            await shut(running)

    async def test_the_rate_limit_answer_is_in_the_conversations_language(
        self, sqlite_url: str, fake: FakeTwilio
    ) -> None:
        running = await serve(sqlite_url, fake, gate=Gate(500, 2))
        try:
            await running.text("dzien dobry")
            await running.speaks("pl")
            await running.text("mam pytanie")
            await running.text("o emeryture")
            assert running.agent.texts == ["dzien dobry", "mam pytanie"]
            # Polish letters outside GSM-7 are written without their marks (one SMS, not UCS-2).
            assert fake.bodies()[-1] == sms_text.to_gsm7(translated("pl", "gate_rate_limited"))
        finally:
            await shut(running)

    async def test_a_failing_turn_asks_to_send_again_and_lets_a_redelivery_in(
        self, sms: Running
    ) -> None:
        form = sms.form(Body="boom")
        status, body = await sms.post(form)
        assert status == 200 and "send your message again" in body
        assert (await sms.post(form))[0] == 200
        assert sms.agent.texts == ["boom", "boom"]
        assert await sms.alive()


class TestReplays:
    async def test_a_repeated_message_sid_is_processed_once(self, sms_both: Running) -> None:
        form = sms_both.form(Body="hello")
        assert [(await sms_both.post(form))[0] for _ in range(3)] == [200, 200, 200]
        assert sms_both.agent.texts == ["hello"]
        assert len(sms_both.fake.messages) == 1

    async def test_a_replay_to_another_server_process_is_dropped_too(
        self, sms_both: Running, store_url: str
    ) -> None:
        form = sms_both.form(Body="hello")
        assert (await sms_both.post(form))[0] == 200
        # A second server on the same store (another process, or after a restart).
        other = await serve(store_url, sms_both.fake)
        try:
            assert (await other.post(form))[0] == 200
            assert other.agent.received == []
        finally:
            await shut(other)
        assert len(sms_both.fake.messages) == 1


class TestKeywords:
    @pytest.mark.parametrize("word", ["STOP", "stop", "StopAll", "UNSUBSCRIBE", "cancel",
                                      "END", "quit"])
    async def test_opt_out_words_stop_every_message(self, sms_both: Running, word: str) -> None:
        assert (await sms_both.text("hello"))[0] == 200
        assert (await sms_both.text(word))[0] == 200
        assert sms_both.store.opt_outs.opted_out("sms", CITIZEN)
        assert (await sms_both.text("are you there?"))[0] == 200
        # A proactive notice through the channel's output is not sent either.
        output = sms_both.channel.get_output_channel()
        await output.send_text_message(sms_both.conversation(), "Your case has been updated.")
        assert sms_both.fake.bodies() == ["You said: hello"]
        assert sms_both.agent.texts == ["hello"]

    async def test_start_opts_back_in(self, sms_both: Running) -> None:
        await sms_both.text("STOP")
        assert (await sms_both.text("Start"))[0] == 200
        assert not sms_both.store.opt_outs.opted_out("sms", CITIZEN)
        assert sms_both.fake.bodies()[-1].startswith("NSSA: you will get our messages again.")
        await sms_both.text("hello again")
        assert sms_both.fake.bodies()[-1] == "You said: hello again"
        output = sms_both.channel.get_output_channel()
        await output.send_text_message(sms_both.conversation(), "Your case has been updated.")
        assert sms_both.fake.bodies()[-1] == "Your case has been updated."

    async def test_yes_opts_in_only_after_stop(self, sms: Running) -> None:
        await sms.text("yes")
        assert sms.agent.texts == ["yes"]
        await sms.text("STOP")
        await sms.text("YES")
        assert not sms.store.opt_outs.opted_out("sms", CITIZEN)
        assert sms.agent.texts == ["yes"]

    async def test_help_gets_the_handbook_text(self, sms: Running) -> None:
        assert (await sms.text("help"))[0] == 200
        assert sms.fake.bodies() == [handbook_help_text()]
        assert sms.agent.received == []

    async def test_start_and_help_answer_in_the_conversations_language(
        self, sms: Running
    ) -> None:
        await sms.text("dzien dobry")
        await sms.speaks("pl")
        await sms.text("STOP")
        await sms.text("START")
        assert sms.fake.bodies()[-1] == translated("pl", "sms_opted_in")
        await sms.text("HELP")
        assert sms.fake.bodies()[-1] == translated("pl", "sms_help")
        assert sms.agent.texts == ["dzien dobry"]

    async def test_with_advanced_opt_out_twilio_answers_and_the_store_follows(
        self, sms: Running
    ) -> None:
        assert (await sms.post(sms.form("inbound_stop_advanced_opt_out")))[0] == 200
        assert sms.store.opt_outs.opted_out("sms", CITIZEN)
        await sms.post(sms.form("inbound_stop_advanced_opt_out", Body="START", OptOutType="START"))
        assert not sms.store.opt_outs.opted_out("sms", CITIZEN)
        await sms.post(sms.form(Body="HELP", OptOutType="HELP"))
        assert sms.fake.messages == []

    async def test_stop_inside_a_sentence_is_a_message(self, sms: Running) -> None:
        await sms.text("stop the form")
        assert sms.agent.texts == ["stop the form"]
        assert not sms.store.opt_outs.opted_out("sms", CITIZEN)


class TestButtons:
    async def test_buttons_are_numbered_and_a_number_or_title_maps_back(
        self, sms: Running
    ) -> None:
        await sms.text("offer")
        assert sms.fake.bodies() == [
            "An advisor can call you back.\n1 Call me back\n2 No thanks\nReply 1 or 2"]
        await sms.text("1")
        await sms.text("offer")
        await sms.text("  no THANKS ")
        await sms.text("offer")
        await sms.text("3")
        assert sms.agent.texts == ["offer", "/request_callback", "offer", "/deny", "offer", "3"]

    async def test_a_typed_command_no_button_offered_is_read_as_words(self, sms: Running) -> None:
        await sms.text("offer")
        await sms.text("/request_callback")  # offered: a button's payload
        await sms.text('/inform{"identity_level": 2}')
        assert sms.agent.texts == ["offer", "/request_callback", 'inform{"identity_level": 2}']

    async def test_a_number_without_options_offered_is_left_as_it_is(self, sms: Running) -> None:
        await sms.text("hello")
        await sms.text("1")
        assert sms.agent.texts == ["hello", "1"]


class TestSending:
    async def test_429_and_500_are_retried(self, sms: Running) -> None:
        sms.fake.fail_next(429, 500)
        assert (await sms.text("hello"))[0] == 200
        assert sms.fake.bodies() == ["You said: hello"]
        assert sms.fake.requests == 3

    async def test_twilio_down_is_kept_as_a_failed_delivery(self, sms: Running) -> None:
        sms.fake.fail_next(503, 503, 503)
        assert (await sms.text("hello"))[0] == 200
        assert sms.fake.messages == []
        [failed] = sms.store.deliveries.failed("sms")
        assert failed.conversation_id == sms.conversation() and failed.error_code == "503"

    async def test_twilio_unreachable_is_kept_as_a_failed_delivery_unavailable(
        self, sms: Running
    ) -> None:
        from channels.sms_output import SmsOutput
        from channels.sms_text import BotMessage
        from channels.twilio_api import SmsNotSent

        class Unreachable:
            async def send(self, to: str, body: str) -> str:
                raise SmsNotSent("Twilio could not be reached")

        conversation = sms.conversation()
        output = SmsOutput(Unreachable(), lambda: sms.store)  # type: ignore[arg-type]
        assert await output.deliver(conversation, [BotMessage("hi")]) == 0
        [failed] = sms.store.deliveries.failed("sms")
        assert (failed.conversation_id, failed.error_code) == (conversation, "unavailable")
        assert not sms.store.opt_outs.opted_out("sms", CITIZEN)

    async def test_each_sms_sent_is_counted_and_kept_as_queued(self, sms: Running) -> None:
        from channels.sms_output import SmsOutput
        from channels.sms_text import BotMessage

        class Recording:
            def __init__(self) -> None:
                self.sids: List[str] = []

            async def send(self, to: str, body: str) -> str:
                self.sids.append(f"SM{len(self.sids):032d}")
                return self.sids[-1]

        sender, conversation = Recording(), sms.conversation()
        output = SmsOutput(sender, lambda: sms.store)  # type: ignore[arg-type]
        # Two texts too long to share one SMS: two bodies.
        said = [BotMessage("a" * 300), BotMessage("b" * 300)]
        assert await output.deliver(conversation, said) == 2
        assert len(sender.sids) == 2
        for sid in sender.sids:
            kept = sms.store.deliveries.get("sms", sid)
            assert kept is not None and kept.status == "queued"

    async def test_one_sms_not_sent_does_not_stop_the_next(self, sms: Running) -> None:
        from channels.sms_output import SmsOutput
        from channels.sms_text import BotMessage
        from channels.twilio_api import SmsNotSent

        class FirstFails:
            calls = 0

            async def send(self, to: str, body: str) -> str:
                self.calls += 1
                if self.calls == 1:
                    raise SmsNotSent("Twilio could not be reached")
                return "SM" + "1" * 32

        conversation = sms.conversation()
        output = SmsOutput(FirstFails(), lambda: sms.store)  # type: ignore[arg-type]
        said = [BotMessage("a" * 300), BotMessage("b" * 300)]
        assert await output.deliver(conversation, said) == 1
        assert len(sms.store.deliveries.failed("sms")) == 1
        assert sms.store.deliveries.get("sms", "SM" + "1" * 32) is not None

    async def test_nothing_to_say_or_no_number_sends_nothing(self, sms: Running) -> None:
        from channels.sms_output import SmsOutput
        from channels.sms_text import BotMessage

        class Refusing:
            async def send(self, to: str, body: str) -> str:
                raise AssertionError("nothing should be sent")

        output = SmsOutput(Refusing(), lambda: sms.store)  # type: ignore[arg-type]
        assert await output.deliver(sms.conversation(), []) == 0
        assert await output.deliver("no-such-conversation", [BotMessage("hi")]) == 0

    async def test_twilios_unsubscribed_refusal_opts_the_number_out(self, sms: Running) -> None:
        sms.fake.fail_next((400, 21610))
        assert (await sms.text("hello"))[0] == 200
        assert sms.fake.requests == 1  # a refusal is not retried
        assert sms.store.opt_outs.opted_out("sms", CITIZEN)
        assert sms.store.deliveries.failed("sms")[0].error_code == "21610"

    async def test_status_callbacks_are_recorded_and_never_go_back(
        self, sms: Running, caplog: pytest.LogCaptureFixture
    ) -> None:
        await sms.text("hello")
        [sent] = sms.fake.messages
        assert await asyncio.to_thread(sms.fake.report, sent.sid, "sent") == 200
        assert await asyncio.to_thread(sms.fake.report, sent.sid, "delivered") == 200
        assert await asyncio.to_thread(sms.fake.report, sent.sid, "sent") == 200  # late
        assert sms.store.deliveries.get("sms", sent.sid).status == "delivered"
        await sms.text("again")
        second = sms.fake.messages[1]
        with caplog.at_level(logging.WARNING, logger="channels.sms"):
            assert await asyncio.to_thread(
                sms.fake.report, second.sid, "undelivered", "30003") == 200
        [failed] = sms.store.deliveries.failed("sms")
        assert (failed.message_id, failed.error_code) == (second.sid, "30003")
        assert failed.conversation_id == sms.conversation()
        assert any("undelivered" in r.getMessage() for r in caplog.records)
        assert CITIZEN not in caplog.text

    async def test_recorded_status_callbacks(self, sms: Running) -> None:
        for name, status in (("status_delivered", "delivered"),
                             ("status_undelivered", "undelivered")):
            form = recorded_form(name)
            assert (await sms.post(form, path=STATUS_PATH))[0] == 200
            assert sms.store.deliveries.get("sms", dict(form)["MessageSid"]).status == status

    async def test_forged_or_malformed_status_callbacks_are_refused(self, sms: Running) -> None:
        form = recorded_form("status_delivered")
        assert (await sms.post(form, path=STATUS_PATH, header=None))[0] == 403
        assert (await sms.post(form, path=STATUS_PATH, token="x" * 32))[0] == 403
        no_status = [(k, v) for k, v in form if k != "MessageStatus"]
        assert (await sms.post(no_status, path=STATUS_PATH))[0] == 400
        assert sms.store.deliveries.get("sms", dict(form)["MessageSid"]) is None
        assert await sms.alive()


class TestCredentials:
    def test_missing_twilio_settings_fail_loudly_naming_them(self, monkeypatch) -> None:
        monkeypatch.setenv("NSSA_ENV_FILE", "/nonexistent")
        for key in ("NSSA_TWILIO_ACCOUNT_SID", "NSSA_TWILIO_AUTH_TOKEN", "NSSA_TWILIO_FROM"):
            monkeypatch.delenv(key, raising=False)
        with pytest.raises(RasaException, match="NSSA_TWILIO_ACCOUNT_SID.*NSSA_TWILIO_FROM"):
            SmsInput.from_credentials(None)

    def test_settings_fill_what_credentials_yml_leaves_out(self, monkeypatch, tmp_path) -> None:
        monkeypatch.setenv("NSSA_ENV_FILE", "/nonexistent")
        monkeypatch.setenv("NSSA_TWILIO_ACCOUNT_SID", ACCOUNT_SID)
        monkeypatch.setenv("NSSA_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
        monkeypatch.setenv("NSSA_PUBLIC_URL", "https://assistant.nssa.example/")
        monkeypatch.setenv("NSSA_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
        channel = SmsInput.from_credentials({"twilio_number": TWILIO_NUMBER})
        assert channel.public_url == "https://assistant.nssa.example"
        assert channel.name() == "sms" and channel.get_output_channel().name() == "sms"
        assert not (tmp_path / "x.db").exists()  # no I/O until the first message
