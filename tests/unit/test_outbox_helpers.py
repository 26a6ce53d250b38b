"""The outbox's pure helpers: backoff, error text, JSON, UTC times (no database)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from bot.store import Outbox, OutboxItem, backoff
from bot.store._sql import to_json
from bot.store.delivery import error_text, run_worker
from bot.store.tables import UtcDateTime
from clients.errors import BackendUnavailable, IdempotencyConflict

UTC = timezone.utc
CET = timezone(timedelta(hours=1))


class FixedRandom:
    """An rng whose random() is always `value`."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("attempts", "low", "high"),
    [
        (1, timedelta(seconds=15), timedelta(seconds=30)),
        (2, timedelta(seconds=30), timedelta(seconds=60)),
        (5, timedelta(minutes=4), timedelta(minutes=8)),
        (8, timedelta(minutes=30), timedelta(hours=1)),  # 64 min, capped at the hour
        (10_000, timedelta(minutes=30), timedelta(hours=1)),  # no overflow
    ],
)
def test_outbox_backoff_doubles_up_to_the_cap_with_equal_jitter(
    attempts: int, low: timedelta, high: timedelta
) -> None:
    assert backoff(attempts, rng=FixedRandom(0.0)) == low
    assert backoff(attempts, rng=FixedRandom(1.0)) == high
    assert low <= backoff(attempts) <= high


def test_outbox_backoff_takes_its_base_and_cap() -> None:
    top = FixedRandom(1.0)
    wait = backoff(3, base=timedelta(seconds=1), cap=timedelta(seconds=3), rng=top)
    assert wait == timedelta(seconds=3)


def test_outbox_backoff_needs_an_attempt() -> None:
    with pytest.raises(ValueError, match="attempt must be at least 1"):
        backoff(0)


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (
            BackendUnavailable("housing", "HTTP 503", status=503, attempts=3),
            "BackendUnavailable: housing unavailable after 3 attempts: HTTP 503",
        ),
        (
            IdempotencyConflict(409, "idempotency_conflict", "id 12345678901", backend="cms"),
            "IdempotencyConflict: cms rejected the request: HTTP 409 idempotency_conflict",
        ),
        (ValueError("national_id 12345678901 is not valid"), "ValueError"),
    ],
)
def test_outbox_error_text_never_keeps_personal_data(error: Exception, text: str) -> None:
    assert error_text(error) == text
    assert "12345678901" not in error_text(error)


def test_outbox_json_is_canonical_and_keeps_unicode() -> None:
    assert to_json({"b": 1, "a": "Åse 👋"}, "payload") == '{"a": "Åse 👋", "b": 1}'


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"start": datetime(2026, 3, 2, tzinfo=UTC)}, "payload is not JSON.*datetime"),
        ({"amount": float("nan")}, "payload is not JSON"),
        (["not", "an", "object"], "payload must be a JSON object.*list"),
    ],
)
def test_outbox_json_refuses_what_it_cannot_bring_back(value: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        to_json(value, "payload")


def test_outbox_item_repr_leaves_out_the_payload() -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    item = OutboxItem(
        id=1,
        kind="housing_application",
        conversation_id="c",
        channel="sms",
        idempotency_key="k",
        payload={"nationalId": "12345678901"},
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    assert "12345678901" not in repr(item)


class TestUtcDateTime:
    def test_outbox_times_are_stored_in_utc(self) -> None:
        column = UtcDateTime()
        local = datetime(2026, 3, 2, 10, 0, tzinfo=CET)
        stored_pg = column.process_bind_param(local, postgresql.dialect())
        assert stored_pg == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        assert column.process_bind_param(local, sqlite.dialect()) == datetime(2026, 3, 2, 9, 0)

    def test_outbox_times_come_back_aware(self) -> None:
        column = UtcDateTime()
        value = column.process_result_value(datetime(2026, 3, 2, 9, 0), sqlite.dialect())
        assert value == datetime(2026, 3, 2, 9, 0, tzinfo=UTC) and value.tzinfo is UTC

    def test_outbox_refuses_a_naive_time(self) -> None:
        with pytest.raises(ValueError, match="naive datetime"):
            UtcDateTime().process_bind_param(datetime(2026, 3, 2), sqlite.dialect())


def test_outbox_needs_an_engine_or_session_factory_and_a_lease() -> None:
    with pytest.raises(TypeError, match="Engine or a session factory"):
        Outbox("sqlite:///nssa.db")
    with pytest.raises(ValueError, match="lease must be positive"):
        Outbox(lambda: None, lease=timedelta(0))


async def test_outbox_worker_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError, match="interval must be positive"):
        await run_worker(None, {}, 0, asyncio.Event())
