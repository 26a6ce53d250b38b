"""Evaluation of the trained model.

- `held_out`: per-intent and per-answer F1 of the trained model on
  tests/nlu (never trained on), and `make compare`'s comparison of configs.
"""

from bot.evaluation.held_out import (
    HELD_OUT_DIR,
    EvaluationResult,
    Prediction,
    compare_configs,
    evaluate_model,
    held_out_examples,
    predict,
)

__all__ = [
    "HELD_OUT_DIR",
    "Prediction",
    "EvaluationResult",
    "held_out_examples",
    "predict",
    "evaluate_model",
    "compare_configs",
]
