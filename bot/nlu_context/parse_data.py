"""What `AnswerClassifier` wrote on a message, read and rewritten by the context.

The classifier leaves an intent, its ranking and a `response_selector` with
one entry per topic (bot/nlu/classifier.py `parse_result`); a reading in
context replaces the intent (`set_intent`) or the answer inside a topic
(`set_answer`) in the same shapes, so the policies see no difference.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Text

from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.conversation_context import CLASSIFIER_READING

__all__ = [
    "RESPONSE_SELECTOR", "topics", "selected", "within", "elsewhere", "placed", "set_intent",
    "set_answer"]

RESPONSE_SELECTOR = "response_selector"


def topics(message: Message) -> Set[Text]:
    """The topics the classifier ranked answers in."""
    selector = message.get(RESPONSE_SELECTOR) or {}
    return {k for k in selector if k not in ("default", "all_retrieval_intents")}


def selected(message: Message, topic: Text) -> Optional[Text]:
    """The answer the classifier chose inside `topic`, if any."""
    selector = (message.get(RESPONSE_SELECTOR) or {}).get(topic) or {}
    return (selector.get("response") or {}).get("intent_response_key")


def within(message: Message, answer: Text) -> float:
    """The classifier's probability of `answer` among its topic's answers."""
    topic = answer.split("/")[0]
    selector = (message.get(RESPONSE_SELECTOR) or {}).get(topic) or {}
    for ranked in selector.get("ranking") or ():
        if ranked.get("intent_response_key") == answer:
            return float(ranked.get("confidence") or 0.0)
    return 0.0


def elsewhere(message: Message, answer: Text) -> float:
    """How the other topics rank the same question, on average (0 if fewer than 2 ask it).

    The benefits share their questions ("payment", "processing", "apply"):
    "متى يدفعون؟" (when do they pay?) ranks "payment" first in most of them,
    though inside one topic "when" may lean to the decision time. It speaks
    for the question where the answers' English words cannot.
    """
    topic, _, key = answer.partition("/")
    found = []
    for other, selector in (message.get(RESPONSE_SELECTOR) or {}).items():
        if other in (topic, "default", "all_retrieval_intents") or not isinstance(selector, dict):
            continue
        for ranked in selector.get("ranking") or ():
            if ranked.get("intent_response_key") == f"{other}/{key}":
                found.append(float(ranked.get("confidence") or 0.0))
    return sum(found) / len(found) if len(found) >= 2 else 0.0


def placed(message: Message, answer: Text) -> float:
    """How sure the classifier is of `answer`: inside its topic, or with the other topics' say.

    The better of its probability within the topic and the mean of that and
    `elsewhere`: 0.49 within, 0.66 elsewhere places it (0.58).
    """
    inside = within(message, answer)
    return max(inside, (inside + elsewhere(message, answer)) / 2)


def set_intent(
    message: Message,
    intent: Text,
    confidence: float,
    entities: Optional[List[Dict[Text, Any]]] = None,
) -> None:
    """Make `intent` the message's intent with `confidence`, the others below it.

    The classifier's own reading is kept (`CLASSIFIER_READING`, the first
    time only): the review inbox lists a decision of the context by it.
    """
    if message.get(CLASSIFIER_READING) is None:
        own = message.get(INTENT) or {}
        message.set(CLASSIFIER_READING, {"name": own.get("name"),
                                         "confidence": own.get("confidence")},
                    add_to_output=True)
    ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != intent]
    ranking = [{**r, "confidence": min(float(r.get("confidence") or 0), 1 - confidence)}
               for r in ranking]
    message.set(INTENT, {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}, *ranking],
                add_to_output=True)
    if entities:
        message.set(ENTITIES, [*(message.get(ENTITIES) or []), *entities],
                    add_to_output=True)


def set_answer(message: Message, answer: Text, confidence: float) -> None:
    """Make `answer` ("topic/key") the message's answer and its topic the intent."""
    topic = answer.split("/")[0]
    set_intent(message, topic, confidence)
    selector = dict(message.get(RESPONSE_SELECTOR) or {})
    chosen = {"intent_response_key": answer, "confidence": confidence}
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
    message.set(RESPONSE_SELECTOR, selector, add_to_output=True)
