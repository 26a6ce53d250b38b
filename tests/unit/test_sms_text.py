"""SMS text shaping: GSM-7, segments, replacements, numbered options, keywords."""

from __future__ import annotations

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from channels import sms_text
from channels.sms_text import (
    HELP_TEXT,
    MAX_CHARS,
    MORE_POINTER,
    BotMessage,
    Option,
    choose,
    compose_turn,
    fit,
    is_gsm7,
    keyword,
    numbered_text,
    options,
    segments,
    to_gsm7,
)


class TestSegments:
    @pytest.mark.parametrize(
        "text, encoding, parts, units",
        [
            ("", "GSM-7", 1, 0),
            ("a" * 160, "GSM-7", 1, 160),
            ("a" * 161, "GSM-7", 2, 161),
            ("a" * 306, "GSM-7", 2, 306),
            ("a" * 307, "GSM-7", 3, 307),
            ("€" * 80, "GSM-7", 1, 160),  # extension characters take 2 septets
            ("€" * 81, "GSM-7", 2, 162),
            ("é" * 160, "GSM-7", 1, 160),  # é is in the default alphabet
            ("ó" * 70, "UCS-2", 1, 70),
            ("ó" * 71, "UCS-2", 2, 71),
            ("ó" * 134, "UCS-2", 2, 134),
            ("ó" * 135, "UCS-2", 3, 135),
            ("😀" * 35, "UCS-2", 1, 70),  # a surrogate pair is 2 units
        ],
    )
    def test_segments(self, text, encoding, parts, units) -> None:
        assert segments(text) == sms_text.Segments(encoding, parts, units)

    def test_an_extension_character_is_never_split(self) -> None:
        # 152 septets, then "€" (2): 154 does not fit the first part of 153.
        text = "a" * 152 + "€" + "a" * 10
        assert segments(text).units == 164
        assert segments(text).parts == 2
        assert segments("a" * 152 + "€" + "a" * 152).parts == 3

    def test_a_surrogate_pair_is_never_split(self) -> None:
        assert segments("a" * 66 + "😀" + "a" * 2).parts == 1  # 70 units
        # 134 units would be 2 parts of 67, but the pair cannot straddle them.
        assert segments("a" * 66 + "😀" + "a" * 66) == sms_text.Segments("UCS-2", 3, 134)


class TestGsm7:
    @pytest.mark.parametrize(
        "given, plain",
        [
            ("Monday to Friday 08:00–18:00", "Monday to Friday 08:00-18:00"),
            ("it’s “free”", "it's \"free\""),
            ("wait…", "wait..."),
            ("100\u00a0€", "100 €"),
            ("José García Núñez", "José Garcia Nuñez"),  # é and ñ are GSM-7; í and ú are not
            ("Łódź", "Lodz"),
            ("façade", "facade"),
            ("a • b — c", "a - b - c"),
        ],
    )
    def test_replacements(self, given: str, plain: str) -> None:
        result = to_gsm7(given)
        assert is_gsm7(result), result
        assert result == plain

    def test_characters_without_a_plain_equivalent_stay(self) -> None:
        assert to_gsm7("ok 😀") == "ok 😀"
        assert segments(to_gsm7("ok 😀")).encoding == "UCS-2"

    def test_every_sms_variant_of_the_content_is_gsm7_after_replacement(self) -> None:
        texts = []
        for path in [PROJECT_ROOT / "domain.yml", *sorted((PROJECT_ROOT / "data").rglob("*.yml"))]:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for variants in (data.get("responses") or {}).values():
                texts += [v["text"] for v in variants if v.get("channel") == "sms" and "text" in v]
        assert len(texts) > 50
        assert [t for t in texts if not is_gsm7(to_gsm7(t))] == []


YES_NO = [{"title": "Yes", "payload": "1"}, {"title": "No", "payload": "2"}]
HANDOVER = [
    {"title": "Call me back", "payload": "/request_callback"},
    {"title": "No thanks", "payload": "/deny"},
]


