"""Deleting conversations after the retention period and on request (bot/store/retention.py).

On SQLite and PostgreSQL, with Rasa's `events` written by the project's
tracker store and the project's tables filled through their repositories.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine

from bot.settings import load_settings
from bot.store.channels import ChannelIdentities, ContinuityCodes, MessageDeliveries
from bot.store.db import create_engine_for
from bot.store.deletions import ConversationDeletions
from bot.store.handovers import Handovers
from bot.store.outbox import Outbox
from bot.store.persons import Persons
from bot.store.retention import Retention
from bot.store.schema import upgrade
from bot.store.tables import forwarded_applications
from bot.store.tracker import PrivateSQLTrackerStore
from bot.worker import purge_once, purge_periodically
from tests.polling import eventually

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
RETENTION = timedelta(days=90)
IDLE = timedelta(minutes=10)


@pytest.fixture
def tracker_store(url: str) -> Iterator[PrivateSQLTrackerStore]:
    store = PrivateSQLTrackerStore(Domain.empty(), host=url, store_key="k")
    yield store
    store.engine.dispose()


def clock() -> datetime:
    return NOW


async def talk(store: PrivateSQLTrackerStore, conversation_id: str, at: datetime) -> None:
    """A stored conversation whose latest event is at `at`."""
    stamp = at.timestamp()
    tracker = DialogueStateTracker.from_events(
        conversation_id,
        [ActionExecuted("action_listen", timestamp=stamp - 60),
         UserUttered("hello", timestamp=stamp - 30),
         ActionExecuted("action_listen", timestamp=stamp)],
    )
    await store.save(tracker)


def linked_rows(engine: Engine, conversation_id: str) -> None:
    """Rows of the project's tables that point at the conversation."""
    Persons(engine, clock=clock).remember(f"P-{conversation_id}", conversation_id, "telegram")
    ChannelIdentities(engine, clock=clock).join(
        "telegram", f"chat-{conversation_id}", conversation_id
    )
    ContinuityCodes(engine, clock=clock).issue(conversation_id)
    MessageDeliveries(engine, clock=clock).record(
        "sms", f"SM-{conversation_id}", "delivered", conversation_id=conversation_id
    )
    Handovers(engine, clock=clock).request(conversation_id, "telegram", "distress")


def count(engine: Engine, table: str, conversation_id: str) -> int:
    column = "sender_id" if table == "events" else "conversation_id"
    with engine.connect() as connection:
        return connection.execute(
            sa.text(f"SELECT COUNT(*) FROM {table} WHERE {column} = :c"), {"c": conversation_id}
        ).scalar_one()


LINKED = ("events", "person_conversations", "channel_identities", "continuity_codes",
          "message_deliveries", "handovers")


