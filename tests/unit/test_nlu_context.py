"""ConversationContext: a message read in its conversation (bot/nlu_context/).

The component is trained on real response texts and buttons, the messages
carry what AnswerClassifier writes (`bot.nlu.parse_result`), and the
conversations are Rasa trackers made of Rasa's own events.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core.events import ActiveLoop, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot import conversation_context as cc
from bot.nlu_context import ConversationContext
from tests.nlu_context_parts import classified_message, trained_context

RESPONSES: Dict[str, List[Dict[str, Any]]] = {
    "utter_child_benefit/amount": [{"text": (
        "Child benefit is €215.00 a month for your 1st and 2nd child and €260.00 for "
        "each further child. For 3 children: €690.00 a month.")}],
    "utter_child_benefit/payment": [{"text": (
        "We pay child benefit on the 15th of each month. If that day is a weekend or "
        "public holiday, we pay on the working day before.")}],
    "utter_child_benefit/apply": [{"text": "Apply in the chat. To start, say: apply.",
                                   "buttons": [{"title": "Apply for child benefit",
                                                "payload": "/apply_child_benefit"}]}],
    "utter_agency/office_highmoor": [{"text": (
        "Highmoor Office. Opening hours: Monday to Thursday 09:00–16:00, Friday closed. "
        "No lift.")}],
    "utter_agency/appeal": [{"text": (
        "Appeal within 45 days with form APP-1. Housing Office decisions: 30 days, to the "
        "Housing Office.")}],
    "utter_housing/changes": [{"text": "Tell the Housing Office within 14 days."}],
    "utter_faq/change_bank_account": [{"text": "Change your bank account in the chat.",
                                       "buttons": [{"title": "Change my bank account",
                                                    "payload": "/change_bank_account"}]}],
    "utter_contribution/what": [{"text": "A statement shows your insured periods."}],
    "utter_contribution/apply": [{"text": "It is free. To start, say: statement.",
                                  "buttons": [{"title": "Order my contribution statement",
                                               "payload": "/request_statement"}]}],
    "utter_greet": [{"text": "Hello"}],
}
LABELS = sorted(k[len("utter_"):] for k in RESPONSES if "/" in k) + [
    "affirm", "distress", "self_harm", "thank", "greet", "estimate_child_benefit",
    "estimate_unemployment"]


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> ConversationContext:
    return trained_context(tmp_path_factory, RESPONSES)


def classified(text: str, **probabilities: float) -> Message:
    """A message as AnswerClassifier leaves it: the rest of the mass spread evenly."""
    return classified_message(
        LABELS, text, {k.replace("__", "/"): v for k, v in probabilities.items()})


def answered(answer: str, **data: Any) -> List[Event]:
    """A user message and the bot's policy answer to it."""
    return [UserUttered("question", {"name": answer.split("/")[0], "confidence": 0.9}),
            BotUttered(RESPONSES[f"utter_{answer}"][0]["text"],
                       data={"buttons": RESPONSES[f"utter_{answer}"][0].get("buttons")},
                       metadata={"utter_action": f"utter_{answer}"})]


def read(component: ConversationContext, message: Message, events: List[Event],
         active_loop: Optional[str] = None) -> Message:
    tracker = DialogueStateTracker.from_events("s", events)
    if active_loop:
        tracker.update(ActiveLoop(active_loop))
    component.process([message], tracker)
    return message


def answer_of(message: Message) -> str:
    selector = message.get("response_selector")["default"]
    return selector["response"]["intent_response_key"]


