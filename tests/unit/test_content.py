"""Content rules: handbook coverage, SMS variants, FAQs, NLU data quality."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.content import (
    content_problems,
    coverage_report,
    duplicate_examples,
    load_content,
    load_examples,
    load_exclusions,
)
from bot.errors import ContentError
from bot.evaluation import held_out_examples
from bot.settings import PROJECT_ROOT

MIN_TRAINING = 10
MIN_HELD_OUT = 3


@pytest.fixture(scope="module")
def content():
    return load_content()


def test_every_handbook_fact_is_in_an_answer(content) -> None:
    report = coverage_report(content)
    assert not report.uncovered, report.render()
    assert not report.stale, report.render()


def test_exclusions_need_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "exclusions.tsv"
    path.write_text("F001\n")
    with pytest.raises(ContentError, match=r"exclusions.tsv:1: F001: give a reason"):
        load_exclusions(path)


def test_an_uncovered_fact_is_reported(content, tmp_path: Path) -> None:
    facts = tmp_path / "facts.tsv"
    facts.write_text(
        "id\tfile\ttopic\tfact\tkey\nX1\tx.md\tt\tA made-up fact.\tzzz-not-in-any-answer\n"
    )
    (tmp_path / "faq.md").write_text("")
    report = coverage_report(content, tmp_path / "none.tsv", handbook_dir=tmp_path)
    assert [f.id for f in report.uncovered] == ["X1"]
    assert "UNCOVERED X1" in report.render()


def test_sms_variants_and_faq_answers(content) -> None:
    problems = content_problems(content)
    assert not problems, "\n".join(problems)


def test_long_answer_without_sms_variant_is_reported_with_file_and_line(content) -> None:
    from bot.content import Response

    content.responses["utter_x"] = Response(
        "utter_x", [{"text": "y" * 400}], PROJECT_ROOT / "data" / "x.yml", 7
    )
    try:
        problems = content_problems(content)
    finally:
        del content.responses["utter_x"]
    assert any(p.startswith("data/x.yml:7: utter_x is 400 characters") for p in problems)


def test_every_intent_has_enough_training_examples(content) -> None:
    counts = Counter(e.intent for e in content.examples)
    too_few = {i: n for i, n in counts.items() if n < MIN_TRAINING}
    assert not too_few


def test_every_answer_has_training_examples_and_a_response(content) -> None:
    answers = {e.intent for e in content.examples if "/" in e.intent}
    responses = {n[len("utter_"):] for n in content.responses if "/" in n}
    assert answers == responses


def test_every_intent_has_held_out_examples(content) -> None:
    trained = Counter(e.intent for e in content.examples)
    held_out = Counter(e.intent for e in held_out_examples())
    missing = {i: held_out.get(i, 0) for i in trained if held_out.get(i, 0) < MIN_HELD_OUT}
    assert not missing
    assert set(held_out) <= set(trained)


def test_held_out_set_is_never_trained_on(content) -> None:
    assert not duplicate_examples(content.examples, held_out_examples())


def test_training_examples_are_unique(content) -> None:
    seen = {}
    clashes = []
    for example in content.examples:
        key = " ".join(example.text.lower().split())
        if key in seen and seen[key].intent != example.intent:
            clashes.append(f"{example.where} and {seen[key].where}: {example.text!r}")
        seen[key] = example
    assert not clashes


def test_e2e_questions_are_not_training_examples(content) -> None:
    from bot.content import Example

    questions = []
    for path in sorted((PROJECT_ROOT / "tests" / "e2e" / "questions").glob("*.yml")):
        for item in yaml.safe_load(path.read_text()):
            questions.append(Example("?", item["question"], path, 0))
    assert not duplicate_examples(content.examples, questions)


def test_yaml_error_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("nlu:\n- intent: x\n  examples: |\n    - a\n  bad: [unclosed\n")
    with pytest.raises(ContentError, match=r"bad.yml:\d+: not valid YAML"):
        load_examples([bad])
