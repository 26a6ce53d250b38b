"""The policy (bot/notice_first.py): a due privacy notice first, then RulePolicy's answer.

A real RulePolicy subclass trained on a few rules of the project's kind, asked
to predict on trackers as Rasa builds them in a conversation.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph

from bot.notice_first import NoticeFirstRulePolicy

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [pension, goodbye, self_harm]
slots:
  privacy_notice_due:
    type: bool
    influence_conversation: false
    mappings: [{type: custom}]
responses:
  utter_pension: [{text: "We pay on the 20th."}]
  utter_goodbye: [{text: "Goodbye."}]
  utter_crisis: [{text: "Call 0800 111 222."}]
actions: [action_privacy_notice, action_ask_satisfaction, action_handover]
""")

RULES = """
version: "3.1"
rules:
- rule: answer a pension question
  steps:
  - intent: pension
  - action: utter_pension
- rule: goodbye, then did this help
  steps:
  - intent: goodbye
  - action: utter_goodbye
  - action: action_ask_satisfaction
- rule: the crisis line first
  steps:
  - intent: self_harm
  - action: utter_crisis
  - action: action_handover
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> NoticeFirstRulePolicy:
    steps = YAMLStoryReader(DOMAIN).read_from_string(RULES)
    trackers = TrainingDataGenerator(StoryGraph(steps), DOMAIN, augmentation_factor=0).generate()
    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("policy")))
    trained = NoticeFirstRulePolicy.create(
        NoticeFirstRulePolicy.get_default_config(), storage, Resource("policy"),
        ExecutionContext(GraphSchema({}), "test"))
    trained.train(trackers, DOMAIN)
    return trained


def conversation(*events: Event, due: bool = True) -> DialogueStateTracker:
    """A new conversation as action_session_start leaves it, then `events`."""
    start: List[Event] = [ActionExecuted("action_session_start"), SessionStarted(),
                          SlotSet("privacy_notice_due", due), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("s", [*start, *events], slots=DOMAIN.slots)


def said(intent: str) -> UserUttered:
    return UserUttered("...", {"name": intent, "confidence": 1.0})


NOTICE = [ActionExecuted("action_privacy_notice"), BotUttered("Welcome ..."),
          SlotSet("privacy_notice_due", False)]


def predicted(policy: NoticeFirstRulePolicy, tracker: DialogueStateTracker) -> str:
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    return DOMAIN.action_names_or_texts[prediction.max_confidence_index]


def test_a_due_notice_comes_before_the_first_answer(policy) -> None:
    assert predicted(policy, conversation(said("pension"))) == "action_privacy_notice"
    assert predicted(policy, conversation(said("pension"), *NOTICE)) == "utter_pension"
    answered = conversation(said("pension"), *NOTICE, ActionExecuted("utter_pension"))
    assert predicted(policy, answered) == "action_listen"


def test_a_rule_of_several_actions_goes_on_after_the_notice(policy) -> None:
    # "goodbye -> utter_goodbye -> action_ask_satisfaction": the notice in between
    # is left out of the states the rule is matched against.
    bye = conversation(said("goodbye"), *NOTICE, ActionExecuted("utter_goodbye"))
    assert predicted(policy, bye) == "action_ask_satisfaction"


def test_the_next_message_is_answered_without_the_notice(policy) -> None:
    later = conversation(said("pension"), *NOTICE, ActionExecuted("utter_pension"),
                         ActionExecuted("action_listen"), said("pension"))
    assert predicted(policy, later) == "utter_pension"
    assert predicted(policy, conversation(said("pension"), due=False)) == "utter_pension"


def test_the_crisis_line_comes_first_and_the_notice_waits(policy) -> None:
    crisis = conversation(said("self_harm"))
    assert predicted(policy, crisis) == "utter_crisis"
    after = conversation(said("self_harm"), ActionExecuted("utter_crisis"),
                         ActionExecuted("action_handover"), ActionExecuted("action_listen"),
                         said("pension"))
    assert predicted(policy, after) == "action_privacy_notice"


def test_rasas_default_intents_keep_their_default_actions(policy) -> None:
    assert predicted(policy, conversation(said("restart"))) == "action_restart"
