"""AnswerClassifier's parse result: one intent and an answer of that intent."""

from __future__ import annotations

import pytest

from bot.nlu import parse_result

LABELS = ["greet", "pension/amount", "pension/payment", "survivors/amount"]


def test_topic_probability_is_the_sum_of_its_answers() -> None:
    result = parse_result(LABELS, [0.1, 0.25, 0.25, 0.4])
    assert result["intent"] == {"name": "pension", "confidence": pytest.approx(0.5)}
    assert [r["name"] for r in result["intent_ranking"]] == ["pension", "survivors", "greet"]


def test_answer_is_chosen_inside_the_intent() -> None:
    # survivors/amount is the single most likely answer, but the topic
    # pension is more likely: the answer must be a pension answer.
    result = parse_result(LABELS, [0.1, 0.3, 0.2, 0.4])
    selector = result["response_selector"]
    assert selector["pension"]["response"]["utter_action"] == "utter_pension/amount"
    assert selector["pension"]["response"]["confidence"] == pytest.approx(0.6)
    assert selector["default"] is selector["pension"]
    assert selector["all_retrieval_intents"] == ["pension", "survivors"]


def test_core_intent_has_no_default_answer() -> None:
    result = parse_result(LABELS, [0.7, 0.1, 0.1, 0.1])
    assert result["intent"]["name"] == "greet"
    assert "default" not in result["response_selector"]


def test_ranking_length_limits_the_ranking() -> None:
    result = parse_result(LABELS, [0.1, 0.3, 0.2, 0.4], ranking_length=1)
    assert len(result["intent_ranking"]) == 1
    assert len(result["response_selector"]["pension"]["ranking"]) == 1


def _train(tmp_path, regex_features):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu import AnswerClassifier

    examples = [
        ("when is my pension paid", "pension", "pension/payment"),
        ("pension payment date", "pension", "pension/payment"),
        ("how much pension do i get", "pension", "pension/amount"),
        ("pension amount per month", "pension", "pension/amount"),
        ("i want to end it", "self_harm", None),
        ("hello there", "greet", None),
        ("hi", "greet", None),
    ]
    messages = []
    for text, intent, key in examples:
        data = {"text": text, "intent": intent}
        if key:
            data["intent_response_key"] = key
        messages.append(Message(data=data))
    storage = LocalModelStorage(tmp_path)
    resource = Resource("answers")
    context = ExecutionContext(GraphSchema({}), "test")
    AnswerClassifier.create({}, storage, resource, context).train(
        TrainingData(training_examples=messages, regex_features=regex_features)
    )
    return AnswerClassifier.load({}, storage, resource, context)


def _parse(classifier, text):
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text})
    classifier.process([message])
    return message


def test_trained_classifier_answers_inside_its_topic(tmp_path) -> None:
    message = _parse(_train(tmp_path, []), "when will my pension be paid")
    assert message.get("intent")["name"] == "pension"
    assert message.get("response_selector")["pension"]["response"]["utter_action"] == (
        "utter_pension/payment"
    )


def test_regex_of_an_intent_always_wins(tmp_path) -> None:
    classifier = _train(tmp_path, [{"name": "self_harm", "pattern": r"\bsuicid\w*"}])
    message = _parse(classifier, "Suicidal thoughts, and when is my pension paid")
    assert message.get("intent") == {"name": "self_harm", "confidence": 1.0}
    assert _parse(classifier, "when is my pension paid").get("intent")["name"] == "pension"


def test_a_loaded_model_predicts_without_copying_its_coefficients(tmp_path) -> None:
    # X @ coef_.T copies a row-major coef_ on every message (some 300 ms with
    # the real label set); column-major, the transposed matrix is contiguous.
    classifier = _train(tmp_path, [])
    linear = classifier._pipeline[-1]
    assert linear.coef_.T.flags["C_CONTIGUOUS"]
    message = _parse(classifier, "how much pension do i get")
    assert message.get("response_selector")["pension"]["response"]["utter_action"] == (
        "utter_pension/amount"
    )


@pytest.mark.parametrize("solver", ["sgd", "logistic"])
def test_each_solver_learns_the_answers(tmp_path, solver) -> None:
    from bot.nlu import AnswerClassifier

    classifier = AnswerClassifier({"solver": solver, "max_iter": 50}, None, None)  # type: ignore[arg-type]
    pipeline = classifier.fit_pipeline(
        ["when is my pension paid", "pension payment date", "how much pension do i get",
         "pension amount per month", "hello there", "hi"],
        ["pension/payment", "pension/payment", "pension/amount", "pension/amount",
         "greet", "greet"])
    assert list(pipeline.predict(["pension payment date please", "hello"])) == [
        "pension/payment", "greet"]


def test_an_unknown_solver_is_refused() -> None:
    from bot.nlu import AnswerClassifier

    with pytest.raises(ValueError, match="solver 'svm'"):
        AnswerClassifier({"solver": "svm"}, None, None)._new_pipeline()  # type: ignore[arg-type]
