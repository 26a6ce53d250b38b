"""The policy answers' own words, to pick the answer a message in context asks for.

Training keeps the content words of each answer's response texts
(`bot.conversation_context.content_words`); a word's weight is its rarity
among the answers. `coverage` says how much of a message an answer's text
covers, `best` picks among candidate answers with the classifier's ranking.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Dict, Iterable, List, Mapping, Optional, Set, Text

from rasa.shared.nlu.training_data.message import Message

from bot import conversation_context as context
from bot.nlu_context import parse_data

__all__ = ["AnswerWords"]


class AnswerWords:
    """Each policy answer's content words, weighted by rarity across answers."""

    def __init__(self, vocabulary: Optional[Mapping[Text, Iterable[Text]]] = None) -> None:
        self.vocabulary: Dict[Text, Set[Text]] = {
            k: set(v) for k, v in (vocabulary or {}).items()
        }
        counts = Counter(w for vocab in self.vocabulary.values() for w in vocab)
        total = max(len(self.vocabulary), 1)
        self._idf = {w: math.log(1 + total / n) for w, n in counts.items()}

    def answers(self) -> List[Text]:
        """Every answer with words, in training order."""
        return list(self.vocabulary)

    def in_topic(self, topic: Text) -> List[Text]:
        """The answers of `topic`."""
        return [a for a in self.vocabulary if a.split("/")[0] == topic]

    def knows(self, text: Text) -> bool:
        """Whether any content word of the message is a word of some answer."""
        return any(w in self._idf for w in context.content_words(text) if not w.isdigit())

    def placed(self, message: Message, text: Text, answer: Text) -> float:
        """The classifier's probability of `answer`, with the other topics' say if need be.

        The other topics speak (`parse_data.placed`) only when the answers'
        words cannot speak for the message.
        """
        if self.knows(text):
            return parse_data.within(message, answer)
        return parse_data.placed(message, answer)

    def coverage(self, text: Text, answer: Text) -> float:
        """How much of the message's words (weighted by rarity) the answer's text has."""
        said = context.content_words(text)
        vocab = self.vocabulary.get(answer, set())
        total = sum(self._idf.get(w, 1.0) for w in said if not w.isdigit())
        if not total:
            return 0.0
        return sum(self._idf.get(w, 1.0) for w in said if w in vocab) / total

    def best(
        self, message: Message, text: Text, candidates: List[Text],
        favoured: Set[Text], need_words: bool, bonus: float = 0.25,
    ) -> Optional[Text]:
        """The candidate with the classifier's probability, coverage and favour highest.

        When the answers' words cannot speak for the message (it has none of
        them: another language), the same question's probability in the
        other topics (`elsewhere`) counts too.
        """
        known = self.knows(text)
        scored = []
        for answer in candidates:
            coverage = self.coverage(text, answer)
            if need_words and coverage < 0.34:
                continue
            score = parse_data.within(message, answer) + 0.5 * coverage
            if not known:
                score += parse_data.elsewhere(message, answer)
            score += bonus if answer in favoured else 0.0
            scored.append((score, answer))
        return max(scored)[1] if scored else None
