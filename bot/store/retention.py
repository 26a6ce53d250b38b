"""Deleting conversations: after 90 days, and on the citizen's request.

identity-and-privacy.md: conversations are kept 90 days (`retention_days`),
then deleted automatically; "delete my conversation" deletes one within 24
hours. `Retention.run()` does both; the outbox worker calls it every
`purge_interval_seconds` and `python -m bot purge` once.

Erasing a conversation removes, for its conversation id:

- Rasa's events (table `events`, every session) and their summary for
  the analytics (`bot/store/summaries.py`);
- the project's rows that point at it: `person_conversations` (where a
  person's notices go), `channel_identities` (the Telegram chat or phone
  number behind it, so the next message starts a new conversation),
  `continuity_codes`, `message_deliveries`;
- outbox rows already delivered and told to the citizen. A request not yet
  delivered stays, because the citizen was told it will be sent; the back
  end's case and `forwarded_applications` are the case file and follow the
  case-file rules, so they stay too (the assistant says so).

A requested deletion waits until the conversation has been idle for
`idle` (a setting), so a turn under way is never half deleted; the tracker
store drops the rest of a turn that still raced it (`bot/store/tracker.py`).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, ContextManager, Iterator, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.errors import StoreError
from bot.store import summaries
from bot.store._sql import reason
from bot.store.deletions import ConversationDeletions
from bot.store.tables import (
    DELIVERED,
    FAILED,
    channel_identities,
    continuity_codes,
    conversation_deletions,
    handovers,
    message_deliveries,
    outbox,
    person_conversations,
    processed_webhooks,
    utcnow,
)

__all__ = ["PurgeReport", "Retention"]

logger = logging.getLogger(__name__)

# Telegram and Twilio redeliver within a day; a week is kept to be safe.
WEBHOOK_IDS_KEPT = timedelta(days=7)

# Rasa's table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent); only the
# columns read here, and never part of the project's migrations.
_events = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("timestamp", sa.Float),
)


@dataclass(frozen=True)
class PurgeReport:
    """What one run did."""

    expired: int
    deleted_on_request: int
    waiting: int

    def __str__(self) -> str:
        return (
            f"{self.expired} conversation(s) past the retention period deleted, "
            f"{self.deleted_on_request} deleted on request, {self.waiting} request(s) waiting"
        )


class Retention:
    """Erases conversations from the store; each erase is one transaction."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock
        self._deletions = ConversationDeletions(engine, clock=clock)

    def run(self, retention: timedelta, idle: timedelta, *, limit: int = 500) -> PurgeReport:
        """Delete expired conversations and carry out the deletion requests."""
        expired = self.purge_expired(retention, limit=limit)
        done, waiting = self.carry_out_requests(idle, limit=limit)
        self._deletions.forget_done_before(self._clock() - retention)
        self._sweep(self._clock() - retention)
        report = PurgeReport(expired, done, waiting)
        if expired or done:
            logger.info("Conversation store: %s.", report)
        return report

    def purge_expired(self, retention: timedelta, *, limit: int = 500) -> int:
        """Erase every conversation whose latest event is older than `retention`."""
        cutoff = self._clock() - retention
        erased = 0
        for conversation_id in self.idle_conversations(cutoff, limit=limit):
            erased += self.erase(conversation_id, idle_since=cutoff)
        return erased

    def carry_out_requests(self, idle: timedelta, *, limit: int = 500) -> Tuple[int, int]:
        """Erase the requested conversations idle for `idle`; (erased, still waiting)."""
        erased = waiting = 0
        for request in self._deletions.pending(limit):
            if self.erase(request.conversation_id, idle_since=self._clock() - idle):
                erased += 1
            else:
                waiting += 1
        return erased, waiting

    def idle_conversations(self, cutoff: datetime, *, limit: int = 500) -> List[str]:
        """Conversation ids whose latest event is older than `cutoff`."""
        if not self._has_events():
            return []
        statement = (
            sa.select(_events.c.sender_id)
            .group_by(_events.c.sender_id)
            .having(sa.func.max(_events.c.timestamp) < cutoff.timestamp())
            .limit(limit)
        )
        with self._connect("find idle conversations") as connection:
            return [row[0] for row in connection.execute(statement)]

    def erase(self, conversation_id: str, *, idle_since: Optional[datetime] = None) -> bool:
        """Erase the conversation if its latest event is older than `idle_since`; True if erased.

        A pending deletion request of the conversation is marked done with it.
        """
        if idle_since is not None and not self._idle(conversation_id, idle_since):
            return False
        # One transaction: a message that came in meanwhile leaves everything,
        # the Telegram chat's or phone number's identity included.
        with self._begin("erase a conversation") as connection:
            if idle_since is not None and not self._idle(conversation_id, idle_since, connection):
                return False  # a message came in meanwhile: next run
            if self._has_events(connection):
                connection.execute(sa.delete(_events).where(_events.c.sender_id == conversation_id))
            summaries.erase(connection, conversation_id)
            for table in (
                channel_identities,
                person_conversations,
                continuity_codes,
                message_deliveries,
                handovers,
            ):
                connection.execute(
                    sa.delete(table).where(table.c.conversation_id == conversation_id)
                )
            connection.execute(
                sa.delete(outbox).where(
                    outbox.c.conversation_id == conversation_id,
                    outbox.c.state == DELIVERED,
                    outbox.c.notified_at.is_not(None),
                )
            )
            now = self._clock()
            done = connection.execute(
                sa.update(conversation_deletions)
                .where(conversation_deletions.c.conversation_id == conversation_id)
                .values(done_at=now)
            )
            if done.rowcount == 0:
                # Erased for its age: recorded too, so a turn that read the old
                # conversation before this erase is not written back
                # (PrivateSQLTrackerStore._stored).
                connection.execute(
                    sa.insert(conversation_deletions).values(
                        conversation_id=conversation_id, requested_at=now, done_at=now
                    )
                )
        return True

    def _idle(
        self, conversation_id: str, since: datetime,
        connection: Optional[sa.engine.Connection] = None,
    ) -> bool:
        if not self._has_events(connection):
            return True
        statement = sa.select(sa.func.max(_events.c.timestamp)).where(
            _events.c.sender_id == conversation_id
        )
        if connection is None:
            with self._connect("read a conversation's latest event") as own:
                latest = own.execute(statement).scalar()
        else:
            latest = connection.execute(statement).scalar()
        return latest is None or latest < since.timestamp()

    def _sweep(self, cutoff: datetime) -> None:
        """Rows past the retention period whose conversation is gone or never had events."""
        with self._begin("sweep old rows") as connection:
            connection.execute(
                sa.delete(continuity_codes).where(continuity_codes.c.expires_at < cutoff)
            )
            connection.execute(
                sa.delete(message_deliveries).where(message_deliveries.c.updated_at < cutoff)
            )
            # Finished requests past the period, their conversation erased or not:
            # their payloads hold the personal numbers the back end needed.
            connection.execute(
                sa.delete(outbox).where(
                    outbox.c.state.in_((DELIVERED, FAILED)),
                    outbox.c.notified_at.is_not(None),
                    outbox.c.created_at < cutoff,
                )
            )
            # Webhook ids are only needed for the platforms' redelivery window.
            connection.execute(
                sa.delete(processed_webhooks).where(
                    processed_webhooks.c.received_at < self._clock() - WEBHOOK_IDS_KEPT
                )
            )

    def _has_events(self, connection: Optional[sa.engine.Connection] = None) -> bool:
        # Rasa makes `events` when its server first starts; before that there are none.
        bind = connection if connection is not None else self._engine
        return sa.inspect(bind).has_table("events")

    def _connect(self, what: str) -> ContextManager[sa.engine.Connection]:
        return _guarded(self._engine.connect, what)

    def _begin(self, what: str) -> ContextManager[sa.engine.Connection]:
        return _guarded(self._engine.begin, what)


@contextlib.contextmanager
def _guarded(opener: Callable[[], Any], what: str) -> Iterator[sa.engine.Connection]:
    """A connection whose SQLAlchemy errors become `StoreError` naming the step."""
    try:
        with opener() as connection:
            yield connection
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"{what}: {reason(exc)}") from exc
