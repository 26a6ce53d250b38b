"""How `python -m bot designs` scores an NLU decision on a frozen question."""

from __future__ import annotations

import re

import pytest

from bot.evaluation.designs import DESIGNS, _decide, form_intents, right_answer


def test_forms_are_known_by_the_intent_that_starts_them() -> None:
    forms = form_intents()
    assert forms["bank_form"] == "change_bank_account"
    assert forms["appointment_form"] == "book_appointment"
    assert "action_resume_paused_form" not in forms


@pytest.mark.parametrize("row, intent, answer, right", [
    ({"category": "answerable", "answer": "pension/amount"}, "pension", "pension/amount", True),
    ({"category": "answerable", "answer": "pension/amount"}, "pension", "pension/apply", False),
    ({"category": "answerable", "answer": "pension/amount"},
     "estimate_pension", "estimate_pension", True),
    ({"category": "answerable", "answer": "pension/apply"},
     "estimate_pension", "estimate_pension", False),
    ({"category": "answerable", "answer": "bank_form"},
     "change_bank_account", "change_bank_account", True),
    ({"category": "out_of_scope"}, "nlu_fallback", "nlu_fallback", True),
    ({"category": "out_of_scope"}, "out_of_scope", "out_of_scope", True),
    ({"category": "out_of_scope"}, "pension", "pension/amount", False),
    ({"category": "crisis"}, "self_harm", "self_harm", True),
    ({"category": "crisis"}, "distress", "distress", False),
])
def test_a_decision_is_right_by_its_category(row, intent, answer, right) -> None:
    assert right_answer(row, intent, answer, {"bank_form": "change_bank_account"}) is right


def test_the_decision_is_the_servers_override_then_fallback() -> None:
    classes = ["greet", "pension/amount", "pension/apply", "self_harm"]
    rx = [("self_harm", re.compile(r"\bsuicid\w*", re.IGNORECASE))]
    assert _decide(classes, [0.1, 0.5, 0.3, 0.1], "how much", rx, 0.2, 0.05) == (
        "pension", "pension/amount")
    assert _decide(classes, [0.1, 0.5, 0.3, 0.1], "suicidal", rx, 0.2, 0.05) == (
        "self_harm", "self_harm")
    assert _decide(classes, [0.3, 0.1, 0.1, 0.5], "hm", rx, 0.6, 0.05)[0] == "nlu_fallback"
    assert _decide(classes, [0.48, 0.26, 0.26, 0.0], "hm", rx, 0.2, 0.05)[0] == "nlu_fallback"


def test_every_design_is_a_classifier_config() -> None:
    from bot.nlu.classifier import AnswerClassifier

    known = set(AnswerClassifier.get_default_config())
    for _, config in DESIGNS.values():
        assert set(config) <= known
