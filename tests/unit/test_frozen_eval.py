"""The frozen evaluation set stays frozen, well-formed and unseen by training."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import load_examples
from bot.errors import ContentError
from bot.evaluation.frozen_set import (
    EVAL_DIR,
    discover,
    freeze,
    manifest_problems,
    read_manifest,
    row_hash,
    schema_problems,
    unfrozen,
)
from bot.settings import PROJECT_ROOT


def _normalised(text: str) -> str:
    return " ".join(str(text).casefold().split())


def test_no_frozen_row_was_changed_or_removed() -> None:
    """No frozen row was changed or removed."""
    problems = manifest_problems()
    assert not problems, "Rows are only ever added:\n" + "\n".join(problems)


def test_every_row_is_frozen() -> None:
    """Every row is frozen."""
    new = unfrozen()
    assert not new, (f"Not in evaluation/frozen/MANIFEST.tsv: {new}; "
                     "run `python -m bot eval --freeze`")


def test_rows_follow_the_format_and_ids_are_unique() -> None:
    """Rows follow the format and ids are unique."""
    problems, seen = [], set()
    for eval_file in discover():
        rows = eval_file.rows()
        problems += schema_problems(eval_file, rows)
        for row in rows:
            if row.get("id") in seen:
                problems.append(f"{row.get('id')}: id used twice")
            seen.add(row.get("id"))
    assert not problems, "\n".join(problems)


def test_no_eval_text_is_a_training_example() -> None:
    """No eval text is a training example."""
    examples = load_examples(sorted((PROJECT_ROOT / "data").glob("**/*.yml")))
    training = {_normalised(e.text) for e in examples}
    leaked = []
    for eval_file in discover():
        for row in eval_file.rows():
            if eval_file.is_conversations:
                # "yes", "1", "no thanks": too short to be a leak, and core intents need them.
                texts = [t["user"] for t in row["turns"] if len(str(t["user"]).split()) > 3]
            else:
                texts = [row["text"]]
            leaked += [f"{row['id']}: {t!r}" for t in texts if _normalised(t) in training]
    assert not leaked, "Eval texts that are training examples under data/:\n" + "\n".join(leaked)


@pytest.fixture
def eval_copy(tmp_path: Path) -> Path:
    """A copy of the English set with its manifest."""
    copy = tmp_path / "eval"
    (copy / "en").mkdir(parents=True)
    for name in ("questions.yml", "conversations.yml"):
        shutil.copy(EVAL_DIR / "en" / name, copy / "en" / name)
    lines = [f"{k}\t{v}\n" for k, v in read_manifest().items() if k.startswith("en-")]
    (copy / "MANIFEST.tsv").write_text("".join(lines), encoding="utf-8")
    return copy


def test_a_changed_row_fails_naming_its_id(eval_copy: Path) -> None:
    """A changed row fails naming its id."""
    path = eval_copy / "en" / "questions.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'expect: ["Ministry of Social Affairs"]', 'expect: ["NSSA"]', 1), encoding="utf-8")
    assert manifest_problems(eval_copy) == [
        "en-q-0001: frozen row was changed (add a new row instead)"]


def test_a_removed_row_fails_naming_its_id(eval_copy: Path) -> None:
    """A removed row fails naming its id."""
    path = eval_copy / "en" / "conversations.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("- id: en-c-001")
    path.write_text(text[:start] + text[text.index("- id: en-c-002"):], encoding="utf-8")
    assert manifest_problems(eval_copy) == [
        "en-c-001: frozen row was removed (rows are only ever added)"]


def test_freeze_appends_new_rows_and_never_rewrites_old_ones(eval_copy: Path) -> None:
    """Freeze appends new rows and never rewrites old ones."""
    manifest = eval_copy / "MANIFEST.tsv"
    before = manifest.read_text(encoding="utf-8")
    path = eval_copy / "en" / "questions.yml"
    path.write_text(path.read_text(encoding="utf-8") + (
        '\n- id: en-q-9999\n  category: answerable\n  topic: faq\n  style: web\n'
        '  text: "a new question"\n  expect: ["45 days"]\n'), encoding="utf-8")
    assert freeze(eval_copy) == ["en-q-9999"]
    after = manifest.read_text(encoding="utf-8")
    assert after.startswith(before)
    row = {"id": "en-q-9999", "category": "answerable", "topic": "faq", "style": "web",
           "text": "a new question", "expect": ["45 days"]}
    assert after[len(before):] == f"en-q-9999\t{row_hash(row)}\n"
    assert freeze(eval_copy) == []
    assert manifest.read_text(encoding="utf-8") == after


def test_freeze_refuses_when_a_frozen_row_changed(eval_copy: Path) -> None:
    """Freeze refuses when a frozen row changed."""
    path = eval_copy / "en" / "questions.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("when was nssa founded", "when", 1),
                    encoding="utf-8")
    before = (eval_copy / "MANIFEST.tsv").read_text(encoding="utf-8")
    with pytest.raises(ContentError, match="en-q-0002"):
        freeze(eval_copy)
    assert (eval_copy / "MANIFEST.tsv").read_text(encoding="utf-8") == before


def test_the_hash_ignores_layout_but_not_values() -> None:
    """The hash ignores layout but not values."""
    row = {"id": "x", "text": "a", "expect": ["b"]}
    assert row_hash(row) == row_hash({"expect": ["b"], "text": "a", "id": "x"})
    assert row_hash(row) != row_hash({**row, "expect": ["b", "c"]})


def test_the_freeze_command_leaves_a_frozen_set_as_it_is() -> None:
    """`python -m bot eval --freeze` on a fully frozen set appends nothing."""
    from click.testing import CliRunner

    from bot.cli import cli

    before = (EVAL_DIR / "MANIFEST.tsv").read_bytes()
    result = CliRunner().invoke(cli, ["eval", "--freeze"])
    assert result.exit_code == 0, result.output
    assert "Froze 0 new rows." in result.output
    assert (EVAL_DIR / "MANIFEST.tsv").read_bytes() == before
