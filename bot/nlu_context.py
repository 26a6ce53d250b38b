"""ConversationContext: the NLU component that reads a message in its conversation.

It runs after `bot.nlu.AnswerClassifier` (config.yml) and changes what the
classifier read only where the conversation so far says more than the
message alone (Rasa 3.6 hands NLU components the tracker at inference):

1. **A chosen option.** A bare number ("1") after a bot turn with buttons is
   that button: the intent of its payload (`/request_callback`).
2. **Yes to an offer.** "yes" / "yes please" right after an answer that offered
   exactly one request (a button `/change_bank_account`) starts that request.
3. **An identity typed after an offer.** A national ID number or a date typed
   within a few turns of an answer that offered a request starts it; the ID
   number goes with it as the entity `national_id`, which fills the form's
   first question (domain.yml), so the form goes on to the date of birth.
4. **A question in the middle of a request** that the classifier is unsure of
   is read in the topics of the answers that offer that request ("is it
   free?" while ordering a contribution statement).
5. **"Did this help?"** (actions/satisfaction.py): "yes" or "no" right after
   the question is its button (`helped_yes` / `helped_no`; "1" and "2" are
   read as in 1.); the message right after "What was missing?" is its
   answer (`tell_what_was_missing`) unless it asks for something the
   assistant acts on (a person, the crisis line, cancel, "no" ...).
6. **A follow-up.** A short message that continues the last answer ("and for
   three of them?", "what if it falls on a holiday?", "is there a lift?",
   "I'm 47") stays in that answer's topic, unless the classifier is sure of
   another topic the message itself names. Inside the topic the answer is
   picked from the classifier's ranking, the answers' own words and the last
   answer. A follow-up is never routed to distress; a self-harm reading the
   assistant would act on (at or above the fallback threshold, and always
   when its regex forced it) is never touched.

Training keeps each policy answer's words (its response texts) and which
answers offer which request (their buttons); nothing else is learnt.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from typing import Any, Dict, List, Optional, Set, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import conversation_context as context

__all__ = ["ConversationContext"]

logger = logging.getLogger(__name__)

_MODEL_FILE = "context.json"
_RESPONSE_SELECTOR = "response_selector"
_NATIONAL_ID = re.compile(r"^\s*(\d[\d \-]{9,14}\d)\s*$")
_DATE = re.compile(
    r"^\s*(\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}|\d{1,2}\s+[a-z]+\s+\d{4}|\d{4}-\d{2}-\d{2})\s*$",
    re.IGNORECASE,
)
_OPTION = re.compile(r"^\s*(\d)\s*[.)]?\s*$")
# How a continuation starts: "and for three?", "what if ...", "what about ...".
_CONTINUATION = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|so|oh|right)[,.]?\s+)?"
    r"(?:and|but|also|plus|then|what if|what about|how about|and if|for|in|on|at)\b",
    re.IGNORECASE,
)
_ANAPHORS = frozenset("it its that this them those these one there they he she his her him".split())
_QUESTION_WORDS = frozenset("what when where who whom why which how".split())
# A figure of the citizen's own ("I'm 47", "for three of them") continues the answer.
_NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve half couple twins".split()
)


def _national_id(text: Text) -> Text:
    """The 11 digits of a message that is only a national ID number, else ""."""
    match = _NATIONAL_ID.match(text)
    digits = re.sub(r"\D", "", match.group(1)) if match else ""
    return digits if len(digits) == 11 else ""


def _identity(text: Text) -> bool:
    """Whether the message is only a national ID number or a date."""
    return bool(_national_id(text) or _DATE.match(text))


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
            # Short replies to an offer that take it up when the classifier is unsure.
            "unsure_replies": ["goodbye", "greet", "affirm", "out_of_scope", "bot_challenge"],
            # "Did this help?": the question, its readings of "yes" and "no",
            # "What was missing?", and the intents that are never its answer.
            "satisfaction_question": "utter_ask_satisfaction",
            "satisfaction_answers": {"affirm": "helped_yes", "deny": "helped_no"},
            "missing_question": "utter_ask_what_was_missing",
            "missing_answer": "tell_what_was_missing",
            "not_missing": [
                "self_harm", "distress", "request_human", "request_callback",
                "complaint_escalate", "delete_conversation", "continue_elsewhere",
                "choose_language", "stop_notices", "start_notices", "deny", "cancel",
                "goodbye", "thank", "helped_yes", "helped_no",
            ],
            # Intents a follow-up may be taken away from.
            "overridable": ["distress", "ask_help", "out_of_scope", "bot_challenge", "greet"],
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
        self._vocabulary = {k: set(v) for k, v in (vocabulary or {}).items()}
        self._offers = offers or {}
        counts = Counter(w for vocab in self._vocabulary.values() for w in vocab)
        total = max(len(self._vocabulary), 1)
        self._idf = {w: math.log(1 + total / n) for w, n in counts.items()}
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
        offers: Dict[Text, List[Text]] = {}
        for name, variations in (training_data.responses or {}).items():
            if not name.startswith("utter_") or "/" not in name:
                continue
            answer = name[len("utter_"):]
            found: Set[Text] = set()
            for variation in variations:
                found |= context.content_words(str(variation.get("text") or ""))
                payloads = [str(b.get("payload") or "") for b in variation.get("buttons") or ()]
                for intent in self._requests_in(payloads):
                    if answer not in offers.setdefault(intent, []):
                        offers[intent].append(answer)
            vocabulary[answer] = sorted(found)
        with self._storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_text(
                json.dumps({"vocabulary": vocabulary, "offers": offers})
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
        """Read each message in the context of `tracker` (unchanged without one)."""
        if tracker is None:
            return messages
        for message in messages:
            text = str(message.get(TEXT) or "")
            intent = message.get(INTENT) or {}
            if text.startswith("/") or (intent.get("name") == "self_harm" and float(
                    intent.get("confidence") or 0) >= self._config["crisis_floor"]):
                continue  # a button's payload, or the crisis line: never changed
            try:
                self._in_context(message, text, tracker)
            except Exception:  # noqa: BLE001 - context is a refinement, never a failure
                logger.exception("The conversation context was not applied.")
        return messages

    # --- the six readings ----------------------------------------------------

    def _in_context(self, message: Message, text: Text, tracker: Any) -> None:
        events = list(tracker.events)
        turns = context.bot_turns(events, limit=max(self._config["offer_turns"], 1))
        offers = context.offered(turns)
        form = getattr(tracker, "active_loop_name", None)
        if form:
            self._question_in_request(message, text, events, form)
            return
        if self._satisfaction(message, turns) or self._chosen_option(
                message, text, offers) or self._request_offer(
            message, text, offers
        ):
            return
        answer = context.last_answer(turns)
        if answer:
            self._follow_up(message, text, answer, context.frame(events) or answer)
            return
        benefit = context.last_estimate(turns, self._config["estimates"])
        if benefit:
            self._estimate_again(message, text, benefit)

    def _chosen_option(
        self, message: Message, text: Text, offers: List[Tuple[int, List[Text]]]
    ) -> bool:
        match = _OPTION.match(text)
        if not match or not offers or offers[0][0] != 0:
            return False
        payloads = offers[0][1]
        number = int(match.group(1))
        if not 1 <= number <= len(payloads):
            return False
        intent = context.payload_intent(payloads[number - 1])
        if intent is None:
            return False
        self._set_intent(message, intent)
        return True

    def _satisfaction(self, message: Message, turns: List[List[Any]]) -> bool:
        """Yes or no to "Did this help?"; the answer to "What was missing?"."""
        said = context.responses(turns[-1]) if turns else set()
        name = str((message.get(INTENT) or {}).get("name") or "")
        if self._config["satisfaction_question"] in said:
            answer = self._config["satisfaction_answers"].get(name)
            if answer:
                self._set_intent(message, answer)
            return bool(answer)
        if self._config["missing_question"] in said and not name.startswith("EXTERNAL_") \
                and name not in self._config["not_missing"]:
            self._set_intent(message, self._config["missing_answer"])
            return True
        return False

    def _request_offer(
        self, message: Message, text: Text, offers: List[Tuple[int, List[Text]]]
    ) -> bool:
        intent = message.get(INTENT) or {}
        current = str(intent.get("name") or "")
        digits = _national_id(text)
        identity = _identity(text)
        just_offered = set(self._requests_in(offers[0][1])) if offers and offers[0][0] == 0 \
            else set()
        said = context.words(text)
        # "all" after the case status was explained is "show all my cases", not
        # "bye": a short reply the classifier is unsure of takes up the offer.
        unsure_reply = (len(said) <= 3 and not text.strip().endswith("?")
                        and current in self._config["unsure_replies"]
                        and float(intent.get("confidence") or 0) < self._config["sure"])
        if len(just_offered) == 1 and not _OPTION.match(text) and not identity and (
                current == "affirm" or unsure_reply):
            self._set_intent(message, just_offered.pop())
            return True
        if current == "affirm":
            return False
        if not identity or current in self._requests:
            return False
        for _, payloads in offers:
            requests = self._requests_in(payloads)
            if requests:
                entities = [] if not digits else [{
                    "entity": "national_id", "value": digits, "start": 0,
                    "end": len(text), "extractor": type(self).__name__,
                }]
                self._set_intent(message, requests[0], entities)
                return True
        return False

    def _requests_in(self, payloads: List[Text]) -> List[Text]:
        """The request intents among button payloads, in order."""
        intents = (context.payload_intent(p) for p in payloads)
        return [i for i in intents if i is not None and i in self._requests]

    def _question_in_request(
        self, message: Message, text: Text, events: List[Any], form: Text
    ) -> None:
        intent = message.get(INTENT) or {}
        said = context.words(text)
        if (intent.get("name") == "distress" and (intent.get("confidence") or 0) < self._config[
                "sure"] and any(w.isdigit() for w in said)):
            # "and how long? i'm 35" answers the form's question; it is not distress.
            started = context.request_started_by(events, form)
            if started:
                self._set_intent(message, started)
            return
        topics = self._topics(message)
        if intent.get("name") in topics and (intent.get("confidence") or 0) >= 0.6:
            return  # the classifier is sure already
        if not (text.strip().endswith("?") or self._question_word_first(text)):
            return
        started = context.request_started_by(events, form)
        answers = self._offers.get(started or "", [])
        related = {a.split("/")[0] for a in answers}
        candidates = [a for a in self._vocabulary if a.split("/")[0] in related]
        best = self._best(message, text, candidates, favoured=set(answers), need_words=True)
        if best is not None:
            self._set_answer(message, best)

    def _follow_up(self, message: Message, text: Text, answer: Text, frame: Text) -> None:
        """Keep a follow-up in the topic of `answer`; `frame` is the answer it follows up.

        After "how much is housing allowance?" and "who do I call about it?",
        the frame of "and for a couple?" is still the first answer.
        """
        said = context.words(text)
        if not said or len(said) > self._config["follow_up_max_words"] or _identity(text):
            return
        continuation = bool(_CONTINUATION.match(text))
        anaphor = bool(_ANAPHORS.intersection(said))
        personal = any(w.isdigit() or w in _NUMBER_WORDS for w in said)
        if not (continuation or anaphor or personal):
            return
        intent = message.get(INTENT) or {}
        name = str(intent.get("name") or "")
        confidence = float(intent.get("confidence") or 0.0)
        topic = answer.split("/")[0]
        topics = self._topics(message)
        if (personal and name.startswith("estimate_") and name != f"estimate_{topic}"
                and topic in self._config["estimates"]):
            # "my wage is €3,000" after a sickness benefit answer: that estimate.
            self._set_intent(message, f"estimate_{topic}")
            return
        if name != topic and name not in topics and name not in self._config["overridable"]:
            return  # a request, an estimate, thanks, goodbye ...: not a follow-up
        in_topic = [a for a in self._vocabulary if a.split("/")[0] == topic]
        covered = max((self._coverage(text, a) for a in in_topic), default=0.0)
        if name == "distress" and confidence >= self._config["sure"] and not (
            personal or covered >= 0.5
        ):
            return  # it reads as distress and has nothing of the topic in it
        if name != topic and name in topics and confidence >= self._config["sure"]:
            # The classifier is sure of another topic: stay only when the
            # message says it continues ("and for the Housing Office?") and
            # the last answer's words cover it at least as well.
            other = self._selected(message, name)
            if not continuation or not other or self._coverage(text, answer) < max(
                self._coverage(text, other), 0.5
            ):
                return
        # "and for a couple?" asks the last question again about something
        # else; "and how much is it?" asks a question of its own.
        again = continuation and not _QUESTION_WORDS.intersection(
            context.words(_CONTINUATION.sub("", text, count=1))
        )
        frame = frame if frame.split("/")[0] == topic else answer
        favoured, bonus = {answer, frame}, 0.25
        if again:
            favoured, bonus = {frame}, 0.8
        elif anaphor and not _QUESTION_WORDS.intersection(said) and self._coverage(
                text, answer) >= 0.99:
            # "is it open on Friday?" when the last answer says "Friday closed":
            # the last answer has the reply.
            self._set_answer(message, answer)
            message.set(context.CONTEXT_KEY, {"follows": frame}, add_to_output=True)
            return
        best = self._best(message, text, in_topic, favoured=favoured, need_words=False,
                          bonus=bonus)
        if best is not None:
            self._set_answer(message, best)
            message.set(context.CONTEXT_KEY, {"follows": frame}, add_to_output=True)

    def _estimate_again(self, message: Message, text: Text, benefit: Text) -> None:
        """After an estimate, "and if I start 10 months early?" asks for it again.

        The estimate's form keeps the figures already given and reads the new
        one from the message (actions/estimate_forms).
        """
        said = context.words(text)
        if not said or len(said) > self._config["follow_up_max_words"] + 4:
            return
        if not (_CONTINUATION.match(text) or _ANAPHORS.intersection(said)
                or any(w.isdigit() or w in _NUMBER_WORDS for w in said)):
            return
        intent = message.get(INTENT) or {}
        name = str(intent.get("name") or "")
        overridable = set(self._config["overridable"]) | self._topics(message)
        if name.startswith("estimate_") or name in overridable:
            self._set_intent(message, f"estimate_{benefit}")

    # --- scoring ---------------------------------------------------------------

    @staticmethod
    def _question_word_first(text: Text) -> bool:
        said = context.words(text)
        return bool(said) and said[0] in _QUESTION_WORDS | {
            "can", "could", "do", "does", "is", "are", "will"}

    @staticmethod
    def _topics(message: Message) -> Set[Text]:
        selector = message.get(_RESPONSE_SELECTOR) or {}
        return {k for k in selector if k not in ("default", "all_retrieval_intents")}

    @staticmethod
    def _selected(message: Message, topic: Text) -> Optional[Text]:
        selector = (message.get(_RESPONSE_SELECTOR) or {}).get(topic) or {}
        return (selector.get("response") or {}).get("intent_response_key")

    def _coverage(self, text: Text, answer: Text) -> float:
        """How much of the message's words (weighted by rarity) the answer's text has."""
        said = context.content_words(text)
        vocab = self._vocabulary.get(answer, set())
        total = sum(self._idf.get(w, 1.0) for w in said if not w.isdigit())
        if not total:
            return 0.0
        return sum(self._idf.get(w, 1.0) for w in said if w in vocab) / total

    def _within(self, message: Message, answer: Text) -> float:
        """The classifier's probability of `answer` among its topic's answers."""
        topic = answer.split("/")[0]
        selector = (message.get(_RESPONSE_SELECTOR) or {}).get(topic) or {}
        for ranked in selector.get("ranking") or ():
            if ranked.get("intent_response_key") == answer:
                return float(ranked.get("confidence") or 0.0)
        return 0.0

    def _best(
        self, message: Message, text: Text, candidates: List[Text],
        favoured: Set[Text], need_words: bool, bonus: float = 0.25,
    ) -> Optional[Text]:
        scored = []
        for answer in candidates:
            coverage = self._coverage(text, answer)
            if need_words and coverage < 0.34:
                continue
            score = self._within(message, answer) + 0.5 * coverage
            score += bonus if answer in favoured else 0.0
            scored.append((score, answer))
        return max(scored)[1] if scored else None

    # --- writing the result ------------------------------------------------------

    def _set_intent(
        self, message: Message, intent: Text, entities: Optional[List[Dict[Text, Any]]] = None
    ) -> None:
        confidence = float(self._config["confidence"])
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != intent]
        ranking = [{**r, "confidence": min(float(r.get("confidence") or 0), 1 - confidence)}
                   for r in ranking]
        message.set(INTENT, {"name": intent, "confidence": confidence}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}, *ranking],
                    add_to_output=True)
        if entities:
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), *entities],
                        add_to_output=True)

    def _set_answer(self, message: Message, answer: Text) -> None:
        topic = answer.split("/")[0]
        self._set_intent(message, topic)
        selector = dict(message.get(_RESPONSE_SELECTOR) or {})
        chosen = {"intent_response_key": answer, "confidence": float(self._config["confidence"])}
        previous = selector.get(topic) or {}
        ranking = [r for r in previous.get("ranking") or ()
                   if r.get("intent_response_key") != answer]
        selector[topic] = {
            "response": {
                "responses": None,
                "confidence": chosen["confidence"],
                "intent_response_key": answer,
                "utter_action": f"utter_{answer}",
            },
            "ranking": [chosen, *ranking],
        }
        selector["default"] = selector[topic]
        message.set(_RESPONSE_SELECTOR, selector, add_to_output=True)
