"""How many messages a sender sent in the last minute: in this process, or in Redis.

    Window          the interface: `hit(key)` counts one message of `key` and
                    says whether it is within `limit` per `seconds` (a sliding
                    window: the messages of the last `seconds`, not of a
                    clock minute)
    LocalWindow     the count in this process's memory: one Rasa server
    RedisWindow     the count in Redis (NSSA_REDIS_URL), shared by every Rasa
                    server behind the load balancer, so a sender gets the
                    same limit whichever server takes each message
    window(limit, seconds, redis_url, name)
                    RedisWindow when a URL is given, else LocalWindow

Why not the `limits` library: its releases import `deprecated` and need
`packaging>=21`, and rasa 3.6 pins packaging 20.9; so the window is one
small Lua script on redis-py (which rasa already installs), run atomically
by Redis: prune the sorted set of the key's message times, count, add.

Redis out of reach: the message is let through (and a warning logged, at
most once a minute). A rate limit protects the assistant from floods; it
must not turn a Redis outage into an assistant that answers nobody.
`hit` is synchronous (Gate.check is): a loopback Redis answers in well
under a millisecond, and the client's socket timeout bounds the wait.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from typing import Any, Callable, Deque, Dict, Optional

__all__ = ["Window", "LocalWindow", "RedisWindow", "window"]

logger = logging.getLogger(__name__)

# KEYS[1] the sender's key; ARGV: now (ms), window (ms), limit, a unique member.
_SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class Window:
    """At most `limit` hits per key within any `seconds`."""

    def __init__(self, limit: int, seconds: float) -> None:
        if limit <= 0 or seconds <= 0:
            raise ValueError("limit and seconds must be above 0")
        self.limit = limit
        self.seconds = seconds

    def hit(self, key: str) -> bool:
        """Count one hit of `key`; False (and not counted) when over the limit."""
        raise NotImplementedError


class LocalWindow(Window):
    """The window in this process's memory."""

    def __init__(
        self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(limit, seconds)
        self._clock = clock
        self._seen: Dict[str, Deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        """Count one hit of `key`; False (and not counted) when over the limit."""
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and now - seen[0] >= self.seconds:
                seen.popleft()
            if len(seen) >= self.limit:
                return False
            seen.append(now)
            if len(self._seen) > 10_000:
                self._drop_idle(now)
            return True

    def _drop_idle(self, now: float) -> None:
        for key in [k for k, v in self._seen.items() if not v or now - v[-1] >= self.seconds]:
            del self._seen[key]


class RedisWindow(Window):
    """The window in Redis, shared by every process that names the same `name`."""

    def __init__(
        self,
        limit: int,
        seconds: float,
        url: str,
        *,
        name: str = "rate",
        clock: Callable[[], float] = time.time,
        client: Any = None,
    ) -> None:
        super().__init__(limit, seconds)
        self._url = url
        self._prefix = f"nssa:{name}:"
        self._clock = clock
        self._client = client
        self._script: Any = None
        self._warned_at = float("-inf")

    def _run(self) -> Any:
        if self._script is None:
            if self._client is None:
                import redis

                self._client = redis.Redis.from_url(
                    self._url, socket_timeout=0.5, socket_connect_timeout=0.5
                )
            self._script = self._client.register_script(_SLIDING_WINDOW)
        return self._script

    def hit(self, key: str) -> bool:
        """Count one hit of `key`; False (and not counted) when over the limit."""
        import redis

        now_ms = int(self._clock() * 1000)
        try:
            allowed = self._run()(
                keys=[self._prefix + key],
                args=[now_ms, int(self.seconds * 1000), self.limit, uuid.uuid4().hex],
            )
        except redis.RedisError as exc:
            if time.monotonic() - self._warned_at >= 60:
                self._warned_at = time.monotonic()
                logger.warning("Rate limit not checked, Redis is out of reach (%s); "
                               "messages are let through", type(exc).__name__)
            return True
        return bool(allowed)


def window(limit: int, seconds: float, redis_url: Optional[str], name: str) -> Window:
    """A window shared through Redis when `redis_url` is given, else one of this process."""
    if redis_url:
        return RedisWindow(limit, seconds, redis_url, name=name)
    return LocalWindow(limit, seconds)
