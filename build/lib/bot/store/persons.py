"""Where to reach a verified person, and whether they want proactive notices.

`remember()` is called when a citizen's identity is checked in a
conversation: the person's latest conversation and its Rasa input channel
replace any earlier one. A CMS event about the person is then told in that
conversation (`channels/cms_events.py`), unless they opted out with
"stop notices" (service-standards.md, Proactive notices).

Only the CMS's person id is kept here, never a name or ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    upsert,
)
from bot.store.tables import notice_opt_outs, person_conversations, utcnow

__all__ = ["PersonConversation", "Persons"]

_conversations = person_conversations
_opt_outs = notice_opt_outs


@dataclass(frozen=True)
class PersonConversation:
    """The conversation a person used last, and its Rasa input channel."""

    person_id: str
    conversation_id: str
    channel: str
    updated_at: datetime


class Persons:
    """The persons repository; each method is one transaction.

    `bind` is an Engine or a session factory; `clock` gives the aware time.
    """

    def __init__(self, bind: Bind, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = session_factory_for(bind)
        self._clock = clock

    def remember(self, person_id: str, conversation_id: str, channel: str) -> None:
        """Make this the person's latest conversation (replacing an earlier one)."""
        check_text("person_id", person_id, _conversations.c.person_id)
        check_text("conversation_id", conversation_id, _conversations.c.conversation_id)
        check_text("channel", channel, _conversations.c.channel)
        values = {
            "person_id": person_id,
            "conversation_id": conversation_id,
            "channel": channel,
            "updated_at": self._clock(),
        }
        with transaction(self._sessions, "person_conversations remember") as session:
            upsert(session, _conversations, values, ("person_id",),
                   [k for k in values if k != "person_id"])

    def conversation_of(self, person_id: str) -> Optional[PersonConversation]:
        """The person's latest conversation, or None if they never verified in one."""
        statement = sa.select(_conversations).where(_conversations.c.person_id == person_id)
        with transaction(self._sessions, "person_conversations get") as session:
            row = session.execute(statement).first()
            return PersonConversation(**row._mapping) if row is not None else None

    def opt_out(self, person_id: str) -> bool:
        """No more notices for the person; False if they had opted out already."""
        check_text("person_id", person_id, _opt_outs.c.person_id)
        values = {"person_id": person_id, "created_at": self._clock()}
        with transaction(self._sessions, "notice_opt_outs insert") as session:
            return insert_new(session, _opt_outs, values, ("person_id",))

    def opt_in(self, person_id: str) -> bool:
        """Notices again for the person; False if they had not opted out."""
        statement = sa.delete(_opt_outs).where(_opt_outs.c.person_id == person_id)
        with transaction(self._sessions, "notice_opt_outs delete") as session:
            return rowcount(session, statement) == 1

    def opted_out(self, person_id: str) -> bool:
        """Whether the person said "stop notices" (and not "start notices" since)."""
        statement = sa.select(_opt_outs.c.person_id).where(_opt_outs.c.person_id == person_id)
        with transaction(self._sessions, "notice_opt_outs get") as session:
            return session.execute(statement).first() is not None
