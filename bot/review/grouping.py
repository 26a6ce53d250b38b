"""Ten ways of asking the same thing are one row: messages grouped by similarity.

Texts become TF-IDF vectors of word and character n-grams, weighted over
the messages and a corpus (the inbox gives the training examples of data/,
so the weights are the domain's and do not swing with a handful of
messages). A message joins the group of the message most alike among those
before it when they are at least GROUP_SIMILARITY alike (cosine); otherwise
it starts a group. Messages are taken oldest first, so a group's id (its
first message's event id) stays as new messages arrive. The newest
MAX_GROUPED open messages are grouped (older ones show as these are decided).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Sequence

if TYPE_CHECKING:
    from bot.review.items import Item

__all__ = ["Group", "GROUP_SIMILARITY", "MAX_GROUPED", "group_items", "similarity"]

GROUP_SIMILARITY = 0.5
MAX_GROUPED = 3000


@dataclass
class Group:
    """Messages alike: one row of the inbox."""

    items: List["Item"] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The first message's event id."""
        return self.items[0].event_id

    @property
    def text(self) -> str:
        """The most frequent wording (the first one on a tie)."""
        counts = Counter(item.text.lower() for item in self.items)
        best = max(counts.values())
        return next(item.text for item in self.items if counts[item.text.lower()] == best)

    def as_json(self) -> Dict[str, Any]:
        """The group for `bot inbox --json` and the console."""
        reasons = Counter(reason for item in self.items for reason in item.reasons)
        return {
            "id": self.id,
            "text": self.text,
            "count": len(self.items),
            "reasons": dict(reasons.most_common()),
            "channels": sorted({item.channel for item in self.items if item.channel}),
            "topics": [t for t, _ in Counter(i.topic for i in self.items if i.topic).most_common()],
            "first": self.items[0].at.isoformat(),
            "last": max(item.at for item in self.items).isoformat(),
            "items": [item.as_json() for item in self.items],
        }


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("words", TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True)),
        ("chars", TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 5),
                                  sublinear_tf=True)),
    ])


def similarity(first: str, second: str) -> float:
    """Cosine similarity of two texts' character n-grams (0 to 1)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    try:
        vectors = TfidfVectorizer(lowercase=True, analyzer="char_wb",
                                  ngram_range=(3, 5)).fit_transform([first, second])
    except ValueError:  # no n-gram at all (empty or one-letter texts)
        return 0.0
    return float(cosine_similarity(vectors[0], vectors[1])[0, 0])


def group_items(items: Sequence["Item"], threshold: float = GROUP_SIMILARITY,
                corpus: Sequence[str] = ()) -> List[Group]:
    """Groups of alike messages, the largest first (then the oldest)."""
    if not items:
        return []
    from sklearn.metrics.pairwise import cosine_similarity

    # The newest messages only: the similarities are one dense square matrix.
    ordered = sorted(items, key=lambda i: i.event_id)[-MAX_GROUPED:]
    try:
        texts = [i.text for i in ordered]
        vectors = _vectorizer().fit(list(corpus) + texts).transform(texts)
    except ValueError:  # nothing to count in any text
        return [Group([item]) for item in ordered]
    alike = cosine_similarity(vectors)
    groups: List[Group] = []
    group_of: List[int] = []  # each earlier message's group
    for row, item in enumerate(ordered):
        if row:
            best = int(alike[row, :row].argmax())
            if alike[row, best] >= threshold:
                groups[group_of[best]].items.append(item)
                group_of.append(group_of[best])
                continue
        groups.append(Group([item]))
        group_of.append(len(groups) - 1)
    return sorted(groups, key=lambda g: (-len(g.items), g.id))
