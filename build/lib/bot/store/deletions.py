"""Requests to delete a conversation ("delete my conversation", identity-and-privacy.md).

The citizen's confirmed request is recorded here by the action server; the
worker's job (`bot/store/retention.py`) erases the conversation within 24
hours, once it has been idle for a while, and marks the request done. A
conversation asked to be deleted again later (the same web chat session,
after the first deletion) gets a new request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, List, Optional

import sqlalchemy as sa

from bot.store._sql import Bind, check_text, rowcount, session_factory_for, transaction
from bot.store.tables import conversation_deletions, utcnow

__all__ = ["DeletionRequest", "ConversationDeletions"]

_t = conversation_deletions


@dataclass(frozen=True)
class DeletionRequest:
    """One request: when it was made, and when it was carried out (None: not yet)."""

    conversation_id: str
    channel: Optional[str]
    requested_at: datetime
    done_at: Optional[datetime]


class ConversationDeletions:
    """The deletion requests repository; each method is one transaction."""

    def __init__(self, bind: Bind, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = session_factory_for(bind)
        self._clock = clock

    def request(self, conversation_id: str, channel: Optional[str] = None) -> DeletionRequest:
        """Record (or renew) the request to delete the conversation; it is pending after."""
        check_text("conversation_id", conversation_id, _t.c.conversation_id)
        if channel is not None:
            check_text("channel", channel, _t.c.channel)
        now = self._clock()
        values = {"channel": channel, "requested_at": now, "done_at": None}
        with transaction(self._sessions, "conversation_deletions request") as session:
            updated = rowcount(
                session,
                sa.update(_t)
                .where(_t.c.conversation_id == conversation_id, _t.c.done_at.is_(None))
                .values(channel=channel),
            )
            if not updated:
                # A new request, or one after an earlier deletion was carried out.
                session.execute(sa.delete(_t).where(_t.c.conversation_id == conversation_id))
                session.execute(sa.insert(_t).values(conversation_id=conversation_id, **values))
        found = self.get(conversation_id)
        assert found is not None
        return found

    def get(self, conversation_id: str) -> Optional[DeletionRequest]:
        """The conversation's request, or None."""
        statement = sa.select(_t).where(_t.c.conversation_id == conversation_id)
        with transaction(self._sessions, "conversation_deletions get") as session:
            row = session.execute(statement).first()
            return DeletionRequest(**row._mapping) if row is not None else None

    def pending(self, limit: int = 100) -> List[DeletionRequest]:
        """Requests not carried out yet, oldest first."""
        statement = (
            sa.select(_t).where(_t.c.done_at.is_(None)).order_by(_t.c.requested_at).limit(limit)
        )
        with transaction(self._sessions, "conversation_deletions pending") as session:
            return [DeletionRequest(**row._mapping) for row in session.execute(statement)]

    def forget_done_before(self, cutoff: datetime) -> int:
        """Drop the record of requests carried out before `cutoff`; how many."""
        statement = sa.delete(_t).where(_t.c.done_at.is_not(None), _t.c.done_at < cutoff)
        with transaction(self._sessions, "conversation_deletions forget") as session:
            return rowcount(session, statement)
