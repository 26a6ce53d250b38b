"""The conversation store keeps no personal number in clear (bot/store/tracker.py).

On SQLite and PostgreSQL: the raw `events` rows hold masked texts and sealed
slots, the retrieved tracker has the real slot values, the tracker of the
turn in memory is not changed, and Rasa's "store what is new" count holds.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Iterator, List

import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import SEAL_PREFIX
from bot.store.db import create_engine_for
from bot.store.deletions import ConversationDeletions
from bot.store.schema import upgrade
from bot.store.tables import conversation_deletions
from bot.store.tracker import PrivateSQLTrackerStore

NATIONAL_ID = "85031212345"
ACCOUNT = "NR94 1234 5678 9012 3456"
PHONE = "0412 345 678"
# Every way the numbers could appear in clear in the rows.
IN_CLEAR = (NATIONAL_ID, ACCOUNT, "941234567890123456", "1234 5678 9012", PHONE, "0412345678")

DOMAIN = Domain.from_dict(
    {
        "intents": ["change_bank_account"],
        "slots": {
            **{name: {"type": "any", "influence_conversation": False,
                      "mappings": [{"type": "custom"}]}
               for name in ("national_id", "new_account", "callback_phone", "otp_code", "city")},
            "misunderstood_count": {"type": "float", "initial_value": 0.0,
                                    "influence_conversation": False,
                                    "mappings": [{"type": "custom"}]},
        },
    }
)


@pytest.fixture
def url(store_url: str) -> str:
    upgrade(store_url)
    return store_url


@pytest.fixture
def store(url: str) -> Iterator[PrivateSQLTrackerStore]:
    store = PrivateSQLTrackerStore(DOMAIN, host=url, store_key="integration-key")
    yield store
    store.engine.dispose()


def raw_rows(url: str, sender: str) -> List[str]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            ).scalars())
    finally:
        engine.dispose()


def conversation(sender: str) -> DialogueStateTracker:
    text = f"my id is {NATIONAL_ID}, new account {ACCOUNT}, phone {PHONE}"
    now = time.time()
    return DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_session_start", timestamp=now),
            SessionStarted(timestamp=now),
            ActionExecuted("action_listen", timestamp=now),
            UserUttered(
                text,
                {"name": "change_bank_account", "confidence": 0.9},
                [{"entity": "number", "value": NATIONAL_ID, "start": 9, "end": 20}],
                parse_data={"text": text, "intent": {"name": "change_bank_account",
                                                     "confidence": 0.9}},
                timestamp=now,
            ),
            SlotSet("national_id", NATIONAL_ID, timestamp=now),
            SlotSet("new_account", ACCOUNT, timestamp=now),
            SlotSet("callback_phone", PHONE, timestamp=now),
            SlotSet("requested_slot", "otp_code", timestamp=now),
            ActionExecuted("action_listen", timestamp=now),
            UserUttered("481516", {"name": "out_of_scope", "confidence": 0.3}, timestamp=now),
            SlotSet("otp_code", "481516", timestamp=now),
            SlotSet("requested_slot", None, timestamp=now),
            SlotSet("city", "Westfjord", timestamp=now),
            BotUttered(f"Your new account ending 3456. We call {PHONE}.", timestamp=now),
            ActionExecuted("action_listen", timestamp=now),
        ],
        slots=DOMAIN.slots,
    )


async def test_rows_hold_no_personal_number_and_the_tracker_gets_the_values(
    store: PrivateSQLTrackerStore, url: str
) -> None:
    tracker = conversation("conv-1")
    await store.save(tracker)

    rows = raw_rows(url, "conv-1")
    assert len(rows) == len(tracker.events)
    stored = "\n".join(rows)
    for secret in IN_CLEAR + ("481516",):
        assert secret not in stored, secret
    assert "*******2345" in stored and "NR**************3456" in stored
    assert stored.count(SEAL_PREFIX) == 4  # the four sensitive slots
    assert '"Westfjord"' in stored  # an ordinary slot stays readable

    again = await store.retrieve("conv-1")
    assert again is not None
    assert again.get_slot("national_id") == NATIONAL_ID
    assert again.get_slot("new_account") == ACCOUNT
    assert again.get_slot("callback_phone") == PHONE
    assert again.get_slot("otp_code") == "481516"
    assert again.get_slot("city") == "Westfjord"
    answers = [e for e in again.events if isinstance(e, UserUttered)]
    assert answers[-1].text == "******"  # the one-time code, hidden whole
    assert answers[-1].intent_name == "out_of_scope"
    assert "*******2345" in answers[0].text
    # The turn's tracker in memory still has what the citizen typed.
    first = next(e for e in tracker.events if isinstance(e, UserUttered))
    assert NATIONAL_ID in first.text and first.parse_data["entities"][0]["value"] == NATIONAL_ID
    assert tracker.latest_message.text == "481516"


async def test_later_saves_store_only_the_new_events(
    store: PrivateSQLTrackerStore, url: str
) -> None:
    tracker = conversation("conv-2")
    await store.save(tracker)
    await store.save(tracker)  # nothing new
    assert len(raw_rows(url, "conv-2")) == len(tracker.events)

    tracker = await store.retrieve("conv-2")
    tracker.update(UserUttered(f"and my other id {NATIONAL_ID}", timestamp=time.time()))
    tracker.update(SlotSet("national_id", "85031212346", timestamp=time.time()))
    await store.save(tracker)
    rows = raw_rows(url, "conv-2")
    assert len(rows) == len(tracker.events)
    assert NATIONAL_ID not in "\n".join(rows) and "85031212346" not in "\n".join(rows)
    assert (await store.retrieve("conv-2")).get_slot("national_id") == "85031212346"


async def test_keys_lists_the_stored_conversations(store: PrivateSQLTrackerStore) -> None:
    """Rasa's `keys()` (rasa export, the conversations list) still reads our engine."""
    for sender in ("keys-1", "keys-2"):
        await store.save(conversation(sender))
    assert {"keys-1", "keys-2"} <= set(await store.keys())


