"""The CMS events channel and the notice texts, on recorded deliveries.

The deliveries in tests/data/cms_events/ are signed with SECRET, in the
reference CMS's format (compact JSON, `sha256=<hex>`). The person store and
the processed ids are in-memory fakes here and a real database in
tests/integration/test_notices.py; the Rasa agent is a fake that records
what it was asked to trigger.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.exceptions import RasaException
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import notices as notice_actions
from bot.content import HANDBOOK_DIR
from bot.errors import StoreError
from bot.json_limits import JsonLimits
from bot.notices import (
    SMS_LIMIT,
    STATUS_TEXT,
    CmsEvent,
    InvalidEvent,
    notice_text,
    parse_event,
    subscribe,
    webhook_url,
)
from bot.settings import load_settings
from bot.store.persons import PersonConversation
from channels.cms_events import SOURCE, CmsEventsInput, sign
from tests.api.fakes import make_cms, reply
from tests.polling import eventually

DATA = Path(__file__).resolve().parent.parent / "data" / "cms_events"
HANDBOOK = HANDBOOK_DIR
SECRET = "test-events-secret-0123456789"
CASE_NOTICE = (
    "Your case NSSA-2026-000123 has been updated: A decision has been made. "
    "The letter is in My NSSA or on its way by post."
)


def recorded(name: str) -> Dict[str, Any]:
    """A recorded delivery: headers, raw body and the expected answer."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def raw_of(delivery: Dict[str, Any]) -> bytes:
    return delivery["body"].encode("utf-8")


# --- fakes --------------------------------------------------------------------


class FakePersons:
    """The persons repository in memory."""

    def __init__(self) -> None:
        self.conversations: Dict[str, PersonConversation] = {}
        self.opted: Set[str] = set()

    def remember(self, person_id: str, conversation_id: str, channel: str) -> None:
        self.conversations[person_id] = PersonConversation(
            person_id, conversation_id, channel, datetime.now(timezone.utc)
        )

    def conversation_of(self, person_id: str) -> Optional[PersonConversation]:
        return self.conversations.get(person_id)

    def opt_out(self, person_id: str) -> bool:
        new = person_id not in self.opted
        self.opted.add(person_id)
        return new

    def opt_in(self, person_id: str) -> bool:
        was = person_id in self.opted
        self.opted.discard(person_id)
        return was

    def opted_out(self, person_id: str) -> bool:
        return person_id in self.opted


class FakeWebhooks:
    """ProcessedWebhooks in memory; `fail` makes every call raise StoreError."""

    def __init__(self) -> None:
        self.ids: Set[Tuple[str, str]] = set()
        self.fail = False

    def first_time(self, source: str, external_id: str) -> bool:
        if self.fail:
            raise StoreError("processed_webhooks insert: database is locked")
        new = (source, external_id) not in self.ids
        self.ids.add((source, external_id))
        return new

    def forget(self, source: str, external_id: str) -> bool:
        if (source, external_id) in self.ids:
            self.ids.discard((source, external_id))
            return True
        return False


class FakeTracker:
    def __init__(self, sender_id: str, channel: Optional[str]) -> None:
        self.sender_id = sender_id
        self.channel = channel

    def get_latest_input_channel(self) -> Optional[str]:
        return self.channel


class FakeAgent:
    """What the channel uses of rasa's Agent; records each triggered intent."""

    def __init__(self, channels: Optional[Dict[str, str]] = None, fail: bool = False) -> None:
        self.domain = SimpleNamespace(intents=["EXTERNAL_notice", "greet"])
        self.lock_store = InMemoryLockStore()
        self.channels = channels or {}
        self.fail = fail
        self.triggered: List[Dict[str, Any]] = []
        self.processor = self

    def is_ready(self) -> bool:
        return True

    async def get_tracker(self, conversation_id: str) -> FakeTracker:
        return FakeTracker(conversation_id, self.channels.get(conversation_id))

    async def fetch_tracker_and_update_session(
        self, conversation_id: str, output_channel: Optional[OutputChannel] = None
    ) -> FakeTracker:
        return FakeTracker(conversation_id, self.channels.get(conversation_id))

    async def trigger_intent(self, intent_name, entities, output_channel, tracker) -> None:
        if self.fail:
            raise RuntimeError("the action server is down")
        self.triggered.append(
            {"intent": intent_name, "entities": entities, "output": output_channel,
             "conversation_id": tracker.sender_id}
        )


