"""Scoring of the frozen set: matching with numbers, honest refusals, turns."""

from __future__ import annotations

import pytest
import yaml

from bot.content import Fact
from bot.evaluation.judge import FactScanner, out_of_scope_failures
from bot.evaluation.matching import Checks, contains, normalise
from bot.evaluation.turns import NOTICE_ACTION, NOTICE_RESPONSE, Turn, turn_of
from bot.settings import PROJECT_ROOT


class TestNumbers:
    """Numbers match by value, however a language writes them."""
    @pytest.mark.parametrize(
        "reply, expected",
        [
            ("Full pension: €1,480.00 a month.", "€1,480.00"),  # en, as the handbook
            ("Pełna emerytura: 1480,00 € miesięcznie.", "€1,480.00"),  # pl, no grouping
            ("Pełna emerytura: 1\u00a0480,00\u00a0€ miesięcznie.", "€1,480.00"),  # pl, NBSP
            ("Повна пенсія: 1 480,00 євро на місяць.", "€1,480.00"),  # uk, currency word
            ("Повна пенсія: 1\u202f480,00 € на місяць.", "€1,480.00"),  # uk, narrow no-break space
            ("المعاش الكامل ١٬٤٨٠٫٠٠ € شهريًا", "€1,480.00"),  # ar, Eastern Arabic digits
            ("المعاش الكامل ١٤٨٠٫٠٠ يورو شهريًا", "€1,480.00"),  # ar, currency word
            ("It is €1480.00.", "€1,480.00"),
            ("Rent up to 900 € a month", "€900.00"),
            ("Minus 19,2 % for life", "19.2%"),  # pl/uk percent
            ("ناقص ١٩٫٢٪ مدى الحياة", "19.2%"),  # ar percent sign
            ("0,4 % mniej za każdy miesiąc", "0.4%"),
            ("About 4 200 staff", "4,200"),
            ("Open 08:00-18:00", "08:00–18:00"),  # dash forms
            ("Call 0800\u00a0600\u00a0100", "0800 600 100"),
            ('Type «language» in the chat', '"language"'),
        ],
    )
    def test_a_value_matches_however_it_is_written(self, reply: str, expected: str) -> None:
        """A value matches however it is written."""
        assert contains(reply, expected)

    @pytest.mark.parametrize(
        "reply, expected",
        [
            ("€2,215.00 in total", "€215.00"),
            ("€1,480.50 a month", "€1,480.00"),
            ("born in 1967", "67"),
            ("within 21 days", "1 day"),
            ("14,80 €", "€1,480.00"),  # a decimal comma is not a thousands separator
            ("1.480 €", "€1.48"),  # ... and a grouped thousand is not a decimal
        ],
    )
    def test_a_different_value_does_not_match(self, reply: str, expected: str) -> None:
        """A different value does not match."""
        assert not contains(reply, expected)

    def test_numbers_without_separators_stay_as_written(self) -> None:
        """Numbers without separators stay as written."""
        assert normalise("NR94 1234 5678 9012 3456, 85031212345, 12.03.1985, NSSA-2026-000123") == (
            "nr94 1234 5678 9012 3456, 85031212345, 12.03.1985, nssa-2026-000123")

    def test_case_and_whitespace_do_not_matter(self) -> None:
        """Case and whitespace do not matter."""
        assert contains("WE PAY ON THE\n\n20th  of each month", "20th of each month")


class TestChecks:
    """The checks of a row applied to a reply."""
    def test_every_kind_of_check_is_named_when_it_fails(self) -> None:
        """Every kind of check is named when it fails."""
        checks = Checks(expect=["€690.00", "15th"], expect_any=["a", "b"], forbid=["sorry"],
                        expect_first="0800 111 222")
        failures = checks.failures("x sorry €215.00", first_message="Welcome")
        assert failures == ["missing '€690.00'", "missing '15th'", "none of ['a', 'b']",
                            "forbidden 'sorry'", "first message lacks '0800 111 222'"]

    def test_a_right_reply_has_no_failures(self) -> None:
        """A right reply has no failures."""
        checks = Checks(expect=["€690.00"], expect_any=["month", "week"], forbid=["going through"],
                        expect_first="0800 111 222")
        assert checks.failures("690,00 € a month", first_message="Call 0800 111 222 now") == []

    def test_checks_are_read_from_a_row(self) -> None:
        """Checks are read from a row."""
        row = {"text": "x", "expect": ["a"], "forbid": ["b"], "expect_first": "c"}
        assert Checks.of(row) == Checks(expect=["a"], forbid=["b"], expect_first="c")


