"""Masking and sealing of what the conversation store and the logs keep (bot/privacy.py)."""

from __future__ import annotations

import copy
import io
import json
import logging
import sys

import pytest

from bot import privacy
from bot.privacy import SEAL_PREFIX, Sealer, mask_personal_numbers, protect_event, reveal_event

NATIONAL_ID = "85031212345"
ACCOUNT = "NR94 1234 5678 9012 3456"
PHONE = "0412 345 678"


@pytest.fixture
def sealer() -> Sealer:
    return Sealer("test-store-key")


class TestMaskPersonalNumbers:
    @pytest.mark.parametrize(
        "text, masked",
        [
            (f"my id is {NATIONAL_ID}", "my id is *******2345"),
            (f"account {ACCOUNT} please", "account NR**************3456 please"),
            ("account NR941234567890123456", "account NR**************3456"),
            (f"call me on {PHONE}", "call me on ******5678"),
            ("+999 412 345 678", "+999*****5678"),
            # Any run of 9 digits or more, whatever it is.
            ("ref 123456789 ok", "ref *****6789 ok"),
            # A card number: four groups of four.
            ("card 1234 5678 9012 3456", "card ************3456"),
        ],
    )
    def test_personal_numbers_keep_only_their_last_4(self, text: str, masked: str) -> None:
        assert mask_personal_numbers(text) == masked

    @pytest.mark.parametrize("text, masked", [
        # Decimal digits of other scripts and full-width signs count as theirs.
        ("id \u0668\u0665\u0660\u0663\u0661\u0662\u0661\u0662\u0663\u0664\u0665 ok",
         "id *******2345 ok"),
        ("call \uff0b\uff14\uff14 \uff12\uff10 \uff17\uff19\uff14\uff16 "
         "\uff10\uff10\uff10\uff10 now", "call +44******0000 now"),
        ("id 850312\u300012345 ok", "id *******2345 ok"),  # an ideographic space
        ("id 850312\uff0d12345 ok", "id *******2345 ok"),  # a full-width hyphen
        # A national number before an international one: both are found.
        ("call 020 7946 0000 or +44 20 7946 0001", "call *******0000 or +44******0001"),
        ("+39 06 1234 5678", "+39******5678"),  # Italy: the leading 0 is the number's
        # 11 digits that start after a longer run of groups.
        ("ref 12345678 12345678 123 45678901", "ref ***********************8901"),
        # A reference or date next to a phone number, an ID right before one.
        ("Case NSSA-2026-000123: call +44 20 7946 0958, id 85031212345",
         "Case NSSA-2026-000123: call +44******0958, id *******2345"),
        ("85031212345+44 20 7946 0958", "*******2345+44******0958"),
        ("12.03.1985+44 20 7946 0958", "12.03.1985+44******0958"),
        ("+44 20 7946 0958 NSSA-2026-000123", "+44******0958 NSSA-2026-000123"),
        # A date keeps its meaning where the phone finder reads a number across it
        # ("0044 20 7946 0958"); the digits after it are no national number either.
        ("12.03.0044 20 7946 0958", "12.03.0044 20 7946 0958"),
    ])
    def test_numbers_in_any_script_and_next_to_each_other(self, text: str, masked: str) -> None:
        assert mask_personal_numbers(text) == masked

    @pytest.mark.parametrize("text", [
        "Code 12 34 56 78.",  # 8 digits: no ID, phone or account number
        "Invoice 12 1234 1234 1234.",  # 14 digits, but only three groups of four in a row
        "Parcel 12345678 and 1234 5678.",  # 8 digits under 9 in one run
    ])
    def test_digit_groups_that_are_no_personal_number_stay(self, text: str) -> None:
        assert mask_personal_numbers(text) == text

    @pytest.mark.parametrize(
        "text",
        [
            "Call 0800 600 100 on working days.",
            "The National Crisis Line is 0800 111 222.",
            "Your case NSSA-2026-000123 was received.",
            "Housing Office number HO-12345678.",
            "From abroad: +999 20 600 100.",
            "Born 12.03.1985, moved on 2026-11-25, postcode 3100.",
        ],
    )
    def test_agency_numbers_references_and_dates_stay(self, text: str) -> None:
        assert mask_personal_numbers(text) == text

    @pytest.mark.parametrize(
        "text, masked",
        [
            ("call +44 7700 900123 now", "call +44******0123 now"),
            ("+44-7700-900123", "+44******0123"),
            ("+44.7700.900123", "+44******0123"),
            ("+44 (0)7700 900123", "+44******0123"),
            ("(+44) 7700 900123", "+44******0123"),
            ("0044 7700 900123", "+44******0123"),
            ("00 44 7700 900123", "+44******0123"),
            ("+1 (415) 555-2671", "+1******2671"),
            ("+49 30 901820", "+49****1820"),
            ("+33 1 23 45 67 89", "+33*****6789"),
            ("me: +447700900123.", "me: +44******0123."),
            # Northland's own numbers, national and international, as before.
            ("0412-345-678", "******5678"),
            ("(0412) 345 678", "(******5678"),
            ("0412.345.678", "******5678"),
            ("+999 412 345 678", "+999*****5678"),
            ("00999 412 345 678", "+999*****5678"),
        ],
    )
    def test_phone_numbers_in_every_written_form_keep_only_their_last_4(
        self, text: str, masked: str
    ) -> None:
        assert mask_personal_numbers(text) == masked

    @pytest.mark.parametrize(
        "text",
        [
            "Call 0800 600 100, or +999 20 600 100 from abroad.",
            "Your case NSSA-2026-000123 and HO-12345678; born 12.03.1985.",
            "A version number 3.6.21 and a time 12:30 stay.",
        ],
    )
    def test_the_phone_finder_leaves_agency_numbers_and_references(self, text: str) -> None:
        assert mask_personal_numbers(text) == text


