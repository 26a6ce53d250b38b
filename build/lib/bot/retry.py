"""One backoff rule for every retry of the project.

The wait after the n-th failed attempt is `base * 2**(n-1)`, at most `cap`,
with equal jitter: half of it fixed, the other half at random, so callers
that failed together (an outbox full of rows during the Housing Office's
nightly closure, several Rasa servers retrying one CMS) do not all come back
in the same second. Used by the back-end clients (clients/http.py), the
outbox (bot/store/outbox.py), the supervisor (bot/supervisor.py) and the
Twilio and Telegram senders (channels/).
"""

from __future__ import annotations

import random
from typing import Optional, Protocol

__all__ = ["Uniform", "backoff_seconds"]

_rng = random.Random()
# 2**20 times any base is far beyond any cap: doubling stops there, before overflow.
_MAX_DOUBLINGS = 20


class Uniform(Protocol):
    """What the jitter needs of a random number generator (`random.Random` has it)."""

    def random(self) -> float:
        """A number in [0, 1)."""


def backoff_seconds(
    attempt: int, base: float, cap: float, rng: Optional[Uniform] = None
) -> float:
    """Seconds to wait after failed attempt `attempt` (from 1): doubling, capped, equal jitter."""
    if attempt < 1:
        raise ValueError("attempt must be at least 1")
    ceiling = min(cap, base * 2 ** min(attempt - 1, _MAX_DOUBLINGS))
    return ceiling / 2 + ceiling / 2 * (rng or _rng).random()
