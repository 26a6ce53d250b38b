"""One conversation's turns in one Rasa server at a time, across servers: a lock store in Redis.

    SharedLockStore(endpoint_config)
        Rasa's `LockStore` for `lock_store: {type: bot.store.locks.SharedLockStore,
        url: redis://...}` (bot/services.py writes it when NSSA_REDIS_URL is set)

Why not Rasa's own `RedisLockStore`: it keeps a conversation's ticket queue
as one JSON value that every server reads, changes and writes back
(`issue_ticket`, `update_lock`, `finish_serving`), so two servers taking a
ticket at the same moment both get the same number and run the
conversation's turns at once, and the second save drops the first turn's
events (rasa issue #9213; seen here: a burst of four messages over two
servers lost one). And a ticket lives a fixed 60 s: when a server dies,
its conversations wait a minute.

Here every change of a queue is one Lua script, which Redis runs whole:

- a ticket is a token of its own (never issued twice), queued in a sorted
  set under the next number of the conversation's counter (above every
  queued number, even if the counter was lost); the queue's head holds the
  lock;
- each ticket has a lease (`lease_seconds`, default 15 s, in a hash of
  expiry times on Redis's own clock, so the servers' clocks never
  disagree); its holder renews it every fifth of a lease, a waiter every
  time it looks; a ticket whose lease ran out (its server died or froze) is
  dropped by the next waiter, so a dead server holds a conversation for
  one lease, not 60 s;
- a holder whose lease was lost (its event loop froze longer than a lease,
  or Redis was away that long) has its turn stopped with Rasa's
  `LockError` as soon as it runs again, rather than saving beside the turn
  that took over (it is logged as an error);
- a turn holds the lock at most Rasa's lock lifetime (TICKET_LOCK_LIFETIME,
  60 s); waiting longer raises `LockError`, as Rasa's stores do; so does
  a Redis that cannot be reached (every call gives up after 2 s);
- the keys expire with the last lease: nothing is left behind.

A waiter looks every `poll_seconds` (50 ms; Rasa's stores wait 1 s), which
is what a burst of messages to one conversation waits between turns.
Needs Redis 5 or later (scripts that read TIME and then write) and
`maxmemory-policy noeviction` (Redis's default): an evicted queue would let
two turns in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
import weakref
from typing import Any, AsyncIterator, List, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

__all__ = ["SharedLockStore"]

logger = logging.getLogger(__name__)

_NOW = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
"""

# KEYS: counter, queue, leases.  ARGV: token, lease in ms.  -> the ticket's number.
# A number above every queued one, even if the counter was lost (evicted).
_ISSUE = _NOW + """
local number = redis.call('INCR', KEYS[1])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) >= number then
  number = tonumber(last[2]) + 1
  redis.call('SET', KEYS[1], number)
end
redis.call('ZADD', KEYS[2], number, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], now_ms + tonumber(ARGV[2]))
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], 3 * tonumber(ARGV[2])) end
return number
"""

# KEYS: counter, queue, leases.  ARGV: token, lease in ms.  Renews the
# token's lease and drops dead tickets ahead of it.
# -> 1 the token holds the lock, 0 it waits, -1 it is no longer queued (its
# lease had run out and another server dropped it).
_ACQUIRE = _NOW + """
local mine = redis.call('HGET', KEYS[3], ARGV[1])
if not mine or tonumber(mine) < now_ms or not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  return -1
end
redis.call('HSET', KEYS[3], ARGV[1], now_ms + tonumber(ARGV[2]))
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], 3 * tonumber(ARGV[2])) end
while true do
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if head == ARGV[1] then return 1 end
  local expires = redis.call('HGET', KEYS[3], head)
  if expires and tonumber(expires) >= now_ms then return 0 end
  redis.call('ZREM', KEYS[2], head)
  redis.call('HDEL', KEYS[3], head)
end
"""

