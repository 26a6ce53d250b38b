"""The SQL behind the figures: grouped in the database over the conversation summaries.

The summaries (`bot.store.summaries`: one row per conversation, plus its
counts per topic, unanswered closest answer and request form) are kept up
to date as the events are stored, so no query here reads Rasa's `events`.
What counts as what is decided there:

- a message: a `user` event whose intent is not an `EXTERNAL_` one;
- a fallback: a message classified `nlu_fallback`, or `action_default_fallback`;
- a hand-over: `action_handover` ran; a call-back: `action_submit_callback` ran;
- a request started: a form became active (`active_loop` event named `*_form`);
- satisfaction: the slot `satisfaction` set to "yes" or "no" (the answer to
  "Did this help?", actions/satisfaction.py).

A conversation belongs to the day (UTC) its first event happened; `since`
keeps the conversations that started then or later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.summaries import counts, summaries
from bot.store.tables import handovers, outbox

__all__ = ["contained", "day_rows", "hour_rows", "count_rows", "csat_rows", "request_rows",
           "handover_rows"]

_s = summaries.c
_c = counts.c


def _flag(condition: Any) -> Any:
    return sa.case((condition, 1), else_=0)


def contained() -> Any:
    """Answered a message it understood, no hand-over or call-back, not misunderstood at the end."""
    return sa.and_(
        _s.answers > 0, _s.last_understood.isnot(None), _s.handovers == 0, _s.callbacks == 0,
        sa.or_(_s.last_fallback.is_(None), _s.last_fallback <= _s.last_understood),
    )


def _conversations(since: Optional[float]) -> List[Any]:
    where = [_s.messages > 0]  # a session with nothing typed is not a conversation
    if since is not None:
        where.append(_s.started >= since)
    return where


def day_rows(connection: Connection, since: Optional[float]) -> List[Any]:
    """Per day and channel: conversations, messages, contained, fallbacks, ... and csat answers."""
    query = (
        sa.select(
            _s.day, _s.channel,
            sa.func.count().label("conversations"),
            sa.func.sum(_s.messages).label("messages"),
            sa.func.sum(_flag(contained())).label("contained"),
            sa.func.sum(_flag(_s.fallbacks > 0)).label("fallbacks"),
            sa.func.sum(_flag(_s.handovers > 0)).label("handovers"),
            sa.func.sum(_flag(_s.callbacks > 0)).label("callbacks"),
            sa.func.sum(_s.helped_yes).label("helped_yes"),
            sa.func.sum(_s.helped_no).label("helped_no"),
        )
        .where(*_conversations(since))
        .group_by(_s.day, _s.channel)
    )
    return list(connection.execute(query))


def hour_rows(connection: Connection, since: Optional[float]) -> List[Any]:
    """Conversations started per hour of the day (UTC)."""
    query = (sa.select(_s.hour, sa.func.count()).where(*_conversations(since))
             .group_by(_s.hour))
    return list(connection.execute(query))


def count_rows(
    connection: Connection, kind: str, since: Optional[float], limit: Optional[int] = None
) -> List[Any]:
    """Per name of `kind` (topic, unanswered, form): conversations and events, most first."""
    query = (
        sa.select(_c.name, sa.func.count().label("conversations"),
                  sa.func.sum(_c.count).label("events"))
        .where(_c.kind == kind)
        .group_by(_c.name)
        .order_by(sa.desc("conversations"), sa.desc("events"), _c.name)
    )
    if since is not None:
        query = query.where(_c.started >= since)
    if limit is not None:
        query = query.limit(limit)
    return list(connection.execute(query))


def _csat_query(since: bool) -> Any:
    # CROSS JOIN keeps SQLite's loop on the few conversations that answered
    # (it would otherwise look up a summary for every topic row); PostgreSQL
    # plans it as any inner join.
    return sa.text(
        "SELECT c.name, SUM(s.helped_yes), SUM(s.helped_no)"
        " FROM conversation_summaries AS s CROSS JOIN conversation_counts AS c"
        " WHERE s.helped_yes + s.helped_no > 0 AND s.messages > 0"
        + (" AND s.started >= :since" if since else "")
        + " AND c.sender_id = s.sender_id AND c.kind = :kind AND c.name IN :names"
        " GROUP BY c.name"
    ).bindparams(sa.bindparam("names", expanding=True))


def csat_rows(
    connection: Connection, kind: str, names: List[str], since: Optional[float]
) -> Dict[str, Any]:
    """Per name of `kind`: the "Yes" and "No" answers of the conversations that had it."""
    if not names:
        return {}
    values: Dict[str, Any] = {"kind": kind, "names": list(names)}
    if since is not None:
        values["since"] = since
    found = connection.execute(_csat_query(since is not None), values)
    return {name: (int(yes or 0), int(no or 0)) for name, yes, no in found}


def request_rows(connection: Connection, since: Optional[float]) -> Dict[str, Dict[str, int]]:
    """Requests by type: started (forms opened), sent, failed, pending (the outbox)."""
    result: Dict[str, Dict[str, int]] = {}
    for name, _, started in count_rows(connection, "form", since):
        result.setdefault(name, {})["started"] = int(started)
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
