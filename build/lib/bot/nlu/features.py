"""Features of a message for `AnswerClassifier`, each a scikit-learn transformer.

- `SentenceEmbeddings`: the `wordllama` model's 256-dimension sentence
  embedding (its weights and tokenizer ship inside the package, loaded
  offline; about 0.3 ms a message). Words that mean the same thing land
  near each other, so "money while job hunting" is close to "unemployment
  benefit" though no n-gram is shared.
- `SpellingNormaliser`: words the English dictionary of `pyspellchecker`
  and the training examples do not know are replaced by the dictionary's
  closest word ("benifit" becomes "benefit"); words of the training
  examples are kept as they are, so names and SMS words the data teaches
  ("ur", "pls", "OAP-1") survive.

Neither pickles its model: the model archive keeps the vocabulary only, and
the package's files are loaded again on first use.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, List, Optional, Set

import numpy as np

__all__ = ["SentenceEmbeddings", "SpellingNormaliser", "wordllama_model"]

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def wordllama_model() -> Any:
    """The `wordllama` model shipped in its package, loaded without any download."""
    from pathlib import Path

    import wordllama
    from wordllama import WordLlama

    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


class SentenceEmbeddings:
    """The sentence embedding of each text, L2-normalised and multiplied by `weight`."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, texts: Iterable[str], labels: Any = None) -> "SentenceEmbeddings":
        """Nothing to learn."""
        return self

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        """One row of 256 floats per text."""
        return np.asarray(wordllama_model().embed(list(texts), norm=True)) * self.weight

    def get_params(self, deep: bool = True) -> dict:
        """scikit-learn's parameter protocol."""
        return {"weight": self.weight}

    def set_params(self, **params: Any) -> "SentenceEmbeddings":
        """scikit-learn's parameter protocol."""
        self.weight = params.get("weight", self.weight)
        return self


class SpellingNormaliser:
    """Replace unknown words by the dictionary's closest (see the module docstring)."""

    def __init__(self, min_length: int = 4) -> None:
        self.min_length = min_length
        self.known_: Set[str] = set()
        self._checker: Optional[Any] = None
        self._fixed: dict = {}

    def fit(self, texts: Iterable[str], labels: Any = None) -> "SpellingNormaliser":
        """Learn the training examples' own words."""
        self.known_ = {w for t in texts for w in _WORD.findall(t.lower())}
        return self

    def _fix(self, word: str) -> str:
        if len(word) < self.min_length or word in self.known_:
            return word
        if word not in self._fixed:
            if self._checker is None:
                from spellchecker import SpellChecker

                self._checker = SpellChecker(distance=2)
            checker = self._checker
            self._fixed[word] = word if word in checker else (checker.correction(word) or word)
        return str(self._fixed[word])

    def transform(self, texts: Iterable[str]) -> List[str]:
        """Each text lower-cased, its unknown words corrected."""
        return [_WORD.sub(lambda m: self._fix(m.group(0)), t.lower()) for t in texts]

    def __getstate__(self) -> dict:
        return {"min_length": self.min_length, "known_": self.known_}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["min_length"])  # type: ignore[misc]
        self.known_ = state["known_"]

    def get_params(self, deep: bool = True) -> dict:
        """scikit-learn's parameter protocol."""
        return {"min_length": self.min_length}

    def set_params(self, **params: Any) -> "SpellingNormaliser":
        """scikit-learn's parameter protocol."""
        self.min_length = params.get("min_length", self.min_length)
        return self
