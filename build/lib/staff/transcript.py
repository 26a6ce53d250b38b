"""A conversation's turns from Rasa's `events` table, for the advisor.

The citizen's messages (`user`), the assistant's (`bot`) and the advisors'
(`bot` events whose metadata names an advisor, bot/store/handovers.py) in
order, every text through `bot.privacy.mask_personal_numbers` (the store
keeps them masked already; masking again costs little and holds if an older
row was not). Other events (slots, actions) are not shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.privacy import mask_personal_numbers

__all__ = ["Turn", "identity_level", "latest_event_id", "transcript"]

# Rasa's table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent): the columns read here.
_events = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("data", sa.Text),
)


@dataclass(frozen=True)
class Turn:
    """One message of the conversation."""

    id: int
    at: datetime
    speaker: str  # citizen | assistant | advisor
    text: str
    advisor: Optional[str] = None
    channel: Optional[str] = None

    def as_json(self) -> Dict[str, Any]:
        """The turn for the JSON API."""
        return {"id": self.id, "at": self.at.isoformat(), "speaker": self.speaker,
                "text": self.text, "advisor": self.advisor, "channel": self.channel}


def _has_events(connection: Connection) -> bool:
    return sa.inspect(connection).has_table("events")


def _turn(row: Any) -> Optional[Turn]:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    at = datetime.fromtimestamp(row.timestamp or 0, tz=timezone.utc)
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    if row.type_name == "user":
        return Turn(row.id, at, "citizen", mask_personal_numbers(text),
                    channel=data.get("input_channel"))
    advisor = metadata.get("advisor") if isinstance(metadata, dict) else None
    if isinstance(advisor, str) and advisor:
        return Turn(row.id, at, "advisor", mask_personal_numbers(text), advisor=advisor)
    return Turn(row.id, at, "assistant", mask_personal_numbers(text))


def transcript(connection: Connection, conversation_id: str, after: int = 0) -> List[Turn]:
    """The conversation's messages in order (those after event id `after`)."""
    if not _has_events(connection):
        return []
    rows = connection.execute(
        sa.select(_events.c.id, _events.c.type_name, _events.c.timestamp, _events.c.data)
        .where(_events.c.sender_id == conversation_id, _events.c.id > after,
               _events.c.type_name.in_(("user", "bot")))
        .order_by(_events.c.id)
    )
    return [turn for turn in map(_turn, rows) if turn is not None]


def latest_event_id(connection: Connection, conversation_id: str) -> int:
    """The id of the conversation's newest event (0 when none): the stream's change mark."""
    if not _has_events(connection):
        return 0
    return connection.execute(
        sa.select(sa.func.max(_events.c.id)).where(_events.c.sender_id == conversation_id)
    ).scalar() or 0


def identity_level(connection: Connection, conversation_id: str) -> Optional[int]:
    """The conversation's identity level as the assistant set it last (None if never).

    The slot `identity_level` (0 none, 1 confirmed, 2 one-time code) is not
    sealed; the hand-over keeps the level it had when it was queued, this
    one follows an identity check the advisor asked for.
    """
    if not _has_events(connection):
        return None
    rows = connection.execute(
        sa.select(_events.c.data)
        .where(_events.c.sender_id == conversation_id, _events.c.type_name == "slot",
               _events.c.data.contains('"identity_level"'))
        .order_by(_events.c.id.desc()).limit(20)
    )
    for (raw,) in rows:
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("name") == "identity_level":
            value = data.get("value")
            return int(value) if isinstance(value, (int, float)) else 0
    return None
