"""Identity in the request forms: the national ID's format, the one-time code and its limits.

The CMS answers from a script (httpx.MockTransport); the rules are
identity-and-privacy.md's and requests-in-chat.md's, and the wording is
read from the handbook where it gives the words.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, Dict, Iterator, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.citizen_requests.base import identity_level, identity_locked
from actions.citizen_requests.otp import ActionAskOtpCode
from actions.citizen_requests.record_forms import ValidateBankForm
from bot.content import HANDBOOK_DIR
from clients.cms import CmsClient
from clients.http import RetryPolicy, idempotency_key
from tests.api.fakes import CMS_URL, TOKEN, Script, cms_error, reply
from tests.english import said

VERIFIED = {"person_id": "P-1001", "identity_level": 1.0}


def tracker(slots: Optional[Dict[str, Any]] = None, text: str = "x") -> Tracker:
    return Tracker(
        sender_id="citizen-otp", slots=dict(slots or {}),
        latest_message={"text": text, "intent": {"name": "inform", "confidence": 0.95}},
        events=[], paused=False, followup_action=None, active_loop={"name": "bank_form"},
        latest_action_name="action_listen",
    )


def verified(**slots: Any) -> Tracker:
    return tracker({**VERIFIED, "identity_at": time.time(), **slots})


@pytest.fixture
def cms() -> Iterator[Script]:
    """The CMS the actions reach: each test appends its scripted answers."""
    script = Script([])
    bootstrap.use_factories(cms=lambda: CmsClient(
        CMS_URL, TOKEN, transport=script.transport, retry=RetryPolicy(max_attempts=1)))
    yield script
    bootstrap.use_factories()


def handbook_quote(name: str, starts: str) -> str:
    """The handbook's quoted sentence beginning with `starts`."""
    text = (HANDBOOK_DIR / name).read_text(encoding="utf-8")
    match = re.search(r'"(' + re.escape(starts) + r'[^"]*)"', text)
    assert match, f"{name} quotes no sentence starting {starts!r}"
    return match.group(1)


class TestNationalIdInTheForm:
    async def test_a_number_of_the_wrong_length_gets_the_handbooks_message(self) -> None:
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_national_id(
            "8503121234", dispatcher, tracker(), {}
        )
        assert result == {"national_id": None}
        wanted = handbook_quote("requests-in-chat.md", "A national ID number has 11 digits")
        assert [said(m) for m in dispatcher.messages] == [wanted]

    async def test_a_wrong_check_digit_is_refused_before_any_identity_check(self, cms) -> None:
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_national_id(
            "85031212346", dispatcher, tracker(), {}
        )
        assert result == {"national_id": None}
        assert "not a valid national ID number" in said(dispatcher.messages[0])
        assert cms.requests == [], "a typo is no failed identity check"

    async def test_a_valid_number_is_kept_without_its_separators(self) -> None:
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_national_id(
            "850312-1234 5", dispatcher, tracker(), {}
        )
        assert result == {"national_id": "85031212345"}
        assert dispatcher.messages == []


