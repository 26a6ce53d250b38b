"""AnswerClassifier: one classifier for the intent and the policy answer.

Rasa's stock set-up classifies the topic (`pension`) with one model and picks
the answer (`pension/amount`) with a ResponseSelector trained separately over
the answers of all topics; the two can disagree, and `utter_pension` then
sends another topic's answer. This component learns the answers and the core
intents as one flat label set (`pension/amount`, `greet`, ...), with word and
character n-gram TF-IDF features and a logistic regression, and derives:

- the intent: the topic whose answers together have the highest probability,
  with that sum as confidence (so the FallbackClassifier still sees doubt);
- the answer: the most probable answer inside that topic, written in
  `response_selector` in the shape Rasa's ResponseSelector writes, under the
  topic's key and under `default`, where `utter_<topic>` reads it.

A `regex:` in the NLU data whose name is an intent overrides the classifier:
a message it matches gets that intent with confidence 1.0. The content team
uses it where a miss is not acceptable (data/core/safety.yml: any mention of
self-harm or suicide gets the crisis line first).

`make compare` measures it against the stock pipeline (configs/).
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

__all__ = ["AnswerClassifier", "parse_result", "sparse_ready"]

logger = logging.getLogger(__name__)

_MODEL_FILE = "answers.joblib"
_OVERRIDES_FILE = "overrides.json"
_SEPARATOR = "/"


def parse_result(
    labels: List[Text], probabilities: List[float], ranking_length: int = 10
) -> Dict[Text, Any]:
    """Intent, intent ranking and response selector from answer probabilities."""
    by_topic: Dict[Text, float] = defaultdict(float)
    answers: Dict[Text, List[Dict[Text, Any]]] = defaultdict(list)
    for label, probability in zip(labels, probabilities, strict=True):
        topic = label.split(_SEPARATOR)[0]
        by_topic[topic] += float(probability)
        if _SEPARATOR in label:
            answers[topic].append(
                {"intent_response_key": label, "confidence": float(probability)}
            )
    ranking: List[Dict[Text, Any]] = sorted(
        ({"name": t, "confidence": c} for t, c in by_topic.items()),
        key=lambda r: -r["confidence"],
    )
    result: Dict[Text, Any] = {
        "intent": ranking[0],
        "intent_ranking": ranking[:ranking_length] if ranking_length else ranking,
    }
    if answers:
        selector: Dict[Text, Any] = {"all_retrieval_intents": sorted(answers)}
        for topic, topic_answers in answers.items():
            total = by_topic[topic] or 1.0
            ranked = sorted(
                ({**a, "confidence": a["confidence"] / total} for a in topic_answers),
                key=lambda a: -a["confidence"],
            )
            best = ranked[0]
            selector[topic] = {
                "response": {
                    "responses": None,
                    "confidence": best["confidence"],
                    "intent_response_key": best["intent_response_key"],
                    "utter_action": f"utter_{best['intent_response_key']}",
                },
                "ranking": ranked[:ranking_length] if ranking_length else ranked,
            }
        top = ranking[0]["name"]
        if top in answers:
            selector["default"] = selector[top]
        result["response_selector"] = selector
    return result


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class AnswerClassifier(GraphComponent, IntentClassifier):
    """Classify intents and policy answers together (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """C of the logistic regression, n-gram ranges, ranking length, extra features."""
        return {
            # "sgd": stochastic gradient descent on the log loss, one-vs-rest
            # (seconds); "logistic": LogisticRegression lbfgs, multinomial (minutes).
            "solver": "logistic",
            # Regularisation: C of the logistic regression, alpha of SGD.
            "C": 10.0,
            "alpha": 1e-5,
            # SGD: "balanced" weighs each label by the inverse of its examples,
            # so answers with few examples are not drowned by large ones.
            "class_weight": None,
            # Passes over the data (SGD) or iterations (lbfgs).
            "max_iter": 2000,
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            # An n-gram is a feature only if this many examples have it.
            "min_df": 1,
            "ranking_length": 10,
            # Weight of the sentence embeddings beside the n-grams; 0 leaves them out.
            "embeddings": 0.0,
            # Correct unknown words before the n-grams (bot.nlu.features).
            "spelling": False,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """Packages the component needs."""
        return ["sklearn", "joblib"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Optional[Any] = None,
        overrides: Optional[List[Dict[Text, Text]]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._pipeline = pipeline
        self._overrides = overrides or []
        self._compiled = [
            (o["name"], re.compile(o["pattern"], re.IGNORECASE)) for o in self._overrides
        ]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "AnswerClassifier":
        """An untrained classifier."""
        return cls(config, model_storage, resource)

    def _new_pipeline(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression, SGDClassifier
        from sklearn.pipeline import make_pipeline, make_union

        from bot.nlu.features import SentenceEmbeddings, SpellingNormaliser

        config = self._config
        ngrams = make_union(
            TfidfVectorizer(analyzer="word", ngram_range=tuple(config["word_ngrams"]),
                            min_df=config["min_df"]),
            TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config["char_ngrams"]),
                            min_df=config["min_df"]),
        )
        if config["spelling"]:
            ngrams = make_pipeline(SpellingNormaliser(), ngrams)
        features = ngrams
        if config["embeddings"]:
            features = make_union(ngrams, SentenceEmbeddings(config["embeddings"]))
        classifier: Any
        if config["solver"] == "sgd":
            classifier = SGDClassifier(loss="log_loss", alpha=config["alpha"],
                                       max_iter=config["max_iter"], tol=None, random_state=42,
                                       class_weight=config["class_weight"])
        elif config["solver"] == "logistic":
            classifier = LogisticRegression(C=config["C"], max_iter=config["max_iter"],
                                            random_state=42)
        else:
            raise ValueError(f"AnswerClassifier solver {config['solver']!r}: sgd or logistic")
        return make_pipeline(features, classifier)

    def fit_pipeline(self, texts: List[Text], labels: List[Text]) -> Any:
        """A new pipeline fitted on `texts` and `labels`, laid out for fast prediction."""
        pipeline = self._new_pipeline()
        pipeline.fit(texts, labels)
        return sparse_ready(pipeline)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit on every intent example, labelled with its answer if it has one."""
        import joblib

        texts, labels = [], []
        for message in training_data.intent_examples:
            texts.append(message.get(TEXT) or "")
            labels.append(message.get(INTENT_RESPONSE_KEY) or message.get(INTENT))
        if len(set(labels)) < 2:
            logger.warning("AnswerClassifier needs at least 2 labels; not trained.")
            return self._resource
        self._pipeline = self.fit_pipeline(texts, labels)
        known = set(labels)
        overrides = [
            {"name": r["name"], "pattern": r["pattern"]}
            for r in training_data.regex_features
            if r["name"] in known
        ]
        with self._storage.write_to(self._resource) as directory:
            # Model archives are the project's own build output, so pickle is fine.
            joblib.dump(self._pipeline, directory / _MODEL_FILE)
            (directory / _OVERRIDES_FILE).write_text(json.dumps(overrides))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "AnswerClassifier":
        """Load the trained pipeline, or an untrained classifier if there is none."""
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                pipeline = joblib.load(directory / _MODEL_FILE)
                overrides = json.loads((directory / _OVERRIDES_FILE).read_text())
        except (ValueError, FileNotFoundError):
            logger.debug("No trained AnswerClassifier in the model.")
            pipeline, overrides = None, []
        return cls(config, model_storage, resource,
                   sparse_ready(pipeline), overrides)

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent, intent ranking and response selector on each message."""
        if self._pipeline is None:
            return messages
        labels = list(self._pipeline.classes_)
        for message in messages:
            text = message.get(TEXT) or ""
            probabilities = list(self._pipeline.predict_proba([text])[0])
            forced = next((name for name, rx in self._compiled if rx.search(text)), None)
            if forced is not None:
                probabilities = [1.0 if label == forced else 0.0 for label in labels]
            result = parse_result(labels, probabilities, self._config["ranking_length"])
            for key, value in result.items():
                message.set(key, value, add_to_output=True)
        return messages


def sparse_ready(pipeline: Any) -> Any:
    """The pipeline with its linear models' coefficients stored column-major; same results.

    A message's features are a sparse row; scipy multiplies it by
    `coef_.T`, which it needs C-contiguous, and copies it on every call
    when `coef_` is row-major: a 130-class model over ~200,000 n-grams
    copied 200 MB per message (about 90 ms of a turn's 130 ms of NLU, as
    `python -m bot bench --profile` found). Column-major `coef_` makes
    `coef_.T` C-contiguous, so nothing is copied; the products are the same.
    """
    import numpy as np

    for _, step in getattr(pipeline, "steps", None) or []:
        coef = getattr(step, "coef_", None)
        if isinstance(coef, np.ndarray) and coef.ndim == 2:
            step.coef_ = np.asfortranarray(coef)
    return pipeline