class TestFollowUps:
    def test_a_short_continuation_stays_with_the_last_answer(self, component) -> None:
        message = read(component, classified("and for three of them?", distress=0.4),
                       answered("child_benefit/amount"))
        assert message.get("intent")["name"] == "child_benefit"
        assert answer_of(message) == "child_benefit/amount"

    def test_a_follow_up_with_its_own_words_finds_its_sibling(self, component) -> None:
        message = read(component, classified("is there a lift?", greet=0.3),
                       answered("agency/office_highmoor"))
        assert answer_of(message) == "agency/office_highmoor"

    def test_and_for_the_named_office_stays_though_the_classifier_is_sure(
            self, component) -> None:
        message = read(component, classified("and for the housing office?",
                                             housing__changes=0.78),
                       answered("agency/appeal"))
        assert answer_of(message) == "agency/appeal"

    def test_and_for_asks_the_question_followed_up_again(self, component) -> None:
        # "how much?" -> amount; "and when?" (a follow-up of amount) -> payment;
        # "and for three?" asks "how much?" again, not "when?".
        events = answered("child_benefit/amount") + [
            UserUttered("and when is it paid?", {"name": "child_benefit", "confidence": 0.8},
                        parse_data={"conversation_context": {"follows": "child_benefit/amount"}}),
            BotUttered("the 15th", metadata={"utter_action": "utter_child_benefit/payment"})]
        message = read(component, classified("and for three?", child_benefit__payment=0.45),
                       events)
        assert answer_of(message) == "child_benefit/amount"
        assert message.get("conversation_context") == {"follows": "child_benefit/amount"}

    @pytest.mark.parametrize("text", [
        "a na trzecie?", "а на трьох?", "وللتلاتة؟", "ولثلاثة اولاد؟"])
    def test_a_continuation_in_another_language_stays_with_the_last_answer(
            self, component, text: str) -> None:
        """`choices: follow_up:` of translations/<code>/texts.yml: "a na", "а на", "و..."."""
        message = read(component, classified(text, distress=0.4), answered("child_benefit/amount"))
        assert message.get("intent")["name"] == "child_benefit"
        assert answer_of(message) == "child_benefit/amount"

    @pytest.mark.parametrize("text", ["a kiedy płacą?", "وامتى بيدفعوا؟"])
    def test_a_continuation_with_its_own_question_is_not_asked_again(
            self, component, text: str) -> None:
        """"a kiedy", "وامتى" (and when) ask a question of their own, as "and when" does."""
        events = answered("child_benefit/amount")
        message = read(component, classified(text, child_benefit__payment=0.45), events)
        assert answer_of(message) == "child_benefit/payment"

    def test_an_english_message_starting_with_a_or_i_is_no_continuation(self, component) -> None:
        """Polish "a" and "i" are English words too: they are not listed alone."""
        message = read(component, classified("i have a question about the highmoor office",
                                             agency__office_highmoor=0.45),
                       answered("child_benefit/amount"))
        assert answer_of(message) == "agency/office_highmoor"

    def test_a_sure_question_without_continuation_switches_topic(self, component) -> None:
        message = read(component, classified("when is child benefit paid on the 15th?",
                                             child_benefit__payment=0.9),
                       answered("agency/office_highmoor"))
        assert answer_of(message) == "child_benefit/payment"

    def test_a_figure_of_ones_own_is_not_distress(self, component) -> None:
        message = read(component, classified("I'm 47", distress=0.76),
                       answered("child_benefit/amount"))
        assert message.get("intent")["name"] == "child_benefit"

    def test_real_distress_after_an_answer_stays_distress(self, component) -> None:
        message = read(component, classified("and I can't cope any more", distress=0.8),
                       answered("child_benefit/amount"))
        assert message.get("intent")["name"] == "distress"

    def test_the_crisis_line_is_never_touched(self, component) -> None:
        message = read(component, classified("and for three of them?", self_harm=1.0),
                       answered("child_benefit/amount"))
        assert message.get("intent") == {"name": "self_harm", "confidence": 1.0}

    def test_a_yes_no_question_the_last_answer_already_covers_stays_there(
            self, component) -> None:
        message = read(component, classified("is it open on friday?",
                                             agency__appeal=0.9),
                       answered("agency/office_highmoor"))
        assert answer_of(message) == "agency/office_highmoor"

    def test_a_faint_self_harm_reading_below_the_fallback_is_read_in_context(
            self, component) -> None:
        events = [UserUttered("send my statement", {"name": "request_statement",
                                                    "confidence": 0.9}),
                  ActiveLoop("statement_form")]
        message = read(component, classified("will it be free?", self_harm=0.17), events,
                       "statement_form")
        assert answer_of(message) == "contribution/apply"

    @pytest.mark.parametrize("text", ["kiedy bedzie przelew w sierpniu?", "коли буде виплата?"])
    def test_an_unsure_question_without_a_cue_stays_in_the_last_topic(
            self, component, text: str) -> None:
        """No "and", no "it": the classifier unsure of its topic, the last topic sure of it."""
        message = read(component, classified(text, contribution__what=0.25,
                                             child_benefit__payment=0.2),
                       answered("child_benefit/amount"))
        assert message.get("intent")["name"] == "child_benefit"
        assert answer_of(message) == "child_benefit/payment"

    @pytest.mark.parametrize("text", ["wher do i send the form", "wen do i apply"])
    def test_an_sms_spelt_question_word_makes_it_a_question(self, component, text: str) -> None:
        """"wher", "wen", "wat" (tryout2's pensioner): "wher do i send the form" was "not sure"."""
        message = read(component, classified(text, agency__appeal=0.3, contribution__apply=0.2),
                       answered("contribution/what"))
        assert answer_of(message) == "contribution/apply"

    def test_an_unsure_question_the_last_topic_cannot_place_is_left_alone(
            self, component) -> None:
        message = read(component, classified("where can i park my car?",
                                             agency__office_highmoor=0.3),
                       answered("child_benefit/amount"))
        assert answer_of(message) == "agency/office_highmoor"

    def test_an_unsure_statement_without_a_cue_is_left_alone(self, component) -> None:
        message = read(component, classified("przelew w sierpniu", contribution__what=0.25,
                                             child_benefit__payment=0.2),
                       answered("child_benefit/amount"))
        assert answer_of(message) == "contribution/what"

    def test_without_an_answer_before_nothing_changes(self, component) -> None:
        message = classified("and for three of them?", distress=0.4)
        greeted = BotUttered("Hello", metadata={"utter_action": "utter_greet"})
        read(component, message, [UserUttered("hi"), greeted])
        assert message.get("intent")["name"] == "distress"


