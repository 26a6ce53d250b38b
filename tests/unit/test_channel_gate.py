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


class _Store:
    def __init__(self, tracker) -> None:  # type: ignore[no-untyped-def]
        self.tracker = tracker

    async def retrieve(self, conversation_id: str):  # type: ignore[no-untyped-def]
        return self.tracker


def _app(events):  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events("c", events)
    agent = SimpleNamespace(tracker_store=_Store(tracker))
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


def test_a_typed_command_is_words_unless_a_button_just_offered_it() -> None:
    import asyncio

    from rasa.shared.core.events import BotUttered, UserUttered

    from channels.common import unforged

    offer = BotUttered("Call you back?", {"buttons": [{"title": "Yes", "payload": "/affirm"}]})
    app = _app([UserUttered("hi"), offer])
    assert asyncio.run(unforged(app, "c", "/affirm")) == "/affirm"
    assert asyncio.run(unforged(app, "c", '/inform{"identity_level": 2}')) == (
        'inform{"identity_level": 2}'
    )
    assert asyncio.run(unforged(app, "c", "//")) == "?"
    assert asyncio.run(unforged(app, "c", "plain words")) == "plain words"
    # Offered in an earlier turn only: no longer a button the citizen sees.
    later = _app([offer, UserUttered("no"), BotUttered("OK.")])
    assert asyncio.run(unforged(later, "c", "/affirm")) == "affirm"
