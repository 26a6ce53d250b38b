"""The language of a message and its stickiness (bot/i18n/langid.py), and SMS in other scripts."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.i18n.langid import Detector, decide, example_language, training_pairs, word_count
from channels import sms_text

PL = ("pl", 0.97)
EN = ("en", 0.95)
UNSURE_PL = ("pl", 0.55)


# --- the rules ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ok", "1", "dzięki", "😀", "18.06.2001", "01061855216", "tak"])
def test_a_short_message_never_changes_the_conversations_language(text: str) -> None:
    decision = decide(text, EN, current="pl")
    assert (decision.language, decision.reason) == ("pl", "kept: short")


def test_a_sure_sentence_changes_the_language() -> None:
    assert decide("when is my pension paid", EN, current="pl").language == "en"


def test_an_unsure_sentence_keeps_the_language() -> None:
    decision = decide("certificate of coverage dla mnie", UNSURE_PL, current="en")
    assert (decision.language, decision.reason) == ("en", "kept: unsure")


def test_a_chosen_language_is_kept() -> None:
    decision = decide("when is my pension paid", EN, current="pl", chosen=True)
    assert (decision.language, decision.chosen) == ("pl", True)


def test_answers_to_a_request_never_change_the_language() -> None:
    assert decide("Olena Kowalenko", EN, current="pl", in_form=True).language == "pl"


def test_the_first_message_takes_a_sure_detection_even_when_short() -> None:
    assert decide("emerytura?", PL).language == "pl"
    assert decide("dzieki", UNSURE_PL).language == "en"


def test_a_first_message_of_two_words_takes_the_likely_language() -> None:
    """No conversation, no hint: more likely than not is better than English by default."""
    decision = decide("telegram northland", UNSURE_PL)
    assert (decision.language, decision.reason) == ("pl", "first message: likely")
    assert decide("telegram northland", ("pl", 0.45)).language == "en"
    assert decide("telegram northland", UNSURE_PL, hint="en-GB").language == "en"
    assert decide("telegram northland", UNSURE_PL, current="en").language == "en"


def test_the_channels_hint_decides_when_the_text_cannot() -> None:
    assert decide("ok", EN, hint="uk-UA").language == "uk"
    assert decide("ok", None, hint="de-DE").language == "en"
    assert decide("NSSA 2026", UNSURE_PL, hint="ar").language == "ar"


@pytest.mark.parametrize("text,code", [
    ("English please", "en"), ("po polsku", "pl"), ("українською", "uk"), ("بالعربية", "ar"),
])
def test_naming_a_language_chooses_it_even_in_a_request(text: str, code: str) -> None:
    decision = decide(text, PL, current="pl", chosen=True, in_form=True)
    assert (decision.language, decision.chosen, decision.reason) == (code, True, "choice")


@pytest.mark.parametrize("text", ["angielski", "англійська", "الإنجليزية", "English"])
def test_a_language_named_to_answer_a_requests_language_question_is_no_choice(text: str) -> None:
    # "In which language? 1 Northlandic 2 English" (the contribution statement's):
    # the name is the statement's language, the conversation's stays.
    for current in ("pl", "uk", "ar"):
        decision = decide(text, PL, current=current, in_form=True, asks_language=True,
                          choice_intent=True)
        assert (decision.language, decision.chosen) == (current, False)


def test_a_long_message_naming_a_language_chooses_it_only_as_a_choice() -> None:
    text = "Możesz odpowiadać po angielsku? Mój mąż nie czyta po polsku."
    assert decide(text, PL, choice_intent=True).language == "en"
    assert decide(text, PL, current="pl").reason == "detected"


def test_words_of_letters_are_counted() -> None:
    assert word_count("ok") == 1 and word_count("1 2 3") == 0 and word_count("po polsku") == 2


# --- detection ---------------------------------------------------------------------


def test_scripts_decide_arabic_and_ukrainian() -> None:
    detector = Detector()
    assert detector.detect("متى يدفع المعاش") == ("ar", 1.0)
    assert detector.detect("коли пенсія") == ("uk", 1.0)
    assert detector.detect("12345") is None


def test_latin_text_is_learnt_from_the_examples() -> None:
    texts = ["ile wynosi emerytura", "kiedy jest wyplata", "dziekuje bardzo", "zasilek na dziecko",
             "how much is the pension", "when is it paid", "thank you", "child benefit amount",
             "skilky pensiya", "koly vyplata", "dyakuyu", "dopomoha na dytynu"]
    labels = ["pl"] * 4 + ["en"] * 4 + ["uk"] * 4
    detector = Detector().fit(texts, labels)
    assert detector.detect("ile dostane na dziecko")[0] == "pl"
    assert detector.detect("how much will i get")[0] == "en"


@pytest.mark.parametrize("text", ["ąśżźć łęó", "dzięki", "zasiłek?", "ile płacą"])
def test_letters_only_polish_writes_make_a_message_polish(text: str) -> None:
    """translations/languages.yml `letters:`: "ą", "ł" are Polish however short the message."""
    texts = ["how much is the pension", "when is it paid", "ile wynosi emerytura", "kiedy wyplata"]
    detector = Detector().fit(texts, ["en", "en", "pl", "pl"])
    assert detector.detect(text) == ("pl", 1.0)
    assert Detector().detect(text) == ("pl", 1.0)


def test_a_sure_english_sentence_with_a_polish_name_stays_english() -> None:
    """A name written with Polish letters does not make an English sentence Polish."""
    texts = ["how much is the pension", "when is it paid", "my name is john", "what is my status",
             "ile wynosi emerytura", "kiedy wyplata"]
    detector = Detector().fit(texts, ["en"] * 4 + ["pl"] * 2)
    detector.sure = 0.5
    language, _ = detector.detect("my name is Łukasz, when is the pension paid")
    assert language == "en"


def test_an_examples_language_is_its_intent_blocks_metadata() -> None:
    polish = Message.build("dzien dobry", "greet", intent_metadata={"language": "pl"})
    assert example_language(polish) == "pl"
    assert example_language(Message.build("hello", "greet")) == "en"


# --- SMS in other scripts ----------------------------------------------------------

UKRAINIAN = "Пенсія виплачується 20-го числа. Ґанок, їжак, пам’ять — «так»."
ARABIC = "تُدفع المعاشات في اليوم 20 من كل شهر. آمين؟"


def test_ucs2_texts_are_kept_as_written() -> None:
    assert sms_text.to_gsm7(UKRAINIAN) == UKRAINIAN
    assert sms_text.to_gsm7(ARABIC) == ARABIC
    assert sms_text.segments(ARABIC).encoding == "UCS-2"


def test_a_latin_text_still_becomes_gsm7() -> None:
    assert sms_text.to_gsm7("Zasiłek – „tak”") == 'Zasilek - "tak"'


def test_an_arabic_turn_costs_no_more_parts_than_the_longest_gsm7_one() -> None:
    longest_gsm = sms_text.segments("x" * sms_text.MAX_CHARS).parts
    body = sms_text.compose_turn([sms_text.BotMessage(ARABIC * 40, (), "ar")])
    assert len(body) == 1
    assert sms_text.segments(body[0]).parts <= longest_gsm


def test_ucs2_messages_are_joined_within_3_parts() -> None:
    joined_gsm = sms_text.segments("x" * sms_text.PREFERRED_CHARS).parts
    bodies = sms_text.compose_turn([sms_text.BotMessage(ARABIC, (), "ar")] * 5)
    assert all(sms_text.segments(b).parts <= joined_gsm for b in bodies)
    assert len(bodies) > 1


def test_the_reply_hint_is_in_the_turns_language() -> None:
    buttons = [{"title": "Tak", "payload": "1"}, {"title": "Nie", "payload": "2"}]
    [body] = sms_text.compose_turn([sms_text.BotMessage("Oddzwonić?", buttons, "pl")])
    assert body.endswith("Odpisz 1 lub 2")


def test_a_language_not_offered_yet_is_not_chosen() -> None:
    decision = decide("Northlandic please", EN, current="en")
    assert decision.language == "en" and not decision.chosen


# --- the channels' own texts -------------------------------------------------------


def test_the_gate_answers_in_the_conversations_language() -> None:
    from channels.common import EMPTY_REPLY, Gate

    gate = Gate(10, 20)
    refused = gate.check("someone", "   ")
    assert refused.reply == EMPTY_REPLY
    assert gate.check_again(refused, "pl").reply.startswith("Nie dostałem żadnego tekstu")
    too_long = gate.check_again(gate.check("someone", "x" * 11), "ar")
    assert "10" in too_long.reply and too_long.reason == "too_long"
    assert gate.check_again(gate.check("someone", "ok"), "pl").ok


def test_the_web_chat_pages_labels_come_in_every_offered_language() -> None:
    from channels.texts import page_texts

    texts = page_texts()
    assert set(texts) == {"en", "ar", "pl", "uk"}
    assert texts["ar"]["dir"] == "rtl" and texts["ar"]["texts"]["send"] == "إرسال"
    assert texts["uk"]["texts"]["send"] == "Надіслати"
    assert texts["pl"]["texts"]["send"] != "Send"


def test_a_web_chat_message_carries_its_language_in_metadata() -> None:
    from rasa.shared.core.events import BotUttered

    from channels.webchat_format import transcript, widget_message

    assert widget_message({"text": "مرحبًا", "language": "ar"}) == {
        "text": "مرحبًا", "metadata": {"lang": "ar", "dir": "rtl"}}
    # Without a language (another generator), the message is as rasa-webchat knows it.
    assert widget_message({"text": "Hello"}) == {"text": "Hello"}
    [entry] = transcript([BotUttered("Cześć", metadata={"language": "pl"})])
    assert (entry["lang"], entry["dir"]) == ("pl", "ltr")


def test_an_english_keyword_in_another_languages_examples_stays_english() -> None:
    # "stop notices" is also a Ukrainian example of its intent: as a language
    # example it made an English "stop notices" Ukrainian.
    examples = [
        Message.build("stop notices", "stop_notices"),
        Message.build("Stop Notices", "stop_notices", intent_metadata={"language": "uk"}),
        Message.build("зупинити сповіщення", "stop_notices", intent_metadata={"language": "uk"}),
    ]
    texts, languages = training_pairs(examples)
    assert texts == ["stop notices", "зупинити сповіщення"]
    assert languages == ["en", "uk"]


# --- the slots, set in the Rasa server (domain.yml from_entity) ----------------------


def _identified(text: str, slots: dict | None = None, conversation: bool = True) -> Message:
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet
    from rasa.shared.core.slots import BooleanSlot, TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.i18n.langid import LanguageIdentifier

    message = Message(data={"text": text, "intent": {"name": "pension", "confidence": 0.9}})
    events = [ActionExecuted("action_session_start"), SessionStarted(),
              *[SlotSet(name, value) for name, value in (slots or {}).items()],
              ActionExecuted("action_listen")]
    # Rasa parses outside a conversation with a tracker of no events.
    tracker = DialogueStateTracker.from_events(
        "s", events if conversation else [],
        slots=[TextSlot("language", mappings=[]), BooleanSlot("language_chosen", mappings=[])])
    LanguageIdentifier({}, None, None, Detector()).process(   # type: ignore[arg-type]
        [message], tracker)
    return message


def _entities(message: Message) -> dict:
    return {e["entity"]: e["value"] for e in message.get("entities") or []}


def test_a_conversations_first_message_sets_the_language_slot() -> None:
    message = _identified("коли виплачується пенсія")
    assert message.get("language") == "uk" and _entities(message) == {"language": "uk"}


def test_a_message_that_keeps_the_language_sets_no_slot() -> None:
    assert _entities(_identified("коли виплачується пенсія", {"language": "uk"})) == {}
    assert _entities(_identified("ok", {"language": "pl"})) == {}


def test_a_choice_sets_the_language_and_that_it_was_chosen_once() -> None:
    assert _entities(_identified("po polsku", {"language": "en"})) == {
        "language": "pl", "language_chosen": True}
    assert _entities(_identified("po polsku", {"language": "pl", "language_chosen": True})) == {}


def test_a_message_outside_a_conversation_gets_no_entity() -> None:
    # `rasa test` and the evaluation parse without a tracker: the NLU data's
    # and test stories' entities stay as they are.
    message = _identified("коли виплачується пенсія", conversation=False)
    assert message.get("language") == "uk" and message.get("entities") is None