class TestOffers:
    def test_an_id_number_after_an_offer_starts_the_request_with_it(self, component) -> None:
        message = read(component, classified("85031212345", greet=0.2),
                       answered("faq/change_bank_account"))
        assert message.get("intent")["name"] == "change_bank_account"
        assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
            ("national_id", "85031212345")]

    def test_the_offer_holds_for_a_question_in_between(self, component) -> None:
        events = answered("faq/change_bank_account") + answered("contribution/what")
        message = read(component, classified("88 09 02 60757"), events)
        assert message.get("intent")["name"] == "change_bank_account"
        assert message.get("entities")[0]["value"] == "88090260757"

    def test_a_date_after_an_offer_starts_the_request(self, component) -> None:
        message = read(component, classified("12.03.1985"), answered("faq/change_bank_account"))
        assert message.get("intent")["name"] == "change_bank_account"
        assert not message.get("entities")

    def test_an_id_number_without_an_offer_is_left_alone(self, component) -> None:
        message = read(component, classified("85031212345", greet=0.3),
                       answered("child_benefit/amount"))
        assert message.get("intent")["name"] == "greet"

    def test_yes_after_an_offer_starts_it(self, component) -> None:
        message = read(component, classified("yes please", affirm=0.97),
                       answered("child_benefit/apply"))
        assert message.get("intent")["name"] == "apply_child_benefit"

    def test_yes_after_an_answer_without_an_offer_stays_yes(self, component) -> None:
        message = read(component, classified("yes please", affirm=0.97),
                       answered("child_benefit/amount"))
        assert message.get("intent")["name"] == "affirm"

    def test_a_short_unsure_reply_to_an_offer_takes_it_up(self, component) -> None:
        message = read(component, classified("all", greet=0.38),
                       answered("faq/change_bank_account"))
        assert message.get("intent")["name"] == "change_bank_account"

    def test_a_sure_goodbye_after_an_offer_stays_goodbye(self, component) -> None:
        message = read(component, classified("bye", greet=0.9),
                       answered("faq/change_bank_account"))
        assert message.get("intent")["name"] == "greet"

    def test_a_button_number_is_that_button(self, component) -> None:
        events = [UserUttered("a person"), BotUttered("Call back?", data={"buttons": [
            {"title": "Call me back", "payload": "/request_callback"},
            {"title": "No thanks", "payload": "/deny"}]})]
        assert read(component, classified("1", affirm=1.0), events).get(
            "intent")["name"] == "request_callback"
        assert read(component, classified("2", affirm=1.0), events).get(
            "intent")["name"] == "deny"
        assert read(component, classified("3", affirm=1.0), events).get(
            "intent")["name"] == "affirm"


class TestInsideARequest:
    def test_an_unsure_question_is_read_in_the_requests_topic(self, component) -> None:
        events = [UserUttered("send my statement", {"name": "request_statement",
                                                    "confidence": 0.9}),
                  ActiveLoop("statement_form")]
        message = read(component, classified("is it free?"), events, "statement_form")
        assert answer_of(message) == "contribution/apply"
        assert message.get("intent")["confidence"] >= 0.6

    def test_an_answer_to_the_forms_question_is_left_alone(self, component) -> None:
        events = [UserUttered("send my statement", {"name": "request_statement",
                                                    "confidence": 0.9}),
                  ActiveLoop("statement_form")]
        message = read(component, classified("61042718425", greet=0.3), events,
                       "statement_form")
        assert message.get("intent")["name"] == "greet"


def test_a_figure_after_an_answer_is_that_topics_estimate(component) -> None:
    message = read(component, classified("my wage is 3000 a month",
                                         estimate_unemployment=0.3),
                   answered("child_benefit/payment"))
    assert message.get("intent")["name"] == "estimate_child_benefit"