class TestOneTimeCode:
    async def test_a_wrong_code_is_refused_with_the_attempts_left(self, cms) -> None:
        cms.steps.append(cms_error(401, "wrong_code", details={"attempts_left": 2}))
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_otp_code(
            "123 456", dispatcher, verified(otp_id="OTP-1", otp_requests=1.0), {}
        )
        assert result == {"otp_code": None}
        [message] = dispatcher.messages
        assert (message["response"], message["attempts_left"]) == ("utter_otp_wrong", 2)
        assert cms.requests[0].url.path == "/v1/identity/otp/OTP-1/check"
        assert cms.body(0) == {"code": "123456"}

    async def test_the_right_code_gives_level_2(self, cms) -> None:
        cms.steps.append(reply(200, {"level": 2, "person_id": "P-1001"}))
        before = time.time()
        result = await ValidateBankForm().validate_otp_code(
            "654321", CollectingDispatcher(), verified(otp_id="OTP-1", otp_requests=1.0), {}
        )
        assert (result["otp_code"], result["identity_level"]) == ("checked", 2.0)
        assert before <= result["identity_at"] <= time.time()

    @pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
    async def test_a_code_that_is_not_6_digits_never_reaches_the_cms(self, cms, code) -> None:
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_otp_code(
            code, dispatcher, verified(otp_id="OTP-1"), {}
        )
        assert result == {"otp_code": None}
        assert dispatcher.messages[0]["response"] == "utter_otp_format"
        assert cms.requests == []

    async def test_without_a_pending_code_nothing_is_checked(self, cms) -> None:
        result = await ValidateBankForm().validate_otp_code(
            "123456", CollectingDispatcher(), verified(), {}
        )
        assert result == {"otp_code": None} and cms.requests == []

    @pytest.mark.parametrize("code", ["expired", "locked"])
    async def test_the_first_code_failing_gets_one_new_code(self, cms, code) -> None:
        cms.steps.append(cms_error(410, code, details={"attempts_left": 0}))
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_otp_code(
            "123456", dispatcher, verified(otp_id="OTP-1", otp_requests=1.0), {}
        )
        assert result == {"otp_code": None, "otp_id": None}
        assert [m["response"] for m in dispatcher.messages] == ["utter_otp_new_code"]

    @pytest.mark.parametrize("code", ["expired", "locked"])
    async def test_the_new_code_failing_too_ends_level_2(self, cms, code) -> None:
        cms.steps.append(cms_error(410, code, details={"attempts_left": 0}))
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_otp_code(
            "123456", dispatcher, verified(otp_id="OTP-2", otp_requests=2.0), {}
        )
        assert result == {"otp_code": None, "otp_id": None, "level2_blocked": True}
        assert [m["response"] for m in dispatcher.messages] == ["utter_level2_failed"]

    async def test_a_cms_down_checks_nothing(self, cms) -> None:
        cms.steps.append(cms_error(503, "unavailable"))
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_otp_code(
            "123456", dispatcher, verified(otp_id="OTP-1", otp_requests=1.0), {}
        )
        assert result == {"otp_code": None}
        assert dispatcher.messages[0]["response"] == "utter_identity_unavailable"


class TestLevel2Form:
    async def test_level_1_is_asked_for_the_code_before_the_answers(self) -> None:
        slots = await ValidateBankForm().required_slots([], CollectingDispatcher(), verified(), {})
        assert slots[0] == "otp_code" and "national_id" not in slots

    async def test_level_2_is_not_asked_again(self) -> None:
        t = verified(identity_level=2.0)
        slots = await ValidateBankForm().required_slots([], CollectingDispatcher(), t, {})
        assert "otp_code" not in slots and slots[-1] == "confirm"

    async def test_level_2_blocked_ends_the_form(self) -> None:
        t = verified(level2_blocked=True)
        assert await ValidateBankForm().required_slots([], CollectingDispatcher(), t, {}) == []

    async def test_the_check_runs_out_after_15_minutes(self) -> None:
        t = tracker({**VERIFIED, "identity_level": 2.0, "identity_at": time.time() - 15 * 60 - 5})
        assert identity_level(t) == 0
        assert identity_level(verified(identity_level=2.0)) == 2


