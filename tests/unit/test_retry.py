"""bot/retry.py: the one backoff rule of every retry."""

from __future__ import annotations

import random

import pytest

from bot.retry import backoff_seconds


class Fixed:
    """A generator that always draws the same number."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 0.5, 1.0), (2, 1.0, 2.0), (3, 2.0, 4.0)])
def test_the_wait_doubles_with_half_of_it_at_random(attempt: int, low: float, high: float) -> None:
    assert backoff_seconds(attempt, 1.0, 30.0, Fixed(0.0)) == low
    assert backoff_seconds(attempt, 1.0, 30.0, Fixed(0.999999)) == pytest.approx(high, rel=1e-5)


def test_the_wait_never_exceeds_the_cap_even_after_many_attempts() -> None:
    rng = random.Random(7)
    waits = [backoff_seconds(n, 1.0, 30.0, rng) for n in range(1, 200)]
    assert max(waits) <= 30.0
    assert min(waits[10:]) >= 15.0
    assert backoff_seconds(10**6, 30.0, 3600.0, Fixed(0.5)) == 2700.0


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        backoff_seconds(0, 1.0, 30.0)
