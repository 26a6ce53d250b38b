"""Continuity actions ("continue on my phone"), on recorded trackers and a real SQLite store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.citizen_requests.forms import ValidateAddressForm, ValidateStatementForm
from actions.citizen_requests.paused import IDENTITY_SLOTS_RESET, ActionResumePausedForm
from actions.continuity import ActionContinueHere, ActionContinuityCode
from bot.settings import PROJECT_ROOT
from bot.store.channels import CODE_ALPHABET, ContinuityCodes
from bot.store.db import create_engine_for
from bot.store.schema import upgrade
from tests.english import english

CONTINUED, OFFER = "utter_continued_here", "utter_offer_paused_form"

VERIFIED = {
    "person_id": "P-1001",
    "identity_level": 2.0,
    "verified_national_id": "85031212345",
    "verified_date_of_birth": "1985-03-12",
    "national_id": "*******2345",
    "date_of_birth": "12.03.1985",
    "otp_code": "checked",
    "otp_id": "otp-1",
    "identity_failures": 2.0,
    "otp_requests": 1.0,
}


@pytest.fixture(autouse=True)
def _identity_checked_just_now() -> None:
    # A check lasts 15 minutes, and a long suite imports this module long before
    # it runs these tests: the check of VERIFIED is made fresh for each one.
    VERIFIED["identity_at"] = time.time()


def tracker(slots: Optional[Dict[str, Any]] = None, form: Optional[str] = None,
            intent: str = "EXTERNAL_continued", sender: str = "web-conversation-a",
            channel: str = "sms") -> Tracker:
    slots = dict(slots or {})
    if "person_id" in slots:
        # Checked just now, whenever the test runs (a check lasts 15 minutes).
        slots.setdefault("identity_at", time.time())
    return Tracker(
        sender_id=sender, slots=slots,
        latest_message={"text": f"/{intent}", "intent": {"name": intent, "confidence": 1.0}},
        events=[{"event": "user", "text": f"/{intent}", "input_channel": channel}],
        paused=False, followup_action=None, active_loop={"name": form} if form else {},
        latest_action_name="action_listen",
    )


def applied(slots: Dict[str, Any], events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The slots after the action's SlotSet events."""
    result = dict(slots)
    for event in events:
        if event["event"] == "slot":
            result[event["name"]] = event["value"]
    return result


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


@pytest.fixture
def codes(store_url: str, monkeypatch: pytest.MonkeyPatch) -> ContinuityCodes:
    """The codes on an SQLite file, and on PostgreSQL with --postgres-url."""
    upgrade(store_url)
    store = ContinuityCodes(create_engine_for(store_url))
    monkeypatch.setattr(bootstrap, "continuity_codes", lambda: store)
    return store


