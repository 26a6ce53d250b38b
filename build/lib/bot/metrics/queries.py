"""The SQL behind the figures: one row per conversation, grouped in the database.

Rasa's SQL tracker store keeps one `events` row per event with `type_name`,
`intent_name` (user messages), `action_name` (the `name` of actions, forms and
slots) and the event as JSON in `data`. What counts as what:

- a message: a `user` event whose intent is not an `EXTERNAL_` one (those are
  sent by the system, not typed);
- a fallback: a message classified `nlu_fallback`, or `action_default_fallback`;
- a hand-over: `action_handover` ran; a call-back: `action_submit_callback` ran;
- a request started: a form became active (`active_loop` event named `*_form`);
- satisfaction: a message classified `helped_yes` or `helped_no` (the answer
  to "Did this help?"; README "Analytics").

Only the first message of each conversation has its JSON read (its channel),
and fallbacks (the closest answer Rasa saw), so a year of data stays fast.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.tables import handovers, outbox

__all__ = [
    "events", "FALLBACK_INTENT", "FALLBACK_ACTIONS", "HANDOVER_ACTION", "CALLBACK_ACTION",
    "HELPED_YES", "HELPED_NO", "conversation_rows", "topic_rows", "unanswered_rows",
    "request_rows", "handover_rows", "has_events",
]

# Rasa's table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), named only here.
events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = ("action_default_fallback",)
HANDOVER_ACTION = "action_handover"
CALLBACK_ACTION = "action_submit_callback"
HELPED_YES = "helped_yes"
HELPED_NO = "helped_no"

_e = events.c


def _json(connection: Connection, column: Any, path: Sequence[Any]) -> Any:
    """The text at `path` in a JSON text column, on SQLite or PostgreSQL."""
    if connection.dialect.name == "sqlite":
        dotted = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        return sa.func.json_extract(column, dotted)
    expression: Any = sa.cast(column, sa.JSON)
    for part in path[:-1]:
        expression = expression[part]
    return expression[path[-1]].as_string()


def _flag(condition: Any) -> Any:
    return sa.case((condition, 1), else_=0)


def has_events(connection: Connection) -> bool:
    """Whether Rasa has made its `events` table in this database yet."""
    return sa.inspect(connection).has_table("events")


def _message() -> Any:
    external = _e.intent_name.like("EXTERNAL\\_%", escape="\\")
    return sa.and_(_e.type_name == "user", sa.not_(external))


def _fallback() -> Any:
    return sa.or_(
        sa.and_(_e.type_name == "user", _e.intent_name == FALLBACK_INTENT),
        sa.and_(_e.type_name == "action", _e.action_name.in_(FALLBACK_ACTIONS)),
    )


def _action(name: str) -> Any:
    return sa.and_(_e.type_name == "action", _e.action_name == name)


def conversation_rows(connection: Connection, since: Optional[float]) -> List[Tuple[Any, ...]]:
    """Per conversation: start, channel, messages, answers, fallbacks, ... (no ids)."""
    message = _message()
    understood = sa.and_(message, _e.intent_name != FALLBACK_INTENT)
    summary = sa.select(
        sa.func.min(_e.timestamp).label("started"),
        sa.func.min(sa.case((message, _e.id))).label("first_message"),
        sa.func.sum(_flag(message)).label("messages"),
        sa.func.sum(_flag(_e.type_name == "bot")).label("answers"),
        sa.func.sum(_flag(_fallback())).label("fallbacks"),
        sa.func.max(sa.case((understood, _e.id))).label("last_understood"),
        sa.func.max(sa.case((_fallback(), _e.id))).label("last_fallback"),
        sa.func.sum(_flag(_action(HANDOVER_ACTION))).label("handovers"),
        sa.func.sum(_flag(_action(CALLBACK_ACTION))).label("callbacks"),
        sa.func.sum(_flag(sa.and_(message, _e.intent_name == HELPED_YES))).label("helped_yes"),
        sa.func.sum(_flag(sa.and_(message, _e.intent_name == HELPED_NO))).label("helped_no"),
    ).group_by(_e.sender_id)
    if since is not None:
        summary = summary.where(_e.timestamp >= since)
    conversations = summary.subquery("conversations")
    first = events.alias("first")
    channel = _json(connection, first.c.data, ["input_channel"])
    query = sa.select(
        conversations.c.started,
        channel,
        conversations.c.messages,
        conversations.c.answers,
        conversations.c.fallbacks,
        conversations.c.last_understood,
        conversations.c.last_fallback,
        conversations.c.handovers,
        conversations.c.callbacks,
        conversations.c.helped_yes,
        conversations.c.helped_no,
    ).select_from(
        conversations.outerjoin(first, first.c.id == conversations.c.first_message)
    )
    return [tuple(row) for row in connection.execute(query)]


def topic_rows(connection: Connection, since: Optional[float], limit: int = 20) -> List[Any]:
    """Per intent understood (the topic): conversations and messages, most asked first."""
    understood = sa.and_(_message(), _e.intent_name != FALLBACK_INTENT,
                         _e.intent_name.isnot(None))
    query = (
        sa.select(
            _e.intent_name,
            sa.func.count(sa.distinct(_e.sender_id)).label("conversations"),
            sa.func.count().label("messages"),
        )
        .where(understood)
        .group_by(_e.intent_name)
        .order_by(sa.desc("conversations"), _e.intent_name)
        .limit(limit)
    )
    if since is not None:
        query = query.where(_e.timestamp >= since)
    return list(connection.execute(query))


def unanswered_rows(connection: Connection, since: Optional[float], limit: int = 10) -> List[Any]:
    """Messages not understood, grouped by the closest answer Rasa saw (no texts)."""
    closest = _json(connection, _e.data, ["parse_data", "intent_ranking", 1, "name"])
    query = (
        sa.select(closest.label("closest"), sa.func.count().label("messages"))
        .where(_e.type_name == "user", _e.intent_name == FALLBACK_INTENT)
        .group_by(closest)
        .order_by(sa.desc("messages"))
        .limit(limit)
    )
    if since is not None:
        query = query.where(_e.timestamp >= since)
    return list(connection.execute(query))


def request_rows(connection: Connection, since: Optional[float]) -> Dict[str, Dict[str, int]]:
    """Requests by type: started (forms opened), sent, failed, pending (the outbox)."""
    result: Dict[str, Dict[str, int]] = {}
    started = (
        sa.select(_e.action_name, sa.func.count())
        .where(_e.type_name == "active_loop", _e.action_name.like("%\\_form", escape="\\"))
        .group_by(_e.action_name)
    )
    if since is not None:
        started = started.where(_e.timestamp >= since)
    for name, count in connection.execute(started):
        result.setdefault(name[: -len("_form")], {})["started"] = count
    sent = sa.select(outbox.c.kind, outbox.c.state, sa.func.count()).group_by(
        outbox.c.kind, outbox.c.state
    )
    if since is not None:
        sent = sent.where(outbox.c.created_at >= dt.datetime.fromtimestamp(since, dt.timezone.utc))
    states = {"delivered": "sent", "failed": "failed", "pending": "pending"}
    for kind, state, count in connection.execute(sent):
        result.setdefault(kind, {})[states.get(state, state)] = count
    return result


def handover_rows(connection: Connection, since: Optional[float]) -> List[Any]:
    """Each hand-over's reason, channel and times (no conversation id, no advisor)."""
    query = sa.select(handovers.c.reason, handovers.c.channel, handovers.c.requested_at,
                      handovers.c.taken_at)
    if since is not None:
        query = query.where(
            handovers.c.requested_at >= dt.datetime.fromtimestamp(since, dt.timezone.utc)
        )
    return list(connection.execute(query))
