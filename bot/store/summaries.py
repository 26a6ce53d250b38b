"""One summary row per conversation, kept up to date as its events are stored (issue 12).

The analytics (`bot/metrics`) read these narrow rows instead of Rasa's
`events`, so a year of conversations is counted in well under a second.
`PrivateSQLTrackerStore.save` calls `record` in the same transaction that
stores the events, so the summaries are exactly the events' figures at all
times; `rebuild` recomputes them from `events` (a store made before this
table, and after a restore). Erasing a conversation (bot/store/retention.py)
erases its summary with it.

Two tables, derived data only (no text, no number a citizen typed):

- `conversation_summaries`, one row per Rasa sender: when it started (UTC
  epoch seconds, with its day and hour), the channel of its first message,
  its typed messages (user events not `EXTERNAL_...`), bot messages,
  fallbacks (`nlu_fallback` messages and `action_default_fallback`), the time
  of its last understood and last fallback message, hand-overs
  (`action_handover`), call-backs (`action_submit_callback`) and the answers
  to "Did this help?" (the slot `satisfaction` set to "yes" or "no");
- `conversation_counts`, per conversation (with its start) and `kind`: `topic` (messages per
  intent understood), `unanswered` (fallback messages per closest answer,
  the second of Rasa's intent ranking) and `form` (requests started: a form
  `<request>_form` became active).

Like Rasa's `events`, the tables are made by the process that writes them
(`ensure`), not by the Alembic revisions: they are a cache of `events` that
`rebuild` can always make again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any, Dict, Iterable, List, Mapping, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

__all__ = [
    "summaries",
    "counts",
    "FALLBACK_INTENT",
    "FALLBACK_ACTIONS",
    "HANDOVER_ACTION",
    "CALLBACK_ACTION",
    "SATISFACTION_SLOT",
    "Delta",
    "delta",
    "ensure",
    "record",
    "rebuild",
    "erase",
]

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = ("action_default_fallback",)
HANDOVER_ACTION = "action_handover"
CALLBACK_ACTION = "action_submit_callback"
SATISFACTION_SLOT = "satisfaction"

_metadata = sa.MetaData()

summaries = sa.Table(
    "conversation_summaries", _metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("started", sa.Float, nullable=False, index=True),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("hour", sa.Integer, nullable=False),
    sa.Column("channel", sa.String(64)),
    sa.Column("messages", sa.Integer, nullable=False),
    sa.Column("answers", sa.Integer, nullable=False),
    sa.Column("fallbacks", sa.Integer, nullable=False),
    sa.Column("last_understood", sa.Float),
    sa.Column("last_fallback", sa.Float),
    sa.Column("handovers", sa.Integer, nullable=False),
    sa.Column("callbacks", sa.Integer, nullable=False),
    sa.Column("helped_yes", sa.Integer, nullable=False),
    sa.Column("helped_no", sa.Integer, nullable=False),
)

counts = sa.Table(
    "conversation_counts", _metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    # The conversation's start, as in its summary: a period's counts need no join.
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    # Covers the grouping by name, with or without a start (bot/metrics/queries.py).
    sa.Index("ix_conversation_counts_kind_name", "kind", "name", "started", "count"),
)

_SUMS = ("messages", "answers", "fallbacks", "handovers", "callbacks", "helped_yes",
         "helped_no")
_LATEST = ("last_understood", "last_fallback")

Delta = Tuple[Dict[str, Any], Counter]


def delta(sender_id: str, events: Iterable[Mapping[str, Any]]) -> Delta:
    """What `events` (Rasa's event dicts, in order) add to a conversation's summary."""
    row: Dict[str, Any] = {"sender_id": sender_id, "started": None, "channel": None,
                           "last_understood": None, "last_fallback": None,
                           **{name: 0 for name in _SUMS}}
    found: Counter = Counter()
    for event in events:
        kind = event.get("event")
        at = event.get("timestamp")
        if isinstance(at, (int, float)):
            row["started"] = at if row["started"] is None else min(row["started"], at)
        name = event.get("name")
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name")
            if isinstance(intent, str) and intent.startswith("EXTERNAL_"):
                continue  # sent by the system, not typed
            row["messages"] += 1
            row["channel"] = row["channel"] or event.get("input_channel")
            if intent == FALLBACK_INTENT:
                row["fallbacks"] += 1
                row["last_fallback"] = at
                ranking = parse.get("intent_ranking") or []
                closest = ranking[1].get("name") if len(ranking) > 1 else None
                found[("unanswered", str(closest or "none"))] += 1
            elif intent:
                row["last_understood"] = at
                found[("topic", str(intent))] += 1
        elif kind == "bot":
            row["answers"] += 1
        elif kind == "action" and name in FALLBACK_ACTIONS:
            row["fallbacks"] += 1
            row["last_fallback"] = at
        elif kind == "action" and name == HANDOVER_ACTION:
            row["handovers"] += 1
        elif kind == "action" and name == CALLBACK_ACTION:
            row["callbacks"] += 1
        elif kind == "active_loop" and isinstance(name, str) and name.endswith("_form"):
            found[("form", name[: -len("_form")])] += 1
        elif kind == "slot" and name == SATISFACTION_SLOT and event.get("value") in ("yes", "no"):
            row[f"helped_{event['value']}"] += 1
    return row, found


def _upsert_summary() -> sa.TextClause:
    """Add a summary row to the conversation's, or insert it (the SQL of SQLite and PostgreSQL)."""
    table = summaries.name
    names = [column.name for column in summaries.c]
    merged = ([f"{name} = {table}.{name} + excluded.{name}" for name in _SUMS]
              + [f"channel = coalesce({table}.channel, excluded.channel)"]
              + [f"{name} = coalesce(excluded.{name}, {table}.{name})" for name in _LATEST])
    return sa.text(
        f"INSERT INTO {table} ({', '.join(names)}) "
        f"VALUES ({', '.join(':' + name for name in names)}) "
        f"ON CONFLICT (sender_id) DO UPDATE SET {', '.join(merged)}")


def _upsert_counts() -> sa.TextClause:
    """Add to a conversation's counts, with its start as its summary has it."""
    return sa.text(
        f"INSERT INTO {counts.name} (sender_id, kind, name, started, count) "
        f"SELECT :sender_id, :kind, :name, s.started, :count FROM {summaries.name} AS s "
        # The WHERE also tells SQLite's parser the ON CONFLICT is not a join's ON.
        "WHERE s.sender_id = :sender_id "
        f"ON CONFLICT (sender_id, kind, name) DO UPDATE SET count = {counts.name}.count + "
        "excluded.count")


# Written once as SQL text: SQLAlchemy's insert().on_conflict_do_update() built
# these anew for every turn, 1 to 2 ms of the Rasa server's CPU a turn.
_MERGE_SUMMARY = _upsert_summary()
_MERGE_COUNTS = _upsert_counts()


def _moment(started: float) -> Tuple[str, int]:
    moment = dt.datetime.fromtimestamp(started, dt.timezone.utc)
    return moment.date().isoformat(), moment.hour


def record(connection: Connection, deltas: Iterable[Delta]) -> None:
    """Add the deltas (from `delta`) to the summaries, in the caller's transaction.

    A summary already there keeps its start; the counts take the start from
    the summary once it is written (one statement each, no lookup before).
    """
    rows: List[Dict[str, Any]] = []
    found: List[Dict[str, Any]] = []
    for row, counted in deltas:
        if row["started"] is None:
            continue
        day, hour = _moment(row["started"])
        rows.append({**row, "day": day, "hour": hour})
        found.extend({"sender_id": row["sender_id"], "kind": kind, "name": name, "count": n}
                     for (kind, name), n in counted.items())
    if rows:
        connection.execute(_MERGE_SUMMARY, rows)
    if found:
        connection.execute(_MERGE_COUNTS, found)


def ensure(engine: Engine) -> None:
    """Make the tables if missing; a new table is filled from `events` at once.

    Several servers may start at once: the one whose CREATE loses finds the
    tables made (and filled) by the other.
    """
    try:
        with engine.begin() as connection:
            if sa.inspect(connection).has_table(summaries.name):
                return
            _metadata.create_all(connection, checkfirst=True)
            rebuild(connection)
    except sa.exc.SQLAlchemyError:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(summaries.name):
                raise


def rebuild(connection: Connection, batch: int = 1000) -> int:
    """Recompute every summary from `events`, `batch` conversations at a time; how many."""
    connection.execute(sa.delete(counts))
    connection.execute(sa.delete(summaries))
    if not sa.inspect(connection).has_table("events"):
        return 0
    events = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("timestamp"),
                      sa.column("data"))
    senders = [row[0] for row in connection.execute(
        sa.select(events.c.sender_id).distinct().order_by(events.c.sender_id))]
    for first in range(0, len(senders), batch):
        chunk = senders[first:first + batch]
        found: Dict[str, List[Dict[str, Any]]] = {sender: [] for sender in chunk}
        query = (sa.select(events.c.sender_id, events.c.timestamp, events.c.data)
                 .where(events.c.sender_id.in_(chunk)).order_by(events.c.id))
        for sender_id, timestamp, data in connection.execute(query):
            event = json.loads(data)
            event.setdefault("timestamp", timestamp)  # the row's own column, Rasa's too
            found[sender_id].append(event)
        record(connection, [delta(sender, found[sender]) for sender in chunk])
    return len(senders)


def erase(connection: Connection, sender_id: str) -> None:
    """Forget a conversation's summary (its events are being erased)."""
    if sa.inspect(connection).has_table(summaries.name):
        connection.execute(sa.delete(counts).where(counts.c.sender_id == sender_id))
        connection.execute(sa.delete(summaries).where(summaries.c.sender_id == sender_id))
