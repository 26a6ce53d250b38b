"""LanguageIdentifier: the language of each message, kept steady over a conversation.

An NLU component (config.yml, after the intent classifier). It writes
`language` into every message's parse data (and `language_chosen`, true when
the citizen chose a language themselves). When a message of a conversation
changes them, it also writes them as entities, and the slots of those names
take them in the Rasa server (domain.yml `from_entity`): the `language` slot
the responses are chosen by (bot/i18n/nlg.py), with no action server call.
A message parsed outside a conversation (`rasa test`, the evaluation: a
tracker without events) has no slot to change and gets no entity, so the
entities of the NLU data and test stories stay as they are. `decide()` holds the rules:

1. A choice ("English please", "po polsku", "українською", a language
   button): the intent `choose_language` or a message that is only a
   language's name, with the language named (translations/languages.yml
   `names`). The choice is kept for the conversation and the next ones.
2. After a choice, nothing else changes the language.
3. During a request (an active form) the answers are names, numbers and
   dates: they never change the language. Nor does a language's name
   given when the request's question asks for a language (the
   contribution statement's "In which language? 1 Northlandic 2 English":
   "angielski" is the statement's language, not the conversation's).
4. A message with fewer than 2 words of letters ("ok", "1", "dzięki", an
   emoji) never changes a conversation's language. The first message of a
   conversation takes the channel's hint, else its detected language if the
   detection is sure.
5. Otherwise the detected language when the detection is sure, else the
   conversation's language; a conversation without one takes the
   channel's hint (Telegram's language_code, the browser's language in
   the web chat, message metadata `language`), else, for a first message
   of 2 words or more, the detected language when it is more likely than
   not (`first_sure`, 0.5: "telegram nssa" written in a Polish
   conversation's way), else English.

Detection: Arabic letters are Arabic, Cyrillic letters Ukrainian (the only
such languages offered); Latin text with a letter only one offered language
writes (translations/languages.yml `letters:`, "ą", "ł" for Polish) is that
language unless the n-gram model below is sure of another (an English
sentence with the name "Łukasz" stays English); other Latin text goes to a character n-gram logistic
regression trained on the training examples, whose language is the
`metadata: {language: xx}` of their intent block (data/lang/<code>/),
English when none: so "kam el ma3ash" and "skilky pensii" are learnt from
examples written the way citizens write.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.i18n.languages import (
    SOURCE,
    from_hint,
    languages,
    lettered,
    named_in,
    offered,
    script_of,
)

__all__ = [
    "LANGUAGE_KEY",
    "CHOSEN_KEY",
    "Decision",
    "Detector",
    "LanguageIdentifier",
    "CHOICE_INTENT",
    "decide",
    "slot_changes",
    "training_pairs",
    "example_language",
    "word_count",
]

logger = logging.getLogger(__name__)

CHOICE_INTENT = "choose_language"
# The keys of the parse data (and, for a language button, of its payload's entities).
LANGUAGE_KEY = "language"
CHOSEN_KEY = "language_chosen"
_MODEL_FILE = "language.joblib"
# A request's slot whose question asks for a language ends so (statement_language).
_LANGUAGE_QUESTION = "_language"
_SCRIPTS = {"arabic": "ar", "cyrillic": "uk"}
_LETTERS = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def word_count(text: str) -> int:
    """Words of at least 2 letters ("ok" is one, "1" and "😀" are none)."""
    return len(_LETTERS.findall(text))


@dataclass(frozen=True)
class Decision:
    """The language of a message, whether it was chosen, and the rule that decided."""

    language: str
    chosen: bool
    reason: str


def decide(
    text: str,
    detected: Optional[Tuple[str, float]],
    *,
    current: Optional[str] = None,
    chosen: bool = False,
    in_form: bool = False,
    asks_language: bool = False,
    hint: Optional[str] = None,
    choice_intent: bool = False,
    sure: float = 0.8,
    first_sure: float = 0.5,
) -> Decision:
    """Apply the rules of the module docstring to one message."""
    named = named_in(text)
    named = named if named in offered() else None
    only_a_name = named is not None and word_count(text) <= 2
    if current and in_form and asks_language and only_a_name:
        return Decision(current, bool(chosen), "kept: form's answer")
    if named is not None and (choice_intent or only_a_name):
        return Decision(named, True, "choice")
    fallback = current or from_hint(hint) or SOURCE
    if current and chosen:
        return Decision(current, True, "kept: chosen")
    if current and in_form:
        return Decision(current, False, "kept: form")
    language, confidence = detected or (fallback, 0.0)
    is_sure = confidence >= sure and language in offered()
    if word_count(text) < 2:
        if current is None and is_sure and not from_hint(hint):
            return Decision(language, False, "first message")
        return Decision(fallback, False, "kept: short")
    if is_sure:
        return Decision(language, False, "detected")
    if current is None and not from_hint(hint) and confidence >= first_sure \
            and language in offered():
        return Decision(language, False, "first message: likely")
    return Decision(fallback, False, "kept: unsure")


class Detector:
    """Script rules, then character n-grams for Latin text (see the module docstring)."""

    def __init__(self, pipeline: Any = None, sure: float = 0.8) -> None:
        self.pipeline = pipeline
        self.sure = sure

    @staticmethod
    def new_pipeline() -> Any:
        """The n-gram model, untrained."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        return make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=True,
                            sublinear_tf=True),
            LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced", random_state=42),
        )

    def fit(self, texts: List[str], labels: List[str]) -> "Detector":
        """Learn the Latin-script examples' languages."""
        latin = [(t, lab) for t, lab in zip(texts, labels, strict=True)
                 if script_of(t) in (None, "latin")]
        if len({lab for _, lab in latin}) >= 2:
            self.pipeline = self.new_pipeline()
            self.pipeline.fit([t for t, _ in latin], [lab for _, lab in latin])
        return self

    def detect(self, text: str) -> Optional[Tuple[str, float]]:
        """(language, confidence) of a text, or None when it has no letters."""
        script = script_of(text)
        if script is None:
            return None
        if script in _SCRIPTS and _SCRIPTS[script] in languages():
            return _SCRIPTS[script], 1.0
        if script != "latin":
            return SOURCE, 0.0
        own = lettered(text)
        if self.pipeline is None:
            return (own, 1.0) if own else (SOURCE, 0.0)
        probabilities = self.pipeline.predict_proba([text.lower()])[0]
        best = int(probabilities.argmax())
        found, confidence = str(self.pipeline.classes_[best]), float(probabilities[best])
        if own is not None and (found == own or confidence < self.sure):
            return own, 1.0
        return found, confidence