async def test_each_saved_turn_is_counted_in_its_conversations_summary(
    store: PrivateSQLTrackerStore, url: str
) -> None:
    from bot.store.summaries import summaries

    def messages() -> List[tuple]:
        engine = create_engine_for(url)
        try:
            with engine.connect() as connection:
                return [tuple(r) for r in connection.execute(
                    sa.select(summaries.c.sender_id, summaries.c.messages))]
        finally:
            engine.dispose()

    tracker = conversation("conv-s")
    await store.save(tracker)
    assert messages() == [("conv-s", 2)]
    tracker = await store.retrieve("conv-s")
    tracker.update(UserUttered("one more", timestamp=time.time()))
    await store.save(tracker)
    assert messages() == [("conv-s", 3)]


def _selected(key: str) -> dict:
    return {"response": {"responses": None, "confidence": 0.8, "intent_response_key": key,
                         "utter_action": f"utter_{key}"},
            "ranking": [{"intent_response_key": key, "confidence": 0.8}]}


async def test_a_message_keeps_the_answer_ranking_of_its_own_topic_only(
    store: PrivateSQLTrackerStore, url: str
) -> None:
    selector = {"all_retrieval_intents": ["housing", "pension"],
                "pension": _selected("pension/age"), "housing": _selected("housing/rent"),
                "default": _selected("pension/age")}
    tracker = conversation("conv-lean")
    tracker.update(UserUttered("when can i retire", {"name": "pension", "confidence": 0.9},
                               parse_data={"text": "when can i retire",
                                           "intent": {"name": "pension", "confidence": 0.9},
                                           "response_selector": selector},
                               timestamp=time.time()))
    await store.save(tracker)
    stored = json.loads(raw_rows(url, "conv-lean")[-1])["parse_data"]["response_selector"]
    assert stored == {key: value for key, value in selector.items() if key != "housing"}
    # The turn in memory keeps every topic; the answer actions read the message's own.
    assert "housing" in tracker.latest_message.parse_data["response_selector"]
    retrieved = (await store.retrieve("conv-lean")).latest_message.parse_data
    assert retrieved["response_selector"]["pension"] == selector["pension"]


