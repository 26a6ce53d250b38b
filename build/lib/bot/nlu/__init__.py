"""The assistant's understanding of a single message (config.yml).

- `classifier`: `AnswerClassifier`, one classifier for the intent and the
  policy answer (its docstring says why).
- `features`: what it reads of a message: word and character n-grams,
  sentence embeddings (`wordllama`), spelling normalisation.

`make compare` and README "How the pipeline was chosen" hold the figures
that chose the features.
"""

from bot.nlu.classifier import AnswerClassifier, parse_result

__all__ = ["AnswerClassifier", "parse_result"]
