"""Decisions: the editors' decisions on listed messages, in the conversation store.

One `review_decisions` row per message (Rasa's `events.id`): its unique
constraint makes a message decided once, even with two editors at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence, Set

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.review.items import Item
from bot.store.tables import REVIEW_DECISIONS, review_decisions, utcnow

__all__ = ["Decision", "Decisions", "ASSIGN", "OUT_OF_SCOPE", "NEW_ANSWER"]

ASSIGN, OUT_OF_SCOPE, NEW_ANSWER = REVIEW_DECISIONS


@dataclass(frozen=True)
class Decision:
    """One decided message."""

    event_id: int
    decision: str
    answer: Optional[str]
    text: str
    channel: Optional[str]
    topic: Optional[str]
    decided_by: str
    decided_at: datetime

    def as_json(self) -> Dict[str, Any]:
        """The decision for the CLI's JSON and the console."""
        return {"id": self.event_id, "decision": self.decision, "answer": self.answer,
                "text": self.text, "channel": self.channel, "topic": self.topic,
                "decided_by": self.decided_by, "decided_at": self.decided_at.isoformat()}


class Decisions:
    """The decisions table on an engine."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def decided_ids(self) -> Set[int]:
        """The event ids of every decided message."""
        with self._engine.connect() as connection:
            return {int(row[0]) for row in
                    connection.execute(sa.select(review_decisions.c.event_id))}

    def record(self, connection: Connection, items: Sequence[Item], decision: str,
               answer: Optional[str], by: str) -> None:
        """Insert one row per item in the caller's transaction (IntegrityError if decided)."""
        if decision not in REVIEW_DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        now = self._clock()
        connection.execute(review_decisions.insert(), [
            {"event_id": item.event_id, "decision": decision, "answer": answer,
             "text": item.text[:1000], "channel": item.channel or None,
             "topic": item.topic or None, "decided_by": by, "decided_at": now}
            for item in items
        ])

    def read(self, decision: Optional[str] = None, since: Optional[datetime] = None,
             limit: int = 500) -> List[Decision]:
        """The newest decisions (of one kind, since a time)."""
        t = review_decisions.c
        query = sa.select(review_decisions).order_by(t.id.desc()).limit(limit)
        if decision is not None:
            query = query.where(t.decision == decision)
        if since is not None:
            query = query.where(t.decided_at >= since)
        with self._engine.connect() as connection:
            return [Decision(int(r.event_id), r.decision, r.answer, r.text, r.channel, r.topic,
                             r.decided_by, r.decided_at) for r in connection.execute(query)]

    def new_answers_needed(self) -> List[Dict[str, Any]]:
        """The new answers flagged: label, count and examples, the most asked first."""
        examples: Dict[str, List[Decision]] = defaultdict(list)
        for decided in self.read(NEW_ANSWER, limit=5000):
            examples[decided.answer or ""].append(decided)
        rows = [{"label": label, "count": len(found),
                 "examples": sorted({d.text for d in found}),
                 "last": max(d.decided_at for d in found).isoformat()}
                for label, found in examples.items()]
        return sorted(rows, key=lambda r: (-r["count"], r["label"]))