FACTS = [
    Fact("F007", "agency.md", "contact", "phone line", "0800 600 100"),
    Fact("F008", "agency.md", "contact", "hours", "08:00–18:00"),
    Fact("F009", "agency.md", "contact", "saturday", "Saturday 09:00–13:00"),
    Fact("F059", "old-age-pension.md", "eligibility", "pension age", "67"),
    Fact("F058", "agency.md", "accessibility", "power of attorney", "POA-1"),
    Fact("F168", "sickness-benefit.md", "payment", "paid on a Friday", "Friday"),
    Fact("F248", "service-standards.md", "sms", "HELP keyword", "HELP"),
    Fact("F245", "service-standards.md", "crisis", "crisis line", "0800 111 222"),
]
REFUSAL = ("I'm sorry, I can't help with that. I only know Northland's rules. "
           "Call us on 0800 600 100, Monday to Friday 08:00–18:00 and Saturday 09:00–13:00.")


class TestHonestRefusal:
    """The out-of-scope rule: a refusal with no NSSA fact."""
    scanner = FactScanner.from_facts(FACTS)

    def refusal(self, text: str = REFUSAL, **kw) -> Turn:
        """A refusal reply of the assistant."""
        return Turn(messages=[text], responses=["utter_out_of_scope"], **kw)

    def test_a_refusal_with_the_contact_pointers_is_right(self) -> None:
        """A refusal with the contact pointers is right."""
        assert out_of_scope_failures(self.refusal(), Checks(), self.scanner) == []

    def test_an_nssa_fact_in_the_reply_is_wrong(self) -> None:
        """An NSSA fact in the reply is wrong."""
        turn = self.refusal("In Northland the state pension age is 67.")
        assert out_of_scope_failures(turn, Checks(), self.scanner) == ["NSSA fact F059 '67'"]

    def test_a_fact_inside_a_longer_number_or_an_everyday_word_is_not_a_fact(self) -> None:
        """A fact inside a longer number or an everyday word is not a fact."""
        turn = self.refusal("I can't help with questions about 1967. Ask for HELP on Friday.")
        assert out_of_scope_failures(turn, Checks(), self.scanner) == []

    def test_the_pointer_the_row_expects_is_allowed(self) -> None:
        """The pointer the row expects is allowed."""
        turn = self.refusal("I can't discuss someone else's case. They need form POA-1.")
        assert out_of_scope_failures(turn, Checks(expect=["POA-1"]), self.scanner) == []
        assert out_of_scope_failures(turn, Checks(), self.scanner) == ["NSSA fact F058 'POA-1'"]

    def test_a_missing_pointer_is_wrong(self) -> None:
        """A missing pointer is wrong."""
        failures = out_of_scope_failures(self.refusal(), Checks(expect=["Population Register"]),
                                         self.scanner)
        assert failures == ["missing 'Population Register'"]

    def test_a_policy_answer_is_wrong_even_without_a_fact(self) -> None:
        """A policy answer is wrong even without a fact."""
        turn = Turn(messages=["Survivors' pension is a monthly payment."],
                    responses=["utter_survivors/what"])
        assert out_of_scope_failures(turn, Checks(), self.scanner) == [
            "policy answer survivors/what"]

    def test_a_started_request_is_wrong(self) -> None:
        """A started request is wrong."""
        turn = Turn(messages=["To check who you are, please type your national ID number."],
                    forms=["appointment_form"], responses=["utter_ask_national_id"])
        assert out_of_scope_failures(turn, Checks(), self.scanner) == [
            "request started appointment_form"]

    def test_distress_or_a_hand_over_is_wrong(self) -> None:
        """Distress or a hand-over is wrong."""
        turn = Turn(messages=["I'm sorry you are going through this."],
                    responses=["utter_distress", "utter_handover"])
        assert out_of_scope_failures(turn, Checks(), self.scanner) == [
            "routed to utter_distress", "routed to utter_handover"]

    def test_the_assistants_own_refusals_carry_no_handbook_fact(self) -> None:
        """The assistant's own refusals carry no handbook fact."""
        scanner = FactScanner.from_handbook()
        responses = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["responses"]
        for name in ("utter_out_of_scope", "utter_not_sure", "utter_handover", "utter_greet"):
            text = responses[name][0]["text"]
            assert scanner.found(text) == [], name

    def test_a_policy_answer_text_carries_handbook_facts(self) -> None:
        """A policy answer text carries handbook facts."""
        scanner = FactScanner.from_handbook()
        found = scanner.found("The state pension age is 67. The full pension is €1,480.00 a month.")
        assert {f.id for f in found} >= {"F059", "F065"}


