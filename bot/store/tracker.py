"""Rasa's SQL tracker store, without personal numbers in clear.

`endpoints.yml` names `bot.store.tracker.PrivateSQLTrackerStore` with the
database URL. It is Rasa's `SQLTrackerStore` (same `events` table, same
"save the events after those already stored" rule), except that:

- each event is written as `bot.privacy.protect_event` makes it: national
  ID, account and phone numbers masked in every text (user and bot texts,
  parse data, entities, metadata) but their last 4 digits, the values of
  sensitive slots sealed (encrypted with a key from NSSA_STORE_KEY), and
  every digit hidden in the citizen's answer to a sensitive slot's question
  (a one-time code, a date of birth);
- retrieving opens the sealed values, so the policies and the action server
  see what the citizen typed, and a form sends the real number to the back
  end, while the database never holds it in clear;
- events streamed to an event broker (`event_broker` in endpoints.yml) are
  protected exactly as the stored rows, the hidden answers included;
- the tracker of the turn in memory is not changed (masking works on copies);
- a turn that raced a conversation's deletion (it read the tracker before
  the worker erased it) is not written back: its events would restore the
  deleted conversation;
- the conversation's summary for the analytics (`bot.store.summaries`) is
  brought up to date in the same transaction as the events;
- a citizen's message keeps, of the classifier's `response_selector`, the
  answers ranked in its own intent's topic (and `default`, the same entry):
  the classifier ranks the answers of every topic, 14 of them, 12 of a user
  event's 14 KB, which nothing reads once the turn is over (Rasa's answer
  actions and ours read the latest message's own topic; the NLU context
  reads the bot's turns) but every later turn of the session read, parsed
  and sent to the action server again.

Masking does not change how many events are stored, so Rasa's count of the
events already stored stays right.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, Iterator, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY, RESPONSE_SELECTOR
from sqlalchemy.engine import Engine

from bot import rasa_fixes
from bot.privacy import SEALED_SLOTS, Sealer, install_log_masking, protect_event, reveal_event
from bot.store import summaries
from bot.store.db import kept_open
from bot.store.tables import conversation_deletions

__all__ = ["PrivateSQLTrackerStore"]

logger = logging.getLogger(__name__)

# The SQL of a turn, written once (SQLite and PostgreSQL alike): Rasa's ORM
# queries and unit of work were built anew for every turn, 2 to 3 ms of the
# Rasa server's CPU. "The latest session" is Rasa's own rule
# (`SQLTrackerStore._event_query`): the events from the latest
# `session_started` on, or all of them if there is none.
_LATEST_SESSION = (
    "FROM events, (SELECT max(timestamp) AS start FROM events "
    "WHERE sender_id = :sender AND type_name = 'session_started') AS latest "
    "WHERE events.sender_id = :sender AND (events.timestamp >= latest.start "
    "OR latest.start IS NULL)")
_READ_SESSION = sa.text(f"SELECT events.data {_LATEST_SESSION} ORDER BY events.id")
_READ_ALL = sa.text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id")
_STORED = f"(SELECT count(*) {_LATEST_SESSION})"
_COUNT = sa.text(f"SELECT {_STORED} AS stored").columns(stored=sa.Integer)
# With the time the conversation was erased, if it was (bot/store/deletions.py).
_COUNT_AND_DELETION = sa.text(
    f"SELECT {_STORED} AS stored, (SELECT done_at FROM {conversation_deletions.name} "
    "WHERE conversation_id = :sender) AS done_at"
).columns(stored=sa.Integer, done_at=conversation_deletions.c.done_at.type)

# Rasa logs every user message at DEBUG: mask the logs of the process that
# loads this store (the Rasa server) before the first message. The same
# process gets the project's speed fixes to Rasa (bot/rasa_fixes.py).
install_log_masking()
rasa_fixes.install()


def _lean(data: Dict[str, Any]) -> Dict[str, Any]:
    """A user event as stored: the answer rankings of its own topic only (module docstring).

    A new dict where anything changes: the parse data is shared with the event in memory.
    """
    parse = data.get("parse_data")
    if not isinstance(parse, dict) or not isinstance(parse.get(RESPONSE_SELECTOR), dict):
        return data
    selector: Dict[str, Any] = parse[RESPONSE_SELECTOR]
    intent = (parse.get("intent") or {}).get(INTENT_NAME_KEY)
    kept = {key: value for key, value in selector.items()
            if key in (intent, "default", "all_retrieval_intents")}
    return {**data, "parse_data": {**parse, RESPONSE_SELECTOR: kept}}


class PrivateSQLTrackerStore(SQLTrackerStore):
    """An SQL tracker store that masks texts and seals sensitive slots at rest."""

    engine: Engine

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        store_key: Optional[Text] = None,
        **kwargs: Any,
    ) -> None:
        if store_key is None:
            from bot.settings import load_settings

            store_key = load_settings().store_key
        self._sealer = Sealer(store_key)
        self._deletions_table = False
        super().__init__(domain=domain, host=host, event_broker=event_broker, **kwargs)
        self.engine = kept_open(self.engine)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self._insert = self.SQLEvent.__table__.insert()
        summaries.ensure(self.engine)

    def _protected(
        self, tracker: DialogueStateTracker, start: int
    ) -> Iterator[Tuple[Event, Dict[str, Any]]]:
        """Each event from index `start` with its masked and sealed form."""
        requested = None  # the form's question when each event happened
        for index, event in enumerate(tracker.events):
            answers_sealed_slot = isinstance(event, UserUttered) and requested in SEALED_SLOTS
            if isinstance(event, SlotSet) and event.key == REQUESTED_SLOT:
                requested = event.value
            if index >= start:
                protected = protect_event(
                    _lean(event.as_dict()), self._sealer, answers_sealed_slot=answers_sealed_slot
                )
                yield event, protected

    def _rows(
        self, tracker: DialogueStateTracker, stored: int
    ) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
        """Rows for the tracker's events after the first `stored`, and their data."""
        rows, datas = [], []
        for event, data in self._protected(tracker, stored):
            datas.append(data)
            intent = (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY)
            rows.append({
                "sender_id": tracker.sender_id,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": intent,
                "action_name": data.get("name"),
                "data": json.dumps(data),
            })
        return rows, datas

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events not stored yet, masked and sealed, in one transaction.

        The database work runs in a thread: Rasa's SQL store does it in the
        event loop, where every other conversation of the server waits for it.
        """
        if not tracker.events:
            return  # Rasa saves a new conversation's empty tracker: nothing to store.
        stored = await asyncio.to_thread(self._write, tracker)
        if stored is None:
            logger.info("A conversation was deleted while this turn ran; the turn is not stored.")
            return
        self._publish(tracker.sender_id, stored)
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)

    def _write(self, tracker: DialogueStateTracker) -> Optional[List[Dict[str, Any]]]:
        """The new events written (as stored), or None if the conversation was deleted."""
        with self.engine.begin() as connection:
            stored = self._stored(connection, tracker)
            if stored is None:
                return None  # nothing was written: the transaction ends empty
            rows, datas = self._rows(tracker, stored)
            if not rows:
                return datas
            connection.execute(self._insert, rows)
            self._summarise(connection, tracker.sender_id, datas)
            return datas

    def _stored(self, connection: Any, tracker: DialogueStateTracker) -> Optional[int]:
        """How many of the session's events are stored (one statement).

        None if the conversation was erased after this tracker's first event.
        """
        if not self._has_deletions(connection):
            return int(connection.execute(_COUNT, {"sender": tracker.sender_id}).scalar())
        stored, done_at = connection.execute(
            _COUNT_AND_DELETION, {"sender": tracker.sender_id}).one()
        timestamps = [event.timestamp for event in tracker.events if event.timestamp]
        # done_at comes back as an aware UTC datetime (tables.UtcDateTime).
        if done_at is not None and timestamps and min(timestamps) <= done_at.timestamp():
            return None
        return int(stored)

    @staticmethod
    def _summarise(connection: Any, sender_id: Text, datas: List[Dict[str, Any]]) -> None:
        """Add the turn to the conversation's summary; the events are stored whatever happens."""
        try:
            with connection.begin_nested():
                summaries.record(connection, [summaries.delta(sender_id, datas)])
        except sa.exc.SQLAlchemyError:
            logger.exception("The analytics summary of a conversation was not updated "
                             "(python -m bot metrics-rebuild makes them again).")

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publish the new events to the event broker, as protected as the stored rows.

        `save` publishes what it stored; this is Rasa's hook for other callers.
        """
        if self.event_broker is None:
            return
        old = await self.retrieve(tracker.sender_id)
        self._publish(tracker.sender_id, [
            data for _, data in self._protected(tracker, len(old.events) if old else 0)])

    def _publish(self, sender_id: Text, datas: List[Dict[str, Any]]) -> None:
        """Give the event broker, if any, each event as stored (protected)."""
        if self.event_broker is None:
            return
        for data in datas:
            self.event_broker.publish({"sender_id": sender_id, **data})

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        events = await asyncio.to_thread(self._read, sender_id, fetch_events_from_all_sessions)
        if not (self.domain and events):
            logger.debug("No stored conversation '%s'.", sender_id)
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def _read(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> List[Dict]:
        """The stored events of the conversation, unsealed (in a thread: see `save`)."""
        query = _READ_ALL if fetch_events_from_all_sessions else _READ_SESSION
        with self.engine.connect() as connection:
            datas = connection.execute(query, {"sender": sender_id}).scalars().all()
        return [reveal_event(json.loads(data), self._sealer) for data in datas]

    def _has_deletions(self, connection: Any) -> bool:
        """Whether the database has the deletions table (not one Rasa made alone).

        Looked up until found, not queried blindly: on PostgreSQL a failed
        query would abort the turn's transaction.
        """
        if not self._deletions_table:
            self._deletions_table = sa.inspect(connection).has_table(conversation_deletions.name)
        return self._deletions_table
