"""Webhooks and events already taken in, so a replay is dropped in every process.

Platforms deliver again when an answer is slow or lost (Telegram's
`update_id`, Twilio's `MessageSid`, the CMS's event id): `first_time()`
records the id and says whether it is new. The primary key (source,
external_id) decides, so two processes receiving the same delivery at once
get one True and one False, on SQLite and PostgreSQL alike.

Call it when the delivery is about to be handled; if handling then fails
before anything lasting happened, `forget()` lets the platform's next
delivery through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Optional

import sqlalchemy as sa

from bot.store._sql import (
    Bind,
    check_text,
    insert_new,
    rowcount,
    session_factory_for,
    transaction,
)
from bot.store.tables import processed_webhooks, utcnow

__all__ = ["ProcessedWebhooks"]

_table = processed_webhooks


class ProcessedWebhooks:
    """The ids of processed webhooks and events, per source."""

    def __init__(self, bind: Bind, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = session_factory_for(bind)
        self._clock = clock

    def first_time(self, source: str, external_id: str, *, now: Optional[datetime] = None) -> bool:
        """Record the id; True the first time, False for a duplicate (from any process)."""
        check_text("source", source, _table.c.source)
        check_text("external_id", external_id, _table.c.external_id)
        values = {"source": source, "external_id": external_id, "received_at": now or self._clock()}
        with transaction(self._sessions, "processed_webhooks insert") as session:
            return insert_new(session, _table, values, ("source", "external_id"))

    def forget(self, source: str, external_id: str) -> bool:
        """Remove the id, so a redelivery is taken as new; False if it was not there."""
        statement = sa.delete(_table).where(
            _table.c.source == source, _table.c.external_id == external_id
        )
        with transaction(self._sessions, "processed_webhooks forget") as session:
            return rowcount(session, statement) == 1

    def prune(self, before: datetime) -> int:
        """Remove the ids received before `before` (past any redelivery window); how many."""
        statement = sa.delete(_table).where(_table.c.received_at < before)
        with transaction(self._sessions, "processed_webhooks prune") as session:
            return rowcount(session, statement)