class TestRetentionPeriod:
    async def test_old_conversations_go_recent_ones_and_undelivered_requests_stay(
        self, engine: Engine, tracker_store: PrivateSQLTrackerStore
    ) -> None:
        await talk(tracker_store, "old", NOW - RETENTION - timedelta(hours=1))
        await talk(tracker_store, "recent", NOW - RETENTION + timedelta(hours=1))
        for conversation_id in ("old", "recent"):
            linked_rows(engine, conversation_id)
        outbox = Outbox(engine, clock=clock)
        pending = outbox.add("cms_case", "old", "sms", "key-pending", {"a": 1})
        told = outbox.add("cms_case", "old", "sms", "key-told", {"a": 2})
        assert outbox.mark_delivered(told.id, {"reference": "NSSA-2026-000001"})
        assert outbox.mark_notified(told.id)
        with engine.begin() as connection:
            connection.execute(sa.insert(forwarded_applications).values(
                application_number="HO-00000001", person_id="P-old", conversation_id="old",
                created_at=NOW))

        report = Retention(engine, clock=clock).run(RETENTION, IDLE)

        assert (report.expired, report.deleted_on_request, report.waiting) == (1, 0, 0)
        for table in LINKED:
            assert count(engine, table, "old") == 0, table
            assert count(engine, table, "recent") > 0, table
        # Not delivered yet: kept, and still sent later. The case file stays.
        remaining = [row.id for row in outbox.due(NOW + timedelta(days=1), 10)]
        assert remaining == [pending.id]
        assert count(engine, "outbox", "old") == 1
        assert count(engine, "forwarded_applications", "old") == 1
        assert await tracker_store.retrieve("old") is None
        assert await tracker_store.retrieve("recent") is not None

    async def test_a_turn_that_read_the_old_conversation_does_not_bring_it_back(
        self, engine: Engine, tracker_store: PrivateSQLTrackerStore
    ) -> None:
        await talk(tracker_store, "back", NOW - RETENTION - timedelta(days=10))
        # A citizen comes back: Rasa reads the old conversation, then the purge runs.
        tracker = await tracker_store.retrieve("back")
        assert Retention(engine, clock=clock).purge_expired(RETENTION) == 1
        tracker.update(UserUttered("hello again"))
        await tracker_store.save(tracker)
        assert count(engine, "events", "back") == 0

    async def test_finished_requests_and_old_webhook_ids_go_after_the_period(
        self, engine: Engine
    ) -> None:
        from bot.store.webhooks import ProcessedWebhooks

        old = NOW - RETENTION - timedelta(days=1)
        outbox = Outbox(engine, clock=lambda: old)
        refused = outbox.add("cms_case", "gone", "sms", "key-refused", {"id": "85031212345"})
        outbox.mark_failed(refused.id, "BackendRejected")
        assert outbox.mark_notified(refused.id)
        waiting = outbox.add("cms_case", "gone", "sms", "key-waiting", {"a": 1})
        webhooks = ProcessedWebhooks(engine, clock=clock)
        webhooks.first_time("telegram", "1", now=NOW - timedelta(days=8))
        webhooks.first_time("telegram", "2", now=NOW - timedelta(days=1))

        Retention(engine, clock=clock).run(RETENTION, IDLE)

        with engine.connect() as connection:
            ids = [r[0] for r in connection.execute(sa.text("SELECT id FROM outbox"))]
            kept = [r[0] for r in connection.execute(
                sa.text("SELECT external_id FROM processed_webhooks"))]
        assert ids == [waiting.id]  # not finished: never deleted
        assert kept == ["2"]

    async def test_nothing_to_do_on_a_database_rasa_never_wrote(self, engine: Engine) -> None:
        report = Retention(engine, clock=clock).run(RETENTION, IDLE)
        assert (report.expired, report.deleted_on_request, report.waiting) == (0, 0, 0)


class TestDeletionRequests:
    async def test_an_idle_conversation_is_deleted_a_busy_one_waits(
        self, engine: Engine, tracker_store: PrivateSQLTrackerStore
    ) -> None:
        await talk(tracker_store, "idle", NOW - IDLE - timedelta(seconds=5))
        await talk(tracker_store, "busy", NOW - timedelta(seconds=5))
        for conversation_id in ("idle", "busy"):
            linked_rows(engine, conversation_id)
        deletions = ConversationDeletions(engine, clock=clock)
        deletions.request("idle", "telegram")
        deletions.request("busy", "rest")

        report = Retention(engine, clock=clock).run(RETENTION, IDLE)

        assert (report.expired, report.deleted_on_request, report.waiting) == (0, 1, 1)
        for table in LINKED:
            assert count(engine, table, "idle") == 0, table
            assert count(engine, table, "busy") > 0, table
        assert deletions.get("idle").done_at == NOW
        assert deletions.get("busy").done_at is None
        assert [r.conversation_id for r in deletions.pending()] == ["busy"]
        # The next message on the same Telegram chat starts a new conversation.
        assert ChannelIdentities(engine).conversation_for("telegram", "chat-idle") != "idle"

        later = Retention(engine, clock=lambda: NOW + IDLE + timedelta(seconds=10))
        assert later.run(RETENTION, IDLE).deleted_on_request == 1
        assert count(engine, "events", "busy") == 0

    def test_asking_again_after_a_deletion_makes_a_new_request(self, engine: Engine) -> None:
        deletions = ConversationDeletions(engine, clock=clock)
        deletions.request("conv", "rest")
        assert Retention(engine, clock=clock).run(RETENTION, IDLE).deleted_on_request == 1
        again = deletions.request("conv", "webchat")
        assert again.done_at is None and again.channel == "webchat"
        assert [r.conversation_id for r in deletions.pending()] == ["conv"]
        # Done requests are forgotten after the retention period.
        assert deletions.forget_done_before(NOW + RETENTION) == 0  # still pending
        Retention(engine, clock=clock).run(RETENTION, IDLE)
        assert Retention(engine, clock=lambda: NOW + RETENTION + timedelta(days=1)).run(
            RETENTION, IDLE).expired == 0
        assert deletions.get("conv") is None

    def test_a_bad_conversation_id_is_refused(self, engine: Engine) -> None:
        with pytest.raises(ValueError, match="conversation_id"):
            ConversationDeletions(engine).request("")
        with pytest.raises(ValueError, match="longer than 255"):
            ConversationDeletions(engine).request("x" * 256)