class TestSendingTheCode:
    async def test_the_new_code_is_the_second_request(self, cms) -> None:
        cms.steps.append(reply(201, {"otp_id": "OTP-2", "expires_at": "2026-11-25T10:05:00Z",
                                     "sent_to_last4": "5678"}))
        dispatcher = CollectingDispatcher()
        events = await ActionAskOtpCode().run(dispatcher, verified(otp_requests=1.0), {})
        assert events == [SlotSet("otp_id", "OTP-2"), SlotSet("otp_requests", 2.0)]
        [message] = dispatcher.messages
        assert (message["response"], message["phone_last4"]) == ("utter_otp_sent", "5678")
        assert cms.body(0) == {"person_id": "P-1001"}
        key = idempotency_key("citizen-otp", "otp", "P-1001", 2)
        assert cms.requests[0].headers["Idempotency-Key"] == key

    async def test_the_first_code_is_the_first_request(self, cms) -> None:
        cms.steps.append(reply(201, {"otp_id": "OTP-1", "expires_at": "2026-11-25T10:05:00Z",
                                     "sent_to_last4": "5678"}))
        events = await ActionAskOtpCode().run(CollectingDispatcher(), verified(), {})
        assert events == [SlotSet("otp_id", "OTP-1"), SlotSet("otp_requests", 1.0)]
        key = idempotency_key("citizen-otp", "otp", "P-1001", 1)
        assert cms.requests[0].headers["Idempotency-Key"] == key

    async def test_a_pending_code_is_asked_for_not_sent_again(self, cms) -> None:
        dispatcher = CollectingDispatcher()
        assert await ActionAskOtpCode().run(dispatcher, verified(otp_id="OTP-1"), {}) == []
        assert dispatcher.messages[0]["response"] == "utter_ask_otp_code"
        assert cms.requests == []

    async def test_no_phone_on_record_blocks_level_2(self, cms) -> None:
        cms.steps.append(cms_error(422, "no_phone"))
        dispatcher = CollectingDispatcher()
        events = await ActionAskOtpCode().run(dispatcher, verified(), {})
        assert events == [SlotSet("level2_blocked", True), SlotSet("requested_slot", None)]
        assert [m["response"] for m in dispatcher.messages] == ["utter_level2_no_phone"]

    async def test_a_cms_down_blocks_level_2_for_now(self, cms) -> None:
        cms.steps.append(cms_error(503, "unavailable"))
        dispatcher = CollectingDispatcher()
        events = await ActionAskOtpCode().run(dispatcher, verified(), {})
        assert events == [SlotSet("level2_blocked", True), SlotSet("requested_slot", None)]
        assert [m["response"] for m in dispatcher.messages] == ["utter_identity_unavailable"]


def test_the_code_message_says_what_the_handbook_says() -> None:
    import yaml

    from bot.settings import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    sent = domain["responses"]["utter_otp_sent"][0]["text"]
    wanted = handbook_quote("identity-and-privacy.md", "We have sent a code to your phone")
    assert sent.startswith(wanted.replace("####", "{phone_last4}"))


class FakePersons:
    """Where notices go: records which conversation each person verified in."""

    def __init__(self) -> None:
        self.remembered: list = []

    def remember(self, person_id: str, conversation_id: str, channel: str) -> None:
        self.remembered.append((person_id, conversation_id, channel))


@pytest.fixture
def persons() -> Iterator[FakePersons]:
    from actions.notices import use_persons

    fake = FakePersons()
    use_persons(lambda: fake)
    yield fake
    use_persons(None)


def identity_cms(script: Script) -> None:
    """The CMS knows one person: 85031212345, born 12.03.1985."""
    def verify(request: Any) -> Any:
        import httpx

        body = json.loads(request.content)
        if (body["national_id"], body["date_of_birth"]) == ("85031212345", "1985-03-12"):
            return httpx.Response(200, json={"person_id": "P-1001", "level": 1})
        return httpx.Response(404, json={"code": "not_found", "message": "no match"})

    script.steps.append(verify)


class TestIdentityLevel1:
    async def test_a_match_gives_level_1_and_shows_only_the_last_4_digits(
        self, cms, persons
    ) -> None:
        identity_cms(cms)
        dispatcher = CollectingDispatcher()
        before = time.time()
        result = await ValidateBankForm().validate_date_of_birth(
            "12.03.1985", dispatcher, tracker({"national_id": "85031212345"}), {})
        at = result.pop("identity_at")
        assert before <= at <= time.time()
        assert result == {
            "national_id": "*******2345", "verified_national_id": "85031212345",
            "verified_date_of_birth": "1985-03-12", "date_of_birth": "12.03.1985",
            "person_id": "P-1001", "identity_level": 1.0, "identity_failures": 0.0,
        }
        assert dispatcher.messages == []
        assert persons.remembered == [("P-1001", "citizen-otp", "unknown")]

    async def test_a_mismatch_counts_and_says_not_which(self, cms, persons) -> None:
        identity_cms(cms)
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_date_of_birth(
            "11.03.1985", dispatcher,
            tracker({"national_id": "85031212345", "identity_failures": 1.0}), {})
        assert result == {"national_id": None, "date_of_birth": None, "identity_failures": 2.0}
        assert [m["response"] for m in dispatcher.messages] == ["utter_identity_mismatch"]
        assert persons.remembered == []

    async def test_the_third_mismatch_locks_for_an_hour_without_a_message(self, cms) -> None:
        identity_cms(cms)
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_date_of_birth(
            "11.03.1985", dispatcher,
            tracker({"national_id": "85031212345", "identity_failures": 2.0}), {})
        until = result.pop("identity_locked_until")
        assert 3599 <= until - time.time() <= 3600
        assert result == {"national_id": None, "date_of_birth": None, "identity_failures": 0.0}
        assert dispatcher.messages == []

    async def test_a_birth_date_not_in_the_id_number_is_a_mismatch_unasked(self, cms) -> None:
        result = await ValidateBankForm().validate_date_of_birth(
            "13.03.1985", CollectingDispatcher(), tracker({"national_id": "85031212345"}), {})
        assert result["identity_failures"] == 1.0 and cms.requests == []

    async def test_a_cms_down_checks_nothing_and_counts_nothing(self, cms) -> None:
        cms.steps.append(cms_error(503, "unavailable"))
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_date_of_birth(
            "12.03.1985", dispatcher, tracker({"national_id": "85031212345"}), {})
        assert result == {"national_id": None, "date_of_birth": None}
        assert [m["response"] for m in dispatcher.messages] == ["utter_identity_unavailable"]

    async def test_a_date_that_is_no_date_is_asked_again(self, cms) -> None:
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_date_of_birth(
            "the twelfth", dispatcher, tracker({"national_id": "85031212345"}), {})
        assert result == {"date_of_birth": None}
        assert "date" in said(dispatcher.messages[0]) and cms.requests == []


