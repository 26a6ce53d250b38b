"""Evaluation: the held-out NLU set and the frozen set of citizens' questions.

- `held_out`: per-intent and per-answer F1 of the trained model on
  evaluation/held_out (never trained on), and `make compare`'s comparison of configs.
- the frozen set (evaluation/frozen, format in evaluation/frozen/README.md): `frozen_set`
  (files, manifest), `matching` (normalising replies and numbers), `judge`
  (honest refusals), `client`/`runner` (the real assistant over REST),
  `report` (the per-category table, JSON, failures and plot), `frozen`
  (`python -m bot eval`).
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