class TestContinuityCode:
    async def test_the_code_continues_this_conversation_once(self, codes) -> None:
        messages, events = await run(ActionContinuityCode(), tracker(intent="continue_elsewhere"))
        [message] = messages
        assert message["response"] == "utter_continuity_code"
        code = message["code"]
        assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
        # The code is said, not kept in a slot of the stored conversation.
        assert events == []
        assert codes.redeem(code, channel="sms") == "web-conversation-a"
        assert codes.redeem(code, channel="telegram") is None

    async def test_each_request_gets_its_own_code(self, codes) -> None:
        first, _ = await run(ActionContinuityCode(), tracker(intent="continue_elsewhere"))
        second, _ = await run(ActionContinuityCode(), tracker(intent="continue_elsewhere"))
        assert first[0]["code"] != second[0]["code"]
        assert codes.redeem(second[0]["code"], channel="telegram") == "web-conversation-a"

    async def test_a_store_that_cannot_be_written_is_said_politely(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # No schema: the insert fails with a StoreError inside the action.
        broken = ContinuityCodes(create_engine_for(f"sqlite:///{tmp_path / 'empty.db'}"))
        monkeypatch.setattr(bootstrap, "continuity_codes", lambda: broken)
        messages, events = await run(ActionContinuityCode(), tracker(intent="continue_elsewhere"))
        assert [m["response"] for m in messages] == ["utter_continuity_unavailable"]
        assert events == []


def _responses() -> Dict[str, Any]:
    data = yaml.safe_load((PROJECT_ROOT / "data" / "core" / "continuity.yml").read_text())
    return data["responses"]


class TestCodeAnswer:
    """What the citizen is told matches agency.md and fits an SMS."""

    def test_it_names_the_handbook_channels_the_time_and_the_identity_check(self) -> None:
        [web, sms] = _responses()["utter_continuity_code"]
        for fact in ("{code}", "10 minutes", "@NSSA_help_bot", "0800 600 200", "works once",
                     "confirm who you are again"):
            assert fact in web["text"], fact
        assert sms["channel"] == "sms"
        rendered = sms["text"].format(code="ABC234")
        assert len(rendered) <= 320 and "ABC234" in rendered and "10 minutes" in rendered

    def test_every_sms_variant_fits_one_message(self) -> None:
        for name, variants in _responses().items():
            for variant in variants:
                if variant.get("channel") == "sms":
                    assert len(variant["text"]) <= 320, name


class TestContinueHere:
    async def test_identity_is_checked_again_and_the_form_paused_and_offered(self) -> None:
        slots = {**VERIFIED, "street": "4 Market Square", "postcode": "2040",
                 "identity_locked_until": None, "level2_blocked": False}
        messages, events = await run(ActionContinueHere(), tracker(slots, form="address_form"))
        assert [m["response"] for m in messages] == [CONTINUED, OFFER]
        assert english(messages[1]["request"]) == "a change of address"
        assert ActiveLoop(None) in events and SlotSet("requested_slot", None) in events
        after = applied(slots, events)
        for slot, value in IDENTITY_SLOTS_RESET.items():
            assert after[slot] == value, slot
        assert (after["paused_form"], after["form_offered"]) == ("address_form", True)
        # The request's own answers are kept.
        assert (after["street"], after["postcode"]) == ("4 Market Square", "2040")
        # The limits of this conversation are not lifted by changing channel.
        touched = {e["name"] for e in events if e["event"] == "slot"}
        assert not touched & {"identity_failures", "identity_locked_until", "otp_requests",
                              "level2_blocked"}

    async def test_yes_goes_on_with_identity_first_then_the_first_missing_answer(self) -> None:
        slots = {**VERIFIED, "street": "4 Market Square", "postcode": "2040"}
        _, events = await run(ActionContinueHere(), tracker(slots, form="address_form"))
        after = applied(slots, events)
        messages, resumed = await run(ActionResumePausedForm(), tracker(after, intent="affirm"))
        assert FollowupAction("address_form") in resumed
        required = await ValidateAddressForm().required_slots(
            [], CollectingDispatcher(), tracker(applied(after, resumed), form="address_form"), {})
        missing = [s for s in required if applied(after, resumed).get(s) is None]
        assert missing[:4] == ["national_id", "date_of_birth", "otp_code", "city"]

    async def test_a_request_paused_before_is_offered_again(self) -> None:
        slots = {"paused_form": "statement_form", "form_offered": True, "statement_period": "all"}
        messages, events = await run(ActionContinueHere(), tracker(slots))
        assert [m["response"] for m in messages] == [CONTINUED, OFFER]
        assert english(messages[1]["request"]) == "a request for a contribution statement"
        assert applied(slots, events)["form_offered"] is True
        assert applied(slots, events)["statement_period"] == "all"

    async def test_without_a_request_only_identity_is_reset(self) -> None:
        messages, events = await run(ActionContinueHere(), tracker(VERIFIED))
        assert [m["response"] for m in messages] == ["utter_continued_here"]
        assert not [e for e in events if e["event"] in ("active_loop", "followup")]
        assert "form_offered" not in {e["name"] for e in events}
        assert applied(VERIFIED, events)["person_id"] is None

    @pytest.mark.parametrize(
        "form, first_questions",
        [
            (ValidateStatementForm, ["national_id", "date_of_birth", "statement_period"]),
            (ValidateAddressForm, ["national_id", "date_of_birth", "otp_code", "street"]),
        ],
    )
    async def test_a_request_after_continuing_asks_identity_again(
        self, form, first_questions
    ) -> None:
        # Before: checked, so the form asks none of it.
        before = await form().required_slots([], CollectingDispatcher(), tracker(VERIFIED), {})
        assert "national_id" not in before and "otp_code" not in before
        _, events = await run(ActionContinueHere(), tracker(VERIFIED))
        after = tracker(applied(VERIFIED, events))
        slots = await form().required_slots([], CollectingDispatcher(), after, {})
        assert slots[: len(first_questions)] == first_questions

    async def test_a_lock_stays_after_continuing(self) -> None:
        locked = {**VERIFIED, "identity_locked_until": time.time() + 3600}
        _, events = await run(ActionContinueHere(), tracker(locked))
        after = tracker(applied(locked, events))
        form = ValidateStatementForm()
        assert await form.required_slots([], CollectingDispatcher(), after, {}) == []
