"""The citizen messages the assistant did not handle well, read from Rasa's `events`.

A message is listed (its reasons, several may hold) when:

- `fallback`: it was classified `nlu_fallback`, or `action_default_fallback`
  answered it;
- `low_confidence`: it was understood with less confidence than
  NSSA_REVIEW_CONFIDENCE (`Settings.review_confidence`), or the
  conversation's context decided its reading where the classifier's own
  was below that (a follow-up guessed in the last topic);
- `not_helped`: the citizen answered "No" to "Did this help?" after the
  answer to it (slot `satisfaction` = "no", or the intent `helped_no`); the
  "What was missing?" comment (slot `satisfaction_comment`) comes with it;
- `rephrased`: the citizen's next message, within two minutes of the
  assistant's answer, says much the same in other words (the answer missed);
- `handover`: the assistant handed the conversation to a person because it
  did not understand (a hand-over after `nlu_fallback` or `out_of_scope`).

Social turns (hello, thanks, yes, no ...), button payloads ("/intent") and
the system's own EXTERNAL_ intents are never listed. Every text is masked
again with `bot.privacy.mask_personal_numbers` (the store keeps it masked
already), and no conversation id leaves this module.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Set

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.conversation_context import CLASSIFIER_READING
from bot.privacy import mask_personal_numbers
from bot.review.grouping import similarity

__all__ = ["Item", "REASONS", "SOCIAL_INTENTS", "find_items", "scan_conversation"]

REASONS = ("fallback", "low_confidence", "not_helped", "rephrased", "handover")
# Never listed: social turns, and the answers to "Did this help?" and "What
# was missing?" (the comment reaches the item through the slot).
SOCIAL_INTENTS = frozenset({
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "helped_yes", "helped_no",
    "tell_what_was_missing",
})
FALLBACK_INTENT = "nlu_fallback"
REPHRASE_SECONDS = 120.0
REPHRASE_SIMILARITY = 0.3

# Rasa's table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
_events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)


@dataclass
class Item:
    """One citizen message to review (masked; no conversation id)."""

    event_id: int
    text: str
    channel: str
    intent: str
    topic: str
    confidence: float
    at: dt.datetime
    reasons: List[str] = field(default_factory=list)
    comment: Optional[str] = None

    def as_json(self) -> Dict[str, Any]:
        """The item for `bot inbox --json` and the console."""
        return {"id": self.event_id, "text": self.text, "channel": self.channel,
                "intent": self.intent, "topic": self.topic,
                "confidence": round(self.confidence, 3), "at": self.at.isoformat(),
                "reasons": list(self.reasons), "comment": self.comment}


def _topic(intent: str, ranking: List[Dict[str, Any]]) -> str:
    """The topic: the intent's first part; for a fallback, the best guess's."""
    name = intent
    if intent == FALLBACK_INTENT:
        name = next((str(r.get("name")) for r in ranking
                     if r.get("name") and r.get("name") != FALLBACK_INTENT), "")
    return name.split("/")[0] if name else ""


def _add(item: Optional[Item], reason: str) -> None:
    if item is not None and reason not in item.reasons:
        item.reasons.append(reason)


def scan_conversation(rows: Iterable[Any], threshold: float) -> List[Item]:
    """The items of one conversation's events (`id, type_name, timestamp, intent_name, ...`)."""
    items: List[Item] = []
    last: Optional[Item] = None  # the last message listed or not, that the citizen typed
    answered_at: Optional[float] = None
    for row in rows:
        kind = row.type_name
        if kind == "bot":  # only its time is needed: no JSON to read
            if last is not None and answered_at is None:
                answered_at = float(row.timestamp or 0.0)
            continue
        data = json.loads(row.data) if row.data else {}
        if kind == "user":
            intent = row.intent_name or ""
            text = str(data.get("text") or "")
            if intent == "helped_no":
                _add(last, "not_helped")
                continue
            if intent.startswith("EXTERNAL_") or text.startswith("/") or not text.strip():
                continue
            if intent in SOCIAL_INTENTS:
                continue
            parse = data.get("parse_data") or {}
            confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
            own = parse.get(CLASSIFIER_READING)
            if isinstance(own, dict) and isinstance(own.get("confidence"), (int, float)):
                confidence = min(confidence, float(own["confidence"]))
            stamp = float(data.get("timestamp") or row.timestamp or 0.0)
            item = Item(
                event_id=int(row.id), text=mask_personal_numbers(text.strip())[:1000],
                channel=str(data.get("input_channel") or ""), intent=intent,
                topic=_topic(intent, list(parse.get("intent_ranking") or [])),
                confidence=confidence, at=dt.datetime.fromtimestamp(stamp, dt.timezone.utc),
            )
            if intent == FALLBACK_INTENT:
                _add(item, "fallback")
            elif confidence < threshold:
                _add(item, "low_confidence")
            if (last is not None and answered_at is not None
                    and stamp - answered_at <= REPHRASE_SECONDS
                    and last.text.lower() != item.text.lower()
                    and similarity(last.text, item.text) >= REPHRASE_SIMILARITY):
                _add(last, "rephrased")
            items.append(item)
            last, answered_at = item, None
        elif kind == "action" and row.action_name == "action_default_fallback":
            _add(last, "fallback")
        elif kind == "action" and row.action_name == "action_handover":
            if last is not None and last.intent in (FALLBACK_INTENT, "out_of_scope"):
                _add(last, "handover")
        elif kind == "slot" and row.action_name == "satisfaction":
            if str(data.get("value") or "").lower() == "no":
                _add(last, "not_helped")
        elif kind == "slot" and row.action_name == "satisfaction_comment" and last is not None:
            comment = data.get("value")
            if comment:
                last.comment = mask_personal_numbers(str(comment))[:1000]
    return [item for item in items if item.reasons]


def find_items(
    connection: Connection,
    threshold: float,
    since: Optional[dt.datetime] = None,
    until: Optional[dt.datetime] = None,
    exclude: Optional[Set[int]] = None,
) -> List[Item]:
    """Every message to review in the store, oldest first, without those in `exclude`."""
    if not sa.inspect(connection).has_table("events"):
        return []
    e = _events.c
    wanted = sa.or_(
        e.type_name.in_(("user", "bot")),
        sa.and_(e.type_name == "action",
                e.action_name.in_(("action_default_fallback", "action_handover"))),
        sa.and_(e.type_name == "slot",
                e.action_name.in_(("satisfaction", "satisfaction_comment"))),
    )
    query = sa.select(e.id, e.sender_id, e.type_name, e.timestamp, e.intent_name, e.action_name,
                      e.data) \
        .where(wanted).order_by(e.sender_id, e.id)
    if since is not None:
        query = query.where(e.timestamp >= since.timestamp())
    if until is not None:
        query = query.where(e.timestamp < until.timestamp())
    found: List[Item] = []
    conversation: List[Any] = []
    current = None
    for row in connection.execute(query):
        if row.sender_id != current and conversation:
            found.extend(scan_conversation(conversation, threshold))
            conversation = []
        current = row.sender_id
        conversation.append(row)
    if conversation:
        found.extend(scan_conversation(conversation, threshold))
    skip = exclude or set()
    return sorted((i for i in found if i.event_id not in skip), key=lambda i: i.event_id)