async def test_another_key_cannot_open_the_slots(store: PrivateSQLTrackerStore, url: str) -> None:
    await store.save(conversation("conv-3"))
    other = PrivateSQLTrackerStore(DOMAIN, host=url, store_key="another-key")
    try:
        tracker = await other.retrieve("conv-3")
    finally:
        other.engine.dispose()
    assert tracker.get_slot("national_id") is None
    assert tracker.get_slot("city") == "Westfjord"


async def test_a_turn_that_raced_a_deletion_is_not_stored(
    store: PrivateSQLTrackerStore, url: str
) -> None:
    tracker = conversation("conv-4")
    await store.save(tracker)
    engine = create_engine_for(url)
    try:
        ConversationDeletions(engine).request("conv-4", "rest")
        # What the worker does: erase the events and mark the request done.
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'conv-4'"))
            connection.execute(
                sa.update(conversation_deletions).values(done_at=datetime.now(timezone.utc))
            )
    finally:
        engine.dispose()
    tracker.update(UserUttered("hello again", timestamp=time.time()))
    await store.save(tracker)  # read before the deletion: would bring it all back
    assert raw_rows(url, "conv-4") == []

    fresh = await store.get_or_create_tracker("conv-4")  # a new conversation is stored
    assert fresh.events and len(raw_rows(url, "conv-4")) == len(fresh.events)


class RecordingBroker(EventBroker):
    """An event broker that keeps what it is given."""

    def __init__(self) -> None:
        self.published: List[dict] = []

    @classmethod
    async def from_endpoint_config(cls, broker_config: Any, event_loop: Any = None) -> Any:
        return cls()

    def publish(self, event: dict) -> None:
        self.published.append(event)


async def test_events_streamed_to_a_broker_are_as_protected_as_the_stored_ones(url: str) -> None:
    broker = RecordingBroker()
    store = PrivateSQLTrackerStore(DOMAIN, host=url, store_key="integration-key",
                                   event_broker=broker)
    try:
        tracker = conversation("conv-broker")
        await store.save(tracker)
    finally:
        store.engine.dispose()
    assert len(broker.published) == len(tracker.events)
    assert {body["sender_id"] for body in broker.published} == {"conv-broker"}
    assert [body["event"] for body in broker.published] == [
        e.as_dict()["event"] for e in tracker.events]
    streamed = json.dumps(broker.published)
    for secret in IN_CLEAR + ("481516",):
        assert secret not in streamed, secret
    assert "*******2345" in streamed and streamed.count(SEAL_PREFIX) == 4


async def test_the_full_tracker_holds_every_session_and_the_last_one_only_its_own(
    store: PrivateSQLTrackerStore,
) -> None:
    first = conversation("conv-sessions")
    await store.save(first)
    later = time.time() + 1
    second = DialogueStateTracker.from_events(
        "conv-sessions",
        list(first.events) + [
            ActionExecuted("action_session_start", timestamp=later),
            SessionStarted(timestamp=later),
            SlotSet("city", "Eastmere", timestamp=later),
            ActionExecuted("action_listen", timestamp=later),
        ],
        slots=DOMAIN.slots,
    )
    await store.save(second)
    full = await store.retrieve_full_tracker("conv-sessions")
    last = await store.retrieve("conv-sessions")
    assert full is not None and last is not None
    assert len(full.events) == len(second.events)
    assert len(last.events) == 4 and last.get_slot("city") == "Eastmere"
    # The first session's sealed values are opened again too.
    opened = [e.value for e in full.events if isinstance(e, SlotSet) and e.key == "national_id"]
    assert opened == [NATIONAL_ID]
    # A turn of the last session stores its new event (counted within that session).
    last.update(UserUttered("one more", timestamp=later))
    await store.save(last)
    assert (await store.retrieve("conv-sessions")).latest_message.text == "one more"


