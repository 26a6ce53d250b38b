"""Generated request bodies for the fuzz suite.

Hypothesis draws one seed per body (`seeds`; derandomized, so every run
sends the same bodies, and a failure names its seed), and `Maker` turns it
into a body with Python's own random generator: hypothesis' JSON
strategies, or its `randoms()`, cost milliseconds a body, this a few
microseconds, which keeps 1,000 bodies an endpoint within the suite's time.
Shrinking is given up for that speed: a failing seed is replayed as it is.

Each endpoint gets a mix of: an object shaped like its own (its field
names, each with a plausible or an arbitrary value, so the checks past the
first one are reached); any JSON value; arbitrary bytes; nesting far past
the depth limit; bodies past the size limit; and a shaped body cut short
or with a stray byte.
"""

from __future__ import annotations

import json
import random
from typing import Any, Callable, Dict, List, Sequence

from hypothesis import strategies as st

__all__ = ["Field", "Maker", "nested", "one_of", "seeds", "sendable", "text_or"]

seeds = st.integers(0, 2**64)

Field = Callable[["Maker"], Any]

ODD_TEXTS = [
    "", " ", "\n", "/restart", '/inform{"identity_level": 2}', "/EXTERNAL_notice", "STOP",
    "HELP", "start", "\u202e\u200b\ufeff", "x" * 3000, "+44 7700 900123", "ABC123", "%s%n",
    "null", "NaN", "'; DROP TABLE events; --", "<script>", "\ud800", "\x00", "\U0001F600" * 5,
]
_ALPHABETS = ["abcdefghij XYZ0123456789", "\x00\x01\x1f\x7f\u200b\u202e\ufeff\u00e9\u0627\u4e2d",
              "{}[]\":,\\/", "\U0001F600\u00e9\u00df\u0142"]


class Maker:
    """Bodies and values from one random source."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, options: Sequence[Any]) -> Any:
        return options[self.r.randrange(len(options))]

    def text(self, longest: int = 40) -> str:
        if self.chance(0.3):
            return str(self.pick(ODD_TEXTS))
        alphabet = self.pick(_ALPHABETS)
        return "".join(self.pick(alphabet) for _ in range(self.r.randrange(longest + 1)))

    def number(self) -> Any:
        return self.pick([0, -1, 1, 2**31, 2**63, -(2**70), 0.5, 1e308, float("inf"),
                          float("nan"), self.r.randrange(-10**6, 10**6), self.r.random()])

    def scalar(self) -> Any:
        return self.pick([None, True, False, self.number(), self.text()])

    def value(self, depth: int = 0) -> Any:
        """Any JSON value, a few levels deep at most."""
        kind = self.r.randrange(6 if depth < 3 else 1)
        if kind <= 2:
            return self.scalar()
        if kind == 3:
            return [self.value(depth + 1) for _ in range(self.r.randrange(4))]
        return {self.text(8): self.value(depth + 1) for _ in range(self.r.randrange(4))}

    def shaped(self, fields: Dict[str, Field], present: float = 0.85) -> Dict[str, Any]:
        """Some of `fields`, each plausible (most often) or any value; maybe a stray key."""
        body = {name: (make(self) if self.chance(0.8) else self.value())
                for name, make in fields.items() if self.chance(present)}
        if self.chance(0.1):
            body[self.text(8)] = self.value()
        return body

    def body(self, shape: Field) -> bytes:
        """A raw body for an endpoint whose own body `shape` makes."""
        kind = self.r.randrange(20)
        if kind < 10:
            return _dumps(shape(self))
        if kind < 12:
            return _dumps(self.value())
        if kind < 14:
            return bytes(self.r.randrange(256) for _ in range(self.r.randrange(64)))
        if kind < 16:
            opener, closer = self.pick([("[", "]"), ('{"a":', "}")])
            depth = self.r.randrange(20, 3000)
            return (opener * depth + "1" + closer * depth).encode()
        if kind < 17:
            return b'{"a": "' + b"x" * self.r.randrange(60_000, 70_000) + b'"}'
        raw = _dumps(shape(self))
        cut = self.r.randrange(len(raw) + 1)
        return raw[:cut] + bytes([self.r.randrange(256)]) + raw[cut + 1:]

    def form(self, fields: Dict[str, Field]) -> List[tuple]:
        """Form pairs: some of `fields`, plausible or any text; a stray or repeated pair."""
        pairs = [(name, sendable(str(make(self)) if self.chance(0.8) else self.text(200)))
                 for name, make in fields.items() if self.chance(0.9)]
        if self.chance(0.15):
            pairs.append((sendable(self.text(10)), sendable(self.text(40))))
        if pairs and self.chance(0.05):
            pairs.append(self.pick(pairs))
        self.r.shuffle(pairs)
        return pairs


def sendable(text: str) -> str:
    """`text` without lone surrogates (no HTTP client can send them)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")


def one_of(*options: Any) -> Field:
    """A field whose plausible value is one of `options`."""
    return lambda m: m.pick(options)


def text_or(*options: Any, longest: int = 40) -> Field:
    """A field whose plausible value is one of `options` or any text."""
    return lambda m: m.pick(options) if options and m.chance(0.6) else m.text(longest)


def nested(fields: Dict[str, Field], present: float = 0.85) -> Field:
    """A field whose plausible value is an object shaped by `fields`."""
    return lambda m: m.shaped(fields, present)

