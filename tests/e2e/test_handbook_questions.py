"""Citizens' questions about the handbook, answered with the exact facts."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import pytest
import yaml

QUESTIONS_DIR = Path(__file__).parent / "questions"


def load_questions() -> List[Tuple[str, str, List[str]]]:
    """(topic, question, expected facts) of every questions file."""
    rows = []
    for path in sorted(QUESTIONS_DIR.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            rows.append((path.stem, item["question"], list(item["expect"])))
    return rows


QUESTIONS = load_questions()


def test_at_least_40_questions_from_every_topic() -> None:
    assert len(QUESTIONS) >= 40
    assert {topic for topic, _, _ in QUESTIONS} >= {
        "agency", "pension", "survivors", "unemployment", "sickness", "disability",
        "child_benefit", "parental", "contribution", "coverage", "housing", "privacy",
        "service", "faq",
    }


@pytest.mark.e2e
@pytest.mark.parametrize(
    "question,expected", [(q, e) for _, q, e in QUESTIONS],
    ids=[f"{t}:{q[:40]}" for t, q, _ in QUESTIONS],
)
def test_question_gets_the_handbook_fact(assistant, question: str, expected: List[str]) -> None:
    reply = assistant.ask(question)
    for fact in expected:
        assert fact in reply, f"{question!r} -> {reply!r}"