class TestSealer:
    @pytest.mark.parametrize("value", [NATIONAL_ID, ACCOUNT, 123456, ["a", 1], {"k": "v"}, True])
    def test_round_trip(self, sealer: Sealer, value) -> None:
        token = sealer.seal(value)
        assert token.startswith(SEAL_PREFIX)
        assert json.dumps(value).strip('"') not in token
        assert sealer.unseal(token) == value

    def test_same_value_gives_a_new_token_each_time(self, sealer: Sealer) -> None:
        assert sealer.seal(NATIONAL_ID) != sealer.seal(NATIONAL_ID)

    def test_another_key_cannot_open_it(self, sealer: Sealer) -> None:
        token = sealer.seal(NATIONAL_ID)
        with pytest.raises(ValueError, match="another key") as raised:
            Sealer("another-key").unseal(token)
        assert NATIONAL_ID not in str(raised.value)

    @pytest.mark.parametrize(
        "value, message",
        [("plain text", "^not a sealed value$"),
         (SEAL_PREFIX + "garbage", "^sealed with another key or damaged$"),
         (SEAL_PREFIX + "é", "^sealed with another key or damaged$")],
    )
    def test_not_a_token(self, sealer: Sealer, value: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            sealer.unseal(value)

    def test_empty_key_is_refused(self) -> None:
        wanted = r"^the store key \(NSSA_STORE_KEY\) must not be empty$"
        with pytest.raises(ValueError, match=wanted):
            Sealer("")

    def test_a_value_sealed_by_an_earlier_version_still_opens(self, sealer: Sealer) -> None:
        # Sealed once with the key "test-store-key": the key derivation (HKDF-SHA256,
        # no salt, info "...sealed slot values v1") must stay, or every sealed slot
        # of the conversations under way is lost.
        token = ("nssa-sealed:v1:gAAAAABrFnOcshtep7lzYwzJSj6MJbF7Tk9rHhRfP1_hLdBzLh4s1VqbKlEq"
                 "S86lro7s-CYdpGo9YtQ3R1V9PCURVTZNzuRszrgnDpkHf8nlN2IWWrkeGY4=")
        assert sealer.unseal(token) == {"n": NATIONAL_ID}


def _user_event() -> dict:
    text = f"my id is {NATIONAL_ID} and my account {ACCOUNT}"
    return {
        "event": "user",
        "timestamp": 1764000000.123,
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": "change_bank_account", "confidence": 0.9},
            "entities": [{"entity": "number", "value": NATIONAL_ID, "start": 9, "end": 20}],
        },
        "input_channel": "rest",
        "metadata": {"phone": PHONE},
    }