class TestLock:
    @pytest.mark.parametrize("offset, locked", [(-10, True), (0, False), (10, False)])
    def test_the_lock_lasts_until_its_time(self, offset, locked) -> None:
        until = 1_000_000.0  # long past: `now` is the clock that counts
        t = tracker({"identity_locked_until": until})
        assert identity_locked(t, now=until + offset) is locked

    def test_no_lock_at_the_start_of_time(self) -> None:
        assert identity_locked(tracker(), now=0.5) is False


class TestFormStops:
    async def test_a_declined_request_asks_nothing_more(self) -> None:
        t = verified(request_declined=True)
        assert await ValidateBankForm().required_slots([], CollectingDispatcher(), t, {}) == []

    async def test_a_web_only_request_asks_nothing_by_sms(self) -> None:
        from actions.citizen_requests.forms import ValidateChildBenefitForm

        user = {"event": "user", "text": "x", "input_channel": "twilio"}
        t = Tracker("sms-1", {**VERIFIED, "identity_at": time.time()},
                    {"text": "x", "intent": {}}, [user], False, None, {}, "action_listen")
        form = ValidateChildBenefitForm()
        assert await form.required_slots([], CollectingDispatcher(), t, {}) == []
        web = verified()
        assert await form.required_slots([], CollectingDispatcher(), web, {}) != []

    async def test_a_policy_question_instead_of_the_code_is_answered(self, cms) -> None:
        selector = {"pension": {"response": {"utter_action": "utter_pension/payment"}}}
        latest = {"text": "when is my pension paid", "response_selector": selector,
                  "intent": {"name": "pension", "confidence": 0.95}}
        t = Tracker("citizen-otp", {**VERIFIED, "identity_at": time.time(), "otp_id": "OTP-1"},
                    latest, [], False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        result = await ValidateBankForm().validate_otp_code(
            "when is my pension paid", dispatcher, t, {})
        assert result == {"otp_code": None}
        assert [m["response"] for m in dispatcher.messages] == ["utter_pension/payment"]
        assert cms.requests == []


class TestQuestionsThatDependOnEarlierAnswers:
    async def test_a_reply_wanted_asks_for_the_contact_and_a_verified_person_for_the_case(
        self,
    ) -> None:
        from actions.citizen_requests.forms import ValidateComplaintForm

        form = ValidateComplaintForm()
        anonymous = await form.required_slots(
            [], CollectingDispatcher(), tracker({"wants_reply": False}), {})
        assert anonymous == ["complaint_topic", "complaint_text", "wants_reply", "confirm"]
        replied = await form.required_slots(
            [], CollectingDispatcher(), verified(wants_reply=True), {})
        assert replied == ["complaint_topic", "complaint_text", "complaint_case_reference",
                           "wants_reply", "confirm"]
