"""Housing Office applications this assistant forwarded, per verified person.

The Housing Office answers a status look-up for any application number, so
the assistant keeps which numbers it forwarded for whom: case status by an
HO number answers only for the verified person's own (requests-in-chat.md,
request 8), and "all my cases" lists them. A row is recorded when the
Housing Office accepts an application, by the action or, for an application
kept in the outbox, by the worker that delivers it.

Only the CMS's person id and the conversation id are kept, never a name or
ID number. The rows are part of the case file: the 90-day clean-up of
conversations leaves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, List

import sqlalchemy as sa

from bot.store._sql import Bind, check_text, insert_new, session_factory_for, transaction
from bot.store.tables import forwarded_applications, utcnow

__all__ = ["ForwardedApplication", "ForwardedApplications", "APPLICATION_NUMBER"]

# requests-in-chat.md: HO, a hyphen and 8 digits.
APPLICATION_NUMBER = re.compile(r"^HO-[0-9]{8}$")

_table = forwarded_applications


@dataclass(frozen=True)
class ForwardedApplication:
    """One application forwarded to the Housing Office."""

    application_number: str
    person_id: str
    conversation_id: str
    created_at: datetime


class ForwardedApplications:
    """The forwarded applications repository; each method is one transaction.

    `bind` is an Engine or a session factory; `clock` gives the aware time.
    """

    def __init__(self, bind: Bind, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = session_factory_for(bind)
        self._clock = clock

    def record(self, application_number: str, person_id: str, conversation_id: str) -> bool:
        """Keep that the application is this person's; False if it was recorded before.

        Recording the same number again (a resent application, the worker and
        the action both) changes nothing, so the first person stays its owner.
        """
        _check_number(application_number)
        check_text("person_id", person_id, _table.c.person_id)
        check_text("conversation_id", conversation_id, _table.c.conversation_id)
        values = {
            "application_number": application_number,
            "person_id": person_id,
            "conversation_id": conversation_id,
            "created_at": self._clock(),
        }
        with transaction(self._sessions, "forwarded_applications insert") as session:
            return insert_new(session, _table, values, ("application_number",))

    def of_person(self, person_id: str) -> List[ForwardedApplication]:
        """The person's forwarded applications, newest first."""
        statement = (
            sa.select(_table)
            .where(_table.c.person_id == person_id)
            .order_by(_table.c.created_at.desc(), _table.c.application_number.desc())
        )
        with transaction(self._sessions, "forwarded_applications list") as session:
            return [ForwardedApplication(**row._mapping) for row in session.execute(statement)]

    def belongs_to(self, application_number: str, person_id: str) -> bool:
        """Whether this assistant forwarded the application for this person."""
        statement = sa.select(_table.c.application_number).where(
            _table.c.application_number == application_number,
            _table.c.person_id == person_id,
        )
        with transaction(self._sessions, "forwarded_applications get") as session:
            return session.execute(statement).first() is not None


def _check_number(application_number: str) -> None:
    if not isinstance(application_number, str) or not APPLICATION_NUMBER.match(application_number):
        raise ValueError("application_number must be HO- and 8 digits")