class TestProtectEvent:
    def test_user_text_parse_data_and_metadata_are_masked(self, sealer: Sealer) -> None:
        stored = json.dumps(protect_event(_user_event(), sealer))
        for secret in (NATIONAL_ID, "941234567890123456", "0412345678", PHONE):
            assert secret not in stored
        assert "*******2345" in stored and "NR**************3456" in stored
        assert "change_bank_account" in stored and "1764000000.123" in stored

    def test_the_event_given_is_not_changed(self, sealer: Sealer) -> None:
        event = _user_event()
        before = copy.deepcopy(event)
        protect_event(event, sealer)
        assert event == before

    @pytest.mark.parametrize("name", sorted(privacy.SEALED_SLOTS))
    def test_sensitive_slots_are_sealed_and_revealed(self, sealer: Sealer, name: str) -> None:
        event = {"event": "slot", "timestamp": 1.0, "name": name, "value": "123456"}
        stored = protect_event(event, sealer)
        assert stored["value"].startswith(SEAL_PREFIX) and "123456" not in stored["value"]
        assert event["value"] == "123456"
        assert reveal_event(json.loads(json.dumps(stored)), sealer) == event

    def test_other_slots_stay_unless_they_hold_a_personal_number(self, sealer: Sealer) -> None:
        plain = {"event": "slot", "timestamp": 1.0, "name": "city", "value": "Westfjord"}
        assert protect_event(plain, sealer) == plain
        hiding = {"event": "slot", "timestamp": 1.0, "name": "complaint_text",
                  "value": f"they sent it to {PHONE}"}
        stored = protect_event(hiding, sealer)
        assert stored["value"].startswith(SEAL_PREFIX)
        assert reveal_event(stored, sealer)["value"] == hiding["value"]

    def test_empty_slot_stays_empty(self, sealer: Sealer) -> None:
        event = {"event": "slot", "timestamp": 1.0, "name": "national_id", "value": None}
        assert protect_event(event, sealer) == event

    def test_bot_text_and_buttons_are_masked(self, sealer: Sealer) -> None:
        event = {"event": "bot", "timestamp": 1.0, "text": f"Your ID {NATIONAL_ID}?",
                 "data": {"buttons": [{"title": ACCOUNT, "payload": "1"}]}}
        stored = json.dumps(protect_event(event, sealer))
        assert NATIONAL_ID not in stored and "1234 5678 9012" not in stored

    def test_an_answer_to_a_sealed_question_hides_every_digit(self, sealer: Sealer) -> None:
        event = {"event": "user", "timestamp": 1.0, "text": "code 481516",
                 "parse_data": {"text": "code 481516", "intent": {"name": "faq/q12"},
                                "entities": [{"entity": "code", "value": "481516"}]}}
        stored = protect_event(event, sealer, answers_sealed_slot=True)
        assert stored["text"] == stored["parse_data"]["text"] == "code ******"
        assert stored["parse_data"]["entities"][0]["value"] == "******"
        assert stored["parse_data"]["intent"]["name"] == "faq/q12"
        assert event["text"] == "code 481516"
        assert protect_event(event, sealer)["text"] == "code 481516"  # not personal by itself

    def test_an_answer_without_text_or_with_odd_entities_is_kept_as_it_is(
        self, sealer: Sealer
    ) -> None:
        event = {"event": "user", "text": None,
                 "parse_data": {"text": None, "entities": ["not a dict", {"entity": "x"}]}}
        stored = protect_event(event, sealer, answers_sealed_slot=True)
        assert stored["text"] is None and stored["parse_data"]["text"] is None
        assert stored["parse_data"]["entities"] == ["not a dict", {"entity": "x", "value": None}]

    def test_a_slot_value_sealed_already_is_not_sealed_twice(self, sealer: Sealer) -> None:
        once = protect_event({"event": "slot", "name": "national_id", "value": NATIONAL_ID},
                             sealer)
        twice = protect_event(dict(once), sealer)
        assert twice["value"] == once["value"]
        assert reveal_event(twice, sealer)["value"] == NATIONAL_ID

    def test_a_value_sealed_with_another_key_comes_back_empty(self, sealer: Sealer) -> None:
        stored = protect_event({"event": "slot", "name": "national_id", "value": NATIONAL_ID},
                               Sealer("old-key"))
        assert reveal_event(stored, sealer)["value"] is None


