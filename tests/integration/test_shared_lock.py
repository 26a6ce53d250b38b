"""The conversation lock several Rasa servers share (bot/store/locks.py) on a real Redis.

Each "server" below is a thread with its own event loop and its own lock
store, as each Rasa server process has; a dead server is a real process
killed with SIGKILL while it holds a lock.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
import redis
from rasa.core.lock_store import LockError

from bot.settings import PROJECT_ROOT
from bot.store.locks import SharedLockStore
from tests.redis_server import running_redis

SERVERS = 6
TURNS = 25


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis-lock")) as url:
        yield url


def _store(url: str, **kwargs: float) -> SharedLockStore:
    return SharedLockStore(url=url, key_prefix="test", **kwargs)


def test_turns_of_one_conversation_never_overlap_across_servers(redis_url: str) -> None:
    inside = 0
    most_inside = 0
    done: List[int] = []
    guard = threading.Lock()

    async def server(number: int) -> None:
        nonlocal inside, most_inside
        store = _store(redis_url)
        for _ in range(TURNS):
            async with store.lock("burst", wait_time_in_seconds=0.01):
                with guard:
                    inside += 1
                    most_inside = max(most_inside, inside)
                await asyncio.sleep(random.uniform(0, 0.003))
                with guard:
                    inside -= 1
            done.append(number)

    threads = [threading.Thread(target=asyncio.run, args=(server(n),)) for n in range(SERVERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(done) == SERVERS * TURNS
    assert most_inside == 1
    assert not redis.Redis.from_url(redis_url).keys("test:lock:*"), "keys left behind"


def test_turns_are_served_in_the_order_they_came(redis_url: str) -> None:
    async def main() -> List[int]:
        store = _store(redis_url)
        order: List[int] = []

        async def turn(number: int) -> None:
            async with store.lock("order"):
                order.append(number)
                await asyncio.sleep(0.01)

        tasks = []
        for number in range(8):
            tasks.append(asyncio.ensure_future(turn(number)))
            await asyncio.sleep(0.005)  # each takes its ticket before the next
        await asyncio.gather(*tasks)
        return order

    assert asyncio.run(main()) == list(range(8))


def test_a_held_lock_outlives_its_lease_while_its_server_lives(redis_url: str) -> None:
    async def main() -> float:
        holder, waiter = _store(redis_url, lease_seconds=0.5), _store(redis_url, lease_seconds=0.5)
        held = asyncio.Event()

        async def hold() -> None:
            async with holder.lock("long"):
                held.set()
                await asyncio.sleep(2)  # four leases

        holding = asyncio.ensure_future(hold())
        await held.wait()
        started = time.monotonic()
        async with waiter.lock("long"):
            waited = time.monotonic() - started
        await holding
        return waited

    assert asyncio.run(main()) >= 1.8


def test_a_waiter_gives_up_after_the_lock_lifetime(redis_url: str) -> None:
    async def main() -> None:
        store = _store(redis_url)
        async with store.lock("busy"):
            with pytest.raises(LockError):
                async with store.lock("busy", lock_lifetime=0.3):
                    pass
        async with store.lock("busy", lock_lifetime=0.3):  # free again
            pass

    asyncio.run(main())


_HOLDER = """
import asyncio, sys
from bot.store.locks import SharedLockStore

async def main():
    store = SharedLockStore(url=sys.argv[1], key_prefix="test", lease_seconds=1)
    async with store.lock("killed"):
        print("held", flush=True)
        await asyncio.sleep(600)