class TestOptions:
    def test_keywords_are_never_options(self) -> None:
        buttons = [{"title": "STOP", "payload": "/stop"}, {"title": "Help", "payload": "/help"},
                   {"title": "Go on", "payload": "start"}, *HANDOVER]
        assert options(buttons) == [Option(1, "Call me back", "/request_callback"),
                                    Option(2, "No thanks", "/deny")]

    def test_buttons_become_a_numbered_list_with_a_hint(self) -> None:
        text = numbered_text("Or an advisor can call you back.", options(HANDOVER))
        assert text == "Or an advisor can call you back.\n1 Call me back\n2 No thanks\nReply 1 or 2"
        three = options([{"title": t, "payload": t} for t in ("a b", "c", "d")])
        assert numbered_text("Pick", three).endswith("Reply 1, 2 or 3")

    @pytest.mark.parametrize(
        "text, buttons",
        [
            ("Is this correct? 1 Yes, send it 2 No, change something",
             [{"title": "Yes, send it", "payload": "1"},
              {"title": "No, change something", "payload": "2"}]),
            ("Would you like a reply? 1 Yes 2 No", YES_NO),
            ("What is your complaint about? 1 service 2 staff 3 waiting time 4 decision "
             "5 online services 6 other",
             [{"title": t, "payload": str(i)} for i, t in enumerate(
                 ["Service", "Staff", "Waiting time", "Decision", "Online services", "Other"], 1)]),
        ],
    )
    def test_a_text_that_numbers_its_options_is_not_numbered_twice(self, text, buttons) -> None:
        assert numbered_text(text, options(buttons)) == text

    def test_every_response_with_numbered_text_is_left_alone(self) -> None:
        data = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
        checked = 0
        for name, variants in data["responses"].items():
            for variant in variants:
                opts = options(variant.get("buttons"))
                if opts and " 1 " in variant["text"] and " 2 " in variant["text"]:
                    assert numbered_text(variant["text"], opts) == variant["text"], name
                    checked += 1
        assert checked >= 5

    @pytest.mark.parametrize(
        "reply, payload",
        [("1", "/request_callback"), (" 2 ", "/deny"), ("2.", "/deny"),
         ("call me back", "/request_callback"), ("  NO THANKS ", "/deny"),
         ("No thanks.", "/deny"), ("3", None), ("call me", None), ("0", None)],
    )
    def test_a_reply_maps_back_to_its_payload(self, reply: str, payload) -> None:
        assert choose(reply, options(HANDOVER)) == payload

    def test_no_options_no_mapping(self) -> None:
        assert choose("1", []) is None


class TestKeywords:
    @pytest.mark.parametrize("text", ["STOP", "stop", " Stop ", "STOPALL", "unsubscribe",
                                      "CANCEL", "cancel", "End", "quit"])
    def test_opt_out(self, text: str) -> None:
        assert keyword(text) == "stop"

    @pytest.mark.parametrize("text", ["START", "start", "Unstop"])
    def test_opt_in(self, text: str) -> None:
        assert keyword(text) == "start"

    def test_yes_opts_in_only_an_opted_out_number(self) -> None:
        assert keyword("yes") is None
        assert keyword("YES", opted_out=True) == "start"

    @pytest.mark.parametrize("text", ["HELP", "help", "Info"])
    def test_help(self, text: str) -> None:
        assert keyword(text) == "help"

    @pytest.mark.parametrize("text", ["stop the form", "cancel the request", "please stop",
                                      "stop.", "help me with my pension", "starting"])
    def test_words_in_a_sentence_are_not_keywords(self, text: str) -> None:
        assert keyword(text) is None

    def test_help_text_is_the_handbooks(self) -> None:
        handbook = (PROJECT_ROOT.parent / "shared" / "handbook" / "service-standards.md")
        assert f'"{HELP_TEXT}"' in handbook.read_text(encoding="utf-8")
        assert segments(HELP_TEXT).encoding == "GSM-7"


class TestCompose:
    def test_a_turn_that_fits_is_one_sms(self) -> None:
        turn = [BotMessage("Hello."), BotMessage("Your pension is paid on the 25th.")]
        bodies = compose_turn(turn)
        assert bodies == ["Hello.\nYour pension is paid on the 25th."]

    def test_a_turn_over_320_characters_is_split_between_messages(self) -> None:
        first, second = "A" * 200 + ".", "B" * 200 + "."
        assert compose_turn([BotMessage(first), BotMessage(second)]) == [first, second]

    def test_the_last_buttons_are_numbered_in_the_same_message(self) -> None:
        bodies = compose_turn([BotMessage("I can't connect you now."),
                               BotMessage("An advisor can call you back.", HANDOVER)])
        assert bodies == ["I can't connect you now.\nAn advisor can call you back.\n"
                          "1 Call me back\n2 No thanks\nReply 1 or 2"]

    def test_a_body_over_1600_is_cut_at_a_sentence_with_a_pointer(self) -> None:
        sentence = "This sentence is part of a very long answer. "
        long = sentence * 60
        [body] = compose_turn([BotMessage(long)])
        assert len(body) <= MAX_CHARS
        assert body.endswith("answer. " + MORE_POINTER)
        assert "nssa.example/chat" in body

    def test_a_long_text_keeps_its_numbered_list_whole(self) -> None:
        [body] = compose_turn([BotMessage("Long sentence here. " * 100, HANDOVER)])
        assert len(body) <= MAX_CHARS
        assert body.endswith("1 Call me back\n2 No thanks\nReply 1 or 2")
        assert MORE_POINTER in body

    def test_fit_without_sentence_end_cuts_at_a_word(self) -> None:
        cut = fit("word " * 400, 100)
        assert len(cut) <= 100 and cut.endswith(MORE_POINTER)

    def test_replies_are_gsm7(self) -> None:
        [body] = compose_turn([BotMessage("Monday to Friday 08:00–18:00 … it’s free")])
        assert segments(body).encoding == "GSM-7"
