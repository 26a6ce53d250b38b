"""Rasa's own checks on the data and the trained model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT

RASA = str(Path(sys.executable).with_name("rasa"))
MIN_INTENT_MACRO_F1 = 0.90


def rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RASA, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_rasa_data_validate_is_clean() -> None:
    result = rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


@pytest.mark.slow
def test_test_stories_have_no_wrong_prediction(model: Path, tmp_path: Path) -> None:
    result = rasa(
        "test", "core", "--model", str(model), "--stories", "tests/test_stories.yml",
        "--fail-on-prediction-errors", "--out", str(tmp_path),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


@pytest.mark.slow
def test_held_out_intent_macro_f1(model: Path, tmp_path: Path) -> None:
    from bot.evaluation import evaluate_model

    result = evaluate_model(model, tmp_path, plots=False)
    print(result.render(per_label=False))
    assert result.intents.macro_f1 >= MIN_INTENT_MACRO_F1, result.render()
