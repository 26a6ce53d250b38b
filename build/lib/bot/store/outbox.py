"""The outbox: requests for the back ends, kept in the database until delivered.

An action with a citizen's confirmed request adds it here (`Outbox.add`) and
answers at once; a worker (`bot.store.delivery`) sends it, retries while the
back end is unavailable, and hands the result on so the citizen is told.

- One row per (kind, idempotency_key): adding the same request again returns
  the row already there, and the back ends take the same key, so a retry, a
  replayed message or a crash between sending and recording opens no second
  case.
- `due()` claims rows with one `UPDATE ... WHERE` that sets a lease
  (`claimed_by`, `claimed_until`) only where the lease is missing or over,
  so two worker processes never hold the same row at once. On PostgreSQL the
  candidates are first locked `FOR UPDATE SKIP LOCKED`, so concurrent workers
  take different rows; on SQLite the update picks them itself, under the
  database's single write lock.
  A worker that dies leaves its rows to be claimed again when the lease ends.
  The lease must outlast one delivery (a back-end call with its retries).
- `attempts` counts claims, so a row whose worker keeps crashing shows it.
- `last_error` holds the error's class and the client's message, which by the
  clients' contract names the system, status and code, never personal data.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.retry import Uniform, backoff_seconds
from bot.store._sql import (
    Bind,
    check_text,
    insert_new,
    rowcount,
    session_factory_for,
    to_json,
    transaction,
)
from bot.store.tables import DELIVERED, FAILED, PENDING, outbox, utcnow

__all__ = ["Outbox", "OutboxItem", "backoff", "DEFAULT_LEASE", "MAX_ERROR_LENGTH"]

logger = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class OutboxItem:
    """One request in the outbox (payload kept out of repr: it holds personal data)."""

    id: int
    kind: str
    conversation_id: str
    channel: str
    idempotency_key: str
    payload: Dict[str, Any] = field(repr=False)
    state: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: Optional[str] = None
    result: Optional[Dict[str, Any]] = None
    delivered_at: Optional[datetime] = None
    notified_at: Optional[datetime] = None
    claimed_by: Optional[str] = None
    claimed_until: Optional[datetime] = None


def backoff(
    attempts: int,
    *,
    base: timedelta = timedelta(seconds=30),
    cap: timedelta = timedelta(hours=1),
    rng: Optional[Uniform] = None,
) -> timedelta:
    """The wait before a row that failed `attempts` times is tried again (bot/retry.py's rule)."""
    return timedelta(
        seconds=backoff_seconds(attempts, base.total_seconds(), cap.total_seconds(), rng)
    )


class Outbox:
    """The outbox repository; each method is one transaction.

    `bind` is an Engine or a session factory (`sessionmaker(engine, future=True)`).
    `lease` is how long a claim holds; `clock` gives the current aware time.
    """

    def __init__(
        self,
        bind: Bind,
        *,
        lease: timedelta = DEFAULT_LEASE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if lease <= timedelta(0):
            raise ValueError("the lease must be positive")
        self._sessions = session_factory_for(bind)
        self.lease = lease
        self._clock = clock

    def now(self) -> datetime:
        """The current time by this outbox's clock."""
        return self._clock()

    def add(
        self,
        kind: str,
        conversation_id: str,
        channel: str,
        idempotency_key: str,
        payload: Dict[str, Any],
        *,
        now: Optional[datetime] = None,
        not_before: Optional[datetime] = None,
    ) -> OutboxItem:
        """Keep a request for delivery; the same kind and key again returns the first row.

        `not_before` holds a new row back from the worker, for a sender that
        first tries to deliver it itself (and may die doing so).
        """
        check_text("kind", kind, outbox.c.kind)
        check_text("conversation_id", conversation_id, outbox.c.conversation_id)
        check_text("channel", channel, outbox.c.channel)
        check_text("idempotency_key", idempotency_key, outbox.c.idempotency_key)
        body = to_json(payload, "payload")
        now = now or self._clock()
        with transaction(self._sessions, "outbox add") as session:
            row = _find(session, kind, idempotency_key)
            if row is None:
                values = {
                    "kind": kind,
                    "conversation_id": conversation_id,
                    "channel": channel,
                    "idempotency_key": idempotency_key,
                    "payload": body,
                    "state": PENDING,
                    "attempts": 0,
                    "next_attempt_at": not_before or now,
                    "created_at": now,
                }
                insert_new(session, outbox, values, ("kind", "idempotency_key"))
                row = _find(session, kind, idempotency_key)
            elif row.payload != body:
                # A key derived from the values cannot meet other values: a caller's bug.
                logger.warning("outbox %s #%d: key added again with another payload", kind, row.id)
            assert row is not None  # inserted, or there before: either way it is there now
            return _item(row)

    def get(self, kind: str, idempotency_key: str) -> Optional[OutboxItem]:
        """The request of this kind with this key, or None."""
        with transaction(self._sessions, "outbox get") as session:
            row = _find(session, kind, idempotency_key)
            return _item(row) if row is not None else None

    def get_by_id(self, item_id: int) -> Optional[OutboxItem]:
        """The request with this id, or None."""
        with transaction(self._sessions, "outbox get") as session:
            row = session.execute(sa.select(outbox).where(outbox.c.id == item_id)).first()
            return _item(row) if row is not None else None

    def due(
        self,
        now: Optional[datetime] = None,
        limit: int = 20,
        *,
        kinds: Optional[Iterable[str]] = None,
    ) -> List[OutboxItem]:
        """Claim up to `limit` pending rows due by `now` (of `kinds`, if given), oldest first."""
        now = now or self._clock()
        claimable = sa.and_(
            outbox.c.state == PENDING,
            outbox.c.next_attempt_at <= now,
            _unclaimed(now),
        )
        if kinds is not None:
            claimable = sa.and_(claimable, outbox.c.kind.in_(list(kinds)))
        changes = {"attempts": outbox.c.attempts + 1}
        return self._claim(claimable, (outbox.c.created_at, outbox.c.id), now, limit, changes)

    def mark_delivered(
        self,
        item_id: int,
        result: Dict[str, Any],
        *,
        now: Optional[datetime] = None,
        notified: bool = False,
    ) -> bool:
        """Record the back end's result; False if the row was not pending (nothing changed).

        `notified`: the citizen was told already (by the sender), in the same update.
        """
        body = to_json(result, "result")
        when = now or self._clock()
        told = {"notified_at": when} if notified else {}
        return self._finish(
            item_id, state=DELIVERED, result=body, delivered_at=when, last_error=None, **told
        )

    def mark_retry(self, item_id: int, error: str, next_attempt_at: datetime) -> bool:
        """Keep the row pending until `next_attempt_at`; False if it was not pending."""
        return self._finish(
            item_id, state=PENDING, last_error=_error_text(error), next_attempt_at=next_attempt_at
        )

    def mark_failed(self, item_id: int, error: str) -> bool:
        """The back end refused for good (BackendRejected); False if the row was not pending."""
        return self._finish(item_id, state=FAILED, last_error=_error_text(error))

    def undelivered_notifications(
        self,
        now: Optional[datetime] = None,
        limit: int = 20,
        *,
        states: Sequence[str] = (DELIVERED,),
    ) -> List[OutboxItem]:
        """Claim rows in `states` (delivered) whose citizen was not told yet, oldest first.

        Claimed with a lease like `due()`, so two workers do not both tell the
        citizen; a row not marked notified is offered again when the lease
        ends. Pass `states=(DELIVERED, FAILED)` to also tell about refusals.
        """
        now = now or self._clock()
        claimable = sa.and_(
            outbox.c.state.in_(list(states)),
            outbox.c.notified_at.is_(None),
            _unclaimed(now),
        )
        order = (outbox.c.delivered_at, outbox.c.id)
        return self._claim(claimable, order, now, limit, {})

    def mark_notified(self, item_id: int, *, now: Optional[datetime] = None) -> bool:
        """The citizen was told; False if they had been already (nothing changed)."""
        statement = (
            sa.update(outbox)
            .where(outbox.c.id == item_id, outbox.c.notified_at.is_(None))
            .values(notified_at=now or self._clock(), claimed_by=None, claimed_until=None)
        )
        with transaction(self._sessions, "outbox mark_notified") as session:
            return rowcount(session, statement) == 1

    def _claim(
        self,
        claimable: Any,
        order: Sequence[Any],
        now: datetime,
        limit: int,
        changes: Dict[str, Any],
    ) -> List[OutboxItem]:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        token = uuid.uuid4().hex
        candidates = sa.select(outbox.c.id).where(claimable).order_by(*order).limit(limit)
        with transaction(self._sessions, "outbox claim") as session:
            if session.get_bind().dialect.name == "postgresql":
                # Lock the candidates, passing over rows other workers are claiming.
                # (Not `UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE)`:
                # PostgreSQL may run that sub-select again and claim more than n.)
                locked = candidates.with_for_update(skip_locked=True)
                ids = session.execute(locked).scalars().all()
                if not ids:
                    return []
                chosen = outbox.c.id.in_(ids)
            else:
                # SQLite: one statement, run under the database's single write lock.
                chosen = outbox.c.id.in_(candidates.scalar_subquery())
            # The WHERE repeats the test, so a claim never takes a row with a live lease.
            session.execute(
                sa.update(outbox)
                .where(chosen, claimable)
                .values(claimed_by=token, claimed_until=now + self.lease, **changes)
            )
            rows = session.execute(
                sa.select(outbox).where(outbox.c.claimed_by == token).order_by(*order)
            ).all()
            return [_item(row) for row in rows]

    def _finish(self, item_id: int, **values: Any) -> bool:
        statement = (
            sa.update(outbox)
            .where(outbox.c.id == item_id, outbox.c.state == PENDING)
            .values(claimed_by=None, claimed_until=None, **values)
        )
        with transaction(self._sessions, f"outbox mark {values['state']}") as session:
            return rowcount(session, statement) == 1


def _unclaimed(now: datetime) -> Any:
    return sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now)


def _find(session: Any, kind: str, idempotency_key: str) -> Optional[Row]:
    statement = sa.select(outbox).where(
        outbox.c.kind == kind, outbox.c.idempotency_key == idempotency_key
    )
    return session.execute(statement).first()


def _item(row: Row) -> OutboxItem:
    values = dict(row._mapping)
    values["payload"] = json.loads(values["payload"])
    if values["result"] is not None:
        values["result"] = json.loads(values["result"])
    return OutboxItem(**values)


def _error_text(error: str) -> str:
    text = " ".join(str(error).split()) or "unknown error"
    return text[:MAX_ERROR_LENGTH]