class TestLogMasking:
    @pytest.fixture
    def log(self):
        previous = logging.getLogRecordFactory()
        privacy._installed = False
        privacy.install_log_masking()
        privacy.install_log_masking()  # twice: installed once
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s %(request)s"))
        logger = logging.getLogger("tests.privacy")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        try:
            yield logger, stream
        finally:
            logger.removeHandler(handler)
            logging.setLogRecordFactory(previous)
            privacy._installed = False

    def test_installing_twice_wraps_the_record_factory_once(self, log) -> None:
        installed = logging.getLogRecordFactory()
        privacy.install_log_masking()
        assert logging.getLogRecordFactory() is installed

    def test_messages_arguments_and_tracebacks_are_masked(self, log) -> None:
        logger, stream = log
        logger.debug("Received user message '%s' from %s", f"id {NATIONAL_ID}",
                     PHONE.replace(" ", ""), extra={"request": "-"})
        try:
            raise ValueError(f"bad account {ACCOUNT}")
        except ValueError:
            logger.exception("failed for %s", NATIONAL_ID, extra={"request": "-"})
        logger.info("Call 0800 600 100 about NSSA-2026-000123", extra={"request": "-"})
        written = stream.getvalue()
        for secret in (NATIONAL_ID, "1234 5678 9012", "0412345678"):
            assert secret not in written
        assert "*******2345" in written and "NR**************3456" in written
        assert "Traceback" in written and "ValueError" in written
        assert "Call 0800 600 100 about NSSA-2026-000123" in written

    @pytest.mark.parametrize("ending", ["trailing spaces   ", "ends in X"])
    def test_a_traceback_is_the_standard_one_masked(self, log, ending: str) -> None:
        logger, stream = log
        try:
            raise ValueError(f"bad id {NATIONAL_ID}, {ending}")
        except ValueError:
            logger.exception("failed", extra={"request": "-"})
            standard = logging.Formatter().formatException(sys.exc_info())
        assert stream.getvalue() == f"ERROR failed -\n{mask_personal_numbers(standard)}\n"
        assert NATIONAL_ID in standard

    def test_a_stack_is_masked(self, log) -> None:
        logger, stream = log
        logger.warning("here", stack_info=True, extra={"request": "-"})  # id 85031212345
        written = stream.getvalue()
        assert "Stack (most recent call last)" in written and "# id *******2345" in written
        assert "85031212345" not in written

    def test_a_message_that_does_not_fit_its_arguments_hides_them(self, log) -> None:
        logger, stream = log
        logger.warning("two %s %s", NATIONAL_ID, extra={"request": "-"})
        written = stream.getvalue()
        assert NATIONAL_ID not in written and "arguments hidden" in written
