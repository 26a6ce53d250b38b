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

- a ticket is the next number of the conversation's counter, queued in a
  sorted set; the queue's head holds the lock;
- each ticket has a lease (`lease_seconds`, default 10 s, in a hash of
  expiry times on Redis's own clock, so the servers' clocks never
  disagree); its holder or waiter renews it while it is alive; a ticket
  whose lease ran out (its server died or froze) is dropped by the next
  waiter, so a dead server holds a conversation for one lease, not 60 s;
- a turn holds the lock at most Rasa's lock lifetime (TICKET_LOCK_LIFETIME,
  60 s); waiting longer raises Rasa's `LockError`, as Rasa's stores do;
- the keys expire with the last lease: nothing is left behind.

A waiter polls every `poll_seconds` (50 ms; Rasa's stores wait 1 s), which
is what a burst of messages to one conversation waits between turns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import AsyncIterator, List, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

__all__ = ["SharedLockStore"]

logger = logging.getLogger(__name__)

# KEYS: counter, queue, leases.  ARGV: lease in ms.  -> the new ticket.
_ISSUE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local ticket = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], ticket, tostring(ticket))
redis.call('HSET', KEYS[3], tostring(ticket), now_ms + tonumber(ARGV[1]))
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], 3 * tonumber(ARGV[1])) end
return ticket
"""

# KEYS: counter, queue, leases.  ARGV: ticket, lease in ms.
# -> 1 the ticket holds the lock, 0 it waits, -1 its lease had run out (dropped).
_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local mine = redis.call('HGET', KEYS[3], ARGV[1])
if not mine or tonumber(mine) < now_ms then
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

# KEYS: counter, queue, leases.  ARGV: ticket.  The ticket leaves the queue;
# the last one out removes the keys.
_RELEASE = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
end
return 1
"""


class SharedLockStore(LockStore):
    """Ticket locks in Redis, each queue change atomic, each ticket on a renewed lease."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        *,
        url: Optional[str] = None,
        key_prefix: str = "nssa",
        lease_seconds: float = 10.0,
        poll_seconds: float = 0.05,
    ) -> None:
        import redis.asyncio

        kwargs = dict(endpoint_config.kwargs) if endpoint_config else {}
        url = url or (endpoint_config.url if endpoint_config else None)
        if not url:
            raise ValueError("SharedLockStore needs the Redis URL (lock_store: url: redis://...)")
        self._redis = redis.asyncio.Redis.from_url(url, socket_timeout=10)
        self._prefix = f"{kwargs.get('key_prefix', key_prefix)}:lock:"
        self._lease_ms = int(1000 * float(kwargs.get("lease_seconds", lease_seconds)))
        self._poll = float(kwargs.get("poll_seconds", poll_seconds))
        self._issue = self._redis.register_script(_ISSUE)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._release = self._redis.register_script(_RELEASE)
        super().__init__()

    def _keys(self, conversation_id: Text) -> List[str]:
        # One hash tag: the three keys stay on one node of a Redis Cluster.
        tag = f"{self._prefix}{{{conversation_id}}}"
        return [f"{tag}:next", f"{tag}:queue", f"{tag}:leases"]

    @contextlib.asynccontextmanager
    async def lock(  # type: ignore[override]
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """Hold `conversation_id`'s lock for the block; wait in turn at most `lock_lifetime`."""
        keys = self._keys(conversation_id)
        try:
            ticket = int(await self._issue(keys=keys, args=[self._lease_ms]))
        except Exception as error:  # noqa: BLE001 - Rasa's stores raise LockError on any failure
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        try:
            await self._wait_for(conversation_id, keys, ticket, lock_lifetime)
            renewing = asyncio.ensure_future(self._renew(keys, ticket, lock_lifetime))
            try:
                yield TicketLock(conversation_id)
            finally:
                renewing.cancel()
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._release(keys=keys, args=[ticket]))

    async def _wait_for(
        self, conversation_id: Text, keys: List[str], ticket: int, lifetime: float
    ) -> None:
        deadline = time.monotonic() + lifetime
        while True:
            state = int(await self._acquire(keys=keys, args=[ticket, self._lease_ms]))
            if state == 1:
                return
            if state == -1:
                raise LockError(f"The lock ticket of conversation '{conversation_id}' "
                                "expired while it waited (this server was frozen).")
            if time.monotonic() > deadline:
                raise LockError(
                    f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(self._poll)

    async def _renew(self, keys: List[str], ticket: int, lifetime: float) -> None:
        """Keep the held ticket's lease alive, for at most the lock's lifetime."""
        deadline = time.monotonic() + lifetime
        while time.monotonic() < deadline:
            await asyncio.sleep(self._lease_ms / 3000)
            try:
                if int(await self._acquire(keys=keys, args=[ticket, self._lease_ms])) != 1:
                    logger.warning("A turn's lock on %s was lost: its lease had run out.",
                                   keys[1])
                    return
            except Exception:  # noqa: BLE001 - Redis away: the lease runs out, logged
                logger.warning("Could not renew a turn's lock in Redis.", exc_info=True)

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