asyncio.run(main())
"""


def test_a_killed_servers_conversation_is_free_after_one_lease(redis_url: str) -> None:
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, redis_url], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        time.sleep(1.5)  # renewed past its first lease: alive, it keeps the lock

        async def blocked() -> None:
            async with _store(redis_url).lock("killed", lock_lifetime=0.5):
                pass

        with pytest.raises(LockError):
            asyncio.run(blocked())
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)

        async def taken_over() -> float:
            started = time.monotonic()
            async with _store(redis_url).lock("killed", lock_lifetime=10):
                return time.monotonic() - started

        assert asyncio.run(taken_over()) < 2.0  # one lease (1 s) and a poll, not 60 s
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)


def test_a_frozen_holder_is_stopped_and_never_frees_another_turns_lock(redis_url: str) -> None:
    """A frozen holder's turn is stopped, and it frees only its own ticket.

    A's event loop freezes past its lease: B takes over, then C. A's turn is
    stopped when it runs again, and leaving frees only its own ticket, so D
    still waits for C (a reused ticket number once let D in beside C).
    """
    log: List[Tuple[float, str]] = []
    started = time.monotonic()

    def note(what: str) -> None:
        log.append((time.monotonic() - started, what))

    def store() -> SharedLockStore:
        return _store(redis_url, lease_seconds=0.5)

    async def a() -> None:
        try:
            async with store().lock("frozen"):
                note("A in")
                time.sleep(1.5)  # a frozen event loop: no renewal
                await asyncio.sleep(1)  # the rest of A's turn, and its save
                note("A saved")
        except LockError:
            note("A stopped")

    async def b() -> None:
        async with store().lock("frozen"):
            note("B in")

    async def c() -> None:
        async with store().lock("frozen"):
            note("C in")
            await asyncio.sleep(2)
            note("C out")

    async def d() -> None:
        async with store().lock("frozen"):
            note("D in")

    def run(turn: Any) -> threading.Thread:
        thread = threading.Thread(target=asyncio.run, args=(turn,))
        thread.start()
        return thread

    first = run(a())
    time.sleep(0.1)
    run(b()).join(10)
    third = run(c())
    first.join(10)
    run(d()).join(10)
    third.join(10)
    said = [what for _, what in log]
    assert "A stopped" in said and "A saved" not in said, log
    at = {what: when for when, what in log}
    assert at["D in"] >= at["C out"], log


def test_a_turn_cancelled_while_taking_its_ticket_leaves_none(redis_url: str) -> None:
    """A client gone while Redis was slow: the ticket issued after all leaves the queue."""
    slow = "local t = redis.call('TIME') local t0 = t[1] * 1e6 + t[2] " \
           "while true do local n = redis.call('TIME') " \
           "if n[1] * 1e6 + n[2] - t0 > 300000 then break end end return 1"

    async def main() -> float:
        store = _store(redis_url, lease_seconds=5)

        async def turn() -> None:
            async with store.lock("cancelled"):
                pass

        busy = threading.Thread(target=lambda: redis.Redis.from_url(redis_url).eval(slow, 0))
        busy.start()
        await asyncio.sleep(0.05)
        waiting = asyncio.ensure_future(turn())
        await asyncio.sleep(0.1)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        busy.join()
        await asyncio.sleep(0.3)
        began = time.monotonic()
        async with store.lock("cancelled"):
            return time.monotonic() - began

    assert asyncio.run(main()) < 1  # not a lease (5 s) behind an orphan ticket
    assert not redis.Redis.from_url(redis_url).keys("test:lock:{cancelled}*")


def test_redis_gone_while_a_turn_waits_is_a_lock_error(tmp_path: Path) -> None:
    async def main(url: str, stop: Any) -> None:
        store = _store(url)
        held, done = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with store.lock("gone"):
                held.set()
                await done.wait()

        async def wait() -> None:
            async with store.lock("gone"):
                pass

        holding = asyncio.ensure_future(hold())
        await held.wait()
        waiting = asyncio.ensure_future(wait())
        await asyncio.sleep(0.2)
        stop()
        with pytest.raises(LockError):
            await waiting
        done.set()
        await holding  # its release fails, logged: the lease ends it

    with running_redis(tmp_path / "redis") as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        asyncio.run(main(url, lambda: redis.Redis(port=port).shutdown(nosave=True)))
