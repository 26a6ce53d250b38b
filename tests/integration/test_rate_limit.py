"""The per-sender rate limit in this process and in a real Redis shared by several servers."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List

import pytest

from channels.common import Gate
from channels.rate_limit import LocalWindow, RedisWindow, Window, window
from tests.redis_server import running_redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _windows(kind: str, redis_url: str, clock: Clock, name: str) -> List[Window]:
    """Two windows of 3 per 60 s that share their count, as two Rasa servers would."""
    if kind == "local":
        one = LocalWindow(3, 60, clock)
        return [one, one]
    return [RedisWindow(3, 60, redis_url, name=name, clock=clock) for _ in range(2)]


@pytest.mark.parametrize("kind", ["local", "redis"])
def test_the_window_slides_and_is_shared_by_every_server(
    kind: str, redis_url: str, request: pytest.FixtureRequest
) -> None:
    clock = Clock()
    first, second = _windows(kind, redis_url, clock, request.node.name.replace("[", "-")[:40])
    assert [first.hit("a"), second.hit("a"), first.hit("a")] == [True, True, True]
    assert second.hit("a") is False  # the 4th in a minute, on the other server
    assert first.hit("b") is True  # another sender has its own count
    clock.now += 30
    assert first.hit("a") is False  # refused hits are not counted, the window still full
    clock.now += 30.001
    assert second.hit("a") is True  # the first three are a minute old
    assert first.hit("a") is True
    assert first.hit("a") is True
    assert second.hit("a") is False


def test_a_redis_window_names_its_keys_apart(redis_url: str) -> None:
    clock = Clock()
    webchat = RedisWindow(1, 60, redis_url, name="apart-webchat", clock=clock)
    sms = RedisWindow(1, 60, redis_url, name="apart-sms", clock=clock)
    assert webchat.hit("x") and sms.hit("x")
    assert not webchat.hit("x") and not sms.hit("x")


def test_redis_out_of_reach_lets_messages_through(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with running_redis(tmp_path / "gone") as url:
        pass  # stopped: nothing listens on its port now
    gone = RedisWindow(1, 60, url)
    with caplog.at_level("WARNING", logger="channels.rate_limit"):
        assert [gone.hit("a"), gone.hit("a")] == [True, True]
    assert sum("Redis is out of reach" in r.getMessage() for r in caplog.records) == 1


def test_two_gates_on_one_redis_share_a_senders_limit(redis_url: str) -> None:
    server_a = Gate.with_limits(100, 2, redis_url, "gate-test")
    server_b = Gate.with_limits(100, 2, redis_url, "gate-test")
    assert server_a.check("sender-1", "hello").ok
    assert server_b.check("sender-1", "hello").ok
    refused = server_a.check("sender-1", "hello")
    assert not refused.ok and refused.reason == "rate_limited"
    assert server_b.check("sender-2", "hello").ok


def test_the_window_is_in_redis_only_when_a_url_is_given(redis_url: str) -> None:
    assert isinstance(window(1, 60, None, "n"), LocalWindow)
    assert isinstance(window(1, 60, redis_url, "n"), RedisWindow)