async def test_the_tracker_has_the_domains_slots(store: PrivateSQLTrackerStore) -> None:
    await store.save(conversation("conv-slots"))
    again = await store.retrieve("conv-slots")
    assert again.get_slot("misunderstood_count") == 0.0  # the domain's initial value


async def test_rows_keep_the_intent_and_action_names_for_queries(
    store: PrivateSQLTrackerStore, url: str
) -> None:
    await store.save(conversation("conv-names"))
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT type_name, intent_name, action_name FROM events "
                "WHERE sender_id = 'conv-names' ORDER BY id")).all()
    finally:
        engine.dispose()
    assert rows[0] == ("action", None, "action_session_start")
    assert ("user", "change_bank_account", None) in rows
    assert ("user", "out_of_scope", None) in rows


async def test_a_deletion_done_at_the_turns_first_event_still_counts(
    store: PrivateSQLTrackerStore, url: str
) -> None:
    at = 1_790_000_000.0
    tracker = DialogueStateTracker.from_events(
        "conv-edge", [ActionExecuted("action_listen", timestamp=at),
                      UserUttered("hello", timestamp=at)], slots=DOMAIN.slots)
    engine = create_engine_for(url)
    try:
        ConversationDeletions(engine).request("conv-edge", "rest")
        with engine.begin() as connection:
            connection.execute(sa.update(conversation_deletions).values(
                done_at=datetime.fromtimestamp(at, timezone.utc)))
    finally:
        engine.dispose()
    await store.save(tracker)
    assert raw_rows(url, "conv-edge") == []


async def test_a_database_rasa_made_alone_stores_turns(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'rasa-only.db'}"  # no project tables: no deletions to check
    alone = PrivateSQLTrackerStore(DOMAIN, host=url, store_key="integration-key")
    try:
        await alone.save(conversation("conv-alone"))
        assert len(raw_rows(url, "conv-alone")) == len(conversation("conv-alone").events)
    finally:
        alone.engine.dispose()


def test_without_a_key_the_settings_give_it(url: str, monkeypatch) -> None:
    from pathlib import Path as _Path

    from bot.settings import load_settings

    settings = load_settings(environ={"NSSA_STORE_KEY": "from-settings-key"},
                             env_file=_Path("/nonexistent"))
    monkeypatch.setattr("bot.settings.load_settings", lambda: settings)
    store = PrivateSQLTrackerStore(DOMAIN, host=url)
    try:
        token = store._sealer.seal("x")
    finally:
        store.engine.dispose()
    from bot.privacy import Sealer

    assert Sealer("from-settings-key").unseal(token) == "x"


async def test_a_later_save_streams_only_the_new_events(url: str) -> None:
    broker = RecordingBroker()
    store = PrivateSQLTrackerStore(DOMAIN, host=url, store_key="integration-key",
                                   event_broker=broker)
    try:
        tracker = conversation("conv-stream")
        await store.save(tracker)
        before = len(broker.published)
        tracker.update(UserUttered("and one more", timestamp=time.time()))
        await store.save(tracker)
    finally:
        store.engine.dispose()
    assert [body.get("text") for body in broker.published[before:]] == ["and one more"]


async def test_the_database_may_be_given_in_parts(tmp_path) -> None:
    path = tmp_path / "parts.db"
    store = PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path),
                                   store_key="integration-key")
    try:
        await store.save(conversation("conv-parts"))
    finally:
        store.engine.dispose()
    assert len(raw_rows(f"sqlite:///{path}", "conv-parts")) == len(
        conversation("conv-parts").events)


# --- what a turn costs the database -------------------------------------------------


