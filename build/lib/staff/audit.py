"""The audit log: who opened which conversation or person's data, and when.

Every console operation that shows a conversation's turns, a person's cases
or the call-back list (names and phone numbers) writes one row before the
data is sent; an admin reads the log in the console (newest first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.store.tables import staff_audit, utcnow

__all__ = ["AuditEntry", "AuditLog"]


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    at: datetime
    staff: str
    action: str
    subject: str
    detail: Optional[str]

    def as_json(self) -> dict:
        """The entry for the JSON API."""
        return {"at": self.at.isoformat(), "staff": self.staff, "action": self.action,
                "subject": self.subject, "detail": self.detail}


class AuditLog:
    """The audit log in the conversation store's database."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def write(self, staff: str, action: str, subject: str, detail: Optional[str] = None) -> None:
        """Write one entry now."""
        with self._engine.begin() as connection:
            connection.execute(staff_audit.insert().values(
                at=self._clock(), staff=staff, action=action, subject=subject[:255],
                detail=detail[:500] if detail else None,
            ))

    def read(self, limit: int = 200, before: Optional[int] = None) -> List[AuditEntry]:
        """The newest `limit` entries (older than id `before`, when given)."""
        query = sa.select(staff_audit).order_by(staff_audit.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(staff_audit.c.id < before)
        with self._engine.connect() as connection:
            return [AuditEntry(row.at, row.staff, row.action, row.subject, row.detail)
                    for row in connection.execute(query)]