def test_an_estimate_is_asked_again_with_the_new_figure(component) -> None:
    # The first turn of a conversation: the privacy notice, then the estimate.
    events = [UserUttered("child benefit for 2 kids"),
              BotUttered("Welcome", metadata={"utter_action": "utter_privacy/notice"}),
              BotUttered("€430.00", metadata={"utter_action": "utter_estimate_child_benefit"})]
    message = read(component, classified("oh wait, it's 3 kids actually", distress=0.3),
                   events)
    assert message.get("intent")["name"] == "estimate_child_benefit"


@pytest.mark.parametrize("said,written", [
    ("Fridays", "Friday closed"), ("can it be extended?", "we extend it"),
    ("and for the housing office?", "the Housing Office")])
def test_content_words_match_across_endings(said: str, written: str) -> None:
    assert cc.content_words(said) <= cc.content_words(written)


class TestRuleOrEstimate:
    """A benefit's rule and its personal estimate ranked within a hair of each other."""

    def test_a_figure_of_ones_own_makes_it_the_estimate(self, component) -> None:
        message = classified("my wage was 2700 a month, how much child benefit would I get",
                             estimate_child_benefit=0.42, child_benefit__amount=0.40)
        read(component, message, [])
        assert message.get("intent")["name"] == "estimate_child_benefit"
        assert message.get("intent")["confidence"] >= 0.8

    def test_without_a_figure_it_is_the_rule(self, component) -> None:
        message = classified("how much child benefit would I get",
                             estimate_child_benefit=0.44, child_benefit__amount=0.40)
        read(component, message, [])
        assert message.get("intent")["name"] == "child_benefit"
        assert answer_of(message) == "child_benefit/amount"

    def test_a_clear_reading_is_left_alone(self, component) -> None:
        message = classified("my 2 kids, when is child benefit paid",
                             child_benefit__payment=0.7, estimate_child_benefit=0.1)
        read(component, message, [])
        assert answer_of(message) == "child_benefit/payment"

    def test_it_is_read_without_a_conversation_too(self, component) -> None:
        message = classified("I earn 2700, how much child benefit",
                             estimate_child_benefit=0.41, child_benefit__amount=0.40)
        component.process([message], None)
        assert message.get("intent")["name"] == "estimate_child_benefit"


def test_an_unsure_question_after_an_estimate_stays_in_its_benefit(component) -> None:
    """"متى يدفعون؟" (when do they pay?) after the estimate: that benefit's payment day."""
    events = [UserUttered("child benefit for 2 kids"),
              BotUttered("€430.00", metadata={"utter_action": "utter_estimate_child_benefit"})]
    message = read(component, classified("kiedy jest wypłata?", contribution__what=0.25,
                                         child_benefit__payment=0.2), events)
    assert answer_of(message) == "child_benefit/payment"


@pytest.mark.parametrize("text", ["when do they pay?", "and when is it paid?",
                                  "a kiedy wypłacają?", "а коли платять?", "ومتى بيدفعوا؟"])
def test_a_question_of_its_own_after_an_estimate_is_not_the_estimate_again(
        component, text: str) -> None:
    """"when do they pay?" asks the payment day; it gave the estimate again before."""
    events = [UserUttered("child benefit for 2 kids"),
              BotUttered("€430.00", metadata={"utter_action": "utter_estimate_child_benefit"})]
    message = read(component, classified(text, child_benefit__payment=0.45), events)
    assert message.get("intent")["name"] == "child_benefit"
    assert answer_of(message) == "child_benefit/payment"


@pytest.mark.parametrize("text", ["and with the care supplement?", "what about 3 kids?",
                                  "n 3", "n wat about 3 kids", "& 3?"])
def test_a_change_to_the_estimate_asks_for_it_again(component, text: str) -> None:
    events = [UserUttered("child benefit for 2 kids"),
              BotUttered("€430.00", metadata={"utter_action": "utter_estimate_child_benefit"})]
    message = read(component, classified(text, child_benefit__payment=0.45), events)
    assert message.get("intent")["name"] == "estimate_child_benefit"


def test_n_alone_after_an_estimate_stays_no(component) -> None:
    """"n 3" is "and 3" by text message (tryout2: it got "All right."); "n" alone is no."""
    events = [UserUttered("child benefit for 2 kids"),
              BotUttered("€430.00", metadata={"utter_action": "utter_estimate_child_benefit"})]
    assert read(component, classified("n", affirm=0.9), events).get(
        "intent")["name"] == "affirm"


def test_n_and_a_figure_read_as_no_by_the_classifier_asks_again(component) -> None:
    events = [UserUttered("child benefit for 2 kids"),
              BotUttered("€430.00", metadata={"utter_action": "utter_estimate_child_benefit"})]
    assert read(component, classified("n 3", affirm=0.9), events).get(
        "intent")["name"] == "estimate_child_benefit"