class TestTurns:
    """A turn read from the REST messages and the stored events."""
    notice = "Welcome to the NSSA Assistant. We keep this conversation for 90 days."

    def events(self) -> list:
        """The events of a first turn: notice, distress, a form, an answer."""
        return [
            {"event": "action", "name": "action_session_start"},
            {"event": "bot", "text": self.notice, "metadata": {"utter_action": NOTICE_RESPONSE}},
            {"event": "session_started"},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "x",
             "parse_data": {"intent": {"name": "distress", "confidence": 0.7}}},
            {"event": "action", "name": "utter_distress"},
            {"event": "bot", "text": "I'm sorry.", "metadata": {"utter_action": "utter_distress"}},
            {"event": "action", "name": "bank_form"},
            {"event": "active_loop", "name": "bank_form"},
            {"event": "bot", "text": "Benefit.", "metadata": {"utter_action": "utter_faq/tax"}},
            {"event": "active_loop", "name": None},
        ]

    def test_the_notice_is_first_but_not_part_of_the_reply(self) -> None:
        """The notice is first but not part of the reply."""
        messages = [{"text": self.notice}, {"text": "I'm sorry."},
                    {"text": "Benefit.", "buttons": [{"title": "Call me back", "payload": "/x"}]}]
        turn = turn_of(messages, self.events())
        assert turn.first_message == self.notice
        assert turn.reply == "I'm sorry.\nBenefit. [Call me back]"

    def test_the_notice_asked_for_is_an_answer(self) -> None:
        """The notice asked for is an answer (Rasa runs its action first)."""
        events = self.events()[:5] + [
            {"event": "action", "name": "utter_privacy"},
            {"event": "bot", "text": self.notice, "metadata": {"utter_action": NOTICE_RESPONSE}}]
        turn = turn_of([{"text": self.notice}, {"text": self.notice}], events)
        assert turn.reply == self.notice
        assert turn.policy_answers == ["privacy/notice"]

    def test_the_notice_told_after_the_first_message_is_the_notice(self) -> None:
        """The notice waits for the first message's language, then comes before the answer."""
        events = [
            {"event": "action", "name": "action_session_start"},
            {"event": "session_started"},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "ile wynosi emerytura", "parse_data": {
                "intent": {"name": "pension", "confidence": 0.9},
                "language": "pl"}},
            {"event": "bot", "text": self.notice,
             "metadata": {"utter_action": NOTICE_RESPONSE, "language": "pl"}},
            {"event": "action", "name": "utter_pension"},
            {"event": "bot", "text": "1480,00 €",
             "metadata": {"utter_action": "utter_pension/amount", "language": "pl"}},
        ]
        turn = turn_of([{"text": self.notice}, {"text": "1480,00 €"}], events)
        assert turn.reply == "1480,00 €" and turn.first_message == self.notice
        assert (turn.detected, turn.languages) == ("pl", ["pl"])

    def test_the_notice_told_by_its_own_action_is_the_notice(self) -> None:
        """The notice policy runs `action_privacy_notice` first: still the notice, not an answer."""
        events = [
            {"event": "action", "name": "action_session_start"},
            {"event": "session_started"},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "pension age in germany", "parse_data": {
                "intent": {"name": "out_of_scope", "confidence": 0.85}, "language": "en"}},
            {"event": "action", "name": NOTICE_ACTION},
            {"event": "bot", "text": self.notice,
             "metadata": {"utter_action": NOTICE_RESPONSE, "language": "en"}},
            {"event": "action", "name": "utter_out_of_scope"},
            {"event": "bot", "text": "I can't help with that.",
             "metadata": {"utter_action": "utter_out_of_scope", "language": "en"}},
        ]
        turn = turn_of([{"text": self.notice}, {"text": "I can't help with that."}], events)
        assert turn.reply == "I can't help with that." and turn.first_message == self.notice
        assert turn.policy_answers == [] and turn.actions == ["utter_out_of_scope"]

    def test_what_the_assistant_did_is_read_from_the_events(self) -> None:
        """What the assistant did is read from the events."""
        turn = turn_of([], self.events())
        assert (turn.intent, turn.confidence) == ("distress", 0.7)
        assert turn.policy_answers == ["faq/tax"]
        assert turn.forms == ["bank_form"]
        assert turn.routes == ["utter_distress"]
        assert turn.answered == "[distress 0.70] faq/tax, start bank_form, utter_distress"

    def test_the_notice_name_is_the_session_starts(self) -> None:
        """The notice is the response the session start sends."""
        from actions.session import CONSENT_RESPONSE

        assert NOTICE_RESPONSE == CONSENT_RESPONSE

    def test_the_notice_action_is_the_one_the_session_names(self) -> None:
        from actions.session import NOTICE_ACTION as SESSION_NOTICE_ACTION

        assert NOTICE_ACTION == SESSION_NOTICE_ACTION


def test_the_other_languages_are_held_to_issue_10s_bar_english_to_issue_9s() -> None:
    from bot.evaluation.report import _line

    assert _line("pl", "answerable", 246, 228).passed  # 92.7 %
    assert _line("pl", "answerable", 246, 228).target == ">= 90 %"
    assert not _line("pl", "answerable", 246, 221).passed  # 89.8 %
    assert not _line("en", "answerable", 604, 560).passed  # 92.7 %
    assert _line("uk", "out_of_scope", 29, 27).passed  # 93.1 %
    assert _line("uk", "multi-turn turns", 58, 52).target == ">= 90 %"
