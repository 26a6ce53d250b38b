"""The context component as the unit tests build it; messages as the classifier leaves them."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import parse_result
from bot.nlu_context import ConversationContext

__all__ = ["trained_context", "classified_message"]


def trained_context(
    tmp_path_factory: pytest.TempPathFactory, responses: Dict[str, List[Dict[str, Any]]]
) -> ConversationContext:
    """The component trained on `responses` and loaded again, as Rasa does."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("context")
    execution = ExecutionContext(GraphSchema({}), "test")
    ConversationContext.create({}, storage, resource, execution).train(
        TrainingData(responses=responses))
    return ConversationContext.load({}, storage, resource, execution)


def classified_message(labels: List[str], text: str, probabilities: Dict[str, float]) -> Message:
    """A message as AnswerClassifier leaves it: the rest of the mass spread evenly."""
    assert set(probabilities) <= set(labels)
    rest = (1 - sum(probabilities.values())) / (len(labels) - len(probabilities))
    message = Message(data={"text": text})
    for key, value in parse_result(
            labels, [probabilities.get(label, rest) for label in labels]).items():
        message.set(key, value, add_to_output=True)
    return message
