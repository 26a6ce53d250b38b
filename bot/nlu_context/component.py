"""ConversationContext: the NLU component that reads a message in its conversation.

It runs after `bot.nlu.AnswerClassifier` (config.yml) and changes what the
classifier read only where the conversation so far says more than the
message alone (Rasa 3.6 hands NLU components the tracker at inference). The
readings, tried in this order, are in `estimates` (a benefit's rule or its
estimate, decided by a figure; made without a conversation too),
`satisfaction` (the reply to "Did this help?" and to "What was missing?"),
`offers` (a chosen option, yes to an offer, an identity typed after one) and
`follow_ups` (a question inside a request, a follow-up, an estimate asked
again). A self-harm reading the
assistant would act on (at or above the fallback threshold, and always when
its regex forced it) and a button's payload are never touched.

Training keeps each policy answer's words (its response texts) and which
answers offer which request (their buttons); nothing else is learnt.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import conversation_context as context
from bot.nlu_context import estimates, follow_ups, satisfaction
from bot.nlu_context import offers as replies
from bot.nlu_context.answer_words import AnswerWords

__all__ = ["ConversationContext"]

logger = logging.getLogger(__name__)

_MODEL_FILE = "context.json"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class ConversationContext(GraphComponent, IntentClassifier):
    """Read a message in the context of the conversation (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Thresholds; `requests` are the intents that start a request form."""
        return {
            # A follow-up has at most this many words.
            "follow_up_max_words": 8,
            # Above this the classifier's own topic stands unless the last
            # answer's words cover the message better.
            "sure": 0.5,
            # An ID number or date starts a request offered this many turns ago.
            "offer_turns": 3,
            # A self-harm reading at or above this (the fallback threshold) is never changed.
            "crisis_floor": 0.2,
            # A reading below this gets "not sure" (FallbackClassifier's threshold):
            # a follow-up is read in the last topic rather than given that.
            "fallback": 0.2,
            # The confidence given to an intent the context decided.
            "confidence": 0.8,
            "requests": [
                "check_case", "make_complaint", "request_statement", "change_address",
                "change_bank_account", "apply_housing", "apply_coverage",
                "apply_child_benefit", "book_appointment", "request_callback",
            ],
            # The benefits with a personal estimate (intents estimate_<benefit>).
            "estimates": ["pension", "survivors", "disability", "child_benefit",
                          "unemployment", "sickness", "parental", "housing"],
            # A benefit's rule and its estimate this close are decided by a figure.
            "estimate_tie": 0.1,
            # Short replies to an offer that take it up when the classifier is unsure.
            "unsure_replies": ["goodbye", "greet", "affirm", "out_of_scope", "bot_challenge"],
            # Intents a follow-up may be taken away from.
            "overridable": ["distress", "ask_help", "out_of_scope", "bot_challenge", "greet"],
            # "Did this help?" and "What was missing?" (bot/nlu_context/satisfaction.py).
            **satisfaction.DEFAULTS,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Optional[Dict[Text, List[Text]]] = None,
        offers: Optional[Dict[Text, List[Text]]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._words = AnswerWords(vocabulary)
        self._offers = offers or {}
        self._requests = set(self._config["requests"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ConversationContext":
        """A component with nothing learnt yet."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Keep each policy answer's words and the requests each answer offers."""
        vocabulary: Dict[Text, List[Text]] = {}
        offered: Dict[Text, List[Text]] = {}
        for name, variations in (training_data.responses or {}).items():
            if not name.startswith("utter_") or "/" not in name:
                continue
            answer = name[len("utter_"):]
            found: Set[Text] = set()
            for variation in variations:
                found |= context.content_words(str(variation.get("text") or ""))
                payloads = [str(b.get("payload") or "") for b in variation.get("buttons") or ()]
                for intent in replies.requests_in(payloads, self._requests):
                    if answer not in offered.setdefault(intent, []):
                        offered[intent].append(answer)
            vocabulary[answer] = sorted(found)
        with self._storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_text(
                json.dumps({"vocabulary": vocabulary, "offers": offered})
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ConversationContext":
        """The learnt words and offers, or nothing if the model has none."""
        try:
            with model_storage.read_from(resource) as directory:
                stored = json.loads((directory / _MODEL_FILE).read_text())
        except (ValueError, FileNotFoundError):
            stored = {}
        return cls(config, model_storage, resource,
                   stored.get("vocabulary"), stored.get("offers"))

    def process(self, messages: List[Message], tracker: Optional[Any] = None) -> List[Message]:
        """Read each message in the context of `tracker` (only reading 0 without one)."""
        for message in messages:
            text = str(message.get(TEXT) or "")
            intent = message.get(INTENT) or {}
            if text.startswith("/") or (intent.get("name") == "self_harm" and float(
                    intent.get("confidence") or 0) >= self._config["crisis_floor"]):
                continue  # a button's payload, or the crisis line: never changed
            try:
                estimates.rule_or_estimate(message, text, self._config)
                if tracker is not None:
                    self._in_context(message, text, tracker)
            except Exception:  # noqa: BLE001 - context is a refinement, never a failure
                logger.exception("The conversation context was not applied.")
        return messages

    def _in_context(self, message: Message, text: Text, tracker: Any) -> None:
        """Try the readings in order; the first that applies decides."""
        config = self._config
        events = list(tracker.events)
        turns = context.bot_turns(events, limit=max(config["offer_turns"], 1))
        offered = context.offered(turns)
        form = getattr(tracker, "active_loop_name", None)
        if form:
            follow_ups.question_in_request(
                message, text, events, form, self._words, self._offers, config)
            return
        if satisfaction.reply(message, turns, config) or \
                replies.chosen_option(message, text, offered, float(config["confidence"])) or \
                replies.request_offer(message, text, offered, self._requests, config):
            return
        answer = context.last_answer(turns)
        if answer:
            follow_ups.follow_up(
                message, text, answer, context.frame(events) or answer, self._words, config)
            return
        benefit = context.last_estimate(turns, config["estimates"])
        if benefit and not follow_ups.estimate_again(message, text, benefit, config):
            follow_ups.after_estimate(message, text, benefit, self._words, config)