def _transactions(store: PrivateSQLTrackerStore) -> List[str]:
    """Every transaction of the store's engine as it ends: commit or rollback."""
    ended: List[str] = []
    sa.event.listen(store.engine, "commit", lambda _connection: ended.append("commit"))
    sa.event.listen(store.engine, "rollback", lambda _connection: ended.append("rollback"))
    return ended


async def test_a_turn_is_stored_in_one_transaction(store: PrivateSQLTrackerStore) -> None:
    ended = _transactions(store)
    tracker = conversation("conv-one")
    await store.save(tracker)
    assert ended.count("commit") == 1
    ended.clear()
    tracker.update(UserUttered("and one more question", timestamp=time.time()))
    await store.save(tracker)
    assert ended.count("commit") == 1


def _statements(store: PrivateSQLTrackerStore) -> List[str]:
    """The first word of every statement the store's engine sends (savepoints included)."""
    sent: List[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda _c, _cursor, statement, *_rest: sent.append(statement.split()[0]))
    return sent


async def test_a_turn_costs_one_read_and_a_write_of_five_statements(
    store: PrivateSQLTrackerStore, url: str
) -> None:
    # Erased conversations are checked in the same statement as the count of
    # the stored events; the summary takes its start without a look-up first.
    engine = create_engine_for(url)
    try:
        ConversationDeletions(engine).request("conv-other", "rest")
    finally:
        engine.dispose()
    await store.save(conversation("conv-cost"))
    sent = _statements(store)
    tracker = await store.retrieve("conv-cost")
    assert sent == ["SELECT"]
    sent.clear()
    tracker.update(UserUttered("and one more question", {"name": "change_bank_account",
                                                         "confidence": 0.9},
                               timestamp=time.time()))
    await store.save(tracker)
    # The count (with the deletion), the events, and the summary in a savepoint.
    assert [word.upper() for word in sent] == [
        "SELECT", "INSERT", "SAVEPOINT", "INSERT", "INSERT", "RELEASE"]
    assert len(raw_rows(url, "conv-cost")) == len(tracker.events)


async def test_a_new_conversations_empty_tracker_costs_no_transaction(
    store: PrivateSQLTrackerStore,
) -> None:
    # Rasa saves the empty tracker it creates for a new conversation.
    ended = _transactions(store)
    await store.save(DialogueStateTracker("conv-new", DOMAIN.slots))
    assert ended == []


async def test_an_sqlite_store_logs_ahead_and_syncs_every_commit(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    upgrade(url)
    store = PrivateSQLTrackerStore(DOMAIN, host=url, store_key="integration-key")
    try:
        await store.save(conversation("conv-wal"))
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            # 2: FULL, a commit is on disk when it returns (bot/store/db.py).
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    finally:
        store.engine.dispose()


async def test_rasas_stream_events_hook_publishes_the_unstored_events_protected(url: str) -> None:
    # `save` publishes what it stores; Rasa's own stores call `stream_events`
    # from their `save`, and any other caller gets the same protection.
    broker = RecordingBroker()
    store = PrivateSQLTrackerStore(DOMAIN, host=url, store_key="integration-key",
                                   event_broker=broker)
    silent = PrivateSQLTrackerStore(DOMAIN, host=url, store_key="integration-key")
    try:
        unsaved = conversation("conv-hook-new")
        await store.stream_events(unsaved)  # nothing stored yet: every event
        assert len(broker.published) == len(unsaved.events)
        broker.published.clear()
        tracker = conversation("conv-hook")
        await silent.save(tracker)
        await silent.stream_events(tracker)  # no broker: nothing to do, no error
        tracker.update(UserUttered("my national ID is 85031212345", timestamp=time.time()))
        await store.stream_events(tracker)
    finally:
        store.engine.dispose()
        silent.engine.dispose()
    assert [body["event"] for body in broker.published] == ["user"]
    assert broker.published[0]["sender_id"] == "conv-hook"
    assert "85031212345" not in json.dumps(broker.published)
    assert "*******2345" in broker.published[0]["text"]