class TelegramLike(InputChannel):
    """An input channel that can reach its users on its own, like Telegram."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def get_output_channel(self) -> OutputChannel:
        return OutputChannel()


class RestLike(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"


def app_with(agent: Any, *input_channels: InputChannel) -> Any:
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent, input_channels=list(input_channels)))


@pytest.fixture
def persons() -> FakePersons:
    store = FakePersons()
    store.remember("P-1001", "conv-anna", "rest")
    return store


@pytest.fixture
def webhooks() -> FakeWebhooks:
    return FakeWebhooks()


@pytest.fixture
def channel(persons: FakePersons, webhooks: FakeWebhooks) -> CmsEventsInput:
    return CmsEventsInput(SECRET, persons=persons, webhooks=webhooks)  # type: ignore[arg-type]


async def deliver(channel: CmsEventsInput, delivery: Dict[str, Any], app: Any) -> Tuple[int, Dict]:
    return await channel.receive(raw_of(delivery), delivery["headers"], app)


# --- the recorded deliveries ---------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["case_status_changed", "appointment_reminder", "payment_date_changed", "unknown_person",
     "forged_signature", "wrong_secret", "malformed", "not_an_event"],
)
async def test_recorded_delivery_gets_its_answer(name: str, channel, webhooks) -> None:
    delivery = recorded(name)
    agent = FakeAgent()
    status, body = await deliver(channel, delivery, app_with(agent))
    assert status == delivery["expect_status"]
    if "expect_outcome" in delivery:
        assert body["status"] == delivery["expect_outcome"]
    assert len(agent.triggered) == (1 if body.get("status") == "notified" else 0)
    if status != 200:
        assert not webhooks.ids, "a refused delivery must not be recorded as processed"


async def test_valid_event_is_told_in_the_persons_conversation(channel, webhooks) -> None:
    agent = FakeAgent({"conv-anna": "rest"})
    status, body = await deliver(channel, recorded("case_status_changed"), app_with(agent))
    assert (status, body) == (200, {"status": "notified"})
    [call] = agent.triggered
    assert call["intent"] == "EXTERNAL_notice"
    assert call["conversation_id"] == "conv-anna"
    # The English text, and the response with its variables, said in the conversation's language.
    assert call["entities"][0] == {"entity": "notice_text", "value": CASE_NOTICE}
    assert call["entities"][1] == {"entity": "notice", "value": "utter_notice_case_status"}
    assert webhooks.ids == {(SOURCE, "evt_5f1c0d2a9b8e7f6a5b4c3d2e")}


async def test_duplicate_event_id_is_answered_200_and_not_told_again(channel) -> None:
    agent = FakeAgent()
    app = app_with(agent)
    assert (await deliver(channel, recorded("case_status_changed"), app))[0] == 200
    status, body = await deliver(channel, recorded("duplicate"), app)
    assert (status, body) == (200, {"status": "duplicate"})
    assert len(agent.triggered) == 1


async def test_unknown_person_is_answered_200_so_the_cms_does_not_retry(channel, webhooks) -> None:
    status, body = await deliver(channel, recorded("unknown_person"), app_with(FakeAgent()))
    assert (status, body) == (200, {"status": "no_conversation"})
    assert (SOURCE, "evt_11112222333344445555aaaa") in webhooks.ids


async def test_opted_out_person_gets_nothing(channel, persons) -> None:
    persons.opt_out("P-1001")
    agent = FakeAgent()
    status, body = await deliver(channel, recorded("case_status_changed"), app_with(agent))
    assert (status, body) == (200, {"status": "opted_out"})
    assert agent.triggered == []


class TestSignature:
    @pytest.mark.parametrize(
        "signature",
        [None, "", "sha256=", "sha256=00", "md5=abc", "sha256=" + "0" * 64, "sha256=ÿ" + "a" * 63,
         "garbage with spaces", "sha256=" + "A" * 64],
    )
    async def test_missing_or_bad_signature_is_403(self, channel, signature, webhooks) -> None:
        delivery = recorded("case_status_changed")
        headers = dict(delivery["headers"])
        headers.pop("X-CMS-Signature")
        if signature is not None:
            headers["X-CMS-Signature"] = signature
        agent = FakeAgent()
        status, _ = await channel.receive(raw_of(delivery), headers, app_with(agent))
        assert status == 403
        assert agent.triggered == [] and not webhooks.ids

    @pytest.mark.parametrize("at", [20, 40, 63])
    async def test_the_real_signature_with_one_digit_changed_is_403(
        self, channel, webhooks, at
    ) -> None:
        delivery = recorded("case_status_changed")
        digits = delivery["headers"]["X-CMS-Signature"][len("sha256="):]
        changed = digits[:at] + ("1" if digits[at] == "0" else "0") + digits[at + 1:]
        headers = {**delivery["headers"], "X-CMS-Signature": "sha256=" + changed}
        agent = FakeAgent()
        assert (await channel.receive(raw_of(delivery), headers, app_with(agent)))[0] == 403
        assert agent.triggered == [] and not webhooks.ids

    @pytest.mark.parametrize("cut", ["shorter", "longer"])
    def test_the_real_signature_cut_or_lengthened_is_refused(self, channel, cut) -> None:
        delivery = recorded("case_status_changed")
        real = delivery["headers"]["X-CMS-Signature"]
        assert not channel.signed(raw_of(delivery), real[:-1] if cut == "shorter" else real + "0")

    async def test_a_bad_signature_is_answered_forbidden(self, channel) -> None:
        delivery = recorded("case_status_changed")
        headers = {**delivery["headers"], "X-CMS-Signature": "sha256=" + "1" * 64}
        answer = await channel.receive(raw_of(delivery), headers, app_with(FakeAgent()))
        assert answer == (403, {"status": "forbidden"})

    def test_a_signature_that_is_not_text_is_refused_not_an_error(self, channel) -> None:
        # A lone surrogate cannot be encoded: a mismatch, never an exception (a 500).
        assert not channel.signed(b"{}", "sha256=\ud800" + "a" * 63)

    def test_hex_digits_in_capitals_are_the_same_signature(self, channel) -> None:
        delivery = recorded("case_status_changed")
        signature = delivery["headers"]["X-CMS-Signature"]
        assert channel.signed(raw_of(delivery), "sha256=" + signature[len("sha256="):].upper())

    def test_signature_is_the_hmac_of_the_raw_body(self, channel) -> None:
        delivery = recorded("case_status_changed")
        assert sign(SECRET, raw_of(delivery)) == delivery["headers"]["X-CMS-Signature"]
        assert channel.signed(raw_of(delivery), delivery["headers"]["X-CMS-Signature"])
        # Re-serialising the JSON changes the bytes: the raw body is what is signed.
        pretty = json.dumps(json.loads(delivery["body"]), indent=2).encode()
        assert not channel.signed(pretty, delivery["headers"]["X-CMS-Signature"])

    async def test_malformed_body_with_a_bad_signature_is_403_not_400(self, channel) -> None:
        delivery = recorded("malformed")
        headers = {**delivery["headers"], "X-CMS-Signature": "sha256=" + "1" * 64}
        assert (await channel.receive(raw_of(delivery), headers, app_with(FakeAgent())))[0] == 403


class TestBadRequests:
    async def signed(
        self, channel, raw: bytes, event_id: Optional[str] = "e-1"
    ) -> Tuple[int, Dict]:
        headers = {"X-CMS-Signature": sign(SECRET, raw)}
        if event_id is not None:
            headers["X-CMS-Event-Id"] = event_id
        return await channel.receive(raw, headers, app_with(FakeAgent()))

    @pytest.mark.parametrize(
        "raw",
        [b"", b"not json", b"\xff\xfe", b"[]", b"null", b'"text"',
         b'{"event_id":"e-1","type":"case.status_changed","person_id":"P-1001"}',
         b'{"event_id":"e-1","type":"case.closed","person_id":"P-1001","occurred_at":"2026-11-25T10:00:00Z"}',
         b'{"event_id":"e-1","type":"case.status_changed","person_id":"P-1001","occurred_at":"yesterday"}',
         b'{"event_id":"e-1","type":"case.status_changed","person_id":"P-1001","occurred_at":"2026-11-25T10:00:00"}',
         b'{"event_id":"e-1","type":"case.status_changed","person_id":7,"occurred_at":"2026-11-25T10:00:00Z"}',
         b'{"event_id":"e-1","type":"case.status_changed","person_id":"P-1001","occurred_at":"2026-11-25T10:00:00Z","case":"x"}',
         b'{"event_id":"e-1","type":"payment.date_changed","person_id":"P-1001","occurred_at":"2026-11-25T10:00:00Z","text":5}'],
    )
    async def test_not_an_event_is_400(self, channel, raw: bytes, webhooks) -> None:
        status, body = await self.signed(channel, raw)
        assert status == 400 and body["status"] == "bad_request"
        assert not webhooks.ids

    async def test_event_id_header_must_match_the_body(self, channel) -> None:
        raw = raw_of(recorded("case_status_changed"))
        status, body = await self.signed(channel, raw, event_id="evt_other")
        assert status == 400 and "X-CMS-Event-Id" in body["reason"]

    async def test_without_the_header_the_bodys_event_id_is_used(self, channel, webhooks) -> None:
        raw = raw_of(recorded("case_status_changed"))
        assert (await self.signed(channel, raw, event_id=None))[0] == 200
        assert webhooks.ids == {(SOURCE, "evt_5f1c0d2a9b8e7f6a5b4c3d2e")}

    async def test_the_channels_own_json_limits_apply(self, persons, webhooks) -> None:
        """NSSA_JSON_MAX_BYTES and its depth twin, as the channel was given them."""
        raw = raw_of(recorded("case_status_changed"))
        small = JsonLimits(len(raw) - 1, 8)
        channel = CmsEventsInput(SECRET, persons=persons, webhooks=webhooks,  # type: ignore
                                 limits=small)
        status, body = await self.signed(channel, raw, event_id=None)
        assert (status, body["reason"]) == (400, f"the body is over {len(raw) - 1} bytes")
        assert not webhooks.ids


class TestFailures:
    async def test_agent_error_is_503_and_the_retry_is_told(self, channel, webhooks) -> None:
        delivery = recorded("case_status_changed")
        broken = FakeAgent(fail=True)
        status, body = await deliver(channel, delivery, app_with(broken))
        assert (status, body) == (503, {"status": "unavailable"})
        assert not webhooks.ids, "the id must be forgotten so the CMS's retry is processed"
        working = FakeAgent()
        assert (await deliver(channel, delivery, app_with(working)))[0] == 200
        assert len(working.triggered) == 1

    async def test_cms_hanging_up_still_tells_once_and_its_retry_is_a_duplicate(
        self, channel, webhooks
    ) -> None:
        import asyncio

        class Slow(FakeAgent):
            started = False

            async def trigger_intent(self, *args: Any) -> None:
                self.started = True
                await asyncio.sleep(0.2)
                await super().trigger_intent(*args)

        slow = Slow()
        delivery = recorded("case_status_changed")
        task = asyncio.create_task(deliver(channel, delivery, app_with(slow)))
        await eventually(lambda: slow.started, "the notice being told")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The shielded notice goes on.
        await eventually(lambda: slow.triggered, "the notice told after the hang-up")
        assert len(slow.triggered) == 1
        assert (await deliver(channel, delivery, app_with(FakeAgent())))[1] == {
            "status": "duplicate"
        }

    async def test_a_notice_failing_after_the_cms_hung_up_lets_the_retry_through(
        self, channel, webhooks
    ) -> None:
        import asyncio

        class SlowBroken(FakeAgent):
            started = False

            async def trigger_intent(self, *args: Any) -> None:
                self.started = True
                await asyncio.sleep(0.2)
                raise RuntimeError("the action server is down")

        broken = SlowBroken()
        delivery = recorded("case_status_changed")
        task = asyncio.create_task(deliver(channel, delivery, app_with(broken)))
        await eventually(lambda: broken.started, "the notice being told")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await eventually(lambda: not webhooks.ids, "the failed notice's id forgotten")
        working = FakeAgent()
        assert (await deliver(channel, delivery, app_with(working)))[0] == 200
        assert len(working.triggered) == 1

    async def test_error_is_logged_with_its_traceback(self, channel, caplog) -> None:
        await deliver(channel, recorded("case_status_changed"), app_with(FakeAgent(fail=True)))
        [record] = [r for r in caplog.records if r.name == "channels.cms_events" and r.exc_info]
        assert "503" in record.getMessage()
        assert "the action server is down" in str(record.exc_info[1])

    async def test_store_error_is_503(self, channel, webhooks) -> None:
        webhooks.fail = True
        agent = FakeAgent()
        status, _ = await deliver(channel, recorded("case_status_changed"), app_with(agent))
        assert status == 503
        assert agent.triggered == [] and not webhooks.ids, "nothing told, nothing recorded"

    @pytest.mark.parametrize("ctx", [SimpleNamespace(), SimpleNamespace(agent=None)])
    async def test_no_agent_loaded_is_503(self, channel, ctx, webhooks) -> None:
        app = SimpleNamespace(ctx=ctx)
        status, _ = await deliver(channel, recorded("case_status_changed"), app)
        assert status == 503 and not webhooks.ids

    async def test_model_without_the_notice_intent_is_503(self, channel, caplog) -> None:
        agent = FakeAgent()
        agent.domain.intents = ["greet"]
        status, _ = await deliver(channel, recorded("case_status_changed"), app_with(agent))
        assert status == 503
        assert "no intent EXTERNAL_notice" in caplog.text
        assert agent.triggered == []
        assert not channel._stores()[1].ids, "the id is forgotten, so the CMS's retry is taken"


class TestOutputChannel:
    async def test_notice_goes_out_on_the_latest_channel_when_it_can_send(self, channel) -> None:
        agent = FakeAgent({"conv-anna": "telegram"})
        app = app_with(agent, RestLike(), TelegramLike())
        await deliver(channel, recorded("case_status_changed"), app)
        output = agent.triggered[0]["output"]
        assert type(output) is OutputChannel

    async def test_rest_conversation_keeps_the_notice_in_the_conversation(self, channel) -> None:
        agent = FakeAgent({"conv-anna": "rest"})
        await deliver(channel, recorded("case_status_changed"), app_with(agent, RestLike()))
        assert isinstance(agent.triggered[0]["output"], CollectingOutputChannel)

    async def test_stored_channel_is_used_when_the_tracker_has_none(self, channel, persons) -> None:
        persons.remember("P-1001", "conv-anna", "telegram")
        agent = FakeAgent({})
        await deliver(channel, recorded("case_status_changed"), app_with(agent, TelegramLike()))
        assert type(agent.triggered[0]["output"]) is OutputChannel


class TestCredentials:
    def test_secret_and_database_from_credentials(self) -> None:
        channel = CmsEventsInput.from_credentials(
            {"secret": SECRET, "database_url": "sqlite:////tmp/x.db"}
        )
        assert channel.name() == "cms_events" and channel.url_prefix() == "cms_events"

    def test_settings_fill_what_credentials_leave_out(self, monkeypatch) -> None:
        settings = load_settings(
            environ={"NSSA_CMS_EVENTS_SECRET": "from-settings-0123456789"},
            env_file=Path("/nonexistent"),
        )
        monkeypatch.setattr("bot.settings.load_settings", lambda: settings)
        channel = CmsEventsInput.from_credentials(None)
        raw = b"{}"
        assert channel.signed(raw, sign("from-settings-0123456789", raw))

    def test_bad_setting_fails_loudly_with_its_name(self, monkeypatch) -> None:
        def broken():
            return load_settings(environ={"NSSA_CMS_EVENTS_SECRET": "short"},
                                 env_file=Path("/nonexistent"))

        monkeypatch.setattr("bot.settings.load_settings", broken)
        with pytest.raises(RasaException, match="cms_events.*NSSA_CMS_EVENTS_SECRET"):
            CmsEventsInput.from_credentials({})

    def test_short_secret_in_credentials_fails_loudly(self) -> None:
        with pytest.raises(RasaException, match="at least 16 characters"):
            CmsEventsInput.from_credentials({"secret": "short", "database_url": "sqlite:///x"})

    def test_a_short_secret_is_refused_when_built_directly(self, persons, webhooks) -> None:
        with pytest.raises(ValueError, match="^the secret needs at least 16 characters$"):
            CmsEventsInput("x" * 15, persons=persons, webhooks=webhooks)
        assert CmsEventsInput("x" * 16, persons=persons, webhooks=webhooks)

    @pytest.mark.parametrize("given", ["persons", "webhooks"])
    def test_without_a_database_both_stores_are_needed(self, persons, webhooks, given) -> None:
        stores = {"persons": persons, "webhooks": webhooks}
        with pytest.raises(ValueError, match="^give a database_url, or both persons and webhooks$"):
            CmsEventsInput(SECRET, **{given: stores[given]})

    def test_blueprint_serves_health_and_webhook(self, channel) -> None:
        blueprint = channel.blueprint(lambda message: None)
        paths = {(route.uri, tuple(sorted(route.methods))) for route in blueprint._future_routes}
        assert paths == {("/", ("GET",)), ("/webhook", ("POST",))}


# --- notice texts --------------------------------------------------------------


def event(kind: str, **fields: Any) -> CmsEvent:
    return CmsEvent("evt-1", kind, "P-1001", datetime(2026, 11, 25, tzinfo=timezone.utc), **fields)


def handbook_status_table() -> Dict[str, str]:
    text = (HANDBOOK / "requests-in-chat.md").read_text(encoding="utf-8")
    section = text.split("## 8.", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| (\w+) \| (.+?) \|$", section, re.M)[1:])


class TestNoticeTexts:
    def test_status_texts_are_the_handbooks(self) -> None:
        assert STATUS_TEXT == handbook_status_table()

    @pytest.mark.parametrize("status", sorted(STATUS_TEXT))
    def test_case_notice_names_the_case_and_the_status(self, status: str) -> None:
        text = notice_text(event("case.status_changed",
                                 case={"reference": "NSSA-2026-000123", "status": status}))
        assert text == f"Your case NSSA-2026-000123 has been updated: {STATUS_TEXT[status]}"

    def test_case_notice_never_carries_the_decision(self) -> None:
        details = "Your child benefit was refused because your income is too high."
        text = notice_text(event(
            "case.status_changed", text=details,
            case={"reference": "NSSA-2026-000123", "status": "decided", "status_text": details},
        ))
        assert "refused" not in text and "income" not in text
        assert text == CASE_NOTICE

    def test_expected_decision_date_while_waiting(self) -> None:
        case = {"reference": "NSSA-2026-000123", "status": "in_review",
                "expected_decision_by": "2026-12-14"}
        assert notice_text(event("case.status_changed", case=case)).endswith(
            "A case worker is working on it. We expect a decision by 14.12.2026."
        )

    @pytest.mark.parametrize(
        "case",
        [None, {}, {"reference": "<script>", "status": "decided"}, {"status": "decided"}],
    )
    def test_case_without_a_usable_reference_gets_a_general_line(self, case) -> None:
        assert notice_text(event("case.status_changed", case=case)) == (
            "One of your cases has been updated. You can see it in My NSSA."
        )

    def test_unknown_status_is_not_guessed(self) -> None:
        text = notice_text(event("case.status_changed",
                                 case={"reference": "NSSA-2026-000123", "status": "appealed"}))
        assert text == "Your case NSSA-2026-000123 has been updated. You can see it in My NSSA."

    def test_appointment_reminder(self) -> None:
        text = notice_text(event("appointment.reminder", appointment={
            "appointment_id": "APT-000001", "office_id": "highmoor",
            "start": "2026-12-01T09:20:00Z"}))
        assert text == (
            "Reminder: your appointment at Highmoor Office, 3 Chapel Lane, 5300 Highmoor is in "
            "24 hours. Please bring photo ID. To cancel or change, use My NSSA or call "
            "0800 600 100."
        )

    def test_appointment_reminder_at_an_unknown_office(self) -> None:
        text = notice_text(event("appointment.reminder", appointment={"office_id": "mars"}))
        assert text.startswith("Reminder: your appointment is in 24 hours. Please bring photo ID.")

    def test_payment_date_change_uses_the_cms_text(self) -> None:
        text = notice_text(event("payment.date_changed",
                                 text="  Your pension is paid on\n18 December. "))
        assert text == "Your pension is paid on 18 December."

    @pytest.mark.parametrize("given", [None, "", "   ", "x" * 400, "<b>Paid</b> on 18 December"])
    def test_payment_date_change_without_a_usable_text(self, given) -> None:
        assert notice_text(event("payment.date_changed", text=given)) == (
            "The date of one of your payments has changed. You can see the new date in My NSSA "
            "or call 0800 600 100."
        )

    @pytest.mark.parametrize("name", ["case_status_changed", "appointment_reminder",
                                      "payment_date_changed"])
    def test_every_notice_fits_one_sms_answer(self, name: str) -> None:
        text = notice_text(parse_event(raw_of(recorded(name))))
        assert 0 < len(text) <= SMS_LIMIT

    def test_parse_event_reads_the_contracts_fields(self) -> None:
        parsed = parse_event(raw_of(recorded("case_status_changed")))
        assert parsed.event_id == "evt_5f1c0d2a9b8e7f6a5b4c3d2e"
        assert parsed.person_id == "P-1001"
        assert parsed.occurred_at == datetime(2026, 11, 25, 10, 15, tzinfo=timezone.utc)
        assert "P-1001" in repr(parsed) and "NSSA-2026" not in repr(parsed)

    def test_invalid_event_names_the_field_not_the_value(self) -> None:
        with pytest.raises(InvalidEvent, match="^person_id is missing or not a string$"):
            parse_event(b'{"event_id":"e","type":"case.status_changed","person_id":"",'
                        b'"occurred_at":"2026-11-25T10:00:00Z"}')


# --- subscription ----------------------------------------------------------------


class TestSubscribe:
    async def test_registers_the_webhook_with_the_events_secret(self) -> None:
        settings = load_settings(environ={"NSSA_RASA_PORT": "5999"}, env_file=Path("/nonexistent"))
        client, script, _ = make_cms(reply(201, {"subscription_id": "sub-1"}),
                                     reply(200, {"subscription_id": "sub-1"}))
        assert await subscribe(settings, client=client) == "sub-1"
        assert await subscribe(settings, client=client) == "sub-1"
        assert script.body(0) == {
            "url": "http://127.0.0.1:5999/webhooks/cms_events/webhook",
            "secret": settings.events_secret,
        }
        keys = {r.headers["Idempotency-Key"] for r in script.requests}
        assert len(keys) == 1, "subscribing again at every start must be the same request"

    def test_webhook_url_is_the_channels_route(self) -> None:
        settings = load_settings(environ={}, env_file=Path("/nonexistent"))
        assert webhook_url(settings) == "http://127.0.0.1:5005/webhooks/cms_events/webhook"


# --- the actions ------------------------------------------------------------------


def citizen(person_id: Optional[str] = "P-1001", verified_ago: float = 60.0,
            channel: str = "telegram") -> Tracker:
    slots: Dict[str, Any] = {}
    if person_id:
        slots = {"person_id": person_id, "identity_level": 1.0,
                 "identity_at": time.time() - verified_ago}
    events = [{"event": "user", "text": "stop notices", "input_channel": channel}]
    return Tracker(
        sender_id="conv-7", slots=slots, latest_message={"text": "stop notices"}, events=events,
        paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


@pytest.fixture
def store() -> FakePersons:
    fake = FakePersons()
    notice_actions.use_persons(lambda: fake)  # type: ignore[arg-type,return-value]
    yield fake
    notice_actions.use_persons(None)


class TestActions:
    async def run(self, action, tracker: Tracker) -> List[str]:
        dispatcher = CollectingDispatcher()
        assert await action.run(dispatcher, tracker, {}) == []
        return [m["response"] for m in dispatcher.messages]

    async def test_stop_notices_opts_the_verified_person_out(self, store) -> None:
        said = await self.run(notice_actions.ActionStopNotices(), citizen())
        assert said == ["utter_notices_stopped"]
        assert store.opted_out("P-1001")
        conversation = store.conversation_of("P-1001")
        assert (conversation.conversation_id, conversation.channel) == ("conv-7", "telegram")

    async def test_start_notices_opts_back_in(self, store) -> None:
        store.opt_out("P-1001")
        said = await self.run(notice_actions.ActionStartNotices(), citizen())
        assert said == ["utter_notices_started"]
        assert not store.opted_out("P-1001")

    @pytest.mark.parametrize("tracker", [citizen(person_id=None), citizen(verified_ago=16 * 60)])
    async def test_without_a_checked_identity_the_citizen_is_told_how(self, store, tracker) -> None:
        for action in (notice_actions.ActionStopNotices(), notice_actions.ActionStartNotices()):
            assert await self.run(action, tracker) == ["utter_notices_verify_first"]
        assert not store.opted and not store.conversations

    async def test_store_error_is_said_honestly(self, store, monkeypatch) -> None:
        def broken(person_id: str) -> bool:
            raise StoreError("notice_opt_outs insert: database is locked")

        monkeypatch.setattr(store, "opt_out", broken)
        said = await self.run(notice_actions.ActionStopNotices(), citizen())
        assert said == ["utter_notices_unavailable"]

    async def test_remember_never_fails_the_identity_check(self, store, monkeypatch) -> None:
        def broken(*args: Any) -> None:
            raise StoreError("person_conversations remember: disk I/O error")

        monkeypatch.setattr(store, "remember", broken)
        assert await notice_actions.remember_conversation(citizen(), "P-1001") is False

    async def test_remember_records_the_rasa_channel(self, store) -> None:
        assert await notice_actions.remember_conversation(citizen(channel="rest"), "P-1002")
        assert store.conversation_of("P-1002").channel == "rest"


class TestHangUpWhileRecording:
    async def test_a_cms_hanging_up_while_the_id_is_recorded_lets_its_retry_through(
        self, persons
    ) -> None:
        import asyncio
        import threading

        class SlowWebhooks(FakeWebhooks):
            """The insert of the event id takes a while (a busy database)."""

            def __init__(self) -> None:
                super().__init__()
                self.entered, self.go_on = threading.Event(), threading.Event()
                self.done = threading.Event()

            def first_time(self, source: str, external_id: str) -> bool:
                self.entered.set()
                self.go_on.wait(10)
                try:
                    return super().first_time(source, external_id)
                finally:
                    self.done.set()

        webhooks = SlowWebhooks()
        channel = CmsEventsInput(SECRET, persons=persons, webhooks=webhooks)  # type: ignore
        delivery = recorded("case_status_changed")
        task = asyncio.create_task(deliver(channel, delivery, app_with(FakeAgent())))
        await eventually(webhooks.entered.is_set, "the id being recorded")
        task.cancel()  # the CMS's timeout, in the middle of the insert
        with pytest.raises(asyncio.CancelledError):
            await task
        webhooks.go_on.set()
        await eventually(webhooks.done.is_set, "the insert finished")
        # Nothing was told: the id must end up forgotten, so the CMS's retry is taken.
        await eventually(lambda: not webhooks.ids, "the id forgotten after the insert")
        working = FakeAgent()
        assert (await deliver(channel, delivery, app_with(working)))[0] == 200
        assert len(working.triggered) == 1

    async def test_a_cms_hanging_up_just_after_the_id_is_recorded_lets_its_retry_through(
        self, persons
    ) -> None:
        """The hang-up comes when the insert has finished but the handler has not resumed."""
        import asyncio
        import threading

        class HeldWebhooks(FakeWebhooks):
            """The insert waits for the test, so the test can find it under way."""

            def __init__(self) -> None:
                super().__init__()
                self.go_on = threading.Event()

            def first_time(self, source: str, external_id: str) -> bool:
                self.go_on.wait(10)
                return super().first_time(source, external_id)

        def insert_under_way() -> Any:
            return next((t for t in asyncio.all_tasks()
                         if getattr(t.get_coro(), "__name__", "") == "to_thread"), None)

        webhooks = HeldWebhooks()
        channel = CmsEventsInput(SECRET, persons=persons, webhooks=webhooks)  # type: ignore
        delivery, agent = recorded("case_status_changed"), FakeAgent()
        task = asyncio.create_task(deliver(channel, delivery, app_with(agent)))
        recording = await eventually(insert_under_way, "the id being recorded")
        webhooks.go_on.set()
        # One loop turn at a time: the handler resumes at least one turn after
        # the insert's task is done, so the hang-up lands in between.
        deadline = time.monotonic() + 10
        while not recording.done() and time.monotonic() < deadline:
            await asyncio.sleep(0)
        assert recording.done() and recording.result() is True and not task.done()
        task.cancel()  # the CMS's timeout
        with pytest.raises(asyncio.CancelledError):
            await task
        assert agent.triggered == [], "cancelled before telling"
        assert not webhooks.ids, "the id forgotten at once, so the CMS's retry is taken"
        working = FakeAgent()
        assert (await deliver(channel, delivery, app_with(working)))[0] == 200
        assert len(working.triggered) == 1


class TestParseEvent:
    """What each refusal says: it goes back to the CMS as the 400's reason."""

    @staticmethod
    def body(**changes: Any) -> bytes:
        event = {"event_id": "evt-1", "type": "case.status_changed", "person_id": "P-1001",
                 "occurred_at": "2026-11-25T10:00:00Z", **changes}
        return json.dumps({k: v for k, v in event.items() if v is not ...}).encode()

    @pytest.mark.parametrize(
        "raw, reason",
        [
            (b"\xff", "the body is not JSON"),
            (b"[1]", "the body is not a JSON object"),
            (None, "event_id is missing or not a string"),
            ({"type": " "}, "type is missing or not a string"),
            ({"event_id": "e" * 256}, "event_id or person_id is too long"),
            ({"person_id": "P" * 65}, "event_id or person_id is too long"),
            ({"type": "case.closed"}, "type is not one of the contract's event types"),
            ({"occurred_at": "yesterday"}, "occurred_at is not an RFC 3339 date-time"),
            ({"occurred_at": "2026-11-25T10:00:00"}, "occurred_at has no time zone"),
            ({"case": "x"}, "case is not an object"),
            ({"appointment": [1]}, "appointment is not an object"),
            ({"text": 5}, "text is not a string"),
        ],
    )
    def test_each_refusal_names_what_is_wrong(self, raw: Any, reason: str) -> None:
        if raw is None:
            raw = self.body(event_id=...)
        elif isinstance(raw, dict):
            raw = self.body(**raw)
        with pytest.raises(InvalidEvent) as raised:
            parse_event(raw)
        assert str(raised.value) == reason

    def test_the_longest_ids_are_taken(self) -> None:
        event = parse_event(self.body(event_id="e" * 255, person_id="P" * 64))
        assert (len(event.event_id), len(event.person_id)) == (255, 64)

    def test_ids_are_trimmed_and_the_rest_kept(self) -> None:
        event = parse_event(self.body(event_id=" evt-1 ", text="Paid on 18 December.",
                                      case={"reference": "NSSA-2026-000123"}))
        assert (event.event_id, event.person_id, event.type) == (
            "evt-1", "P-1001", "case.status_changed")
        assert event.occurred_at == datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
        assert event.text == "Paid on 18 December."
        assert event.case == {"reference": "NSSA-2026-000123"} and event.appointment is None

    def test_an_appointment_is_kept(self) -> None:
        appointment = {"appointment_id": "APT-000001", "office_id": "eastmere",
                       "start": "2026-12-01T09:20:00Z"}
        event = parse_event(self.body(type="appointment.reminder", appointment=appointment))
        assert event.appointment == appointment and event.case is None
