"""The gate every channel puts messages through: cleaning, empty, length, rate."""

from __future__ import annotations

import pytest

from channels.common import EMPTY_REPLY, RATE_LIMITED_REPLY, Gate, clean_text


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("  hello  ", "hello"),
        ("he\u200bllo\u0000", "hello"),  # zero-width space, NUL
        ("e\u0301", "\u00e9"),  # NFC
        ("line1\r\nline2", "line1\nline2"),
        ("\ud800lone surrogate", "lone surrogate"),
        ("👩\u200d👩\u200d👧 family", "👩\u200d👩\u200d👧 family"),  # joiners kept
        ("\u202eRTL override", "RTL override"),
        ("Åse Øvrebø", "Åse Øvrebø"),
    ],
)
def test_clean_text(raw: str, cleaned: str) -> None:
    assert clean_text(raw) == cleaned


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u200b\u200b", None])
def test_empty_messages_get_a_polite_answer(text) -> None:  # type: ignore[no-untyped-def]
    verdict = Gate(100, 10).check("a", text)
    assert not verdict.ok and verdict.reason == "empty" and verdict.reply == EMPTY_REPLY


def test_the_length_cap_counts_cleaned_characters() -> None:
    gate = Gate(5, 10)
    assert gate.check("a", "  12345  ").ok
    verdict = gate.check("a", "123456")
    assert verdict.reason == "too_long" and "5 characters" in (verdict.reply or "")


def test_the_rate_limit_is_per_sender_and_slides() -> None:
    ticks = Ticks()
    gate = Gate(100, 3, clock=ticks)
    assert all(gate.check("a", "hi").ok for _ in range(3))
    over = gate.check("a", "hi")
    assert not over.ok and over.reply == RATE_LIMITED_REPLY and over.text == "hi"
    assert gate.check("b", "hi").ok
    ticks.now += 60
    assert gate.check("a", "hi").ok
