"""A half-finished request kept across the 15-minute end and offered again (recorded trackers)."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.citizen_requests.base import IDENTITY_VALID_SECONDS, identity_level
from actions.citizen_requests.dialogue import ActionCancelRequest
from actions.citizen_requests.forms import FORMS, ValidateAddressForm, ValidateHousingForm
from actions.citizen_requests.paused import (
    FORM_OFFERED,
    IDENTITY_SLOTS_RESET,
    PAUSED_FORM,
    REQUEST_NAMES,
    ActionDiscardPausedForm,
    ActionOfferPausedForm,
    ActionResumePausedForm,
    answer_slots,
    pause_active_form,
)
from actions.language import ActionPrivacyNotice
from actions.session import ActionSessionStart
from bot.i18n.catalogue import default_catalogue
from bot.settings import PROJECT_ROOT
from tests.english import english

VERIFIED = {
    "person_id": "P-1001",
    "identity_level": 1.0,
    "national_id": "*******2345",
    "date_of_birth": "12.03.1985",
    "verified_national_id": "85031212345",
    "verified_date_of_birth": "1985-03-12",
}


@pytest.fixture(autouse=True)
def _identity_checked_just_now() -> None:
    # A check lasts 15 minutes, and a long suite imports this module long before
    # it runs these tests: the check of VERIFIED is made fresh for each one.
    VERIFIED["identity_at"] = time.time() - 60


HOUSING_ANSWERS = {
    "consent_to_forward": True,
    "full_name": "Anna Berg",
    "street": "Harbour Street 12",
    "postcode": "3100",
    "monthly_rent": 75000,
}
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def tracker(slots: Optional[Dict[str, Any]] = None, form: Optional[str] = None,
            events: Optional[List[Dict[str, Any]]] = None, text: str = "hello",
            intent: str = "greet") -> Tracker:
    slots = dict(slots or {})
    if "person_id" in slots:
        # Checked a minute before the test runs, whenever that is (a check lasts 15 minutes).
        slots.setdefault("identity_at", time.time() - 60)
    return Tracker(
        sender_id="citizen-1", slots=slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.95}},
        events=list(events or []), paused=False, followup_action=None,
        active_loop={"name": form} if form else {}, latest_action_name="action_listen",
    )


async def run(action, t: Tracker, domain: Optional[dict] = None):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, domain or {})
    return dispatcher.messages, events


def slot_events(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# --- the 15-minute end of a conversation ---------------------------------------------


async def _started(old: Tracker):
    """The session start, then the notice (and offer) after the first message."""
    messages, events = await run(ActionSessionStart(), old)
    assert messages == []
    new = tracker(slot_events(events))
    told, told_events = await run(ActionPrivacyNotice(), new)
    return told, events


def _english(message: Dict[str, Any]) -> str:
    return default_catalogue().render(message["request"], "en")


async def test_session_start_keeps_the_answers_not_the_identity() -> None:
    old = tracker({**VERIFIED, **HOUSING_ANSWERS, "requested_slot": "city",
                   "misunderstood_count": 2}, form="housing_form")
    messages, events = await _started(old)
    assert [m["response"] for m in messages] == ["utter_privacy/notice", "utter_offer_paused_form"]
    assert _english(messages[1]) == "an application for housing allowance"
    assert events[0] == SessionStarted() and events[-1] == ActionExecuted("action_listen")
    assert slot_events(events) == {**HOUSING_ANSWERS, PAUSED_FORM: "housing_form",
                                   FORM_OFFERED: True, "privacy_notice_due": True}


async def test_session_start_without_a_request_only_sends_the_notice() -> None:
    messages, events = await _started(tracker({**VERIFIED, "street": "x"}))
    assert [m["response"] for m in messages] == ["utter_privacy/notice"]
    assert slot_events(events) == {"privacy_notice_due": True}


async def test_a_form_without_answers_is_not_offered() -> None:
    messages, events = await _started(tracker(VERIFIED, form="statement_form"))
    assert [m["response"] for m in messages] == ["utter_privacy/notice"]
    assert slot_events(events) == {"privacy_notice_due": True}


async def test_a_request_paused_twice_is_still_offered() -> None:
    old = tracker({"callback_name": "Lars", PAUSED_FORM: "callback_form", FORM_OFFERED: True})
    messages, events = await _started(old)
    assert _english(messages[1]) == "a request for a call back"
    assert slot_events(events) == {"callback_name": "Lars", PAUSED_FORM: "callback_form",
                                   "privacy_notice_due": True,
                                   FORM_OFFERED: True}


async def test_the_lock_after_failed_checks_outlasts_the_conversation() -> None:
    until = time.time() + 1800
    _, events = await run(ActionSessionStart(), tracker({"identity_locked_until": until}))
    assert slot_events(events) == {"identity_locked_until": until, "privacy_notice_due": True}


# --- pausing in the middle of a conversation (e.g. another channel joins) ------------------


def test_pause_active_form_resets_identity_and_opens_the_offer() -> None:
    t = tracker({**VERIFIED, **HOUSING_ANSWERS, "otp_id": "otp-1", "requested_slot": "city"},
                form="housing_form")
    events = pause_active_form(t)
    assert events[0] == ActiveLoop(None)
    slots = slot_events(events)
    assert {k: slots[k] for k in IDENTITY_SLOTS_RESET} == IDENTITY_SLOTS_RESET
    assert slots["requested_slot"] is None
    assert slots[PAUSED_FORM] == "housing_form" and slots[FORM_OFFERED] is True
    # The answers are kept where they are.
    assert not set(HOUSING_ANSWERS) & set(slots)


def test_pause_without_a_request_does_nothing() -> None:
    assert pause_active_form(tracker(VERIFIED)) == []


async def test_offer_action_pauses_and_offers() -> None:
    t = tracker({**VERIFIED, "street": "Quay Road 5"}, form="address_form")
    messages, events = await run(ActionOfferPausedForm(), t)
    assert [m["response"] for m in messages] == ["utter_offer_paused_form"]
    assert english(messages[0]["request"]) == "a change of address"
    assert slot_events(events)["identity_level"] == 0.0


async def test_offer_action_offers_a_paused_request_again_and_is_silent_without_one() -> None:
    messages, events = await run(ActionOfferPausedForm(), tracker({PAUSED_FORM: "bank_form"}))
    assert english(messages[0]["request"]) == "a change of bank account"
    assert events == [SlotSet(FORM_OFFERED, True)]
    assert await run(ActionOfferPausedForm(), tracker()) == ([], [])


# --- 1 Yes, 2 No, cancel -------------------------------------------------------------------


async def test_yes_starts_the_form_again_identity_first() -> None:
    t = tracker({**HOUSING_ANSWERS, PAUSED_FORM: "housing_form", FORM_OFFERED: True},
                text="1", intent="affirm")
    messages, events = await run(ActionResumePausedForm(), t)
    assert [m["response"] for m in messages] == ["utter_paused_form_resumed",
                                                 "utter_identity_again"]
    assert events == [SlotSet(FORM_OFFERED, False), FollowupAction("housing_form")]


async def test_yes_to_a_request_without_identity_does_not_mention_it() -> None:
    t = tracker({"callback_name": "Lars", PAUSED_FORM: "callback_form", FORM_OFFERED: True})
    messages, _ = await run(ActionResumePausedForm(), t)
    assert [m["response"] for m in messages] == ["utter_paused_form_resumed"]


async def test_no_deletes_the_answers() -> None:
    t = tracker({**HOUSING_ANSWERS, PAUSED_FORM: "housing_form", FORM_OFFERED: True})
    messages, events = await run(ActionDiscardPausedForm(), t)
    assert [m["response"] for m in messages] == ["utter_paused_form_discarded"]
    assert slot_events(events) == {**dict.fromkeys(HOUSING_ANSWERS), PAUSED_FORM: None,
                                   FORM_OFFERED: False}


async def test_cancel_answers_the_offer_like_no() -> None:
    t = tracker({**HOUSING_ANSWERS, PAUSED_FORM: "housing_form", FORM_OFFERED: True},
                text="cancel", intent="cancel")
    messages, events = await run(ActionCancelRequest(), t)
    assert [m["response"] for m in messages] == ["utter_paused_form_discarded"]
    assert slot_events(events)["full_name"] is None


# --- the form going on ----------------------------------------------------------------------


def activation(slots: Dict[str, Any], form: str, candidates: Dict[str, Any]) -> Tracker:
    """The tracker Rasa hands the validation action when a form starts with filled slots."""
    events = [{"event": "action", "name": "action_listen"},
              {"event": "user", "text": "1", "timestamp": time.time()}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    t = tracker({**slots, **candidates}, events=events, text="1", intent="affirm")
    t.active_loop = {"name": form}
    return t


async def test_resumed_form_keeps_its_answers_and_asks_identity() -> None:
    # Rent is kept in cents: checking it again as typed text would make it 100 times more.
    t = activation({PAUSED_FORM: "housing_form"}, "housing_form", HOUSING_ANSWERS)
    messages, events = await run(ValidateHousingForm(), t, DOMAIN)
    slots = slot_events(events)
    assert messages == []
    assert "monthly_rent" not in slots and t.get_slot("monthly_rent") == 75000
    assert slots[PAUSED_FORM] is None and slots[FORM_OFFERED] is False
    assert slots["requested_slot"] == "national_id"


async def test_resumed_form_after_identity_asks_the_first_missing_answer() -> None:
    verified = {**VERIFIED, "identity_at": time.time()}
    t = activation({**verified, PAUSED_FORM: "housing_form"}, "housing_form", HOUSING_ANSWERS)
    _, events = await run(ValidateHousingForm(), t, DOMAIN)
    assert slot_events(events)["requested_slot"] == "city"


async def test_another_request_deletes_the_paused_answers() -> None:
    # A change of address was paused; a housing application must ask its own street.
    paused = {"street": "Quay Road 5", "postcode": "3200", "city": "Westfjord"}
    t = activation({PAUSED_FORM: "address_form", FORM_OFFERED: True}, "housing_form", paused)
    _, events = await run(ValidateHousingForm(), t, DOMAIN)
    slots = slot_events(events)
    assert {k: slots[k] for k in paused} == dict.fromkeys(paused)
    assert slots[PAUSED_FORM] is None and slots[FORM_OFFERED] is False
    assert slots["requested_slot"] == "consent_to_forward"


async def test_without_a_paused_request_answers_are_checked_as_usual() -> None:
    t = activation(VERIFIED, "address_form", {"postcode": "31"})
    messages, events = await run(ValidateAddressForm(), t, DOMAIN)
    assert slot_events(events)["postcode"] is None and messages


# --- identity after 15 minutes without a message ------------------------------------------------


def user(ago: float) -> Dict[str, Any]:
    return {"event": "user", "text": "x", "timestamp": time.time() - ago}


@pytest.mark.parametrize(
    "checked_ago, messages_ago, level",
    [
        (60, [30, 0], 1),
        # Still talking: a check 20 minutes old holds (it lasts until the conversation ends).
        (20 * 60, [14 * 60, 7 * 60, 0], 1),
        # Two messages are enough to know the one before: 10 minutes ago.
        (20 * 60, [10 * 60, 0], 1),
        # 15 minutes without a message, yet in the same conversation: checked again.
        (20 * 60, [16 * 60, 0], 0),
        (17 * 60, [], 0),
        (60, [], 1),
    ],
)
def test_identity_lasts_until_15_minutes_without_a_message(
    checked_ago: float, messages_ago: List[float], level: int
) -> None:
    slots = {**VERIFIED, "identity_at": time.time() - checked_ago}
    assert identity_level(tracker(slots, events=[user(a) for a in messages_ago])) == level
    assert IDENTITY_VALID_SECONDS == 15 * 60


def test_identity_is_judged_at_the_time_given() -> None:
    checked = 1_800_000_000.0
    slots = {**VERIFIED, "identity_at": checked}
    assert identity_level(tracker(slots), now=checked + 14 * 60) == 1
    # Exactly 15 minutes: Rasa ends a conversation only after more than its
    # session_expiration_time (rasa/core/processor.py), and so does the check.
    assert identity_level(tracker(slots), now=checked + 15 * 60) == 1
    assert identity_level(tracker(slots), now=checked + 15 * 60 + 0.5) == 0
    assert identity_level(tracker(slots), now=checked + 16 * 60) == 0


def test_identity_without_a_time_or_person_is_level_0() -> None:
    assert identity_level(tracker({**VERIFIED, "identity_at": None})) == 0
    assert identity_level(tracker({**VERIFIED, "person_id": None})) == 0


# --- content -------------------------------------------------------------------------------


def test_every_form_has_a_name_in_the_offer_and_answers_to_keep() -> None:
    assert set(REQUEST_NAMES) == set(FORMS)
    for form in FORMS:
        assert answer_slots(form) and not {"national_id", "date_of_birth"} & set(answer_slots(form))


@pytest.mark.parametrize("form", sorted(REQUEST_NAMES))
def test_the_offer_is_plain_and_fits_one_sms(form: str) -> None:
    responses = DOMAIN["responses"]["utter_offer_paused_form"]
    for variant in responses:
        name = default_catalogue().text(REQUEST_NAMES[form], "en")[0]
        text = variant["text"].format(request=name)
        assert text.endswith("Do you want to continue? 1 Yes 2 No")
        assert len(text) <= 320
    for key in ("utter_paused_form_resumed", "utter_identity_again", "utter_paused_form_discarded"):
        assert key in DOMAIN["responses"]


def test_domain_declares_the_slots_and_actions() -> None:
    assert DOMAIN["slots"][FORM_OFFERED]["influence_conversation"] is True
    assert DOMAIN["slots"][PAUSED_FORM]["influence_conversation"] is False
    for action in ("action_offer_paused_form", "action_resume_paused_form",
                   "action_discard_paused_form"):
        assert action in DOMAIN["actions"]