class TestWorkerJob:
    async def test_the_worker_runs_the_purge_until_stopped(
        self, url: str, engine: Engine, tracker_store: PrivateSQLTrackerStore
    ) -> None:
        settings = load_settings(
            environ={"NSSA_DATABASE_URL": url, "NSSA_DELETION_IDLE_SECONDS": "1",
                     "NSSA_PURGE_INTERVAL_SECONDS": "1"},
            env_file=Path("/nonexistent"),
        )
        now = datetime.now(timezone.utc)
        await talk(tracker_store, "asked", now - timedelta(seconds=2))
        ConversationDeletions(engine).request("asked", "rest")
        stop = asyncio.Event()
        job = asyncio.create_task(purge_periodically(settings, Retention(engine), stop))
        try:
            await eventually(lambda: count(engine, "events", "asked") == 0,
                             "the asked-for deletion carried out")
        finally:
            stop.set()
            await asyncio.wait_for(job, timeout=10)
        assert count(engine, "events", "asked") == 0
        assert purge_once(settings, Retention(engine)).deleted_on_request == 0


class TestPurgeCommand:
    async def test_python_m_bot_purge_runs_the_job_once(
        self, tmp_path: Path
    ) -> None:
        from click.testing import CliRunner

        from bot.cli import cli

        url = f"sqlite:///{tmp_path / 'nssa.db'}"
        upgrade(url)
        engine = create_engine_for(url)
        store = PrivateSQLTrackerStore(Domain.empty(), host=url, store_key="k")
        try:
            await talk(store, "asked", datetime.now(timezone.utc) - timedelta(minutes=20))
            await talk(store, "kept", datetime.now(timezone.utc) - timedelta(minutes=20))
            ConversationDeletions(engine).request("asked", "sms")
            result = CliRunner().invoke(
                cli, ["purge"],
                env={"NSSA_DATABASE_URL": url, "NSSA_ENV_FILE": "/nonexistent",
                     "NSSA_VAR_DIR": str(tmp_path)},
            )
            assert result.exit_code == 0, result.output
            assert result.output.strip() == (
                "Conversation store: 0 conversation(s) past the retention period deleted, "
                "1 deleted on request, 0 request(s) waiting."
            )
            assert count(engine, "events", "asked") == 0
            assert count(engine, "events", "kept") > 0
        finally:
            store.engine.dispose()
            engine.dispose()

    def test_a_bad_setting_is_named(self) -> None:
        from click.testing import CliRunner

        from bot.cli import cli

        result = CliRunner().invoke(
            cli, ["purge"], env={"NSSA_RETENTION_DAYS": "0", "NSSA_ENV_FILE": "/nonexistent"}
        )
        assert result.exit_code == 2 and "NSSA_RETENTION_DAYS" in result.output