# KEYS: counter, queue, leases.  ARGV: token.  The token leaves the queue
# (only its own: a token is never issued twice); the last one out removes the keys.
_RELEASE = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
end
return 1
"""


class _Scripts:
    """A Redis client and the three scripts, for one event loop (redis.asyncio binds to one)."""

    def __init__(self, url: str, timeout: float) -> None:
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.issue = client.register_script(_ISSUE)
        self.acquire = client.register_script(_ACQUIRE)
        self.release = client.register_script(_RELEASE)


class SharedLockStore(LockStore):
    """Ticket locks in Redis, each queue change atomic, each ticket on a renewed lease."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        *,
        url: Optional[str] = None,
        key_prefix: str = "nssa",
        lease_seconds: float = 15.0,
        poll_seconds: float = 0.05,
    ) -> None:
        kwargs = dict(endpoint_config.kwargs) if endpoint_config else {}
        url = url or (endpoint_config.url if endpoint_config else None)
        if not url:
            raise ValueError("SharedLockStore needs the Redis URL (lock_store: url: redis://...)")
        self._url = url
        self._prefix = f"{kwargs.get('key_prefix', key_prefix)}:lock:"
        lease = float(kwargs.get("lease_seconds", lease_seconds))
        self._lease_ms = int(1000 * lease)
        self._renew_every = lease / 5
        # A Redis call never takes a lease's worth of time: a renewal that
        # waited that long would come too late.
        self._timeout = min(2.0, lease / 4)
        self._poll = float(kwargs.get("poll_seconds", poll_seconds))
        self._per_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Scripts]" = (
            weakref.WeakKeyDictionary())
        from redis.connection import parse_url

        self.connection_kwargs = parse_url(url)  # a URL Redis cannot read fails here, at start-up
        super().__init__()

    def _scripts(self) -> _Scripts:
        loop = asyncio.get_running_loop()
        if loop not in self._per_loop:
            self._per_loop[loop] = _Scripts(self._url, self._timeout)
        return self._per_loop[loop]

    def _keys(self, conversation_id: Text) -> List[str]:
        # One hash tag, so that the three keys would stay on one node of a Redis Cluster.
        tag = f"{self._prefix}{{{conversation_id}}}"
        return [f"{tag}:next", f"{tag}:queue", f"{tag}:leases"]

    @contextlib.asynccontextmanager
    async def lock(  # type: ignore[override]
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """Hold `conversation_id`'s lock for the block; wait in turn at most `lock_lifetime`.

        Raises Rasa's `LockError` when Redis cannot be reached, when the wait
        is longer than `lock_lifetime`, and in the block when the lease was
        lost (this server froze longer than a lease and another took the
        conversation): the turn is stopped rather than run beside another.
        """
        scripts = self._scripts()
        keys = self._keys(conversation_id)
        token = uuid.uuid4().hex
        issuing = asyncio.ensure_future(scripts.issue(keys=keys, args=[token, self._lease_ms]))
        try:
            await asyncio.shield(issuing)
        except asyncio.CancelledError:
            # The ticket may still be issued: it leaves the queue once it is.
            issuing.add_done_callback(
                lambda _: asyncio.ensure_future(self._leave(scripts, keys, token)))
            raise
        except Exception as error:  # noqa: BLE001 - Rasa's stores raise LockError on any failure
            raise LockError(f"Could not take a lock ticket in Redis: {error}") from error
        try:
            await self._wait_for(scripts, conversation_id, keys, token, lock_lifetime)
            holder = asyncio.current_task()
            lost: List[bool] = []
            renewing = asyncio.ensure_future(
                self._renew(scripts, keys, token, lock_lifetime, holder, lost))
            try:
                yield TicketLock(conversation_id)
            except asyncio.CancelledError:
                if lost:
                    raise LockError(f"The lock of conversation '{conversation_id}' was lost "
                                    "(this server froze longer than its lease): turn stopped."
                                    ) from None
                raise
            finally:
                renewing.cancel()
        finally:
            await self._leave(scripts, keys, token)

    async def _wait_for(
        self, scripts: _Scripts, conversation_id: Text, keys: List[str], token: str,
        lifetime: float,
    ) -> None:
        deadline = time.monotonic() + lifetime
        while True:
            try:
                state = int(await scripts.acquire(keys=keys, args=[token, self._lease_ms]))
            except Exception as error:  # noqa: BLE001 - Redis away: Rasa's LockError
                raise LockError(f"Could not wait for a lock in Redis: {error}") from error
            if state == 1:
                return
            if state == -1:
                raise LockError(f"The lock ticket of conversation '{conversation_id}' "
                                "expired while it waited (this server was frozen).")
            if time.monotonic() > deadline:
                raise LockError(
                    f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(self._poll)

    async def _renew(
        self, scripts: _Scripts, keys: List[str], token: str, lifetime: float,
        holder: Optional["asyncio.Task[Any]"], lost: List[bool],
    ) -> None:
        """Renew the held ticket's lease (at most the lock's lifetime); stop a turn that lost it."""
        deadline = time.monotonic() + lifetime
        while True:
            await asyncio.sleep(self._renew_every)
            if time.monotonic() > deadline:
                logger.warning("A turn held %s longer than the lock's lifetime (%.0f s): "
                               "its lease is no longer renewed.", keys[1], lifetime)
                return
            try:
                state = int(await scripts.acquire(keys=keys, args=[token, self._lease_ms]))
            except Exception:  # noqa: BLE001 - Redis away: tried again; the lease may run out
                logger.warning("Could not renew a turn's lock in Redis.", exc_info=True)
                continue
            if state != 1:
                logger.error("A turn's lock on %s was lost (its lease ran out while this "
                             "server was frozen): the turn is stopped.", keys[1])
                lost.append(True)
                if holder is not None:
                    holder.cancel()
                return

    async def _leave(self, scripts: _Scripts, keys: List[str], token: str) -> None:
        """Leave the queue; if Redis does not answer, the lease runs out instead (logged)."""
        try:
            await asyncio.wait_for(
                asyncio.shield(scripts.release(keys=keys, args=[token])), self._timeout)
        except Exception:  # noqa: BLE001 - the ticket's lease ends it anyway
            logger.warning("Could not release a lock in Redis; it ends with its lease.",
                           exc_info=True)

    # Rasa's LockStore API for callers that inspect locks (none of Rasa's own
    # request paths do: they use `lock()`): a shared queue has no local copy.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        """No local copy of a queue (it lives in Redis): None."""
        return None

    def delete_lock(self, conversation_id: Text) -> None:
        """Queues leave Redis with their last ticket: nothing to delete."""
        return None

    def save_lock(self, lock: TicketLock) -> None:
        """Refused: a queue changes only in the Redis scripts above."""
        raise NotImplementedError("SharedLockStore changes its queues only in Redis scripts")

    def __repr__(self) -> str:
        return f"SharedLockStore(prefix={self._prefix!r}, lease_ms={self._lease_ms})"
