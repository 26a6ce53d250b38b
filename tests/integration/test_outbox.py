"""The outbox, processed webhooks and schema upgrades on a real database.

Every test runs on an SQLite file and on PostgreSQL (`database_url`; pass
`--postgres-url`). On PostgreSQL each test gets a schema of its own, so the
tests neither see each other's rows nor Rasa's `events` of other tests.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.errors import StoreError
from bot.settings import PROJECT_ROOT
from bot.store import Outbox, ProcessedWebhooks, create_engine_for
from bot.store.delivery import deliver_due, notify_delivered, run_worker
from bot.store.outbox import OutboxItem
from bot.store.schema import (
    VERSION_TABLE,
    current_revision,
    head_revision,
    include_name,
    upgrade,
)
from bot.store.tables import DELIVERED, FAILED, PENDING, metadata
from clients.errors import BackendUnavailable, SlotTaken
from clients.http import RetryPolicy, idempotency_key
from tests.api.fakes import cms_error, make_cms, reply

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CASE = {
    "reference": "NSSA-2026-000123",
    "type": "address_change",
    "status": "received",
    "created_at": "2026-03-02T09:20:00Z",
}
PAYLOAD = {
    "case_type": "address_change",
    "fields": {"street": "Fjordgata 7 – Åsen", "postcode": "3100", "city": "Northhaven"},
    "channel": "telegram",
    "person_id": "P-1001",
    "verification_level": 2,
}


# -- fixtures ---------------------------------------------------------------


@pytest.fixture
def outbox(engine: Engine) -> Outbox:
    """An outbox on the test database."""
    return Outbox(engine)


def add(outbox: Outbox, key: str = "k1", kind: str = "cms_case", **kw: Any) -> OutboxItem:
    """Add a request with the sample payload (created at T0 unless `now` says otherwise)."""
    kw.setdefault("now", T0)
    return outbox.add(kind, "citizen-1", "telegram", key, PAYLOAD, **kw)


def count(engine: Engine, table: str = "outbox") -> int:
    """Rows in a table."""
    with engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def raising(exc: Exception) -> Any:
    """A handler raising `exc`."""

    async def handler(payload: Dict[str, Any], key: str) -> Dict[str, Any]:
        raise exc

    return handler


# -- add and get ---------------------------------------------------------------


class TestAdd:
    def test_add_keeps_the_request_pending_and_due_at_once(self, outbox: Outbox) -> None:
        item = add(outbox)
        assert (item.state, item.attempts, item.next_attempt_at) == (PENDING, 0, T0)
        assert item.payload == PAYLOAD
        assert item.created_at == T0 and item.created_at.tzinfo is not None
        assert outbox.get("cms_case", "k1") == item
        assert outbox.get_by_id(item.id) == item
        assert outbox.get("cms_case", "k2") is None and outbox.get("other", "k1") is None

    def test_add_same_kind_and_key_again_returns_the_first_row(
        self, outbox: Outbox, engine: Engine
    ) -> None:
        first = add(outbox)
        again = outbox.add("cms_case", "citizen-1", "telegram", "k1", {"other": 1}, now=T0)
        assert again.id == first.id and again.payload == PAYLOAD
        assert count(engine) == 1

    def test_same_key_of_another_kind_is_another_request(
        self, outbox: Outbox, engine: Engine
    ) -> None:
        assert add(outbox).id != add(outbox, kind="housing_application").id
        assert count(engine) == 2

    def test_concurrent_adds_from_two_engines_make_one_row(self, url: str) -> None:
        engines = [create_engine_for(url) for _ in range(2)]
        outboxes = [Outbox(engine) for engine in engines for _ in range(4)]
        start = threading.Barrier(len(outboxes))

        def add_once(box: Outbox) -> int:
            start.wait()
            return add(box, key="same").id

        try:
            with ThreadPoolExecutor(len(outboxes)) as pool:
                ids = set(pool.map(add_once, outboxes))
            assert len(ids) == 1
            assert count(engines[0]) == 1
        finally:
            for engine in engines:
                engine.dispose()

    def test_add_takes_a_session_factory(self, engine: Engine) -> None:
        box = Outbox(sessionmaker(bind=engine, future=True))
        assert box.get_by_id(add(box).id) is not None

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("kind", "", "kind must be a non-empty string"),
            ("idempotency_key", "k" * 129, "idempotency_key is longer than 128"),
            ("conversation_id", "c" * 256, "conversation_id is longer than 255"),
        ],
        ids=["empty-kind", "long-key", "long-conversation-id"],
    )
    def test_bad_fields_are_refused_by_name(
        self, outbox: Outbox, field: str, value: str, message: str
    ) -> None:
        values = {"kind": "cms_case", "conversation_id": "c", "channel": "sms"}
        values.update({"idempotency_key": "k", field: value})
        with pytest.raises(ValueError, match=message):
            outbox.add(payload=PAYLOAD, **values)

    def test_a_payload_that_is_not_json_is_refused_before_storing(
        self, outbox: Outbox, engine: Engine
    ) -> None:
        with pytest.raises(TypeError, match="payload is not JSON.*datetime"):
            outbox.add("cms_appointment", "c", "sms", "k", {"start": T0})
        assert count(engine) == 0


# -- claiming --------------------------------------------------------------------


class TestDue:
    def test_due_claims_the_oldest_first_and_counts_the_attempt(self, outbox: Outbox) -> None:
        for n in range(3):
            add(outbox, key=f"k{n}", now=T0 + timedelta(seconds=n))
        first = outbox.due(T0 + timedelta(minutes=1), limit=2)
        assert [i.idempotency_key for i in first] == ["k0", "k1"]
        assert all(i.attempts == 1 and i.claimed_by for i in first)
        rest = outbox.due(T0 + timedelta(minutes=1), limit=2)
        assert [i.idempotency_key for i in rest] == ["k2"]
        assert outbox.due(T0 + timedelta(minutes=2)) == []

    def test_due_leaves_rows_not_due_yet_and_kinds_not_asked_for(self, outbox: Outbox) -> None:
        add(outbox, key="later", now=T0 + timedelta(hours=1))
        add(outbox, key="housing", kind="housing_application")
        assert outbox.due(T0, kinds=["cms_case"]) == []
        assert [i.kind for i in outbox.due(T0)] == ["housing_application"]

    def test_a_claim_whose_lease_ran_out_is_taken_again(self, outbox: Outbox) -> None:
        add(outbox)
        (claimed,) = outbox.due(T0)
        assert outbox.due(T0 + outbox.lease - timedelta(seconds=1)) == []
        (again,) = outbox.due(T0 + outbox.lease)
        assert again.id == claimed.id and again.attempts == 2
        assert again.claimed_by != claimed.claimed_by

    def test_concurrent_claims_never_hand_out_a_row_twice(self, url: str) -> None:
        engines = [create_engine_for(url) for _ in range(2)]
        seeder = Outbox(engines[0])
        for n in range(40):
            add(seeder, key=f"k{n}")
        workers = [Outbox(engines[n % 2]) for n in range(6)]
        start = threading.Barrier(len(workers))

        def claim_all(box: Outbox) -> List[int]:
            start.wait()
            ids: List[int] = []
            while batch := box.due(T0 + timedelta(seconds=1), limit=3):
                ids += [item.id for item in batch]
            return ids

        try:
            with ThreadPoolExecutor(len(workers)) as pool:
                claims = [i for ids in pool.map(claim_all, workers) for i in ids]
            assert sorted(claims) == sorted(set(claims)) and len(claims) == 40
        finally:
            for engine in engines:
                engine.dispose()

    def test_a_row_another_worker_is_claiming_is_passed_over_not_waited_for(
        self, url: str, outbox: Outbox
    ) -> None:
        if sa.engine.make_url(url).get_backend_name() != "postgresql":
            pytest.skip("row locks: PostgreSQL only (SQLite claims in one statement)")
        add(outbox, key="k0", now=T0)
        add(outbox, key="k1", now=T0 + timedelta(seconds=1))
        other = create_engine_for(url)
        try:
            with other.connect() as connection, connection.begin() as claiming:
                # Another worker's claim holds the oldest row, its transaction still open.
                connection.execute(sa.text(
                    "SELECT id FROM outbox WHERE idempotency_key = 'k0' FOR UPDATE"))
                with ThreadPoolExecutor(1) as pool:
                    claim = pool.submit(outbox.due, T0 + timedelta(minutes=1), limit=2)
                    try:
                        taken = claim.result(timeout=10)
                    finally:
                        claiming.rollback()  # a claim left waiting for the lock ends too
                assert [i.idempotency_key for i in taken] == ["k1"]
        finally:
            other.dispose()


# -- delivery ----------------------------------------------------------------------


class TestDelivery:
    async def test_success_marks_delivered_with_the_result(self, outbox: Outbox) -> None:
        item = add(outbox)
        calls: List[Any] = []

        async def create_case(payload: Dict[str, Any], key: str) -> Dict[str, Any]:
            calls.append((payload, key))
            return {"reference": "NSSA-2026-000123"}

        assert await deliver_due(outbox, {"cms_case": create_case}, now=T0) == 1
        assert calls == [(PAYLOAD, "k1")]
        done = outbox.get_by_id(item.id)
        assert done is not None and done.state == DELIVERED
        assert done.result == {"reference": "NSSA-2026-000123"} and done.delivered_at == T0
        assert done.claimed_by is None and done.last_error is None
        assert await deliver_due(outbox, {"cms_case": create_case}, now=T0) == 0

    async def test_unavailable_keeps_it_pending_with_growing_backoff(self, outbox: Outbox) -> None:
        item = add(outbox)
        handlers = {"cms_case": raising(BackendUnavailable("cms", "HTTP 503", status=503))}
        assert await deliver_due(outbox, handlers, now=T0) == 0
        first = outbox.get_by_id(item.id)
        assert first is not None and first.state == PENDING and first.attempts == 1
        assert first.last_error == "BackendUnavailable: cms unavailable after 1 attempt: HTTP 503"
        # backoff(1): 30 s with equal jitter, so 15 to 30 s.
        assert T0 + timedelta(seconds=15) <= first.next_attempt_at <= T0 + timedelta(seconds=30)
        assert first.claimed_by is None
        assert outbox.due(first.next_attempt_at - timedelta(microseconds=1)) == []

        await deliver_due(outbox, handlers, now=first.next_attempt_at)
        second = outbox.get_by_id(item.id)
        assert second is not None and second.attempts == 2
        wait = second.next_attempt_at - first.next_attempt_at
        assert timedelta(seconds=30) <= wait <= timedelta(seconds=60)

    async def test_unavailable_with_retry_after_waits_that_long(self, outbox: Outbox) -> None:
        item = add(outbox, kind="housing_application")
        closed = BackendUnavailable("housing", "HTTP 503", status=503, retry_after=7200)
        await deliver_due(outbox, {"housing_application": raising(closed)}, now=T0)
        kept = outbox.get_by_id(item.id)
        assert kept is not None and kept.state == PENDING
        assert kept.next_attempt_at >= T0 + timedelta(hours=2)

    async def test_rejected_marks_failed_without_the_servers_message(self, outbox: Outbox) -> None:
        item = add(outbox, kind="cms_appointment")
        taken = SlotTaken(409, "slot_taken", "slot for 12345678901 taken", backend="cms")
        assert await deliver_due(outbox, {"cms_appointment": raising(taken)}, now=T0) == 0
        failed = outbox.get_by_id(item.id)
        assert failed is not None and failed.state == FAILED
        assert failed.last_error == "SlotTaken: cms rejected the request: HTTP 409 slot_taken"
        assert outbox.due(T0 + timedelta(days=1)) == []
        assert outbox.undelivered_notifications(T0 + timedelta(days=1)) == []

    async def test_any_other_error_is_retried_and_kept_by_class_name_only(
        self, outbox: Outbox
    ) -> None:
        item = add(outbox)
        bug = KeyError("national id 12345678901")
        await deliver_due(outbox, {"cms_case": raising(bug)}, now=T0)
        kept = outbox.get_by_id(item.id)
        assert kept is not None and kept.state == PENDING and kept.last_error == "KeyError"

    async def test_with_the_real_cms_client_unavailable_then_created(self, outbox: Outbox) -> None:
        key = idempotency_key("citizen-1", "address_change", PAYLOAD)
        item = outbox.add("cms_case", "citizen-1", "telegram", key, PAYLOAD, now=T0)
        cms, script, _ = make_cms(
            cms_error(503, "unavailable"), reply(201, CASE), retry=RetryPolicy(max_attempts=1)
        )

        async def create_case(payload: Dict[str, Any], key: str) -> Dict[str, Any]:
            case, _ = await cms.create_case(**payload, idempotency_key=key)
            return {"reference": case.reference}

        assert await deliver_due(outbox, {"cms_case": create_case}, now=T0) == 0
        retry = outbox.get_by_id(item.id)
        assert retry is not None and retry.state == PENDING
        later = T0 + timedelta(hours=1)
        assert await deliver_due(outbox, {"cms_case": create_case}, now=later) == 1
        assert [r.headers["Idempotency-Key"] for r in script.requests] == [key, key]
        sent = {k: v for k, v in PAYLOAD.items() if k != "case_type"}
        assert script.body() == {**sent, "type": "address_change"}
        done = outbox.get_by_id(item.id)
        assert done is not None and done.result == {"reference": "NSSA-2026-000123"}
        await cms.aclose()

    async def test_rejection_by_the_real_cms_client_fails_the_row(self, outbox: Outbox) -> None:
        item = add(outbox)
        cms, _, _ = make_cms(cms_error(403, "verification_required"))

        async def create_case(payload: Dict[str, Any], key: str) -> Dict[str, Any]:
            case, _ = await cms.create_case(**payload, idempotency_key=key)
            return {"reference": case.reference}

        await deliver_due(outbox, {"cms_case": create_case}, now=T0)
        failed = outbox.get_by_id(item.id)
        assert failed is not None and failed.state == FAILED
        assert failed.last_error is not None and "403 verification_required" in failed.last_error
        await cms.aclose()

    def test_two_worker_processes_never_deliver_a_row_twice(self, url: str) -> None:
        engines = [create_engine_for(url) for _ in range(2)]
        seeder = Outbox(engines[0])
        keys = [f"k{n}" for n in range(24)]
        for key in keys:
            add(seeder, key=key)
        sent: List[str] = []
        lock = threading.Lock()

        async def handler(payload: Dict[str, Any], key: str) -> Dict[str, Any]:
            with lock:
                sent.append(key)
            await asyncio.sleep(0.01)
            return {"reference": key}

        start = threading.Barrier(2)

        def worker(engine: Engine) -> int:
            box = Outbox(engine)
            start.wait()

            async def drain() -> int:
                total = 0
                while len(set(sent)) < len(keys):
                    total += await deliver_due(box, {"cms_case": handler}, limit=3)
                    await asyncio.sleep(0)
                return total

            return asyncio.run(drain())

        try:
            with ThreadPoolExecutor(2) as pool:
                delivered = list(pool.map(worker, engines))
            assert sum(delivered) == len(keys)
            assert sorted(sent) == sorted(keys)  # each key sent once, none twice
        finally:
            for engine in engines:
                engine.dispose()

    def test_delivered_after_a_retry_keeps_no_error(self, outbox: Outbox) -> None:
        item = add(outbox)
        assert outbox.mark_retry(item.id, "cms: timeout", T0 + timedelta(minutes=1))
        assert outbox.get_by_id(item.id).last_error == "cms: timeout"  # type: ignore[union-attr]
        assert outbox.mark_delivered(item.id, {"reference": "A"}, now=T0)
        done = outbox.get_by_id(item.id)
        assert done is not None and done.state == DELIVERED and done.last_error is None

    def test_a_claim_of_no_rows_is_refused(self, outbox: Outbox) -> None:
        with pytest.raises(ValueError, match="^limit must be at least 1$"):
            outbox.due(T0, limit=0)

    def test_a_row_already_finished_is_not_changed(self, outbox: Outbox) -> None:
        item = add(outbox)
        assert outbox.mark_delivered(item.id, {"reference": "A"}, now=T0)
        assert not outbox.mark_delivered(item.id, {"reference": "B"}, now=T0)
        assert not outbox.mark_retry(item.id, "late", T0)
        assert not outbox.mark_failed(item.id, "late")
        done = outbox.get_by_id(item.id)
        assert done is not None and done.state == DELIVERED and done.result == {"reference": "A"}


# -- notifying the citizen ------------------------------------------------------------


class TestNotify:
    async def test_a_refused_request_is_offered_to_tell_the_citizen_too(
        self, outbox: Outbox
    ) -> None:
        item = add(outbox)
        outbox.mark_failed(item.id, "BackendRejected: cms 422")
        told: List[str] = []

        async def tell(item: OutboxItem) -> bool:
            told.append(item.state)
            return True

        assert await notify_delivered(outbox, tell, now=T0) == 1
        assert told == ["failed"]

    async def test_notified_only_when_notify_says_so(self, outbox: Outbox) -> None:
        item = add(outbox)
        outbox.mark_delivered(item.id, {"reference": "NSSA-1"}, now=T0)
        told: List[OutboxItem] = []

        def cannot_reach(item: OutboxItem) -> bool:
            told.append(item)
            return False

        assert await notify_delivered(outbox, cannot_reach, now=T0) == 0
        assert outbox.get_by_id(item.id).notified_at is None  # type: ignore[union-attr]
        # Claimed for the lease: not offered again at once, but after it.
        assert outbox.undelivered_notifications(T0 + timedelta(seconds=1)) == []

        async def reached(item: OutboxItem) -> bool:
            told.append(item)
            return True

        later = T0 + outbox.lease
        assert await notify_delivered(outbox, reached, now=later) == 1
        assert [t.result for t in told] == [{"reference": "NSSA-1"}] * 2
        notified = outbox.get_by_id(item.id)
        assert notified is not None and notified.notified_at is not None
        assert outbox.undelivered_notifications(later + timedelta(days=1)) == []
        assert not outbox.mark_notified(item.id)

    async def test_a_notify_that_raises_leaves_the_row_to_try_again(self, outbox: Outbox) -> None:
        item = add(outbox)
        outbox.mark_delivered(item.id, {"reference": "NSSA-1"}, now=T0)

        def broken(item: OutboxItem) -> bool:
            raise RuntimeError("channel down")

        assert await notify_delivered(outbox, broken, now=T0) == 0
        (again,) = outbox.undelivered_notifications(T0 + outbox.lease)
        assert again.id == item.id

    def test_failed_rows_are_offered_only_when_asked_for(self, outbox: Outbox) -> None:
        item = add(outbox)
        outbox.mark_failed(item.id, "SlotTaken")
        assert outbox.undelivered_notifications(T0) == []
        (failed,) = outbox.undelivered_notifications(T0, states=(DELIVERED, FAILED))
        assert failed.state == FAILED

    async def test_run_worker_delivers_notifies_and_stops(self, outbox: Outbox) -> None:
        item = add(outbox)
        stop = asyncio.Event()
        notified = asyncio.Event()

        async def create_case(payload: Dict[str, Any], key: str) -> Dict[str, Any]:
            return {"reference": "NSSA-9"}

        def notify(item: OutboxItem) -> bool:
            notified.set()
            return True

        task = asyncio.create_task(
            run_worker(outbox, {"cms_case": create_case}, 0.05, stop, notify=notify)
        )
        await asyncio.wait_for(notified.wait(), timeout=10)
        stop.set()
        await asyncio.wait_for(task, timeout=10)
        done = outbox.get_by_id(item.id)
        assert done is not None and done.state == DELIVERED and done.notified_at is not None


# -- restart ----------------------------------------------------------------------------


def test_pending_requests_survive_a_restart(url: str) -> None:
    engine = create_engine_for(url)
    box = Outbox(engine)
    add(box, key="in-flight")
    add(box, key="waiting", now=T0 + timedelta(seconds=1))
    box.due(T0, limit=1)  # a worker claimed "in-flight", then its process died
    engine.dispose()

    engine = create_engine_for(url)
    try:
        box = Outbox(engine)
        (waiting,) = box.due(T0 + timedelta(seconds=1))
        assert waiting.idempotency_key == "waiting" and waiting.payload == PAYLOAD
        box.mark_delivered(waiting.id, {"reference": "NSSA-1"})
        # The dead worker's row comes back when its lease ends.
        (reclaimed,) = box.due(T0 + box.lease)
        assert reclaimed.idempotency_key == "in-flight" and reclaimed.attempts == 2
    finally:
        engine.dispose()


# -- processed webhooks -------------------------------------------------------------------


class TestProcessedWebhooks:
    def test_first_time_then_duplicate(self, engine: Engine) -> None:
        seen = ProcessedWebhooks(engine)
        assert seen.first_time("telegram", "1001")
        assert not seen.first_time("telegram", "1001")
        assert seen.first_time("twilio", "1001")  # ids are per source

    def test_duplicate_is_seen_across_two_engines(self, url: str) -> None:
        one, two = create_engine_for(url), create_engine_for(url)
        try:
            assert ProcessedWebhooks(one).first_time("cms_event", "evt-1")
            assert not ProcessedWebhooks(two).first_time("cms_event", "evt-1")
        finally:
            one.dispose()
            two.dispose()

    def test_concurrent_deliveries_of_one_id_give_one_true(self, url: str) -> None:
        engines = [create_engine_for(url) for _ in range(2)]
        receivers = [ProcessedWebhooks(engines[n % 2]) for n in range(8)]
        start = threading.Barrier(len(receivers))

        def receive(seen: ProcessedWebhooks) -> bool:
            start.wait()
            return seen.first_time("twilio", "SM0123456789abcdef")

        try:
            with ThreadPoolExecutor(len(receivers)) as pool:
                answers = list(pool.map(receive, receivers))
            assert answers.count(True) == 1
        finally:
            for engine in engines:
                engine.dispose()

    def test_forget_lets_a_redelivery_in_and_prune_drops_old_ids(self, engine: Engine) -> None:
        seen = ProcessedWebhooks(engine)
        seen.first_time("telegram", "1", now=T0)
        seen.first_time("telegram", "2", now=T0 + timedelta(days=3))
        assert seen.forget("telegram", "2") and not seen.forget("telegram", "2")
        assert seen.first_time("telegram", "2", now=T0 + timedelta(days=3))
        assert seen.prune(before=T0 + timedelta(days=1)) == 1
        assert seen.first_time("telegram", "1")
        assert not seen.first_time("telegram", "2")


# -- schema ----------------------------------------------------------------------------------


RASA_EVENTS = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""


def _events_snapshot(engine: Engine) -> Any:
    inspector = sa.inspect(engine)
    columns = [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns("events")]
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM events ORDER BY id")).all()
    return columns, inspector.get_indexes("events"), [tuple(r) for r in rows]


class TestSchema:
    def test_upgrade_twice_is_a_no_op_and_leaves_rasas_events_alone(self, store_url: str) -> None:
        engine = create_engine_for(store_url)
        try:
            with engine.begin() as connection:
                connection.execute(sa.text(RASA_EVENTS))
                connection.execute(sa.text("CREATE INDEX ix_events_sender ON events (sender_id)"))
                row = "(1, 'c-1', 'user', 1.5, 'greet', NULL, '{}')"
                connection.execute(sa.text(f"INSERT INTO events VALUES {row}"))
            before = _events_snapshot(engine)
            assert current_revision(store_url) is None

            upgrade(store_url)
            tables = set(sa.inspect(engine).get_table_names())
            assert {"events", "outbox", "processed_webhooks", VERSION_TABLE} <= tables
            assert current_revision(store_url) == head_revision()

            with engine.begin() as connection:
                connection.execute(
                    sa.text("INSERT INTO processed_webhooks VALUES ('telegram', '1', :t)"),
                    {"t": "2026-03-02 09:00:00"},
                )
            upgrade(store_url)
            assert current_revision(store_url) == head_revision()
            assert count(engine, "processed_webhooks") == 1
            assert _events_snapshot(engine) == before
        finally:
            engine.dispose()

    def test_rasas_own_tracker_store_keeps_working_beside_our_tables(
        self, store_url: str
    ) -> None:
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.events import UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

        store = SQLTrackerStore(Domain.empty(), host=store_url)
        tracker = DialogueStateTracker("citizen-1", slots=[])
        tracker.update(UserUttered("Hei Åse"))
        asyncio.run(store.save(tracker))
        upgrade(store_url)
        upgrade(store_url)
        again = SQLTrackerStore(Domain.empty(), host=store_url)
        restored = asyncio.run(again.retrieve("citizen-1"))
        assert restored is not None and restored.latest_message.text == "Hei Åse"

    def test_concurrent_upgrades_from_several_processes_all_succeed(self, store_url: str) -> None:
        code = "import sys; from bot.store.schema import upgrade; upgrade(sys.argv[1])"
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", code, store_url],
                cwd=PROJECT_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        for process in processes:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
        assert current_revision(store_url) == head_revision()

    def test_concurrent_upgrades_from_threads_of_one_process(self, store_url: str) -> None:
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(upgrade, [store_url] * 3))
        assert current_revision(store_url) == head_revision()

    def test_tables_module_and_migrations_agree(self, engine: Engine) -> None:
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        with engine.begin() as connection:
            connection.execute(sa.text(RASA_EVENTS))
            options = {"include_name": include_name, "compare_type": True}
            context = MigrationContext.configure(connection, opts=options)
            # Nothing to add, change or drop: in particular no drop of `events`.
            assert compare_metadata(context, metadata) == []

    def test_an_unusable_database_is_a_store_error(self, tmp_path: Any) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("")
        with pytest.raises(StoreError, match="Cannot upgrade the database"):
            upgrade(f"sqlite:///{blocker}/nssa.db")