def example_language(message: Message) -> str:
    """The language of a training example: its intent block's metadata, else English."""
    metadata = message.get(METADATA) or {}
    for level in ("example", "intent"):
        value = (metadata.get(level) or {}).get("language") if isinstance(metadata, dict) else None
        if isinstance(value, str) and value:
            return value
    return SOURCE


def training_pairs(examples: List[Message]) -> Tuple[List[str], List[str]]:
    """(texts, languages) to learn from: an English example is never another language's.

    Citizens writing in another language type the English keywords too ("stop
    notices" is a Ukrainian example of its intent), but as a language example
    it would teach that "stop notices" is Ukrainian.
    """
    pairs = [(m.get(TEXT) or "", example_language(m)) for m in examples]
    english = {text.casefold() for text, language in pairs if language == SOURCE}
    kept = [(t, lang) for t, lang in pairs if lang == SOURCE or t.casefold() not in english]
    return [t for t, _ in kept], [lang for _, lang in kept]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class LanguageIdentifier(GraphComponent):
    """Write the message's language (parse data `language`) by the rules of `decide`."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """How sure the detection must be (a first message's: first_sure), and the choice intent."""
        return {"sure": 0.8, "first_sure": 0.5, "choice_confidence": 0.5}

    @staticmethod
    def required_packages() -> List[Text]:
        """Packages the component needs."""
        return ["sklearn", "joblib"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        detector: Optional[Detector] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.detector = detector or Detector()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageIdentifier":
        """An untrained identifier."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the languages of the training examples."""
        import joblib

        texts, labels = training_pairs(training_data.intent_examples)
        self.detector.fit(texts, labels)
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(self.detector.pipeline, directory / _MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LanguageIdentifier":
        """The trained identifier, or one that knows the scripts only."""
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                pipeline = joblib.load(directory / _MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.debug("No trained LanguageIdentifier in the model.")
            pipeline = None
        from bot.nlu.classifier import sparse_ready

        sure = float({**cls.get_default_config(), **config}["sure"])
        return cls(config, model_storage, resource, Detector(sparse_ready(pipeline), sure))

    def process(self, messages: List[Message], tracker: Optional[Any] = None) -> List[Message]:
        """Write `language` (and `language_chosen`) into each message's parse data."""
        current = chosen = None
        in_form = asks_language = False
        if tracker is not None:
            current = tracker.get_slot("language")
            chosen = tracker.get_slot("language_chosen")
            in_form = bool(getattr(tracker, "active_loop_name", None))
            asks_language = in_form and str(
                tracker.get_slot("requested_slot") or "").endswith(_LANGUAGE_QUESTION)
        for message in messages:
            text = message.get(TEXT) or ""
            metadata = message.get(METADATA) or {}
            intent = message.get(INTENT) or {}
            decision = decide(
                text,
                self.detector.detect(text),
                current=current if current in languages() else None,
                chosen=bool(chosen),
                in_form=in_form,
                asks_language=asks_language,
                hint=metadata.get("language") if isinstance(metadata, dict) else None,
                choice_intent=intent.get("name") == CHOICE_INTENT
                and (intent.get("confidence") or 0.0) >= self._config["choice_confidence"],
                sure=self._config["sure"],
                first_sure=self._config["first_sure"],
            )
            message.set(LANGUAGE_KEY, decision.language, add_to_output=True)
            message.set(CHOSEN_KEY, decision.reason == "choice", add_to_output=True)
            message.set("language_decision", decision.reason, add_to_output=True)
            # Rasa parses outside a conversation with an empty tracker (`rasa
            # test`, /model/parse): no slot to change there.
            if tracker is not None and tracker.events:
                changes = slot_changes(decision, current, bool(chosen))
                if changes:
                    message.set(ENTITIES, [*(message.get(ENTITIES) or []), *changes],
                                add_to_output=True)
        return messages


def slot_changes(decision: Decision, current: Optional[str], chosen: bool) -> List[Dict[str, Any]]:
    """The entities that set the slots `language` and `language_chosen` where they change."""
    changes: List[Dict[str, Any]] = []
    if decision.language != current:
        changes.append({"entity": LANGUAGE_KEY, "value": decision.language,
                        "extractor": LanguageIdentifier.__name__})
    if decision.reason == "choice" and not chosen:
        changes.append({"entity": CHOSEN_KEY, "value": True,
                        "extractor": LanguageIdentifier.__name__})
    return changes
